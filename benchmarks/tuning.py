"""Kernel runs to reach a normalised regret: nsc_tune against direct black-box tuners (issue 6).

Usage: python benchmarks/tuning.py [--problems iv,arm,branin,pid] [--seeds 3] [--budget 300]
       [--queries 200] [--regimes one,many] [--merge] [--n-schedule 0,16,32,128]
       [--out docs/results/tuning.json] [--quick]

Regret of an input x is ``(f(x) - f_best) / (f_median - f_best)``: ``f_best`` from a dense grid on
the kernel polished by Nelder-Mead, ``f_median`` the median objective of 10,000 uniform random
inputs (neither is counted). Every kernel evaluation a method makes goes through a counting
wrapper (fine-tuning samples included); a method's score is the number of runs up to and
including the first input whose regret is <= --tol, or "not reached" within --budget.

Regime (a), one query: one tuning problem per kernel, runs counted per seed (median reported).
Regime (b), many queries: one kernel, --queries different targets; nsc_tune fine-tunes its
surrogate once (those runs are divided among the queries) and verifies per query; the direct
methods pay for every query. Repeated for --seeds seeds (the targets stay the same; the seed
changes nsc_tune's fine-tuning samples and search starts, and the direct methods' seeds).
Reported: median and mean runs per query, and best direct / nsc_tune.

``--regimes one`` or ``--regimes many`` runs one regime alone; with ``--merge`` the other regime's
results are kept from an existing ``--out`` file (each regime records its own setting).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from tuning_problems import PROBLEMS

METHODS = ["nsc_tune BO", "nsc_tune PriorGPSampler", "nsc_tune refine",
           "nsc_tune SurrogateSampler", "optuna TPE", "optuna CMA-ES", "scipy Nelder-Mead",
           "optuna GPSampler", "BoTorch GP-BO"]
NSC = METHODS[:4]
DIRECT = METHODS[4:]  # the anchors: what a user would run on the kernel instead
HEADLINE = "nsc_tune BO"  # the nsc_tune method the targets are judged on

ARM_C = r"""
/* Forward kinematics of a planar 2-joint arm (links l1 = l2 = 0.5): angles -> end effector. */
#include <math.h>

#pragma nsc_tune domain(theta1, 0.0, 3.14159265)
#pragma nsc_tune domain(theta2, 0.0, 3.14159265)

void arm_forward(float theta1, float theta2, float *x, float *y)
{
    *x = 0.5f * cosf(theta1) + 0.5f * cosf(theta1 + theta2);
    *y = 0.5f * sinf(theta1) + 0.5f * sinf(theta1 + theta2);
}
"""

BRANIN_C = r"""
/* The Branin-Hoo function; global minimum 0.397887 at three points of the domain. */
#include <math.h>

#pragma nsc_tune domain(x1, -5.0, 10.0)
#pragma nsc_tune domain(x2, 0.0, 15.0)

float branin(float x1, float x2)
{
    float b = 5.1f / (4.0f * 3.14159265f * 3.14159265f);
    float c = 5.0f / 3.14159265f;
    float t = 1.0f / (8.0f * 3.14159265f);
    float q = x2 - b * x1 * x1 + c * x1 - 6.0f;
    return q * q + 10.0f * (1.0f - t) * cosf(x1) + 10.0f;
}
"""

PID_C = r"""
/* A PID controller on a lagged second-order plant, unit step set point, 8 s at dt = 0.01.
 * Actuator: first-order lag (0.5 s), saturation at +-5; plant: y'' + 1.2 y' + 4 y = 4 a.
 * Output: the integrated squared error. No anti-windup, so large ki and kp overshoot. */
#pragma nsc_tune domain(kp, 0.0, 10.0)
#pragma nsc_tune domain(ki, 0.0, 5.0)
#pragma nsc_tune domain(kd, 0.0, 5.0)

float pid_ise(float kp, float ki, float kd)
{
    float y = 0.0f;
    float v = 0.0f;
    float a = 0.0f;
    float integral = 0.0f;
    float prev = 1.0f;
    float ise = 0.0f;
    float dt = 0.01f;
    for (int i = 0; i < 800; i++) {
        float e = 1.0f - y;
        integral = integral + e * dt;
        float deriv = (e - prev) / dt;
        prev = e;
        float u = kp * e + ki * integral + kd * deriv;
        if (u > 5.0f) {
            u = 5.0f;
        }
        if (u < -5.0f) {
            u = -5.0f;
        }
        a = a + dt * (u - a) / 0.5f;
        v = v + dt * (4.0f * (a - y) - 1.2f * v);
        y = y + dt * v;
        ise = ise + e * e * dt;
    }
    return ise;
}
"""

IV_FIXED = {"sptprice": 42.0, "strike": 40.0, "rate": 0.05, "otime": 0.5, "otype": 0}


# ------------------------------------------------------------------------------------------------
# Problems
# ------------------------------------------------------------------------------------------------
@dataclass
class Problem:
    """One tuning problem: a kernel, which inputs are free, and a target-dependent objective."""

    name: str
    kernel: object  # nsc_tune.Kernel
    fixed: dict[str, float]
    make_objective: Callable[[np.ndarray | None], Callable]  # target -> torch (x, y) -> [B]
    target: np.ndarray | None  # the one-query target (None: the objective has none)
    description: str
    query_targets: Callable[[int, int], np.ndarray] | None = None  # (n, seed) -> targets
    free: list[int] = field(default_factory=list)
    box: np.ndarray | None = None  # [n_inputs, 2]; fixed rows are (value, value)
    labels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.labels = self.kernel.signature.input_labels()
        self.box = self.kernel.domains.astype(float).copy()
        for key, value in self.fixed.items():
            self.box[self.labels.index(key)] = (value, value)
        self.free = [i for i, lab in enumerate(self.labels) if lab not in self.fixed]

    def full(self, Z: np.ndarray) -> np.ndarray:
        """Free-input rows ``[B, n_free]`` -> full kernel inputs ``[B, n_inputs]``."""
        Z = np.atleast_2d(np.asarray(Z, dtype=np.float64))
        X = np.tile(self.box[:, 0], (Z.shape[0], 1))
        X[:, self.free] = Z
        ints = np.asarray(self.kernel.integer_inputs, dtype=bool)
        X[:, ints] = np.clip(np.round(X[:, ints]), self.box[ints, 0], self.box[ints, 1])
        return X

    def unit_free(self, X: np.ndarray) -> np.ndarray:
        """Full inputs -> their free inputs on the unit cube."""
        lo, hi = self.box[self.free, 0], self.box[self.free, 1]
        return (np.atleast_2d(X)[:, self.free] - lo) / (hi - lo)

    def uniform(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` uniform full inputs of the tuning box (fixed inputs held)."""
        lo, hi = self.box[self.free, 0], self.box[self.free, 1]
        return self.full(rng.uniform(lo, hi, size=(n, len(self.free))))

    def values(self, objective: Callable, X: np.ndarray, Y: np.ndarray | None = None
               ) -> np.ndarray:
        """The objective of full inputs ``X`` (kernel outputs ``Y`` computed when not given)."""
        if Y is None:
            Y = self.kernel(X)
        with torch.no_grad():
            v = objective(torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(Y))
        return np.asarray(v, dtype=np.float64).reshape(-1)


def _sq_first(target: np.ndarray | None) -> Callable:
    t = float(np.asarray(target).reshape(-1)[0])
    return lambda x, y: (y[:, 0] - t) ** 2


def _sq_dist(target: np.ndarray | None) -> Callable:
    tx, ty = (float(v) for v in np.asarray(target).reshape(-1)[:2])
    return lambda x, y: (y[:, 0] - tx) ** 2 + (y[:, 1] - ty) ** 2


def _first_output(target: np.ndarray | None) -> Callable:
    return lambda x, y: y[:, 0]


def build_problems(names: list[str]) -> dict[str, Problem]:
    """The benchmark problems by name (iv, arm, branin, pid)."""
    from nsc_tune import Kernel, suite

    out: dict[str, Problem] = {}
    for name in names:
        if name == "iv":
            k = suite.load("blackscholes")
            fixed = dict(IV_FIXED)

            def iv_targets(n: int, seed: int, k=k, fixed=fixed) -> np.ndarray:
                rng = np.random.default_rng(10_000 + seed)
                p = Problem("tmp", k, fixed, _sq_first, None, "")
                vols = rng.uniform(0.08, 0.62, size=n)
                X = p.full(vols[:, None])
                return k(X)[:, :1]

            out[name] = Problem(
                name, k, fixed, _sq_first, np.array([5.0]),
                "implied volatility: blackscholes call, S=42, K=40, r=0.05, T=0.5; "
                "(price - 5.0)^2 over volatility in [0.05, 0.65] (1-D)", iv_targets)
        elif name == "arm":
            k = Kernel.from_source(ARM_C, "arm_forward")

            def arm_targets(n: int, seed: int, k=k) -> np.ndarray:
                rng = np.random.default_rng(20_000 + seed)
                return k(rng.uniform(0.15, math.pi - 0.15, size=(n, 2)))

            target = k(np.array([[1.0, 1.2]]))[0]
            out[name] = Problem(
                name, k, {}, _sq_dist, target,
                f"arm target: forward kinematics (l1 = l2 = 0.5), squared distance of the end "
                f"effector to ({target[0]:.4f}, {target[1]:.4f}) over 2 joint angles in [0, pi]",
                arm_targets)
        elif name == "branin":
            k = Kernel.from_source(BRANIN_C, "branin")
            out[name] = Problem(name, k, {}, _first_output, None,
                                "Branin-Hoo in C over [-5, 10] x [0, 15] (2-D, optimum 0.397887)")
        elif name == "pid":
            k = Kernel.from_source(PID_C, "pid_ise")
            out[name] = Problem(name, k, {}, _first_output, None,
                                "PID gains (kp, ki, kd) of a saturated, lagged second-order plant,"
                                " 800-step simulation in C; objective = ISE (3-D)")
        elif name in PROBLEMS:
            src, function, make, text = PROBLEMS[name]
            out[name] = Problem(name, Kernel.from_source(src, function), {}, make, None, text)
        else:
            raise SystemExit(f"unknown problem {name!r}; choose from iv, arm, branin, pid, "
                             f"{', '.join(PROBLEMS)}")
    return out


def reference(p: Problem, objective: Callable, grid_n: int, seed: int = 0
              ) -> tuple[float, float]:
    """``(f_best, f_median)``: dense grid plus Nelder-Mead polish; median of 10,000 uniform."""
    from scipy.optimize import minimize as sp_minimize

    rng = np.random.default_rng(seed)
    f_median = float(np.median(p.values(objective, p.uniform(10_000, rng))))
    d = len(p.free)
    per_axis = max(3, int(round(grid_n ** (1.0 / d))))
    axes = [np.linspace(p.box[i, 0], p.box[i, 1], per_axis) for i in p.free]
    Z = np.stack([g.reshape(-1) for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    f = p.values(objective, p.full(Z))
    best = float(f.min())
    bounds = [tuple(p.box[i]) for i in p.free]
    for j in np.argsort(f)[:5]:
        r = sp_minimize(lambda z: float(p.values(objective, p.full(z))[0]), Z[j],
                        method="Nelder-Mead", bounds=bounds,
                        options={"xatol": 1e-9, "fatol": 1e-14, "maxfev": 2000})
        best = min(best, float(r.fun))
    return best, f_median


# ------------------------------------------------------------------------------------------------
# Counting
# ------------------------------------------------------------------------------------------------
class Done(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by the counter when the regret is reached or the budget is spent."""


class Counter:
    """Wraps a kernel: counts every input row run, records objective values, stops the method.

    Arguments:
        kernel: the kernel.
        problem: for the objective values.
        objective: torch ``(x, y) -> [B]``.
        f_best, f_median: the regret's normalisation (None: count only, never stop on regret).
        tol: the regret to reach.
        budget: rows to allow (None: unlimited).
        max_seconds: wall time to allow the method (None: unlimited); a run stopped by it is
            "not reached" with ``timed_out`` set.
    """

    def __init__(self, kernel, problem: Problem, objective: Callable, f_best: float | None,
                 f_median: float | None, tol: float, budget: int | None,
                 max_seconds: float | None = None) -> None:
        self.kernel, self.problem, self.objective = kernel, problem, objective
        self.f_best, self.f_median, self.tol, self.budget = f_best, f_median, tol, budget
        self.deadline = None if max_seconds is None else time.perf_counter() + max_seconds
        self.timed_out = False
        self.count = 0
        self.hit: int | None = None  # run number (1-based) of the first row within tol
        self.best = math.inf
        self.X: list[np.ndarray] = []
        self.Y: list[np.ndarray] = []

    def __getattr__(self, name: str):
        return getattr(self.kernel, name)

    def regret(self, f: float) -> float:
        """Normalised regret of an objective value."""
        return (f - self.f_best) / (self.f_median - self.f_best)

    def __call__(self, X, **kwargs) -> np.ndarray:
        if self.hit is not None or (self.budget is not None and self.count >= self.budget):
            raise Done
        if self.deadline is not None and time.perf_counter() > self.deadline:
            self.timed_out = True
            raise Done
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if self.budget is not None:
            X = X[: self.budget - self.count]
        kwargs.setdefault("parallel", X.shape[0] > 64)
        Y = self.kernel(X, **kwargs)
        self.X.append(X)
        self.Y.append(Y)
        v = self.problem.values(self.objective, X, Y)
        for j, f in enumerate(v):
            self.best = min(self.best, float(f))
            if self.f_best is not None and self.hit is None and self.regret(f) <= self.tol:
                self.hit = self.count + j + 1
        self.count += X.shape[0]
        if self.hit is not None or (self.budget is not None and self.count >= self.budget):
            raise Done
        return Y

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (X, Y) evaluated so far."""
        return np.concatenate(self.X), np.concatenate(self.Y)


def run_counted(fn: Callable[[], object], counter: Counter) -> None:
    """Run a method until the counter stops it (or the method ends by itself)."""
    try:
        fn()
    except Done:
        pass


# ------------------------------------------------------------------------------------------------
# Methods (each minimises through ``counter``; nothing is returned, the counter keeps score)
# ------------------------------------------------------------------------------------------------
def _fit_quiet(s, X: np.ndarray, Y: np.ndarray, epochs: int, seed: int) -> None:
    val = 0.2 if len(X) >= 20 else 0.0
    s.fit((X, Y), epochs=epochs, val_fraction=val, patience=200 if val else None, seed=seed,
          progress=False)


def copy_surrogate(s, kernel):
    """A deep copy of surrogate ``s`` whose kernel is ``kernel`` (the kernel is not copied)."""
    c = s.copy()
    c.kernel = kernel
    return c


def finetune(base, p: Problem, counter: Counter, n: int, seed: int, epochs: int):
    """A copy of ``base`` fine-tuned on ``n`` uniform samples of the tuning box (run through
    ``counter``), and those samples (or None)."""
    s = copy_surrogate(base, counter)
    if n <= 0:
        return s, None
    X = p.uniform(n, np.random.default_rng(1_000 + seed))
    Y = counter(X)  # may raise Done (a sample within tol, or the budget spent)
    _fit_quiet(s, X, Y, epochs, seed)
    return s, (X, Y)


def method_refine(base, p: Problem, objective: Callable, counter: Counter, seed: int, n: int,
                  epochs: int, per_round: int) -> None:
    """nsc_tune: fine-tune on ``n`` samples, then ``refine`` (restarted, learning from every
    verified point) until the counter stops it."""
    from nsc_tune.tune import refine

    s, _ = finetune(base, p, counter, n, seed, epochs)
    bounds = {p.labels[i]: tuple(p.box[i]) for i in p.free}
    for r in range(10_000):
        data = counter.data() if counter.X else None
        refine(s, objective, fixed=p.fixed, bounds=bounds, data=data, per_round=per_round,
               seed=seed * 1_000 + 37 * r, rounds=10, patience=2, n_starts=16, steps=150)


def method_sampler(base, p: Problem, objective: Callable, counter: Counter, seed: int, n: int,
                   epochs: int) -> None:
    """nsc_tune's Optuna SurrogateSampler (on the fine-tuned surrogate) in an Optuna study."""
    import optuna

    from nsc_tune.integrations.optuna import SurrogateSampler

    s, _ = finetune(base, p, counter, n, seed, epochs)
    bounds = {p.labels[i]: tuple(p.box[i]) for i in p.free}
    sampler = SurrogateSampler(s, objective, fixed=p.fixed, bounds=bounds, seed=seed)
    study = optuna.create_study(sampler=sampler)
    study.optimize(sampler.evaluate, n_trials=100_000)


def _optuna_direct(p: Problem, counter: Counter, sampler) -> None:
    import optuna

    ints = p.kernel.integer_inputs

    def objective(trial) -> float:
        z = [trial.suggest_int(p.labels[i], int(p.box[i, 0]), int(p.box[i, 1])) if ints[i]
             else trial.suggest_float(p.labels[i], p.box[i, 0], p.box[i, 1]) for i in p.free]
        X = p.full(np.array(z))
        return float(p.values(counter.objective, X, counter(X))[0])

    optuna.create_study(sampler=sampler).optimize(objective, n_trials=100_000)


def method_tpe(p: Problem, counter: Counter, seed: int) -> None:
    """Optuna TPE on the kernel."""
    import optuna

    _optuna_direct(p, counter, optuna.samplers.TPESampler(seed=seed))


def method_cmaes(p: Problem, counter: Counter, seed: int) -> None:
    """Optuna CMA-ES on the kernel (for a 1-D space Optuna falls back to random sampling)."""
    import optuna

    _optuna_direct(p, counter, optuna.samplers.CmaEsSampler(seed=seed))


def method_gpsampler(p: Problem, counter: Counter, seed: int) -> None:
    """Optuna's GPSampler (Bayesian optimisation with a GP, its defaults) on the kernel."""
    import optuna

    _optuna_direct(p, counter, optuna.samplers.GPSampler(seed=seed))


def method_botorch(p: Problem, counter: Counter, seed: int) -> None:
    """Textbook BoTorch on the kernel: a SingleTaskGP on the objective (standardised), log
    expected improvement maximised by ``optimize_acqf``, after d + 1 Sobol points."""
    from botorch.acquisition.logei import qLogExpectedImprovement
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from botorch.optim import optimize_acqf
    from gpytorch.mlls import ExactMarginalLogLikelihood

    d = len(p.free)
    lo, hi = p.box[p.free, 0], p.box[p.free, 1]
    U = torch.quasirandom.SobolEngine(d, scramble=True, seed=seed).draw(d + 1).double()
    f = []
    for u in U:
        X = p.full(lo + (hi - lo) * u.numpy())
        f.append(float(p.values(counter.objective, X, counter(X))[0]))
    bounds = torch.stack([torch.zeros(d), torch.ones(d)]).double()
    torch.manual_seed(seed)
    while True:
        y = -torch.tensor(f, dtype=torch.float64)[:, None]
        model = SingleTaskGP(U, y)
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        acq = qLogExpectedImprovement(model, best_f=float(y.max()))
        u, _ = optimize_acqf(acq, bounds=bounds, q=1, num_restarts=8, raw_samples=256)
        X = p.full(lo + (hi - lo) * u.detach().numpy()[0])
        U = torch.cat([U, torch.as_tensor(p.unit_free(X))])
        f.append(float(p.values(counter.objective, X, counter(X))[0]))


def method_bo(base, p: Problem, objective: Callable, counter: Counter, seed: int, n: int,
              epochs: int) -> None:
    """nsc_tune's Bayesian optimisation with the (compiled or fine-tuned) surrogate as prior."""
    from nsc_tune.tune import bayes_minimize

    s, data = finetune(base, p, counter, n, seed, epochs)
    bounds = {p.labels[i]: tuple(p.box[i]) for i in p.free}
    bayes_minimize(s, objective, bounds=bounds, fixed=p.fixed, data=data, budget=10**6,
                   seed=seed)


def method_prior_gp_sampler(base, p: Problem, objective: Callable, counter: Counter, seed: int,
                            n: int, epochs: int) -> None:
    """nsc_tune's Optuna PriorGPSampler in an Optuna study."""
    import optuna

    from nsc_tune.integrations.optuna import PriorGPSampler

    s, _ = finetune(base, p, counter, n, seed, epochs)
    bounds = {p.labels[i]: tuple(p.box[i]) for i in p.free}
    sampler = PriorGPSampler(s, objective, fixed=p.fixed, bounds=bounds, seed=seed)
    optuna.create_study(sampler=sampler).optimize(sampler.evaluate, n_trials=100_000)


def method_nelder_mead(p: Problem, counter: Counter, seed: int) -> None:
    """scipy Nelder-Mead with bounds, restarted from uniform random points."""
    from scipy.optimize import minimize as sp_minimize

    rng = np.random.default_rng(seed)
    lo, hi = p.box[p.free, 0], p.box[p.free, 1]

    def fun(z: np.ndarray) -> float:
        X = p.full(z)
        return float(p.values(counter.objective, X, counter(X))[0])

    while True:
        sp_minimize(fun, rng.uniform(lo, hi), method="Nelder-Mead",
                    bounds=list(zip(lo, hi, strict=True)), options={"xatol": 1e-8, "fatol": 1e-12})


def run_method(method: str, base, p: Problem, objective: Callable, counter: Counter, seed: int,
               n: int, args) -> None:
    """Dispatch one method on one counter."""
    if method == "nsc_tune BO":
        fn = lambda: method_bo(base, p, objective, counter, seed, n,  # noqa: E731
                               args.fit_epochs)
    elif method == "nsc_tune PriorGPSampler":
        fn = lambda: method_prior_gp_sampler(base, p, objective, counter, seed,  # noqa: E731
                                             n, args.fit_epochs)
    elif method == "optuna GPSampler":
        fn = lambda: method_gpsampler(p, counter, seed)  # noqa: E731
    elif method == "BoTorch GP-BO":
        fn = lambda: method_botorch(p, counter, seed)  # noqa: E731
    elif method == "nsc_tune refine":
        fn = lambda: method_refine(base, p, objective, counter, seed, n,  # noqa: E731
                                   args.fit_epochs, args.per_round)
    elif method == "nsc_tune SurrogateSampler":
        fn = lambda: method_sampler(base, p, objective, counter, seed, n,  # noqa: E731
                                    args.fit_epochs)
    elif method == "optuna TPE":
        fn = lambda: method_tpe(p, counter, seed)  # noqa: E731
    elif method == "optuna CMA-ES":
        fn = lambda: method_cmaes(p, counter, seed)  # noqa: E731
    else:
        fn = lambda: method_nelder_mead(p, counter, seed)  # noqa: E731
    run_counted(fn, counter)


# ------------------------------------------------------------------------------------------------
# Regimes
# ------------------------------------------------------------------------------------------------
def summarise(runs: list[float | None]) -> dict:
    """Median (not reached counts as infinity) and how many reached."""
    vals = [math.inf if r is None else float(r) for r in runs]
    med = float(np.median(vals)) if vals else math.inf
    return {"runs": runs, "median": med if math.isfinite(med) else "not reached",
            "reached": f"{sum(r is not None for r in runs)}/{len(runs)}"}


def _key(entry: dict) -> float:
    m = entry["median"]
    return math.inf if isinstance(m, str) else float(m)


def regime_one(p: Problem, base, args, log: Callable[[str], None]) -> dict:
    """Regime (a): runs to regret per method, median over seeds."""
    objective = p.make_objective(p.target)
    t0 = time.perf_counter()
    f_best, f_median = reference(p, objective, args.grid)
    log(f"[{p.name}] f_best {f_best:.6g}, f_median {f_median:.6g} "
        f"({time.perf_counter() - t0:.1f} s)")
    out: dict = {"f_best": f_best, "f_median": f_median, "description": p.description,
                 "methods": {}, "by_n": {}}
    for method in args.methods:
        if method == "nsc_tune refine":
            ns = [n for n in args.n_schedule if n < args.budget]
        elif method == "nsc_tune BO":
            ns = [n for n in args.bo_n if n < args.budget]
        elif method in ("nsc_tune SurrogateSampler", "nsc_tune PriorGPSampler"):
            # the N that served its own-loop counterpart best
            twin = out["methods"].get("nsc_tune refine" if "Surrogate" in method
                                      else "nsc_tune BO")
            ns = [twin["n_finetune"] if twin else 0]
        else:
            ns = [0]
        by_n = {}
        for n in ns:
            if by_n and n >= min(_key(e) for e in by_n.values()):
                log(f"[{p.name}] {method} N={n}: skipped (N alone >= the best median so far)")
                continue
            t0 = time.perf_counter()
            runs, below, made, timed_out, best_regrets = [], False, 0, [], []
            for seed in range(args.seeds):
                c = Counter(p.kernel, p, objective, f_best, f_median, args.tol, args.budget,
                            args.max_seconds)
                run_method(method, base, p, objective, c, seed, n, args)
                runs.append(c.hit)
                below |= c.best < f_best
                made += c.count
                timed_out.append(c.timed_out)
                best_regrets.append(float(f"{c.regret(c.best):.3g}"))
            entry = summarise(runs)
            entry["timed_out"] = timed_out  # stopped by --max-seconds (then "not reached")
            entry["best_regret"] = best_regrets
            entry["seconds"] = round(time.perf_counter() - t0, 1)
            # the method's own time per kernel run (proposal, fitting; the kernel is ~us)
            entry["seconds_per_run"] = round(entry["seconds"] / max(made, 1), 4)
            if below:
                entry["note"] = "found a value below f_best"
            by_n[n] = entry
            tag = f" N={n}" if method in NSC else ""
            log(f"[{p.name}] {method}{tag}: {entry['runs']} -> {entry['median']} "
                f"({entry['seconds']} s)")
        best_n = min(by_n, key=lambda n: (_key(by_n[n]), n))
        out["methods"][method] = dict(by_n[best_n], n_finetune=best_n if method in NSC else None)
        if method in NSC:
            out["by_n"][method] = {str(n): e for n, e in by_n.items()}
    anchors = [m for m in DIRECT if m in out["methods"]]
    direct = min((_key(out["methods"][m]) for m in anchors), default=math.inf)
    head = HEADLINE if HEADLINE in out["methods"] else "nsc_tune refine"
    nsc = _key(out["methods"][head]) if head in out["methods"] else math.inf
    out["best_direct"] = direct if math.isfinite(direct) else "not reached"
    out["best_anchor"] = min(anchors, key=lambda m: _key(out["methods"][m]), default=None)
    out["headline"] = head
    out["target_met"] = bool(nsc < direct) if math.isfinite(nsc) else False
    return out


def query_references(p: Problem, targets: np.ndarray, grid_n: int) -> list[tuple[float, float]]:
    """Per-query ``(f_best, f_median)`` (the grid's kernel outputs are shared by the queries)."""
    from scipy.optimize import minimize as sp_minimize

    rng = np.random.default_rng(0)
    Xr = p.uniform(10_000, rng)
    Yr = p.kernel(Xr)
    d = len(p.free)
    per_axis = max(3, int(round(grid_n ** (1.0 / d))))
    axes = [np.linspace(p.box[i, 0], p.box[i, 1], per_axis) for i in p.free]
    Z = np.stack([g.reshape(-1) for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    Xg = p.full(Z)
    Yg = p.kernel(Xg)
    bounds = [tuple(p.box[i]) for i in p.free]
    out = []
    for t in targets:
        obj = p.make_objective(t)
        f = p.values(obj, Xg, Yg)
        best = float(f.min())
        for j in np.argsort(f)[:3]:
            r = sp_minimize(lambda z, obj=obj: float(p.values(obj, p.full(z))[0]), Z[j],
                            method="Nelder-Mead", bounds=bounds,
                            options={"xatol": 1e-9, "fatol": 1e-16, "maxfev": 1000})
            best = min(best, float(r.fun))
        out.append((best, float(np.median(p.values(obj, Xr, Yr)))))
    return out


def summarise_queries(runs: list[float | None], budget: int) -> dict:
    """Per-query runs of one seed: median (not reached = infinity), reached, and the mean with
    not-reached queries counted as ``budget`` (then a lower bound)."""
    entry = summarise(runs)
    vals = [budget if r is None else float(r) for r in runs]
    entry["mean"] = float(np.mean(vals)) if vals else math.inf
    entry["mean_is_lower_bound"] = any(r is None for r in runs)
    return entry


def combine_seeds(per_seed: list[dict]) -> dict:
    """One entry over seeds: median of the per-seed medians, mean of the per-seed means."""
    meds = [_key(e) for e in per_seed]
    med = float(np.median(meds))
    reached = sum(int(e["reached"].split("/")[0]) for e in per_seed)
    total = sum(int(e["reached"].split("/")[1]) for e in per_seed)
    return {"median": med if math.isfinite(med) else "not reached",
            "mean": float(np.mean([e["mean"] for e in per_seed])),
            "mean_is_lower_bound": any(e["mean_is_lower_bound"] for e in per_seed),
            "reached": f"{reached}/{total}", "per_seed": per_seed}


def regime_many(p: Problem, base, args, log: Callable[[str], None]) -> dict:
    """Regime (b): runs per query over ``args.queries`` targets, for ``args.seeds`` seeds (the
    targets are the same for every seed; query q of seed s uses seed ``s * 100_000 + q``)."""
    targets = p.query_targets(args.queries, 0)
    t0 = time.perf_counter()
    refs = query_references(p, targets, args.grid)
    log(f"[{p.name} x{len(targets)}] references ({time.perf_counter() - t0:.1f} s)")
    out: dict = {"queries": len(targets), "seeds": args.seeds, "methods": {},
                 "nsc_tune_by_n": {}}
    anchors = [m for m in DIRECT if m in args.methods]
    for method in anchors:
        t0 = time.perf_counter()
        per_seed = []
        for seed in range(args.seeds):
            runs = []
            for q, (t, (fb, fm)) in enumerate(zip(targets, refs, strict=True)):
                obj = p.make_objective(t)
                c = Counter(p.kernel, p, obj, fb, fm, args.tol, args.budget)
                run_method(method, None, p, obj, c, seed * 100_000 + q, 0, args)
                runs.append(c.hit)
            per_seed.append(summarise_queries(runs, args.budget))
        entry = combine_seeds(per_seed)
        entry["seconds"] = round(time.perf_counter() - t0, 1)
        out["methods"][method] = entry
        log(f"[{p.name} x{len(targets)}] {method}: median {entry['median']} runs/query "
            f"(per seed {[e['median'] for e in per_seed]}), mean {entry['mean']:.2f}, "
            f"reached {entry['reached']} ({entry['seconds']} s)")
    from nsc_tune.tune import refine

    bounds = {p.labels[i]: tuple(p.box[i]) for i in p.free}
    for n in args.n_schedule_many:
        t0 = time.perf_counter()
        per_seed = []
        for seed in range(args.seeds):
            ft = Counter(p.kernel, p, p.make_objective(targets[0]), None, None, args.tol, None)
            s0, data = finetune(base, p, ft, n, seed, args.fit_epochs)
            verify_runs = []
            for q, (t, (fb, fm)) in enumerate(zip(targets, refs, strict=True)):
                obj = p.make_objective(t)
                c = Counter(p.kernel, p, obj, fb, fm, args.tol, args.budget)
                s = copy_surrogate(s0, c)

                def per_query(s=s, obj=obj, c=c, q=q, data=data, seed=seed) -> None:
                    for r in range(10_000):
                        extra = c.data() if c.X else None
                        both = data if extra is None else (
                            extra if data is None else tuple(
                                np.concatenate([a, b]) for a, b in zip(data, extra,
                                                                       strict=True)))
                        refine(s, obj, fixed=p.fixed, bounds=bounds, data=both, per_round=1,
                               rounds=10, patience=2,
                               seed=seed * 1_000_000 + q * 1_000 + 37 * r, n_starts=16,
                               steps=150)

                run_counted(per_query, c)
                verify_runs.append(c.hit)
            amort = n / len(targets)
            total = [None if v is None else v + amort for v in verify_runs]
            e = summarise_queries(total, args.budget)
            e["verification"] = summarise_queries(verify_runs, args.budget)
            per_seed.append(e)
        entry = combine_seeds(per_seed)
        entry.update(n_finetune=n, finetune_runs_per_query=n / len(targets),
                     verification={"median": float(np.median(
                         [_key(e["verification"]) for e in per_seed])),
                         "mean": float(np.mean([e["verification"]["mean"] for e in per_seed]))},
                     seconds=round(time.perf_counter() - t0, 1))
        out["nsc_tune_by_n"][str(n)] = entry
        log(f"[{p.name} x{len(targets)}] nsc_tune N={n}: median {entry['median']} runs/query "
            f"(verification {entry['verification']['median']}, mean "
            f"{entry['verification']['mean']:.3f}; fine-tuning {n / len(targets):.3f}), "
            f"mean {entry['mean']:.3f}, reached {entry['reached']} ({entry['seconds']} s)")
    best_n = min(out["nsc_tune_by_n"], key=lambda n: (_key(out["nsc_tune_by_n"][n]), int(n)))
    out["methods"]["nsc_tune refine"] = out["nsc_tune_by_n"][best_n]
    if HEADLINE in args.methods:
        out["methods"][HEADLINE] = _many_bo(p, base, targets, refs, args, log)
    head = HEADLINE if HEADLINE in out["methods"] else "nsc_tune refine"
    out["headline"] = head
    direct_run = anchors  # the anchors this run compared
    direct = min(_key(out["methods"][m]) for m in direct_run)
    nsc = _key(out["methods"][head])
    out["best_direct"] = direct if math.isfinite(direct) else "not reached"
    # direct methods that never reach count as the budget: the ratio is then a lower bound
    out["ratio"] = (min(direct, args.budget) / nsc) if math.isfinite(nsc) and nsc > 0 else None
    out["ratio_is_lower_bound"] = not math.isfinite(direct)
    # the same on means (total runs / queries; not-reached queries count as the budget)
    direct_mean = min(out["methods"][m]["mean"] for m in direct_run)
    nsc_mean = out["methods"][head]["mean"]
    out["ratio_of_means"] = direct_mean / nsc_mean if nsc_mean > 0 else None
    out["per_seed_ratio"] = []
    for seed in range(args.seeds):
        d = min(_key(out["methods"][m]["per_seed"][seed]) for m in direct_run)
        ns = _key(out["methods"][head]["per_seed"][seed])
        out["per_seed_ratio"].append(min(d, args.budget) / ns if math.isfinite(ns) else None)
    out["target_met"] = bool(out["ratio"] is not None and out["ratio"] >= 10.0)
    return out


def _many_bo(p: Problem, base, targets: np.ndarray, refs: list, args, log) -> dict:
    """nsc_tune BO over many queries: the compiled prior, and every kernel run of the earlier
    queries of the same seed as data (the kernel is the same, only the target moves)."""
    from nsc_tune.tune import bayes_minimize

    bounds = {p.labels[i]: tuple(p.box[i]) for i in p.free}
    t0 = time.perf_counter()
    per_seed = []
    for seed in range(args.seeds):
        X_all, Y_all = [], []
        runs = []
        for q, (t, (fb, fm)) in enumerate(zip(targets, refs, strict=True)):
            obj = p.make_objective(t)
            c = Counter(p.kernel, p, obj, fb, fm, args.tol, args.budget)
            s = copy_surrogate(base, c)
            data = (np.concatenate(X_all), np.concatenate(Y_all)) if X_all else None
            run_counted(lambda s=s, obj=obj, data=data, q=q, seed=seed: bayes_minimize(
                s, obj, bounds=bounds, fixed=p.fixed, data=data, budget=10**6,
                seed=seed * 100_000 + q), c)
            if c.X:
                X_all.append(np.concatenate(c.X))
                Y_all.append(np.concatenate(c.Y))
            runs.append(c.hit)
        per_seed.append(summarise_queries(runs, args.budget))
    entry = combine_seeds(per_seed)
    entry.update(n_finetune=0, seconds=round(time.perf_counter() - t0, 1))
    log(f"[{p.name} x{len(targets)}] nsc_tune BO: median {entry['median']} runs/query "
        f"(per seed {[e['median'] for e in per_seed]}), mean {entry['mean']:.3f}, "
        f"reached {entry['reached']} ({entry['seconds']} s)")
    return entry


# ------------------------------------------------------------------------------------------------
def _fmt(v) -> str:
    if isinstance(v, str) or v is None:
        return "not reached"
    return f"{v:.3g}" if isinstance(v, float) and not float(v).is_integer() else f"{int(v)}"


def dumps(result: dict) -> str:
    """JSON with one key per line but lists of numbers on one line (per-query runs stay short)."""
    import re

    text = json.dumps(result, indent=1, default=float)
    scalar = r"(?:-?[0-9.eE+-]+|null|true|false)"
    return re.sub(rf"\[\s*({scalar}(?:,\s*{scalar})*)\s*\]",
                  lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]",
                  text) + "\n"


def _weights_sha256() -> str | None:
    """SHA-256 of the shipped CompNet weights the surrogates were compiled with."""
    import hashlib

    from nsc_tune.compiler.compiler import DEFAULT_WEIGHTS

    try:
        return hashlib.sha256(DEFAULT_WEIGHTS.read_bytes()).hexdigest()
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", default="iv,arm,branin,pid")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=int, default=300, help="max kernel runs per method/problem")
    ap.add_argument("--queries", type=int, default=200, help="targets in regime (b)")
    ap.add_argument("--many", default="iv,arm", help="problems of regime (b) ('' for none)")
    ap.add_argument("--regimes", default="one,many",
                    help="regimes to run: 'one' (a), 'many' (b) or both")
    ap.add_argument("--merge", action="store_true",
                    help="keep the results of a regime not run from an existing --out file")
    ap.add_argument("--n-schedule", default="0,16,32,128",
                    help="fine-tuning sample counts tried for nsc_tune in regime (a)")
    ap.add_argument("--n-schedule-many", default="16,64",
                    help="fine-tuning sample counts tried for nsc_tune in regime (b)")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help=f"comma-separated subset of: {', '.join(METHODS)}")
    ap.add_argument("--bo-n", default="0",
                    help="fine-tuning sample counts tried for nsc_tune BO (0: compiled prior)")
    ap.add_argument("--max-seconds", type=float, default=None,
                    help="wall time per method and seed in regime (a) (default: unlimited)")
    ap.add_argument("--tol", type=float, default=1e-3, help="normalised regret to reach")
    ap.add_argument("--fit-epochs", type=int, default=1000, help="fine-tuning epochs")
    ap.add_argument("--per-round", type=int, default=2,
                    help="candidates verified per refinement round (regime a)")
    ap.add_argument("--grid", type=int, default=250_000, help="dense-grid points for f_best")
    ap.add_argument("--out", default="docs/results/tuning.json")
    ap.add_argument("--quick", action="store_true",
                    help="tiny setting for CI: 1 seed, budget 40, 3 queries, N in {0, 16}")
    args = ap.parse_args(argv)
    if args.quick:
        args.seeds, args.budget, args.queries, args.grid = 1, 40, 3, 2_000
        args.n_schedule, args.n_schedule_many, args.fit_epochs = "0,16", "16", 100
    args.n_schedule = [int(v) for v in args.n_schedule.split(",") if v]
    args.bo_n = [int(v) for v in args.bo_n.split(",") if v]
    args.methods = [m for m in args.methods.split(",") if m]
    if set(args.methods) - set(METHODS):
        raise SystemExit(f"--methods: unknown {sorted(set(args.methods) - set(METHODS))}")
    args.n_schedule_many = [int(v) for v in args.n_schedule_many.split(",") if v]
    regimes = {r for r in args.regimes.split(",") if r}
    if not regimes or regimes - {"one", "many"}:
        raise SystemExit(f"--regimes {args.regimes!r}: choose from one, many")

    torch.set_num_threads(1)  # tiny MLPs: one thread is several times faster on 2 cores
    warnings.filterwarnings("ignore")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    from nsc_tune import compile as nsc_compile

    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"{time.perf_counter() - t_start:7.1f}s {msg}", flush=True)

    names = [n for n in args.problems.split(",") if n]
    many = [n for n in args.many.split(",") if n and n in names] if "many" in regimes else []
    if "one" not in regimes:
        names = many
    problems = build_problems(names)
    bases = {}
    for name, p in problems.items():
        t0 = time.perf_counter()
        bases[name] = nsc_compile(p.kernel)
        log(f"[{name}] compiled surrogate in {time.perf_counter() - t0:.1f} s")

    provenance = {
        "setting": {k: v for k, v in vars(args).items()},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "versions": {"torch": torch.__version__, "optuna": optuna.__version__,
                     "python": platform.python_version()},
        "compnet_weights_sha256": _weights_sha256(),
    }
    result: dict = {**provenance, "methods": args.methods, "one_query": {}, "many_queries": {},
                    "regime_runs": {}}
    if args.merge and os.path.exists(args.out):
        with open(args.out) as fh:
            old = json.load(fh)
        for key, regime in (("one_query", "one"), ("many_queries", "many")):
            if regime not in regimes and old.get(key):
                result[key] = old[key]
                result["regime_runs"][key] = old.get("regime_runs", {}).get(key) or {
                    k: old.get(k) for k in ("setting", "machine", "versions", "seconds")}
                log(f"kept {key} from {args.out}")
    if "one" in regimes:
        t0 = time.perf_counter()
        for name, p in problems.items():
            result["one_query"][name] = regime_one(p, bases[name], args, log)
        result["regime_runs"]["one_query"] = dict(
            provenance, seconds=round(time.perf_counter() - t0, 1))
    if many:
        t0 = time.perf_counter()
        for name in many:
            result["many_queries"][name] = regime_many(problems[name], bases[name], args, log)
        result["regime_runs"]["many_queries"] = dict(
            provenance, seconds=round(time.perf_counter() - t0, 1))
    result["seconds"] = round(time.perf_counter() - t_start, 1)

    one = result["one_query"]
    met = sum(v["target_met"] for v in one.values())
    result["targets"] = {
        "one_query": {"met_on": met, "problems": len(one),
                      "met": bool(one) and met * 4 >= 3 * len(one)},
        "many_queries": {"met": bool(result["many_queries"]) and all(
            v["target_met"] for v in result["many_queries"].values())},
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write(dumps(result))

    if one:
        print("\nRegime (a), one query: kernel runs to regret <= "
              f"{args.tol:g} (median over seeds; budget {args.budget})")
        print(f"{'problem':8} " + " ".join(f"{m:>26}" for m in args.methods))
    for name, r in one.items():
        cells = []
        for m in args.methods:
            e = r["methods"][m]
            tag = f" (N={e['n_finetune']})" if m in NSC else ""
            cells.append(f"{_fmt(e['median']) + tag:>26}")
        print(f"{name:8} " + " ".join(cells))
    if result["many_queries"]:
        print("\nRegime (b), many queries: median (mean) runs per query")
        for name, r in result["many_queries"].items():
            cells = ", ".join(f"{m}: {_fmt(r['methods'][m]['median'])} "
                              f"({r['methods'][m].get('mean', math.nan):.3g})"
                              for m in r["methods"])
            ratio = "n/a" if r["ratio"] is None else (
                (">= " if r["ratio_is_lower_bound"] else "") + f"{r['ratio']:.1f}x")
            print(f"{name:8} ({r['queries']} queries) {cells}; best direct / nsc_tune = {ratio}")
    print(f"\ntargets: {result['targets']}; {result['seconds']:.0f} s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
