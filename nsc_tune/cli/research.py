"""The research subcommands: ``corpus build|stats``, ``pretrain``, ``eval``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nsc_tune.cli.common import UsageError

SUITE = ["blackscholes", "fft", "inversek2j", "jmeint", "jpeg", "kmeans", "sobel"]


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


def cmd_corpus_mine(args: argparse.Namespace) -> int:
    """Mine C sources into corpus programs, then build them like generated ones."""
    from nsc_tune.corpus.build import BuildConfig, build
    from nsc_tune.corpus.mine import mine

    path, counts = mine(args.src, args.out, progress=not args.json, headers=args.headers)
    n = counts.get("candidate", 0)
    if n == 0:
        raise UsageError(f"no function under {' '.join(args.src)} loads as a kernel: "
                         + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    cfg = BuildConfig(n=n, out=args.out, rows=args.rows, workers=args.workers,
                      shard_size=args.shard_size, candidates=str(path))
    manifest = build(cfg, progress=not args.json)
    report = {"extracted": dict(sorted(counts.items())), "kept": manifest["kept"],
              "rejected": manifest["rejected"], "splits": manifest["splits"]}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{n:,} candidate functions; kept {manifest['kept']:,} programs in {args.out}")
        print("not extracted: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())
                                            if k != "candidate"))
        print("dropped: " + ", ".join(f"{k} {v:,}" for k, v in manifest["rejected"].items()))
    return 0


def cmd_corpus_stats(args: argparse.Namespace) -> int:
    """Print corpus statistics and write the stats plot."""
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


def _check_device(name: str) -> None:
    """A torch device this machine has, or a UsageError saying what to pass instead."""
    import torch

    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise UsageError(f"--device {name}: not a torch device ({exc}); use cpu or cuda") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {name}: this machine has no CUDA GPU; use --device cpu, or "
                         "leave --device out to run one process per run")


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the paper's protocol (data efficiency or epochs to target) on suite kernels."""
    from nsc_tune.evaluate import protocol
    from nsc_tune.evaluate.programs import is_corpus

    unknown = [k for k in args.kernels if k not in SUITE and not (args.corpus and is_corpus(k))]
    if unknown:
        raise UsageError(f"unknown kernel(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(SUITE)}, or corpus:<index> with --corpus DIR")
    if args.device is not None:
        _check_device(args.device)
    kernels = tuple(args.kernels)
    if args.programs and not args.corpus:
        raise UsageError("--programs N draws test programs from a corpus; add --corpus DIR")
    if args.corpus:
        from nsc_tune.corpus.storage import CorpusError
        from nsc_tune.evaluate.programs import ProgramError, check_names, corpus_names

        try:
            check_names(kernels, args.corpus)
            kernels += corpus_names(args.corpus, args.programs, args.seed)
        except (CorpusError, ProgramError) as exc:
            raise UsageError(f"--corpus {args.corpus}: {exc}") from exc
    if not kernels:
        raise UsageError("no kernels to evaluate: name suite kernels with --kernels, or corpus "
                         "test programs with --corpus DIR --programs N")
    cfg = protocol.ProtocolConfig(kernels=kernels, pool=args.pool, test=args.test,
                                  fractions=tuple(args.fractions), trials=args.trials,
                                  epochs=args.epochs, inits=tuple(args.inits),
                                  workers=args.workers, seed=args.seed, device=args.device,
                                  corpus=args.corpus)
    if args.eval_command == "data-efficiency":
        reuse = []
        for path in args.reuse or []:
            try:
                reuse.append(json.loads(Path(path).read_text()))
                protocol.reusable_rows(cfg, reuse[-1])  # checked before any run starts
            except (OSError, ValueError) as exc:  # JSONDecodeError is a ValueError
                raise UsageError(f"--reuse {path}: {exc}") from exc
        result = protocol.data_efficiency(cfg, progress=not args.json, reuse=reuse)
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


def add(sub: argparse._SubParsersAction) -> None:
    """Register ``corpus``, ``pretrain`` and ``eval``."""
    corpus = sub.add_parser("corpus", help="build and inspect the pretraining corpus",
                            description="Build and inspect the pretraining corpus.")
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
    cm = corpus_sub.add_parser("mine", help="turn trees of C sources into corpus programs")
    cm.add_argument("src", nargs="+", help="folders of C sources (permissively licensed)")
    cm.add_argument("--out", required=True, help="corpus folder")
    cm.add_argument("--workers", type=int, default=0, help="processes (default: all cores)")
    cm.add_argument("--rows", type=int, default=1024, help="input/output pairs per program")
    cm.add_argument("--shard-size", type=int, default=1000, help="candidates per shard")
    cm.add_argument("--headers", action="store_true",
                    help="also mine the functions .h files define (header-only libraries)")
    cm.add_argument("--json", action="store_true")
    cm.set_defaults(func=cmd_corpus_mine)
    cs = corpus_sub.add_parser("stats", help="counts, histograms and a PNG plot of a corpus")
    cs.add_argument("dir", help="corpus folder")
    cs.add_argument("--plot", default=None, help="PNG path (default DIR/stats.png)")
    cs.add_argument("--json", action="store_true")
    cs.set_defaults(func=cmd_corpus_stats)

    from nsc_tune.compiler.pretrain import add_arguments, run_from_args

    pt = sub.add_parser("pretrain", help="pretrain CompNet on a corpus (torchrun for DDP)",
                        description="Pretrain CompNet on a corpus built by `nsc-tune corpus "
                        "build`; `torchrun ... -m nsc_tune.compiler.pretrain` for several GPUs.")
    add_arguments(pt).set_defaults(func=run_from_args)

    ev = sub.add_parser("eval", help="the paper's protocol: data efficiency, epochs to target",
                        description="The paper's evaluation protocol on suite kernels.")
    ev_sub = ev.add_subparsers(dest="eval_command", required=True)
    for name, helptext in (("data-efficiency", "test MSE per training fraction and init"),
                           ("epochs-to-target", "epochs to the random init's final error")):
        e = ev_sub.add_parser(name, help=helptext)
        e.add_argument("--kernels", nargs="*", default=SUITE,
                       help="suite kernels (default: all; none with --kernels and no names), "
                       "or corpus test programs by name (corpus:<index>, with --corpus)")
        e.add_argument("--corpus", default=None, metavar="DIR",
                       help="a corpus folder: also evaluate --programs of its test split")
        e.add_argument("--programs", type=int, default=0, metavar="N",
                       help="how many corpus test programs (a seeded sample; needs --corpus)")
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
        e.add_argument("--device", default=None,
                       help="train each kernel and fraction's runs as one batched model on this "
                       "device (cuda on the GPU host; cpu also works) instead of one process "
                       "per run")
        e.add_argument("--seed", type=int, default=0)
        e.add_argument("--out", default=None, help="folder for JSON and Markdown results")
        if name == "data-efficiency":
            e.add_argument("--reuse", nargs="+", default=None, metavar="JSON",
                           help="take the matching rows of earlier data-efficiency.json or "
                           "epochs-to-target.json results with the same settings instead of "
                           "running them again")
        e.add_argument("--json", action="store_true")
        e.set_defaults(func=cmd_eval)
