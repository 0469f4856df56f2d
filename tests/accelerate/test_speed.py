"""The set-up speed check: a surrogate slower than the C it replaces is not swapped in."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from nsc_tune import accelerate
from nsc_tune.accelerate import AccelerationWarning
from tests.accelerate.conftest import C_SOURCE, FAST

DOMAINS = {"a": (-1.0, 1.0), "b": (-1.0, 1.0)}


def _add_batch(lib):
    p = ctypes.POINTER(ctypes.c_double)

    def add(X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float64)
        Y = np.empty(X.shape[0])
        lib.add_batch(X.ctypes.data_as(p), Y.ctypes.data_as(p), X.shape[0])
        return Y

    return add


def test_slower_surrogate_is_refused_in_auto_mode(lib, cache_dir) -> None:
    acc = accelerate(_add_batch(lib), source=C_SOURCE, function="add", domains=DOMAINS,
                     max_error=0.05, batch=True, cache_dir=cache_dir, **FAST)
    with pytest.warns(AccelerationWarning, match="slower than the exact function"):
        acc.setup()
    speed = acc.stats.speed
    assert speed.min_batch is None and speed.speedup() < 1.0 and speed.speedup(1) < 1.0
    assert not acc.stats.enabled
    X = np.random.default_rng(0).uniform(-1, 1, size=(1000, 2))
    Y = acc(X)
    assert Y.shape == (1000,) and np.array_equal(Y, X[:, 0] + X[:, 1])  # exact, bit for bit
    assert acc.stats.fallbacks["disabled"] == 1000 and acc.stats.accelerated == 0


def test_always_mode_swaps_it_in_anyway(lib, cache_dir) -> None:
    acc = accelerate(_add_batch(lib), source=C_SOURCE, function="add", domains=DOMAINS,
                     max_error=0.05, batch=True, mode="always", verify_fraction=0.0,
                     cache_dir=cache_dir, **FAST)
    X = np.random.default_rng(1).uniform(-1, 1, size=(1000, 2))
    Y, route = acc.batch(X, with_route=True)
    assert acc.stats.enabled
    assert np.mean(route == "surrogate") > 0.9
    sur = route == "surrogate"
    assert not np.array_equal(Y[sur, 0], X[sur, 0] + X[sur, 1])  # really the surrogate's
    assert np.mean(np.abs(Y[sur, 0] - X[sur].sum(axis=1)) <= 0.05) >= 0.99


def test_single_scalar_calls_run_exact_when_the_surrogate_is_slower_there(lib, cache_dir
                                                                           ) -> None:
    @accelerate(source=C_SOURCE, function="add", domains=DOMAINS, max_error=0.05,
                cache_dir=cache_dir, **FAST)
    def add(a, b):
        return lib.add(a, b)

    # A ctypes call of a + b takes microseconds; one surrogate evaluation tens of them.
    with pytest.warns(AccelerationWarning):
        add.setup()
    assert not add.stats.speed.faster(1)
    assert add(0.25, 0.5) == 0.75
    assert add.stats.fallbacks["speed"] == 1 and add.stats.inputs == 1


def test_speed_report_break_even_matches_its_lines() -> None:
    from nsc_tune.accelerate import SpeedReport

    # Exact: 3 us per call, 2 us per input; surrogate: 130 us per call, 0.5 us per input.
    r = SpeedReport(256, 3e-6, 1e-6 + 256 * 2e-6, 130e-6, 129.5e-6 + 256 * 0.5e-6, "cpu")
    n = r.min_batch
    assert n == next(m for m in range(1, 10_000) if r.faster(m))
    assert not r.faster(n - 1) and r.faster(10 * n)
    assert r.speedup(1) < 1.0 < r.speedup(100_000)
    never = SpeedReport(256, 5e-6, 5e-6 + 255 * 1e-8, 130e-6, 130e-6 + 255 * 5e-7, "cpu")
    assert never.min_batch is None and not never.faster(10**9)


def test_the_printed_ratio_agrees_with_the_per_input_times() -> None:
    """Measured on blackscholes (mode always): one exact input timed at 7.8 ms, slower than the
    256-input batch (4.0 ms). The model then said 1.75x beside 15.5 vs 17.4 us/input."""
    from nsc_tune.accelerate.speed import SpeedReport

    r = SpeedReport(batch=256, exact_one=7.8e-3, exact_batch=256 * 15.5e-6,
                    surrogate_one=2.0e-4, surrogate_batch=256 * 17.4e-6, device="cpu")
    assert r.speedup() == pytest.approx(15.5 / 17.4)
    assert r.exact_time(256) == pytest.approx(256 * 15.5e-6)
    assert "us/input (0.891x)" in str(r) and r.min_batch is not None
