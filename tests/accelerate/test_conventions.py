"""Calling conventions (scalar, broadcast arrays, several outputs, integer inputs, batch) and the
typed errors for misuse, each against the C library."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from nsc_tune import NscTuneError, accelerate
from nsc_tune.accelerate import AccelerateError
from tests.accelerate.conftest import C_SOURCE, FAST, UNIT


def _polar(lib):
    def polar(x, y):
        r, phi = ctypes.c_double(), ctypes.c_double()
        lib.polar(x, y, ctypes.byref(r), ctypes.byref(phi))
        return r.value, phi.value

    return polar


def test_scalar_convention_with_scalars_arrays_and_two_outputs(lib, cache_dir) -> None:
    domains = {"x": (0.1, 1.0), "y": (0.1, 1.0)}
    polar = accelerate(_polar(lib), source=C_SOURCE, function="polar", domains=domains,
                       max_error=0.05, mode="always", verify_fraction=0.0, cache_dir=cache_dir,
                       **FAST)
    r, phi = polar(2.0, 0.5)  # outside the domain: the C's own answer
    assert (r, phi) == _polar(lib)(2.0, 0.5)
    xs = np.linspace(0.2, 0.9, 12).reshape(3, 4)
    r, phi = polar(xs, 0.5)  # arrays broadcast like a ufunc
    assert r.shape == phi.shape == (3, 4)
    exact = np.array([_polar(lib)(x, 0.5) for x in xs.ravel()])
    Y, route = polar.batch(np.column_stack([xs.ravel(), np.full(12, 0.5)]), with_route=True)
    assert np.array_equal(np.column_stack([r.ravel(), phi.ravel()]), Y)
    sur = route == "surrogate"
    assert np.all(np.abs(Y[sur] - exact[sur]) <= 0.05 * 1.5)  # near the bound at worst
    assert np.array_equal(Y[~sur], exact[~sur])


def test_integer_inputs_are_passed_as_ints_and_fractions_run_exact(lib, cache_dir) -> None:
    @accelerate(source=C_SOURCE, function="power", domains={"x": (-1, 1), "n": (0, 4)},
                max_error=0.05, mode="always", cache_dir=cache_dir, **FAST)
    def power(x, n):
        return lib.power(x, n)  # ctypes refuses a float for an int argument

    X = np.array([[0.5, 3.0], [0.5, 2.5], [0.7, 9.0]])
    Y, route = power.batch(X, with_route=True)
    assert list(route[1:]) == ["out_of_domain", "out_of_domain"]
    assert Y[1, 0] == lib.power(0.5, 2) and Y[2, 0] == lib.power(0.7, 9)


def test_misuse_raises_typed_errors(lib, cache_dir) -> None:
    with pytest.raises(AccelerateError, match="array inputs"):
        accelerate(lambda w: 0.0, source=C_SOURCE, function="sum3", domains={"w": (-1, 1)},
                   max_error=0.1)
    with pytest.raises(AccelerateError, match="max_error"):
        accelerate(lib.step, source=C_SOURCE, function="step", domains=UNIT, max_error=-1.0)
    with pytest.raises(AccelerateError, match="needs at least 299"):
        accelerate(lib.step, source=C_SOURCE, function="step", domains=UNIT, max_error=0.1,
                   gate_samples=200)
    with pytest.raises(AccelerateError, match="mode"):
        accelerate(lib.step, source=C_SOURCE, function="step", domains=UNIT, max_error=0.1,
                   mode="fast")
    with pytest.raises(AccelerateError, match="unexpected keyword"):
        accelerate(lib.step, source=C_SOURCE, function="step", domains=UNIT, max_error=0.1,
                   n_epochs=3)
    step = accelerate(lib.step, source=C_SOURCE, function="step", domains=UNIT,
                      max_error=0.05, cache_dir=cache_dir, **FAST)
    with pytest.raises(AccelerateError, match=r"takes 2 arguments \(x, y\), got 3"):
        step(0.1, 0.2, 0.3)
    with pytest.raises(AccelerateError, match=r"\(N, 2\) array"):
        step.batch(np.zeros((4, 3)))
    assert issubclass(AccelerateError, NscTuneError)


def test_source_may_be_a_path_string(lib, cache_dir, tmp_path) -> None:
    """A one-line string is the kernel's file (it was parsed as C), read like a ``Path``."""
    path = tmp_path / "kernels.c"
    path.write_text(C_SOURCE)
    by_text = accelerate(lib.step, source=C_SOURCE, function="step", domains=UNIT,
                         max_error=0.1, cache_dir=cache_dir, **FAST)
    for source in (str(path), path):
        step = accelerate(lib.step, source=source, function="step", domains=UNIT,
                          max_error=0.1, cache_dir=cache_dir, **FAST)
        assert step.kernel.source == by_text.kernel.source
        assert step(0.25, -0.5) == pytest.approx(lib.step(0.25, -0.5), abs=0.15)
    with pytest.raises(AccelerateError, match="source='no/such.c' is not a file"):
        accelerate(lib.step, source="no/such.c", function="step", domains=UNIT, max_error=0.1)


def test_too_few_finite_runs_say_how_many_and_why(cache_dir) -> None:
    """``sqrt(x - 0.99)`` is finite on 1% of [0, 1]: the error counts the NaN rows; a small
    ``n_samples`` is refused as small, not as a kernel that returns NaN."""
    src = ("#pragma nsc_tune domain(x, 0, 1)\n#include <math.h>\n"
           "double root(double x) { return sqrt(x - 0.99); }\n")
    def root(x):
        return float(np.sqrt(x - 0.99)) if x >= 0.99 else float("nan")

    with pytest.raises(AccelerateError, match="n_samples=20 is too few to fit; use at least 32"):
        accelerate(root, source=src, max_error=0.1, n_samples=20, gate_samples=400,
                   cache_dir=cache_dir)
    with pytest.raises(AccelerateError, match=r"returned NaN or inf on \d+ of 200 inputs drawn "
                       r"from its domains, leaving \d+ to fit on \(at least 32 needed\)"):
        root_fast = accelerate(root, source=src, max_error=0.1, n_samples=200, cache_dir=cache_dir)
        root_fast(0.995)


def test_a_wrapper_that_is_not_the_source_is_caught_at_set_up(lib, cache_dir) -> None:
    # The wrapper swaps the arguments: `step` is not symmetric, so the C disagrees with it.
    swapped = accelerate(lambda x, y: lib.step(y, x), source=C_SOURCE, function="step",
                         domains=UNIT, max_error=0.05, cache_dir=cache_dir, **FAST)
    for _ in range(2):  # a failed set-up is not half-kept: the next call checks again
        with pytest.raises(AccelerateError, match="disagrees with the C source of `step`"):
            swapped(0.1, 0.2)


def test_batch_convention_keeps_the_wrappers_shape(lib, cache_dir) -> None:
    def scaled_batch(X):
        return np.array([[lib.scaled(a, b)] for a, b in X])  # (N, 1)

    acc = accelerate(scaled_batch, source=C_SOURCE, function="scaled", domains=UNIT,
                     max_error=0.2, batch=True, mode="always", verify_fraction=0.0,
                     cache_dir=cache_dir, **FAST)
    X = acc.kernel.sample(300, seed=4)
    Y = acc(X)
    assert Y.shape == (300, 1) and np.array_equal(Y, acc.batch(X))
    assert acc.stats.calls == 2 and acc.stats.inputs == 600
    with pytest.raises(AccelerateError, match="one \\(N, 2\\) array"):
        acc(X, X)
