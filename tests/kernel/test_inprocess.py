"""The in-process shared-library path computes what the isolated gcc driver computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nsc_tune import Kernel, suite
from nsc_tune.kernel.inprocess import SharedKernel

PROJECTILE = Path(__file__).resolve().parents[2] / "examples" / "kernels" / "projectile.c"


@pytest.mark.parametrize("name", ["sobel", "inversek2j", "jpeg", "projectile"])
def test_batch_and_row_calls_equal_the_native_driver(name: str) -> None:
    k = Kernel.from_file(PROJECTILE) if name == "projectile" else suite.load(name)
    X = k.sample(64 if name == "projectile" else 500, seed=4)
    lib = SharedKernel(k.source, k.function, k.signature)
    want = k.native(X)
    np.testing.assert_array_equal(lib.batch(X), want)
    np.testing.assert_array_equal(np.stack([lib.row(x) for x in X[:20]]), want[:20])


def test_projectile_without_drag_or_wind_follows_the_closed_form() -> None:
    """Drag-free flight: range v0^2 sin(2a)/g, apex (v0 sin a)^2 / 2g (to the Euler step)."""
    src = PROJECTILE.read_text().replace("domain(drag, 0.001, 0.02)", "domain(drag, 0, 0.02)")
    k = Kernel.from_source(src, "projectile")
    v0, a, g = 30.0, 0.7, 9.81
    rng, apex, flight = k([[v0, a, 0.0, 0.0]])[0]
    assert rng == pytest.approx(v0 ** 2 * np.sin(2 * a) / g, rel=2e-3)
    assert apex == pytest.approx((v0 * np.sin(a)) ** 2 / (2 * g), rel=2e-3)
    assert flight == pytest.approx(2 * v0 * np.sin(a) / g, rel=2e-3)
