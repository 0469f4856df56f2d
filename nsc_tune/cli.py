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


def cmd_corpus_build(args: argparse.Namespace) -> int:
    """Build (or resume) a pretraining corpus."""
    from nsc_tune.corpus.build import BuildConfig, build

    cfg = BuildConfig(n=args.n, out=args.out, seed=args.seed, rows=args.rows,
                      workers=args.workers, shard_size=args.shard_size)
    manifest = build(cfg, progress=not args.json)
    report = {k: manifest[k] for k in ("kept", "candidates", "splits", "rejected",
                                       "build_seconds")}
    report["programs_per_second"] = round(manifest["kept"] / max(manifest["build_seconds"], 1e-9),
                                          1)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"kept {report['kept']:,} of {report['candidates']:,} candidates in "
              f"{report['build_seconds']} s ({report['programs_per_second']} programs/s); "
              f"splits {report['splits']}")
        print("dropped: " + ", ".join(f"{k} {v:,}" for k, v in report["rejected"].items()))
    return 0


def cmd_corpus_stats(args: argparse.Namespace) -> int:
    """Print corpus statistics and write the stats plot."""
    from pathlib import Path

    from nsc_tune.corpus.stats import plot, summary
    from nsc_tune.corpus.storage import Corpus

    corpus = Corpus(args.dir)
    info = summary(corpus)
    png = plot(corpus, args.plot or Path(args.dir) / "stats.png")
    info["plot"] = str(png)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>22}: {value}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the paper's protocol (data efficiency or epochs to target) on suite kernels."""
    from pathlib import Path

    from nsc_tune import suite
    from nsc_tune.evaluate import protocol

    unknown = [k for k in args.kernels if k not in suite.names()]
    if unknown:
        print(f"nsc-tune: error: unknown kernel(s) {', '.join(unknown)}; choose from "
              f"{', '.join(suite.names())}", file=sys.stderr)
        return 2
    cfg = protocol.ProtocolConfig(kernels=tuple(args.kernels), pool=args.pool, test=args.test,
                                  fractions=tuple(args.fractions), trials=args.trials,
                                  epochs=args.epochs, inits=tuple(args.inits),
                                  workers=args.workers, seed=args.seed)
    if args.eval_command == "data-efficiency":
        result = protocol.data_efficiency(cfg, progress=not args.json)
    else:
        result = protocol.epochs_to_target(cfg, fraction=args.fractions[-1],
                                           progress=not args.json)
    table = protocol.markdown(result)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{args.eval_command}.json").write_text(json.dumps(result, indent=1))
        (out / f"{args.eval_command}.md").write_text(table + "\n")
    print(json.dumps(result, indent=1) if args.json else table)
    return 0


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

    corpus = sub.add_parser("corpus", help="build and inspect the pretraining corpus")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    cb = corpus_sub.add_parser("build", help="generate, run, filter, dedup and split programs")
    cb.add_argument("--n", type=int, required=True, help="programs to keep")
    cb.add_argument("--out", required=True, help="corpus folder (resumed if it exists)")
    cb.add_argument("--workers", type=int, default=0, help="processes (default: all cores)")
    cb.add_argument("--seed", type=int, default=0)
    cb.add_argument("--rows", type=int, default=1024, help="input/output pairs per program")
    cb.add_argument("--shard-size", type=int, default=1000, help="candidates per shard")
    cb.add_argument("--json", action="store_true")
    cb.set_defaults(func=cmd_corpus_build)
    cs = corpus_sub.add_parser("stats", help="counts, histograms and a PNG plot of a corpus")
    cs.add_argument("dir", help="corpus folder")
    cs.add_argument("--plot", default=None, help="PNG path (default DIR/stats.png)")
    cs.add_argument("--json", action="store_true")
    cs.set_defaults(func=cmd_corpus_stats)

    from nsc_tune.compiler.pretrain import add_arguments, run_from_args

    pt = sub.add_parser("pretrain", help="pretrain CompNet on a corpus (torchrun for DDP)")
    add_arguments(pt).set_defaults(func=run_from_args)

    ev = sub.add_parser("eval", help="the paper's protocol: data efficiency, epochs to target")
    ev_sub = ev.add_subparsers(dest="eval_command", required=True)
    for name, helptext in (("data-efficiency", "test MSE per training fraction and init"),
                           ("epochs-to-target", "epochs to the random init's final error")):
        e = ev_sub.add_parser(name, help=helptext)
        e.add_argument("--kernels", nargs="+", default=["blackscholes", "fft", "inversek2j",
                                                         "jmeint", "jpeg", "kmeans", "sobel"])
        e.add_argument("--pool", type=int, default=10_000, help="examples per kernel")
        e.add_argument("--test", type=int, default=2_000, help="test examples per kernel")
        e.add_argument("--fractions", type=float, nargs="+",
                       default=[0.0, 0.001, 0.01, 0.1, 1.0] if name == "data-efficiency"
                       else [1.0])
        e.add_argument("--trials", type=int, default=9)
        e.add_argument("--epochs", type=int, default=5000)
        e.add_argument("--inits", nargs="+", default=["random", "compiled", "text_agnostic",
                                                       "auto"])
        e.add_argument("--workers", type=int, default=0)
        e.add_argument("--seed", type=int, default=0)
        e.add_argument("--out", default=None, help="folder for JSON and Markdown results")
        e.add_argument("--json", action="store_true")
        e.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``nsc-tune``: typed errors become one clear line and exit status 2."""
    args = build_parser().parse_args(argv)
    for name in ("samples", "n", "rows", "shard_size", "pool", "test", "trials", "epochs"):
        if getattr(args, name, 1) <= 0:
            print(f"nsc-tune: error: --{name.replace('_', '-')} must be positive",
                  file=sys.stderr)
            return 2
    try:
        return args.func(args)
    except (NscTuneError, OSError, json.JSONDecodeError) as exc:
        print(f"nsc-tune: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

