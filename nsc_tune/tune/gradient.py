"""Input tuning by gradient descent through a surrogate, verified on the real kernel.

Inputs live in their bounds by construction (``x = lo + (hi - lo) * sigmoid(z)``); fixed inputs are
held at their values; integer inputs are optimised relaxed and rounded at the end. The best
candidates by surrogate value are then run on the kernel (the Numba ground truth) and the result
reports both values: the surrogate's claim and the verified truth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import Tensor

from nsc_tune.kernel import Kernel
from nsc_tune.tune.problem import Objective, TuneError, TuneResult, check_function, check_whole
from nsc_tune.tune.space import Space


def verify(kernel: Kernel, objective: Objective, X: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's outputs for each row of ``X`` and the objective there."""
    Y = kernel(X)
    with torch.no_grad():
        v = objective(torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(Y))
    return np.asarray(v, dtype=np.float64).reshape(-1), Y


def minimize(surrogate, objective: Objective, *, bounds=None,
             fixed: Mapping[str, float] | None = None, n_starts: int = 32, steps: int = 300,
             lr: float = 0.1, penalty: Callable[[Tensor, Tensor], Tensor] | None = None,
             penalty_weight: float = 100.0, verify_top: int = 4, seed: int | None = 0
             ) -> TuneResult:
    """Minimise ``objective(x, surrogate(x))`` over the kernel's inputs; verify on the kernel.

    Arguments:
        surrogate: a ``Surrogate`` (its kernel is the ground truth used for verification).
        objective: ``(x [B, n_in], y [B, n_out]) -> [B]`` torch function, real units.
        bounds: narrower search ranges than the domains (by input name/label, or an array).
        fixed: inputs held at a value (by name or label).
        n_starts: random starting points (multi-start).
        steps, lr: Adam steps and learning rate (on the unconstrained parametrisation).
        penalty: optional ``(x, y) -> [B]`` constraint violation (>= 0), added times
            ``penalty_weight``.
        verify_top: distinct best candidates run on the real kernel (0: none; the result then
            holds the surrogate's best, with ``verified`` NaN and no kernel runs).
        seed: starting points.

    Returns:
        A ``TuneResult``.
    """
    _check_settings(n_starts=n_starts, steps=steps, lr=lr, verify_top=verify_top,
                    penalty_weight=penalty_weight)
    check_function("objective", objective)
    kernel: Kernel = surrogate.kernel
    space = Space.of(kernel, bounds, fixed)
    box = space.box
    lo = torch.as_tensor(box[:, 0], dtype=torch.float32)
    span = torch.as_tensor(box[:, 1] - box[:, 0], dtype=torch.float32)
    free = torch.zeros(kernel.n_inputs, dtype=torch.bool)
    free[torch.as_tensor(space.free)] = True
    fixed64 = space.fixed_values  # the values exactly as given, for the kernel runs
    fixed_vals = torch.as_tensor(fixed64, dtype=torch.float32)
    gen = torch.Generator().manual_seed(0 if seed is None else seed)
    z = torch.logit(torch.rand(n_starts, kernel.n_inputs, generator=gen).clamp(0.02, 0.98))
    z.requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    params = list(surrogate.parameters())
    was = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)

    def inputs(zz: Tensor) -> Tensor:
        x = lo + span * torch.sigmoid(zz)
        return torch.where(free, x, fixed_vals)

    def loss_of(x: Tensor) -> Tensor:
        y = surrogate(x)
        value = objective(x, y)
        if penalty is not None:
            value = value + penalty_weight * penalty(x, y)
        return value

    history = []
    try:
        for _ in range(steps):
            values = loss_of(inputs(z))
            opt.zero_grad(set_to_none=True)
            values.sum().backward()
            opt.step()
            history.append(float(values.detach().min()))
        with torch.no_grad():
            X = inputs(z).double().numpy()
            X[:, ~free.numpy()] = fixed64[~free.numpy()]
    finally:
        for p, w in zip(params, was, strict=True):
            p.requires_grad_(w)
    X = _round_integers(kernel, X, box)
    with torch.no_grad():
        pred = loss_of(torch.as_tensor(X, dtype=torch.float32)).double().numpy()
    if np.isnan(pred).all():
        raise TuneError(f"the objective {getattr(objective, '__name__', repr(objective))} is NaN "
                        f"at all {len(pred)} candidates: make it return finite numbers over the "
                        "bounds (the surrogate's outputs may be NaN or inf there)")
    order = np.argsort(pred)
    unit = (X - box[:, 0]) / np.maximum(box[:, 1] - box[:, 0], 1e-300)
    chosen: list[int] = []
    for i in order:  # distinct candidates: starts that converged together are verified once
        if all(np.abs(unit[i] - unit[j]).max() > 1e-3 for j in chosen):
            chosen.append(int(i))
        if len(chosen) >= verify_top:
            break
    Xc = X[chosen]
    labels = kernel.signature.input_labels()
    if verify_top <= 0:
        i = int(order[0])
        return TuneResult(X[i], dict(zip(labels, map(float, X[i]), strict=True)), float("nan"),
                          float(pred[i]), 0, [], history, None)
    truth, Yc = verify(kernel, objective, Xc)
    if penalty is not None:
        with torch.no_grad():
            Xt = torch.as_tensor(Xc, dtype=torch.float64)
            truth = truth + penalty_weight * np.asarray(
                penalty(Xt, torch.as_tensor(Yc)), dtype=np.float64).reshape(-1)
    best = int(np.argmin(truth))
    cands = sorted(((Xc[i], float(pred[chosen[i]]), float(truth[i])) for i in range(len(Xc))),
                   key=lambda c: c[2])
    return TuneResult(Xc[best], dict(zip(labels, map(float, Xc[best]), strict=True)),
                      float(truth[best]), float(pred[chosen[best]]), len(Xc), cands, history,
                      (Xc, Yc))


def _check_settings(*, n_starts: object, steps: object, lr: object, verify_top: object,
                    penalty_weight: object) -> None:
    """TuneError naming a setting ``minimize`` cannot use."""
    for name, value, least in (("n_starts", n_starts, 1), ("steps", steps, 0),
                               ("verify_top", verify_top, 0)):
        check_whole(name, value, least)
    for name, value in (("lr", lr), ("penalty_weight", penalty_weight)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                np.isfinite(value) and value >= 0) or (name == "lr" and value == 0):
            raise TuneError(f"{name}={value!r}: pass a finite number "
                            f"{'> 0' if name == 'lr' else '>= 0'}")


def _round_integers(kernel: Kernel, X: np.ndarray, box: np.ndarray) -> np.ndarray:
    ints = kernel.integer_inputs
    if ints.any():
        X = X.copy()
        X[:, ints] = np.clip(np.round(X[:, ints]), np.ceil(box[ints, 0]), np.floor(box[ints, 1]))
    return X
