"""What a tuning problem is made of: the objective's type, the typed error, the result, and the
search box of a kernel's inputs (its domains narrowed by ``bounds``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
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
        for key, pair in bounds.items():
            out[input_rows(kernel, key)] = _pair(key, pair)
    else:
        try:
            arr = np.asarray(bounds, dtype=float)
        except (TypeError, ValueError):
            raise TuneError(f"bounds must be {{name: (lo, hi)}} or one (lo, hi) row per input, "
                            f"got {bounds!r}") from None
        if arr.shape != out.shape:
            raise TuneError(f"bounds must have shape {out.shape}, got {arr.shape}")
        out = arr.copy()
    dom = kernel.domains
    bad = ~np.isfinite(out).all(axis=1) | (out[:, 0] > out[:, 1]) | (out[:, 0] < dom[:, 0]) \
        | (out[:, 1] > dom[:, 1])
    if bad.any():
        i = int(np.argmax(bad))
        raise TuneError(f"bounds for {labels[i]} {out[i].tolist()} must be ordered and inside "
                        f"its domain {dom[i].tolist()}")
    return out


def _pair(key: object, pair: object) -> tuple[float, float]:
    """``(lo, hi)`` as floats, or a TuneError naming the input."""
    try:
        lo, hi = pair  # type: ignore[misc]
        return float(lo), float(hi)
    except (TypeError, ValueError):
        raise TuneError(f"bounds for {key} must be a pair (lo, hi), got {pair!r}") from None


def as_number(value: object, what: str) -> float:
    """``value`` as a finite float, or a TuneError naming ``what``."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not np.isfinite(number):
        raise TuneError(f"{what} must be a finite number, got {value!r}")
    return number


def input_rows(kernel: Kernel, key: str) -> list[int]:
    """Flattened input positions named by ``key``: a label (``w[3]``) or a parameter (``w``)."""
    labels = kernel.signature.input_labels()
    if key in labels:
        return [labels.index(key)]
    rows = [i for i, lab in enumerate(labels) if lab.split("[")[0] == key]
    if not isinstance(key, str) or not rows:
        raise TuneError(f"no input named {key!r}; inputs are {', '.join(labels[:12])}")
    return rows


def check_function(name: str, value: object, form: str = "(x, y) -> [B]") -> None:
    """TuneError unless ``value`` can be called (an objective, a callback)."""
    if not callable(value):
        raise TuneError(f"{name} must be a function {form}, got {value!r}")


def check_whole(name: str, value: object, least: int) -> None:
    """TuneError unless ``value`` is a whole number (not a bool) of at least ``least``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise TuneError(f"{name}={value!r}: pass a whole number >= {least}")


def check_data(kernel: Kernel, data: object) -> tuple[np.ndarray, np.ndarray] | None:
    """Earlier runs ``(X [n, n_inputs], Y [n, n_outputs])`` as float arrays, or a TuneError
    saying what shape they must have."""
    if data is None:
        return None
    want = f"(X [n, {kernel.n_inputs}], Y [n, {kernel.n_outputs}])"
    try:
        X, Y = data  # type: ignore[misc]
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    except (TypeError, ValueError):
        raise TuneError(f"data must be earlier kernel runs {want}") from None
    if X.shape[1] != kernel.n_inputs or Y.shape[1] != kernel.n_outputs:
        raise TuneError(f"data has X {X.shape} and Y {Y.shape}; it must be runs {want}")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise TuneError("data holds NaN or inf; pass only finite kernel runs")
    return X, Y
