"""A candidate generator for tests: the synthetic generator, with suite kernels planted in it.

Candidates 3 and 7 are exact copies of suite kernels; 5 and 9 are lightly edited copies
(identifiers renamed, constants nudged, one statement added). The build's leakage check must drop
all four.
"""

from __future__ import annotations

import re

from nsc_tune import suite
from nsc_tune.corpus.generate import GeneratedProgram
from nsc_tune.corpus.generate import generate as synthetic

PLANTED = {3: ("sobel", False), 5: ("blackscholes", True), 7: ("kmeans", False),
           9: ("inversek2j", True)}


def edit(source: str) -> str:
    """Rename identifiers, nudge float constants by 5%, add a harmless statement."""
    out = re.sub(r"\b(sum|tmp|x|y|d|r|g|b)\b", lambda m: m.group(1) + "_v", source)
    out = re.sub(r"(\d+\.\d+)f", lambda m: f"{float(m.group(1)) * 1.05:.6f}f", out)
    return out.replace("{\n", "{\n    int unused_counter = 0; (void)unused_counter;\n", 1)


def generate(seed: int, index: int) -> GeneratedProgram:
    if index in PLANTED:
        name, edited = PLANTED[index]
        src = suite.source(name)
        return GeneratedProgram(edit(src) if edited else src, name, "planted")
    return synthetic(seed, index)
