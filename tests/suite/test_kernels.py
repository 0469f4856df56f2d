"""Each suite kernel against an independent numpy/scipy truth, on inputs drawn from its domains."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.fft
from scipy.stats import norm

from nsc_tune import suite
from nsc_tune.suite.metrics import JPEG_QUANT
from tests.kernel.ulp import flat_output_ctypes, mismatch_mask

N = 20_000

DOMAINS = {
    "blackscholes": [(5.0, 100.0), (5.0, 100.0), (0.0275, 0.1), (0.05, 0.65), (0.05, 1.0), (0, 1)],
    "fft": [(0.0, 1.0)],
    "inversek2j": [(-0.5, 0.7), (0.0, 0.7)],
    "jmeint": [(0.0, 1.0)] * 18,
    "jpeg": [(0.0, 255.0)] * 64,
    "kmeans": [(0.0, 1.0)] * 6,
    "sobel": [(0.0, 1.0)] * 9,
}


@functools.cache
def _kernel(name: str):
    return suite.load(name)


@functools.cache
def _run(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y): N domain samples and the kernel's (Numba) outputs."""
    k = _kernel(name)
    X = k.sample(N, seed=0)
    Y = k(X)
    assert X.shape == (N, k.n_inputs) and Y.shape == (N, k.n_outputs)
    assert np.all(np.isfinite(Y))
    return X, Y


def _f32(X: np.ndarray) -> np.ndarray:
    """The inputs as the float32 kernel sees them, back in float64."""
    return X.astype(np.float32).astype(np.float64)


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_shapes_and_domains(name: str) -> None:
    k = _kernel(name)
    entry = suite.info(name)
    assert (k.n_inputs, k.n_outputs) == (entry.n_inputs, entry.n_outputs)
    np.testing.assert_allclose(k.domains, np.array(DOMAINS[name], dtype=float))
    X, _ = _run(name)
    assert np.all(X >= k.domains[:, 0]) and np.all(X <= k.domains[:, 1])


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_numba_agrees_with_gcc(name: str) -> None:
    """100,000 domain samples: integer outputs equal, float outputs within 4 ulps of their type."""
    k = _kernel(name)
    X = k.sample(100_000, seed=7)
    Y, Yn = k(X), k.native(X)
    for col, ctype in enumerate(flat_output_ctypes(k.signature.outputs)):
        bad = mismatch_mask(Y[:, col], Yn[:, col], ctype, max_ulps=4)
        assert not bad.any(), f"{name} output {col}: {int(bad.sum())} mismatches"


def test_blackscholes_matches_exact_formula() -> None:
    X, Y = _run("blackscholes")
    s, k, r, v, t, otype = _f32(X).T
    assert set(np.unique(otype)) == {0.0, 1.0}
    d1 = (np.log(s / k) + (r + 0.5 * v**2) * t) / (v * np.sqrt(t))
    d2 = d1 - v * np.sqrt(t)
    pv_strike = k * np.exp(-r * t)
    call = s * norm.cdf(d1) - pv_strike * norm.cdf(d2)
    put = pv_strike * norm.cdf(-d2) - s * norm.cdf(-d1)
    exact = np.where(otype == 0, call, put)
    # The polynomial CNDF is within 7.5e-8 of the normal CDF and the kernel runs in float32,
    # whose rounding of two ~$100 terms that nearly cancel costs ~1e-5: allow a tenth of a cent.
    np.testing.assert_allclose(Y[:, 0], exact, rtol=0, atol=1e-3)
    # Relative error only means something for options worth a cent or more (on this box domain
    # about a quarter are deep out of the money, priced ~0, where 7.5e-8 CDF error dominates).
    worth = exact >= 0.01
    assert worth.mean() > 0.5
    np.testing.assert_allclose(Y[worth, 0], exact[worth], rtol=5e-3)
    assert suite.score("blackscholes", exact[worth], Y[worth, 0]) < 1e-4


def test_blackscholes_put_call_parity() -> None:
    k = _kernel("blackscholes")
    X, _ = _run("blackscholes")
    calls = X[:2000].copy()
    calls[:, 5] = 0
    puts = calls.copy()
    puts[:, 5] = 1
    s, strike, r, _, t, _ = _f32(calls).T
    np.testing.assert_allclose(
        k(calls)[:, 0] - k(puts)[:, 0], s - strike * np.exp(-r * t), rtol=0, atol=1e-3
    )


def test_fft_twiddle() -> None:
    X, Y = _run("fft")
    angle = -2 * np.pi * _f32(X)[:, 0]
    np.testing.assert_allclose(Y[:, 0], np.cos(angle), rtol=0, atol=2e-6)
    np.testing.assert_allclose(Y[:, 1], np.sin(angle), rtol=0, atol=2e-6)


def test_inversek2j_reaches_the_target() -> None:
    X, Y = _run("inversek2j")
    target = _f32(X)
    theta1, theta2 = Y.T
    assert np.all((theta2 >= 0) & (theta2 <= np.pi + 1e-6))
    # forward kinematics with l1 = l2 = 0.5
    x = 0.5 * np.cos(theta1) + 0.5 * np.cos(theta1 + theta2)
    y = 0.5 * np.sin(theta1) + 0.5 * np.sin(theta1 + theta2)
    np.testing.assert_allclose(np.stack([x, y], axis=1), target, rtol=0, atol=2e-5)
    # the elbow angle from the law of cosines
    r2 = np.sum(target**2, axis=1)
    np.testing.assert_allclose(np.cos(theta2), (r2 - 0.5) / 0.5, rtol=0, atol=1e-5)


def test_inversek2j_unreachable_targets_are_finite() -> None:
    k = _kernel("inversek2j")
    far = np.array([[2.0, 0.0], [0.0, 1.5], [-3.0, -3.0], [1.0, 1e-7], [0.0, 0.0]])
    Y = k(far)
    assert np.all(np.isfinite(Y))
    # a target out of reach gives the stretched arm pointing at it
    np.testing.assert_allclose(Y[0], [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(Y[1], [np.pi / 2, 0.0], atol=1e-6)


def _segments_hit_triangles(p: np.ndarray, q: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """Does segment p->q cross triangle tri? (n, 3), (n, 3), (n, 3, 3) -> (n,) bool.

    Moller-Trumbore ray/triangle test restricted to the segment, in float64.
    """
    d = q - p
    e1 = tri[:, 1] - tri[:, 0]
    e2 = tri[:, 2] - tri[:, 0]
    h = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, h)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = p - tri[:, 0]
    u = inv * np.einsum("ij,ij->i", s, h)
    qv = np.cross(s, e1)
    v = inv * np.einsum("ij,ij->i", d, qv)
    t = inv * np.einsum("ij,ij->i", e2, qv)
    return ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t >= 0) & (t <= 1)


def _triangles_intersect(t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """Independent test for non-coplanar triangles: they meet exactly when an edge of one
    crosses the other (the ends of their common segment lie on edges). (n, 9) x2 -> (n,)."""
    a = t1.reshape(-1, 3, 3)
    b = t2.reshape(-1, 3, 3)
    hit = np.zeros(len(a), dtype=bool)
    for i, j in ((0, 1), (1, 2), (2, 0)):
        hit |= _segments_hit_triangles(a[:, i], a[:, j], b)
        hit |= _segments_hit_triangles(b[:, i], b[:, j], a)
    return hit


def test_jmeint_agrees_with_edge_crossing_test() -> None:
    X, Y = _run("jmeint")
    assert np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=1) == 1)
    X = _f32(X)
    expected = _triangles_intersect(X[:, :9], X[:, 9:])
    got = Y[:, 0] == 1
    assert 0.05 < expected.mean() < 0.95  # both classes well represented
    # float32 kernel vs float64 check: only grazing contacts may disagree
    assert np.mean(got == expected) >= 0.999


def test_jmeint_separated_triangles_do_not_intersect() -> None:
    k = _kernel("jmeint")
    rng = np.random.default_rng(1)
    for axis in range(3):
        t1 = rng.uniform(0, 1, size=(2000, 3, 3))
        t2 = rng.uniform(0, 1, size=(2000, 3, 3))
        t1[:, :, axis] *= 0.45
        t2[:, :, axis] = 0.55 + 0.45 * t2[:, :, axis]
        Y = k(np.concatenate([t1.reshape(-1, 9), t2.reshape(-1, 9)], axis=1))
        assert np.all(Y[:, 0] == 0) and np.all(Y[:, 1] == 1)


def test_jmeint_triangles_through_a_common_point_intersect() -> None:
    k = _kernel("jmeint")
    rng = np.random.default_rng(2)
    n = 2000
    centre = rng.uniform(0.3, 0.7, size=(n, 1, 3))

    def around_centre() -> np.ndarray:
        # a triangle with `centre` strictly inside: vertices V - (w . V) + centre, w > 0
        v = rng.uniform(-1, 1, size=(n, 3, 3))
        w = rng.uniform(0.2, 1.0, size=(n, 3, 1))
        w /= w.sum(axis=1, keepdims=True)
        return (centre + 0.15 * (v - np.sum(w * v, axis=1, keepdims=True))).reshape(n, 9)

    Y = k(np.concatenate([around_centre(), around_centre()], axis=1))
    assert np.all(Y[:, 0] == 1) and np.all(Y[:, 1] == 0)


def test_jmeint_coplanar_triangles() -> None:
    k = _kernel("jmeint")
    flat = [0.1, 0.1, 0.5, 0.9, 0.1, 0.5, 0.1, 0.9, 0.5]
    overlapping = [0.3, 0.3, 0.5, 0.95, 0.3, 0.5, 0.3, 0.95, 0.5]
    inside = [0.2, 0.2, 0.5, 0.4, 0.2, 0.5, 0.2, 0.4, 0.5]
    apart = [0.8, 0.8, 0.5, 0.95, 0.8, 0.5, 0.8, 0.95, 0.5]
    Y = k(np.array([flat + overlapping, flat + inside, inside + flat, flat + apart]))
    np.testing.assert_array_equal(Y[:, 0], [1, 1, 1, 0])


def test_jpeg_matches_scipy_dct_and_quantisation() -> None:
    X, Y = _run("jpeg")
    blocks = _f32(X).reshape(-1, 8, 8) - 128.0
    coeffs = scipy.fft.dctn(blocks, type=2, norm="ortho", axes=(1, 2))
    expected = np.round(coeffs / JPEG_QUANT).reshape(-1, 64)
    # quotients within float32 rounding of .5 may round either way (and numpy rounds half to
    # even, the kernel half away from zero)
    assert np.all(np.abs(Y - expected) <= 1)
    assert np.mean(Y == expected) >= 0.99


def test_jpeg_flat_block() -> None:
    k = _kernel("jpeg")
    Y = k(np.full((1, 64), 200.0))
    expected = np.zeros(64)
    expected[0] = 36.0  # 8 * (200 - 128) / 16
    np.testing.assert_array_equal(Y[0], expected)


def test_kmeans_matches_norm() -> None:
    X, Y = _run("kmeans")
    X = _f32(X)
    expected = np.linalg.norm(X[:, :3] - X[:, 3:], axis=1)
    np.testing.assert_allclose(Y[:, 0], expected, rtol=1e-6, atol=1e-6)


def test_sobel_matches_convolution() -> None:
    X, Y = _run("sobel")
    w = _f32(X).reshape(-1, 3, 3)
    kx = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    gx = np.einsum("nij,ij->n", w, kx)
    gy = np.einsum("nij,ij->n", w, kx.T)
    mag = np.hypot(gx, gy)
    limit = 256 / np.sqrt(2 * 256**2)
    expected = np.where(mag >= limit, suite.SOBEL_SATURATED, mag)
    far = np.abs(mag - limit) > 1e-5  # float32 may fall either side of the saturation limit
    np.testing.assert_allclose(Y[far, 0], expected[far], rtol=1e-5, atol=1e-6)
    assert np.all(Y < limit + 1e-6)


def test_sobel_flat_window_is_zero() -> None:
    k = _kernel("sobel")
    np.testing.assert_array_equal(k(np.full((2, 9), 0.3))[:, 0], [0.0, 0.0])
