"""Batched protocol runs against the one-run-per-process path they replace on the GPU host."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nsc_tune.evaluate.protocol import ProtocolConfig, _execute, _run

# Two kernels of different arity, a fraction without training and two with (n = 10, 100).
CFG = ProtocolConfig(kernels=("fft", "sobel"), pool=200, test=100, fractions=(0.0, 0.05, 0.5),
                     trials=2, epochs=6, batch_size=16, workers=1)


@pytest.mark.parametrize("track", [False, True])
def test_batched_runs_reproduce_the_per_run_path(track: bool) -> None:
    tasks = [(k, f, t, i, CFG, track) for k in CFG.kernels for f in CFG.fractions
             for t in range(CFG.trials) for i in CFG.inits]
    reference = [_run(t) for t in tasks]
    batched = _execute(tasks, dataclasses.replace(CFG, device="cpu"), progress=False)
    assert len(batched) == len(reference)
    for a, b in zip(reference, batched, strict=True):
        key = (a["kernel"], a["fraction"], a["trial"], a["init"])
        assert key == (b["kernel"], b["fraction"], b["trial"], b["init"])
        assert b["test_mse"] == pytest.approx(a["test_mse"], rel=1e-4), key
        assert (b["best_epoch"], b["kept"], b["n"]) == (a["best_epoch"], a["kept"], a["n"]), key
        assert len(b["curve"]) == len(a["curve"]) == (CFG.epochs if track and a["n"] else 0)
        np.testing.assert_allclose(b["curve"], a["curve"], rtol=1e-4)
    # the runs did train: some surrogate moved off its initial weights' error
    assert any(r["best_epoch"] > 0 for r in batched)


def test_batched_auto_needs_the_whole_race() -> None:
    cfg = dataclasses.replace(CFG, device="cpu", warmup_epochs=2, kernels=("fft",))
    with pytest.raises(ValueError, match="warmup_epochs"):
        _execute([("fft", 0.5, 0, "auto", cfg, False)], cfg, progress=False)


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_graph_replay_matches_eager_steps() -> None:
    # On CUDA each step is captured once per batch size and replayed; the warm-up steps that
    # capturing needs must leave no trace. Two batch sizes here (16 and the remainder 8).
    from nsc_tune.evaluate.batched import run_groups

    cfg = dataclasses.replace(CFG, pool=300, epochs=5, device="cuda")
    args = (["fft", "sobel"], 0.1, [0, 1], list(cfg.inits), cfg, True, "cuda")
    eager = run_groups(*args, graphs=False)
    graphed = run_groups(*args, graphs=True)
    for a, b in zip(eager, graphed, strict=True):
        assert b["test_mse"] == pytest.approx(a["test_mse"], rel=1e-4), a
        assert (b["best_epoch"], b["kept"]) == (a["best_epoch"], a["kept"])
        np.testing.assert_allclose(b["curve"], a["curve"], rtol=1e-4)
