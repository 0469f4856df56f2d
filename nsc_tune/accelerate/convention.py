"""Calling conventions of the wrapped exact function: scalar arguments or one NumPy batch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nsc_tune.accelerate.errors import AccelerateError
from nsc_tune.kernel import Kernel


class ScalarConvention:
    """``fn(x0, x1, ...)`` takes one scalar per kernel input, in signature order, and returns
    one number (one output) or a sequence of numbers (several outputs). Integer inputs are
    passed as Python ints.

    The accelerated function also takes NumPy arrays for the arguments (broadcast together, like
    a ufunc) and then returns an array (one output) or a tuple of arrays."""

    batch = False

    def __init__(self, kernel: Kernel) -> None:
        arrays = [a.name for a in kernel.signature.inputs if a.shape]
        if arrays:
            raise AccelerateError(
                f"accelerate: `{kernel.function}` takes array inputs ({', '.join(arrays)}), which "
                f"the scalar calling convention cannot pass; wrap it as fn(X) on an (N, "
                f"{kernel.n_inputs}) array and decorate with batch=True")
        self.kernel = kernel
        self._ints = [bool(b) for b in kernel.integer_inputs]

    def row_args(self, row: np.ndarray) -> list:
        return [int(v) if i else float(v) for v, i in zip(row, self._ints, strict=True)]

    def exact(self, fn: Callable, X: np.ndarray) -> np.ndarray:
        """Run ``fn`` row by row on ``X`` [N, n_inputs]; outputs [N, n_outputs]."""
        n_out = self.kernel.n_outputs
        Y = np.empty((X.shape[0], n_out))
        for i, row in enumerate(X):
            Y[i] = np.asarray(fn(*self.row_args(row)), dtype=np.float64).reshape(n_out)
        return Y

    def to_batch(self, args: tuple) -> tuple[np.ndarray, tuple[int, ...] | None]:
        """Arguments -> (X [N, n_inputs], broadcast shape, or None for all-scalar arguments)."""
        n = self.kernel.n_inputs
        if len(args) != n:
            labels = ", ".join(self.kernel.signature.input_labels())
            raise AccelerateError(f"accelerate: `{self.kernel.function}` takes {n} arguments "
                                  f"({labels}), got {len(args)}")
        if all(np.ndim(a) == 0 for a in args):
            return np.asarray([args], dtype=np.float64), None
        cols = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
        return np.stack([c.reshape(-1) for c in cols], axis=1), cols[0].shape

    def from_batch(self, Y: np.ndarray, shape: tuple[int, ...] | None):
        """Outputs [N, n_outputs] -> a float / tuple of floats, or arrays of ``shape``."""
        if shape is None:
            vals = tuple(float(v) for v in Y[0])
        else:
            vals = tuple(Y[:, j].reshape(shape) for j in range(Y.shape[1]))
        return vals[0] if len(vals) == 1 else vals


class BatchConvention:
    """``fn(X)`` takes an ``(N, n_inputs)`` float64 array and returns ``(N, n_outputs)`` (or
    ``(N,)`` for one output). The accelerated function returns the same shape."""

    batch = True

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.flat = False  # whether fn returned (N,) when last seen

    def exact(self, fn: Callable, X: np.ndarray) -> np.ndarray:
        Y = np.asarray(fn(np.ascontiguousarray(X, dtype=np.float64)), dtype=np.float64)
        n_out = self.kernel.n_outputs
        flat = n_out == 1 and Y.shape == (X.shape[0],)
        if Y.shape != (X.shape[0], n_out) and not flat:
            raise AccelerateError(f"accelerate: the wrapped `{self.kernel.function}` returned "
                                  f"shape {Y.shape} for {X.shape[0]} inputs; return "
                                  f"({X.shape[0]}, {n_out})")
        self.flat = flat
        return Y.reshape(X.shape[0], n_out)

    def to_batch(self, args: tuple) -> tuple[np.ndarray, None]:
        if len(args) != 1:
            raise AccelerateError(f"accelerate: with batch=True the function takes one (N, "
                                  f"{self.kernel.n_inputs}) array, got {len(args)} arguments")
        X = np.asarray(args[0], dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.kernel.n_inputs:
            raise AccelerateError(f"accelerate: `{self.kernel.function}` expects an (N, "
                                  f"{self.kernel.n_inputs}) array, got shape {X.shape}")
        return X, None

    def from_batch(self, Y: np.ndarray, shape: None = None) -> np.ndarray:
        return Y[:, 0] if self.flat else Y
