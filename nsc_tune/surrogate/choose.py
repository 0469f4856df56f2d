"""The product's default fit: several surrogate kinds fitted side by side, one kept by validation.

``fit_best(kernel, X, Y)`` splits the examples once into train and validation and fits, on the
same training examples,

- ``mlp``: the MLP, compiled and random initialisations raced (``fit.race``), cosine lr decay;
- ``gp``: plain GPs (constant mean), RBF and Matern-5/2 ARD, and, when outputs are positive on
  every training example, the same two on log outputs;
- ``gp+mlp``: a GP (the better plain covariance) on the residual of the ``mlp`` winner: the
  network as the GP's prior mean;

scores each on the validation examples (MSE of outputs standardised by the training examples'
spread) and keeps the best. A GP winner is then conditioned on every example (validation ones
included) with its hyperparameters refitted; the MLP keeps its best-validation weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from nsc_tune.kernel import Kernel
from nsc_tune.surrogate.checks import FitError, check_examples, check_settings
from nsc_tune.surrogate.fit import race, split
from nsc_tune.surrogate.gp import fit_gp
from nsc_tune.surrogate.model import Surrogate

KINDS = ("mlp", "gp", "gp+mlp")


@dataclass
class Choice:
    """What :func:`fit_best` did.

    Arguments:
        kind: the kind kept (``"mlp"``, ``"gp"`` or ``"gp+mlp"``).
        init: the kept surrogate's ``init`` (e.g. ``"gp+compiled"``).
        candidate: the kept candidate's name (a key of ``val_mse``).
        val_mse: each candidate's validation MSE (outputs standardised by the training spread),
            keyed ``"mlp"``, ``"gp rbf"``, ``"gp matern52 log"``, ``"gp+mlp rbf"``, ...
        seconds: each candidate's fitting time.
        n_train, n_val: the split.
    """

    kind: str
    init: str
    candidate: str = ""
    val_mse: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    n_train: int = 0
    n_val: int = 0

    def __str__(self) -> str:
        scores = ", ".join(f"{k} {v:.3g}" for k, v in self.val_mse.items())
        return (f"kept {self.candidate} ({self.init}): validation MSE {scores} "
                f"({self.n_train} train / {self.n_val} validation examples)")


def _val_mse(model, X: np.ndarray, Y: np.ndarray, scale: np.ndarray) -> float:
    with torch.no_grad():
        pred = model.predict(X)
    return float(np.mean(((pred - Y) / scale) ** 2))


def fit_best(kernel: Kernel, X: np.ndarray, Y: np.ndarray, *, kinds: tuple[str, ...] = KINDS,
             epochs: int = 3000, lr: float = 0.01, batch_size: int = 256,
             val_fraction: float = 0.2, seed: int | None = 0, weights=None,
             progress: bool = False):
    """Fit every kind in ``kinds`` on the same split and keep the one best on validation.

    Arguments:
        kernel: the kernel (signature, domains, text for CompNet).
        X, Y: examples in real units, at least 3 (two to train on, one to validate).
        kinds: the candidates (subset of ``KINDS``; ``"gp+mlp"`` needs the MLP's fit).
        epochs, lr, batch_size: the MLP's Adam settings (cosine decay to lr / 1000).
        val_fraction: share of the examples held out to choose (at least one).
        seed: split, shuffling and the random initialisation.
        weights: CompNet weights for the compiled initialisation (default: shipped).

    Returns:
        ``(surrogate, choice)``: a ``Surrogate`` or ``GPSurrogate``, and a :class:`Choice`.
    """
    check_settings(epochs=epochs, lr=lr, batch_size=batch_size, val_fraction=val_fraction)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise FitError(f"kinds={kinds!r}: choose from {KINDS}")
    if val_fraction == 0:
        raise FitError("fit_best chooses on held-out examples: pass val_fraction > 0")
    X, Y = check_examples(kernel, X, Y, min_examples=3)
    X_tr, Y_tr, X_val, Y_val = split(X, Y, val_fraction, seed)
    scale = np.maximum(Y_tr.std(axis=0), 1e-12 * (np.abs(Y_tr).max(axis=0) + 1.0))
    choice = Choice("", "", n_train=len(X_tr), n_val=len(X_val))
    models = {}
    mlp = None
    if "mlp" in kinds or "gp+mlp" in kinds:
        t0 = time.perf_counter()
        compiled = Surrogate.compiled(kernel, weights)
        rival = Surrogate.random(kernel, width=compiled.width, depth=compiled.depth, seed=seed)
        mlp, _, _ = race([compiled, rival], X_tr, Y_tr, X_val=X_val, Y_val=Y_val, epochs=epochs,
                         lr=lr, batch_size=batch_size, seed=seed, progress=progress,
                         schedule="cosine")
        choice.seconds["mlp"] = time.perf_counter() - t0
        if "mlp" in kinds:
            models["mlp"] = mlp
    def add(name: str, **kw) -> None:
        t0 = time.perf_counter()
        models[name] = fit_gp(kernel, X_tr, Y_tr, **kw)
        choice.seconds[name] = time.perf_counter() - t0
        choice.val_mse[name] = _val_mse(models[name], X_val, Y_val, scale)

    if "mlp" in models:
        choice.val_mse["mlp"] = _val_mse(mlp, X_val, Y_val, scale)
    covariances = ("rbf", "matern52")
    if "gp" in kinds or "gp+mlp" in kinds:
        for cov in covariances:
            add(f"gp {cov}", covariance=cov)
        if (Y_tr > 0).all(axis=0).any():
            for cov in covariances:
                add(f"gp {cov} log", covariance=cov, log_outputs=True)
    best_cov = min(covariances, key=lambda c: choice.val_mse[f"gp {c}"]) \
        if "gp rbf" in choice.val_mse else "matern52"
    if "gp+mlp" in kinds:
        add(f"gp+mlp {best_cov}", covariance=best_cov, mean=mlp)
        choice.seconds[f"gp+mlp {best_cov}"] += choice.seconds["mlp"]
    if "gp" not in kinds:  # fitted only to choose gp+mlp's covariance
        for name in [n for n in models if n.startswith("gp ")]:
            del models[name], choice.val_mse[name]
    best = min(models, key=lambda k: np.nan_to_num(choice.val_mse[k], nan=np.inf))
    model = models[best]
    if best != "mlp":  # condition on every example, the validation ones too
        model = fit_gp(kernel, X, Y, mean=model.mean, covariance=model.covariance,
                       log_outputs=bool(model.log.any()))
    choice.kind, choice.init, choice.candidate = best.split()[0], model.init, best
    return model, choice
