"""Synthetic C programs for the pretraining corpus, modelled on real numeric code.

``generate(seed, index)`` picks a family by weight, a template within it, and lets the template
build a complete, self-contained C kernel with a ``#pragma nsc_tune domain`` for every input.
A share of programs (``COMPOSITE_SHARE``) are composites: 2-4 template kernels become ``static``
routines called by one kernel (a pipeline of routines, as in real code; the long-program tail).
Deterministic in ``(seed, index)``; pure Python string building (well under 5 ms a program).
See docs/corpus_generator.md.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
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
#: Share of programs that combine several template kernels into one.
COMPOSITE_SHARE = 0.25
#: Most flattened inputs / outputs a program may have.
MAX_ARITY = 64


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
    p = _part(r, family)
    if r.random() < COMPOSITE_SHARE:
        parts = [p]
        for _ in range(r.choice((1, 1, 2, 3))):
            fam = family if r.random() < 0.6 else r.choices(FAMILIES, cum_weights=_CUM)[0]
            q = _part(r, fam, like=p)
            if (sum(x.n_in() for x in parts) + q.n_in() <= MAX_ARITY
                    and sum(x.n_out() for x in parts) + q.n_out() <= MAX_ARITY):
                parts.append(q)
        if len(parts) > 1:
            c = _compose(r, parts)
            return GeneratedProgram(c.render(), c.fname, family)
    return GeneratedProgram(p.render(), p.fname, family)


def _part(r: random.Random, family: str, like: Prog | None = None) -> Prog:
    """Run one template of ``family`` (sharing names and style with ``like``)."""
    _, p_double, templates = REGISTRY[family]
    p = Prog(r, family, like)
    if like is not None and r.random() < 0.8:
        p.T = like.T
    else:
        p.T = "double" if r.random() < p_double else "float"
    r.choice(templates)(p)
    return p


def _compose(r: random.Random, parts: list[Prog]) -> Prog:
    """One kernel calling each part's kernel (made ``static``), outputs passed through."""
    top = parts[0]
    c = Prog(r, top.family, like=top)
    c.comment = top.comment
    c.fname = c.name(r.choice((top.fname + "_all", "process", "evaluate", "update_all",
                               "pipeline", "run_stages", "compute_all", "kernel", "step")))
    for q in parts:
        for h in q.includes:
            c.include(h)
        c.defines += q.defines
        c.globals += q.globals
        c.helpers += q.helpers + [q.function_text(static=True)]
    for k, q in enumerate(parts):
        for a in q.args:  # a scalar pointer output handed on to a callee needs an explicit size
            if a.is_out and "*" in a.decl and not a.pragmas:
                a = replace(a, pragmas=(f"shape({a.name}, 1)",))
            c.args.append(a)
        call = f"{q.fname}({', '.join(a.name for a in q.args)})"
        if q.ret_type == "void":
            c.w(call + ";")
        elif k == 0:
            res = c.name("result", "res", "r0")
            c.w(f"{q.ret_type} {res} = {call};")
            c.ret_type = q.ret_type
        else:
            o = c.out_ptr((q.fname + "_out", "out", "res"), q.ret_type)
            c.w(f"*{o} = {call};")
    if c.ret_type != "void":
        c.w(f"return {res};")
    return c


def generate_many(seed: int, start: int, count: int) -> list[GeneratedProgram]:
    """Programs ``start .. start + count - 1`` of the stream ``seed``."""
    return [generate(seed, i) for i in range(start, start + count)]
