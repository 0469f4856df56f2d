"""Output-quality metrics of the AxBench benchmarks, on batches of kernel outputs.

Every metric takes ``y_true`` (the exact kernel) and ``y_pred`` (an approximation) of the same
shape: ``(n_samples,)`` or ``(n_samples, n_outputs)``. Lower is better for all of them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "capped_relative_error",
    "image_rmse",
    "jpeg_decode_blocks",
    "jpeg_image_rmse",
    "miss_rate",
]


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Both arrays as float64 of shape ``(n_samples, n_outputs)``.

    Arguments:
        y_true: exact outputs, ``(n,)`` or ``(n, m)``.
        y_pred: approximate outputs, same shape.

    Returns:
        The two arrays, 2-D.
    """
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {t.shape} and {p.shape}")
    if t.ndim == 1:
        t, p = t[:, None], p[:, None]
    elif t.ndim != 2:
        raise ValueError(f"expected arrays of shape (n,) or (n, m), got {t.shape}")
    if t.shape[0] == 0:
        raise ValueError("expected at least one sample, got none")
    return t, p


def capped_relative_error(y_true: ArrayLike, y_pred: ArrayLike, cap: float = 1.0) -> float:
    """Mean relative error, each sample's error capped (AxBench's blackscholes/fft/inversek2j).

    Per sample, the relative error ``|pred - true| / |true|`` is averaged over the outputs, then
    capped at ``cap``; the result is the mean over samples. Where ``true == 0`` the relative
    error is undefined: the absolute error ``|pred|`` is used there instead (so an exact zero
    scores 0 and any miss is still capped).

    Arguments:
        y_true: exact outputs, ``(n,)`` or ``(n, m)``.
        y_pred: approximate outputs, same shape.
        cap: upper bound of each sample's error.

    Returns:
        The mean capped relative error, in ``[0, cap]``.
    """
    t, p = _pair(y_true, y_pred)
    diff = np.abs(p - t)
    mag = np.abs(t)
    zero = mag == 0.0
    rel = np.where(zero, diff, diff / np.where(zero, 1.0, mag))
    per_sample = np.minimum(rel.mean(axis=1), cap)
    return float(per_sample.mean())


def miss_rate(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of samples classified differently (AxBench's jmeint).

    With several outputs the class is the argmax over the outputs (one-hot encodings); with a
    single output it is ``value > 0.5``.

    Arguments:
        y_true: exact outputs, ``(n,)`` or ``(n, m)``.
        y_pred: approximate outputs, same shape.

    Returns:
        The miss rate, in ``[0, 1]``.
    """
    t, p = _pair(y_true, y_pred)
    if t.shape[1] == 1:
        ct, cp = t[:, 0] > 0.5, p[:, 0] > 0.5
    else:
        ct, cp = t.argmax(axis=1), p.argmax(axis=1)
    return float(np.mean(ct != cp))


def image_rmse(y_true: ArrayLike, y_pred: ArrayLike, value_range: float) -> float:
    """Root-mean-square error over all values, divided by the value range (AxBench images).

    Arguments:
        y_true: exact outputs (pixels), ``(n,)`` or ``(n, m)``.
        y_pred: approximate outputs, same shape.
        value_range: span of the pixel values (e.g. 255 for 8-bit, 1 for normalised images).

    Returns:
        The normalised RMSE, in ``[0, 1]`` when both arrays lie within the range.
    """
    if not value_range > 0:
        raise ValueError(f"value_range must be positive, got {value_range}")
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((p - t) ** 2)) / value_range)


# Standard JPEG luminance quantisation table (ITU-T T.81 Annex K), row-major [v, u].
JPEG_QUANT = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.float64,
)


def _dct_matrix() -> NDArray[np.float64]:
    """The orthonormal 8-point DCT-II matrix ``D[u, x]``."""
    u = np.arange(8)[:, None]
    x = np.arange(8)[None, :]
    d = 0.5 * np.cos((2 * x + 1) * u * np.pi / 16)
    d[0, :] = np.sqrt(1.0 / 8.0)
    return d


def jpeg_decode_blocks(coefficients: ArrayLike) -> NDArray[np.float64]:
    """Decode quantised 8x8 JPEG blocks (the suite's jpeg outputs) back to pixels.

    Dequantises with the standard luminance table, applies the inverse orthonormal DCT, undoes
    the level shift and clips to ``[0, 255]``.

    Arguments:
        coefficients: ``(n, 64)`` quantised coefficients, row-major ``[8 * v + u]``.

    Returns:
        ``(n, 64)`` pixel values, row-major ``[8 * row + col]``.
    """
    c = np.asarray(coefficients, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] != 64:
        raise ValueError(f"expected JPEG blocks of shape (n, 64), got {c.shape}")
    d = _dct_matrix()
    f = c.reshape(-1, 8, 8) * JPEG_QUANT
    pixels = np.einsum("vy,nvu,ux->nyx", d, f, d) + 128.0
    return np.clip(pixels, 0.0, 255.0).reshape(-1, 64)


def jpeg_image_rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Image RMSE of decoded JPEG blocks, normalised by 255 (AxBench's jpeg).

    AxBench compares the decoded images, so both coefficient batches are decoded first.

    Arguments:
        y_true: exact quantised coefficients, ``(n, 64)``.
        y_pred: approximate coefficients, same shape.

    Returns:
        The normalised RMSE of the decoded pixels, in ``[0, 1]``.
    """
    t, p = _pair(y_true, y_pred)
    return image_rmse(jpeg_decode_blocks(t), jpeg_decode_blocks(p), value_range=255.0)
