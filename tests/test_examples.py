"""Every example script runs (at its --quick size) and reports a verified result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script: Path) -> None:
    out = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True,
                         timeout=600, cwd=script.parents[1])
    assert out.returncode == 0, out.stderr[-2000:]
    assert "verified" in out.stdout or "real simulation" in out.stdout, out.stdout


def test_there_are_examples() -> None:
    assert {p.stem for p in EXAMPLES} >= {"implied_volatility", "arm_reach", "pid_tuning",
                                          "accelerate_projectile", "compile_and_fit",
                                          "beam_design"}
