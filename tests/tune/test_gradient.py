"""Gradient tuning through a surrogate: bounds, fixed inputs, a known optimum, verification."""

from __future__ import annotations

import pytest

from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import Surrogate
from nsc_tune.tune import TuneError, minimize, refine

# Closed form: minimum 0 at x = 0.3, z = -0.2, n = 3.
SRC = """
#pragma nsc_tune domain(x, -2, 2)
#pragma nsc_tune domain(z, -2, 2)
#pragma nsc_tune domain(n, 0, 5)
double f(double x, double z, int n) {
    return (x - 0.3) * (x - 0.3) + (z + 0.2) * (z + 0.2) + 0.1 * (n - 3) * (n - 3);
}
"""


@pytest.fixture(scope="module")
def fitted() -> Surrogate:
    k = Kernel.from_source(SRC)
    s = Surrogate.random(k, seed=0)
    s.fit(k, n_samples=2000, epochs=300, patience=None, progress=False)
    return s


def objective(x, y):
    return y[:, 0]


def test_finds_the_known_optimum_and_verifies_it(fitted: Surrogate) -> None:
    res = minimize(fitted, objective, n_starts=16, steps=200)
    assert abs(res.inputs["x"] - 0.3) < 0.05 and abs(res.inputs["z"] + 0.2) < 0.05
    assert res.inputs["n"] == 3.0
    assert res.verified < 5e-3
    # The verified value is the kernel's own output at the reported inputs.
    assert res.verified == fitted.kernel(res.x[None])[0, 0]
    assert res.kernel_runs == len(res.candidates) <= 4


def test_bounds_and_fixed_inputs_are_respected(fitted: Surrogate) -> None:
    res = minimize(fitted, objective, bounds={"x": (0.5, 1.5)}, fixed={"z": 1.0}, n_starts=8,
                   steps=100)
    for x, _, _ in res.candidates:
        assert 0.5 <= x[0] <= 1.5 and x[1] == 1.0 and x[2] == round(x[2])
    assert res.inputs["x"] < 0.7  # the optimum sits at the lower bound
    truth = (res.x[0] - 0.3) ** 2 + 1.44 + 0.1 * (res.x[2] - 3) ** 2
    assert res.verified == pytest.approx(truth)


def test_fixed_inputs_reach_the_kernel_exactly_as_given(fitted: Surrogate) -> None:
    """0.4 is not a float32: the kernel must still run at 0.4, not at float32(0.4)."""
    res = minimize(fitted, objective, fixed={"z": 0.4}, n_starts=4, steps=20)
    assert res.inputs["z"] == 0.4 and all(x[1] == 0.4 for x, _, _ in res.candidates)
    truth = (res.x[0] - 0.3) ** 2 + 0.36 + 0.1 * (res.x[2] - 3) ** 2
    assert res.verified == pytest.approx(truth, rel=1e-12)


def test_penalty_constraint(fitted: Surrogate) -> None:
    # Require x >= 1 through a penalty: the optimum moves to x = 1.
    res = minimize(fitted, objective, penalty=lambda x, y: (1.0 - x[:, 0]).clamp(min=0) ** 2,
                   penalty_weight=1000.0, n_starts=8, steps=300)
    assert res.x[0] > 0.95


def test_refine_counts_every_kernel_run(fitted: Surrogate) -> None:
    res = refine(fitted, objective, rounds=3, patience=5, per_round=2, fit_epochs=5, n_starts=4,
                 steps=50)
    assert res.kernel_runs <= 3 * 2 and len(res.history) == 3
    assert res.verified == min(res.history)


def test_refine_leaves_the_callers_surrogate_alone_unless_in_place(fitted: Surrogate) -> None:
    import torch

    s = fitted.copy()
    before = {k: v.clone() for k, v in s.state_dict().items()}
    refine(s, objective, rounds=2, per_round=1, fit_epochs=5, n_starts=4, steps=20)
    assert all(torch.equal(before[k], v) for k, v in s.state_dict().items())
    refine(s, objective, rounds=2, per_round=1, fit_epochs=5, n_starts=4, steps=20,
           in_place=True)
    assert not all(torch.equal(before[k], v) for k, v in s.state_dict().items())


def test_bad_problems_are_typed_errors(fitted: Surrogate) -> None:
    with pytest.raises(TuneError, match="inside its domain"):
        minimize(fitted, objective, bounds={"x": (-5, 0)})
    with pytest.raises(TuneError, match="no input named 'w'"):
        minimize(fitted, objective, fixed={"w": 0.0})
    with pytest.raises(TuneError, match="outside"):
        minimize(fitted, objective, fixed={"x": 9.0})
    with pytest.raises(TuneError, match="every input is fixed"):
        refine(fitted, objective, fixed={"x": 0.0, "z": 0.0, "n": 1})
    with pytest.raises(TuneError, match="every input is fixed"):
        minimize(fitted, objective, fixed={"x": 0.0}, bounds={"z": (1, 1), "n": (2, 2)})
    with pytest.raises(TuneError, match="fixed value of z must be a finite number"):
        minimize(fitted, objective, fixed={"z": float("inf")})


def test_bounds_of_one_point_hold_the_input_there(fitted: Surrogate) -> None:
    res = minimize(fitted, objective, bounds={"z": (0.25, 0.25)}, n_starts=4, steps=50)
    assert all(x[1] == 0.25 for x, _, _ in res.candidates)
    truth = (res.x[0] - 0.3) ** 2 + 0.45 ** 2 + 0.1 * (res.x[2] - 3) ** 2
    assert res.verified == pytest.approx(truth, rel=1e-12)
