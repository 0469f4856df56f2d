"""Numba helpers that translated kernels call: C integer division, bounds checks, error flags.

Translated code never raises inside the parallel batch loop (Numba cannot propagate exceptions out
of ``prange``); instead it records an error in the control array ``ctl`` and unwinds, and the
caller turns the record into a typed error.  ``ctl = [kind, line, budget]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NO_ERROR = 0
NONTERMINATION = 1
DIVISION_BY_ZERO = 2
OUT_OF_BOUNDS = 3

_jit = njit(cache=True, error_model="numpy", nogil=True)


@_jit
def _fail(ctl, kind, line):
    if ctl[0] == 0:
        ctl[0] = kind
        ctl[1] = line


@_jit
def _idiv(a, b, ctl, line):
    """C division of two same-typed integers: truncation toward zero."""
    if b == 0:
        _fail(ctl, DIVISION_BY_ZERO, line)
        return a - a
    q = a // b
    if q < 0 and q * b != a:
        q += 1
    return q


@_jit
def _imod(a, b, ctl, line):
    """C remainder: ``a - (a / b) * b``, so the result has the sign of ``a``."""
    if b == 0:
        _fail(ctl, DIVISION_BY_ZERO, line)
        return a - a
    return a - _idiv(a, b, ctl, line) * b


@_jit
def _bc(i, n, ctl, line):
    """Index ``i`` if it lies in [0, n); otherwise record an out-of-bounds error and return 0."""
    if i < 0 or i >= n:
        _fail(ctl, OUT_OF_BOUNDS, line)
        return 0
    return i


@_jit
def _c_round(x):
    """C ``round``: halfway cases away from zero (Python's round goes to even)."""
    t = np.trunc(x)
    if np.fabs(x - t) >= 0.5:
        t += np.copysign(1.0, x)
    return x - x + t


@_jit
def _c_lround(x):
    return np.int64(_c_round(x))


@_jit
def _c_fdim(x, y):
    if np.isnan(x) or np.isnan(y):
        return x + y
    return x - y if x > y else x - x


@_jit
def _c_iabs(x):
    return -x if x < 0 else x


@_jit
def _c_inf32():
    return np.float32(np.inf)


@_jit
def _c_inf64():
    return np.float64(np.inf)


@_jit
def _c_nan32():
    return np.float32(np.nan)


# Numba cannot use the float32 and float64 forms of exp2/log2 in one module (conflicting LLVM
# declarations), so the float forms go through double: within one ulp of exp2f/log2f.
@_jit
def _exp2f(x):
    return np.float32(np.exp2(np.float64(x)))


@_jit
def _log2f(x):
    return np.float32(np.log2(np.float64(x)))
