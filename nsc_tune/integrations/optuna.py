"""Optuna integration: samplers that propose trials from a surrogate and learn from told ones.

``PriorGPSampler`` is Bayesian optimisation with the surrogate as the GP's prior mean
(``nsc_tune.tune.PriorGP``; trials still running are pending points, so several workers sharing
a study propose different inputs); ``SurrogateSampler`` refits the surrogate and takes its
gradient optimum.

The sampler knows the kernel, so it can propose from the very first trial (a compiled or
fine-tuned surrogate), and it refits the surrogate on completed trials. Trials must record the
kernel's outputs (``SurrogateSampler.evaluate`` does it: it suggests every free input, runs the
kernel, stores the outputs as a user attribute and returns the objective), which is what lets
several processes sharing a study through RDB storage (e.g. SQLite) learn from each other.

    sampler = SurrogateSampler(surrogate, objective=lambda x, y: (y[:, 0] - 5.0) ** 2)
    study = optuna.create_study(sampler=sampler, storage="sqlite:///tune.db", study_name="iv",
                                load_if_exists=True)
    study.optimize(sampler.evaluate, n_trials=20)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import optuna
import torch
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution
from optuna.trial import FrozenTrial, TrialState

from nsc_tune.tune.bayes import PriorGP, check_objective
from nsc_tune.tune.gradient import minimize
from nsc_tune.tune.problem import Objective, input_rows, resolve_bounds
from nsc_tune.tune.space import Space

OUTPUTS_ATTR = "nsc_tune_kernel_outputs"


class SurrogateSampler(optuna.samplers.BaseSampler):
    """Propose kernel inputs that the surrogate predicts to be best; refit on completed trials.

    Arguments:
        surrogate: a ``Surrogate`` of the kernel being tuned.
        objective: ``(x, y) -> [B]`` torch function of inputs and kernel outputs (minimised).
        bounds, fixed: as for ``nsc_tune.tune.minimize``.
        refit_epochs: fine-tuning epochs on the completed trials before each proposal (0: never).
        n_starts, steps: the proposal's multi-start gradient search.
        seed: proposals differ per trial number (so batches asked together differ).
    """

    def __init__(self, surrogate, objective: Objective, *, bounds=None,
                 fixed: Mapping[str, float] | None = None, refit_epochs: int = 100,
                 n_starts: int = 16, steps: int = 150, seed: int = 0) -> None:
        self.surrogate = surrogate
        self.kernel = surrogate.kernel
        self.objective = objective
        self.fixed = dict(fixed or {})
        self.box = resolve_bounds(self.kernel, bounds)
        self.labels = self.kernel.signature.input_labels()
        fixed_rows = {r for key in self.fixed for r in input_rows(self.kernel, key)}
        self.free = [i for i in range(len(self.labels)) if i not in fixed_rows]
        self.refit_epochs = refit_epochs
        self.n_starts, self.steps, self.seed = n_starts, steps, seed
        self._fitted_on = 0
        self._random = optuna.samplers.RandomSampler(seed=seed)

    # -- search space ------------------------------------------------------------------------
    def distributions(self) -> dict[str, BaseDistribution]:
        """The Optuna distribution of every free kernel input, by input label."""
        out: dict[str, BaseDistribution] = {}
        for i in self.free:
            lo, hi = self.box[i]
            if self.kernel.integer_inputs[i]:
                out[self.labels[i]] = IntDistribution(int(np.ceil(lo)), int(np.floor(hi)))
            else:
                out[self.labels[i]] = FloatDistribution(float(lo), float(hi))
        return out

    def infer_relative_search_space(self, study, trial) -> dict[str, BaseDistribution]:
        return self.distributions()

    # -- proposals ---------------------------------------------------------------------------
    def _refit(self, study) -> None:
        trials = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                  if OUTPUTS_ATTR in t.user_attrs]
        if self.refit_epochs <= 0 or len(trials) < 2 or len(trials) == self._fitted_on:
            return
        X = np.array([self.inputs_of(t.params) for t in trials])
        Y = np.array([t.user_attrs[OUTPUTS_ATTR] for t in trials], dtype=np.float64)
        self.surrogate.fit((X, Y), epochs=self.refit_epochs, val_fraction=0.0, patience=None,
                           seed=self.seed, progress=False)
        self._fitted_on = len(trials)

    def sample_relative(self, study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict:
        if not search_space:
            return {}
        self._refit(study)
        res = minimize(self.surrogate, self.objective, bounds=self.box, fixed=self.fixed,
                       n_starts=self.n_starts, steps=self.steps, verify_top=0,
                       seed=self.seed * 100_003 + trial.number)
        out = {}
        for name, dist in search_space.items():
            value = res.x[self.labels.index(name)]
            out[name] = int(round(value)) if isinstance(dist, IntDistribution) else float(value)
        return out

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._random.sample_independent(study, trial, param_name, param_distribution)

    # -- evaluation ----------------------------------------------------------------------------
    def inputs_of(self, params: Mapping[str, float]) -> np.ndarray:
        """The full kernel input vector for a trial's parameters (fixed inputs filled in)."""
        x = np.zeros(len(self.labels))
        for key, value in self.fixed.items():
            x[input_rows(self.kernel, key)] = value
        for i in self.free:
            x[i] = params[self.labels[i]]
        return x

    def evaluate(self, trial: optuna.Trial) -> float:
        """A study objective: suggest every free input, run the kernel, record its outputs."""
        params = {}
        for name, dist in self.distributions().items():
            if isinstance(dist, IntDistribution):
                params[name] = trial.suggest_int(name, dist.low, dist.high)
            else:
                params[name] = trial.suggest_float(name, dist.low, dist.high)
        x = self.inputs_of(params)
        y = self.kernel(x[None])[0]
        trial.set_user_attr(OUTPUTS_ATTR, [float(v) for v in y])
        with torch.no_grad():
            value = self.objective(torch.as_tensor(x[None]), torch.as_tensor(y[None]))
        return float(np.asarray(value).reshape(-1)[0])


def enqueue_best(study: optuna.Study, surrogate, objective: Objective, n: int = 4, *,
                 bounds=None, fixed: Mapping[str, float] | None = None, seed: int = 0) -> int:
    """Enqueue the surrogate's ``n`` best distinct candidates into any study (any sampler).

    Parameter names are the kernel's input labels; fixed inputs are left out. Returns how many
    trials were enqueued. No kernel runs are made here: the study's own trials verify them.
    """
    labels = surrogate.kernel.signature.input_labels()
    fixed = dict(fixed or {})
    skip = {labels[r] for key in fixed for r in input_rows(surrogate.kernel, key)}
    count = 0
    for k in range(n):
        res = minimize(surrogate, objective, bounds=bounds, fixed=fixed, verify_top=0,
                       seed=seed + k, n_starts=16, steps=150)
        params = {}
        for i, lab in enumerate(labels):
            if lab not in skip:
                v = res.x[i]
                params[lab] = int(round(v)) if surrogate.kernel.integer_inputs[i] else float(v)
        study.enqueue_trial(params, skip_if_exists=True)
        count += 1
    return count


class PriorGPSampler(SurrogateSampler):
    """Bayesian optimisation in an Optuna study: a GP on the residual of the surrogate (its prior
    mean), log expected improvement of the objective of sampled outputs (BoTorch).

    Works with ``study.optimize(sampler.evaluate, ...)``, ask/tell (tell the outputs with
    ``trial.set_user_attr(OUTPUTS_ATTR, ...)``, as ``evaluate`` does), ``enqueue_trial`` and RDB
    storage shared by several processes: completed trials with recorded outputs are the data,
    running ones are pending points.

    Arguments:
        prior: a ``Surrogate`` of the kernel (compiled or fine-tuned), or the ``Kernel`` itself
            for Bayesian optimisation without a prior (quasi-random trials until there are
            ``dim + 1`` completed ones).
        objective, bounds, fixed: as for ``nsc_tune.tune.bayes_minimize``.
        seed: the acquisition's random starts.
    """

    def __init__(self, prior, objective: Objective, *, bounds=None,
                 fixed: Mapping[str, float] | None = None, seed: int = 0,
                 num_restarts: int = 6, raw_samples: int = 192) -> None:
        is_kernel = not isinstance(prior, torch.nn.Module)  # a Kernel (or a wrapper of one)
        self.kernel = prior if is_kernel else prior.kernel
        self.surrogate = None if is_kernel else prior
        self.objective = objective
        self.fixed = dict(fixed or {})
        self.space = Space.of(self.kernel, bounds, self.fixed)
        self.box = self.space.box
        self.labels = self.kernel.signature.input_labels()
        self.free = [int(i) for i in self.space.free]
        self.gp = PriorGP(self.space, self.surrogate, seed)
        check_objective(objective, self.gp)
        self.seed, self.num_restarts, self.raw_samples = seed, num_restarts, raw_samples
        self._fitted_on = -1
        self._random = optuna.samplers.RandomSampler(seed=seed)

    def _data(self, study, trial: FrozenTrial) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if OUTPUTS_ATTR in t.user_attrs]
        running = [t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                   if t.number != trial.number and set(t.params) >= set(self.distributions())]
        n_in = len(self.labels)
        X = np.array([self.inputs_of(t.params) for t in done]).reshape(-1, n_in)
        Y = np.array([t.user_attrs[OUTPUTS_ATTR] for t in done],
                     dtype=np.float64).reshape(len(done), self.kernel.n_outputs)
        pending = np.array([self.inputs_of(t.params) for t in running]).reshape(-1, n_in)
        return X, Y, pending

    def sample_relative(self, study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict:
        if not search_space:
            return {}
        X, Y, pending = self._data(study, trial)
        if len(X) != self._fitted_on:
            self.gp.fit(X, Y)
            self._fitted_on = len(X)
        if self.gp.prior is None and len(self.gp.X) < self.space.dim + 1:
            self.gp.model = None  # too few runs for a GP without a prior: quasi-random
        x = self.gp.propose(self.objective, q=1, pending=pending, seed=self.seed * 100_003
                            + trial.number, num_restarts=self.num_restarts,
                            raw_samples=self.raw_samples)[0]
        out = {}
        for name, dist in search_space.items():
            value = x[self.labels.index(name)]
            out[name] = int(round(value)) if isinstance(dist, IntDistribution) else float(value)
        return out
