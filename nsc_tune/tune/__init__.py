"""Input tuning through surrogates: gradient descent with verification, and refinement."""

from nsc_tune.tune.gradient import TuneError, TuneResult, minimize, resolve_bounds, verify
from nsc_tune.tune.refine import refine

__all__ = ["TuneError", "TuneResult", "minimize", "refine", "resolve_bounds", "verify"]
