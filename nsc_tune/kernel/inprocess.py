"""The kernel compiled into a shared library and called in this process through ctypes.

Faster than ``Kernel.native`` (no child process, no pipes) but without its crash isolation: a
SIGSEGV in the kernel takes Python down. For timing (benchmarks) and for trusted kernels.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from nsc_tune.kernel import directives
from nsc_tune.kernel.native import compile_cached, entry_wrapper, ordered_params, row_loop
from nsc_tune.kernel.parse import SUPPORTED_HEADERS
from nsc_tune.kernel.signature import Signature

_DOUBLE_P = ctypes.POINTER(ctypes.c_double)


class SharedKernel:
    """``batch(X)`` over all rows in one C call, or ``row(x)``: one C call per Python call.

    Arguments:
        source: C source defining ``function``.
        function: the kernel's name in ``source``.
        signature: the kernel's signature (``Kernel.signature``); the columns of ``X`` and of the
            result follow it exactly as for ``Kernel.native``.
    """

    def __init__(self, source: str, function: str, signature: Signature) -> None:
        self.signature = signature
        ret = signature.outputs[0].ctype if signature.outputs[0].param < 0 else "void"
        self.path = _build(source, function, ret, signature)
        lib = ctypes.CDLL(str(self.path))
        self._batch = getattr(lib, "__nsc_batch")  # (getattr: no name mangling)
        self._batch.argtypes = [ctypes.c_long, _DOUBLE_P, _DOUBLE_P]
        self._batch.restype = None

    def batch(self, X: np.ndarray) -> np.ndarray:
        """Outputs ``(N, n_outputs)`` for inputs ``(N, n_inputs)``, all rows in one C call."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        Y = np.zeros((X.shape[0], self.signature.n_outputs))
        self._batch(X.shape[0], X.ctypes.data_as(_DOUBLE_P), Y.ctypes.data_as(_DOUBLE_P))
        return Y

    def row(self, x: np.ndarray) -> np.ndarray:
        """One input row through one C call (what a per-call Python wrapper costs)."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.zeros(self.signature.n_outputs)
        self._batch(1, x.ctypes.data_as(_DOUBLE_P), y.ctypes.data_as(_DOUBLE_P))
        return y


def _build(source: str, function: str, ret: str, sig: Signature) -> Path:
    params = ordered_params(sig)
    directives.check(source, headers=SUPPORTED_HEADERS)  # gcc reads only its own headers
    batch = "\n".join(["void __nsc_batch(long n, const double *X, double *Y) {",
                       *row_loop("__nsc_entry", sig, params), "}"])
    unit = source + entry_wrapper(function, ret, params) + batch + "\n"
    return compile_cached("shared", {"kernel.c": unit}, ["-shared", "-fPIC"], "kernel.so")
