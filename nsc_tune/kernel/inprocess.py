"""The kernel compiled into a shared library and called in this process through ctypes.

Faster than ``Kernel.native`` (no child process, no pipes) but without its crash isolation: a
SIGSEGV in the kernel takes Python down. For timing (benchmarks) and for trusted kernels.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
from pathlib import Path

import numpy as np

from nsc_tune.kernel.errors import NativeBuildError
from nsc_tune.kernel.native import CFLAGS, entry_wrapper, ordered_params, row_loop
from nsc_tune.kernel.numba_backend import cache_dir
from nsc_tune.kernel.parse import find_cc
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
    cc = find_cc()
    if cc is None:
        raise NativeBuildError("no C compiler found", hint="install gcc or set $CC")
    params = ordered_params(sig)
    batch = "\n".join(["void __nsc_batch(long n, const double *X, double *Y) {",
                       *row_loop("__nsc_entry", sig, params), "}"])
    unit = source + entry_wrapper(function, ret, params) + batch + "\n"
    flags = [*CFLAGS, "-shared", "-fPIC"]
    digest = hashlib.sha256("\0".join([unit, cc, *flags]).encode()).hexdigest()[:20]
    folder = cache_dir() / "shared" / digest
    lib = folder / "kernel.so"
    if lib.exists():
        return lib
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.c").write_text(unit)
    tmp = folder / f"kernel.{os.getpid()}.tmp.so"
    proc = subprocess.run([cc, *flags, "-o", str(tmp), str(folder / "kernel.c"), "-lm"],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise NativeBuildError(f"{cc} failed: {proc.stderr.strip()[:500]}",
                               hint="the kernel must compile as C11 with the system compiler")
    os.replace(tmp, lib)
    return lib
