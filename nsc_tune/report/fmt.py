"""Number formatting shared by the command line and the reports."""

from __future__ import annotations


def g(x: float | None, digits: int = 4) -> str:
    """A number in ``%g`` style with ``digits`` significant digits ("-" for None)."""
    return "-" if x is None else f"{x:.{digits}g}"


def lower(ratio: float) -> str:
    """``3.1x lower`` for a ratio (other / this) above 1, ``2x higher`` below 1."""
    return f"{ratio:.3g}x lower" if ratio >= 1 else f"{1 / ratio:.3g}x higher"


def bound_verdict(over_share: float, target: float) -> str:
    """Whether a batch met the quality target: ``over_share`` of its accelerated inputs broke
    the bound, where ``1 - target`` is allowed. A miss is said, not left to the reader."""
    allowed = 1.0 - target
    if over_share <= allowed:
        return f"met: {over_share:.2%} over the bound, {allowed:.2%} allowed"
    return (f"MISSED: {over_share:.2%} over the bound, more than the {allowed:.2%} allowed (the "
            "gate certifies the target, at its confidence, on inputs like its calibration draw; "
            "one batch can still miss)")
