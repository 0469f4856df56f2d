"""The quality gate against the real C kernel: out-of-domain and predicted-bad inputs run exact,
accelerated outputs honour the bound, verification is sampled and counted, drift is caught."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nsc_tune import accelerate
from nsc_tune.accelerate import AccelerationWarning
from tests.accelerate.conftest import C_SOURCE, FAST, UNIT, truth

MAX_ERROR = 0.05


def _step(lib, cache_dir, verify_fraction: float):
    @accelerate(source=C_SOURCE, function="step", domains=UNIT, max_error=MAX_ERROR,
                mode="always", verify_fraction=verify_fraction, cache_dir=cache_dir, **FAST)
    def step(x, y):
        return lib.step(x, y)

    return step.setup()


@pytest.fixture(scope="module")
def step(lib, cache_dir):
    return _step(lib, cache_dir, verify_fraction=0.0)


def test_out_of_domain_inputs_run_exact(step, lib) -> None:
    X = np.array([[1.5, 0.2], [-0.3, -1.01], [np.nan, 0.0], [0.1, np.inf], [0.2, 0.3]])
    Y, route = step.batch(X, with_route=True)
    assert list(route[:4]) == ["out_of_domain"] * 4
    with np.errstate(invalid="ignore"):
        expected = truth(lib.step, X[:2])
    assert np.array_equal(Y[:2, 0], expected)
    assert np.isnan(Y[2, 0]) and np.isinf(Y[3, 0])  # what the C returns for them
    # The scalar convention routes the same way and returns the C value itself.
    assert step(1.5, 0.2) == lib.step(1.5, 0.2)


def test_inputs_the_surrogate_gets_wrong_go_exact(step, lib) -> None:
    rng = np.random.default_rng(5)
    wiggly = np.column_stack([rng.uniform(0.6, 1.0, 2000), rng.uniform(-1, 1, 2000)])
    smooth = np.column_stack([rng.uniform(-1.0, 0.4, 2000), rng.uniform(-1, 1, 2000)])
    Yw, rw = step.batch(wiggly, with_route=True)
    Ys, rs = step.batch(smooth, with_route=True)
    assert np.mean(rw == "predicted_bad") > 0.95  # the wiggle region is refused ...
    assert np.mean(rs == "surrogate") > 0.95      # ... the smooth one accelerated
    bad = rw == "predicted_bad"
    assert np.array_equal(Yw[bad, 0], truth(lib.step, wiggly[bad]))
    # Without the gate the surrogate would indeed be wrong there.
    raw = np.abs(step.surrogate.predict(wiggly)[:, 0] - truth(lib.step, wiggly))
    assert np.mean(raw > MAX_ERROR) > 0.3


def test_accelerated_outputs_honour_the_bound(step, lib) -> None:
    X = step.kernel.sample(20_000, seed=2024)
    Y, route = step.batch(X, with_route=True)
    acc = route == "surrogate"
    err = np.abs(Y[acc, 0] - truth(lib.step, X[acc]))
    assert acc.mean() > 0.5, acc.mean()
    assert np.mean(err <= MAX_ERROR) >= 0.99, np.mean(err <= MAX_ERROR)
    assert np.array_equal(Y[~acc, 0], truth(lib.step, X[~acc]))


def test_verification_is_sampled_and_counted(lib, cache_dir) -> None:
    X = np.random.default_rng(8).uniform(-1.0, 0.4, size=(4000, 2))  # the gate passes most
    every = _step(lib, cache_dir, verify_fraction=1.0)
    assert every.stats.cache == "hit"  # same fit as the fixture's: loaded, not refitted
    Y, route = every.batch(X, with_route=True)
    s = every.stats
    assert s.accelerated == 0 and s.verified == np.sum(route == "verification") > 3000
    exact = truth(lib.step, X)
    assert np.array_equal(Y[:, 0], exact)  # verified inputs get the exact value
    ver = route == "verification"
    err = np.abs(every.surrogate.predict(X[ver])[:, 0] - exact[ver])
    assert s.max_abs_error[0] == pytest.approx(err.max(), rel=1e-12)
    assert s.violations == int(np.sum(err > MAX_ERROR))

    some = _step(lib, cache_dir, verify_fraction=0.2)
    _, route = some.batch(X, with_route=True)
    passed = np.isin(route, ["surrogate", "verification"]).sum()
    assert abs(some.stats.verified - 0.2 * passed) < 4 * np.sqrt(passed * 0.2 * 0.8)
    assert some.stats.verified + some.stats.accelerated == passed
    assert some.stats.inputs == 4000 and some.stats.calls == 1


def test_drift_found_by_verification_tightens_then_disables(lib, cache_dir) -> None:
    @accelerate(source=C_SOURCE, function="scaled", domains=UNIT, max_error=0.2,
                mode="always", verify_fraction=0.5, cache_dir=cache_dir, **FAST)
    def scaled(x, y):
        return lib.scaled(x, y)

    scaled.setup()
    X = scaled.kernel.sample(2000, seed=3)
    lib.set_scale(2.0)  # the C changes behaviour after set-up (a global the caller sets)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for chunk in np.array_split(X, 20):
                scaled.batch(chunk)
        said = [str(w.message) for w in caught if issubclass(w.category, AccelerationWarning)]
        assert any("gate tightened" in m for m in said)
        assert any("runs exact from now on" in m for m in said)
        s = scaled.stats
        assert not s.enabled and "broke max_error" in s.disabled_reason
        assert s.violations > 0 and s.tightenings >= 1 and s.fallbacks["disabled"] > 0
        Y, route = scaled.batch(X, with_route=True)
        assert set(route) == {"disabled"}
        assert np.array_equal(Y[:, 0], truth(lib.scaled, X))  # the drifted C's own values
    finally:
        lib.set_scale(1.0)
