"""Loading a corpus for pretraining: slot ranges are computed once and cached next to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from nsc_tune.compiler.data import collate, load_corpus, record_ranges
from nsc_tune.compiler.tokenizer import N_VALUE_FEATURES, KernelView, range_features
from nsc_tune.corpus.storage import Corpus
from nsc_tune.kernel.ranges import output_ranges


def _no_analysis(kernel):
    raise AssertionError("the analysis ran again")


def test_records_carry_the_ranges_a_fresh_analysis_finds(tiny_corpus: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    records = [p.record for p in Corpus(str(tiny_corpus)).programs("train")]
    fresh = [output_ranges(KernelView.from_record(r)) for r in records]
    for r, f in zip(records, fresh, strict=True):
        np.testing.assert_array_equal(record_ranges(r), f)
    monkeypatch.setattr("nsc_tune.kernel.ranges.output_ranges", _no_analysis)
    loaded = load_corpus(str(tiny_corpus), "train", 3072, workers=1)
    assert len(loaded) == len(fresh)
    for p, f in zip(loaded, fresh, strict=True):
        np.testing.assert_array_equal(p.tokens.out_ranges, f)


def test_older_corpora_get_their_ranges_cached(tiny_corpus: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A corpus whose records carry no ranges (built before the analysis): computed once, cached.
    root = tmp_path / "corpus"
    shutil.copytree(tiny_corpus, root, ignore=shutil.ignore_patterns("tokens-*"))
    monkeypatch.setattr("nsc_tune.compiler.data.record_ranges", lambda record: None)
    first = load_corpus(str(root), "train", 3072, workers=1)
    assert list(root.glob("ranges-train-v*.safetensors")), "no cache written"
    records = [p.record for p in Corpus(str(root)).programs("train")]
    fresh = [output_ranges(KernelView.from_record(r)) for r in records]
    monkeypatch.setattr("nsc_tune.kernel.ranges.output_ranges", _no_analysis)
    second = load_corpus(str(root), "train", 3072, workers=1)
    assert len(first) == len(second) == len(fresh)
    for a, b, r in zip(first, second, fresh, strict=True):
        np.testing.assert_array_equal(a.tokens.out_ranges, r)
        np.testing.assert_array_equal(b.tokens.out_ranges, r)


def test_collate_puts_range_features_on_the_slot_tokens(tiny_corpus: Path) -> None:
    programs = load_corpus(str(tiny_corpus), "train", 3072, workers=1, limit=4)
    batch = collate(programs, [np.arange(2)] * len(programs))
    for i, p in enumerate(programs):
        t = p.tokens
        got_out = batch.values[i, t.out_pos, N_VALUE_FEATURES:].numpy()
        got_in = batch.values[i, t.in_pos, N_VALUE_FEATURES:].numpy()
        np.testing.assert_array_equal(got_out, range_features(t.out_ranges))
        np.testing.assert_array_equal(got_in, range_features(t.in_ranges))
        body = np.setdiff1d(np.arange(len(t)), np.concatenate([t.in_pos, t.out_pos]))
        assert not batch.values[i, body, N_VALUE_FEATURES:].any()


def test_range_features_read_location_and_scale() -> None:
    f = range_features(np.array([[-1.0, 3.0], [-np.inf, 2.0], [-np.inf, np.inf]]))
    # known, symlog(mid)/4, log(half)/4, symlog(lo)/4, symlog(hi)/4, lo known, hi known
    np.testing.assert_allclose(f[0], [1, np.log(2) / 4, np.log(2 + 2e-6) / 4,
                                      -np.log(2) / 4, np.log(4) / 4, 1, 1], rtol=1e-6)
    np.testing.assert_allclose(f[1], [0, 0, 0, 0, np.log(3) / 4, 0, 1], rtol=1e-6)
    np.testing.assert_array_equal(f[2], np.zeros(7))


def test_a_second_load_reads_the_pretokenised_split(tiny_corpus: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(tiny_corpus, root, ignore=shutil.ignore_patterns("tokens-*"))
    first = load_corpus(str(root), "train", 3072, workers=1)
    assert len(list(root.glob("tokens-train-*.safetensors"))) == 1

    def no_tokenizing(*args, **kwargs):
        raise AssertionError("tokenized again")

    monkeypatch.setattr("nsc_tune.compiler.data.tokenize", no_tokenizing)
    second = load_corpus(str(root), "train", 3072, workers=1)
    assert len(first) == len(second) > 0
    for a, b in zip(first, second, strict=True):
        for part in ("ids", "values", "in_pos", "out_pos", "in_ranges", "out_ranges"):
            np.testing.assert_array_equal(getattr(a.tokens, part), getattr(b.tokens, part))
        np.testing.assert_array_equal(a.X, b.X)
    # Another context length is another tokenization: it gets a cache of its own.
    with pytest.raises(AssertionError, match="tokenized again"):
        load_corpus(str(root), "train", 200, workers=1)
