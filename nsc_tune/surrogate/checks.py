"""Checks on the examples and settings every surrogate kind is fitted with."""

from __future__ import annotations

import math

import numpy as np

from nsc_tune.errors import NscTuneError


class FitError(NscTuneError):
    """Fitting was asked for with unusable data or settings."""


def check_examples(kernel, X, Y, min_examples: int = 1, constant_ok: bool = False
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``(X, Y)`` as float64 arrays of the kernel's shape, or FitError naming what is wrong:
    a wrong shape, too few examples, NaN or inf, or outputs that are all constant."""
    n_in, n_out = kernel.n_inputs, kernel.n_outputs
    try:
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise FitError(f"examples must be numeric arrays X (N, {n_in}) and Y (N, {n_out}) "
                       f"({exc})") from None
    if Y.ndim == 1 and n_out == 1:
        Y = Y[:, None]
    if X.ndim != 2 or X.shape[1] != n_in or Y.ndim != 2 or Y.shape != (X.shape[0], n_out):
        raise FitError(f"expected X (N, {n_in}) and Y (N, {n_out}) for {kernel.name} "
                       f"({kernel.signature}), got {X.shape} and {Y.shape}")
    if X.shape[0] < min_examples:
        raise FitError(f"{X.shape[0]} example(s): this fit needs at least {min_examples}; "
                       "pass more (n_samples=...)")
    for name, a in (("X", X), ("Y", Y)):
        bad = ~np.isfinite(a)
        if bad.any():
            row, col = map(int, np.argwhere(bad)[0])
            raise FitError(f"{name} has {int(bad.sum())} NaN or inf value(s), first at row "
                           f"{row}, column {col} ({a[row, col]}): drop those examples, or "
                           "narrow the kernel's domains to where it is finite")
    if not constant_ok and X.shape[0] >= 2 and np.all(Y.max(axis=0) == Y.min(axis=0)):
        raise FitError(f"every output is constant over the {X.shape[0]} examples "
                       f"({Y[0].tolist()[:4]}...): there is nothing to learn; draw examples "
                       "over wider domains, or use the constant itself")
    return X, Y


def check_settings(*, epochs: int | None = None, lr: float | None = None,
                   batch_size: int | None = None, val_fraction: float | None = None,
                   patience: int | None = None, stats_lr: float | None = None) -> None:
    """FitError for a setting no fit can use (each checked only when given)."""
    if epochs is not None and (not isinstance(epochs, int | np.integer) or epochs < 1):
        raise FitError(f"epochs={epochs!r}: pass a whole number >= 1")
    if lr is not None and not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
        raise FitError(f"lr={lr!r}: pass a finite learning rate > 0 (the paper's: 0.01)")
    if batch_size is not None and (not isinstance(batch_size, int | np.integer)
                                   or batch_size < 1):
        raise FitError(f"batch_size={batch_size!r}: pass a whole number >= 1")
    if val_fraction is not None and not (isinstance(val_fraction, int | float)
                                         and 0.0 <= val_fraction < 1.0):
        raise FitError(f"val_fraction={val_fraction!r}: pass a share in [0, 1) (0 trains on "
                       "every example, with no early stopping)")
    if patience is not None and (not isinstance(patience, int | np.integer) or patience < 1):
        raise FitError(f"patience={patience!r}: pass a whole number >= 1, or None (never stop "
                       "early)")
    if stats_lr is not None and not (isinstance(stats_lr, int | float) and math.isfinite(stats_lr)
                                     and stats_lr >= 0):
        raise FitError(f"stats_lr={stats_lr!r}: pass a finite factor >= 0 (0 keeps the output "
                       "location and scale the examples measured)")
