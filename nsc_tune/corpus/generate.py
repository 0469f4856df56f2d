"""Synthetic C programs for the pretraining corpus, modelled on real numeric code.

``generate(seed, index)`` picks a family by weight, a template within it, and lets the template
build a complete, self-contained C kernel with a ``#pragma nsc_tune domain`` for every input.
Deterministic in ``(seed, index)``; pure Python string building (well under 5 ms a program).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from nsc_tune.corpus.families import REGISTRY, Prog


@dataclass(frozen=True)
class GeneratedProgram:
    """One generated kernel: its C text, the kernel function's name and its family."""

    source: str
    function: str
    family: str


#: All family names, in registry order.
FAMILIES: tuple[str, ...] = tuple(REGISTRY)
#: Sampling weight of each family (normalised in ``FAMILY_SHARES``).
FAMILY_WEIGHTS: dict[str, float] = {k: v[0] for k, v in REGISTRY.items()}
FAMILY_SHARES: dict[str, float] = {k: w / sum(FAMILY_WEIGHTS.values())
                                   for k, w in FAMILY_WEIGHTS.items()}
_CUM = list(accumulate(FAMILY_WEIGHTS.values()))


def _rng(seed: int, index: int) -> random.Random:
    return random.Random(f"nsc_tune.generate:{int(seed)}:{int(index)}")


def generate(seed: int, index: int, family: str | None = None) -> GeneratedProgram:
    """The ``index``-th program of the stream ``seed`` (byte-identical for equal arguments).

    Arguments:
        seed: stream seed.
        index: position in the stream.
        family: force a family (for tests and targeted sampling); default: drawn by weight.

    Returns:
        The GeneratedProgram.
    """
    r = _rng(seed, index)
    if family is None:
        family = r.choices(FAMILIES, cum_weights=_CUM)[0]
    elif family not in REGISTRY:
        raise KeyError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    _, p_double, templates = REGISTRY[family]
    template = r.choice(templates)
    p = Prog(r, family)
    p.T = "double" if r.random() < p_double else "float"
    template(p)
    return GeneratedProgram(p.render(), p.fname, family)


def generate_many(seed: int, start: int, count: int) -> list[GeneratedProgram]:
    """Programs ``start .. start + count - 1`` of the stream ``seed``."""
    return [generate(seed, i) for i in range(start, start + count)]
