"""The AxBench quality metrics on small hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nsc_tune.suite import metrics


def test_capped_relative_error_hand_computed() -> None:
    y_true = np.array([[2.0, 4.0], [1.0, 1.0], [10.0, -5.0]])
    y_pred = np.array([[3.0, 4.0], [4.0, 1.0], [10.0, -4.0]])
    # per sample: mean(0.5, 0) = 0.25; mean(3, 0) = 1.5 -> capped 1; mean(0, 0.2) = 0.1
    expected = (0.25 + 1.0 + 0.1) / 3
    assert metrics.capped_relative_error(y_true, y_pred) == pytest.approx(expected)


def test_capped_relative_error_cap_and_1d() -> None:
    y_true = np.array([1.0, 2.0])
    y_pred = np.array([4.0, 3.0])  # relative errors 3 and 0.5
    assert metrics.capped_relative_error(y_true, y_pred) == pytest.approx((1.0 + 0.5) / 2)
    assert metrics.capped_relative_error(y_true, y_pred, cap=10.0) == pytest.approx(1.75)


def test_capped_relative_error_zero_truth_uses_absolute_error() -> None:
    y_true = np.array([0.0, 0.0, 0.0])
    y_pred = np.array([0.0, 0.25, -3.0])  # absolute errors 0, 0.25, 3 -> capped 1
    assert metrics.capped_relative_error(y_true, y_pred) == pytest.approx((0.0 + 0.25 + 1.0) / 3)


def test_capped_relative_error_exact_is_zero() -> None:
    y = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert metrics.capped_relative_error(y, y.copy()) == 0.0


def test_miss_rate_one_hot() -> None:
    y_true = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    y_pred = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.1], [0.45, 0.55]])
    # argmax: 0, 0 (miss), 0, 1
    assert metrics.miss_rate(y_true, y_pred) == pytest.approx(0.25)


def test_miss_rate_single_output_thresholds_at_half() -> None:
    y_true = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    y_pred = np.array([0.7, 0.2, 0.4, 0.51, 0.99])
    assert metrics.miss_rate(y_true, y_pred) == pytest.approx(2 / 5)


def test_image_rmse_hand_computed() -> None:
    y_true = np.array([[0.0, 0.0], [255.0, 255.0]])
    y_pred = np.array([[3.0, 0.0], [255.0, 251.0]])
    # squared errors 9, 0, 0, 16 -> mean 6.25 -> rmse 2.5
    assert metrics.image_rmse(y_true, y_pred, value_range=255.0) == pytest.approx(2.5 / 255.0)
    assert metrics.image_rmse(y_true / 255, y_pred / 255, value_range=1.0) == pytest.approx(
        2.5 / 255.0
    )


def test_image_rmse_rejects_bad_range() -> None:
    with pytest.raises(ValueError, match="value_range"):
        metrics.image_rmse([1.0], [1.0], value_range=0.0)


@pytest.mark.parametrize(
    "fn",
    [
        metrics.capped_relative_error,
        metrics.miss_rate,
        lambda t, p: metrics.image_rmse(t, p, value_range=1.0),
        metrics.jpeg_image_rmse,
    ],
)
def test_shape_mismatch_raises(fn) -> None:
    with pytest.raises(ValueError, match="same shape"):
        fn(np.zeros((4, 64)), np.zeros((4, 63)))


def test_empty_input_raises() -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        metrics.capped_relative_error(np.zeros((0, 2)), np.zeros((0, 2)))


def test_jpeg_decode_constant_block() -> None:
    # A flat block of value 200: DC = 8 * (200 - 128) = 576, quantised 576 / 16 = 36.
    coeffs = np.zeros((1, 64))
    coeffs[0, 0] = 36.0
    pixels = metrics.jpeg_decode_blocks(coeffs)
    np.testing.assert_allclose(pixels, np.full((1, 64), 200.0), atol=1e-9)


def test_jpeg_decode_single_ac_coefficient() -> None:
    # One horizontal AC coefficient: pixel(row, col) = 128 + q * Q[0,1] * 0.5 * 0.5 * sqrt(2)
    # * cos((2 col + 1) pi / 16), since c(0) = sqrt(1/8) and c(1) = 1/2.
    coeffs = np.zeros((1, 64))
    coeffs[0, 1] = 2.0
    pixels = metrics.jpeg_decode_blocks(coeffs).reshape(8, 8)
    col = np.arange(8)
    row_expected = 128 + 2.0 * 11 * math.sqrt(1 / 8) * 0.5 * np.cos((2 * col + 1) * np.pi / 16)
    np.testing.assert_allclose(pixels, np.tile(row_expected, (8, 1)), atol=1e-9)


def test_jpeg_image_rmse_zero_for_same_and_positive_otherwise() -> None:
    rng = np.random.default_rng(0)
    c = np.zeros((3, 64))
    c[:, 0] = rng.integers(-5, 6, size=3)
    c[:, 1:4] = rng.integers(-1, 2, size=(3, 3))  # small: no pixel clips at 0 or 255
    assert metrics.jpeg_image_rmse(c, c) == 0.0
    d = c.copy()
    d[:, 0] += 1.0  # DC off by one quantum: every pixel moves by 16 / 8 = 2
    assert metrics.jpeg_image_rmse(c, d) == pytest.approx(2.0 / 255.0)
