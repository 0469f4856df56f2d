"""Surrogates: differentiable stand-ins for a kernel.

Two kinds share one interface (``predict``, ``forward``, ``fit``, ``save``/``load``, ``to_c``):
``Surrogate``, the MLP that CompNet compiles (or a random init), and ``GPSurrogate``, an exact
Gaussian process, optionally on the residual of such an MLP. :func:`fit` fits the candidates
side by side and keeps the one best on held-out examples.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nsc_tune.kernel import Kernel
from nsc_tune.surrogate.checks import FitError
from nsc_tune.surrogate.choose import KINDS, Choice, fit_best
from nsc_tune.surrogate.gp import GPSurrogate, fit_gp
from nsc_tune.surrogate.model import Surrogate


def compile(kernel: Kernel, weights: str | Path | None = None) -> Surrogate:  # noqa: A001
    """Compile a kernel into a surrogate with CompNet, without running the kernel.

    Arguments:
        kernel: the kernel (its text, signature and domains are what CompNet reads).
        weights: CompNet weights (default: the weights shipped in the package).

    Returns:
        A ``Surrogate`` (``torch.nn.Module``) whose outputs are in the kernel's units.
    """
    return Surrogate.compiled(kernel, weights)


def fit(data: Kernel | tuple[np.ndarray, np.ndarray], *, kernel: Kernel | None = None,
        n_samples: int = 1024, kinds: tuple[str, ...] = KINDS, epochs: int = 3000,
        lr: float = 0.01, val_fraction: float = 0.2, seed: int | None = 0, weights=None,
        speed: str = "balanced", progress: bool = False) -> Surrogate | GPSurrogate:
    """The most accurate surrogate nsc_tune can make from the examples: the MLP (compiled and
    random inits raced), a GP, and a GP on the MLP's residual, fitted on the same split; the one
    with the lowest validation error is kept (``surrogate.choose``).

    Arguments:
        data: a Kernel (``n_samples`` examples drawn from its domains through the Numba ground
            truth) or ``(X, Y)`` arrays in real units (then pass ``kernel=``).
        kernel: the kernel the examples come from (with ``(X, Y)``).
        kinds: candidates, from ``KINDS`` (``"mlp", "gp", "gp+mlp", "gp+compiled"``).
        epochs, lr: the MLP's Adam settings (cosine decay to lr / 1000).
        val_fraction: share held out to choose; a GP winner is then refitted on every example.
        seed: example draw, split, shuffling and random init.
        weights: CompNet weights (default: shipped).
        speed: ``"exact"`` (the most accurate, whatever it costs to predict), ``"balanced"``
            (a candidate that predicts as fast as the MLP - the MLP, or the GP made sparse -
            when its held-out error is within 1.1x of the best) or ``"fast"`` (only candidates that
            predict as fast as the MLP).

    Returns:
        The chosen surrogate; ``surrogate.choice`` (a ``Choice``) says what was tried and kept.
    """
    from nsc_tune.surrogate.fit import draw

    if isinstance(data, Kernel):
        kernel = data
        if not isinstance(n_samples, int) or n_samples < 3:
            raise FitError(f"n_samples={n_samples!r}: pass at least 3 (two to train on, one to "
                           "choose with)")
        X, Y = draw(kernel, n_samples, seed)
    elif kernel is None:
        raise FitError("fit((X, Y)) needs the kernel the examples come from: pass kernel=")
    else:
        try:
            X, Y = data
        except (TypeError, ValueError):
            raise FitError("data must be a Kernel or a pair (X, Y) of arrays") from None
    surrogate, choice = fit_best(kernel, X, Y, kinds=kinds, epochs=epochs, lr=lr,
                                 val_fraction=val_fraction, seed=seed, weights=weights,
                                 speed=speed, progress=progress)
    surrogate.choice = choice
    return surrogate


__all__ = ["KINDS", "Choice", "FitError", "GPSurrogate", "Surrogate", "compile", "fit",
           "fit_best", "fit_gp"]
