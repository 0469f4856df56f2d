"""Input tuning by gradient descent through a surrogate, verified on the real kernel.

Inputs live in their bounds by construction (``x = lo + (hi - lo) * sigmoid(z)``); fixed inputs are
held at their values; integer inputs are optimised relaxed and rounded at the end. The best
candidates by surrogate value are then run on the kernel (the Numba ground truth) and the result
reports both values: the surrogate's claim and the verified truth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Kernel

Objective = Callable[[Tensor, Tensor], Tensor]  # (x [B, n_in], y [B, n_out]) -> [B]


class TuneError(NscTuneError):
    """A tuning problem is malformed (bounds, fixed inputs, objective)."""


@dataclass
class TuneResult:
    """Outcome of a tuning run.

    Arguments:
        x: the best verified inputs, in real units (n_inputs,).
        inputs: the same, by input label.
        verified: the objective of ``x`` on the real kernel.
        predicted: the surrogate's objective at ``x``.
        kernel_runs: how many times the real kernel was evaluated (one per input row).
        candidates: verified candidates as rows ``(x, predicted, verified)``, best first.
        history: best surrogate objective after each optimisation step.
    """

    x: np.ndarray
    inputs: dict[str, float]
    verified: float
    predicted: float
    kernel_runs: int
    candidates: list[tuple[np.ndarray, float, float]] = field(default_factory=list)
    history: list[float] = field(default_factory=list)
    evaluated: tuple[np.ndarray, np.ndarray] | None = None  # every (X, Y) run on the kernel
    proposal_seconds: list[float] = field(default_factory=list)  # wall time of each proposal

    def __str__(self) -> str:
        vals = ", ".join(f"{k}={v:.6g}" for k, v in self.inputs.items())
        return (f"verified {self.verified:.6g} (surrogate said {self.predicted:.6g}) at {vals}; "
                f"{self.kernel_runs} kernel runs")


def resolve_bounds(kernel: Kernel, bounds: Mapping | Sequence | np.ndarray | None) -> np.ndarray:
    """Per-input ``[lo, hi]``: the kernel's domains, narrowed by ``bounds`` (by name/label or
    one row per input). Bounds outside the domain are rejected: the surrogate knows nothing
    there."""
    out = kernel.domains.copy()
    labels = kernel.signature.input_labels()
    if bounds is None:
        return out
    if isinstance(bounds, Mapping):
        for key, (lo, hi) in bounds.items():
            rows = input_rows(kernel, key)
            out[rows] = (lo, hi)
    else:
        arr = np.asarray(bounds, dtype=float)
        if arr.shape != out.shape:
            raise TuneError(f"bounds must have shape {out.shape}, got {arr.shape}")
        out = arr.copy()
    dom = kernel.domains
    bad = (out[:, 0] > out[:, 1]) | (out[:, 0] < dom[:, 0]) | (out[:, 1] > dom[:, 1])
    if bad.any():
        i = int(np.argmax(bad))
        raise TuneError(f"bounds for {labels[i]} {out[i].tolist()} must be ordered and inside "
                        f"its domain {dom[i].tolist()}")
    return out


def input_rows(kernel: Kernel, key: str) -> list[int]:
    """Flattened input positions named by ``key``: a label (``w[3]``) or a parameter (``w``)."""
    labels = kernel.signature.input_labels()
    if key in labels:
        return [labels.index(key)]
    rows = [i for i, lab in enumerate(labels) if lab.split("[")[0] == key]
    if not rows:
        raise TuneError(f"no input named {key!r}; inputs are {', '.join(labels[:12])}")
    return rows


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
    if not callable(objective):
        raise TuneError(f"objective must be a function (x, y) -> [B], got {objective!r}")
    kernel: Kernel = surrogate.kernel
    box = resolve_bounds(kernel, bounds)
    lo = torch.as_tensor(box[:, 0], dtype=torch.float32)
    span = torch.as_tensor(box[:, 1] - box[:, 0], dtype=torch.float32)
    free = torch.ones(kernel.n_inputs, dtype=torch.bool)
    fixed_vals = torch.zeros(kernel.n_inputs)
    fixed64 = np.zeros(kernel.n_inputs)  # the values exactly as given, for the kernel runs
    for key, value in (fixed or {}).items():
        for r in input_rows(kernel, key):
            if not box[r, 0] <= value <= box[r, 1]:
                raise TuneError(f"fixed value {value} of {key} is outside {box[r].tolist()}")
            free[r] = False
            fixed_vals[r] = float(value)
            fixed64[r] = float(value)
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
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise TuneError(f"{name}={value!r}: pass a whole number >= {least}")
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
