"""The cache folder cannot run code: tampered Numba pickles and gcc executables are rebuilt."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nsc_tune.kernel import trust

SOURCE = "double f(double x, int n) { double s = 0; for (int i = 0; i < n; i++) s += x / (i + 1);" \
         " return s; }"
SCRIPT = f"""
import json, sys
import numpy as np
from nsc_tune.kernel import Kernel
k = Kernel.from_source('''{SOURCE}''', domains={{"x": (0, 1), "n": (0, 20)}})
X = k.sample(50, seed=0)
y = k(X)
stats = k._module.batch.stats
out = {{"hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values()),
       "y": y[:, 0].tolist()}}
if "native" in sys.argv:
    out["native"] = k.native(X)[:, 0].tolist()
print(json.dumps(out))
"""


class Payload:
    """Unpickling this creates ``marker``: what a planted cache file would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _run(cache: Path, key: Path, *args: str) -> dict:
    env = {**os.environ, "NSC_TUNE_CACHE": str(cache), "NSC_TUNE_CACHE_KEY": str(key)}
    out = subprocess.run([sys.executable, "-c", SCRIPT, *args], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_planted_numba_pickle_is_not_loaded(tmp_path: Path, monkeypatch) -> None:
    cache, key = tmp_path / "cache", tmp_path / "key"
    monkeypatch.setenv("NSC_TUNE_CACHE_KEY", str(key))
    first = _run(cache, key)
    indexes = list((cache / "numba" / "__pycache__").glob("*.nbi"))
    assert indexes and all(trust.verified(p, cache) for p in indexes)
    marker = tmp_path / "payload_ran"
    for p in indexes:
        p.write_bytes(pickle.dumps(Payload(marker)))
    with open(indexes[0], "rb") as fh:  # the payload is live: unpickling it runs it
        pickle.load(fh)
    assert marker.exists()
    marker.unlink()
    second = _run(cache, key)
    assert not marker.exists()
    assert second["misses"] >= 1  # rebuilt, not loaded
    np.testing.assert_array_equal(second["y"], first["y"])
    third = _run(cache, key)  # what the second run cached is signed and used again
    assert third["hits"] >= 1 and third["misses"] == 0


def test_replaced_native_executable_is_rebuilt(tmp_path: Path) -> None:
    cache, key = tmp_path / "cache", tmp_path / "key"
    first = _run(cache, key, "native")
    (exe,) = (cache / "native").glob("*/kernel")
    marker = tmp_path / "exe_ran"
    exe.write_text(f"#!/bin/sh\ntouch {marker}\n")
    second = _run(cache, key, "native")
    assert not marker.exists()
    np.testing.assert_allclose(second["native"], first["native"])
    np.testing.assert_allclose(second["native"], second["y"], rtol=1e-12)


def test_a_cache_from_elsewhere_is_rebuilt(tmp_path: Path) -> None:
    """Another key (a copied cache folder, someone else's) verifies nothing."""
    cache = tmp_path / "cache"
    first = _run(cache, tmp_path / "key1")
    assert first["misses"] >= 1
    again = _run(cache, tmp_path / "key1")
    assert again["misses"] == 0
    other = _run(cache, tmp_path / "key2")
    assert other["misses"] >= 1
    np.testing.assert_array_equal(other["y"], first["y"])


def test_signature_binds_the_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NSC_TUNE_CACHE_KEY", str(tmp_path / "key"))
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    trust.sign(a, tmp_path)
    assert trust.verified(a, tmp_path)
    (tmp_path / "b.bin.sig").write_text((tmp_path / "a.bin.sig").read_text())
    assert not trust.verified(b, tmp_path)  # a signed file cannot be moved to another name
    a.write_bytes(b"changed")
    assert not trust.verified(a, tmp_path)
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600


def test_cache_folder_of_another_user_is_refused(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o777)
    trust.private_folder(folder / "numba", folder)
    assert folder.stat().st_mode & 0o777 == 0o755  # ours: no longer writable by others
    monkeypatch.setattr(os, "getuid", lambda: folder.stat().st_uid + 1)
    with pytest.raises(trust.UntrustedCacheError, match="another user"):
        trust.private_folder(folder / "numba", folder)
