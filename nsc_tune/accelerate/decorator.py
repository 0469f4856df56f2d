"""``accelerate``: swap a fitted surrogate in for a Python-wrapped C kernel, behind a gate."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from nsc_tune.accelerate import cache as disk
from nsc_tune.accelerate.build import Built
from nsc_tune.accelerate.convention import BatchConvention, ScalarConvention
from nsc_tune.accelerate.errors import AccelerateError, warn
from nsc_tune.accelerate.gate import Gate
from nsc_tune.accelerate.settings import FitSettings
from nsc_tune.accelerate.speed import SpeedReport, measure
from nsc_tune.accelerate.stats import (
    DISABLED,
    OUT_OF_DOMAIN,
    PREDICTED_BAD,
    ROUTES,
    SPEED,
    SURROGATE,
    VERIFICATION,
    Stats,
)
from nsc_tune.accelerate.threads import torch_threads
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import Surrogate

MODES = ("auto", "always")
#: Rows per surrogate evaluation (bounds memory for large batches).
CHUNK = 65536


class Accelerated:
    """A wrapped exact function with a surrogate swapped in (made by :func:`accelerate`).

    Call it like the original (scalar or batch convention), or ``.batch(X)`` with an
    ``(N, n_inputs)`` array in either convention. The first call (or ``.setup()``) loads the fit
    from the disk cache or fits it, checks the wrapper against the C source and times both.

    Attributes:
        exact: the original function.
        kernel: the C kernel (``nsc_tune.Kernel``) built from ``source``.
        settings: the ``FitSettings``.
        stats: a ``Stats`` (routes, verification errors, set-up facts).
    """

    def __init__(self, fn: Callable, kernel: Kernel, settings: FitSettings, *, batch: bool,
                 mode: str, verify_fraction: float, device: str | None,
                 cache_dir: Path | None, timing_batch: int, max_tightenings: int,
                 min_accept_share: float, alarm: float, threads: int | None) -> None:
        if mode not in MODES:
            raise AccelerateError(f"accelerate: mode={mode!r} is not one of {MODES}")
        if not 0.0 <= verify_fraction <= 1.0:
            raise AccelerateError(f"accelerate: verify_fraction={verify_fraction} must lie in "
                                  f"[0, 1]")
        if timing_batch < 2:
            raise AccelerateError("accelerate: timing_batch must be at least 2")
        functools.update_wrapper(self, fn)
        self.exact = fn
        self.kernel = kernel
        self.settings = settings
        self.mode = mode
        self.verify_fraction = float(verify_fraction)
        self.convention = BatchConvention(kernel) if batch else ScalarConvention(kernel)
        self.stats = Stats()
        self._device = device
        self._cache_dir = cache_dir
        self._timing_batch = int(timing_batch)
        self._max_tightenings = int(max_tightenings)
        self._min_accept_share = float(min_accept_share)
        self._alarm = float(alarm)
        self._threads = threads
        self._rng = np.random.default_rng(settings.seed)
        self._built: Built | None = None
        self._window_n = 0
        self._window_bad: list[np.ndarray] = []
        dom = kernel.domains
        self._lo, self._hi, self._ints = dom[:, 0], dom[:, 1], kernel.integer_inputs

    # -- public -----------------------------------------------------------------------------
    @property
    def surrogate(self) -> Surrogate:
        """The fitted surrogate (sets up on first use)."""
        return self.setup()._built.surrogate

    @property
    def gate(self) -> Gate:
        """The quality gate (sets up on first use)."""
        return self.setup()._built.gate

    @property
    def speed(self) -> SpeedReport | None:
        """The set-up speed check (None when acceleration was disabled before timing)."""
        return self.setup().stats.speed

    @property
    def cache_path(self) -> Path | None:
        """The file this fit is loaded from / stored in (None with ``cache=False``)."""
        if self._cache_dir is None:
            return None
        return disk.path_for(self._cache_dir, self.kernel, self.settings)

    def setup(self) -> Accelerated:
        """Load or fit the surrogate and gate, check the wrapper, time both; once."""
        if self._built is None:
            try:
                self._setup()
            except BaseException:
                self._built = None  # a failed set-up (e.g. a wrong wrapper) is retried, not used
                raise
        return self

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise AccelerateError(f"accelerate: `{self.kernel.function}` takes positional "
                                  f"arguments only, got {sorted(kwargs)}")
        X, shape = self.convention.to_batch(args)
        self.setup()
        if not self.convention.batch and shape is None and not self._wanted(1):
            self.stats.record(np.array([self._refusal()]))
            return self.exact(*args)
        Y, _ = self._run(X)
        return self.convention.from_batch(Y, shape)

    def batch(self, X: np.ndarray | Sequence, *, with_route: bool = False):
        """Evaluate ``X`` [N, n_inputs] -> [N, n_outputs] through the gate.

        With ``with_route=True`` also return, per input, where its result came from: one of
        ``"surrogate"``, ``"out_of_domain"``, ``"predicted_bad"``, ``"verification"``,
        ``"speed"``, ``"disabled"``.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and X.shape[0] == self.kernel.n_inputs:
            X = X[None]
        if X.ndim != 2 or X.shape[1] != self.kernel.n_inputs:
            raise AccelerateError(f"accelerate: `{self.kernel.function}`.batch expects an (N, "
                                  f"{self.kernel.n_inputs}) array, got shape {X.shape}")
        Y, codes = self._run(X)
        return (Y, np.asarray(ROUTES)[codes]) if with_route else Y

    def __repr__(self) -> str:
        state = "not set up" if self._built is None else (
            "enabled" if self.stats.enabled else "disabled")
        return (f"Accelerated({self.kernel.function}: {self.kernel.n_inputs} -> "
                f"{self.kernel.n_outputs}, mode {self.mode}, {state})")

    # -- evaluation -------------------------------------------------------------------------
    def _wanted(self, n: int) -> bool:
        """Whether a call of ``n`` inputs should go through the surrogate at all."""
        if not self.stats.enabled:
            return False
        return self.mode == "always" or self.stats.speed.faster(n)

    def _refusal(self) -> int:
        return SPEED if self.stats.enabled else DISABLED

    def _in_domain(self, X: np.ndarray) -> np.ndarray:
        ok = np.isfinite(X).all(axis=1) & ((X >= self._lo) & (X <= self._hi)).all(axis=1)
        if self._ints.any():
            ok &= (X[:, self._ints] == np.round(X[:, self._ints])).all(axis=1)
        return ok

    @torch.inference_mode()
    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Surrogate outputs [N, n_out] and gate scores [N] for in-domain inputs."""
        built = self._built
        ys, scores = [], []
        threads = self._threads if built.surrogate.lo.device.type == "cpu" else None
        with torch_threads(threads):
            for start in range(0, X.shape[0], CHUNK):
                x = torch.as_tensor(X[start:start + CHUNK], dtype=torch.float32,
                                    device=built.surrogate.lo.device)
                ys.append(built.surrogate(x).double().cpu().numpy())
                scores.append(built.gate.predictor(x).double().cpu().numpy())
        return np.concatenate(ys), np.concatenate(scores)

    def _run(self, X: np.ndarray, *, record: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Route every row, evaluate, verify a sample; returns outputs and route codes."""
        self.setup()
        n = X.shape[0]
        codes = np.full(n, SURROGATE, dtype=np.intp)
        Y = np.empty((n, self.kernel.n_outputs))
        verified = np.empty(0, dtype=np.intp)
        if n and (not record or self._wanted(n)):
            inside = self._in_domain(X)
            codes[~inside] = OUT_OF_DOMAIN
            idx = np.flatnonzero(inside)
            if idx.size:
                Ys, scores = self._predict(X[idx])
                ok = (scores <= self._built.gate.threshold) & np.isfinite(Ys).all(axis=1)
                codes[idx[~ok]] = PREDICTED_BAD
                Y[idx[ok]] = Ys[ok]
                if record and self.verify_fraction > 0:
                    pick = ok & (self._rng.random(idx.size) < self.verify_fraction)
                    verified, v_pred, v_scores = idx[pick], Ys[pick], scores[pick]
                    codes[verified] = VERIFICATION
        elif n:
            codes[:] = self._refusal()
        rest = np.flatnonzero(codes != SURROGATE)
        if rest.size:
            Y[rest] = self.convention.exact(self.exact, X[rest])
        if record:
            self.stats.record(codes)
            if verified.size:
                self._verify(Y[verified], v_pred, v_scores)
        return Y, codes

    # -- verification -----------------------------------------------------------------------
    def _verify(self, exact: np.ndarray, predicted: np.ndarray, scores: np.ndarray) -> None:
        """Count verified errors; tighten the gate (or disable) when violations are too many
        for the target: a binomial test at level ``alarm`` since the last tightening."""
        from scipy.stats import binom  # lazy: scipy.stats takes half a second to import

        gate = self._built.gate
        bad = self.stats.record_verified(np.abs(predicted - exact), gate.tolerance)
        self._window_n += bad.shape[0]
        self._window_bad.append(scores[bad])
        v = sum(b.shape[0] for b in self._window_bad)
        alpha = 1.0 - self.settings.target
        if v == 0 or binom.sf(v - 1, self._window_n, alpha) >= self._alarm:
            return
        old = gate.threshold
        new = gate.tighten(np.concatenate(self._window_bad))
        self.stats.tightenings += 1
        self.stats.threshold = new
        seen = f"{v} of {self._window_n} verified inputs broke max_error (allowed {alpha:.2%})"
        self._window_n, self._window_bad = 0, []
        share = gate.accept_share
        if self.stats.tightenings > self._max_tightenings or share < self._min_accept_share:
            self._disable(f"{seen}; after {self.stats.tightenings} tightenings the gate would "
                          f"accept {share:.1%} of a uniform draw")
        else:
            warn(f"accelerate: `{self.kernel.function}`: {seen}; gate tightened, threshold "
                 f"{old:.3g} -> {new:.3g}, accepting {share:.1%} of a uniform draw")

    def _disable(self, reason: str) -> None:
        self.stats.enabled = False
        self.stats.disabled_reason = reason
        warn(f"accelerate: `{self.kernel.function}` runs exact from now on: {reason}")

    # -- set-up -----------------------------------------------------------------------------
    def _setup(self) -> None:
        t0 = time.perf_counter()
        built, status = disk.obtain(self.kernel, self.settings, self._cache_dir)
        device = torch.device(self._device or ("cuda" if torch.cuda.is_available() else "cpu"))
        built.surrogate.to(device)
        built.gate.predictor.to(device)
        self._built = built
        gate = built.gate
        self.stats.cache = status
        self.stats.threshold = gate.threshold
        self.stats.fit = {**built.info, "accept_share": gate.accept_share,
                          "calibration_violation_rate": gate.calibration_violation_rate}
        X = self.kernel.sample(self._timing_batch, seed=self.settings.seed + 3)
        self._check_agreement(X, self.convention.exact(self.exact, X))
        if gate.threshold == -math.inf:
            allowed = 1.0 - self.settings.target
            self._disable(f"the surrogate misses max_error on more than {allowed:.1%} of every "
                          f"region the gate can tell apart; raise max_error, n_samples or epochs")
        else:
            self.stats.speed = measure(lambda Z: self.convention.exact(self.exact, Z),
                                       lambda Z: self._run(Z, record=False), X,
                                       self.verify_fraction, str(device))
            self._judge_speed(self.stats.speed)
        self.stats.setup_seconds = time.perf_counter() - t0

    def _judge_speed(self, speed: SpeedReport) -> None:
        if self.mode != "auto":
            return
        if speed.min_batch is None:
            self._disable(f"the surrogate is slower than the exact function at every batch size "
                          f"({speed}); mode='always' forces it")
        elif speed.min_batch > 1:
            warn(f"accelerate: `{self.kernel.function}`: calls of fewer than {speed.min_batch} "
                 f"inputs run exact, the surrogate being slower there ({speed}); "
                 f"mode='always' forces it")

    def _check_agreement(self, X: np.ndarray, Y_exact: np.ndarray) -> None:
        """The wrapper must compute what the C source does (within a tenth of the bound)."""
        Y_src = self.kernel(X)
        same_nan = np.isnan(Y_src) & np.isnan(Y_exact)
        off = ~(np.abs(Y_src - Y_exact) <= 0.1 * self._built.gate.tolerance) & ~same_nan
        if off.any():
            i, j = np.argwhere(off)[0]
            at = ", ".join(f"{lab}={v:.6g}" for lab, v in
                           zip(self.kernel.signature.input_labels(), X[i], strict=True))
            raise AccelerateError(
                f"accelerate: the wrapped function `{getattr(self.exact, '__name__', '?')}` "
                f"disagrees with the C source of `{self.kernel.function}` at {at}: output "
                f"{self.kernel.signature.output_labels()[j]} is {Y_exact[i, j]:.6g}, the source "
                f"gives {Y_src[i, j]:.6g}; pass the source the wrapper calls and check the "
                f"argument order")


def _kernel_of(source: str | Path, function: str | None, **kwargs) -> Kernel:
    """The kernel of ``source``: a ``Path``, or a one-line string naming a file, is read (its
    ``#include "x.h"`` resolved beside it); any other string is the C text itself."""
    if isinstance(source, str) and "\n" not in source and "{" not in source:
        source = Path(source)
    if isinstance(source, Path):
        if not source.is_file():
            raise AccelerateError(f"accelerate: source={str(source)!r} is not a file; pass the "
                                  "path of the kernel's .c file or its C text")
        return Kernel.from_file(source, function, **kwargs)
    return Kernel.from_source(source, function, **kwargs)


def accelerate(fn: Callable | None = None, *, source: str | Path, max_error: float | Sequence,
               function: str | None = None,
               domains: Mapping[str, object] | Sequence | None = None,
               batch: bool = False, mode: str = "auto", verify_fraction: float = 0.01,
               error_scale: str = "absolute", target: float = 0.99, n_samples: int = 4096,
               epochs: int = 1000, init: str = "auto", seed: int = 0, cache: bool = True,
               cache_dir: str | Path | None = None, device: str | None = None,
               timing_batch: int = 256, max_tightenings: int = 3,
               min_accept_share: float = 0.05, alarm: float = 1e-3, threads: int | None = 1,
               shapes=None,
               **fit_options):
    """Decorate a Python wrapper of a C kernel so that calls run through a fitted surrogate
    wherever a quality gate trusts it, and through the wrapper elsewhere.

    Arguments:
        fn: the wrapper (ctypes, cffi, ...); omit to use ``@accelerate(...)`` as a decorator.
        source: the C source the wrapper calls: its text, or the path of its ``.c`` file (a
            ``Path`` or a one-line string).
        max_error: the bound per output: an accelerated output honours it when
            ``|surrogate - exact| <= max_error`` in the output's units (``error_scale=
            "absolute"``), or ``<= max_error * range`` of that output over its domains
            (``"range"``). One number or one per output.
        function, domains, shapes: as for ``Kernel.from_source``.
        batch: False: ``fn(x0, x1, ...)`` takes one scalar per input; True: ``fn(X)`` takes an
            ``(N, n_inputs)`` array and returns ``(N, n_outputs)``.
        mode: "auto" uses the surrogate only for calls it makes faster (timed at set-up);
            "always" uses it whatever the timing says.
        verify_fraction: share of accelerated inputs also run exactly (their exact value is
            returned and the error recorded).
        target: share of accelerated inputs that must honour the bound (gate calibration).
        n_samples, epochs, init, seed: fitting (see ``FitSettings``; ``fit_options`` passes
            ``confidence``, ``patience``, ``width``, ``gate_width``, ``gate_epochs``, ``quantile``).
        cache, cache_dir: store fits on disk (default ``$NSC_TUNE_CACHE/accelerate``).
        device: torch device for the surrogate (default: CUDA when present, else CPU).
        threads: torch CPU threads while evaluating the surrogate (None: torch's setting);
            fitting always uses one.
        timing_batch: inputs per timed batch in the set-up speed check.
        max_tightenings, min_accept_share, alarm: verification's response: after a binomial
            test at level ``alarm`` finds too many violations, the gate tightens; past
            ``max_tightenings`` or below ``min_accept_share`` accepted, acceleration stops.

    Returns:
        An ``Accelerated`` (or a decorator making one).
    """
    try:
        settings = FitSettings(max_error=max_error, error_scale=error_scale, target=target,
                               n_samples=n_samples, epochs=epochs, init=init, seed=seed,
                               **fit_options)
    except TypeError as exc:
        raise AccelerateError(f"accelerate: {exc}; see FitSettings for the fitting "
                              f"options") from None
    kernel = _kernel_of(source, function, domains=domains, shapes=shapes)
    directory = None if not cache else Path(cache_dir) if cache_dir else disk.default_dir()

    def wrap(f: Callable) -> Accelerated:
        return Accelerated(f, kernel, settings, batch=batch, mode=mode,
                           verify_fraction=verify_fraction, device=device, cache_dir=directory,
                           timing_batch=timing_batch, max_tightenings=max_tightenings,
                           min_accept_share=min_accept_share, alarm=alarm, threads=threads)

    return wrap if fn is None else wrap(fn)
