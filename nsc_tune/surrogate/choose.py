"""The product's default fit: surrogate candidates scored on held-out examples, the best kept.

``fit_best(kernel, X, Y)`` scores candidates on examples they were not fitted on - K-fold
cross-validation below ``CV_BELOW`` examples (a 20% hold-out is too small to choose with), one
train/validation split above - and refits the winner on every example (a GP's hyperparameters
too; while candidates are compared they come from at most 600 examples):

- ``gp rbf``, ``gp matern52``: plain GPs (constant mean, ARD);
- with the better of the two covariances: ``... log`` (outputs positive on every example
  modelled in log space), ``... warp`` (inputs with a positive domain spanning a factor of 4 or
  more scaled logarithmically), ``... log warp``;
- ``gp+compiled``: a GP on the residual of CompNet's zero-shot surrogate (the program text as
  the GP's prior mean, no kernel runs spent on it);
- ``mlp``: the MLP (hold-out: compiled and random inits raced; cross-validation: compiled init,
  no early stopping), Adam with cosine decay;
- ``gp+mlp``: a GP on the residual of that MLP (hold-out only: trained without early stopping,
  as under cross-validation, the MLP fits its examples and leaves no residual to model).

Scores are MSEs of outputs standardised by the examples' spread.

Prediction cost: an exact GP sums one kernel term per example and output, so above a few dozen
examples it predicts slower than the MLP. ``speed`` decides what to do about it:

- ``"exact"``: keep the winner as it is;
- ``"balanced"`` (default): when the winner costs more to predict than the MLP (a GP summing
  more than ``PARITY_TERMS`` terms per input, or a network plus a GP), the candidates that cost
  what the MLP costs - the MLP, and a plain GP winner made ``.sparse(m)`` with ``m`` chosen for
  that cost - are kept instead if their held-out MSE is within ``FAST_TOLERANCE`` of the best;
- ``"fast"``: only candidates that predict as fast as the MLP compete: the MLP and sparse copies
  of the plain GPs (networks plus a GP cost more than the MLP alone).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from nsc_tune.kernel import Kernel
from nsc_tune.surrogate.checks import FitError, check_examples, check_settings
from nsc_tune.surrogate.fit import fit_surrogate, race, split
from nsc_tune.surrogate.gp import FINAL_SUBSET, fit_gp, warpable
from nsc_tune.surrogate.model import Surrogate

KINDS = ("mlp", "gp", "gp+mlp", "gp+compiled")
#: Below this many examples candidates are scored by K-fold cross-validation.
CV_BELOW = 100
FOLDS = 5
SPEEDS = ("exact", "balanced", "fast")
#: Kernel terms (examples x outputs) per input a GP may sum to predict about as fast as the
#: default MLP (width 64, depth 2), with some margin: `python benchmarks/gp_predict_cost.py`.
PARITY_TERMS = 80
#: ``"balanced"`` prefers a candidate as fast as the MLP whose held-out MSE is at most this
#: factor above the best one's.
FAST_TOLERANCE = 1.1


@dataclass
class Choice:
    """What :func:`fit_best` did.

    Arguments:
        kind: the kind kept (one of ``KINDS``).
        init: the kept surrogate's ``init`` (e.g. ``"gp+compiled"``).
        candidate: the kept candidate's name (a key of ``scores``).
        scores: each candidate's held-out MSE (standardised outputs).
        seconds: each candidate's fitting time (all folds).
        method: ``"5-fold cross-validation"`` or ``"hold-out (n_val examples)"``.
    """

    kind: str = ""
    init: str = ""
    candidate: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    method: str = ""

    def __str__(self) -> str:
        scores = ", ".join(f"{k} {v:.3g}" for k, v in self.scores.items())
        return f"kept {self.candidate} ({self.init}); {self.method} MSE: {scores}"


Fitter = Callable[[np.ndarray, np.ndarray], object]


class _Constant:
    """The prediction of a fold whose training outputs are all constant (e.g. a flag that never
    fired in 8 examples): that constant."""

    def __init__(self, Y: np.ndarray) -> None:
        self.value = Y[0]

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.value, (len(X), len(self.value))).copy()


class _Scorer:
    """Held-out scores of candidates on one fixed set of folds."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, val_fraction: float, seed: int | None):
        self.X, self.Y = X, Y
        self.scale = np.maximum(Y.std(axis=0), 1e-12 * (np.abs(Y).max(axis=0) + 1.0))
        n = len(X)
        order = np.random.default_rng(seed).permutation(n)
        if n < CV_BELOW:
            k = min(FOLDS, n)
            self.folds = [order[i::k] for i in range(k)]
            self.method = f"{k}-fold cross-validation"
        else:
            self.folds = [split(np.arange(n)[:, None], np.arange(n)[:, None], val_fraction,
                                seed)[2][:, 0]]
            self.method = f"hold-out ({len(self.folds[0])} examples)"
        self.choice = Choice(method=self.method)
        self.fold_models: dict[str, list] = {}

    @property
    def cv(self) -> bool:
        return len(self.folds) > 1

    def parts(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        held = np.zeros(len(self.X), dtype=bool)
        held[self.folds[i]] = True
        return self.X[~held], self.Y[~held], self.X[held], self.Y[held]

    def score(self, name: str, fitter: Callable[[int, np.ndarray, np.ndarray], object]) -> None:
        """Fit ``fitter(fold, X_train, Y_train)`` on every fold; record the held-out MSE."""
        t0 = time.perf_counter()
        errors, models = [], []
        for i in range(len(self.folds)):
            X_tr, Y_tr, X_ho, Y_ho = self.parts(i)
            constant = bool(np.all(Y_tr.max(axis=0) == Y_tr.min(axis=0)))
            model = _Constant(Y_tr) if constant else fitter(i, X_tr, Y_tr)
            models.append(model)
            errors.append(np.sum(((model.predict(X_ho) - Y_ho) / self.scale) ** 2, axis=0))
        mse = float(np.sum(errors) / (len(self.X if self.cv else self.folds[0]) * self.Y.shape[1]))
        self.choice.scores[name] = mse if np.isfinite(mse) else float("inf")
        self.choice.seconds[name] = time.perf_counter() - t0
        self.fold_models[name] = models


def fit_best(kernel: Kernel, X: np.ndarray, Y: np.ndarray, *, kinds: tuple[str, ...] = KINDS,
             epochs: int = 3000, lr: float = 0.01, batch_size: int = 256,
             val_fraction: float = 0.2, seed: int | None = 0, weights=None,
             speed: str = "balanced", progress: bool = False):
    """Score every candidate of ``kinds`` on held-out examples; refit the best on all of them.

    Arguments:
        kernel: the kernel (signature, domains, text for CompNet).
        X, Y: examples in real units, at least 3.
        kinds: which kinds compete (subset of ``KINDS``).
        epochs, lr, batch_size: the MLP's Adam settings (cosine decay to lr / 1000).
        val_fraction: the hold-out share at ``CV_BELOW`` examples or more.
        seed: folds, shuffling and the random initialisation.
        weights: CompNet weights for the compiled initialisation (default: shipped).
        speed: ``"exact"``, ``"balanced"`` or ``"fast"``: see the module's docstring.

    Returns:
        ``(surrogate, choice)``: a ``Surrogate`` or ``GPSurrogate``, and a :class:`Choice`.
    """
    check_settings(epochs=epochs, lr=lr, batch_size=batch_size, val_fraction=val_fraction)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise FitError(f"kinds={kinds!r}: choose from {KINDS}")
    if val_fraction == 0:
        raise FitError("fit_best chooses on held-out examples: pass val_fraction > 0")
    if speed not in SPEEDS:
        raise FitError(f"speed={speed!r}: choose from {SPEEDS}")
    X, Y = check_examples(kernel, X, Y, min_examples=3)
    sc = _Scorer(X, Y, val_fraction, seed)
    candidates: dict[str, Fitter] = {}

    def gp(name: str, **kw) -> None:
        def fitter(_i, X_tr, Y_tr):
            return fit_gp(kernel, X_tr, Y_tr, **kw)
        sc.score(name, fitter)
        candidates[name] = lambda X_, Y_: fit_gp(kernel, X_, Y_, hyper_subset=FINAL_SUBSET,
                                                 **kw)

    cov = "rbf"
    if any(k.startswith("gp") for k in kinds):
        for c in ("rbf", "matern52"):
            gp(f"gp {c}", covariance=c)
        cov = min(("rbf", "matern52"), key=lambda c: sc.choice.scores[f"gp {c}"])
    if "gp" in kinds:
        dom = kernel.domains
        log_ok = bool((Y > 0).all(axis=0).any())
        warp_ok = bool(warpable(torch.as_tensor(dom[:, 0]), torch.as_tensor(dom[:, 1])).any())
        for log, warp in ((True, False), (False, True), (True, True)):
            if (log and not log_ok) or (warp and not warp_ok):
                continue
            name = f"gp {cov}" + (" log" if log else "") + (" warp" if warp else "")
            gp(name, covariance=cov, log_outputs=log, warp_inputs=warp)
    if "gp+compiled" in kinds:
        compiled = Surrogate.compiled(kernel, weights)
        gp(f"gp+compiled {cov}", covariance=cov, mean=compiled)
    if "mlp" in kinds or "gp+mlp" in kinds:
        def mlp_fit(_i, X_tr, Y_tr):
            return _mlp(kernel, X_tr, Y_tr, sc, epochs, lr, batch_size, seed, weights, progress)

        sc.score("mlp", mlp_fit)
        candidates["mlp"] = lambda X_, Y_: _mlp(kernel, X_, Y_, sc, epochs, lr, batch_size, seed,
                                                weights, progress)
        if "gp+mlp" in kinds and not sc.cv:  # (an MLP trained without early stopping
            mlps = sc.fold_models["mlp"]      # fits its examples: no residual left to model)

            def gp_mlp(i, X_tr, Y_tr):
                if isinstance(mlps[i], _Constant):
                    return mlps[i]
                return fit_gp(kernel, X_tr, Y_tr, mean=mlps[i], covariance=cov)
            sc.score(f"gp+mlp {cov}", gp_mlp)
            sc.choice.seconds[f"gp+mlp {cov}"] += sc.choice.seconds["mlp"]
    if "gp" not in kinds:  # scored only to pick the covariance of the others
        for name in [n for n in sc.choice.scores if n.startswith("gp ")]:
            del sc.choice.scores[name]
    if "mlp" not in kinds:
        sc.choice.scores.pop("mlp", None)
    best = _pick(sc, speed, Y.shape[1])
    model = _refit(kernel, best, sc, candidates, cov)
    sc.choice.kind = best.split()[0]
    sc.choice.init, sc.choice.candidate = model.init, best
    return model, sc.choice


def parity_points(n_outputs: int) -> int:
    """Examples a sparse GP with ``n_outputs`` outputs keeps to predict as fast as the MLP."""
    return max(1, PARITY_TERMS // n_outputs)


def _pick(sc: _Scorer, speed: str, n_outputs: int) -> str:
    """The winning candidate's name under ``speed`` (scoring sparse copies where needed)."""
    scores = sc.choice.scores
    m = parity_points(n_outputs)
    best = min(scores, key=scores.get)
    small = len(sc.parts(0)[0]) <= m  # a plain GP on this few examples is already as fast
    if speed == "exact" or (small and speed == "balanced"):
        return best
    fast = [n for n in list(scores) if n == "mlp"]
    plain = [n for n in list(scores) if n.startswith("gp ")]
    if small:  # "fast": networks plus a GP still cost more than the MLP alone
        fast += plain
    elif speed == "balanced":
        if best.startswith("gp "):
            fast.append(_score_sparse(sc, best, m))
        fast = [n for n in fast if scores[n] <= FAST_TOLERANCE * scores[best]]
        return min(fast, key=scores.get) if fast else best
    else:
        fast += [_score_sparse(sc, n, m) for n in plain]
    if not fast:
        raise FitError("speed='fast' needs the 'mlp' or 'gp' kind among kinds")
    return min(fast, key=scores.get)


def _score_sparse(sc: _Scorer, name: str, m: int) -> str:
    """Score ``name``'s fold models made sparse with ``m`` points; returns the new name."""
    models = sc.fold_models[name]
    sparse_name = f"{name} sparse{m}"
    sc.score(sparse_name, lambda i, _X, _Y: models[i].sparse(m)
             if hasattr(models[i], "sparse") else models[i])
    return sparse_name


def _mlp(kernel, X_tr, Y_tr, sc: _Scorer, epochs, lr, batch_size, seed, weights, progress):
    """The MLP candidate on ``(X_tr, Y_tr)``: with a hold-out (the scorer's), the compiled and
    random inits raced with early stopping on it; under cross-validation (or for the final refit
    there), the compiled init trained for all epochs."""
    compiled = Surrogate.compiled(kernel, weights)
    if sc.cv or len(X_tr) == len(sc.X):
        fit_surrogate(compiled, X_tr, Y_tr, epochs=epochs, lr=lr, batch_size=batch_size,
                      val_fraction=0.0, seed=seed, progress=progress, schedule="cosine")
        return compiled
    _, _, X_val, Y_val = sc.parts(0)
    rival = Surrogate.random(kernel, width=compiled.width, depth=compiled.depth, seed=seed)
    winner, _, _ = race([compiled, rival], X_tr, Y_tr, X_val=X_val, Y_val=Y_val, epochs=epochs,
                        lr=lr, batch_size=batch_size, seed=seed, progress=progress,
                        schedule="cosine")
    return winner


def _refit(kernel, best: str, sc: _Scorer, candidates: dict, cov: str):
    """The winner fitted on every example (an MLP chosen on a hold-out keeps its weights)."""
    base, _, sparse = best.partition(" sparse")
    if sparse:
        return _refit(kernel, base, sc, candidates, cov).sparse(int(sparse))
    if best == "mlp":
        return sc.fold_models["mlp"][0] if not sc.cv else candidates["mlp"](sc.X, sc.Y)
    if best.startswith("gp+mlp"):
        mean = sc.fold_models["mlp"][0] if not sc.cv else candidates["mlp"](sc.X, sc.Y)
        return fit_gp(kernel, sc.X, sc.Y, mean=mean, covariance=cov, hyper_subset=FINAL_SUBSET)
    return candidates[best](sc.X, sc.Y)
