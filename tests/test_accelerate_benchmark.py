"""benchmarks/accelerate.py at a tiny size: every path runs and the export agrees with torch."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "accelerate.py"


def test_quick_benchmark_measures_every_path() -> None:
    spec = importlib.util.spec_from_file_location("accelerate_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    r = bench.measure("kmeans", rows=400, fit_samples=256, epochs=5, repeats=1)
    assert set(r["rows_per_second"]) >= {"exact per-call", "exact gcc", "exact numba",
                                         "surrogate torch", "surrogate C"}
    assert all(v > 0 for v in r["rows_per_second"].values())
    assert r["export_max_rel_diff"] < 1e-4
    assert r["metric"] == "image_rmse" and 0 <= r["quality"] < 1
