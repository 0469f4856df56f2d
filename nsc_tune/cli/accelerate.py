"""``nsc-tune accelerate``: the surrogate behind its quality gate on a batch of the kernel."""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from nsc_tune.cli.common import UsageError, add_kernel_arguments, emit, kernel_from_args, note
from nsc_tune.report.fmt import bound_verdict, g


def accelerated_batch(kernel, *, max_error: float, error_scale: str = "absolute",
                      samples: int = 100_000, fit_samples: int = 4096, epochs: int = 300,
                      init: str = "auto", mode: str = "always", seed: int = 0,
                      cache: bool = True) -> tuple[dict, object, np.ndarray]:
    """Set up ``accelerate`` with the kernel's Numba ground truth as the exact function (batch
    convention), run one batch of fresh domain samples through it, and measure.

    Returns:
        ``(facts, accelerated, ratios)``: plain facts (set-up, routes, observed error vs the
        bound on the accelerated inputs, times), the ``Accelerated`` object, and per accelerated
        input its largest ``|error| / bound``.
    """
    from nsc_tune.accelerate import ROUTES, AccelerationWarning, accelerate
    from nsc_tune.accelerate.speed import best_time
    from nsc_tune.surrogate.io import kernel_shapes

    def exact(X: np.ndarray) -> np.ndarray:
        return kernel(X)

    acc = accelerate(exact, source=kernel.source, function=kernel.function,
                     domains=kernel.domains.tolist(), shapes=kernel_shapes(kernel), batch=True,
                     max_error=max_error, error_scale=error_scale, n_samples=fit_samples,
                     epochs=epochs, init=init, mode=mode, seed=seed, cache=cache)
    X = kernel.sample(samples, seed=seed + 7)
    Y_exact = exact(X)  # also compiles (or loads) the Numba translation before any timing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AccelerationWarning)
        acc.setup()
        Y, route = acc.batch(X, with_route=True)
    t_exact = best_time(lambda: exact(X), max_reps=3, budget_s=1.0)
    t_acc = best_time(lambda: acc.batch(X), max_reps=3, budget_s=1.0)
    st = acc.stats
    tol = acc.gate.tolerance
    on = route == "surrogate"
    err = np.abs(Y[on] - Y_exact[on])
    ratio = (err / tol).max(axis=1) if on.any() else np.zeros(0)
    labels = kernel.signature.output_labels()
    facts = {
        "kernel": kernel.name, "max_error": max_error, "error_scale": error_scale,
        "tolerance": dict(zip(labels, map(float, tol), strict=True)), "mode": mode,
        "target": acc.settings.target, "setup": {
            "cache": st.cache, "seconds": st.setup_seconds, "init": st.fit.get("init"),
            "fit_kernel_runs": fit_samples, "gate_kernel_runs": 2 * acc.settings.n_gate,
            "accept_share": st.fit.get("accept_share"),
            "speed": str(st.speed) if st.speed else None,
            "min_batch": st.speed.min_batch if st.speed else None},
        "enabled": st.enabled, "disabled_reason": st.disabled_reason,
        "samples": samples, "share_accelerated": float(on.mean()),
        "routes": {name: int((route == name).sum()) for name in ROUTES if (route == name).any()},
        "over_bound_share": float((ratio > 1).mean()) if on.any() else None,
        "max_error_ratio": float(ratio.max()) if on.any() else None,
        "mean_abs_error": dict(zip(labels, map(float, err.mean(axis=0)), strict=True))
        if on.any() else None,
        "exact_seconds": t_exact, "accelerated_seconds": t_acc,  # best of up to 3 runs
        "speedup": t_exact / max(t_acc, 1e-12),
        "warnings": [str(w.message) for w in caught],
    }
    return facts, acc, ratio


def print_accelerated(d: dict, indent: str = "") -> None:
    """The human summary of :func:`accelerated_batch`'s facts."""
    s = d["setup"]
    lines = [f"bound: |surrogate - exact| <= {g(d['max_error'])} ({d['error_scale']}) on every "
             f"output, for {d['target']:.0%} of accelerated inputs",
             f"set-up ({s['cache']} cache, {s['seconds']:.1f} s): {s['init']} init fitted on "
             f"{s['fit_kernel_runs']:,} kernel runs, gate trained and calibrated on "
             f"{s['gate_kernel_runs']:,}; the gate accepts {s['accept_share']:.1%} of a "
             f"uniform draw"]
    if not d["enabled"]:
        lines.append(f"acceleration is off: {d['disabled_reason']}")
    lines.append(f"batch of {d['samples']:,} fresh inputs: {d['share_accelerated']:.1%} "
                 f"accelerated ({', '.join(f'{k} {v:,}' for k, v in d['routes'].items())})")
    if d["over_bound_share"] is not None:
        lines.append(f"observed on the accelerated inputs: "
                     f"{bound_verdict(d['over_bound_share'], d['target'])}; max |error| / bound "
                     f"{d['max_error_ratio']:.3g}")
    lines.append(f"speed on the batch (best of 3): exact {d['exact_seconds'] * 1e3:.1f} ms, "
                 f"accelerated {d['accelerated_seconds'] * 1e3:.1f} ms: {d['speedup']:.3g}x")
    if s["speed"]:
        verdict = ("never faster here: mode auto would keep the exact function" if
                   s["min_batch"] is None else f"faster from {s['min_batch']} inputs per call")
        lines.append(f"set-up timing: {s['speed']}; {verdict}")
    print("\n".join(indent + line for line in lines))


def cmd_accelerate(args: argparse.Namespace) -> int:
    """Accelerate a batch of the kernel; optionally export the surrogate to C."""
    from nsc_tune.accelerate.settings import MIN_FIT_SAMPLES  # here: torch is slow to import

    if args.fit_samples < MIN_FIT_SAMPLES:
        raise UsageError(f"--fit-samples {args.fit_samples} is too few to fit a surrogate and "
                         f"certify its gate; use at least {MIN_FIT_SAMPLES} (default 4096)")
    k = kernel_from_args(args)
    note(args, f"setting up {k.name}: fitting the surrogate and its quality gate "
               f"({args.fit_samples:,} + 2 x {4 * args.fit_samples:,} kernel runs)")
    facts, acc, _ = accelerated_batch(k, max_error=args.max_error, error_scale=args.error_scale,
                                   samples=args.samples, fit_samples=args.fit_samples,
                                   epochs=args.epochs, init=args.init, mode=args.mode,
                                   seed=args.seed, cache=not args.no_cache)
    facts["export_c"] = None
    if args.export_c:
        acc.surrogate.to_c(path=args.export_c)
        facts["export_c"] = str(args.export_c)

    def human(d: dict) -> None:
        print(f"{k.name}: {k.signature}")
        print_accelerated(d)
        if d["export_c"]:
            print(f"surrogate exported to C: {d['export_c']} (same prototype, named "
                  f"{k.function}_surrogate)")

    emit(args, facts, human)
    return 0


def add(sub: argparse._SubParsersAction) -> None:
    """Register ``accelerate``."""
    p = sub.add_parser(
        "accelerate", help="run a batch through the surrogate behind its quality gate",
        description="Set up nsc_tune.accelerate on the kernel, with its Numba ground truth as "
        "the exact function (batch convention): fit the surrogate, train and calibrate the "
        "quality gate, then run a batch of fresh inputs and report the share accelerated, the "
        "observed error against the bound and the speed against the exact function.")
    add_kernel_arguments(p)
    p.add_argument("--max-error", type=float, required=True,
                   help="the bound on |surrogate - exact| per output")
    p.add_argument("--error-scale", choices=("absolute", "range"), default="absolute",
                   help="range: the bound is a share of each output's range")
    p.add_argument("--samples", type=int, default=100_000, help="inputs in the batch")
    p.add_argument("--fit-samples", type=int, default=4096,
                   help="kernel runs to fit the surrogate (the gate uses 2 x 4 x this)")
    p.add_argument("--epochs", type=int, default=300, help="fine-tuning epochs at most")
    p.add_argument("--init", choices=("auto", "compiled", "random", "best"), default="auto")
    p.add_argument("--mode", choices=("always", "auto"), default="always",
                   help="always: use the surrogate whatever the timing (default); auto: only "
                   "where the set-up timing says it is faster")
    p.add_argument("--no-cache", action="store_true", help="fit afresh, store nothing")
    p.add_argument("--export-c", default=None, metavar="PATH",
                   help="write the fitted surrogate as C with the kernel's prototype")
    p.set_defaults(func=cmd_accelerate)
