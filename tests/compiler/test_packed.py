"""Batches gathered from packed programs are ``collate``'s, element for element."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from nsc_tune.compiler.data import Prefetcher, StepSampler, collate, load_corpus
from nsc_tune.compiler.packed import PackedPrefetcher, PackedPrograms


@pytest.fixture(scope="module")
def programs(tiny_corpus: Path):
    return load_corpus(str(tiny_corpus), "train", 3072, workers=1)


def _assert_same(a, b) -> None:
    for name in a.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        torch.testing.assert_close(x, y, rtol=0, atol=0, msg=name)


def test_a_packed_batch_equals_collate(programs) -> None:
    packed = PackedPrograms.from_programs(programs)
    rng = np.random.default_rng(3)
    for _ in range(5):
        chosen = rng.choice(len(programs), min(6, len(programs)), replace=False)
        rows = np.stack([rng.choice(programs[i].X.shape[0], 7) for i in chosen])
        want = collate([programs[i] for i in chosen], list(rows))
        _assert_same(packed.batch(chosen, rows), want)


def test_the_packed_prefetcher_gives_every_ranks_share_of_the_same_steps(programs) -> None:
    sampler = StepSampler(programs, batch_size=8, rows=5, seed=1)
    packed = PackedPrograms.from_programs(programs)
    for rank, world in ((0, 1), (1, 2)):
        old = Prefetcher(sampler, 0, 4, rank, world)
        new = PackedPrefetcher(sampler, packed, 0, 4, rank, world)
        for step in range(4):
            _assert_same(new.get(step), old.get(step))
        old.close()
        new.close()


def test_packing_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no programs"):
        PackedPrograms.from_programs([])


def test_pretraining_on_either_pipeline_takes_the_same_steps(tiny_corpus: Path, programs,
                                                            tmp_path: Path) -> None:
    from nsc_tune.compiler.pretrain import PretrainConfig, pretrain

    tiny = {"d_model": 16, "layers": 1, "heads": 2, "ff": 32, "width": 8, "max_len": 3072}
    logs = {}
    for pipeline in ("collate", "packed"):
        out = tmp_path / pipeline
        cfg = PretrainConfig(corpus=str(tiny_corpus), out=str(out), steps=6, batch_size=4,
                             rows=8, warmup=2, log_every=1, model=tiny, pipeline=pipeline)
        summary = pretrain(cfg, programs, progress=False)
        assert summary["pipeline"] == pipeline
        logs[pipeline] = [json.loads(line)["loss"] for line in
                          (out / "log.jsonl").read_text().splitlines()]
    assert len(logs["packed"]) == 6
    np.testing.assert_allclose(logs["packed"], logs["collate"], rtol=1e-6)


def test_an_unknown_pipeline_is_refused_before_loading(tmp_path: Path) -> None:
    from nsc_tune.compiler.pretrain import PipelineError, PretrainConfig, pretrain

    cfg = PretrainConfig(corpus=str(tmp_path / "nowhere"), out=str(tmp_path / "run"),
                         pipeline="gpu")
    with pytest.raises(PipelineError, match="unknown pipeline 'gpu'"):
        pretrain(cfg, progress=False)
