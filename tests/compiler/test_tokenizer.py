"""The CompNet tokenizer: roles, numbers as values, slot tokens, context length."""

from __future__ import annotations

import numpy as np
import pytest

from nsc_tune import suite
from nsc_tune.compiler.tokenizer import (
    INDEX,
    NUM,
    VOCAB,
    ProgramTooLongError,
    describe,
    tokenize,
    value_features,
)
from nsc_tune.kernel import Kernel

SRC = """
#include <math.h>
#define GAIN 2.5f
static float helper(float v) { float t = v * GAIN; return t; }
void kern(float speed, const float w[2], float out[2]) {
    float acc = helper(speed) + w[1];
    out[0] = sinf(acc);
    out[1] = 0x10 + 1e-3f;
}
"""


def _kernel() -> Kernel:
    return Kernel.from_source(SRC, domains={"speed": (0, 10), "w": (-1, 1)})


def test_identifiers_become_roles_and_numbers_values() -> None:
    text = describe(tokenize(_kernel()))
    body = text.split("[SEP]")[1]
    assert "speed" not in text and "helper" not in text and "acc" not in text
    assert "KERNEL ( float PARAM0 , const float PARAM1 [ 2 ] , float PARAM2 [ 2 ] )" in body
    assert "FN0 ( float LOC0 )" in body  # helper and its parameter
    assert "2.5" in body  # the macro was expanded and its value kept
    assert "sinf" in body and " 16 " in body and "0.001" in body


def test_header_has_one_slot_per_flattened_input_and_output() -> None:
    k = _kernel()
    t = tokenize(k)
    assert len(t.in_pos) == k.n_inputs == 3 and len(t.out_pos) == k.n_outputs == 2
    assert all(VOCAB[t.ids[p]] == "[IN]" for p in t.in_pos)
    assert all(VOCAB[t.ids[p]] == "[OUT]" for p in t.out_pos)
    # Domains ride in the header as numbers.
    first = t.in_pos[0]
    assert t.ids[first + 3] == NUM and t.values[first + 3] == 0 and t.values[first + 4] == 10
    assert VOCAB[t.ids[t.in_pos[2] + 2]] == "ELEM1"


def test_float_literal_values_are_exact() -> None:
    t = tokenize(_kernel())
    nums = t.values[t.ids == NUM]
    assert np.float32(1e-3) in nums.astype(np.float32)


def test_value_features_distinguish_magnitudes() -> None:
    f = value_features(np.array([0.0, 1.0, -1.0, 1e6, 0.5]))
    assert f.shape == (5, 5)
    assert len({tuple(row) for row in f.round(6)}) == 5


def test_every_suite_kernel_fits_the_context() -> None:
    lengths = {name: len(tokenize(suite.load(name), max_len=3072)) for name in suite.names()}
    assert lengths["jmeint"] > 1000 and lengths["jpeg"] > 512
    with pytest.raises(ProgramTooLongError):
        tokenize(suite.load("jmeint"), max_len=512)


def test_vocabulary_has_no_duplicates() -> None:
    assert len(VOCAB) == len(set(VOCAB)) == len(INDEX)
