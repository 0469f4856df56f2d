"""Corpus test programs as protocol kernels: held out, rebuilt faithfully, reported apart."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from nsc_tune.corpus.storage import Corpus
from nsc_tune.evaluate.programs import ProgramError, corpus_names, is_corpus, load
from nsc_tune.evaluate.protocol import ProtocolConfig, data_efficiency, markdown


def test_names_are_a_seeded_sample_of_the_test_split(tiny_corpus: Path) -> None:
    split = {p["index"]: p["split"]
             for p in json.loads((tiny_corpus / "manifest.json").read_text())["programs"]}
    names = corpus_names(str(tiny_corpus), 3, seed=0)
    assert len(set(names)) == 3 and all(is_corpus(n) for n in names)
    assert all(split[int(n.split(":")[1])] == "test" for n in names)
    assert corpus_names(str(tiny_corpus), 3, seed=0) == names
    n_test = sum(s == "test" for s in split.values())
    with pytest.raises(ProgramError, match=f"has {n_test} test programs"):
        corpus_names(str(tiny_corpus), n_test + 1)


def test_a_loaded_program_reproduces_its_stored_gcc_outputs(tiny_corpus: Path) -> None:
    # The corpus stored each program's outputs from the gcc-compiled C; the rebuilt kernel
    # (Numba ground truth) must give the same on the stored inputs.
    stored = {p.record["index"]: p for p in Corpus(tiny_corpus).programs("test")}
    for name in corpus_names(str(tiny_corpus), 3):
        prog = stored[int(name.split(":")[1])]
        k = load(name, str(tiny_corpus))
        assert k.name == name
        assert (k.n_inputs, k.n_outputs) == (prog.X.shape[1], prog.Y.shape[1])
        np.testing.assert_allclose(k.domains, prog.record["domains"])
        np.testing.assert_allclose(k(prog.X.astype(np.float64)), prog.Y, rtol=1e-5, atol=1e-5)


def test_bad_names_say_what_to_pass(tiny_corpus: Path) -> None:
    with pytest.raises(ProgramError, match="no corpus folder"):
        load("corpus:3")
    train = next(p.record["index"] for p in Corpus(tiny_corpus).programs("train"))
    with pytest.raises(ProgramError, match="no test program"):
        load(f"corpus:{train}", str(tiny_corpus))  # training programs are never evaluated
    assert load("fft").name == "fft"


def test_protocol_reports_suite_and_corpus_apart(tiny_corpus: Path) -> None:
    names = corpus_names(str(tiny_corpus), 2)
    cfg = ProtocolConfig(kernels=("kmeans", *names), pool=100, test=100, fractions=(0.0, 0.5),
                         trials=1, epochs=3, inits=("random", "compiled"), workers=1,
                         corpus=str(tiny_corpus))
    result = data_efficiency(cfg, progress=False)
    summary = result["summary"]
    per = {(e["kernel"], e["fraction"]): e["improvement_compiled"] for e in summary["table"]}
    suite_geo = np.exp(np.mean(np.log([per[("kmeans", f)] for f in (0.0, 0.5)])))
    corpus_geo = np.exp(np.mean(np.log([per[(n, f)] for n in names for f in (0.0, 0.5)])))
    assert summary["geomean_improvement"]["compiled"] == pytest.approx(suite_geo)
    assert summary["geomean_improvement_corpus"]["compiled"] == pytest.approx(corpus_geo)
    table = markdown(result)
    assert "| kmeans | 0.5 |" in table and "| 2 | 0.5 |" in table
    assert names[0] not in table  # corpus programs are summarised, not listed
    # the batched path loads the same programs
    batched = data_efficiency(dataclasses.replace(cfg, device="cpu"), progress=False)
    for a, b in zip(result["rows"], batched["rows"], strict=True):
        assert b["test_mse"] == pytest.approx(a["test_mse"], rel=1e-4)
