"""Tuning a PID controller simulated in C, with the Optuna sampler.

The kernel simulates a second-order plant under PID control for a fixed horizon and returns the
integrated squared error of a unit step response (examples/kernels/pid_ise.c); Bayesian
optimisation with the surrogate as prior proposes gains, Optuna keeps the study (SQLite, so
several processes could share it), every trial runs the real simulation.

    python examples/pid_tuning.py [--quick] [--storage sqlite:///pid.db]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import optuna

from nsc_tune import Kernel, compile
from nsc_tune.integrations.optuna import PriorGPSampler

KERNEL = Path(__file__).resolve().parent / "kernels" / "pid_ise.c"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (CI)")
    ap.add_argument("--storage", default=None, help="Optuna storage URL (default: in memory)")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    kernel = Kernel.from_file(KERNEL)
    surrogate = compile(kernel)
    surrogate.fit(kernel, n_samples=300 if args.quick else 2000, epochs=50 if args.quick else 300,
                  progress=not args.quick)
    sampler = PriorGPSampler(surrogate, lambda x, y: y[:, 0])
    study = optuna.create_study(sampler=sampler, storage=args.storage, study_name="pid",
                                load_if_exists=True)
    study.optimize(sampler.evaluate, n_trials=4 if args.quick else 20)
    best = study.best_trial
    print(f"best ISE {best.value:.4f} with kp={best.params['kp']:.3f}, "
          f"ki={best.params['ki']:.3f}, kd={best.params['kd']:.3f} after {len(study.trials)} "
          "trials (each one a real simulation)")


if __name__ == "__main__":
    main()
