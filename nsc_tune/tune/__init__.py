"""Input tuning through surrogates: gradient descent with verification, refinement, and
Bayesian optimisation with the surrogate as the prior mean."""

from nsc_tune.tune.bayes import PriorGP, bayes_minimize
from nsc_tune.tune.gradient import minimize, verify
from nsc_tune.tune.objectives import maximise, minimise, targets
from nsc_tune.tune.problem import TuneError, TuneResult, resolve_bounds
from nsc_tune.tune.refine import refine
from nsc_tune.tune.space import Space

__all__ = ["PriorGP", "Space", "TuneError", "TuneResult", "bayes_minimize", "maximise",
           "minimise", "minimize", "refine", "resolve_bounds", "targets", "verify"]
