"""The comparison helper itself must be able to fail."""

from __future__ import annotations

import numpy as np

from .ulp import ctype_kind, is_constant, mismatch_mask, not_widened_exactly


def _f32_steps(x: float, n: int) -> float:
    v = np.float32(x)
    for _ in range(n):
        v = np.nextafter(v, np.float32(np.inf))
    return float(v)


def test_ctype_kind() -> None:
    assert ctype_kind("float") == "f32"
    assert ctype_kind("double") == "f64"
    for name in ("int", "unsigned int", "bool", "_Bool", "uint64_t", "signed char", "long"):
        assert ctype_kind(name) == "int"


def test_float32_ulps_counted_in_float32() -> None:
    base = np.array([1.0, -3.5, 1e-3, 0.0])
    four = np.array([_f32_steps(x, 4) for x in base])
    five = np.array([_f32_steps(x, 5) for x in base])
    assert not mismatch_mask(four, base, "float").any()
    assert mismatch_mask(five, base, "float").all()
    # the same gap is far more than 4 double ulps
    assert mismatch_mask(four, base, "double").all()


def test_specials_and_integers() -> None:
    fmax = float(np.finfo(np.float32).max)
    a = np.array([np.nan, np.inf, -np.inf, np.inf, 1.0, 0.0])
    e = np.array([np.nan, np.inf, np.inf, fmax, np.nan, -0.0])
    assert mismatch_mask(a, e, "float").tolist() == [False, False, True, True, True, False]
    assert mismatch_mask(np.array([3.0, 4.0]), np.array([3.0, 5.0]), "int").tolist() == [
        False,
        True,
    ]


def test_widening_and_constancy() -> None:
    assert not_widened_exactly(np.array([0.1, float(np.float32(0.1))]), "float").tolist() == [
        True,
        False,
    ]
    assert not_widened_exactly(np.array([2.0, 2.5]), "int").tolist() == [False, True]
    assert is_constant(np.zeros(5))
    assert is_constant(np.full(3, np.nan))
    assert not is_constant(np.array([0.0, 0.0, 1.0]))
