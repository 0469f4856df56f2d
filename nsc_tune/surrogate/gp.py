"""A Gaussian-process surrogate: an exact GP posterior mean on top of a mean function.

The mean function is a constant (a plain GP) or a network (``Surrogate``: the compiled or a
fine-tuned MLP), so the GP only models what the network gets wrong::

    u      = (x - lo) / (hi - lo)                        inputs scaled to [0, 1] by the domains
    z(x)   = m(x) + c + sum_n alpha[o, n] k_o(u, u_n)    per output o
    y(x)   = z(x), or exp(z(x)) for outputs modelled in log space

Outputs that are positive on every example may be modelled in log space (``log_outputs=True``,
constant mean only): a power law or an exponential then becomes a smooth, nearly linear target.
Likewise inputs whose domain is positive and spans a factor of ``WARP_SPAN`` or more may be
scaled logarithmically (``warp_inputs=True``: ``u = log(x / lo) / log(hi / lo)``).
``k_o`` is a Matern-5/2 (or RBF) kernel with one lengthscale per input. Hyperparameters are fitted
with GPyTorch / BoTorch (``SingleTaskGP`` and ``fit_gpytorch_mll``: exact marginal likelihood,
L-BFGS) on the standardised residuals ``(y - m(x) - c) / s``; ``alpha`` is then solved once in
float64. What the module keeps is the posterior mean in closed form (training inputs, ``alpha``,
inverse lengthscales): differentiable in its inputs for tuning, and exportable to C.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor, nn

from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate.base import SurrogateBase

COVARIANCES = ("matern52", "rbf")
#: Smallest noise variance the hyperparameter fit may choose (standardised units). Kernels are
#: deterministic: the floor is there for conditioning, not to model noise.
NOISE_FLOOR = 1e-6
#: While candidates are compared, hyperparameters are fitted on at most this many examples (a
#: random subset; ``alpha`` is then solved on all of them): the marginal likelihood costs O(N^3)
#: per L-BFGS step. The kept candidate is refitted on every example (up to ``FINAL_SUBSET``).
HYPER_SUBSET = 600
FINAL_SUBSET = 3000
#: Smallest hi / lo of a positive input domain that ``warp_inputs`` scales logarithmically.
WARP_SPAN = 4.0
#: Rows of inputs evaluated at once in ``forward`` (bounds the [rows, N] kernel matrix).
CHUNK = 4096
#: The same without autograd: rows such that the [O, rows, N] block (in place) has about this
#: many entries and stays in cache.
FAST_BLOCK = 2**18


class GPError(NscTuneError):
    """A GP surrogate was asked for with unusable data or settings."""


def covariance(d2: Tensor, kind: str) -> Tensor:
    """Unit-variance kernel value from squared scaled distances ``d2``."""
    if kind == "rbf":
        return torch.exp(-0.5 * d2)
    d = torch.sqrt(d2 + 1e-30)  # finite gradient at d = 0
    s5 = math.sqrt(5.0) * d
    return (1.0 + s5 + (5.0 / 3.0) * d2) * torch.exp(-s5)


def covariance_inplace(d2: Tensor, kind: str) -> Tensor:
    """``covariance(d2, kind)`` computed in ``d2``'s memory (no autograd)."""
    if kind == "rbf":
        return d2.mul_(-0.5).exp_()
    s5 = d2.sqrt().mul_(math.sqrt(5.0))
    return d2.mul_(5.0 / 3.0).add_(s5).add_(1.0).mul_(s5.neg_().exp_())


def scaled_sq_dist(a: Tensor, b: Tensor, inv_ls: Tensor) -> Tensor:
    """``|(a_m - b_n) * inv_ls_o|^2`` as ``[O, M, N]`` (a: [M, I], b: [N, I], inv_ls: [O, I])."""
    sa, sb = a[None] * inv_ls[:, None], b[None] * inv_ls[:, None]
    sq_b = (sb * sb).sum(-1)[:, None]
    if torch.is_grad_enabled() and (a.requires_grad or b.requires_grad or inv_ls.requires_grad):
        d2 = (sa * sa).sum(-1)[..., None] + sq_b - 2.0 * (sa @ sb.transpose(1, 2))
        return d2.clamp(min=0.0)
    d2 = torch.baddbmm(sq_b.expand(-1, a.shape[0], -1), sa, sb.transpose(1, 2), alpha=-2.0)
    return d2.add_((sa * sa).sum(-1)[..., None]).clamp_(min=0.0)


def warpable(lo: Tensor, hi: Tensor) -> Tensor:
    """Inputs whose domain is positive and spans a factor of ``WARP_SPAN`` or more."""
    return (lo > 0) & (hi >= WARP_SPAN * lo)


def scale_inputs(x: Tensor, lo: Tensor, hi: Tensor, log_in: Tensor) -> Tensor:
    """Inputs to [0, 1] by their domains: linearly, or logarithmically where ``log_in``."""
    lin = (x - lo) / (hi - lo).clamp(min=1e-12)
    if not log_in.any():
        return lin
    safe_lo = torch.where(log_in, lo, torch.ones_like(lo))
    safe_hi = torch.where(log_in, hi, torch.full_like(hi, math.e))
    ratio = torch.where(log_in, x, safe_lo).clamp(min=1e-300) / safe_lo
    return torch.where(log_in, torch.log(ratio) / torch.log(safe_hi / safe_lo), lin)


def fit_hyperparameters(u: Tensor, r: Tensor, kind: str, noise_floor: float = NOISE_FLOOR
                        ) -> tuple[Tensor, Tensor, Tensor]:
    """Fit one GP per output to standardised residuals ``r`` [N, O] at inputs ``u`` [N, I] in
    [0, 1] (exact marginal likelihood, BoTorch's lengthscale prior scaled with the dimension).

    Returns:
        ``(inv_lengthscale [O, I], outputscale [O], noise [O])``, float64.
    """
    import gpytorch
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from gpytorch.constraints import GreaterThan
    from gpytorch.priors import LogNormalPrior

    n_out, n_in = r.shape[1], u.shape[1]
    noise0 = max(1e-3, 2.0 * noise_floor)
    batch = torch.Size([n_out]) if n_out > 1 else torch.Size()
    ls_prior = LogNormalPrior(math.sqrt(2.0) + 0.5 * math.log(n_in), math.sqrt(3.0))
    base_cls = gpytorch.kernels.RBFKernel if kind == "rbf" else gpytorch.kernels.MaternKernel
    extra = {} if kind == "rbf" else {"nu": 2.5}
    base = base_cls(ard_num_dims=n_in, batch_shape=batch, lengthscale_prior=ls_prior,
                    lengthscale_constraint=GreaterThan(1e-3, initial_value=ls_prior.mode),
                    **extra)
    covar = gpytorch.kernels.ScaleKernel(base, batch_shape=batch)
    likelihood = gpytorch.likelihoods.GaussianLikelihood(
        batch_shape=batch, noise_constraint=GreaterThan(noise_floor, initial_value=noise0))
    model = SingleTaskGP(u, r, likelihood=likelihood, covar_module=covar, outcome_transform=None)
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(model.likelihood, model)
    best, best_state, clean = -math.inf, None, False
    # BoTorch's prior mode first; if L-BFGS stopped abnormally there, long lengthscales (for
    # nearly polynomial targets) and then a prior draw; the highest marginal likelihood is kept.
    for start in range(3):
        if best > -math.inf and clean:
            break
        with torch.no_grad(), torch.random.fork_rng():
            torch.manual_seed(start)
            if start == 1:
                base.lengthscale = torch.full_like(base.lengthscale, 2.0)
            elif start == 2:
                base.lengthscale = ls_prior.sample(base.lengthscale.shape).clamp(0.01, 100.0)
            covar.outputscale = torch.ones_like(covar.outputscale)
            likelihood.noise = torch.full_like(likelihood.noise, noise0)
        value, clean = _fit_once(mll, model, fit_gpytorch_mll, gpytorch)
        if value > best:
            best, best_state = value, {k: v.clone() for k, v in mll.state_dict().items()}
    if best_state is not None:
        mll.load_state_dict(best_state)
    ls = base.lengthscale.detach().reshape(n_out, n_in).double()
    scale = covar.outputscale.detach().reshape(n_out).double()
    noise = likelihood.noise.detach().reshape(n_out).double()
    return 1.0 / ls, scale, noise


def _fit_once(mll, model, fit, gpytorch) -> tuple[float, bool]:
    """One L-BFGS fit from the current hyperparameters: its marginal likelihood (-inf when the
    optimiser raised) and whether it stopped normally."""
    import warnings

    with gpytorch.settings.max_cholesky_size(100_000), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            fit(mll, max_attempts=1, warning_handler=lambda _w: True)
        except Exception:  # noqa: BLE001 - botorch raises several kinds; the start is scored
            return -math.inf, False
        model.train()
        with torch.no_grad():
            value = float(mll(model(*model.train_inputs), model.train_targets).sum())
    clean = not any("ABNORMAL" in str(x.message) or "FAILURE" in str(x.message) for x in w)
    return (value if math.isfinite(value) else -math.inf), clean


def solve_alpha(u: Tensor, r: Tensor, inv_ls: Tensor, scale: Tensor, noise: Tensor, kind: str
                ) -> Tensor:
    """``alpha[o] = (scale_o K_o + noise_o I)^-1 r[:, o]`` (Cholesky, float64, added jitter if
    needed); returns ``scale_o * alpha[o]`` as ``[O, N]``: the mean is ``K(x, X) @ alpha``."""
    K = scale[:, None, None] * covariance(scaled_sq_dist(u, u, inv_ls), kind)
    eye = torch.eye(u.shape[0], dtype=K.dtype)
    jitter = 0.0
    for _ in range(8):
        L, info = torch.linalg.cholesky_ex(K + (noise[:, None, None] + jitter) * eye)
        if not bool(info.any()):
            break
        jitter = 1e-10 if jitter == 0.0 else jitter * 10.0
    else:
        raise GPError("the GP's covariance matrix is not positive definite even with jitter "
                      "1e-3: the examples probably repeat inputs with different outputs")
    alpha = torch.cholesky_solve(r.T[..., None], L)[..., 0]
    return scale[:, None] * alpha


class GPSurrogate(nn.Module, SurrogateBase):
    """An exact-GP surrogate of a kernel, optionally on the residual of a network.

    ``surrogate(x)`` maps inputs ``[..., n_inputs]`` in the kernel's units to the posterior mean
    ``[..., n_outputs]``, differentiable in ``x``. Build one with :func:`fit_gp`.

    Arguments:
        kernel: the kernel it stands in for.
        mean: the mean network (a ``Surrogate``) or None for a constant mean.
        train_u: ``[N, I]`` training inputs scaled to [0, 1].
        alpha: ``[O, N]`` posterior-mean weights (real units).
        inv_ls: ``[O, I]`` inverse lengthscales (in [0, 1] input units).
        offset: ``[O]`` constant added to the mean.
        kind: the covariance, ``"matern52"`` or ``"rbf"``.
        init: how it was made (``"gp"``, ``"gp+compiled"``, ``"gp+random"``, ...).
        log: ``[O]`` bool, outputs modelled in log space (default: none).
        log_in: ``[I]`` bool, inputs scaled logarithmically (default: none).
    """

    def __init__(self, kernel: Kernel, mean: nn.Module | None, train_u: Tensor, alpha: Tensor,
                 inv_ls: Tensor, offset: Tensor, kind: str, init: str,
                 log: Tensor | None = None, log_in: Tensor | None = None) -> None:
        super().__init__()
        if kind not in COVARIANCES:
            raise GPError(f"covariance {kind!r}: use one of {COVARIANCES}")
        self.kernel, self.mean, self.covariance, self.init = kernel, mean, kind, init
        dom = torch.as_tensor(kernel.domains, dtype=torch.float64)
        self.register_buffer("lo", dom[:, 0].clone())
        self.register_buffer("hi", dom[:, 1].clone())
        self.register_buffer("train_u", train_u.double().clone())
        self.register_buffer("alpha", alpha.double().clone())
        self.register_buffer("inv_ls", inv_ls.double().clone())
        self.register_buffer("offset", offset.double().clone())
        log = torch.zeros(kernel.n_outputs, dtype=torch.bool) if log is None else log
        if log.any() and mean is not None:
            raise GPError("log-space outputs need a constant mean (mean=None)")
        self.register_buffer("log", log.bool().clone())
        log_in = torch.zeros(kernel.n_inputs, dtype=torch.bool) if log_in is None else log_in
        self.register_buffer("log_in", log_in.bool().clone())

    @property
    def n_train(self) -> int:
        """Examples the GP is conditioned on."""
        return int(self.train_u.shape[0])

    def __repr__(self) -> str:
        return (f"GPSurrogate({self.kernel.name}: {self.n_inputs} -> {self.n_outputs}, "
                f"{self.covariance} on {self.n_train} examples, init {self.init})")

    def scaled(self, x: Tensor) -> Tensor:
        """Inputs in real units -> [0, 1] by the domains (float64; log-scaled where warped)."""
        return scale_inputs(x.double(), self.lo, self.hi, self.log_in)

    def residual(self, u: Tensor) -> Tensor:
        """The GP part at scaled inputs ``u`` [M, I]: ``[M, O]``, in chunks of ``CHUNK`` rows
        (without autograd, in place: a third of the memory traffic)."""
        fast = not (torch.is_grad_enabled() and (u.requires_grad or self.alpha.requires_grad))
        step = max(256, FAST_BLOCK // (self.n_train * self.n_outputs)) if fast else CHUNK
        parts = []
        for start in range(0, u.shape[0], step):
            part = u[start:start + step]
            if fast:
                k = covariance_inplace(scaled_sq_dist(part, self.train_u, self.inv_ls),
                                       self.covariance)
                parts.append(torch.bmm(k, self.alpha[..., None])[..., 0].T)
            else:
                k = covariance(scaled_sq_dist(part, self.train_u, self.inv_ls), self.covariance)
                parts.append(torch.einsum("omn,on->mo", k, self.alpha))
        return torch.cat(parts) if parts else u.new_zeros(0, self.n_outputs)

    def forward(self, x: Tensor) -> Tensor:
        """Posterior mean in real units for inputs ``x`` [..., n_inputs] in real units."""
        shape = x.shape[:-1]
        flat = x.reshape(-1, self.n_inputs)
        y = self.residual(self.scaled(flat)) + self.offset
        if self.mean is not None:
            y = y + self.mean(flat).double()
        if self.log.any():
            y = torch.where(self.log, torch.exp(y.clamp(max=700.0)), y)
        out_dtype = x.dtype if x.is_floating_point() else torch.float64
        return y.to(out_dtype).reshape(*shape, self.n_outputs)

    @torch.no_grad()
    def predict(self, X: np.ndarray) -> np.ndarray:
        """NumPy in, NumPy out: ``(N, n_inputs)`` -> ``(N, n_outputs)`` float64."""
        x = torch.as_tensor(self._inputs(X, np.float64), device=self.lo.device)
        return self(x).double().cpu().numpy()

    def fit(self, data, *, n_samples: int = 256, seed: int | None = 0, **_ignored):
        """Condition on new examples (hyperparameters refitted), keeping the mean network.

        Arguments:
            data: a Kernel (``n_samples`` examples drawn through the Numba ground truth) or
                ``(X, Y)`` arrays in real units. MLP settings (epochs, lr, ...) are ignored.
        """
        from nsc_tune.surrogate.fit import draw

        X, Y = draw(data, n_samples, seed) if isinstance(data, Kernel) else data
        twin = fit_gp(self.kernel, X, Y, mean=self.mean, covariance=self.covariance,
                      init=self.init, log_outputs=bool(self.log.any()),
                      warp_inputs=bool(self.log_in.any()))
        for name in ("train_u", "alpha", "inv_ls", "offset", "log", "log_in"):
            setattr(self, name, getattr(twin, name))
        return twin

    @torch.no_grad()
    def sparse(self, m: int, seed: int = 0) -> GPSurrogate:
        """A copy whose GP part sums over at most ``m`` of the training inputs instead of all of
        them: ``m / n_train`` of the prediction cost.

        The points are chosen by pivoted Cholesky (each the one the others explain worst; it
        stops early once they explain the kernel matrix to 1e-12);
        their weights are fitted by least squares to this GP's posterior mean at the training
        inputs and at as many again uniform ones, so the copy approximates the exact mean (it
        keeps the hyperparameters, the mean network and the output transform).
        """
        if m < 1:
            raise GPError(f"sparse(m={m}): m must be at least 1")
        if m >= self.n_train:
            return self.copy()
        picked = pivoted_points(self.train_u, self.inv_ls, self.covariance, m)
        gen = torch.Generator().manual_seed(seed)
        extra = torch.rand(max(self.n_train, 2000), self.n_inputs, generator=gen,
                           dtype=torch.float64)
        points = torch.cat([self.train_u, extra.to(self.train_u.device)])
        target = self.residual(points).T[..., None]                          # [O, P, 1]
        z = self.train_u[picked]
        A = covariance(scaled_sq_dist(points, z, self.inv_ls), self.covariance)  # [O, P, m]
        alpha = torch.linalg.lstsq(A.cpu(), target.cpu(), rcond=1e-13,
                                   driver="gelsd").solution[..., 0].to(A.device)  # [O, m]
        return GPSurrogate(self.kernel, self.mean.copy() if self.mean is not None else None,
                           z, alpha, self.inv_ls, self.offset, self.covariance,
                           self.init, self.log, self.log_in)

    def copy(self) -> GPSurrogate:
        """An independent copy; the kernel is shared."""
        mean = self.mean.copy() if self.mean is not None else None
        return GPSurrogate(self.kernel, mean, self.train_u, self.alpha, self.inv_ls, self.offset,
                           self.covariance, self.init, self.log, self.log_in)


def fit_gp(kernel: Kernel, X: np.ndarray, Y: np.ndarray, *, mean: nn.Module | None = None,
           covariance: str = "matern52", init: str | None = None,
           noise_floor: float = NOISE_FLOOR, log_outputs: bool = False,
           warp_inputs: bool = False, hyper_subset: int | None = HYPER_SUBSET) -> GPSurrogate:
    """A GP surrogate conditioned on ``(X, Y)`` (real units), on the residual of ``mean``.

    Arguments:
        kernel: the kernel (domains scale the inputs).
        X, Y: ``(N, n_inputs)`` and ``(N, n_outputs)`` examples, N >= 2.
        mean: a network (e.g. a fine-tuned ``Surrogate``) whose residual the GP models; None
            for a constant mean (a plain GP).
        covariance: ``"matern52"`` or ``"rbf"`` (ARD).
        init: the name it carries (default ``"gp"`` or ``"gp+<mean's init>"``).
        noise_floor: smallest noise variance on standardised residuals.
        log_outputs: model every output that is positive on all examples in log space
            (constant mean only; other outputs as they are).
        warp_inputs: scale inputs with a positive domain spanning ``WARP_SPAN`` or more
            logarithmically.
        hyper_subset: fit hyperparameters on at most this many examples (None: all; the
            marginal likelihood costs O(N^3) per step). ``alpha`` always uses every example.
    """
    from nsc_tune.surrogate.checks import check_examples

    X, Y = check_examples(kernel, X, Y, min_examples=2)
    if covariance not in COVARIANCES:
        raise GPError(f"covariance {covariance!r}: use one of {COVARIANCES}")
    if not (isinstance(noise_floor, (int, float)) and 0 < noise_floor < 1):
        raise GPError(f"noise_floor={noise_floor!r}: pass a number in (0, 1) (a variance of "
                      "standardised outputs)")
    if log_outputs and mean is not None:
        raise GPError("log_outputs=True needs a constant mean (mean=None)")
    x = torch.as_tensor(X, dtype=torch.float64)
    y = torch.as_tensor(Y, dtype=torch.float64)
    log = (y > 0).all(0) if log_outputs else torch.zeros(y.shape[1], dtype=torch.bool)
    y = torch.where(log, torch.log(y.clamp(min=1e-300)), y)
    base = torch.zeros_like(y)
    if mean is not None:
        with torch.no_grad():
            base = mean(x.float()).double()
    resid = y - base
    loc = resid.mean(0)
    spread = resid.std(0)
    spread = torch.maximum(spread, 1e-12 * (resid.abs().max(0).values + 1.0))
    r = (resid - loc) / spread
    dom = torch.as_tensor(kernel.domains, dtype=torch.float64)
    log_in = warpable(dom[:, 0], dom[:, 1]) if warp_inputs else \
        torch.zeros(x.shape[1], dtype=torch.bool)
    u = scale_inputs(x, dom[:, 0], dom[:, 1], log_in)
    sub = torch.arange(len(u))
    if hyper_subset is not None and len(u) > hyper_subset:
        sub = torch.randperm(len(u), generator=torch.Generator().manual_seed(0))[:hyper_subset]
    inv_ls, scale, noise = fit_hyperparameters(u[sub], r[sub], covariance, noise_floor)
    alpha = solve_alpha(u, r, inv_ls, scale, noise, covariance) * spread[:, None]
    name = init or ("gp" if mean is None else f"gp+{getattr(mean, 'init', 'mean')}")
    return GPSurrogate(kernel, mean, u, alpha, inv_ls, loc, covariance, name, log, log_in)


def pivoted_points(u: Tensor, inv_ls: Tensor, kind: str, m: int) -> Tensor:
    """Indices of ``m`` rows of ``u`` chosen by pivoted Cholesky of the kernel matrix (summed
    over outputs): each next point is the one the chosen ones explain worst."""
    n = u.shape[0]
    m = min(m, n)
    rows = u.new_zeros(m, n)
    diag = torch.full((n,), float(inv_ls.shape[0]), dtype=u.dtype)
    picked: list[int] = []
    for j in range(m):
        p = int(torch.argmax(diag))
        if diag[p] <= 1e-12 * inv_ls.shape[0]:
            break
        picked.append(p)
        col = covariance(scaled_sq_dist(u, u[p:p + 1], inv_ls), kind)[..., 0].sum(0)
        col = (col - rows[:j].T @ rows[:j, p]) / diag[p].sqrt()
        rows[j] = col
        diag = (diag - col * col).clamp(min=0.0)
        diag[picked] = 0.0
    return torch.tensor(picked, dtype=torch.long)
