"""The benchmark suite: the seven AxBench / Parrot kernels as C, with domains and quality metrics.

Usage::

    from nsc_tune import suite
    suite.names()             # ['blackscholes', 'fft', 'inversek2j', 'jmeint', 'jpeg', ...]
    k = suite.load("sobel")   # a nsc_tune.kernel.Kernel
    X = k.sample(1000, seed=0)
    suite.score("sobel", k(X), y_approx)   # AxBench quality metric, lower is better

These kernels (and anything near them) must never enter the pretraining corpus.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from nsc_tune.errors import NscTuneError
from nsc_tune.suite import metrics

if TYPE_CHECKING:
    from nsc_tune.kernel import Kernel

__all__ = [
    "SuiteKernel",
    "UnknownKernelError",
    "info",
    "load",
    "metrics",
    "names",
    "score",
    "source",
]

_KERNEL_DIR = Path(__file__).resolve().parent / "kernels"

# AxBench's sobel replaces magnitudes >= 1/sqrt(2) by 255 / sqrt(256^2 + 256^2), the value its image
# writer (scale sqrt(2) * 256) maps to pixel 255; so image RMSE in sobel units is normalised by it.
SOBEL_SATURATED = 255.0 / np.sqrt(2.0 * 256.0**2)


class UnknownKernelError(NscTuneError, KeyError):
    """Raised for a name that is not a suite kernel; the message lists the valid names."""

    def __str__(self) -> str:
        # KeyError would quote the message; show it as written.
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class SuiteKernel:
    """One benchmark kernel of the suite.

    Attributes:
        name: kernel name, also the C function name and the file stem.
        function: name of the C function to compile.
        path: the C source file.
        description: one line on what it computes.
        parrot_topology: layer sizes of the Parrot MLP (inputs, hidden..., outputs).
        metric: name of the AxBench quality metric.
        metric_fn: ``metric_fn(y_true, y_pred) -> float``, lower is better.
    """

    name: str
    function: str
    path: Path
    description: str
    parrot_topology: tuple[int, ...]
    metric: str
    metric_fn: Callable[[ArrayLike, ArrayLike], float]

    @property
    def n_inputs(self) -> int:
        """Number of flattened inputs (first Parrot layer)."""
        return self.parrot_topology[0]

    @property
    def n_outputs(self) -> int:
        """Number of flattened outputs (last Parrot layer)."""
        return self.parrot_topology[-1]


def _entry(
    name: str,
    description: str,
    topology: tuple[int, ...],
    metric: str,
    metric_fn: Callable[[ArrayLike, ArrayLike], float],
) -> SuiteKernel:
    return SuiteKernel(
        name=name,
        function=name,
        path=_KERNEL_DIR / f"{name}.c",
        description=description,
        parrot_topology=topology,
        metric=metric,
        metric_fn=metric_fn,
    )


_CRE = "capped_relative_error"
_RMSE = "image_rmse"

_REGISTRY: dict[str, SuiteKernel] = {
    k.name: k
    for k in (
        _entry(
            "blackscholes",
            "European option price, Black-Scholes with a polynomial normal CDF",
            (6, 8, 8, 1),
            _CRE,
            metrics.capped_relative_error,
        ),
        _entry(
            "fft",
            "FFT twiddle factor: cos and sin of -2 pi x",
            (1, 4, 4, 2),
            _CRE,
            metrics.capped_relative_error,
        ),
        _entry(
            "inversek2j",
            "inverse kinematics of a 2-joint arm (l1 = l2 = 0.5): target -> joint angles",
            (2, 8, 2),
            _CRE,
            metrics.capped_relative_error,
        ),
        _entry(
            "jmeint",
            "triangle-triangle intersection test, one-hot (intersect, disjoint)",
            (18, 32, 8, 2),
            "miss_rate",
            metrics.miss_rate,
        ),
        _entry(
            "jpeg",
            "8x8 block: level shift, 2-D DCT-II, luminance quantisation",
            (64, 16, 64),
            _RMSE,
            metrics.jpeg_image_rmse,
        ),
        _entry(
            "kmeans",
            "euclidean distance between an RGB pixel and a centroid in [0, 1]^3",
            (6, 8, 4, 1),
            _RMSE,
            functools.partial(metrics.image_rmse, value_range=float(np.sqrt(3.0))),
        ),
        _entry(
            "sobel",
            "3x3 Sobel gradient magnitude, saturated as in AxBench",
            (9, 8, 1),
            _RMSE,
            functools.partial(metrics.image_rmse, value_range=float(SOBEL_SATURATED)),
        ),
    )
}


def names() -> list[str]:
    """Names of the suite kernels, sorted.

    Returns:
        The kernel names.
    """
    return sorted(_REGISTRY)


def info(name: str) -> SuiteKernel:
    """Description of one suite kernel.

    Arguments:
        name: a name from :func:`names`.

    Returns:
        Its :class:`SuiteKernel`.
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownKernelError(
            f"unknown suite kernel {name!r}; valid names: {', '.join(names())}"
        ) from None


def source(name: str) -> str:
    """C source of one suite kernel.

    Arguments:
        name: a name from :func:`names`.

    Returns:
        The text of its ``.c`` file.
    """
    return info(name).path.read_text(encoding="utf-8")


def load(name: str, **kwargs: Any) -> Kernel:
    """Compile one suite kernel.

    Arguments:
        name: a name from :func:`names`.
        **kwargs: passed on to ``Kernel.from_file``.

    Returns:
        The :class:`nsc_tune.kernel.Kernel`.
    """
    entry = info(name)
    from nsc_tune.kernel import Kernel

    return Kernel.from_file(entry.path, function=entry.function, **kwargs)


def score(name: str, y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Quality of approximate outputs with the kernel's AxBench metric (lower is better).

    Arguments:
        name: a name from :func:`names`.
        y_true: exact outputs, ``(n, n_outputs)`` (or ``(n,)`` for one output).
        y_pred: approximate outputs, same shape.

    Returns:
        The metric value.
    """
    return info(name).metric_fn(y_true, y_pred)
