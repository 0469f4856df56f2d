"""Tuning a PID controller simulated in C, with the Optuna sampler.

The kernel simulates a second-order plant under PID control for a fixed horizon and returns the
integrated squared error of a unit step response; the surrogate proposes gains, Optuna keeps the
study (SQLite, so several processes could share it), every trial runs the real simulation.

    python examples/pid_tuning.py [--quick] [--storage sqlite:///pid.db]
"""

from __future__ import annotations

import argparse

import optuna

from nsc_tune import Kernel, compile
from nsc_tune.integrations.optuna import SurrogateSampler

PID = """
#pragma nsc_tune domain(kp, 0, 10)
#pragma nsc_tune domain(ki, 0, 5)
#pragma nsc_tune domain(kd, 0, 2)
double pid_ise(double kp, double ki, double kd) {
    /* plant: y'' + 2 zeta wn y' + wn^2 y = wn^2 u */
    const double dt = 0.01, wn = 2.0, zeta = 0.3;
    double y = 0.0, v = 0.0, integral = 0.0, previous = 1.0, ise = 0.0;
    for (int step = 0; step < 500; step++) {
        double error = 1.0 - y;
        integral += error * dt;
        double derivative = (error - previous) / dt;
        previous = error;
        double u = kp * error + ki * integral + kd * derivative;
        if (u > 50.0) u = 50.0;
        if (u < -50.0) u = -50.0;
        double a = wn * wn * (u - y) - 2.0 * zeta * wn * v;
        v += a * dt;
        y += v * dt;
        ise += error * error * dt;
    }
    return ise;
}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (CI)")
    ap.add_argument("--storage", default=None, help="Optuna storage URL (default: in memory)")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    kernel = Kernel.from_source(PID)
    surrogate = compile(kernel)
    surrogate.fit(kernel, n_samples=300 if args.quick else 2000, epochs=50 if args.quick else 300,
                  progress=not args.quick)
    sampler = SurrogateSampler(surrogate, lambda x, y: y[:, 0], refit_epochs=30)
    study = optuna.create_study(sampler=sampler, storage=args.storage, study_name="pid",
                                load_if_exists=True)
    study.optimize(sampler.evaluate, n_trials=4 if args.quick else 20)
    best = study.best_trial
    print(f"best ISE {best.value:.4f} with kp={best.params['kp']:.3f}, "
          f"ki={best.params['ki']:.3f}, kd={best.params['kd']:.3f} after {len(study.trials)} "
          "trials (each one a real simulation)")


if __name__ == "__main__":
    main()
