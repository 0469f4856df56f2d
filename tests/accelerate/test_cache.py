"""The disk cache: a second decorator loads the fit (no fitting), predicts identically, and a
change of settings or an unreadable file fits afresh."""

from __future__ import annotations

import numpy as np
import pytest

from nsc_tune import accelerate
from nsc_tune.accelerate import AccelerationWarning
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
