"""validate() against a hand computation."""

from __future__ import annotations

import numpy as np
import torch

from nsc_tune import suite, validate
from nsc_tune.kernel import Kernel
from nsc_tune.suite.metrics import image_rmse
from nsc_tune.surrogate import Surrogate


def test_validate_matches_hand_computed_errors() -> None:
    k = Kernel.from_source("""
    #pragma nsc_tune domain(x, 0, 2)
    void f(double x, double out[2]) { out[0] = x; out[1] = 2.0 * x; }
    """)
    s = Surrogate.random(k, seed=0)
    report = validate(s, n_samples=500, seed=4)
    X = k.sample(500, seed=4)
    diff = s.predict(X) - np.stack([X[:, 0], 2 * X[:, 0]], axis=1)
    assert report.mse == np.mean(diff ** 2)
    assert report.per_output["out[1]"]["max_abs_error"] == np.abs(diff[:, 1]).max()
    assert report.rmse == np.sqrt(np.mean(diff ** 2))
    assert report.quality is None


def test_validate_reports_the_suite_metric() -> None:
    k = suite.load("sobel")
    s = Surrogate.random(k, seed=0)
    with torch.no_grad():  # a constant surrogate predicting 0.3 everywhere
        s.w_out.zero_()
        s.b_out.zero_()
        s.mu.fill_(float(np.log1p(0.3)))
    report = validate(s, n_samples=1000, seed=8)
    X = k.sample(1000, seed=8)
    Y = k(X)
    assert report.metric == "image_rmse"
    assert np.isclose(report.quality, image_rmse(Y, np.full_like(Y, 0.3),
                                                 suite.SOBEL_SATURATED))
