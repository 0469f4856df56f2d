"""Helpers for comparing kernel outputs: exact for integers, ulp-bounded for floats."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

Kind = Literal["int", "f32", "f64"]


def ctype_kind(ctype: str) -> Kind:
    """Classify a C type name: `double` -> f64, `float` -> f32, anything else is an integer."""
    text = ctype.lower()
    if "double" in text:
        return "f64"
    if "float" in text:
        return "f32"
    return "int"


def flat_output_ctypes(outputs: Sequence[object]) -> list[str]:
    """The C type of every flattened output column, in signature order."""
    ctypes: list[str] = []
    for arg in outputs:
        shape = tuple(getattr(arg, "shape", ()))
        count = int(np.prod(shape)) if shape else 1
        ctypes.extend([str(arg.ctype)] * count)  # type: ignore[attr-defined]
    return ctypes


def _ordered(values: np.ndarray, kind: Kind) -> np.ndarray:
    """Map floats onto unsigned integers so that adjacent floats differ by one."""
    if kind == "f32":
        bits = values.astype(np.float32).view(np.uint32).astype(np.uint64)
        sign = np.uint64(1 << 31)
        mask = np.uint64((1 << 32) - 1)
    else:
        bits = values.astype(np.float64).view(np.uint64)
        sign = np.uint64(1 << 63)
        mask = np.uint64((1 << 64) - 1)
    negative = (bits & sign) != 0
    return np.where(negative, (~bits) & mask, bits | sign)


def ulp_distance(a: np.ndarray, b: np.ndarray, kind: Kind) -> np.ndarray:
    """Number of representable values of `kind` between a and b (finite, non-NaN inputs)."""
    oa, ob = _ordered(a, kind), _ordered(b, kind)
    return np.where(oa >= ob, oa - ob, ob - oa)


def mismatch_mask(
    actual: np.ndarray, expected: np.ndarray, ctype: str, max_ulps: int = 4
) -> np.ndarray:
    """True where `actual` disagrees with `expected` under the rules for C type `ctype`.

    Integers and bools must be identical. Floats must agree within `max_ulps` ulps of the
    output's own C type; NaN must meet NaN and an infinity the same infinity.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    kind = ctype_kind(ctype)
    if kind == "int":
        return ~((actual == expected) | (np.isnan(actual) & np.isnan(expected)))
    nan_a, nan_e = np.isnan(actual), np.isnan(expected)
    inf_a, inf_e = np.isinf(actual), np.isinf(expected)
    bad = nan_a != nan_e
    special = inf_a | inf_e
    bad |= special & ~nan_a & ~nan_e & (actual != expected)
    finite = ~(nan_a | nan_e | special)
    dist = np.zeros(actual.shape, dtype=np.uint64)
    dist[finite] = ulp_distance(actual[finite], expected[finite], kind)
    bad |= finite & (dist > max_ulps)
    return bad


def not_widened_exactly(values: np.ndarray, ctype: str) -> np.ndarray:
    """True where a value is not exactly representable in its C type (float32 or an integer)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    kind = ctype_kind(ctype)
    if kind == "f32":
        with np.errstate(over="ignore"):
            narrow = values.astype(np.float32).astype(np.float64)
        return finite & (narrow != values)
    if kind == "int":
        return ~finite | (np.floor(values) != values)
    return np.zeros(values.shape, dtype=bool)


def is_constant(column: np.ndarray) -> bool:
    """True when every entry equals the first one (NaN counts as equal to NaN)."""
    column = np.asarray(column, dtype=np.float64)
    first = column[0]
    if np.isnan(first):
        return bool(np.isnan(column).all())
    return bool((column == first).all())
