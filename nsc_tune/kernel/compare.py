"""Comparing two evaluations of a kernel: exact for integers, in ulps of the C type for floats."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Float outputs agree when within this many units in the last place of their C type.
DEFAULT_MAX_ULPS = 4


def ulp_distance(a: np.ndarray, b: np.ndarray, dtype: np.dtype | type) -> np.ndarray:
    """Units in the last place between ``a`` and ``b`` as values of ``dtype`` (float32/float64).

    Equal values (including two NaNs, or +0 and -0) are 0 apart; a NaN against a number is
    infinitely far.
    """
    dtype = np.dtype(dtype)
    bits = np.int32 if dtype == np.float32 else np.int64
    width = 32 if dtype == np.float32 else 64
    x = np.asarray(a, dtype=dtype).view(bits).astype(np.int64)
    y = np.asarray(b, dtype=dtype).view(bits).astype(np.int64)
    low = -(1 << (width - 1))
    ox = np.where(x < 0, low - x, x).astype(object if width == 64 else np.int64)
    oy = np.where(y < 0, low - y, y).astype(object if width == 64 else np.int64)
    dist = np.abs(ox - oy).astype(np.float64)
    na, nb = np.isnan(np.asarray(a, dtype=dtype)), np.isnan(np.asarray(b, dtype=dtype))
    dist[na & nb] = 0.0
    dist[na ^ nb] = np.inf
    return dist


@dataclass(frozen=True)
class Comparison:
    """Agreement of two output batches of one kernel."""

    exact_share: float  # share of output values that are bitwise equal
    max_ulps: float  # largest distance over float outputs (0 when there are none)
    integer_mismatches: int  # integer-typed output values that differ
    ok: bool


def compare_outputs(kernel, Y: np.ndarray, Y_ref: np.ndarray,
                    max_ulps: int = DEFAULT_MAX_ULPS) -> Comparison:
    """Compare two ``(N, n_outputs)`` batches of ``kernel``'s outputs."""
    Y, Y_ref = np.asarray(Y), np.asarray(Y_ref)
    if Y.shape != Y_ref.shape:
        raise ValueError(f"shapes differ: {Y.shape} vs {Y_ref.shape}")
    with np.errstate(invalid="ignore"):
        same = (Y == Y_ref) | (np.isnan(Y) & np.isnan(Y_ref))
    worst, int_bad, col = 0.0, 0, 0
    for arg in kernel.signature.outputs:
        cols = slice(col, col + arg.size)
        col += arg.size
        if arg.is_integer:
            int_bad += int((~same[:, cols]).sum())
        else:
            d = ulp_distance(Y[:, cols], Y_ref[:, cols], arg.c.dtype)
            worst = max(worst, float(d.max(initial=0.0)))
    share = float(same.mean()) if same.size else 1.0
    return Comparison(share, worst, int_bad, int_bad == 0 and worst <= max_ulps)


def agreement(kernel, n: int, seed: int | None = 0) -> dict:
    """Run ``kernel`` through Numba and gcc on ``n`` domain samples; compare and time both.

    Returns:
        A plain dict: kernel, signature, inputs, outputs, samples, exact_share, max_ulps,
        agree, numba_rows_per_s, gcc_rows_per_s (compilation is kept out of the timing).
    """
    import time

    X = kernel.sample(n, seed=seed)
    kernel(X[:2])  # compile (or load the on-disk cache) outside the timing
    t0 = time.perf_counter()
    Y = kernel(X)
    t_numba = time.perf_counter() - t0
    kernel.native(X[:2])
    t0 = time.perf_counter()
    Y_native = kernel.native(X)
    t_native = time.perf_counter() - t0
    report = compare_outputs(kernel, Y, Y_native)
    return {"kernel": kernel.name, "signature": str(kernel.signature),
            "inputs": kernel.n_inputs, "outputs": kernel.n_outputs, "samples": n,
            "exact_share": report.exact_share, "max_ulps": report.max_ulps, "agree": report.ok,
            "numba_rows_per_s": n / t_numba, "gcc_rows_per_s": n / t_native}
