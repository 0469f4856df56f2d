"""``nsc-tune compile | fit | validate``: make a surrogate, fine-tune it, measure it."""

from __future__ import annotations

import argparse
import dataclasses
import time

from nsc_tune.cli.common import UsageError, add_kernel_arguments, emit, kernel_from_args, note
from nsc_tune.report.fmt import g, lower

#: Offset of validation draws from the command's seed, so they never reuse training inputs.
VALIDATION_SEED = 12345


def report_dict(report) -> dict:
    """A ``ValidationReport`` as plain data."""
    return dataclasses.asdict(report)


def print_errors(rows: dict[str, dict]) -> None:
    """A table of validation reports (as dicts), one row per name."""
    metric = next((r["metric"] for r in rows.values() if r.get("metric")), None)
    print(f"  {'':<10}{'MSE':>12}{'RMSE':>12}{'max |error|':>14}"
          + (f"  {metric}" if metric else ""))
    for name, r in rows.items():
        print(f"  {name:<10}{g(r['mse']):>12}{g(r['rmse']):>12}{g(r['max_abs_error']):>14}"
              + (f"  {g(r['quality'])}" if metric else ""))


def describe(s) -> str:
    """``MLP 2 -> 64 -> 64 -> 2, 4,546 parameters``."""
    hidden = " -> ".join([str(s.width)] * s.depth)
    n = sum(p.numel() for p in s.parameters())
    return f"MLP {s.n_inputs} -> {hidden} -> {s.n_outputs}, {n:,} parameters"


def cmd_compile(args: argparse.Namespace) -> int:
    """Compile with CompNet; zero-shot error vs a random init; optionally save."""
    from nsc_tune import Surrogate, validate

    k = kernel_from_args(args)
    t0 = time.perf_counter()
    s = Surrogate.compiled(k, args.weights)
    seconds = time.perf_counter() - t0
    seed = args.seed + VALIDATION_SEED
    compiled = report_dict(validate(s, n_samples=args.samples, seed=seed))
    random = report_dict(validate(Surrogate.random(k, seed=args.seed), n_samples=args.samples,
                                  seed=seed))
    data = {"kernel": k.name, "signature": str(k.signature), "surrogate": describe(s),
            "compile_seconds": seconds, "samples": args.samples, "compiled": compiled,
            "random": random, "improvement": random["mse"] / max(compiled["mse"], 1e-300),
            "out": str(s.save(args.out)) if args.out else None}

    def human(d: dict) -> None:
        print(f"{k.name}: {k.signature}")
        print(f"compiled by CompNet in {d['compile_seconds']:.2f} s, no kernel runs: "
              f"{d['surrogate']}")
        print(f"zero-shot error on {d['samples']:,} fresh samples (kernel's units):")
        print_errors({"compiled": d["compiled"], "random": d["random"]})
        print(f"compiled init: MSE {lower(d['improvement'])} than random init's")
        if d["out"]:
            print(f"saved {d['out']}  (next: nsc-tune validate {args.kernel} --surrogate "
                  f"{d['out']})")

    emit(args, data, human)
    return 0


class FitResultView:
    """The fields of a ``FitResult`` that ``fit --init best`` reports (no epochs of its own)."""

    def __init__(self, n_train: int, n_val: int) -> None:
        self.n_train, self.n_val = n_train, n_val
        self.history: list = []
        self.best_epoch = 0
        self.best_val_mse = float("nan")


def cmd_fit(args: argparse.Namespace) -> int:
    """Fine-tune a compiled, random or auto-chosen init on kernel samples; validate; save."""
    from nsc_tune import Surrogate, validate
    from nsc_tune.surrogate.fit import draw, fit_auto, fit_surrogate

    k = kernel_from_args(args)
    note(args, f"drawing {args.samples:,} examples of {k.name} through the Numba ground truth")
    X, Y = draw(k, args.samples, args.seed)
    kw = dict(epochs=args.epochs, lr=args.lr, patience=args.patience, seed=args.seed,
              progress=not args.json)
    candidates, method = None, None
    t0 = time.perf_counter()
    if args.init == "best":
        import nsc_tune

        s = nsc_tune.fit((X, Y), kernel=k, epochs=args.epochs, lr=args.lr, seed=args.seed,
                         speed=args.speed, progress=not args.json)
        candidates, method = s.choice.scores, s.choice.method
        result = FitResultView(len(X), 0)  # the winner is refitted on every example
    elif args.init == "auto":
        s, result, candidates = fit_auto(k, X, Y, **kw)
    else:
        s = Surrogate.compiled(k) if args.init == "compiled" else \
            Surrogate.random(k, seed=args.seed)
        result = fit_surrogate(s, X, Y, **kw)
    seconds = time.perf_counter() - t0
    report = report_dict(validate(s, n_samples=args.val_samples,
                                  seed=args.seed + VALIDATION_SEED))
    data = {"kernel": k.name, "init": s.init, "candidates": candidates, "chosen_by": method,
            "kernel_runs": args.samples, "n_train": result.n_train, "n_val": result.n_val,
            "epochs_run": len(result.history), "best_epoch": result.best_epoch,
            "best_val_mse": result.best_val_mse, "fit_seconds": seconds,
            "validation": report,
            "val_curve": [v for _, v in result.history],
            "out": str(s.save(args.out)) if args.out else None}

    def human(d: dict) -> None:
        print(f"{k.name}: {k.signature}")
        if d["chosen_by"]:
            print(f"{d['chosen_by']} MSE (standardised outputs): "
                  + ", ".join(f"{name} {g(v)}" for name, v in d["candidates"].items())
                  + f" -> kept {s.choice.candidate}: {s!r}")
        elif d["candidates"]:
            print("auto init: best validation MSE "
                  + ", ".join(f"{name} {g(v)}" for name, v in d["candidates"].items())
                  + f" -> kept {d['init']}")
        if d["chosen_by"]:
            print(f"fitted on {args.samples:,} kernel runs in {d['fit_seconds']:.1f} s")
        else:
            print(f"fine-tuned the {d['init']} init on {d['n_train']:,} examples "
                  f"({d['n_val']:,} held out for validation) for {d['epochs_run']} epochs in "
                  f"{d['fit_seconds']:.1f} s; best validation epoch {d['best_epoch']} "
                  f"(MSE {g(d['best_val_mse'])} on standardised outputs)")
        print(f"error on {args.val_samples:,} fresh samples (kernel's units):")
        print_errors({d["init"]: d["validation"]})
        if d["out"]:
            print(f"saved {d['out']}")

    emit(args, data, human)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """A surrogate (from a file, or compiled now) against fresh ground truth."""
    from nsc_tune import Surrogate, validate

    k = kernel_from_args(args)
    if args.surrogate:
        s = Surrogate.load(args.surrogate)
        if (s.n_inputs, s.n_outputs) != (k.n_inputs, k.n_outputs):
            raise UsageError(f"{args.surrogate} is a surrogate of `{s.kernel.function}` "
                             f"({s.n_inputs} -> {s.n_outputs}); {args.kernel} has "
                             f"{k.n_inputs} inputs and {k.n_outputs} outputs")
        source = "file"
    else:
        s, source = Surrogate.compiled(k), "compiled"
    same = s.kernel.source == k.source and s.kernel.function == k.function
    report = report_dict(validate(s, k, n_samples=args.samples,
                                  seed=args.seed + VALIDATION_SEED))
    data = {"kernel": k.name, "surrogate": args.surrogate, "source": source, "init": s.init,
            "same_source": same, "samples": args.samples, **report}

    def human(d: dict) -> None:
        what = args.surrogate if args.surrogate else "the zero-shot compiled surrogate"
        print(f"{what} ({d['init']} init) against {k.name} on {d['samples']:,} fresh samples:")
        if not same:
            print(f"  note: it was made from another source (`{s.kernel.function}`)")
        print_errors({"surrogate": d})
        for label, e in d["per_output"].items():
            print(f"    {label:<12} MSE {g(e['mse'])}  RMSE {g(e['rmse'])}  "
                  f"max {g(e['max_abs_error'])}")

    emit(args, data, human)
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Register ``compile``, ``fit`` and ``validate``."""
    p = sub.add_parser("compile", help="compile a kernel into a surrogate with CompNet",
                       description="Compile a C kernel into an MLP surrogate with the shipped "
                       "CompNet weights (no kernel runs), and report its zero-shot error "
                       "against the ground truth next to a random init's.")
    add_kernel_arguments(p)
    p.add_argument("--out", default=None, metavar="S.safetensors",
                   help="save the surrogate (weights + kernel source, function, domains)")
    p.add_argument("--samples", type=int, default=2000,
                   help="fresh ground-truth samples for the zero-shot error")
    p.add_argument("--weights", default=None, help="CompNet weights (default: shipped)")
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("fit", help="fit a surrogate to kernel samples",
                       description="Fit a surrogate to examples drawn from the kernel's domains, "
                       "then validate it on fresh samples. --init best (default) fits the MLP, "
                       "GPs and a GP on the MLP's residual and keeps the best on held-out "
                       "examples (nsc_tune.fit); the others fine-tune one MLP (80:20 "
                       "train/validation, Adam, best-validation weights kept).")
    add_kernel_arguments(p)
    p.add_argument("--samples", type=int, default=1000, help="kernel runs to train on")
    p.add_argument("--epochs", type=int, default=500)
    p.add_argument("--init", choices=("best", "auto", "compiled", "random"), default="best",
                   help="best: every surrogate kind, the best on held-out examples kept "
                   "(default); auto: the compiled and a random MLP side by side")
    p.add_argument("--speed", choices=("exact", "balanced", "fast"), default="balanced",
                   help="with --init best: fast keeps only surrogates that predict as fast as "
                   "the MLP (the MLP or a sparse GP); balanced prefers one of those within 1.1x "
                   "of the best held-out error; exact keeps the most accurate (default: balanced)")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--patience", type=int, default=200,
                   help="stop after this many epochs without validation improvement")
    p.add_argument("--val-samples", type=int, default=2000,
                   help="fresh samples for the final validation")
    p.add_argument("--out", default=None, metavar="S.safetensors", help="save the surrogate")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("validate", help="a surrogate's error against fresh ground truth",
                       description="Compare a surrogate with fresh ground truth from the "
                       "kernel's domains (MSE, RMSE, max |error|, per output, and the AxBench "
                       "metric for suite kernels). Without --surrogate, the kernel is compiled "
                       "now and its zero-shot surrogate is validated.")
    add_kernel_arguments(p)
    p.add_argument("--surrogate", default=None, metavar="S.safetensors",
                   help="a file from `nsc-tune compile/fit --out`")
    p.add_argument("--samples", type=int, default=10_000)
    p.set_defaults(func=cmd_validate)
