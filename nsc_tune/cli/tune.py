"""``nsc-tune tune``: find kernel inputs that minimise, maximise or hit outputs; verified."""

from __future__ import annotations

import argparse

import numpy as np

from nsc_tune.cli.common import (
    UsageError,
    add_kernel_arguments,
    emit,
    kernel_from_args,
    note,
    output_column,
    parse_assignments,
    parse_bounds,
)
from nsc_tune.report.fmt import g


def build_objective(kernel, args: argparse.Namespace):
    """``(objective, description)`` from ``--minimize``, ``--maximize`` or ``--target``s."""
    labels = kernel.signature.output_labels()
    if args.target:
        targets = [(output_column(kernel, name), value)
                   for name, value in parse_assignments(args.target, "--target").items()]
        text = " + ".join(f"({labels[c]} - {v:g})^2" for c, v in targets)

        def objective(x, y):
            return sum((y[:, c] - v) ** 2 for c, v in targets)

        return objective, f"minimise {text}"
    name, sign = (args.minimize, 1.0) if args.minimize else (args.maximize, -1.0)
    col = output_column(kernel, name)

    def objective(x, y):
        return sign * y[:, col]

    return objective, f"{'minimise' if sign > 0 else 'maximise'} {labels[col]}"


def cmd_tune(args: argparse.Namespace) -> int:
    """Tune through a surrogate (loaded, or compiled and fitted now) with ``refine``."""
    from nsc_tune import Surrogate
    from nsc_tune.tune import Space, bayes_minimize, refine, resolve_bounds
    from nsc_tune.tune.problem import input_rows

    k = kernel_from_args(args)
    objective, text = build_objective(k, args)
    fixed = parse_assignments(args.fixed, "--fixed")
    bounds = parse_bounds(args.bounds)
    box = resolve_bounds(k, bounds)  # names and ranges checked before any fitting
    for key, value in fixed.items():
        for r in input_rows(k, key):
            if not box[r, 0] <= value <= box[r, 1]:
                raise UsageError(f"--fixed {key}={value:g} is outside {key}'s range "
                                 f"[{box[r, 0]:g}, {box[r, 1]:g}]; pick a value inside it")
    Space.of(k, bounds, fixed)  # something left to tune, before any fitting
    samples = args.samples if args.samples is not None else (0 if args.method == "bo" else 1000)
    if args.surrogate:
        s = Surrogate.load(args.surrogate)
        if (s.n_inputs, s.n_outputs) != (k.n_inputs, k.n_outputs):
            raise UsageError(f"{args.surrogate} is a surrogate of `{s.kernel.function}`, "
                             f"which does not fit {args.kernel}")
        fit_runs, how = 0, f"loaded from {args.surrogate}"
    elif samples == 0:
        s, fit_runs, how = Surrogate.compiled(k), 0, "compiled (no fine-tuning)"
    else:
        s = Surrogate.compiled(k)
        note(args, f"fine-tuning the compiled surrogate on {samples:,} kernel runs")
        s.fit(k, n_samples=samples, epochs=args.epochs, seed=args.seed,
              progress=not args.json)
        fit_runs, how = samples, (f"compiled, fine-tuned on {samples:,} kernel runs "
                                  f"({args.epochs} epochs at most)")
    note(args, f"tuning: {text}")
    if args.method == "bo":
        res = bayes_minimize(s, objective, fixed=fixed, bounds=bounds, budget=args.budget,
                             seed=args.seed)
    else:
        res = refine(s, objective, rounds=args.rounds, fixed=fixed, bounds=bounds,
                     n_starts=args.starts, steps=args.steps, seed=args.seed)
    Xe, Ye = res.evaluated  # the round that found the best verified answer
    row = int(np.argmin(np.abs(Xe - res.x).max(axis=1)))
    outputs = dict(zip(k.signature.output_labels(), map(float, Ye[row]), strict=True))
    data = {"kernel": k.name, "objective": text, "surrogate": how, "fixed": fixed,
            "bounds": {key: list(b) for key, b in bounds.items()}, "inputs": res.inputs,
            "outputs": outputs, "predicted": res.predicted, "verified": res.verified,
            "rounds": res.history,
            "kernel_runs": {"fit": fit_runs, "tune": res.kernel_runs,
                            "total": fit_runs + res.kernel_runs}}

    def human(d: dict) -> None:
        print(f"{k.name}: {k.signature}")
        print(f"surrogate: {d['surrogate']}")
        print(f"objective: {d['objective']}")
        print("best inputs (real units):")
        for label, value in d["inputs"].items():
            print(f"  {label:<14} = {value:.6g}" + ("  (fixed)" if label in fixed else ""))
        print("kernel outputs there (verified):")
        for label, value in list(d["outputs"].items())[:16]:
            print(f"  {label:<14} = {value:.6g}")
        if len(d["outputs"]) > 16:
            print(f"  ... ({len(d['outputs'])} outputs; --json lists all)")
        print(f"objective: {g(d['verified'])} on the kernel; the surrogate predicted "
              f"{g(d['predicted'])} when it chose these inputs")
        runs = d["kernel_runs"]
        if args.surrogate:
            print(f"kernel runs: {runs['tune']:,} to tune and verify (and those that trained "
                  f"{args.surrogate})")
        else:
            print(f"kernel runs: {runs['fit']:,} to fit + {runs['tune']:,} to tune and verify "
                  f"= {runs['total']:,}")

    emit(args, data, human)
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Register ``tune``."""
    p = sub.add_parser(
        "tune", help="find kernel inputs through a surrogate, verified on the kernel",
        description="Find kernel inputs that minimise or maximise an output, or bring outputs "
        "to target values, by gradient descent through a surrogate, alternating with refits "
        "on every verified point (nsc_tune.tune.refine), or by Bayesian optimisation with the "
        "surrogate as prior (--method bo, nsc_tune.tune.bayes_minimize). Every answer is run "
        "on the real kernel; both values are printed.",
        epilog="example: nsc-tune tune inversek2j --target theta1=0.3 --target theta2=1.5")
    add_kernel_arguments(p)
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--minimize", metavar="OUTPUT", help="an output to minimise")
    goal.add_argument("--maximize", metavar="OUTPUT", help="an output to maximise")
    goal.add_argument("--target", metavar="OUTPUT=VALUE", action="append",
                      help="bring an output to a value (repeat for several)")
    p.add_argument("--fixed", metavar="NAME=VALUE", action="append",
                   help="hold an input at a value (repeat for several)")
    p.add_argument("--bounds", metavar="NAME=LO:HI", action="append",
                   help="search an input in a narrower range than its domain")
    p.add_argument("--surrogate", default=None, metavar="S.safetensors",
                   help="start from this surrogate instead of compiling and fitting one")
    p.add_argument("--method", choices=("refine", "bo"), default="refine",
                   help="refine: gradient search through the surrogate, refitted on verified "
                   "points; bo: Bayesian optimisation with the surrogate as the GP's prior "
                   "mean (fewest kernel runs; 0.1-3 s per proposal)")
    p.add_argument("--budget", type=int, default=50, help="kernel runs of --method bo")
    p.add_argument("--samples", type=int, default=None,
                   help="kernel runs to fine-tune the compiled surrogate on first (default: "
                   "1000 for refine, 0 for bo)")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--rounds", type=int, default=6, help="tune-verify-refit rounds at most")
    p.add_argument("--starts", type=int, default=16, help="gradient starts per round")
    p.add_argument("--steps", type=int, default=200, help="Adam steps per round")
    p.set_defaults(func=cmd_tune)
