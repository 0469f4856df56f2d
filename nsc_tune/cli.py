"""The ``nsc-tune`` command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from nsc_tune.errors import NscTuneError


def _agreement(k, n: int, seed: int) -> dict:
    """Run ``k`` through Numba and gcc on ``n`` domain samples and compare."""
    from nsc_tune.kernel.compare import compare_outputs

    X = k.sample(n, seed=seed)
    k(X[:2])  # compile (or load the on-disk cache) outside the timing
    t0 = time.perf_counter()
    Y = k(X)
    t_numba = time.perf_counter() - t0
    k.native(X[:2])
    t0 = time.perf_counter()
    Y_native = k.native(X)
    t_native = time.perf_counter() - t0
    report = compare_outputs(k, Y, Y_native)
    return {
        "kernel": k.name,
        "signature": str(k.signature),
        "inputs": k.n_inputs,
        "outputs": k.n_outputs,
        "samples": n,
        "exact_share": report.exact_share,
        "max_ulps": report.max_ulps,
        "agree": report.ok,
        "numba_rows_per_s": n / t_numba,
        "gcc_rows_per_s": n / t_native,
    }


def _print_table(rows: list[dict]) -> None:
    head = f"{'kernel':<13}{'in':>4}{'out':>5}{'exact':>9}{'max ulp':>9}{'numba rows/s':>15}" \
           f"{'gcc rows/s':>13}  agree"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['kernel']:<13}{r['inputs']:>4}{r['outputs']:>5}{r['exact_share']:>9.4f}"
              f"{r['max_ulps']:>9.0f}{r['numba_rows_per_s']:>15,.0f}{r['gcc_rows_per_s']:>13,.0f}"
              f"  {'yes' if r['agree'] else 'NO'}")


def cmd_demo(args: argparse.Namespace) -> int:
    """Parse every suite kernel, run it through Numba and gcc, print the comparison."""
    from nsc_tune import suite

    rows = []
    for name in suite.names():
        k = suite.load(name)
        if not args.json:
            print(f"{name}: {k.signature}", file=sys.stderr)
        rows.append(_agreement(k, args.samples, args.seed))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print()
        _print_table(rows)
    return 0 if all(r["agree"] for r in rows) else 1


def cmd_check(args: argparse.Namespace) -> int:
    """Parse a user's kernel, show its signature and domains, cross-check Numba against gcc."""
    from nsc_tune.kernel import Kernel

    k = Kernel.from_file(args.path, function=args.function)
    row = _agreement(k, args.samples, args.seed)
    if args.json:
        row["domains"] = k.domains.tolist()
        print(json.dumps(row, indent=2))
    else:
        print(f"{k.name}: {k.signature}")
        for label, (lo, hi) in zip(k.signature.input_labels(), k.domains, strict=True):
            print(f"  {label:<16} in [{lo:g}, {hi:g}]")
        print()
        _print_table([row])
    return 0 if row["agree"] else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nsc-tune", description="Compile C kernels into neural surrogates; tune or swap in.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the main job on the bundled kernels")
    demo.add_argument("--samples", type=int, default=100_000, help="inputs per kernel")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--json", action="store_true", help="machine-readable output")
    demo.set_defaults(func=cmd_demo)

    check = sub.add_parser("check", help="parse a C kernel and cross-check Numba against gcc")
    check.add_argument("path", help="the .c file")
    check.add_argument("--function", default=None, help="kernel function name")
    check.add_argument("--samples", type=int, default=100_000)
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``nsc-tune``: typed errors become one clear line and exit status 2."""
    args = build_parser().parse_args(argv)
    if getattr(args, "samples", 1) <= 0:
        print("nsc-tune: error: --samples must be positive", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except (NscTuneError, OSError) as exc:
        print(f"nsc-tune: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

