"""Swap-in acceleration: a surrogate behind a quality gate, for a Python-wrapped C kernel.

Usage::

    @nsc_tune.accelerate(source=C_TEXT, function="price", max_error=0.01)
    def price(s, k, r, v, t):
        return lib.price(s, k, r, v, t)        # ctypes / cffi call of the same C

    price(42.0, 40.0, 0.05, 0.2, 0.5)          # scalar call (exact if too small to gain)
    price.batch(X)                             # (N, 5) -> (N, 1) through the gate
    print(price.stats)
"""

from nsc_tune.accelerate.decorator import Accelerated, accelerate
from nsc_tune.accelerate.errors import AccelerateError, AccelerationWarning
from nsc_tune.accelerate.gate import Gate
from nsc_tune.accelerate.settings import FitSettings
from nsc_tune.accelerate.speed import SpeedReport
from nsc_tune.accelerate.stats import ROUTES, Stats

__all__ = ["ROUTES", "AccelerateError", "Accelerated", "AccelerationWarning", "FitSettings",
           "Gate", "SpeedReport", "Stats", "accelerate"]
