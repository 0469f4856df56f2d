"""The corpus build end to end: deterministic, re-executable, leak-free, resumable."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from nsc_tune.corpus.build import BuildConfig, build
from nsc_tune.corpus.leakage import LeakageChecker
from nsc_tune.corpus.storage import Corpus, CorpusError, shard_path
from nsc_tune.kernel import Kernel


def _build(out: Path, **kw) -> dict:
    cfg = dict(n=60, out=str(out), seed=5, rows=32, workers=1, shard_size=40)
    cfg.update(kw)
    return build(BuildConfig(**cfg), progress=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    _build(out, generator="tests.corpus.planted:generate")
    return out


def test_same_seed_same_corpus(built: Path, tmp_path: Path) -> None:
    _build(tmp_path, generator="tests.corpus.planted:generate", workers=2, shard_size=25)
    a, b = Corpus(built), Corpus(tmp_path)
    assert len(a) == len(b) == 60
    for pa, pb in zip(a.programs(), b.programs(), strict=True):
        assert pa.record["index"] == pb.record["index"] and pa.source == pb.source
        assert pa.split == pb.split
        assert np.array_equal(pa.X, pb.X) and np.array_equal(pa.Y, pb.Y)


def test_every_program_reexecutes_to_its_stored_outputs(built: Path) -> None:
    for i, prog in enumerate(Corpus(built).programs()):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            k = Kernel.from_source(prog.source, function=prog.function)
        X = prog.X.astype(np.float64)
        Y = k.native(X).astype(np.float32)
        assert np.array_equal(Y, prog.Y), prog.record["index"]
        if i < 3:  # the Numba ground truth agrees too (compiling each takes ~1 s)
            assert np.array_equal(k(X).astype(np.float32), prog.Y)


def test_planted_suite_copies_are_removed(built: Path) -> None:
    indices = {p["index"] for p in Corpus(built).manifest["programs"]}
    assert not indices & {3, 5, 7, 9}
    assert Corpus(built).manifest["rejected"]["leak"] == 4
    checker = LeakageChecker()
    assert not any(checker.is_leak(p.source) for p in Corpus(built).programs())


def test_splits_are_program_level_and_complete(built: Path) -> None:
    m = Corpus(built).manifest
    assert sum(m["splits"].values()) == len(m["programs"]) == 60
    assert set(m["splits"]) <= {"train", "val", "test"}
    keys = {}
    for prog in Corpus(built).programs():
        keys.setdefault(prog.record["raw_key"], set()).add(prog.split)
    assert all(len(s) == 1 for s in keys.values())


def test_resume_skips_finished_shards(tmp_path: Path) -> None:
    _build(tmp_path, n=30, shard_size=20)
    first = shard_path(tmp_path, 0)
    stamp = first.stat().st_mtime_ns
    first.with_suffix(".json").write_text(json.dumps({**json.loads(
        first.with_suffix(".json").read_text()), "marker": 1}))
    _build(tmp_path, n=30, shard_size=20)
    assert first.stat().st_mtime_ns == stamp
    assert Corpus(tmp_path).manifest["rejected"].get("marker") == 1


def test_missing_corpus_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="build the corpus first"):
        Corpus(tmp_path)
