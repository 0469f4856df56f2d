"""C scalar types of the supported subset, with C's promotion and conversion rules (LP64)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class CType:
    """A C scalar type.

    Arguments:
        name: canonical C spelling (``"unsigned int"``).
        kind: ``"int"``, ``"float"``, ``"bool"`` or ``"void"``.
        bits: storage width in bits.
        signed: whether an integer type is signed.
    """

    name: str
    kind: str
    bits: int
    signed: bool = True

    # Cached: the range analysis asks these hundreds of thousands of times per program.
    @cached_property
    def is_integer(self) -> bool:
        """True for integer and bool types."""
        return self.kind in ("int", "bool")

    @cached_property
    def is_float(self) -> bool:
        return self.kind == "float"

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype that stores this type."""
        if self.kind == "float":
            return np.dtype(f"float{self.bits}")
        if self.kind == "bool":
            return np.dtype("uint8")
        return np.dtype(f"{'int' if self.signed else 'uint'}{self.bits}")

    @property
    def np_name(self) -> str:
        """Expression naming the numpy scalar type in generated code (``np.int32``)."""
        return f"np.{self.dtype.name}"

    @cached_property
    def rank(self) -> int:
        """Integer conversion rank (C11 6.3.1.1); floats rank above every integer."""
        if self.kind == "float":
            return 100 + self.bits
        return self.bits

    def __str__(self) -> str:
        return self.name


VOID = CType("void", "void", 0)
BOOL = CType("_Bool", "bool", 8, False)
CHAR = CType("char", "int", 8, True)
SCHAR = CType("signed char", "int", 8, True)
UCHAR = CType("unsigned char", "int", 8, False)
SHORT = CType("short", "int", 16, True)
USHORT = CType("unsigned short", "int", 16, False)
INT = CType("int", "int", 32, True)
UINT = CType("unsigned int", "int", 32, False)
LONG = CType("long", "int", 64, True)
ULONG = CType("unsigned long", "int", 64, False)
FLOAT = CType("float", "float", 32)
DOUBLE = CType("double", "float", 64)

_SPECIFIERS: dict[tuple[str, ...], CType] = {
    ("void",): VOID,
    ("_Bool",): BOOL,
    ("char",): CHAR,
    ("char", "signed"): SCHAR,
    ("char", "unsigned"): UCHAR,
    ("short",): SHORT,
    ("int", "short"): SHORT,
    ("short", "signed"): SHORT,
    ("int", "short", "signed"): SHORT,
    ("short", "unsigned"): USHORT,
    ("int", "short", "unsigned"): USHORT,
    ("int",): INT,
    ("signed",): INT,
    ("int", "signed"): INT,
    ("unsigned",): UINT,
    ("int", "unsigned"): UINT,
    ("long",): LONG,
    ("int", "long"): LONG,
    ("long", "signed"): LONG,
    ("int", "long", "signed"): LONG,
    ("long", "long"): LONG,
    ("int", "long", "long"): LONG,
    ("long", "long", "signed"): LONG,
    ("int", "long", "long", "signed"): LONG,
    ("long", "unsigned"): ULONG,
    ("int", "long", "unsigned"): ULONG,
    ("long", "long", "unsigned"): ULONG,
    ("int", "long", "long", "unsigned"): ULONG,
    ("float",): FLOAT,
    ("double",): DOUBLE,
}


def from_specifiers(names: list[str]) -> CType | None:
    """The CType for a list of type specifiers (``["unsigned", "int"]``), or None if unsupported."""
    return _SPECIFIERS.get(tuple(sorted(names)))


def promote(t: CType) -> CType:
    """Integer promotion: types narrower than int become int."""
    if t.is_integer and t.bits < 32:
        return INT
    return t


def common(a: CType, b: CType) -> CType:
    """The usual arithmetic conversions (C11 6.3.1.8) of two operand types."""
    if a.is_float or b.is_float:
        return a if a.rank >= b.rank else b
    a, b = promote(a), promote(b)
    if a == b:
        return a
    if a.signed == b.signed:
        return a if a.rank >= b.rank else b
    unsigned, signed = (a, b) if not a.signed else (b, a)
    if unsigned.rank >= signed.rank:
        return unsigned
    if signed.bits > unsigned.bits:
        return signed
    return CType("unsigned " + signed.name, "int", signed.bits, False)


def int_literal_type(value: int, suffix: str, decimal: bool) -> CType:
    """Type of an integer constant from its value and suffix (C11 6.4.4.1)."""
    suffix = suffix.lower()
    unsigned = "u" in suffix
    is_long = "l" in suffix
    candidates: list[CType]
    if unsigned:
        candidates = [ULONG] if is_long else [UINT, ULONG]
    elif decimal:
        candidates = [LONG] if is_long else [INT, LONG]
    else:
        candidates = [LONG, ULONG] if is_long else [INT, UINT, LONG, ULONG]
    for t in candidates:
        lo, hi = int_range(t)
        if lo <= value <= hi:
            return t
    return ULONG


def int_range(t: CType) -> tuple[int, int]:
    """Smallest and largest value of an integer type."""
    if t.kind == "bool":
        return 0, 1
    if t.signed:
        return -(1 << (t.bits - 1)), (1 << (t.bits - 1)) - 1
    return 0, (1 << t.bits) - 1


def conversion_bounds(t: CType) -> tuple[float, float]:
    """The open interval ``(above, below)`` of floats that C converts (truncating) to integer
    type ``t``; converting anything else (NaN included) is undefined."""
    lo, hi = int_range(t)
    above = float(lo - 1) if float(lo - 1) == lo - 1 else math.nextafter(float(lo), -math.inf)
    return above, float(hi + 1)
