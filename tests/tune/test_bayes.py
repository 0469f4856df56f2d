"""Bayesian optimisation with the surrogate as prior mean, on kernels with known optima."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import Surrogate
from nsc_tune.tune import PriorGP, Space, TuneError, bayes_minimize

# Closed form: minimum 0 at x = 0.3, z = -0.2, n = 3.
SRC = """
#pragma nsc_tune domain(x, -2, 2)
#pragma nsc_tune domain(z, -2, 2)
#pragma nsc_tune domain(n, 0, 5)
double f(double x, double z, int n) {
    return (x - 0.3) * (x - 0.3) + (z + 0.2) * (z + 0.2) + 0.1 * (n - 3) * (n - 3);
}
"""

# Two outputs; the objective (a target on both) is a function of them, not an output itself.
POLAR = """
#include <math.h>
#pragma nsc_tune domain(r, 0.1, 2)
#pragma nsc_tune domain(phi, 0, 3)
void polar(double r, double phi, double *x, double *y) { *x = r * cos(phi); *y = r * sin(phi); }
"""


class Counting:
    """The kernel, counting the rows it runs."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel, self.rows = kernel, 0

    def __call__(self, X, **kw):
        self.rows += len(np.atleast_2d(X))
        return self.kernel(X, **kw)

    def __getattr__(self, name):
        return getattr(self.kernel, name)


def first(x, y):
    return y[:, 0]


@pytest.fixture(scope="module")
def kernel() -> Kernel:
    return Kernel.from_source(SRC)


@pytest.fixture(scope="module")
def good_prior(kernel) -> Surrogate:
    s = Surrogate.random(kernel, seed=0)
    s.fit(kernel, n_samples=2000, epochs=300, patience=None, progress=False)
    return s


def test_a_wrong_prior_is_corrected_by_the_runs(kernel) -> None:
    wrong = Surrogate.random(kernel, seed=3)  # untrained: its optimum is anywhere
    res = bayes_minimize(wrong, first, budget=30, stop_at=1e-3, seed=0)
    assert res.verified < 1e-3, res
    assert abs(res.inputs["x"] - 0.3) < 0.05 and abs(res.inputs["z"] + 0.2) < 0.05
    assert res.inputs["n"] == 3.0  # the int parameter, rounded
    X, Y = res.evaluated
    assert res.kernel_runs == len(X) <= 30
    assert np.array_equal(Y, kernel(X))  # verified values are the kernel's own
    assert res.verified == Y[np.argmin(Y[:, 0]), 0]
    assert len(res.proposal_seconds) == len(res.history)


def test_a_good_prior_needs_fewer_runs_than_none(kernel, good_prior) -> None:
    def runs(prior) -> int:
        res = bayes_minimize(prior, first, budget=40, stop_at=1e-3, seed=1)
        assert res.verified <= 1e-3
        return res.kernel_runs

    with_prior, without = runs(good_prior), runs(kernel)
    assert with_prior <= 3 < without, (with_prior, without)


def test_bounds_fixed_inputs_and_batches(kernel, good_prior) -> None:
    res = bayes_minimize(good_prior, first, bounds={"x": (0.5, 1.5)}, fixed={"z": 1.0},
                         budget=9, q=3, seed=2)
    X, _ = res.evaluated
    assert len(X) == 9 and len({tuple(r) for r in X}) == 9  # three batches, distinct rows
    assert np.all((X[:, 0] >= 0.5) & (X[:, 0] <= 1.5)) and np.all(X[:, 1] == 1.0)
    assert np.all(X[:, 2] == np.round(X[:, 2]))
    assert res.inputs["x"] == pytest.approx(0.5, abs=0.02)  # the optimum sits on the bound
    assert res.verified == pytest.approx(0.2 ** 2 + 1.44, abs=2e-3)


def test_a_composite_objective_hits_a_target_on_two_outputs() -> None:
    k = Kernel.from_source(POLAR)
    target = k(np.array([[1.3, 0.7]]))[0]

    def miss(x, y):
        return (y[:, 0] - target[0]) ** 2 + (y[:, 1] - target[1]) ** 2

    res = bayes_minimize(k, miss, budget=25, stop_at=1e-6, seed=0)
    assert res.verified <= 1e-6
    assert np.allclose(res.x, [1.3, 0.7], atol=2e-3)


def test_pending_inputs_are_not_proposed_again(kernel, good_prior) -> None:
    gp = PriorGP(Space.of(kernel), good_prior).fit(*_runs(kernel, 6))
    a = gp.propose(first, q=1, seed=0)
    b = gp.propose(first, q=1, pending=a, seed=0)
    assert not np.allclose(a, b)


def _runs(kernel: Kernel, n: int):
    X = kernel.sample(n, seed=0)
    return X, kernel(X)


def test_bad_problems_are_refused_before_any_run(kernel, good_prior) -> None:
    s = good_prior.copy()
    s.kernel = Counting(kernel)
    with pytest.raises(TuneError, match="objective is nan"):
        bayes_minimize(s, lambda x, y: y[:, 0] * float("nan"), budget=5)
    with pytest.raises(TuneError, match="3 values for 16 rows"):
        bayes_minimize(s, lambda x, y: y[:3, 0], budget=5)
    with pytest.raises(TuneError, match="inside its domain"):
        bayes_minimize(s, first, bounds={"x": (-3.0, 1.0)}, budget=5)
    with pytest.raises(TuneError, match="outside its range"):
        bayes_minimize(s, first, fixed={"n": 9}, budget=5)
    with pytest.raises(TuneError, match="every input is fixed"):
        bayes_minimize(s, first, fixed={"x": 0, "z": 0, "n": 1}, budget=5)
    with pytest.raises(TuneError, match="one point"):
        bayes_minimize(s, first, bounds={"x": (0.5, 0.5), "z": (0.0, 0.0)}, fixed={"n": 1})
    bad_settings = [
        (dict(budget=0), "budget=0: pass a whole number >= 1"),
        (dict(budget=2.5), "budget=2.5"), (dict(q=0), "q=0"), (dict(q=True), "q=True"),
        (dict(seed=-1), "seed=-1"), (dict(num_restarts=0), "num_restarts=0"),
        (dict(raw_samples=0), "raw_samples=0"), (dict(stop_at=float("nan")), "stop_at"),
        (dict(stop_at="low"), "stop_at"), (dict(callback=3), "callback must be a function"),
        (dict(bounds={"x": (0.0, float("nan"))}), "inside its domain"),
        (dict(bounds={"x": 0.5}), "a pair (lo, hi)"), (dict(bounds="wide"), "bounds must"),
        (dict(fixed={"x": "a"}), "fixed value of x must be a finite number"),
        (dict(fixed=[1.0]), "fixed must be a dict"),
        (dict(data=(np.zeros((4, 2)), np.zeros(4))), "it must be runs (X [n, 3]"),
        (dict(data=(np.full((1, 3), np.nan), np.zeros(1))), "NaN or inf"),
        (dict(data=5), "data must be earlier kernel runs"),
    ]
    for kwargs, needle in bad_settings:
        with pytest.raises(TuneError, match=re.escape(needle)):
            bayes_minimize(s, first, **{"budget": 5, **kwargs})
    with pytest.raises(TuneError, match="objective must be a function"):
        bayes_minimize(s, "y[0]", budget=5)
    with pytest.raises(TuneError, match="prior must be a Surrogate or a Kernel, got str"):
        bayes_minimize("k.c", first, budget=5)
    assert s.kernel.rows == 0


def test_objectives_by_output_name_and_their_errors() -> None:
    from nsc_tune.tune import maximise, minimise, targets

    k = Kernel.from_source(POLAR)
    want = k(np.array([[1.3, 0.7]]))[0]
    res = bayes_minimize(k, targets(k, {"x": want[0], "y": want[1]}), budget=25, stop_at=1e-6)
    assert np.allclose(res.x, [1.3, 0.7], atol=2e-3)
    res = bayes_minimize(k, maximise(k, "y"), budget=20, stop_at=-1.999)  # r = 2, phi = pi/2
    assert res.verified <= -1.999 and abs(res.x[1] - np.pi / 2) < 0.05
    assert np.isclose(res.verified, -k(res.x[None])[0, 1])
    for make in (lambda: targets(k, {"z": 1.0}), lambda: minimise(k, "radius"),
                 lambda: targets(k, {}), lambda: targets(k, {"x": 1.0}, weights={"y": 2.0})):
        with pytest.raises(TuneError):
            make()
