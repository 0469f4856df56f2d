"""The settings that shape a fitted surrogate and its gate (and so its cache key)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nsc_tune.accelerate.errors import AccelerateError

ERROR_SCALES = ("absolute", "range")
INITS = ("auto", "compiled", "random", "best")


#: Fewest finite kernel runs a surrogate is fitted on (its validation split needs some).
MIN_FIT_SAMPLES = 32


@dataclass(frozen=True)
class FitSettings:
    """How the surrogate and its quality gate are built; all of it enters the cache key.

    Arguments:
        max_error: the bound, one number or one per output. With ``error_scale="absolute"`` an
            accelerated output ``y_j`` honours it when ``|y_j - exact_j| <= max_error_j`` (the
            output's own units); with ``"range"`` the bound is ``max_error_j`` times the output's
            range (max - min over the training draw from the domains).
        error_scale: ``"absolute"`` or ``"range"``.
        target: share of accelerated inputs (all outputs of a row) that must honour the bound.
        confidence: confidence of the calibration's binomial upper bound on the violation rate.
        n_samples: kernel runs to fit the surrogate.
        gate_samples: kernel runs to train the error predictor, and as many again to calibrate
            the gate's threshold (independent draws; default ``4 * n_samples``: the gate
            accepts more with more data, and these runs are only Numba evaluations).
        epochs, patience: fine-tuning length and early stopping (best validation epoch kept).
        init: "auto" (compiled and random side by side, the better one kept), "compiled",
            "random", or "best": ``nsc_tune.fit(..., speed="fast")``, the most accurate of the
            surrogates that predict as fast as the MLP (the MLP, or a sparse GP).
        width: hidden width for ``init="random"`` (None: the surrogate family's default).
        gate_width, gate_epochs, quantile: the error predictor's width, training epochs and the
            quantile of the log error ratio it regresses.
        seed: every draw and initialisation.
    """

    max_error: float | tuple[float, ...]
    error_scale: str = "absolute"
    target: float = 0.99
    confidence: float = 0.95
    n_samples: int = 4096
    epochs: int = 1000
    patience: int = 100
    init: str = "auto"
    width: int | None = None
    gate_samples: int | None = None
    gate_width: int = 64
    gate_epochs: int = 150
    quantile: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        bound = np.atleast_1d(np.asarray(self.max_error, dtype=np.float64))
        if bound.ndim != 1 or not (np.isfinite(bound).all() and (bound > 0).all()):
            raise AccelerateError(f"accelerate: max_error must be positive and finite, got "
                                  f"{self.max_error!r}; pass one number or one per output")
        object.__setattr__(self, "max_error", tuple(float(b) for b in bound)
                           if isinstance(self.max_error, Sequence | np.ndarray)
                           else float(self.max_error))
        for arg in ("epochs", "patience", "width", "gate_width", "gate_epochs"):
            value = getattr(self, arg)
            if value is None and arg == "width":
                continue
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise AccelerateError(f"accelerate: {arg}={value!r}: pass a whole number >= 1")
        if self.error_scale not in ERROR_SCALES:
            raise AccelerateError(f"accelerate: error_scale={self.error_scale!r} is not one of "
                                  f"{ERROR_SCALES}")
        if self.init not in INITS:
            raise AccelerateError(f"accelerate: init={self.init!r} is not one of {INITS}")
        if not 0.5 <= self.target < 1.0 or not 0.5 <= self.confidence < 1.0:
            raise AccelerateError("accelerate: target and confidence must lie in [0.5, 1), e.g. "
                                  "target=0.99, confidence=0.95")
        if self.n_samples < MIN_FIT_SAMPLES:
            raise AccelerateError(f"accelerate: n_samples={self.n_samples} is too few to fit; "
                                  f"use at least {MIN_FIT_SAMPLES} (default 4096)")
        if self.n_gate < self.min_samples:
            raise AccelerateError(
                f"accelerate: {self.n_gate} calibration inputs cannot certify target="
                f"{self.target} at confidence={self.confidence}: it needs at least "
                f"{self.min_samples}; raise gate_samples (or n_samples) or lower target")

    @property
    def n_gate(self) -> int:
        """Inputs in each of the gate's two draws (training, calibration)."""
        return self.gate_samples if self.gate_samples is not None else 4 * self.n_samples

    @property
    def min_samples(self) -> int:
        """Fewest calibration inputs whose zero violations certify the target (binomial bound)."""
        return math.ceil(math.log(1.0 - self.confidence) / math.log(self.target))

    def tolerance(self, Y: np.ndarray) -> np.ndarray:
        """The per-output bound in output units, for training outputs ``Y`` [N, n_out]."""
        n_out = Y.shape[1]
        bound = np.asarray(self.max_error, dtype=np.float64)
        if bound.ndim == 1 and bound.shape[0] != n_out:
            raise AccelerateError(f"accelerate: max_error has {bound.shape[0]} values but the "
                                  f"kernel has {n_out} outputs; pass one number or one per output")
        bound = np.broadcast_to(bound, (n_out,)).copy()
        if self.error_scale == "range":
            finite = np.where(np.isfinite(Y), Y, np.nan)
            span = np.nanmax(finite, axis=0) - np.nanmin(finite, axis=0)
            bound *= np.where(span > 0, span, 1.0)
        return bound
