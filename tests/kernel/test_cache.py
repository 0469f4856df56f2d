"""Compiled code is cached on disk: a second process loads it instead of recompiling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from nsc_tune.kernel import Kernel
k = Kernel.from_source('''
float f(float x, int n) { float s = 0.0f; for (int i = 0; i < n; i++) s += x / (i + 1); return s; }
''', domains={"x": (0, 1), "n": (0, 20)})
y = k(k.sample(100, seed=0))
stats = k._module.batch.stats
hits, misses = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
print(json.dumps({"hits": hits, "misses": misses, "sum": float(y.sum())}))
"""


def _run(cache: Path) -> dict:
    env = {**os.environ, "NSC_TUNE_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_hits_the_cache(tmp_path: Path) -> None:
    first = _run(tmp_path)
    second = _run(tmp_path)
    assert first["misses"] >= 1 and first["hits"] == 0
    assert second["hits"] >= 1 and second["misses"] == 0
    assert first["sum"] == second["sum"]
    assert list((tmp_path / "numba").glob("nsc_kernel_*.py"))
