"""C constants and type rules against the C standard's closed forms."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from nsc_tune.kernel import ctype as ct
from nsc_tune.kernel.translate import float_literal, int_literal


@pytest.mark.parametrize("text, value, ctype", [
    ("2147483647", 2147483647, ct.INT),
    ("2147483648", 2147483648, ct.LONG),  # decimal: int, then long
    ("0x80000000", 2147483648, ct.UINT),  # hex: int, unsigned int, long, ...
    ("0xFFFFFFFFFFFFFFFF", 2**64 - 1, ct.ULONG),
    ("4294967295u", 4294967295, ct.UINT),
    ("10L", 10, ct.LONG),
    ("10ul", 10, ct.ULONG),
    ("017", 15, ct.INT),
    ("'A'", 65, ct.INT),
    ("'\\n'", 10, ct.INT),
    ("'\\x7f'", 127, ct.INT),
])
def test_integer_constants(text: str, value: int, ctype: ct.CType) -> None:
    assert int_literal(text) == (value, ctype)


@pytest.mark.parametrize("text", ["0.1f", "3.4028235e38f", "1.00000005960464477539f",
                                  "16777217.0f", "0x1.8p1f", "2.5e-45f"])
def test_float_constants_round_once_to_nearest_float32(text: str) -> None:
    got = np.float32(float_literal(text, ct.FLOAT))
    body = text.rstrip("f")
    exact = Fraction(float.fromhex(body)) if body.startswith("0x") else Fraction(body)
    with np.errstate(over="ignore"):
        neighbours = [np.nextafter(got, np.float32(s * np.inf)) for s in (-1, 1)]
    err = abs(Fraction(float(got)) - exact)
    for n in neighbours:
        if np.isfinite(n):
            assert err <= abs(Fraction(float(n)) - exact)


def test_halfway_decimal_rounds_to_even_not_twice() -> None:
    # 1 + 2^-24 is exactly halfway between two float32s: ties to even gives 1.0.
    assert float_literal("1.000000059604644775390625f", ct.FLOAT) == 1.0
    # A hair above halfway must round up, though rounding to double first lands on the tie.
    assert float_literal("1.0000000596046447753906250000000001f", ct.FLOAT) == 1.0 + 2**-23


@pytest.mark.parametrize("a, b, expected", [
    (ct.INT, ct.UINT, ct.UINT),
    (ct.LONG, ct.UINT, ct.LONG),
    (ct.ULONG, ct.INT, ct.ULONG),
    (ct.CHAR, ct.SHORT, ct.INT),
    (ct.UCHAR, ct.USHORT, ct.INT),
    (ct.FLOAT, ct.LONG, ct.FLOAT),
    (ct.FLOAT, ct.DOUBLE, ct.DOUBLE),
    (ct.BOOL, ct.BOOL, ct.INT),
])
def test_usual_arithmetic_conversions(a: ct.CType, b: ct.CType, expected: ct.CType) -> None:
    assert ct.common(a, b) == expected
    assert ct.common(b, a) == expected
