"""benchmarks/tuning.py --quick: every method and problem gets a finite or "not reached" entry."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METHODS = ["nsc_tune BO", "nsc_tune PriorGPSampler", "nsc_tune refine",
           "nsc_tune SurrogateSampler", "optuna TPE", "optuna CMA-ES", "scipy Nelder-Mead",
           "optuna GPSampler", "BoTorch GP-BO"]
DIRECT = METHODS[4:]


def _ok(value: object) -> bool:
    return value == "not reached" or (isinstance(value, int | float) and math.isfinite(value))


def test_quick_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "tuning.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "tuning.py"), "--quick",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)  # a hang guard, not a speed check
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert set(result["one_query"]) == {"iv", "arm", "branin", "pid"}
    for name, r in result["one_query"].items():
        assert set(r["methods"]) == set(METHODS), name
        assert r["f_median"] > r["f_best"], name
        for method, entry in r["methods"].items():
            assert _ok(entry["median"]), (name, method, entry)
            assert all(v is None or v >= 1 for v in entry["runs"])
    assert set(result["many_queries"]) == {"iv", "arm"}
    for name, r in result["many_queries"].items():
        assert set(r["methods"]) == {"nsc_tune refine", "nsc_tune BO", *DIRECT}, name
        for method, entry in r["methods"].items():
            assert _ok(entry["median"]), (name, method, entry)
        assert r["methods"]["nsc_tune refine"]["n_finetune"] >= 0


def test_regime_many_alone_merges(tmp_path: Path) -> None:
    out = tmp_path / "tuning.json"
    kept = {"iv": {"target_met": True,
                   "methods": {m: {"median": 7, "n_finetune": 0} for m in METHODS}}}
    out.write_text(json.dumps({"one_query": kept, "setting": {"seeds": 3}}))
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "tuning.py"), "--quick",
                           "--regimes", "many", "--problems", "iv", "--many", "iv", "--merge",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)  # a hang guard, not a speed check
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["one_query"] == kept
    assert result["regime_runs"]["one_query"]["setting"] == {"seeds": 3}
    assert result["regime_runs"]["many_queries"]["setting"]["regimes"] == "many"
    r = result["many_queries"]["iv"]
    assert r["queries"] == 3 and len(r["methods"]["nsc_tune refine"]["per_seed"]) == 1
    assert _ok(r["methods"]["nsc_tune refine"]["median"]) and r["ratio_of_means"] > 0
