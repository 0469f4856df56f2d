"""Numba helpers that translated kernels call: C integer division, bounds checks, error flags.

Translated code never raises inside the parallel batch loop (Numba cannot propagate exceptions out
of ``prange``); instead it records an error in the control array ``ctl`` and unwinds, and the
caller turns the record into a typed error.  ``ctl = [kind, line, budget, work budget, work]``:
one such row per thread, the work (iterations of nested loops and of helpers' loops, which run
inside other loops) counted per input row.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NO_ERROR = 0
NONTERMINATION = 1
DIVISION_BY_ZERO = 2
OUT_OF_BOUNDS = 3
SHIFT_RANGE = 4  # a shift count < 0 or >= the width: undefined in C
CONVERSION_RANGE = 5  # a float converted to an integer type that cannot hold it (or NaN)
DIVISION_OVERFLOW = 6  # the most negative value divided by -1
TOTAL_WORK = 7  # the loops of one input row ran past the total work budget
#: Slots of a ``ctl`` row.
CTL_SLOTS = 5

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
def _idivs(a, b, lo, ctl, line):
    """Signed C division, with ``lo / -1`` (``lo`` the type's most negative value) recorded."""
    if b == -1 and a == lo:
        _fail(ctl, DIVISION_OVERFLOW, line)
        return a - a
    return _idiv(a, b, ctl, line)


@_jit
def _imods(a, b, lo, ctl, line):
    """Signed C remainder, with ``lo % -1`` recorded (it traps like the division on x86)."""
    return a - _idivs(a, b, lo, ctl, line) * b


@_jit
def _shift(b, bits, ctl, line):
    """A shift count that must lie in [0, bits)."""
    if b < 0 or b >= bits:
        _fail(ctl, SHIFT_RANGE, line)
        return b - b
    return b


@_jit
def _f2i(x, above, below, ctl, line):
    """A float to be converted to an integer type whose values truncate from the open interval
    (above, below); anything else (NaN included) is recorded and becomes 0."""
    if not (x > above and x < below):
        _fail(ctl, CONVERSION_RANGE, line)
        return x - x if x == x else 0.0
    return x


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
