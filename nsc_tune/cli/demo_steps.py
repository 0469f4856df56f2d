"""The demo's steps on the suite's inversek2j kernel (2-joint arm inverse kinematics).

Each step returns plain facts (for the JSON output and the report) and, where a plot needs them,
arrays under the key ``"_plot"`` (left out of the JSON).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nsc_tune.cli.surrogate import VALIDATION_SEED, report_dict

#: Link lengths of the inversek2j arm.
L1 = L2 = 0.5


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of the demo's steps; the defaults run on a 2-core CPU in about a minute.

    Arguments:
        test_samples: fresh ground-truth samples for zero-shot and test errors.
        fit_samples, epochs: fine-tuning data (the same for both inits) and epochs.
        angles: the joint angles (theta1, theta2) the tuning step must make the kernel output.
        tune_rounds, tune_starts, tune_steps: the tune-verify-refit loop's size.
        max_error: the acceleration bound per output (radians).
        accel_fit_samples, accel_epochs, accel_batch: the accelerated surrogate's fit and the
            batch run through the gate.
        agreement_samples: inputs per suite kernel in the Numba-vs-gcc check.
        seed: every draw and initialisation.
    """

    test_samples: int = 4000
    fit_samples: int = 500
    epochs: int = 300
    angles: tuple[float, float] = (0.3, 1.5)
    tune_rounds: int = 4
    tune_starts: int = 16
    tune_steps: int = 200
    max_error: float = 0.05
    accel_fit_samples: int = 2048
    accel_epochs: int = 300
    accel_batch: int = 100_000
    agreement_samples: int = 100_000
    seed: int = 0

    @classmethod
    def quick(cls, seed: int = 0) -> DemoConfig:
        """Tiny sizes (tests and CI): the same steps in seconds."""
        return cls(test_samples=500, fit_samples=200, epochs=40, tune_rounds=2, tune_starts=8,
                   tune_steps=60, accel_fit_samples=256, accel_epochs=30, accel_batch=5000,
                   agreement_samples=1000, seed=seed)


def forward_kinematics(theta1: float, theta2: float) -> tuple[float, float]:
    """Where the hand of the inversek2j arm is for joint angles (theta1, theta2)."""
    return (L1 * math.cos(theta1) + L2 * math.cos(theta1 + theta2),
            L1 * math.sin(theta1) + L2 * math.sin(theta1 + theta2))


def plot_inputs(k, cfg: DemoConfig) -> np.ndarray:
    """The (at most 1,000) fresh inputs whose predictions the report plots."""
    return k.sample(cfg.test_samples, seed=cfg.seed + VALIDATION_SEED)[:1000]


def zero_shot(k, cfg: DemoConfig) -> dict:
    """(a) Compile with the shipped weights; zero-shot error next to a random init's."""
    import time

    from nsc_tune import Surrogate, validate

    t0 = time.perf_counter()
    s = Surrogate.compiled(k)
    seconds = time.perf_counter() - t0
    r = Surrogate.random(k, seed=cfg.seed)
    seed = cfg.seed + VALIDATION_SEED
    compiled = report_dict(validate(s, n_samples=cfg.test_samples, seed=seed))
    random = report_dict(validate(r, n_samples=cfg.test_samples, seed=seed))
    X = plot_inputs(k, cfg)
    return {"compile_seconds": seconds, "samples": cfg.test_samples, "compiled": compiled,
            "random": random, "improvement": random["mse"] / compiled["mse"],
            "_plot": {"truth": k(X), "compiled": s.predict(X), "random": r.predict(X)}}


def fine_tune(k, cfg: DemoConfig, progress: bool) -> tuple[dict, object]:
    """(b) Fine-tune the compiled and a random init on the same examples and split.

    Returns:
        ``(facts, compiled_surrogate)``; facts hold per-epoch validation and test curves, and
        both fine-tuned surrogates' predictions at :func:`plot_inputs` under ``"_plot"``.
    """
    from nsc_tune import Surrogate
    from nsc_tune.surrogate.fit import draw, fit_surrogate

    X, Y = draw(k, cfg.fit_samples, cfg.seed)
    Xt = k.sample(cfg.test_samples, seed=cfg.seed + VALIDATION_SEED)
    Yt = k(Xt)
    runs, surrogates = {}, {}
    for init in ("compiled", "random"):
        s = Surrogate.compiled(k) if init == "compiled" else Surrogate.random(k, seed=cfg.seed)
        test: list[float] = []

        def track(epoch: int, model, test=test) -> None:
            test.append(float(np.mean((model.predict(Xt) - Yt) ** 2)))

        res = fit_surrogate(s, X, Y, epochs=cfg.epochs, patience=None, seed=cfg.seed,
                            progress=progress, on_epoch=track)
        val = [v for _, v in res.history]
        runs[init] = {"best_epoch": res.best_epoch, "best_val_mse": res.best_val_mse,
                      "test_mse": float(np.mean((s.predict(Xt) - Yt) ** 2)),
                      "val_curve": val, "test_curve": test}
        surrogates[init] = s
    c, r = runs["compiled"], runs["random"]
    reached = next((i + 1 for i, v in enumerate(c["val_curve"]) if v <= r["best_val_mse"]), None)
    X = plot_inputs(k, cfg)
    return {"kernel_runs": cfg.fit_samples, "n_train": res.n_train, "n_val": res.n_val,
            "epochs": cfg.epochs, "test_samples": cfg.test_samples, "runs": runs,
            "improvement": r["test_mse"] / c["test_mse"],
            "compiled_reaches_random_best_at": reached,
            "_plot": {"compiled": surrogates["compiled"].predict(X),
                      "random": surrogates["random"].predict(X)}}, surrogates["compiled"]


def tune_arm(k, surrogate, cfg: DemoConfig) -> dict:
    """(c) Which target (x, y) makes inversek2j output the given joint angles? Tuned through
    the fine-tuned surrogate, verified on the kernel, checked against forward kinematics."""
    from nsc_tune.tune import refine

    t1, t2 = cfg.angles

    def objective(x, y):
        return (y[:, 0] - t1) ** 2 + (y[:, 1] - t2) ** 2

    res = refine(surrogate, objective, rounds=cfg.tune_rounds, n_starts=cfg.tune_starts,
                 steps=cfg.tune_steps, seed=cfg.seed)
    Xe, Ye = res.evaluated
    angles = Ye[int(np.argmin(np.abs(Xe - res.x).max(axis=1)))]
    truth = forward_kinematics(t1, t2)
    return {"angles": [t1, t2], "inputs": res.inputs,
            "kernel_angles": angles.tolist(), "predicted": res.predicted,
            "verified": res.verified, "kernel_runs": res.kernel_runs, "rounds": res.history,
            "forward_kinematics": list(truth),
            "distance_to_truth": float(math.hypot(res.x[0] - truth[0], res.x[1] - truth[1]))}


def accelerate_batch(k, cfg: DemoConfig) -> dict:
    """(d) The surrogate behind its quality gate on a batch of fresh inputs."""
    from nsc_tune.cli.accelerate import accelerated_batch

    facts, _, ratio = accelerated_batch(
        k, max_error=cfg.max_error, samples=cfg.accel_batch, fit_samples=cfg.accel_fit_samples,
        epochs=cfg.accel_epochs, init="auto", mode="always", seed=cfg.seed, cache=False)
    facts["_plot"] = {"ratio": ratio}
    return facts


def agreement(cfg: DemoConfig, progress: bool) -> list[dict]:
    """(e) Every suite kernel through Numba and gcc on the same inputs."""
    from tqdm import tqdm

    from nsc_tune import suite
    from nsc_tune.kernel.compare import agreement as compare

    return [compare(suite.load(name), cfg.agreement_samples, cfg.seed)
            for name in tqdm(suite.names(), desc="numba vs gcc", disable=not progress)]
