"""Fine-tuning a surrogate on input/output examples, with validation and early stopping."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from nsc_tune.kernel import Kernel
from nsc_tune.surrogate.checks import FitError, check_examples, check_settings
from nsc_tune.surrogate.mlp import symlog

__all__ = ["FitError", "FitResult", "draw", "fit_auto", "fit_surrogate", "race", "split"]


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


def output_stats(Y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Output location (symlog units) and standardising scale of examples, float32: what a
    surrogate takes from its training outputs before fine-tuning."""
    Y = np.asarray(Y, dtype=np.float64)
    scale = np.maximum(Y.std(axis=0), 1e-6 * (np.abs(Y.mean(axis=0)) + 1.0))
    return (symlog(torch.as_tensor(Y.mean(axis=0), dtype=torch.float32)),
            torch.as_tensor(scale, dtype=torch.float32))


def set_output_stats(model, location: torch.Tensor, scale: torch.Tensor, n: int) -> None:
    """Give a surrogate the output location of its ``n`` training examples (``output_stats``),
    and their scale when there are at least two to measure it from."""
    with torch.no_grad():
        model.mu.copy_(location)
        if n >= 2:
            model.log_sigma.copy_(torch.log(scale))


class _Training:
    """One surrogate's fine-tuning state: optimiser, shuffling, best-validation weights."""

    def __init__(self, model, X: np.ndarray, Y: np.ndarray, X_val: np.ndarray,
                 Y_val: np.ndarray, lr: float, batch_size: int, seed: int | None,
                 schedule: str | None = None, epochs: int = 0, stats_lr: float = 0.0) -> None:
        if X.shape[0] == 0:
            raise FitError("nothing left to train on after the validation split")
        if not np.isfinite(Y).all():
            raise FitError("training outputs contain NaN or inf")
        self.model, self.batch_size = model, batch_size
        self.gen = torch.Generator().manual_seed(0 if seed is None else seed)
        location, self.scale = output_stats(Y)
        if not model.output_stats_from_data:
            # Output location and scale from the training examples (part of the data budget).
            # CompNet's shape is pretrained against standardised targets, so this keeps its
            # meaning; its zero-shot location/scale guess is only needed with no data at all.
            set_output_stats(model, location, self.scale, X.shape[0])
            model.output_stats_from_data = True
        self.x = torch.as_tensor(X, dtype=torch.float32)
        self.y = torch.as_tensor(Y, dtype=torch.float32)
        self.xv = torch.as_tensor(np.asarray(X_val), dtype=torch.float32)
        self.yv = torch.as_tensor(np.asarray(Y_val), dtype=torch.float32)
        self.opt = torch.optim.Adam(_param_groups(model, lr, stats_lr), lr=lr)
        self.sched = None
        if schedule == "cosine":  # lr decays to lr/1000 over the run, stepped per batch
            steps = max(1, epochs * math.ceil(self.x.shape[0] / batch_size))
            self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, steps,
                                                                    eta_min=lr * 1e-3)
        elif schedule is not None:
            raise FitError(f"schedule={schedule!r}: use 'cosine' or None (constant lr)")
        self.result = FitResult(n_train=self.x.shape[0], n_val=self.xv.shape[0], init=model.init)
        self.best_state = copy.deepcopy(model.state_dict())
        self.best = math.inf
        self.stale = 0
        if self.xv.shape[0]:  # epoch 0: the initial weights are a candidate too
            self.best = self._val_mse()

    def _val_mse(self) -> float:
        with torch.no_grad():
            return float((((self.model(self.xv) - self.yv) / self.scale) ** 2).mean())

    def epoch(self) -> tuple[float, float]:
        """One pass over the training examples; returns ``(train_mse, val_mse)``."""
        x, y = self.x, self.y
        order = torch.randperm(x.shape[0], generator=self.gen)
        total = 0.0
        for start in range(0, x.shape[0], self.batch_size):
            idx = order[start: start + self.batch_size]
            loss = (((self.model(x[idx]) - y[idx]) / self.scale) ** 2).mean()
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            if self.sched is not None:
                self.sched.step()
            total += float(loss.detach()) * idx.shape[0]
        train_mse = total / x.shape[0]
        val_mse = self._val_mse() if self.xv.shape[0] else train_mse
        self.result.history.append((train_mse, val_mse))
        if val_mse < self.best:
            self.best, self.stale = val_mse, 0
            self.best_state = copy.deepcopy(self.model.state_dict())
            self.result.best_epoch = len(self.result.history)
        else:
            self.stale += 1
        return train_mse, val_mse

    def finish(self) -> FitResult:
        """Load the best-validation weights into the model; the run's record."""
        self.model.load_state_dict(self.best_state)
        self.result.best_val_mse = self.best if self.xv.shape[0] else math.nan
        return self.result


def _param_groups(model, lr: float, stats_lr: float) -> list[dict]:
    """The shape tensors at ``lr``; the output location and scale (``mu``, ``log_sigma``) at
    ``lr * stats_lr`` (0 freezes them at what the examples measured)."""
    stats = {id(model.mu), id(model.log_sigma)}
    shape = [p for p in model.parameters() if id(p) not in stats]
    groups = [{"params": shape, "lr": lr}]
    if stats_lr > 0:
        groups.append({"params": [model.mu, model.log_sigma], "lr": lr * stats_lr})
    else:
        model.mu.grad = model.log_sigma.grad = None
    return groups


def _arrays(model, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # fine-tuning may continue from one example (refine, the Optuna sampler) or on outputs that
    # are constant in a small draw (the protocol): only nsc_tune.fit insists on more
    return check_examples(model.kernel, X, Y, min_examples=1, constant_ok=True)


def fit_surrogate(model, X: np.ndarray, Y: np.ndarray, *, epochs: int = 5000, lr: float = 0.01,
                  batch_size: int = 256, val_fraction: float = 0.2, patience: int | None = None,
                  seed: int | None = 0, progress: bool = False,
                  X_val: np.ndarray | None = None, Y_val: np.ndarray | None = None,
                  on_epoch=None, schedule: str | None = None, stats_lr: float = 0.0) -> FitResult:
    """Fine-tune ``model`` (a Surrogate) in place; keep the weights of the best validation epoch.

    The loss is the MSE of outputs standardised by the training examples' scale (so outputs of
    any magnitude train alike). Before the first fit, every initialisation takes its output
    location (and, with two or more examples, scale) from the training examples - which are in
    the data budget; the compiled init keeps its emitted weights, which model standardised outputs.
    ``on_epoch(epoch, model)`` is called after every epoch (e.g. to track a test error).
    ``schedule="cosine"`` decays the learning rate to ``lr / 1000`` over the ``epochs``.
    ``stats_lr`` scales the learning rate of the output location and scale. The default, 0,
    keeps what the examples measured: one Adam step of 0.01 on a symlog location moves the mean
    by 1%, many standard deviations for an output whose spread is small next to its mean (an
    output of 1000 +- 0.01: test MSE 1.0 trained, 0.0025 kept). The paper's protocol (1.0)
    trains them with the rest.
    """
    from tqdm import tqdm

    check_settings(epochs=epochs, lr=lr, batch_size=batch_size, val_fraction=val_fraction,
                   patience=patience, stats_lr=stats_lr)
    X, Y = _arrays(model, X, Y)
    if X_val is None:
        X, Y, X_val, Y_val = split(X, Y, val_fraction, seed)
    run = _Training(model, X, Y, X_val, Y_val, lr, batch_size, seed, schedule, epochs, stats_lr)
    bar = tqdm(range(epochs), desc=f"fit {model.kernel.name}", disable=not progress)
    for epoch in bar:
        train_mse, val_mse = run.epoch()
        if on_epoch is not None:
            on_epoch(epoch + 1, model)
        if progress and epoch % 50 == 0:
            bar.set_postfix(train=f"{train_mse:.3g}", val=f"{val_mse:.3g}")
        if patience is not None and run.stale >= patience:
            break
    return run.finish()


def race(candidates: list, X: np.ndarray, Y: np.ndarray, *, warmup_epochs: int | None = None,
         seed: int | None = 0, epochs: int = 5000, lr: float = 0.01, batch_size: int = 256,
         val_fraction: float = 0.2, patience: int | None = None, progress: bool = False,
         on_epoch=None, schedule: str | None = None, X_val: np.ndarray | None = None,
         Y_val: np.ndarray | None = None, stats_lr: float = 0.0):
    """Fine-tune several surrogates of one kernel side by side on the same split; keep the one
    with the lowest validation error.

    By default all train for the whole run (the same epochs; the arithmetic of one surrogate per
    candidate). With ``warmup_epochs`` set, only the leader after that many epochs goes on
    (cheaper; a candidate that starts slowly but ends better is then lost). Best-validation
    weights are kept throughout; ``patience`` stops a candidate after that many epochs without
    improvement. ``on_epoch(epoch, model)`` sees the current leader. ``X_val``/``Y_val`` given:
    ``(X, Y)`` are the training examples and these the validation ones (no split).

    Returns:
        ``(winner, result, errors)``: the winning surrogate (trained in place), its ``FitResult``
        and each candidate's best validation error, keyed by its ``init``.
    """
    from tqdm import tqdm

    check_settings(epochs=epochs, lr=lr, batch_size=batch_size, val_fraction=val_fraction,
                   patience=patience, stats_lr=stats_lr)
    X, Y = _arrays(candidates[0], X, Y)
    if X_val is None:
        X_tr, Y_tr, X_val, Y_val = split(X, Y, val_fraction, seed)
    else:  # the caller's split: (X, Y) are the training examples
        X_tr, Y_tr = X, Y
    runs = [_Training(s, X_tr, Y_tr, X_val, Y_val, lr, batch_size, seed, schedule, epochs,
                      stats_lr)
            for s in candidates]
    active = list(runs)
    name = candidates[0].kernel.name
    bar = tqdm(range(epochs), desc=f"fit {name} (auto)", disable=not progress)
    for epoch in bar:
        for run in active:
            run.epoch()
        if warmup_epochs is not None and epoch + 1 == warmup_epochs and len(active) > 1:
            active = [min(active, key=lambda r: r.best)]
        leader = min(runs, key=lambda r: r.best)
        if on_epoch is not None:
            on_epoch(epoch + 1, leader.model)
        if progress and epoch % 50 == 0:
            bar.set_postfix({r.model.init: f"{r.best:.3g}" for r in runs})
        if patience is not None:
            active = [r for r in active if r.stale < patience]
            if not active:
                break
    errors = {r.model.init: r.best for r in runs}
    winner = min(runs, key=lambda r: r.best)
    return winner.model, winner.finish(), errors


def fit_auto(kernel: Kernel, X: np.ndarray, Y: np.ndarray, *, seed: int | None = 0,
             weights=None, width: int | None = None, random_seed: int | None = None, **kwargs):
    """``init="auto"``: race a compiled and a random initialisation (``race``) and keep the one
    with the lower validation error, so a compiled init that is worse than a random one on this
    kernel costs arithmetic, not accuracy. ``seed`` sets the split and shuffling, ``random_seed``
    the random candidate's weights (default: ``seed``). ``kwargs`` go to ``race`` (epochs, lr,
    patience, warmup_epochs, ...).

    Returns:
        ``(surrogate, result, candidates)``: the winner, its ``FitResult`` (``init`` names it)
        and each initialisation's best validation error.
    """
    from nsc_tune.surrogate.model import Surrogate

    compiled = Surrogate.compiled(kernel, weights)
    random = Surrogate.random(kernel, width=compiled.width if width is None else width,
                              depth=compiled.depth,
                              seed=seed if random_seed is None else random_seed)
    return race([compiled, random], X, Y, seed=seed, **kwargs)
