"""Surrogate files: one safetensors file rebuilds the surrogate and its kernel, and a damaged,
edited or mismatched file is refused."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from nsc_tune import Kernel, Surrogate, compile, suite
from nsc_tune.compiler.compiler import DEFAULT_WEIGHTS
from nsc_tune.surrogate.io import (
    SurrogateFileError,
    SurrogateFileWarning,
    from_record,
    integrity,
    record,
)

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


# -- integrity: damaged, edited and mismatched files are refused ------------------------------

SQUARE = "double k(double x){return x*x;}"
SHIFT = "double k(double x){return x+1.0;}"  # another kernel of the same arity


def _square() -> Kernel:
    return Kernel.from_source(SQUARE, "k", domains={"x": (0, 1)})


def _saved(tmp_path: Path) -> Path:
    return Surrogate.random(_square(), width=8, seed=0).save(tmp_path / "k.safetensors")


def _read(path: Path) -> tuple[dict, dict]:
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    return meta, load_file(str(path))


def _rewrite(path: Path, tensors: dict, meta: dict, rehash: bool = False) -> Path:
    """Write ``tensors`` and ``meta`` to ``path``; with ``rehash`` the digests are made to match
    (as a buggy writer, not damage, would leave them)."""
    meta = dict(meta)
    if rehash:
        meta["sha256"] = integrity(tensors, meta)
    save_file(tensors, str(path), metadata=meta)
    return path


def test_a_flipped_data_bit_is_detected(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    blob = bytearray(path.read_bytes())
    data = 8 + int.from_bytes(blob[:8], "little")  # after the length and the JSON header
    blob[data + 4 * 10] ^= 0x01  # the lowest mantissa bit of a float32: still finite
    path.write_bytes(bytes(blob))
    with pytest.raises(SurrogateFileError, match=r"k\.safetensors: tensor.*do not match their "
                                                 r"stored SHA-256.*damaged or was edited"):
        Surrogate.load(path)


def test_a_nan_weight_is_refused_naming_the_tensor(tmp_path: Path) -> None:
    meta, tensors = _read(_saved(tmp_path))
    name = next(k for k, v in tensors.items() if v.is_floating_point() and v.numel() > 1)
    tensors[name].view(-1)[0] = float("nan")
    for rehash in (False, True):
        path = _rewrite(tmp_path / f"nan{rehash}.safetensors", tensors, meta, rehash)
        with pytest.raises(SurrogateFileError, match=rf"\['{name}'\] hold NaN or inf"):
            Surrogate.load(path)


def test_the_source_of_another_kernel_is_refused(tmp_path: Path) -> None:
    meta, tensors = _read(_saved(tmp_path))
    swapped = {**meta, "source": SHIFT}
    with pytest.raises(SurrogateFileError, match="metadata do not match their stored SHA-256"):
        Surrogate.load(_rewrite(tmp_path / "a.safetensors", tensors, swapped))
    with pytest.raises(SurrogateFileError, match="source does not match its stored SHA-256"):
        Surrogate.load(_rewrite(tmp_path / "b.safetensors", tensors, swapped, rehash=True))


def test_a_record_for_another_kernel_is_refused() -> None:
    tensors, meta = record(Surrogate.random(_square(), width=8, seed=0))
    other = Kernel.from_source(SHIFT, "k", domains={"x": (0, 1)})
    with pytest.raises(SurrogateFileError, match="fitted for another kernel source"):
        from_record(other, meta, tensors, "cache.safetensors")
    assert from_record(_square(), meta, tensors, "cache.safetensors").kernel.source == SQUARE


def test_truncated_files_are_typed_errors(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    blob = path.read_bytes()
    for n in (4, 20, len(blob) - 7):
        cut = tmp_path / f"cut{n}.safetensors"
        cut.write_bytes(blob[:n])
        with pytest.raises(SurrogateFileError, match="not a readable safetensors file"):
            Surrogate.load(cut)


def test_missing_and_malformed_metadata_name_the_key(tmp_path: Path) -> None:
    meta, tensors = _read(_saved(tmp_path))
    no_function = {k: v for k, v in meta.items() if k != "function"}
    with pytest.raises(SurrogateFileError, match="metadata key 'function' is missing"):
        Surrogate.load(_rewrite(tmp_path / "a.safetensors", tensors, no_function, rehash=True))
    bad_json = {**meta, "domains": "[[0, 1"}
    with pytest.raises(SurrogateFileError, match="metadata key 'domains' is not valid JSON"):
        Surrogate.load(_rewrite(tmp_path / "b.safetensors", tensors, bad_json, rehash=True))
    no_width = {k: v for k, v in meta.items() if k not in ("width", "sha256")}  # an old file
    with pytest.warns(SurrogateFileWarning), \
            pytest.raises(SurrogateFileError, match="metadata key 'width' is missing"):
        Surrogate.load(_rewrite(tmp_path / "c.safetensors", tensors, no_width))
    with pytest.raises(SurrogateFileError, match="'sha256' is not a valid digest"):
        Surrogate.load(_rewrite(tmp_path / "d.safetensors", tensors, {**meta, "sha256": "{"}))


def test_files_from_before_the_digests_load_with_a_warning(tmp_path: Path) -> None:
    s = Surrogate.random(_square(), width=8, seed=0)
    meta, tensors = _read(s.save(tmp_path / "k.safetensors"))
    old = {k: v for k, v in meta.items() if k not in ("sha256", "source_sha256")}
    path = _rewrite(tmp_path / "old.safetensors", tensors, old)
    with pytest.warns(SurrogateFileWarning, match="old.safetensors has no integrity digests"):
        t = Surrogate.load(path)
    X = t.kernel.sample(20, seed=0)
    assert np.array_equal(t.predict(X), s.predict(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Surrogate.load(t.save(tmp_path / "new.safetensors"))  # saved again: digests, no warning
