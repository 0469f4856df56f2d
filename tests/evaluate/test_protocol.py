"""The protocol on a tiny setting: shapes of the results, improvements computed as defined."""

from __future__ import annotations

import math

import numpy as np

from nsc_tune.evaluate.protocol import (
    ProtocolConfig,
    data_efficiency,
    epochs_to_target,
    markdown,
    summarise,
)

TINY = ProtocolConfig(kernels=("kmeans",), pool=200, test=200, fractions=(0.0, 0.5), trials=2,
                      epochs=8, inits=("random", "compiled", "auto"), workers=1)


def test_data_efficiency_rows_and_summary() -> None:
    result = data_efficiency(TINY, progress=False)
    rows = result["rows"]
    assert len(rows) == 2 * 2 * 3
    assert {r["n"] for r in rows} == {0, 100}
    assert all(r["best_epoch"] == 0 for r in rows if r["n"] == 0)
    assert all(np.isfinite(r["test_mse"]) for r in rows)
    table = result["summary"]["table"]
    for entry in table:
        assert math.isclose(entry["improvement_compiled"], entry["random"] / entry["compiled"])
    assert "| kmeans | 0.5 |" in markdown(result)


def test_summary_geomean_is_the_geometric_mean() -> None:
    rows = [{"kernel": "a", "fraction": f, "init": i, "test_mse": v}
            for f, (r, c) in ((0.1, (4.0, 1.0)), (1.0, (1.0, 4.0))) for i, v in
            (("random", r), ("compiled", c))]
    summary = summarise(rows, ("random", "compiled"))
    assert math.isclose(summary["geomean_improvement"]["compiled"], 1.0)


def test_epochs_to_target_counts_epochs() -> None:
    result = epochs_to_target(TINY, fraction=0.5, progress=False)
    (entry,) = result["table"]
    assert 1 <= entry["epochs_random"] <= TINY.epochs
    assert entry["target_mse"] > 0
    # auto races both candidates for the whole run: twice the arithmetic per epoch.
    assert entry["surrogate_epochs_auto"] == 2 * entry["epochs_auto"]
    assert math.isclose(entry["speedup_auto_compute"],
                        entry["epochs_random"] / max(entry["surrogate_epochs_auto"], 1.0))
    assert "auto_compute" in result["geomean_speedup"]


def test_auto_is_one_of_the_two_baseline_runs_per_trial() -> None:
    # auto's random candidate is the trial's random baseline, on the same split and shuffling:
    # per trial its test error equals that of the baseline run of the init it kept. Over these
    # kernels it keeps the compiled run in some trials and the random one in others (checked:
    # the test means nothing unless both are kept).
    import dataclasses

    cfg = dataclasses.replace(TINY, kernels=("sobel", "inversek2j", "jmeint"), fractions=(0.1,),
                              trials=3)
    rows = data_efficiency(cfg, progress=False)["rows"]
    kept = set()
    for kernel in cfg.kernels:
        for trial in range(cfg.trials):
            mine = {r["init"]: r for r in rows if r["trial"] == trial and r["kernel"] == kernel}
            auto = mine["auto"]
            kept.add(auto["kept"])
            same = mine[auto["kept"]]["test_mse"]
            assert abs(auto["test_mse"] - same) <= 1e-5 * same, (trial, auto, mine)
    assert kept == {"compiled", "random"}


def test_reused_rows_equal_a_fresh_run_and_settings_must_agree() -> None:
    import dataclasses

    import pytest

    base = dataclasses.replace(TINY, inits=("random", "compiled"))
    first = data_efficiency(base, progress=False)
    merged = data_efficiency(TINY, progress=False, reuse=first)
    fresh = data_efficiency(TINY, progress=False)
    assert [r["init"] for r in merged["rows"]] == [r["init"] for r in fresh["rows"]]
    for a, b in zip(merged["rows"], fresh["rows"], strict=True):
        assert a["test_mse"] == pytest.approx(b["test_mse"], rel=1e-6), (a, b)
    with pytest.raises(ValueError, match="epochs"):
        data_efficiency(dataclasses.replace(TINY, epochs=9), progress=False, reuse=first)


def test_rows_of_other_weights_are_not_reused() -> None:
    # A result made with other compiler weights: only its random-init rows carry over.
    from nsc_tune.evaluate.protocol import reusable_rows

    first = data_efficiency(TINY, progress=False)
    assert reusable_rows(TINY, first).keys() == {
        (r["kernel"], r["fraction"], r["trial"], r["init"]) for r in first["rows"]}
    stale = {**first, "weights": {**first["weights"], "compiled": "0" * 16}}
    kept = reusable_rows(TINY, stale)
    assert {key[3] for key in kept} == {"random"}
    assert len(kept) == sum(r["init"] == "random" for r in first["rows"])
    legacy = {k: v for k, v in first.items() if k != "weights"}  # results from before the ids
    assert {key[3] for key in reusable_rows(TINY, legacy)} == {"random"}


def test_epochs_to_target_rows_are_the_data_efficiency_runs_at_its_fraction() -> None:
    # Epochs to target trains the same runs as data efficiency at its fraction (it only also
    # records test curves), so its rows stand in for those cells under --reuse.
    import dataclasses

    import pytest

    ett = epochs_to_target(TINY, fraction=0.5, progress=False)
    assert all("curve" not in r for r in ett["rows"])
    cfg = dataclasses.replace(TINY, fractions=(0.5,))
    fresh = data_efficiency(cfg, progress=False)
    reused = data_efficiency(cfg, progress=False, reuse=[ett])
    for a, b in zip(reused["rows"], fresh["rows"], strict=True):
        assert a["test_mse"] == pytest.approx(b["test_mse"], rel=1e-6), (a, b)
        assert (a["best_epoch"], a["kept"]) == (b["best_epoch"], b["kept"])


def test_worker_processes_start_after_kernels_ran_in_this_process() -> None:
    # A kernel evaluated here starts Numba's parallel threads; with the OpenMP layer a plainly
    # forked worker would abort (BrokenProcessPool). The pool must still run and agree with the
    # in-process path.
    import dataclasses

    import pytest

    from nsc_tune import suite

    k = suite.load("kmeans")
    k(k.sample(5000, seed=0))
    cfg = dataclasses.replace(TINY, kernels=("fft",), fractions=(0.5,), epochs=2,
                              inits=("random",))
    pooled = data_efficiency(dataclasses.replace(cfg, workers=2), progress=False)["rows"]
    alone = data_efficiency(cfg, progress=False)["rows"]
    for a, b in zip(pooled, alone, strict=True):
        assert a["test_mse"] == pytest.approx(b["test_mse"], rel=1e-6)
