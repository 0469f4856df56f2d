"""The refinement loop: tune through the surrogate, verify, learn from verified points, repeat."""

from __future__ import annotations

import numpy as np

from nsc_tune.tune.gradient import minimize
from nsc_tune.tune.problem import Objective, TuneResult


def refine(surrogate, objective: Objective, *, rounds: int = 10, patience: int = 2,
           per_round: int = 4, fit_epochs: int = 200, tol: float = 0.0,
           data: tuple[np.ndarray, np.ndarray] | None = None, seed: int = 0,
           in_place: bool = False, **minimize_kwargs) -> TuneResult:
    """Alternate ``minimize`` (verifying ``per_round`` candidates on the kernel) with refitting the
    surrogate on every verified point (plus ``data``), until the verified objective has not
    improved by more than ``tol`` for ``patience`` rounds.

    The refits fit a few verified points closely and can spoil the surrogate elsewhere, so they
    are made on a copy: the caller's surrogate is left as it was unless ``in_place=True``.

    Returns:
        The best verified result over all rounds; ``kernel_runs`` counts every kernel evaluation
        made here (the rows of ``data`` are the caller's to count).
    """
    if not in_place:
        surrogate = surrogate.copy()
    X_all = [] if data is None else [np.asarray(data[0], dtype=np.float64)]
    Y_all = [] if data is None else [np.asarray(data[1], dtype=np.float64)]
    best: TuneResult | None = None
    runs, stale = 0, 0
    history: list[float] = []
    for r in range(rounds):
        res = minimize(surrogate, objective, verify_top=per_round, seed=seed + r,
                       **minimize_kwargs)
        runs += res.kernel_runs
        X_all.append(res.evaluated[0])
        Y_all.append(res.evaluated[1])
        history.append(res.verified)
        if best is None or res.verified < best.verified - tol:
            best, stale = res, 0
        else:
            stale += 1
        if stale >= patience or r == rounds - 1:
            break
        X, Y = np.concatenate(X_all), np.concatenate(Y_all)
        surrogate.fit((X, Y), epochs=fit_epochs, val_fraction=0.0, patience=None, seed=seed + r,
                      progress=False)
    assert best is not None
    best.kernel_runs = runs
    best.history = history
    return best
