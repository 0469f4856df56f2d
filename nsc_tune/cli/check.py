"""``nsc-tune check``: a kernel's signature and domains, Numba cross-checked against gcc."""

from __future__ import annotations

import argparse

from nsc_tune.cli.common import add_kernel_arguments, emit, kernel_from_args


def print_agreement(rows: list[dict]) -> None:
    """The Numba-vs-gcc table, one row per kernel."""
    head = (f"{'kernel':<13}{'in':>4}{'out':>5}{'exact':>9}{'max ulp':>9}{'numba rows/s':>15}"
            f"{'gcc rows/s':>13}  agree")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['kernel']:<13}{r['inputs']:>4}{r['outputs']:>5}{r['exact_share']:>9.4f}"
              f"{r['max_ulps']:>9.0f}{r['numba_rows_per_s']:>15,.0f}{r['gcc_rows_per_s']:>13,.0f}"
              f"  {'yes' if r['agree'] else 'NO'}")


def cmd_check(args: argparse.Namespace) -> int:
    """Parse a user's kernel, show its signature, domains and proven output ranges, and
    cross-check Numba against gcc."""
    from nsc_tune.kernel.compare import agreement
    from nsc_tune.kernel.ranges import ranges_to_json

    k = kernel_from_args(args)
    row = agreement(k, args.samples, args.seed)
    row["domains"] = k.domains.tolist()
    ranges = k.output_ranges()
    row["output_ranges"] = ranges_to_json(ranges)

    def human(r: dict) -> None:
        print(f"{k.name}: {k.signature}")
        for label, (lo, hi) in zip(k.signature.input_labels(), k.domains, strict=True):
            print(f"  {label:<16} in [{lo:g}, {hi:g}]")
        print("outputs, bounds proven without running the kernel:")
        for label, (lo, hi) in zip(k.signature.output_labels(), ranges, strict=True):
            print(f"  {label:<16} in [{lo:g}, {hi:g}]")
        print()
        print_agreement([r])

    emit(args, row, human)
    return 0 if row["agree"] else 1


def add(sub: argparse._SubParsersAction) -> None:
    """Register ``check``."""
    p = sub.add_parser("check", help="parse a C kernel and cross-check Numba against gcc",
                       description="Parse a C kernel, print its signature, input domains and "
                       "statically proven output ranges, and compare its Numba translation with "
                       "gcc on domain samples.")
    add_kernel_arguments(p)
    p.add_argument("--samples", type=int, default=100_000, help="inputs to compare")
    p.set_defaults(func=cmd_check)
