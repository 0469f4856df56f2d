"""Image results: apply_* with the exact kernels against references, and a tiny run()."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("skimage")

from nsc_tune import suite  # noqa: E402
from nsc_tune.evaluate import images  # noqa: E402
from nsc_tune.suite import SOBEL_SATURATED  # noqa: E402


@pytest.fixture(scope="module")
def kernels() -> dict:
    return {name: suite.load(name) for name in images.KERNELS}


def _sobel_reference(image: np.ndarray) -> np.ndarray:
    from scipy.ndimage import correlate

    kx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
    gx = correlate(image, kx, mode="nearest")
    gy = correlate(image, kx.T, mode="nearest")
    mag = np.sqrt(gx**2 + gy**2)
    return np.where(mag >= 1.0 / np.sqrt(2.0), SOBEL_SATURATED, mag)


def test_sobel_exact_matches_scipy(kernels: dict) -> None:
    yy, xx = np.mgrid[0:24, 0:20] / 24.0
    image = 0.5 + 0.1 * np.sin(3 * xx) * np.cos(2 * yy)  # gentle gradients
    image[8:14, 6:12] = 1.0  # a bright square with saturating edges
    image[0, 0] = 0.0  # a corner to exercise the edge padding
    got = images.apply_sobel(image, kernels["sobel"])
    ref = _sobel_reference(image)
    assert got.shape == image.shape
    np.testing.assert_allclose(got, ref, atol=1e-5)
    assert (got == np.float32(SOBEL_SATURATED)).any() and (got < 0.5).any()


def test_sobel_uses_predict_once_with_all_windows() -> None:
    calls = []

    def predict(x: np.ndarray) -> np.ndarray:
        calls.append(x.shape)
        return x[:, 4:5]  # the centre pixel

    image = np.random.default_rng(0).uniform(0, 0.5, (5, 7))
    np.testing.assert_array_equal(images.apply_sobel(image, predict), image)
    assert calls == [(35, 9)]


def test_jpeg_exact_reproduces_smooth_image(kernels: dict) -> None:
    yy, xx = np.mgrid[0:36, 0:44]  # not a multiple of 8: padding and cropping
    image = 128 + 60 * np.sin(xx / 9.0) * np.cos(yy / 11.0)
    got = images.apply_jpeg(image, kernels["jpeg"])
    assert got.shape == image.shape
    psnr = 10 * np.log10(255.0**2 / np.mean((got - image) ** 2))
    assert psnr > 35.0


def test_jpeg_zero_coefficients_decode_to_mid_grey() -> None:
    # all-zero coefficients are a flat block at the level shift, 128
    image = np.full((16, 16), 128.0)
    out = images.apply_jpeg(image, lambda x: np.zeros((x.shape[0], 64)))
    np.testing.assert_allclose(out, 128.0)


def test_kmeans_exact_at_most_k_colours(kernels: dict) -> None:
    rng = np.random.default_rng(1)
    image = rng.uniform(0, 1, (12, 10, 3))
    out = images.apply_kmeans(image, kernels["kmeans"], k_clusters=4, iterations=3, seed=0)
    assert out.shape == image.shape
    colours = np.unique(out.reshape(-1, 3), axis=0)
    assert 1 <= colours.shape[0] <= 4
    # every colour is a cluster mean, so it lies inside the pixels' bounding box
    assert colours.min() >= 0.0 and colours.max() <= 1.0


def test_kmeans_exact_matches_numpy_distance(kernels: dict) -> None:
    def numpy_distance(x: np.ndarray) -> np.ndarray:
        return np.linalg.norm(x[:, :3] - x[:, 3:], axis=1, keepdims=True)

    image = np.random.default_rng(2).uniform(0, 1, (9, 9, 3))
    a = images.apply_kmeans(image, kernels["kmeans"], k_clusters=3, iterations=4, seed=5)
    b = images.apply_kmeans(image, numpy_distance, k_clusters=3, iterations=4, seed=5)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_run_tiny_writes_pngs_and_summary(tmp_path) -> None:
    summary = images.run(tmp_path, n_samples=64, epochs=2, seed=0, size=16)
    written = json.loads((tmp_path / "summary.json").read_text())
    assert set(written["kernels"]) == set(images.KERNELS)
    for name in images.KERNELS:
        r = summary["kernels"][name]
        assert (tmp_path / f"{name}.png").stat().st_size > 0
        for key in ("ssim_compiled", "ssim_random", "ssim_zero_shot"):
            assert -1.0 <= r[key] <= 1.0
        assert r["ratio"] is None or np.isfinite(r["ratio"])
        assert written["kernels"][name]["ssim_compiled"] == pytest.approx(r["ssim_compiled"])
