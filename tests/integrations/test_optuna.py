"""The Optuna samplers: work with study.optimize, ask/tell batches, enqueue_trial and SQLite
shared by two processes; enqueue_best feeds any study."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from nsc_tune.integrations.optuna import (
    OUTPUTS_ATTR,
    PriorGPSampler,
    SurrogateSampler,
    enqueue_best,
)
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import Surrogate

SRC = """
#pragma nsc_tune domain(x, -2, 2)
#pragma nsc_tune domain(z, -2, 2)
#pragma nsc_tune domain(n, 0, 5)
double f(double x, double z, int n) {
    return (x - 0.3) * (x - 0.3) + (z + 0.2) * (z + 0.2) + 0.1 * (n - 3) * (n - 3);
}
"""
optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(x, y):
    return y[:, 0]


@pytest.fixture(scope="module")
def surrogate() -> Surrogate:
    k = Kernel.from_source(SRC)
    s = Surrogate.random(k, seed=0)
    s.fit(k, n_samples=1000, epochs=150, patience=None, progress=False)
    return s


def test_optimize_proposes_good_points_from_the_first_trial(surrogate: Surrogate) -> None:
    sampler = SurrogateSampler(surrogate, objective, refit_epochs=20)
    study = optuna.create_study(sampler=sampler)
    study.optimize(sampler.evaluate, n_trials=4)
    assert study.trials[0].value < 0.05  # no random start-up phase needed
    assert study.best_value < 0.02
    assert all(len(t.user_attrs[OUTPUTS_ATTR]) == 1 for t in study.trials)
    assert isinstance(study.best_params["n"], int)
    # The stored outputs are the kernel's.
    t = study.trials[1]
    x = sampler.inputs_of(t.params)
    assert t.user_attrs[OUTPUTS_ATTR][0] == surrogate.kernel(x[None])[0, 0] == t.value


def test_ask_tell_batch_gives_distinct_proposals(surrogate: Surrogate) -> None:
    sampler = SurrogateSampler(surrogate, objective, refit_epochs=0, fixed={"n": 3})
    study = optuna.create_study(sampler=sampler)
    trials = [study.ask() for _ in range(3)]
    values = [sampler.evaluate(t) for t in trials]
    for t, v in zip(trials, values, strict=True):
        study.tell(t, v)
    assert len({tuple(t.params.values()) for t in study.trials}) == 3
    assert "n" not in study.trials[0].params and max(values) < 0.05


def test_enqueue_best_into_a_tpe_study(surrogate: Surrogate) -> None:
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    assert enqueue_best(study, surrogate, objective, n=2) == 2
    sampler = SurrogateSampler(surrogate, objective)
    study.optimize(sampler.evaluate, n_trials=2)
    assert study.best_value < 0.05


def test_prior_gp_sampler_starts_good_and_improves(surrogate: Surrogate) -> None:
    sampler = PriorGPSampler(surrogate, objective)
    study = optuna.create_study(sampler=sampler)
    study.optimize(sampler.evaluate, n_trials=8)
    assert study.trials[0].value < 0.05  # the prior's best, before any data
    assert study.best_value < 5e-3
    assert isinstance(study.best_params["n"], int)


def test_prior_gp_sampler_ask_tell_and_enqueue(surrogate: Surrogate) -> None:
    sampler = PriorGPSampler(surrogate, objective, fixed={"n": 3})
    study = optuna.create_study(sampler=sampler)
    study.enqueue_trial({"x": 0.3, "z": -0.2})
    trials = [study.ask() for _ in range(4)]  # asked together: the running ones are pending
    for t in trials:
        study.tell(t, sampler.evaluate(t))
    assert trials[0].params == {"x": 0.3, "z": -0.2} and study.trials[0].value == 0.0
    assert len({tuple(t.params.values()) for t in study.trials}) == 4


def test_prior_gp_sampler_without_a_prior_reaches_the_optimum() -> None:
    k = Kernel.from_source(SRC)
    sampler = PriorGPSampler(k, objective, seed=1)
    study = optuna.create_study(sampler=sampler)
    study.optimize(sampler.evaluate, n_trials=18)
    assert study.best_value < 0.01


WORKER = """
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import Surrogate
from nsc_tune.integrations.optuna import PriorGPSampler, SurrogateSampler
from tests.integrations.test_optuna import SRC, objective
k = Kernel.from_source(SRC)
s = Surrogate.random(k, seed=int(sys.argv[2]))
s.fit(k, n_samples=500, epochs=60, patience=None, progress=False)
if sys.argv[3] == "PriorGPSampler":
    sampler = PriorGPSampler(s, objective, seed=int(sys.argv[2]))
else:
    sampler = SurrogateSampler(s, objective, refit_epochs=20, seed=int(sys.argv[2]))
study = optuna.load_study(study_name="shared", storage=sys.argv[1], sampler=sampler)
study.optimize(sampler.evaluate, n_trials=4)
"""


@pytest.mark.parametrize("kind", ["SurrogateSampler", "PriorGPSampler"])
def test_two_processes_share_a_sqlite_study(tmp_path: Path, kind: str) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    optuna.create_study(study_name="shared", storage=storage)
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, storage, str(i), kind], cwd=root,
                              stderr=subprocess.PIPE, text=True) for i in (1, 2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    study = optuna.load_study(study_name="shared", storage=storage)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == 8
    assert all(OUTPUTS_ATTR in t.user_attrs for t in done)
    assert study.best_value < 0.05
    # Optuna's own plots work on the result.
    fig = optuna.visualization.matplotlib.plot_optimization_history(study)
    assert fig is not None
