"""``nsc-tune demo``: the main job end to end on one bundled kernel, with a Markdown report."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

from nsc_tune.cli.accelerate import print_accelerated
from nsc_tune.cli.check import print_agreement
from nsc_tune.cli.common import emit
from nsc_tune.cli.demo_steps import (
    DemoConfig,
    accelerate_batch,
    agreement,
    fine_tune,
    tune_arm,
    zero_shot,
)
from nsc_tune.report.fmt import g, lower

KERNEL = "inversek2j"


def _say(args: argparse.Namespace, *lines: str) -> None:
    """Human progress on stdout as each step finishes (silent with ``--json``)."""
    if not args.json:
        print("\n".join(lines), flush=True)


def _split(facts: dict) -> tuple[dict, dict]:
    """Facts without their ``_plot`` arrays, and the arrays."""
    plot = facts.pop("_plot", {})
    return facts, plot


def run(args: argparse.Namespace, cfg: DemoConfig) -> tuple[dict, dict]:
    """Run every step; returns the facts (JSON-able) and the plot arrays."""
    import torch

    from nsc_tune import suite

    t0 = time.perf_counter()
    progress = not args.json
    k = suite.load(KERNEL)
    result: dict = {"kernel": KERNEL, "signature": str(k.signature),
                    "description": suite.info(KERNEL).description,
                    "output_labels": k.signature.output_labels(),
                    "command": "nsc-tune demo" + (" --quick" if args.quick else ""),
                    "config": dict(vars(cfg)),
                    "machine": {"cpus": os.cpu_count(),
                                "platform": platform.platform(terse=True),
                                "python": platform.python_version(),
                                "torch": torch.__version__}}
    data: dict = {}
    _say(args, f"nsc-tune demo on {KERNEL} {k.signature}: {result['description']}", "")
    _say(args, "(a) compile with the shipped CompNet weights (no kernel runs)")
    result["zero_shot"], data["zero_shot"] = _split(zero_shot(k, cfg))
    z = result["zero_shot"]
    _say(args, f"    zero-shot MSE on {z['samples']:,} fresh samples: compiled "
         f"{g(z['compiled']['mse'])}, random init {g(z['random']['mse'])} -> "
         f"{lower(z['improvement'])}", "")

    _say(args, f"(b) fine-tune both inits on the same {cfg.fit_samples} kernel runs, "
               f"{cfg.epochs} epochs")
    facts, surrogate = fine_tune(k, cfg, progress)
    result["fine_tune"], data["fine_tune"] = _split(facts)
    f = result["fine_tune"]
    c, r = f["runs"]["compiled"], f["runs"]["random"]
    _say(args, f"    test MSE at the best validation epoch: compiled {g(c['test_mse'])} (epoch "
         f"{c['best_epoch']}), random {g(r['test_mse'])} (epoch {r['best_epoch']}) -> "
         f"{lower(f['improvement'])}", "")

    _say(args, f"(c) tune: which target (x, y) makes the arm's joints read theta1 = "
               f"{cfg.angles[0]}, theta2 = {cfg.angles[1]}?")
    result["tune"] = tu = tune_arm(k, surrogate, cfg)
    fk = tu["forward_kinematics"]
    _say(args, f"    found x = {tu['inputs']['x']:.4f}, y = {tu['inputs']['y']:.4f} with "
         f"{tu['kernel_runs']} kernel runs (after {cfg.fit_samples} to fine-tune)",
         f"    kernel at that input (verified): theta1 = {tu['kernel_angles'][0]:.4f}, "
         f"theta2 = {tu['kernel_angles'][1]:.4f}; forward kinematics says "
         f"({fk[0]:.4f}, {fk[1]:.4f}), {g(tu['distance_to_truth'])} away", "")

    _say(args, f"(d) accelerate a batch of {cfg.accel_batch:,} through the quality gate "
               f"(mode always)")
    result["accelerate"], data["accelerate"] = _split(accelerate_batch(k, cfg))
    if not args.json:
        print_accelerated(result["accelerate"], indent="    ")
        print()

    _say(args, f"(e) Numba vs gcc on the suite kernels, {cfg.agreement_samples:,} inputs each")
    result["agreement"] = agreement(cfg, progress)
    if not args.json:
        print_agreement(result["agreement"])
        print()
    result["seconds"] = time.perf_counter() - t0
    return result, data


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the demo, write the report, print where it is."""
    from nsc_tune.report import write_demo_report

    cfg = DemoConfig.quick(args.seed) if args.quick else DemoConfig(seed=args.seed)
    if args.agreement_samples:
        cfg = DemoConfig(**{**vars(cfg), "agreement_samples": args.agreement_samples})
    result, data = run(args, cfg)
    result["report"] = str(write_demo_report(result, data, args.out))
    ok = all(r["agree"] for r in result["agreement"])
    emit(args, result, lambda d: print(
        f"report: {d['report']} ({len(d['plots'])} plots); {d['seconds']:.0f} s in all"))
    if not ok:
        print("nsc-tune: Numba and gcc disagree on a suite kernel (table above)",
              file=sys.stderr)
    return 0 if ok else 1


def add(sub: argparse._SubParsersAction) -> None:
    """Register ``demo``."""
    p = sub.add_parser(
        "demo", help="the main job end to end on a bundled kernel, with a report",
        description="On the bundled inversek2j kernel: (a) compile it with the shipped CompNet "
        "weights and compare its zero-shot error with a random init's, (b) fine-tune both at "
        "equal data and plot their validation curves, (c) tune an input through the surrogate "
        "and verify it on the kernel, (d) run a batch through the accelerate quality gate, (e) "
        "cross-check Numba against gcc on all suite kernels; then write a Markdown report with "
        "PNG plots. About a minute on 2 CPU cores; --quick takes seconds.")
    p.add_argument("--out", default="nsc_tune_demo", help="report folder (default "
                   "./nsc_tune_demo)")
    p.add_argument("--quick", action="store_true", help="tiny sizes (tests, CI)")
    p.add_argument("--agreement-samples", type=int, default=None,
                   help="inputs per kernel in the Numba-vs-gcc check (default 100,000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_demo)
