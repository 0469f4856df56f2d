"""The protocol's kernels: suite kernels by name, and held-out corpus programs.

A corpus program is named ``corpus:<index>`` (its index in the corpus manifest) and is taken from
the corpus's test split only, so CompNet never trained on it. It is rebuilt as a ``Kernel`` from
its stored source and domains, and the protocol draws fresh examples from it through the Numba
ground truth, exactly as for a suite kernel.
"""

from __future__ import annotations

import functools

import numpy as np

from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Kernel

CORPUS_PREFIX = "corpus:"


class ProgramError(NscTuneError):
    """A protocol kernel name names no suite kernel or no test program of the corpus."""


def is_corpus(name: str) -> bool:
    """Whether ``name`` names a corpus program (``corpus:<index>``)."""
    return name.startswith(CORPUS_PREFIX)


@functools.cache
def _test_records(corpus: str) -> dict[int, dict]:
    """The test split's program records of ``corpus``, by manifest index."""
    from nsc_tune.corpus.storage import Corpus

    return {p.record["index"]: p.record for p in Corpus(corpus).programs("test")}


def corpus_names(corpus: str, count: int, seed: int = 0) -> tuple[str, ...]:
    """``count`` programs of the corpus's test split (a seeded sample, in index order)."""
    indices = sorted(_test_records(corpus))
    if count > len(indices):
        raise ProgramError(f"the corpus at {corpus} has {len(indices)} test programs; ask for "
                           f"at most that many (asked for {count})")
    rng = np.random.default_rng([seed, 3])
    chosen = sorted(rng.choice(indices, count, replace=False).tolist())
    return tuple(f"{CORPUS_PREFIX}{i}" for i in chosen)


def check_names(names: tuple[str, ...] | list[str], corpus: str) -> None:
    """Raise ``ProgramError`` naming the first corpus name that is no test program of
    ``corpus`` (before any run starts)."""
    records = _test_records(corpus)
    for name in names:
        index = name.removeprefix(CORPUS_PREFIX)
        if is_corpus(name) and not (index.isdigit() and int(index) in records):
            raise ProgramError(f"{name}: no test program of that index in the corpus at "
                               f"{corpus}; names come from corpus_names (--programs N)")


def load(name: str, corpus: str | None = None) -> Kernel:
    """The kernel a protocol name stands for: a suite kernel, or ``corpus:<index>`` of
    ``corpus`` (its test split)."""
    if not is_corpus(name):
        from nsc_tune import suite

        return suite.load(name)
    if corpus is None:
        raise ProgramError(f"{name} is a corpus program, but no corpus folder was given; pass "
                           "the corpus the names were drawn from (--corpus DIR)")
    check_names([name], corpus)
    r = _test_records(corpus)[int(name.removeprefix(CORPUS_PREFIX))]
    return Kernel.from_source(r["source"], r["function"], domains=r["domains"], name=name)
