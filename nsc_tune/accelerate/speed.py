"""The set-up speed check: exact wrapper vs the accelerated path, same inputs, this machine."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def best_time(fn: Callable[[], object], *, max_reps: int = 50, budget_s: float = 0.25) -> float:
    """Fastest of several runs of ``fn()`` in seconds: runs until ``budget_s`` is spent (at least
    once, at most ``max_reps`` times), so a slow exact function is timed once."""
    best, spent, reps = float("inf"), 0.0, 0
    while reps == 0 or (reps < max_reps and spent < budget_s):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best, spent, reps = min(best, dt), spent + dt, reps + 1
    return best


@dataclass(frozen=True)
class SpeedReport:
    """Seconds per call for one input and for ``batch`` inputs, exact and accelerated.

    Each side is modelled as ``t(n) = overhead + n * per_input`` through its two measurements
    (``t(batch)`` is always the measured batch time);
    a call of ``n`` inputs is faster through the surrogate when its line is lower at ``n``.
    The accelerated times include the gate, the exact runs of inputs it rejects and the
    expected cost of verification.
    """

    batch: int
    exact_one: float
    exact_batch: float
    surrogate_one: float
    surrogate_batch: float
    device: str

    @staticmethod
    def _line(one: float, many: float, n: int) -> tuple[float, float]:
        """``(overhead, per_input)`` through both measurements. A call of one input timed slower
        than the whole batch (a stall, a cold cache) is taken as the batch's time: the model then
        reproduces the batch exactly, and the ratio printed agrees with the per-input times."""
        one = min(one, many)
        per = (many - one) / max(n - 1, 1)
        return one - per, per

    def exact_time(self, n: int) -> float:
        """Modelled seconds of one exact call of ``n`` inputs."""
        a, b = self._line(self.exact_one, self.exact_batch, self.batch)
        return a + b * n

    def surrogate_time(self, n: int) -> float:
        """Modelled seconds of one accelerated call of ``n`` inputs."""
        a, b = self._line(self.surrogate_one, self.surrogate_batch, self.batch)
        return a + b * n

    def faster(self, n: int) -> bool:
        """Whether a call of ``n`` inputs is expected to be faster through the surrogate."""
        return self.surrogate_time(n) < self.exact_time(n)

    def speedup(self, n: int | None = None) -> float:
        """Exact time / accelerated time for a call of ``n`` inputs (default: the batch)."""
        n = self.batch if n is None else n
        return self.exact_time(n) / self.surrogate_time(n)

    @property
    def min_batch(self) -> int | None:
        """Fewest inputs per call for which the surrogate is faster; None if it never is."""
        if self.faster(1):
            return 1
        ea, eb = self._line(self.exact_one, self.exact_batch, self.batch)
        sa, sb = self._line(self.surrogate_one, self.surrogate_batch, self.batch)
        if sb >= eb:
            return None
        return max(int(np.floor((sa - ea) / (eb - sb))) + 1, 2)

    def __str__(self) -> str:
        per = 1e6 / self.batch
        return (f"{self.batch} inputs: exact {self.exact_batch * per:.3g} us/input, surrogate "
                f"({self.device}) {self.surrogate_batch * per:.3g} us/input "
                f"({self.speedup():.3g}x); one input: exact {self.exact_one * 1e6:.3g} us, "
                f"surrogate {self.surrogate_one * 1e6:.3g} us")


def measure(exact: Callable[[np.ndarray], object], accelerated: Callable[[np.ndarray], object],
            X: np.ndarray, verify_fraction: float, device: str) -> SpeedReport:
    """Time ``exact`` and ``accelerated`` (both batch -> outputs) on ``X[:1]`` and ``X``, side by
    side; the expected verification cost (``verify_fraction`` of exact) is added to the latter."""
    e1 = best_time(lambda: exact(X[:1]))
    eb = best_time(lambda: exact(X))
    s1 = best_time(lambda: accelerated(X[:1])) + verify_fraction * e1
    sb = best_time(lambda: accelerated(X)) + verify_fraction * eb
    return SpeedReport(X.shape[0], e1, eb, s1, sb, device)
