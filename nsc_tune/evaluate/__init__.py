"""Evaluation: validation against ground truth (the paper's protocol will live here too)."""

from nsc_tune.evaluate.validate import ValidationReport, validate

__all__ = ["ValidationReport", "validate"]
