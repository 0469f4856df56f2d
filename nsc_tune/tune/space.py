"""The search space of a tuning problem: the box, the fixed inputs and the free ones.

Searches work on the unit cube of the free inputs; ``Space`` maps it to the kernel's full input
vector in real units (fixed inputs filled in exactly as given, integer inputs rounded).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nsc_tune.kernel import Kernel
from nsc_tune.tune.problem import TuneError, as_number, input_rows, resolve_bounds


@dataclass
class Space:
    """The box ``[n_inputs, 2]`` (real units), the free input positions and the fixed values."""

    kernel: Kernel
    box: np.ndarray
    free: np.ndarray  # int positions of the searched inputs
    fixed_values: np.ndarray  # full vector; only the fixed positions matter

    @classmethod
    def of(cls, kernel: Kernel, bounds=None, fixed: Mapping[str, float] | None = None) -> Space:
        """The space of ``kernel`` narrowed by ``bounds`` with ``fixed`` inputs held (names or
        labels; values inside the bounds). An input whose bounds are one point is held there."""
        box = resolve_bounds(kernel, bounds)
        held = box[:, 0] == box[:, 1]
        values = np.where(held, box[:, 0], 0.0)
        if fixed is not None and not isinstance(fixed, Mapping):
            raise TuneError(f"fixed must be a dict {{name: value}}, got {fixed!r}")
        for key, value in (fixed or {}).items():
            value = as_number(value, f"the fixed value of {key}")
            for r in input_rows(kernel, key):
                if not box[r, 0] <= value <= box[r, 1]:
                    raise TuneError(f"fixed value {value:g} of {key} is outside its range "
                                    f"{box[r].tolist()}; pick a value inside it")
                held[r], values[r] = True, value
        free = np.flatnonzero(~held)
        if free.size == 0:
            raise TuneError("every input is fixed (by fixed= or by bounds of one point): there "
                            "is nothing to tune; free one input")
        return cls(kernel, box, free, values)

    @property
    def dim(self) -> int:
        """How many inputs are searched."""
        return int(self.free.size)

    @property
    def integer(self) -> np.ndarray:
        """Which free inputs are integers (the kernel's ``int`` parameters)."""
        return np.asarray(self.kernel.integer_inputs, dtype=bool)[self.free]

    def full(self, U: np.ndarray) -> np.ndarray:
        """Unit-cube rows of the free inputs ``[B, dim]`` -> full inputs ``[B, n_inputs]``,
        integers rounded into their range."""
        U = np.clip(np.atleast_2d(np.asarray(U, dtype=np.float64)), 0.0, 1.0)
        lo, hi = self.box[self.free, 0], self.box[self.free, 1]
        X = np.tile(self.fixed_values, (U.shape[0], 1))
        Z = lo + (hi - lo) * U
        ints = self.integer
        if ints.any():
            Z[:, ints] = np.clip(np.round(Z[:, ints]), np.ceil(lo[ints]), np.floor(hi[ints]))
        X[:, self.free] = Z
        return X

    def unit(self, X: np.ndarray) -> np.ndarray:
        """Full inputs ``[B, n_inputs]`` -> the unit-cube rows of their free inputs."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        lo, hi = self.box[self.free, 0], self.box[self.free, 1]
        return (X[:, self.free] - lo) / np.maximum(hi - lo, 1e-300)

    def contains(self, X: np.ndarray) -> np.ndarray:
        """Which rows of full inputs lie in the box with the fixed inputs at their values."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        inside = np.all((X >= self.box[:, 0]) & (X <= self.box[:, 1]), axis=1)
        held = np.setdiff1d(np.arange(X.shape[1]), self.free)
        return inside & np.all(X[:, held] == self.fixed_values[held], axis=1)
