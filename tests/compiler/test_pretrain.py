"""Pretraining on CPU with a tiny model and corpus: it learns, resumes exactly, ships weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from nsc_tune.compiler.checkpoint import load_weights
from nsc_tune.compiler.data import load_corpus
from nsc_tune.compiler.pretrain import PretrainConfig, pretrain

TINY = {"d_model": 32, "layers": 1, "heads": 2, "ff": 64, "width": 16, "max_len": 1024}


def _cfg(corpus: Path, out: Path, **kw) -> PretrainConfig:
    base = dict(corpus=str(corpus), out=str(out), steps=40, batch_size=8, rows=32, lr=3e-3,
                warmup=5, checkpoint_every=1000, log_every=5, workers=1, model=TINY)
    base.update(kw)
    return PretrainConfig(**base)


@pytest.fixture(scope="module")
def programs(tiny_corpus: Path):
    return load_corpus(str(tiny_corpus), "train", TINY["max_len"], workers=1)


def test_pretraining_lowers_the_loss(tiny_corpus: Path, programs, tmp_path: Path) -> None:
    pretrain(_cfg(tiny_corpus, tmp_path, steps=60), programs, progress=False)
    log = [json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines()]
    first = np.mean([r["loss"] for r in log[:2]])
    last = np.mean([r["loss"] for r in log[-2:]])
    assert last < 0.7 * first, (first, last)
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
