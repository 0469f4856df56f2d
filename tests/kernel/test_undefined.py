"""C's undefined behaviour: Numba and gcc both stop with a typed error, never silently differ."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nsc_tune import Kernel
from nsc_tune.kernel.errors import KernelError, KernelRuntimeError, UnsupportedConstructError

UNDEFINED = {
    "INT_MIN / -1": ("int k(int a, int b) { return a / b; }", [-2147483648, -1]),
    "INT_MIN % -1": ("int k(int a, int b) { return a % b; }", [-2147483648, -1]),
    "long min / -1": ("long k(long a, long b) { return a / b; }", [-(2.0 ** 63), -1]),
    "shift by width": ("int k(int a, int s) { return a << s; }", [1, 32]),
    "shift past width": ("int k(int a, int s) { return a << s; }", [1, 33]),
    "negative shift": ("int k(int a, int s) { return a >> s; }", [8, -2]),
    "unsigned shift": ("unsigned k(unsigned a, int s) { return a << s; }", [1, 40]),
    "compound shift": ("int k(int a, int s) { a <<= s; return a; }", [1, 40]),
    "NaN to int": ("int k(double x) { return (int)(x / x - 1.0 + 0.0 / (x - x)); }", [1.0]),
    "inf to int": ("int k(double x) { return (int)(x / 0.0); }", [1.0]),
    "too large to int": ("int k(double x) { return (int)(x * 1e10); }", [1.0]),
    "negative to unsigned": ("unsigned k(double x) { return (unsigned)(-x); }", [2.0]),
    "to char": ("int k(double x) { char c = x * 300.0; return c; }", [1.0]),
}

DEFINED = {  # the edges that are defined: both backends must give C's value
    "largest int": ("int k(double x) { return (int)(x * 2147483647.9); }", [1.0], 2147483647),
    "most negative int": ("int k(double x) { return (int)(x * -2147483648.9); }", [1.0],
                          -2147483648),
    "just above -1 to unsigned": ("unsigned k(double x) { return (unsigned)(-x); }", [0.9], 0),
    "shift by width - 1": ("unsigned k(unsigned a, int s) { return a << s; }", [1, 31],
                           2147483648),
    "INT_MIN / 1": ("int k(int a, int b) { return a / b; }", [-2147483648, 1], -2147483648),
}


@pytest.mark.parametrize("case", list(UNDEFINED))
def test_undefined_behaviour_stops_both_backends(case: str) -> None:
    src, row = UNDEFINED[case]
    k = Kernel.from_source(src, "k")
    X = np.array([row], dtype=np.float64)
    with pytest.raises(KernelRuntimeError, match="undefined behaviour"):
        k(X)
    with pytest.raises(KernelRuntimeError):
        k.native(X)


@pytest.mark.parametrize("case", list(DEFINED))
def test_defined_edges_agree(case: str) -> None:
    src, row, expected = DEFINED[case]
    k = Kernel.from_source(src, "k")
    X = np.array([row], dtype=np.float64)
    assert k(X)[0, 0] == expected
    assert k.native(X)[0, 0] == expected


@pytest.mark.parametrize("src", ["int k(int a) { return a << 32; }",
                                 "int k(int a) { return a >> -1; }",
                                 "int k(int a) { return a + (1 << -1); }",
                                 "int k(int a) { return a % 0; }",
                                 "int k(int a) { int big = 1e10; return a + big; }"])
def test_constant_undefined_behaviour_is_rejected_at_its_line(src: str) -> None:
    with pytest.raises(UnsupportedConstructError, match="undefined") as exc:
        Kernel.from_source("\n" + src, "k")
    assert exc.value.line == 2


@pytest.mark.parametrize("value", [-1.0, 2.0 ** 32, math.nan, math.inf])
def test_integer_input_out_of_its_type_is_an_error_before_any_backend(value: float) -> None:
    k = Kernel.from_source("unsigned k(unsigned a, double x) { return a + (unsigned)x; }", "k")
    X = np.array([[3.0, 1.0], [value, 1.0]])
    for run in (k, k.native):
        with pytest.raises(KernelError, match=r"input `a` \(row 1\)"):
            run(X)
    np.testing.assert_array_equal(k(X[:1]), k.native(X[:1]))
