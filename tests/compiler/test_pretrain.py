"""Pretraining on CPU with a tiny model and corpus: it learns, resumes exactly, ships weights."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from nsc_tune.compiler.checkpoint import load_weights
from nsc_tune.compiler.data import StepSampler, load_corpus
from nsc_tune.compiler.model import CompNet, CompNetConfig
from nsc_tune.compiler.pretrain import PretrainConfig, loss_terms, pretrain

TINY = {"d_model": 32, "layers": 1, "heads": 2, "ff": 64, "width": 16, "max_len": 1024}


def _cfg(corpus: Path, out: Path, **kw) -> PretrainConfig:
    base = dict(corpus=str(corpus), out=str(out), steps=40, batch_size=8, rows=32, lr=3e-3,
                warmup=5, checkpoint_every=1000, log_every=5, workers=1, model=TINY)
    base.update(kw)
    return PretrainConfig(**base)


@pytest.fixture(scope="module")
def programs(tiny_corpus: Path):
    return load_corpus(str(tiny_corpus), "train", TINY["max_len"], workers=1)


def _held_out_loss(model: torch.nn.Module, programs) -> dict[str, float]:
    """Mean loss parts over fixed batches (steps the training run never draws)."""
    sampler = StepSampler(programs, 16, 32, seed=999)
    with torch.no_grad():
        parts = [loss_terms(model, sampler.batch(s))[1] for s in range(4)]
    return {k: float(np.mean([float(p[k]) for p in parts])) for k in parts[0]}


def test_pretraining_lowers_the_loss(tiny_corpus: Path, programs, tmp_path: Path) -> None:
    torch.manual_seed(0)
    before = _held_out_loss(CompNet(CompNetConfig(**TINY)), programs)
    pretrain(_cfg(tiny_corpus, tmp_path, steps=200), programs, progress=False)
    after = _held_out_loss(load_weights(tmp_path / "compnet.safetensors")[0], programs)
    # The loss has a log term (it can go negative), so it must fall by a margin, not a ratio.
    assert after["loss"] < before["loss"] - 1.0, (before, after)
    assert after["stats"] < 0.75 * before["stats"], (before, after)
    assert after["log_full"] < before["log_full"], (before, after)
    assert (tmp_path / "loss.png").stat().st_size > 1000


def test_resume_reproduces_the_uninterrupted_run(tiny_corpus: Path, programs,
                                                 tmp_path: Path) -> None:
    pretrain(_cfg(tiny_corpus, tmp_path / "a", steps=20), programs, progress=False)
    # Killed at step 13; the last checkpoint is step 10; the rerun continues from there.
    killed = pretrain(_cfg(tiny_corpus, tmp_path / "b", steps=20, checkpoint_every=5, kill_at=13),
                      programs, progress=False)
    assert killed == {"step": 13, "killed": True}
    summary = pretrain(_cfg(tiny_corpus, tmp_path / "b", steps=20, checkpoint_every=5), programs,
                       progress=False)
    assert summary["steps_this_run"] == 10
    a = load_file(str(tmp_path / "a" / "checkpoint.safetensors"))
    b = load_file(str(tmp_path / "b" / "checkpoint.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_shipped_weights_round_trip(tiny_corpus: Path, programs, tmp_path: Path) -> None:
    pretrain(_cfg(tiny_corpus, tmp_path, steps=5), programs, progress=False)
    model, info = load_weights(tmp_path / "compnet.safetensors")
    assert info["step"] == 5
    stored = load_file(str(tmp_path / "compnet.safetensors"))
    for key, value in model.state_dict().items():
        assert torch.equal(value, stored[key].float()), key


def _torchrun_pretrain(corpus: Path, out: Path) -> subprocess.CompletedProcess:
    """Two gloo ranks of ``nsc_tune.compiler.pretrain`` under torchrun, on the CPU."""
    # A rank killed by a signal prints every thread's Python stack (faulthandler).
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "nsc_tune.compiler.pretrain", "--corpus", str(corpus), "--out", str(out),
           "--steps", "6", "--batch-size", "8", "--rows", "16", "--warmup", "2",
           "--max-minutes", "5", "--json", "--model", json.dumps(TINY)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)


def test_data_parallel_run_with_torchrun_on_cpu(tiny_corpus: Path, tmp_path: Path) -> None:
    """Two processes (gloo) train on one global batch and write the same artefacts.

    A rank that dies by a signal (torchrun reports a negative exit code) gets one more run, with
    a warning that carries its stacks: CI once saw a rank end on SIGABRT on a loaded 2-core
    machine and the cause was not reproduced. A Python error, or a second death, fails."""
    out = _torchrun_pretrain(tiny_corpus, tmp_path / "run")
    if out.returncode != 0 and re.search(r"exitcode\s*:\s*-\d+", out.stderr):
        warnings.warn("a torchrun rank died by a signal; running again. Its output:\n"
                      + out.stderr[:4000], stacklevel=1)
        out = _torchrun_pretrain(tiny_corpus, tmp_path / "again")
        run = tmp_path / "again"
    else:
        run = tmp_path / "run"
    # The ranks' own messages come first, torchrun's summary of who failed last.
    assert out.returncode == 0, out.stderr[:4000] + "\n...\n" + out.stderr[-1500:]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["step"] == 6
    assert (run / "compnet.safetensors").exists()


def test_process_prefetcher_yields_the_samplers_batches(programs) -> None:
    from nsc_tune.compiler.data import Prefetcher

    sampler = StepSampler(programs, 8, 16, seed=3)
    pre = Prefetcher(sampler, first=2, last=9, processes=2)
    try:
        for step in range(2, 9):
            got, want = pre.get(step), sampler.batch(step)
            for name in want.__dataclass_fields__:
                assert torch.equal(getattr(got, name), getattr(want, name)), (step, name)
    finally:
        pre.close()


def test_log_error_term_matches_a_numpy_computation(programs) -> None:
    """The real-unit term: mean over real (program, output) pairs of log(MSE / sigma^2 + floor),
    with the surrogate evaluated in real units as users will see it."""
    from nsc_tune.compiler.pretrain import FULL_FLOOR
    from nsc_tune.surrogate.mlp import denormalise_outputs, forward_normalised

    batch = StepSampler(programs, 4, 16, seed=1).batch(0)
    torch.manual_seed(0)
    model = CompNet(CompNetConfig(**TINY))
    _, parts = loss_terms(model, batch)
    with torch.no_grad():
        p = model(batch.ids, batch.values, batch.in_pos, batch.in_mask, batch.out_pos,
                  batch.out_mask)
        pred = denormalise_outputs(p, forward_normalised(p, batch.xn)).double().numpy()
    y, sigma = batch.y.double().numpy(), np.exp(batch.log_sigma.double().numpy())
    terms = [np.log((((pred[b, :, j] - y[b, :, j]) / sigma[b, j]) ** 2).mean() + FULL_FLOOR)
             for b in range(y.shape[0]) for j in range(y.shape[2]) if batch.out_mask[b, j]]
    assert float(parts["log_full"]) == pytest.approx(np.mean(terms), rel=1e-4, abs=1e-4)


def test_continued_schedule_warms_up_and_decays_from_its_start() -> None:
    import math

    from nsc_tune.compiler.pretrain import lr_at

    cfg = PretrainConfig(corpus="c", out="o", steps=1500, lr=1e-3, warmup=100,
                         schedule_start=1000)
    assert lr_at(1000, cfg) == pytest.approx(1e-3 / 100)  # warm-up restarts at the start step
    assert lr_at(1099, cfg) == pytest.approx(1e-3)
    mid = 1000 + 100 + 200  # halfway through the 400 decay steps: cosine at pi/2
    assert lr_at(mid, cfg) == pytest.approx(1e-3 * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 2))))
    assert lr_at(1500, cfg) == pytest.approx(1e-4)


def test_sampler_draws_every_program_equally_often(programs) -> None:
    # Batches come from windows of similar length; the longest programs (the suite-like tail)
    # must be drawn as often as the rest, not only when a window happens to end at them.
    sampler = StepSampler(programs, 4, 8, seed=5)
    counts = np.zeros(len(programs))
    steps = 6000
    for step in range(steps):
        chosen, _ = sampler.indices(step)
        assert len(set(chosen.tolist())) == 4
        counts[chosen] += 1
    expected = steps * 4 / len(programs)
    longest = np.argsort([len(p.tokens) for p in programs])[-3:]
    assert np.all(np.abs(counts[longest] - expected) < 0.25 * expected), counts[longest]
    assert counts.min() > 0.7 * expected and counts.max() < 1.3 * expected
