"""Bayesian optimisation with the compiled surrogate as the prior mean (BoTorch / GPyTorch).

Each kernel output is modelled as the surrogate's prediction plus a Gaussian process on its
residual: ``y_j(x) = m_j(x) + r_j(x)``. With no runs at all the model is the surrogate; every
verified run corrects it where it was wrong. The objective is any torch function of inputs and
outputs, so the acquisition (BoTorch's ``qLogExpectedImprovement``) is taken over the objective of
sampled outputs (composite Bayesian optimisation): a target ``(y - 5)^2`` is modelled through
``y``, which is smooth, not through the square. Several proposals go out at once (``q``) and each
is verified on the real kernel.

    from nsc_tune import compile, tune
    s = compile(kernel)
    res = tune.bayes_minimize(s, lambda x, y: (y[:, 0] - 5.0) ** 2, budget=30, stop_at=1e-6)
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping

import numpy as np
import torch
from torch import Tensor

from nsc_tune.kernel import Kernel
from nsc_tune.tune.problem import (
    Objective,
    TuneError,
    TuneResult,
    as_number,
    check_data,
    check_function,
    check_whole,
)
from nsc_tune.tune.space import Space

#: Rows of the box the prior is probed on: its spread per output, and the objective's check.
PROBE_ROWS = 1024
#: Noise variance of the residual, in units of each output's spread squared.
NOISE_VAR = 1e-6
#: Integer roundings of a relaxed optimum compared by the acquisition (floor/ceil per input).
MAX_ROUNDINGS = 8
#: Runs after which the residual's scale is the residuals' own spread (before: the prior's).
MEASURED_SCALE_AFTER = 3


#: An output whose runs lie further than this many half-IQRs from their median is modelled
#: through a log warp (a simulation's cost that blows up where it is unstable).
HEAVY_TAIL = 10.0


class Warp:
    """A per-output monotone warp, ``a + c sign(t) log1p(|t|)`` with ``t = (y - a) / c``, where
    an output's runs are heavy-tailed (identity elsewhere): the GP then resolves the bulk of
    the values instead of fitting its outliers."""

    def __init__(self, Y: np.ndarray) -> None:
        n_out = Y.shape[1]
        self.a, self.c = np.zeros(n_out), np.ones(n_out)
        self.active = np.zeros(n_out, dtype=bool)
        if len(Y) >= MEASURED_SCALE_AFTER:
            self.a = np.median(Y, axis=0)
            q25, q75 = np.percentile(Y, [25, 75], axis=0)
            c = (q75 - q25) / 2
            self.active = (c > 0) & (np.max(np.abs(Y - self.a), axis=0) > HEAVY_TAIL * c)
            self.c = np.where(c > 0, c, 1.0)

    def __call__(self, y):
        """Warp outputs ``[..., n_out]`` (NumPy or torch)."""
        return self._map(y, inverse=False)

    def inverse(self, w):
        """Unwarp."""
        return self._map(w, inverse=True)

    def _map(self, y, inverse: bool):
        if not self.active.any():
            return y
        lib = torch if isinstance(y, Tensor) else np
        a, c, on = self.a, self.c, self.active
        if lib is torch:
            a, c = torch.as_tensor(a, dtype=y.dtype), torch.as_tensor(c, dtype=y.dtype)
            on = torch.as_tensor(on)
        t = (y - a) / c
        g = lib.expm1(lib.abs(t)) if inverse else lib.log1p(lib.abs(t))
        return lib.where(on, a + c * lib.sign(t) * g, y)


class PriorGP:
    """The kernel's outputs as ``prior(x) + GP residual``, fitted to verified runs.

    Arguments:
        space: the search space (the GP lives on the unit cube of its free inputs).
        prior: a surrogate (a torch module: real-unit inputs -> outputs), or None for a zero
            prior (plain composite Bayesian optimisation).
        seed: the probe of the box and the acquisition's random starts.
    """

    def __init__(self, space: Space, prior: torch.nn.Module | None, seed: int = 0) -> None:
        self.space, self.prior, self.seed = space, prior, seed
        self.n_outputs = space.kernel.n_outputs
        self.model = None
        self.warp = Warp(np.zeros((0, self.n_outputs)))
        self.X = np.zeros((0, space.kernel.n_inputs))
        self.Y = np.zeros((0, self.n_outputs))
        probe = space.full(torch.quasirandom.SobolEngine(space.dim, scramble=True, seed=seed)
                           .draw(PROBE_ROWS).double().numpy())
        self.probe = probe
        spread = np.ones(self.n_outputs)
        if prior is not None:
            spread = np.std(self.prior_of(probe), axis=0)
        self.scale = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)

    # -- the prior mean ---------------------------------------------------------------------
    def prior_of(self, X: np.ndarray) -> np.ndarray:
        """The prior's outputs at full inputs ``X`` (zeros without a prior)."""
        if self.prior is None:
            return np.zeros((len(X), self.n_outputs))
        with torch.no_grad():
            return self._prior_t(torch.as_tensor(X, dtype=torch.float64)).numpy()

    def _prior_t(self, x: Tensor) -> Tensor:
        if self.prior is None:
            return torch.zeros(*x.shape[:-1], self.n_outputs, dtype=torch.float64)
        return self.prior(x).to(torch.float64)

    def _full_t(self, u: Tensor) -> Tensor:
        """Unit-cube free inputs ``[..., dim]`` -> full real inputs (differentiable)."""
        sp = self.space
        lo = torch.as_tensor(sp.box[sp.free, 0], dtype=u.dtype)
        span = torch.as_tensor(sp.box[sp.free, 1] - sp.box[sp.free, 0], dtype=u.dtype)
        x = torch.as_tensor(sp.fixed_values, dtype=u.dtype).expand(*u.shape[:-1], -1).clone()
        x[..., torch.as_tensor(sp.free)] = lo + span * u
        return x

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, X: np.ndarray, Y: np.ndarray) -> PriorGP:
        """Fit the residual GP (hyperparameters by marginal likelihood) to runs ``(X, Y)``."""
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from gpytorch.mlls import ExactMarginalLogLikelihood

        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        Y = np.asarray(Y, dtype=np.float64).reshape(len(X), self.n_outputs)
        keep = np.all(np.isfinite(Y), axis=1) & self.space.contains(X)
        self.X, self.Y = X[keep], Y[keep]
        if len(self.X) == 0:
            self.model = None
            return self
        self.warp = Warp(self.Y)
        r = self.warp(self.Y) - self.warp(self.prior_of(self.X))
        # The residual may be as large as the residuals measured, offset included (a prior
        # off by a constant where it was run is not to be trusted elsewhere either); with few
        # runs, at least as large as the prior's own spread.
        rms = np.sqrt(np.mean(r ** 2, axis=0))
        scale = np.maximum(rms, self.scale if len(self.X) < MEASURED_SCALE_AFTER
                           else 1e-3 * self.scale)
        self._out_scale = scale
        r = r / scale
        U = torch.as_tensor(self.space.unit(self.X))
        noise = torch.full(r.shape, NOISE_VAR, dtype=torch.float64)
        with warnings.catch_warnings():
            # residuals are scaled by the prior's spread, not standardised (BoTorch warns), and
            # fitting warns on tiny data
            warnings.simplefilter("ignore")
            # the kernel is deterministic: a fixed, small noise (std 1e-3 of each output's spread)
            model = SingleTaskGP(U, torch.as_tensor(r), train_Yvar=noise, outcome_transform=None)
            mll = ExactMarginalLogLikelihood(model.likelihood, model)
            try:
                fit_gpytorch_mll(mll)
            except Exception:  # noqa: BLE001 - keep the prior hyperparameters, still usable
                pass
        model.eval()
        self.model = model
        return self

    # -- the composite objective ------------------------------------------------------------
    def _mc_objective(self, objective: Objective):
        from botorch.acquisition.objective import GenericMCObjective

        scale = torch.as_tensor(self._out_scale)

        def value(samples: Tensor, X: Tensor | None = None) -> Tensor:  # noqa: N803 - BoTorch's name
            x = self._full_t(X)  # [b, q, n_in]
            y = self.warp.inverse(self.warp(self._prior_t(x)) + samples * scale)  # [S,b,q,o]
            xb = x.expand(*samples.shape[:-1], x.shape[-1])
            f = objective(xb.reshape(-1, xb.shape[-1]), y.reshape(-1, y.shape[-1]))
            return -_finite(f, worst).reshape(samples.shape[:-1])

        f_runs = self.objective_values(objective, self.X, self.Y)
        worst = float(np.max(f_runs) + np.ptp(f_runs) + 1.0)
        return GenericMCObjective(value)

    def objective_values(self, objective: Objective, X: np.ndarray, Y: np.ndarray
                         ) -> np.ndarray:
        """The objective of full inputs and their outputs, as float64 ``[B]``."""
        with torch.no_grad():
            f = objective(torch.as_tensor(X, dtype=torch.float64),
                          torch.as_tensor(Y, dtype=torch.float64))
        return np.asarray(f, dtype=np.float64).reshape(-1)

    def predicted(self, objective: Objective, X: np.ndarray) -> np.ndarray:
        """The objective of the model's mean outputs at ``X``."""
        mean = self.prior_of(X)
        if self.model is not None:
            with torch.no_grad():
                post = self.model.posterior(torch.as_tensor(self.space.unit(X)))
                mean = self.warp.inverse(self.warp(mean) + post.mean.numpy().reshape(
                    len(X), -1) * self._out_scale)
        return self.objective_values(objective, X, mean)

    # -- proposals --------------------------------------------------------------------------
    def propose(self, objective: Objective, q: int = 1, pending: np.ndarray | None = None,
                num_restarts: int = 6, raw_samples: int = 192, mc_samples: int = 64,
                seed: int | None = None) -> np.ndarray:
        """``q`` full inputs to run next: the maximisers of the log expected improvement of the
        objective (jointly over the ``q``, given ``pending`` inputs still running). Before any
        run, the prior's own best inputs."""
        from botorch.acquisition.logei import qLogExpectedImprovement
        from botorch.sampling import SobolQMCNormalSampler

        seed = self.seed if seed is None else seed
        torch.manual_seed(seed)
        d = self.space.dim
        bounds = torch.stack([torch.zeros(d, dtype=torch.float64),
                              torch.ones(d, dtype=torch.float64)])
        if self.model is None:
            return self._prior_best(objective, q, bounds, num_restarts, raw_samples, pending)
        f = self.objective_values(objective, self.X, self.Y)
        acq = qLogExpectedImprovement(
            self.model, best_f=float(np.max(-f)), objective=self._mc_objective(objective),
            sampler=SobolQMCNormalSampler(torch.Size([mc_samples]), seed=seed),
            X_pending=None if pending is None or len(pending) == 0
            else torch.as_tensor(self.space.unit(pending)))
        U, _ = self._maximise(acq, bounds, q, num_restarts, raw_samples)
        return self._distinct(U.detach().numpy().reshape(q, d), pending)

    def _maximise(self, acq, bounds: Tensor, q: int, num_restarts: int, raw_samples: int,
                  return_best_only: bool = True) -> tuple[Tensor, Tensor]:
        """BoTorch's acquisition optimisation over the relaxed (continuous) box; integer inputs
        are then rounded to the best of their neighbouring values (see ``_round``)."""
        from botorch.optim import optimize_acqf

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optimizer restarts and numerical warnings
            try:
                U, v = optimize_acqf(acq, bounds=bounds, q=q, num_restarts=num_restarts,
                                     raw_samples=raw_samples, options={"maxiter": 200},
                                     return_best_only=return_best_only)
                if return_best_only and q == 1 and self.space.integer.any():
                    U, v = self._round(acq, bounds, U)
                return U, v
            except (RuntimeError, ValueError) as exc:  # NaN gradients (e.g. a log of a
                # sampled negative output inside the objective): choose without gradients
                return self._screen(acq, q, exc, return_best_only)

    def _round(self, acq, bounds: Tensor, U: Tensor) -> tuple[Tensor, Tensor]:
        """The relaxed optimum ``U [1, d]`` with its integer inputs set to the best (by the
        acquisition) of their floor and ceiling (at most ``MAX_ROUNDINGS`` combinations), the
        continuous inputs then re-optimised with those integers fixed. Two optimisations in
        all, where one per integer combination (``optimize_acqf_mixed``) cost 12x on a
        12-level input."""
        from botorch.optim import optimize_acqf

        sp = self.space
        lo, hi = sp.box[sp.free, 0], sp.box[sp.free, 1]
        ints = np.flatnonzero(sp.integer)
        z = lo[ints] + (hi[ints] - lo[ints]) * U.detach().numpy()[0, ints]
        choices = [sorted({np.clip(np.floor(v), np.ceil(a), np.floor(b)),
                           np.clip(np.ceil(v), np.ceil(a), np.floor(b))})
                   for v, a, b in zip(z, lo[ints], hi[ints], strict=True)]
        grid = np.stack(np.meshgrid(*choices, indexing="ij"), -1).reshape(-1, ints.size)
        grid = grid[np.argsort(np.abs(grid - z).sum(axis=1))][:MAX_ROUNDINGS]
        span = np.maximum(hi[ints] - lo[ints], 1e-300)
        cands = U.detach().repeat(len(grid), 1)
        cands[:, torch.as_tensor(ints)] = torch.as_tensor((grid - lo[ints]) / span)
        with torch.no_grad():
            best = int(torch.nan_to_num(acq(cands[:, None, :]), nan=-torch.inf).argmax())
        fixed = {int(i): float(cands[best, i]) for i in ints}
        if len(fixed) == sp.dim:
            return cands[best:best + 1], acq(cands[best:best + 1, None, :])
        return optimize_acqf(acq, bounds=bounds, q=1, num_restarts=1, raw_samples=1,
                             options={"maxiter": 200}, fixed_features=fixed,
                             batch_initial_conditions=cands[best:best + 1, None, :])

    def _screen(self, acq, q: int, exc: Exception, return_best_only: bool
                ) -> tuple[Tensor, Tensor]:
        """The best ``q`` of 2,048 quasi-random points by acquisition value (no gradients)."""
        U = torch.quasirandom.SobolEngine(self.space.dim, scramble=True, seed=self.seed + len(
            self.X)).draw(2048).double()
        with torch.no_grad():
            v = torch.cat([acq(c[:, None, :]) for c in U.split(256)])
        v = torch.nan_to_num(v, nan=-torch.inf)
        if not torch.isfinite(v).any():
            raise exc
        top = torch.argsort(v, descending=True)
        if not return_best_only:
            return U[top[:64], None, :], v[top[:64]]
        return U[top[:q]], v[top[:q]]

    def _prior_best(self, objective: Objective, q: int, bounds: Tensor, num_restarts: int,
                    raw_samples: int, pending: np.ndarray | None = None) -> np.ndarray:
        """The prior's ``q`` best distinct local minima of the objective (no runs yet; without
        a prior, quasi-random rows of the box)."""
        if self.prior is None:
            return self._distinct(np.zeros((0, self.space.dim)), pending, q)
        from botorch.acquisition import AcquisitionFunction

        outer = self

        class _PriorValue(AcquisitionFunction):
            def __init__(self) -> None:
                torch.nn.Module.__init__(self)

            def forward(self, u: Tensor) -> Tensor:  # [b, 1, d] -> [b]
                x = outer._full_t(u)
                f = objective(x.reshape(-1, x.shape[-1]),
                              outer._prior_t(x).reshape(-1, outer.n_outputs))
                return -_finite(f, 1e30).reshape(u.shape[:-1]).sum(-1)

        U, v = self._maximise(_PriorValue(), bounds, 1, max(num_restarts, 2 * q), raw_samples,
                              return_best_only=False)
        U = U.detach().numpy().reshape(-1, self.space.dim)[np.argsort(-v.detach().numpy())]
        return self._distinct(U, pending, q)

    def _distinct(self, U: np.ndarray, pending: np.ndarray | None, q: int | None = None
                  ) -> np.ndarray:
        """Full inputs of unit rows ``U``, skipping rows equal (after integer rounding) to runs
        made, pending or already chosen; gaps are filled from the probe."""
        q = len(U) if q is None else q
        taken = [self.X] + ([pending] if pending is not None and len(pending) else [])
        seen = {tuple(np.round(r, 12)) for block in taken for r in block}
        out = []
        candidates = [*self.space.full(U), *self.probe]  # then the next quasi-random rows
        for x in candidates:
            key = tuple(np.round(x, 12))
            if key not in seen:
                seen.add(key)
                out.append(x)
            if len(out) == q:
                break
        return np.array(out).reshape(-1, self.space.kernel.n_inputs)


def _finite(f: Tensor, worst: float) -> Tensor:
    """The objective of sampled outputs with non-finite values (a log of a sampled negative
    output) counted as ``worst``: such samples are no improvement."""
    return torch.where(torch.isfinite(f), f, torch.full_like(f, worst))


def _kernel_like(obj: object) -> bool:
    """A ``Kernel``, or a wrapper of one that runs rows and knows their domains."""
    return isinstance(obj, Kernel) or (callable(obj) and hasattr(obj, "domains")
                                       and hasattr(obj, "signature"))


def _check_settings(objective: object, *, budget: object, q: object, stop_at: object,
                    seed: object, num_restarts: object, raw_samples: object,
                    callback: object) -> None:
    """TuneError naming the argument of ``bayes_minimize`` it cannot use."""
    check_function("objective", objective)
    if callback is not None:
        check_function("callback", callback, "(X, Y) -> None")
    for name, value, least in (("budget", budget, 1), ("q", q, 1), ("seed", seed, 0),
                               ("num_restarts", num_restarts, 1),
                               ("raw_samples", raw_samples, 1)):
        check_whole(name, value, least)
    if stop_at is not None:
        as_number(stop_at, "stop_at")


def check_objective(objective: Objective, gp: PriorGP) -> None:
    """Reject an objective that does not give one finite number per row, before any run (on
    the prior's predictions; without a prior, on the first runs)."""
    if gp.prior is None:
        return
    X = gp.probe[:16]
    try:
        f = gp.objective_values(objective, X, gp.prior_of(X))
    except Exception as exc:  # noqa: BLE001 - the user's function failed: say where
        raise TuneError(f"the objective failed on the surrogate's outputs: "
                        f"{type(exc).__name__}: {exc}; it takes (x [B, n_inputs], "
                        "y [B, n_outputs]) torch tensors and returns [B]") from exc
    if f.shape != (len(X),):
        raise TuneError(f"the objective returned {f.size} values for {len(X)} rows; "
                        "return one value per row: shape [B]")
    _reject_nan(f, X, "on the surrogate's predictions")


def _reject_nan(f: np.ndarray, X: np.ndarray, where: str) -> None:
    bad = ~np.isfinite(f)
    if bad.any():
        i = int(np.argmax(bad))
        raise TuneError(f"the objective is {f[i]} at x = {np.round(X[i], 6).tolist()} {where}; "
                        "make it finite for every input in the bounds (e.g. guard a log or a "
                        "division)")


def bayes_minimize(prior, objective: Objective, *, bounds=None,
                   fixed: Mapping[str, float] | None = None, budget: int = 50, q: int = 1,
                   data: tuple[np.ndarray, np.ndarray] | None = None,
                   stop_at: float | None = None, seed: int = 0, num_restarts: int = 6,
                   raw_samples: int = 192,
                   callback: Callable[[np.ndarray, np.ndarray], None] | None = None
                   ) -> TuneResult:
    """Minimise ``objective(x, kernel(x))`` by Bayesian optimisation with the surrogate as the
    prior mean; every proposal is run on the kernel.

    Arguments:
        prior: a surrogate of the kernel (compiled or fine-tuned; its kernel is run), or a
            ``Kernel`` for Bayesian optimisation without a prior.
        objective: ``(x [B, n_in], y [B, n_out]) -> [B]`` torch function, real units.
        bounds, fixed: as for ``minimize`` (integer inputs are rounded).
        budget: kernel runs at most (one per input row).
        q: proposals per round, run together (a batch of kernel runs).
        data: earlier runs ``(X, Y)`` of the same kernel to condition on (not counted).
        stop_at: stop once a verified objective is at most this.
        seed: the acquisition's random starts and Monte Carlo samples.
        num_restarts, raw_samples: BoTorch's acquisition optimisation.
        callback: called with each batch's ``(X, Y)`` after it ran.

    Returns:
        A ``TuneResult``: the best verified input, ``kernel_runs`` made here, ``history`` the
        best verified objective after each batch, ``evaluated`` every ``(X, Y)`` run here, and
        ``proposal_seconds`` the wall time of each batch's proposal.
    """
    if isinstance(prior, torch.nn.Module) and _kernel_like(getattr(prior, "kernel", None)):
        surrogate, kernel = prior, prior.kernel
    elif _kernel_like(prior):
        surrogate, kernel = None, prior
    else:
        raise TuneError(f"prior must be a Surrogate or a Kernel, got {type(prior).__name__}; "
                        "pass nsc_tune.compile(kernel) or the kernel itself")
    _check_settings(objective, budget=budget, q=q, stop_at=stop_at, seed=seed,
                    num_restarts=num_restarts, raw_samples=raw_samples, callback=callback)
    space = Space.of(kernel, bounds, fixed)
    data = check_data(kernel, data)
    gp = PriorGP(space, surrogate, seed)
    check_objective(objective, gp)
    X0 = np.zeros((0, kernel.n_inputs)) if data is None else data[0]
    Y0 = np.zeros((0, kernel.n_outputs)) if data is None else data[1]
    if gp.prior is None and len(X0) == 0:  # nothing to go on: a space-filling start
        n0 = min(budget, max(2, space.dim + 1))
        Xs = space.full(torch.quasirandom.SobolEngine(space.dim, scramble=True, seed=seed)
                        .draw(n0).double().numpy())
        X0, Y0, ran = Xs, _run(kernel, objective, gp, Xs, callback), n0
    else:
        ran = 0
    X_run, Y_run = [X0[len(X0) - ran:]], [Y0[len(Y0) - ran:]]
    history, seconds = [], []
    X_all, Y_all = X0, Y0
    while ran < budget:
        if ran and stop_at is not None and history and history[-1] <= stop_at:
            break
        t0 = time.perf_counter()
        gp.fit(X_all, Y_all)
        Xn = gp.propose(objective, min(q, budget - ran), num_restarts=num_restarts,
                        raw_samples=raw_samples, seed=seed * 7919 + ran)
        seconds.append(time.perf_counter() - t0)
        Yn = _run(kernel, objective, gp, Xn, callback)
        X_all, Y_all = np.concatenate([X_all, Xn]), np.concatenate([Y_all, Yn])
        X_run.append(Xn)
        Y_run.append(Yn)
        ran += len(Xn)
        f = gp.objective_values(objective, np.concatenate(X_run), np.concatenate(Y_run))
        history.append(float(np.min(f)))
    Xr, Yr = np.concatenate(X_run), np.concatenate(Y_run)
    f = gp.objective_values(objective, Xr, Yr)
    best = int(np.argmin(f))
    gp.fit(X_all, Y_all)
    predicted = float(gp.predicted(objective, Xr[best:best + 1])[0])
    labels = kernel.signature.input_labels()
    order = np.argsort(f)[:8]
    res = TuneResult(Xr[best], dict(zip(labels, map(float, Xr[best]), strict=True)),
                     float(f[best]), predicted, ran,
                     [(Xr[i], float("nan"), float(f[i])) for i in order], history, (Xr, Yr),
                     seconds)
    return res


def _run(kernel: Kernel, objective: Objective, gp: PriorGP, X: np.ndarray,
         callback: Callable | None) -> np.ndarray:
    """Run the kernel on ``X``; reject a non-finite objective there."""
    Y = np.asarray(kernel(X), dtype=np.float64).reshape(len(X), -1)
    if callback is not None:
        callback(X, Y)
    f = gp.objective_values(objective, X, Y)
    if f.shape != (len(X),):
        raise TuneError(f"the objective returned {f.size} values for {len(X)} rows; "
                        "return one value per row: shape [B]")
    _reject_nan(f, X, "on the kernel's outputs there")
    return Y
