"""Number formatting shared by the command line and the reports."""

from __future__ import annotations


def g(x: float | None, digits: int = 4) -> str:
    """A number in ``%g`` style with ``digits`` significant digits ("-" for None)."""
    return "-" if x is None else f"{x:.{digits}g}"


def lower(ratio: float) -> str:
    """``3.1x lower`` for a ratio (other / this) above 1, ``2x higher`` below 1."""
    return f"{ratio:.3g}x lower" if ratio >= 1 else f"{1 / ratio:.3g}x higher"
