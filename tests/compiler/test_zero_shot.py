"""The zero-shot report's breakdown: each bin's statistic is the one over its programs."""

from __future__ import annotations

import math

import pytest

from nsc_tune.compiler.zero_shot import breakdown


def _row(tokens: int, outputs: int, ratio: float) -> dict:
    return {"family": "f", "mse_compiled": 1.0, "mse_random": ratio, "variance": 1.0,
            "tokens": tokens, "outputs": outputs}


def test_breakdown_bins_programs_by_length_and_outputs() -> None:
    rows = [_row(100, 1, 4.0), _row(120, 3, 16.0), _row(300, 1, 0.5), _row(2000, 20, 2.0)]
    b = breakdown(rows)
    by_tokens = {e["from"]: e for e in b["tokens"]}
    assert set(by_tokens) == {0, 250, 700}  # empty bins are left out
    assert by_tokens[0]["programs"] == 2 and by_tokens[0]["below"] == 150
    assert by_tokens[0]["geomean_improvement"] == pytest.approx(math.sqrt(4.0 * 16.0))
    assert by_tokens[250]["share_better_than_random"] == 0.0
    assert by_tokens[700]["below"] is None
    by_outputs = {e["from"]: e for e in b["outputs"]}
    assert by_outputs[1]["geomean_improvement"] == pytest.approx(math.sqrt(4.0 * 0.5))
    assert by_outputs[2]["programs"] == by_outputs[17]["programs"] == 1
