"""Surrogate files: one safetensors file rebuilds the surrogate and its kernel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import save_file

from nsc_tune import Kernel, Surrogate, compile, suite
from nsc_tune.compiler.compiler import DEFAULT_WEIGHTS
from nsc_tune.surrogate.io import SurrogateFileError

POLAR = """
#include <math.h>
void polar(double x, double y, double *r, double *phi) {
    *r = sqrt(x * x + y * y);
    *phi = atan2(y, x);
}
"""

SCALE = """
void scale(const float *v, float k, float *out) {
    for (int i = 0; i < 3; i++) out[i] = k * v[i];
}
"""


def test_fitted_surrogate_round_trips_with_caller_domains(tmp_path: Path) -> None:
    # Domains given by the caller (no pragma in the source) must travel in the file.
    k = Kernel.from_source(POLAR, domains={"x": (0.5, 2.0), "y": (-1.0, 3.0)})
    s = Surrogate.random(k, width=16, seed=3)
    s.fit(k, n_samples=64, epochs=3, progress=False)
    path = s.save(tmp_path / "polar.safetensors")
    t = Surrogate.load(path)
    X = k.sample(50, seed=1)
    assert np.array_equal(s.predict(X), t.predict(X))
    assert t.kernel.source == POLAR and t.kernel.function == "polar"
    assert np.array_equal(t.kernel.domains, k.domains)
    assert (t.init, t.width, t.depth) == ("random", 16, s.depth)
    assert t.output_stats_from_data
    assert np.array_equal(t.kernel(X), k(X))


def test_pointer_shapes_travel_in_the_file(tmp_path: Path) -> None:
    k = Kernel.from_source(SCALE, shapes={"v": 3, "out": 3}, domains={"v": (0, 1), "k": (1, 2)})
    path = compile(k).save(tmp_path / "scale.safetensors")
    t = Surrogate.load(path)
    assert str(t.kernel.signature) == str(k.signature)
    assert t.init == "compiled"


def test_suite_kernel_keeps_its_name(tmp_path: Path) -> None:
    s = compile(suite.load("sobel"))
    t = Surrogate.load(s.save(tmp_path / "sub" / "sobel.safetensors"))
    assert t.kernel.name == "sobel"
    X = t.kernel.sample(20, seed=0)
    assert np.array_equal(s.predict(X), t.predict(X))


def test_missing_and_foreign_files_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(SurrogateFileError, match="no surrogate file"):
        Surrogate.load(tmp_path / "none.safetensors")
    with pytest.raises(SurrogateFileError, match="not a surrogate file"):
        Surrogate.load(DEFAULT_WEIGHTS)  # CompNet's weights: safetensors, another format
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not safetensors at all")
    with pytest.raises(SurrogateFileError, match="not a readable"):
        Surrogate.load(junk)
    empty = tmp_path / "empty.safetensors"
    save_file({}, str(empty))
    with pytest.raises(SurrogateFileError, match="not a surrogate file"):
        Surrogate.load(empty)
