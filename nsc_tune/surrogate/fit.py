"""Fine-tuning a surrogate on input/output examples, with validation and early stopping."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from nsc_tune.compiler.family import symlog
from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Kernel


class FitError(NscTuneError):
    """Fine-tuning was asked for with unusable data or settings."""


@dataclass
class FitResult:
    """What a fine-tuning run did.

    Arguments:
        history: per-epoch ``(train_mse, val_mse)`` on standardised outputs.
        best_epoch: epoch (1-based) of the lowest validation error, whose weights are kept;
            0 when no epoch beat the initial weights (which are then kept).
        best_val_mse: that error (standardised units; NaN without validation data).
        n_train, n_val: examples used for training and for validation.
        init: the initialisation that was fine-tuned ("compiled", "random").
    """

    history: list[tuple[float, float]] = field(default_factory=list)
    best_epoch: int = 0
    best_val_mse: float = math.nan
    n_train: int = 0
    n_val: int = 0
    init: str = ""


def draw(kernel: Kernel, n: int, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` examples from the kernel's domains through the Numba ground truth."""
    X = kernel.sample(n, seed=seed)
    return X, kernel(X)


def split(X: np.ndarray, Y: np.ndarray, val_fraction: float, seed: int | None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into train / validation (at least one example each when possible)."""
    n = X.shape[0]
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    if val_fraction > 0 and n >= 2:
        n_val = min(max(n_val, 1), n - 1)
    val, train = order[:n_val], order[n_val:]
    return X[train], Y[train], X[val], Y[val]


def fit_surrogate(model, X: np.ndarray, Y: np.ndarray, *, epochs: int = 5000, lr: float = 0.01,
                  batch_size: int = 256, val_fraction: float = 0.2, patience: int | None = None,
                  seed: int | None = 0, progress: bool = False,
                  X_val: np.ndarray | None = None, Y_val: np.ndarray | None = None,
                  on_epoch=None) -> FitResult:
    """Fine-tune ``model`` (a Surrogate) in place; keep the weights of the best validation epoch.

    The loss is the MSE of outputs standardised by the training examples' scale (so outputs of
    any magnitude train alike). Before the first fit, every initialisation takes its output
    location (and, with two or more examples, scale) from the training examples - which are in
    the data budget; the compiled init keeps its emitted weights, which model standardised outputs.
    ``on_epoch(epoch, model)`` is called after every epoch (e.g. to track a test error).
    """
    from tqdm import tqdm

    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != model.n_inputs or Y.shape != (X.shape[0], model.n_outputs):
        raise FitError(f"expected X (N, {model.n_inputs}) and Y (N, {model.n_outputs}), got "
                       f"{X.shape} and {Y.shape}")
    if X.shape[0] == 0:
        raise FitError("no training examples: pass n_samples >= 1")
    if X_val is None:
        X, Y, X_val, Y_val = split(X, Y, val_fraction, seed)
    if X.shape[0] == 0:
        raise FitError("nothing left to train on after the validation split")
    if not np.isfinite(Y).all():
        raise FitError("training outputs contain NaN or inf")
    gen = torch.Generator().manual_seed(0 if seed is None else seed)
    scale = torch.as_tensor(np.maximum(Y.std(axis=0), 1e-6 * (np.abs(Y.mean(axis=0)) + 1.0)),
                            dtype=torch.float32)
    if not getattr(model, "output_stats_from_data", False):
        # Output location and scale from the training examples (part of the data budget).
        # CompNet's shape is pretrained against standardised targets, so this keeps its meaning;
        # its zero-shot location/scale guess is only needed when there is no data at all.
        with torch.no_grad():
            model.mu.copy_(symlog(torch.as_tensor(Y.mean(axis=0), dtype=torch.float32)))
            if X.shape[0] >= 2:
                model.log_sigma.copy_(torch.log(scale))
        model.output_stats_from_data = True
    x = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(Y, dtype=torch.float32)
    xv = torch.as_tensor(np.asarray(X_val), dtype=torch.float32)
    yv = torch.as_tensor(np.asarray(Y_val), dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    result = FitResult(n_train=x.shape[0], n_val=xv.shape[0], init=model.init)
    best_state = copy.deepcopy(model.state_dict())
    best = math.inf
    if xv.shape[0]:  # epoch 0: the initial weights are a candidate too
        with torch.no_grad():
            best = float((((model(xv) - yv) / scale) ** 2).mean())
    stale = 0
    bar = tqdm(range(epochs), desc=f"fit {model.kernel.name}", disable=not progress)
    for epoch in bar:
        order = torch.randperm(x.shape[0], generator=gen)
        total = 0.0
        for start in range(0, x.shape[0], batch_size):
            idx = order[start: start + batch_size]
            loss = (((model(x[idx]) - y[idx]) / scale) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.shape[0]
        train_mse = total / x.shape[0]
        with torch.no_grad():
            val_mse = float((((model(xv) - yv) / scale) ** 2).mean()) if xv.shape[0] else \
                train_mse
        result.history.append((train_mse, val_mse))
        if on_epoch is not None:
            on_epoch(epoch + 1, model)
        if val_mse < best:
            best, stale = val_mse, 0
            best_state = copy.deepcopy(model.state_dict())
            result.best_epoch = epoch + 1
        else:
            stale += 1
        if progress and epoch % 50 == 0:
            bar.set_postfix(train=f"{train_mse:.3g}", val=f"{val_mse:.3g}")
        if patience is not None and stale >= patience:
            break
    model.load_state_dict(best_state)
    result.best_val_mse = best if xv.shape[0] else math.nan
    return result


def fit_auto(kernel: Kernel, X: np.ndarray, Y: np.ndarray, *, warmup_epochs: int = 50,
             seed: int | None = 0, weights=None, width: int | None = None, **kwargs):
    """Fine-tune both a compiled and a random initialisation for ``warmup_epochs`` on the same
    split, then continue only the one with the lower validation error.

    Best-validation weights are kept throughout, so the result's validation error is never above
    the better candidate's at the end of the warm-up.

    Returns:
        ``(surrogate, result, candidates)`` where ``candidates`` maps each init to its warm-up
        validation error.
    """
    from nsc_tune.surrogate.model import Surrogate

    X_tr, Y_tr, X_val, Y_val = split(np.asarray(X, dtype=np.float64),
                                     np.asarray(Y, dtype=np.float64),
                                     kwargs.pop("val_fraction", 0.2), seed)
    epochs = kwargs.pop("epochs", 5000)
    compiled = Surrogate.compiled(kernel, weights)
    random = Surrogate.random(kernel, width=width or compiled.width, depth=compiled.depth,
                              seed=seed)
    runs = {}
    for s in (compiled, random):
        runs[s.init] = (s, fit_surrogate(s, X_tr, Y_tr, epochs=min(warmup_epochs, epochs),
                                         seed=seed, X_val=X_val, Y_val=Y_val, **kwargs))
    candidates = {k: r.best_val_mse for k, (_, r) in runs.items()}
    winner, first = min(runs.values(), key=lambda sr: sr[1].best_val_mse)
    rest = fit_surrogate(winner, X_tr, Y_tr, epochs=max(epochs - warmup_epochs, 0), seed=seed,
                         X_val=X_val, Y_val=Y_val, **kwargs) if epochs > warmup_epochs else first
    history = first.history + (rest.history if rest is not first else [])
    best = min(first.best_val_mse, rest.best_val_mse)
    continued = rest is not first and rest.best_epoch > 0
    best_epoch = len(first.history) + rest.best_epoch if continued else first.best_epoch
    result = FitResult(history, best_epoch, best, first.n_train, first.n_val, winner.init)
    return winner, result, candidates
