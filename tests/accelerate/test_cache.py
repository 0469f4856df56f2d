"""The disk cache: a second decorator loads the fit (no fitting), predicts identically, and a
change of settings or an unreadable, damaged or inconsistent file fits afresh."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from nsc_tune import Kernel, accelerate
from nsc_tune.accelerate import AccelerationWarning
from nsc_tune.surrogate.io import integrity
from tests.accelerate.conftest import C_SOURCE, FAST, UNIT, truth


def _decorate(lib, **kw):
    @accelerate(source=C_SOURCE, function="step", domains=UNIT, mode="always", **FAST, **kw)
    def step(x, y):
        return lib.step(x, y)

    return step


def test_default_location_follows_nsc_tune_cache(lib, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NSC_TUNE_CACHE", str(tmp_path))
    acc = _decorate(lib, max_error=0.08)
    assert acc.cache_path.parent == tmp_path / "accelerate"
    assert acc.cache_path.name.startswith("step-") and acc.cache_path.suffix == ".safetensors"
    assert _decorate(lib, max_error=0.08, cache=False).cache_path is None


def test_second_instance_loads_from_disk(lib, tmp_path) -> None:
    first = _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup()
    files = list(tmp_path.glob("step-*.safetensors"))
    assert first.stats.cache == "miss" and files == [first.cache_path]

    second = _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup()
    assert second.stats.cache == "hit"
    assert second.stats.fit == first.stats.fit  # the stored facts, not a new fit
    assert second.surrogate.init == "random"
    X = second.kernel.sample(3000, seed=11)
    assert np.array_equal(second.surrogate.predict(X), first.surrogate.predict(X))
    assert second.gate.threshold == first.gate.threshold
    assert np.array_equal(second.gate.tolerance, first.gate.tolerance)
    Y1, r1 = first.batch(X, with_route=True)
    Y2, r2 = second.batch(X, with_route=True)
    assert np.array_equal(Y1, Y2) and np.array_equal(r1, r2)
    assert np.array_equal(Y2[r2 != "surrogate", 0], truth(lib.step, X[r2 != "surrogate"]))

    other = _decorate(lib, max_error=0.2, cache_dir=tmp_path)  # another bound, another key
    assert other.setup().stats.cache == "miss" and other.cache_path != first.cache_path
    assert len(list(tmp_path.glob("step-*.safetensors"))) == 2


def test_unreadable_cache_file_is_refitted_with_a_warning(lib, tmp_path) -> None:
    first = _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup()
    (path,) = tmp_path.glob("*.safetensors")
    path.write_bytes(b"not a safetensors file")
    with pytest.warns(AccelerationWarning, match="unreadable cache file"):
        again = _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup()
    assert again.stats.cache == "miss"
    X = again.kernel.sample(500, seed=1)
    assert np.array_equal(again.surrogate.predict(X), first.surrogate.predict(X))  # seeded fit
    assert _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup().stats.cache == "hit"


@pytest.mark.filterwarnings("ignore::nsc_tune.accelerate.AccelerationWarning")  # a crude fit
def test_cache_off_writes_nothing(lib, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NSC_TUNE_CACHE", str(tmp_path))

    @accelerate(source=C_SOURCE, function="add", domains={"a": (0, 1), "b": (0, 1)},
                max_error=0.5, mode="always", cache=False, n_samples=100, epochs=5, init="random")
    def add(a, b):
        return lib.add(a, b)

    assert add.setup().stats.cache == "off" and not (tmp_path / "accelerate").exists()


def test_best_init_accelerates_with_a_sparse_gp_and_caches_it(lib, tmp_path) -> None:
    from nsc_tune.surrogate import GPSurrogate
    from nsc_tune.surrogate.choose import PARITY_TERMS

    def make():
        @accelerate(source=C_SOURCE, function="scaled", domains=UNIT, mode="always",
                    max_error=0.01, n_samples=256, epochs=60, init="best", gate_samples=2048,
                    gate_epochs=60, cache_dir=tmp_path)
        def scaled(x, y):
            return lib.scaled(x, y)
        return scaled

    first = make().setup()
    s = first.surrogate
    # a smooth 2-input function from 256 runs: a GP beats a 60-epoch MLP, made sparse to
    # predict as fast as the MLP
    assert isinstance(s, GPSurrogate) and s.mean is None
    assert s.n_train * s.n_outputs <= PARITY_TERMS
    second = make().setup()
    assert second.stats.cache == "hit" and isinstance(second.surrogate, GPSurrogate)
    X = first.kernel.sample(4000, seed=5)
    assert np.array_equal(second.surrogate.predict(X), s.predict(X))
    Y, route = second.batch(X, with_route=True)
    used = route == "surrogate"
    assert used.mean() > 0.5
    err = np.abs(Y[used, 0] - truth(lib.scaled, X[used]))
    assert (err <= 0.01).mean() >= 0.98


# -- damaged or inconsistent cache files are refitted, not trusted ----------------------------


def _stored(path):
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    return meta, load_file(str(path))


def _rewrite(path, tensors, meta, rehash=True):
    """Rewrite a cache file; with ``rehash`` its digests match the new content (the file is then
    consistent, so only the checks of its values can refuse it)."""
    meta = dict(meta)
    if rehash:
        meta["sha256"] = integrity(tensors, meta)
    save_file(tensors, str(path), metadata=meta)


def test_a_damaged_threshold_is_refitted_with_a_warning(lib, tmp_path) -> None:
    first = _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup()
    path = first.cache_path
    assert np.isfinite(first.gate.threshold) and first.gate.accept_share < 0.99
    meta, tensors = _stored(path)
    _rewrite(path, tensors, {**meta, "threshold": "inf"}, rehash=False)
    with pytest.warns(AccelerationWarning, match=r"unreadable cache file.*metadata do not match"):
        again = _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup()
    assert again.stats.cache == "miss"
    assert again.gate.threshold == first.gate.threshold  # refitted: the same seeded fit
    assert _stored(path)[0]["threshold"] == meta["threshold"]  # and overwritten
    _rewrite(path, tensors, {**meta, "threshold": "inf"})  # consistent digests, wrong value
    with pytest.warns(AccelerationWarning, match=r"threshold inf is not the .* calibration"):
        assert _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup().stats.cache == "miss"
    assert _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup().stats.cache == "hit"


def _damages(tensors: dict, meta: dict):
    """``(what, tensors, meta)`` for each kind of damage the load must refuse."""
    def t(**kw):
        return {**tensors, **kw}

    n = tensors["cal_scores"].shape[0]
    nan_gate = {k: v.clone() for k, v in tensors.items()}
    nan_gate[next(k for k in tensors if k.startswith("gate."))].view(-1)[0] = float("nan")
    nan_weight = {k: v.clone() for k, v in tensors.items()}
    nan_weight[next(k for k in tensors if k.startswith("surrogate."))].view(-1)[0] = float("nan")
    yield "threshold", tensors, {**meta, "threshold": "nan"}
    yield "threshold", tensors, {**meta, "threshold": "-1.0"}
    yield "threshold", tensors, {**meta, "threshold": "inf"}
    yield "NaN", t(tolerance=torch.tensor([float("nan")], dtype=torch.float64)), meta
    yield "tolerance", t(tolerance=-tensors["tolerance"]), meta
    yield "tolerance", t(tolerance=torch.zeros(2, dtype=torch.float64)), meta
    yield "NaN", t(cal_scores=torch.full((n,), float("nan"), dtype=torch.float64)), meta
    yield "calibration arrays", t(cal_scores=tensors["cal_scores"][: n - 1].clone()), meta
    yield "cal_violated", t(cal_violated=torch.full((n,), 7, dtype=torch.uint8)), meta
    yield "NaN", nan_gate, meta
    yield "NaN", nan_weight, meta
    yield "'info' is not valid JSON", tensors, {**meta, "info": "{"}
    yield "'gate_width' is missing", tensors, {k: v for k, v in meta.items() if k != "gate_width"}
    yield "no integrity digests", tensors, {k: v for k, v in meta.items() if k != "sha256"}


def test_inconsistent_cache_files_are_treated_as_absent(lib, tmp_path) -> None:
    from nsc_tune.accelerate import cache

    acc = _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup()
    path, kernel, settings = acc.cache_path, acc.kernel, acc.settings
    meta, tensors = _stored(path)
    assert cache.load(path, kernel, settings) is not None
    for what, t, m in _damages(tensors, meta):
        _rewrite(path, t, m, rehash="sha256" in m)
        with pytest.warns(AccelerationWarning, match=what):
            assert cache.load(path, kernel, settings) is None, what
    _rewrite(path, tensors, meta, rehash=False)
    other = Kernel.from_source("double step(double x, double y) { return x - y; }", "step",
                               domains=UNIT)  # same name and arity, another source
    with pytest.warns(AccelerationWarning, match="fitted for another kernel source"):
        assert cache.load(path, other, settings) is None


def test_an_all_accepting_calibration_keeps_its_infinite_threshold(lib, tmp_path) -> None:
    from nsc_tune.accelerate import cache

    acc = _decorate(lib, max_error=0.08, cache_dir=tmp_path).setup()
    meta, tensors = _stored(acc.cache_path)
    clean = {**tensors, "cal_violated": torch.zeros_like(tensors["cal_violated"])}
    _rewrite(acc.cache_path, clean, {**meta, "threshold": "inf"})  # what calibrate then gives
    built = cache.load(acc.cache_path, acc.kernel, acc.settings)
    assert built is not None and built.gate.threshold == float("inf")
