"""Fitting a surrogate and its quality gate for a kernel, from three independent draws."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from nsc_tune.accelerate.errors import AccelerateError
from nsc_tune.accelerate.gate import ErrorPredictor, Gate, calibrate, error_ratio, train_predictor
from nsc_tune.accelerate.settings import MIN_FIT_SAMPLES, FitSettings
from nsc_tune.accelerate.threads import torch_threads
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import GPSurrogate, Surrogate
from nsc_tune.surrogate.choose import fit_best
from nsc_tune.surrogate.fit import FitResult, fit_auto, fit_surrogate


@dataclass
class Built:
    """A fitted surrogate, its gate and what fitting them did.

    Arguments:
        surrogate: the fine-tuned surrogate (on the CPU).
        gate: its quality gate.
        info: plain facts for reports (init chosen, validation error, seconds, draw sizes).
    """

    surrogate: Surrogate | GPSurrogate
    gate: Gate
    info: dict = field(default_factory=dict)


def _draw(kernel: Kernel, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    X = kernel.sample(n, seed=seed)
    return X, kernel(X)


def fit_surrogate_for(kernel: Kernel, s: FitSettings, X: np.ndarray, Y: np.ndarray):
    """Fine-tune a surrogate on ``(X, Y)`` as ``s.init`` says; returns it and the FitResult."""
    kw = dict(epochs=s.epochs, patience=s.patience, seed=s.seed, progress=False)
    if s.init == "best":
        surrogate, choice = fit_best(kernel, X, Y, epochs=s.epochs, seed=s.seed, speed="fast")
        score = choice.scores[choice.candidate]
        return surrogate, FitResult(best_val_mse=score, best_epoch=-1)
    if s.init == "auto":
        surrogate, result, _ = fit_auto(kernel, X, Y, width=s.width, **kw)
        return surrogate, result
    if s.init == "compiled":
        surrogate = Surrogate.compiled(kernel)
    else:
        surrogate = Surrogate.random(kernel, **({"width": s.width} if s.width else {}),
                                     seed=s.seed)
    return surrogate, fit_surrogate(surrogate, X, Y, **kw)


def build(kernel: Kernel, s: FitSettings) -> Built:
    """Fit the surrogate (draw 1), train the error predictor on its held-out residuals (draw 2)
    and calibrate the gate's threshold (draw 3). All ground truth is the Numba translation.
    Training runs on one torch thread."""
    with torch_threads(1):
        return _build(kernel, s)


def _build(kernel: Kernel, s: FitSettings) -> Built:
    t0 = time.perf_counter()
    X, Y = _draw(kernel, s.n_samples, s.seed)
    finite = np.isfinite(Y).all(axis=1)
    if finite.sum() < MIN_FIT_SAMPLES:
        raise AccelerateError(f"accelerate: `{kernel.name}` returned NaN or inf on "
                              f"{len(Y) - finite.sum()} of {len(Y)} inputs drawn from its "
                              f"domains, leaving {finite.sum()} to fit on (at least "
                              f"{MIN_FIT_SAMPLES} needed); narrow the domains to where it is "
                              "defined")
    tolerance = s.tolerance(Y[finite])
    surrogate, result = fit_surrogate_for(kernel, s, X[finite], Y[finite])
    surrogate.eval()
    t_fit = time.perf_counter() - t0
    Xg, Yg = _draw(kernel, s.n_gate, s.seed + 1)
    with torch.random.fork_rng(devices=[]):  # seeded init, global RNG untouched
        torch.manual_seed(s.seed)
        predictor = ErrorPredictor(kernel.domains, width=s.gate_width)
    train_predictor(predictor, Xg, error_ratio(surrogate.predict(Xg), Yg, tolerance),
                    epochs=s.gate_epochs, quantile=s.quantile, seed=s.seed)
    predictor.eval()
    Xc, Yc = _draw(kernel, s.n_gate, s.seed + 2)
    scores = predictor.score(Xc)
    violated = error_ratio(surrogate.predict(Xc), Yc, tolerance) > 1.0
    threshold = calibrate(scores, violated, 1.0 - s.target, s.confidence)
    gate = Gate(predictor, tolerance, threshold, scores, violated)
    info = {"init": surrogate.init, "best_val_mse": float(result.best_val_mse),
            "best_epoch": int(result.best_epoch), "fit_seconds": t_fit,
            "gate_seconds": time.perf_counter() - t0 - t_fit,
            "uncalibrated_violation_rate": float(violated.mean()),
            "n_samples": s.n_samples, "gate_samples": s.n_gate}
    return Built(surrogate, gate, info)
