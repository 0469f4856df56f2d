"""What an accelerated function did: routes taken per input, verification errors, set-up facts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nsc_tune.accelerate.speed import SpeedReport

#: Where an input's result came from; index 0 is the surrogate, the rest are fallback reasons.
ROUTES = ("surrogate", "out_of_domain", "predicted_bad", "verification", "speed", "disabled")
SURROGATE, OUT_OF_DOMAIN, PREDICTED_BAD, VERIFICATION, SPEED, DISABLED = range(len(ROUTES))


@dataclass
class Stats:
    """Counters since set-up (all per input, i.e. per row of a batch).

    Arguments:
        calls: calls of the accelerated function (scalar or batch).
        inputs: inputs evaluated.
        accelerated: inputs answered by the surrogate.
        fallbacks: inputs answered by the exact function, by reason: ``out_of_domain`` (outside
            the domains, non-finite, or a non-integral value of an integer input),
            ``predicted_bad`` (the gate's error predictor scored it above the threshold, or the
            surrogate gave a non-finite value), ``verification`` (sampled for verification: the
            exact value is returned), ``speed`` (a call too small to be faster through the
            surrogate), ``disabled`` (acceleration refused or switched off).
        verified: inputs checked against the exact function.
        violations: verified inputs where some output broke the bound.
        max_abs_error, sum_abs_error: per output, over verified inputs (surrogate vs exact).
        max_error_ratio: largest ``|error| / bound`` seen in verification.
        enabled: whether the surrogate is in use; ``disabled_reason`` says why not.
        threshold: the gate's current score threshold; ``tightenings`` counts its lowerings.
        cache: "hit" (loaded from disk), "miss" (fitted, then stored), "off".
        setup_seconds: time of the set-up (fit or load, checks, timing).
        speed: the set-up speed check.
        fit: facts of the fit (init, validation error, seconds, calibration).
    """

    calls: int = 0
    inputs: int = 0
    accelerated: int = 0
    fallbacks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROUTES[1:], 0))
    verified: int = 0
    violations: int = 0
    max_abs_error: np.ndarray | None = None
    sum_abs_error: np.ndarray | None = None
    max_error_ratio: float = 0.0
    enabled: bool = True
    disabled_reason: str | None = None
    threshold: float = math.nan
    tightenings: int = 0
    cache: str = ""
    setup_seconds: float = 0.0
    speed: SpeedReport | None = None
    fit: dict = field(default_factory=dict)

    @property
    def share_accelerated(self) -> float:
        """Accelerated inputs / inputs (NaN before any call)."""
        return self.accelerated / self.inputs if self.inputs else math.nan

    @property
    def violation_rate(self) -> float:
        """Violations / verified inputs (NaN before any verification)."""
        return self.violations / self.verified if self.verified else math.nan

    @property
    def mean_abs_error(self) -> np.ndarray | None:
        """Mean |surrogate - exact| per output over verified inputs."""
        return None if not self.verified else self.sum_abs_error / self.verified

    def record(self, codes: np.ndarray) -> None:
        """Count one call's routes (one code per input)."""
        counts = np.bincount(codes, minlength=len(ROUTES))
        self.calls += 1
        self.inputs += int(codes.shape[0])
        self.accelerated += int(counts[SURROGATE])
        for i, name in enumerate(ROUTES[1:], start=1):
            self.fallbacks[name] += int(counts[i])

    def record_verified(self, abs_error: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
        """Add verified rows' |errors| [n, n_out]; returns which rows broke the bound."""
        ratio = (abs_error / tolerance).max(axis=1)
        ratio = np.where(np.isfinite(ratio), ratio, np.inf)
        bad = ratio > 1.0
        err = np.where(np.isfinite(abs_error), abs_error, np.inf)
        if self.max_abs_error is None:
            self.max_abs_error = np.zeros(abs_error.shape[1])
            self.sum_abs_error = np.zeros(abs_error.shape[1])
        self.max_abs_error = np.maximum(self.max_abs_error, err.max(axis=0))
        self.sum_abs_error = self.sum_abs_error + err.sum(axis=0)
        self.max_error_ratio = max(self.max_error_ratio, float(ratio.max()))
        self.verified += int(bad.shape[0])
        self.violations += int(bad.sum())
        return bad

    def __str__(self) -> str:
        state = "enabled" if self.enabled else f"disabled ({self.disabled_reason})"
        lines = [f"acceleration {state}; cache {self.cache}; set-up {self.setup_seconds:.2f} s",
                 f"{self.calls} calls, {self.inputs} inputs, {self.accelerated} accelerated "
                 f"({self.share_accelerated:.1%})",
                 "fallbacks: " + ", ".join(f"{k} {v}" for k, v in self.fallbacks.items())]
        if self.verified:
            lines.append(f"verified {self.verified}: {self.violations} over the bound "
                         f"({self.violation_rate:.2%}), max |error| / bound "
                         f"{self.max_error_ratio:.3g}")
        lines.append(f"gate threshold {self.threshold:.3g} ({self.tightenings} tightenings)")
        if self.speed is not None:
            lines.append(f"speed: {self.speed}")
        return "\n".join(lines)
