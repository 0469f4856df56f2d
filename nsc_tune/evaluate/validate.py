"""Validation of a surrogate against fresh ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Kernel


class ValidateError(NscTuneError):
    """``validate`` was called with settings it cannot use."""


@dataclass
class ValidationReport:
    """Errors of a surrogate on fresh kernel outputs, overall and per output.

    Arguments:
        n_samples: examples drawn from the kernel's domains.
        mse, rmse, max_abs_error: over all outputs, in the kernel's units.
        per_output: ``{label: {"mse", "rmse", "max_abs_error"}}``.
        quality: the kernel's AxBench quality metric (suite kernels only; lower is better).
        metric: that metric's name.
    """

    n_samples: int
    mse: float
    rmse: float
    max_abs_error: float
    per_output: dict[str, dict[str, float]]
    quality: float | None = None
    metric: str | None = None

    def __str__(self) -> str:
        lines = [f"{self.n_samples} samples: MSE {self.mse:.4g}, RMSE {self.rmse:.4g}, "
                 f"max |error| {self.max_abs_error:.4g}"]
        if self.quality is not None:
            lines.append(f"{self.metric}: {self.quality:.4g}")
        for label, e in self.per_output.items():
            lines.append(f"  {label:<12} MSE {e['mse']:.4g}  RMSE {e['rmse']:.4g}  "
                         f"max {e['max_abs_error']:.4g}")
        return "\n".join(lines)


def errors(Y_true: np.ndarray, Y_pred: np.ndarray, labels: list[str]) -> ValidationReport:
    """The report's numbers for given truth and predictions."""
    diff = np.asarray(Y_pred, dtype=np.float64) - np.asarray(Y_true, dtype=np.float64)
    per = {lab: {"mse": float(np.mean(diff[:, j] ** 2)),
                 "rmse": float(np.sqrt(np.mean(diff[:, j] ** 2))),
                 "max_abs_error": float(np.max(np.abs(diff[:, j])))}
           for j, lab in enumerate(labels)}
    mse = float(np.mean(diff ** 2))
    return ValidationReport(diff.shape[0], mse, float(np.sqrt(mse)), float(np.abs(diff).max()),
                            per)


def validate(surrogate, kernel: Kernel | None = None, n_samples: int = 10_000,
             seed: int | None = 12345) -> ValidationReport:
    """Compare a surrogate with fresh ground truth from the kernel's domains.

    Arguments:
        surrogate: a ``Surrogate``.
        kernel: the kernel (default: the one the surrogate was built for).
        n_samples: fresh examples to draw (through the Numba ground truth).
        seed: the draw's seed (pick one unused in training).

    Returns:
        A ``ValidationReport``; for suite kernels it includes the AxBench quality metric.
    """
    from nsc_tune import suite

    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 1:
        raise ValidateError(f"validate(n_samples={n_samples!r}): pass a whole number of fresh "
                            "examples >= 1 (default 10000)")
    kernel = kernel or surrogate.kernel
    X = kernel.sample(n_samples, seed=seed)
    Y = kernel(X)
    report = errors(Y, surrogate.predict(X), kernel.signature.output_labels())
    if kernel.name in suite.names() and kernel.source == suite.source(kernel.name):
        report.metric = suite.info(kernel.name).metric
        report.quality = float(suite.score(kernel.name, Y, surrogate.predict(X)))
    return report
