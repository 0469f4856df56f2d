"""Near-duplicate detection: renamed copies are caught, different programs are not.

``python -m tests.corpus.test_dedup`` prints the similarity report quoted in docs/leakage.md.
"""

from __future__ import annotations

import random
import re
import time

import numpy as np
import pytest

from nsc_tune import suite
from nsc_tune.corpus.dedup import (
    DEFAULT_N,
    NearDuplicateIndex,
    exact_duplicates,
    jaccard,
    shingle_hashes,
    shingles,
)
from nsc_tune.kernel.lexer import normalized, raw_key
from tests.corpus.test_leakage import (
    _NUM,
    UNRELATED,
    collapse_whitespace,
    kernel_cases,
    perturb,
    rename,
)


def _programs() -> dict[str, str]:
    progs = {f"suite:{n}": suite.source(n) for n in suite.names()}
    progs.update({f"case:{n}": s for n, s in kernel_cases().items()})
    progs.update({f"unrelated:{n}": s for n, s in UNRELATED.items()})
    return progs


def similarity(a: str, b: str, n: int = DEFAULT_N) -> float:
    """Exact Jaccard similarity of two programs' normalised shingles (numbers kept)."""
    return jaccard(shingles(normalized(a, keep_numbers=True), n),
                   shingles(normalized(b, keep_numbers=True), n))


def perturb_some(src: str, k: int, rng: random.Random) -> str | None:
    """Scale ``k`` numeric literals of code lines by 1.1 (None when there are none)."""
    found = [m for m in _NUM.finditer(src)
             if not src[: m.start()].rsplit("\n", 1)[-1].lstrip().startswith(("#", "/*", "*"))]
    if not found:
        return None
    for i in sorted(rng.sample(range(len(found)), min(k, len(found))), reverse=True):
        m = found[i]
        src = src[: m.start()] + perturb(m.group(), 1.1) + src[m.end():]
    return src


_OPS = [(" + ", " - "), (" * ", " / "), (" - ", " + "), (" < ", " > ")]


def change_operator(src: str, rng: random.Random) -> str | None:
    """Swap one binary operator in a code line (None when there is none)."""
    spots = [(m.start(), a, b) for a, b in _OPS for m in re.finditer(re.escape(a), src)
             if not src[: m.start()].rsplit("\n", 1)[-1].lstrip().startswith(("#", "/*", "*"))]
    if not spots:
        return None
    at, a, b = rng.choice(spots)
    return src[:at] + b + src[at + len(a):]


def test_shingles() -> None:
    toks = ["a", "b", "c", "d"]
    assert shingles(toks, 2) == {("a", "b"), ("b", "c"), ("c", "d")}
    assert shingles(toks, 9) == {tuple(toks)}
    assert shingles([], 3) == set()
    h = shingle_hashes(toks, 2)
    assert len(h) == 3 and h.dtype == np.uint64 and int(h.max()) < 2**32
    assert np.array_equal(h, shingle_hashes(list(toks), 2))  # stable
    assert len(shingle_hashes(["a", "b", "a", "b"], 2)) == 2  # distinct n-grams only


def test_renamed_copies_are_caught() -> None:
    index = NearDuplicateIndex()
    progs = _programs()
    for name, src in progs.items():
        assert index.add(name, src) is None, name
    assert len(index) == len(progs)
    for name, src in progs.items():
        copy = collapse_whitespace(rename(src))
        assert similarity(src, copy) == 1.0
        assert index.add("copy:" + name, copy) == name
    assert len(index) == len(progs)  # duplicates are not indexed
    assert index.add("suite:fft", "anything") == "suite:fft"  # known key


def test_different_programs_are_not_duplicates() -> None:
    index = NearDuplicateIndex()
    for name, src in _programs().items():
        assert index.add(name, src) is None, (name, index.query(src))


def test_constant_and_operator_variants_mostly_kept() -> None:
    rng = random.Random(0)
    progs = _programs()
    index = NearDuplicateIndex()
    for name, src in progs.items():
        index.add(name, src)
    total = caught = 0
    for src in progs.values():
        for variant in (perturb_some(src, 1, rng), perturb_some(src, 3, rng),
                        change_operator(src, rng)):
            if variant is None or variant == src:
                continue
            total += 1
            caught += index.query(variant) is not None
    assert total > 100
    assert caught / total < 0.2, (caught, total)


def test_exact_duplicates() -> None:
    src = suite.source("kmeans")
    keys = [raw_key(src), raw_key(collapse_whitespace(src)), raw_key(rename(src))]
    assert keys[0] == keys[1] != keys[2]
    assert exact_duplicates(keys) == {keys[0]: 2}


def test_threshold_validation() -> None:
    with pytest.raises(ValueError):
        NearDuplicateIndex(threshold=0.0)


# ---- report (docs/leakage.md) -------------------------------------------------------------------

def report(corpus: int = 20000) -> None:
    """Print the similarity distributions behind DEFAULT_N and DEFAULT_THRESHOLD."""
    from collections import defaultdict

    from nsc_tune.corpus.generate import generate

    rng = random.Random(0)
    gen = [generate(0, i) for i in range(corpus)]
    bases = list(_programs().values()) + [g.source for g in gen[:300]]
    families: dict[str, list[str]] = defaultdict(list)
    for g in gen[:4000]:
        families[g.family].append(g.source)
    print(f"{len(bases)} base programs (suite, tests/kernel/cases, hand-written, 300 generated)")
    for n in (3, 5, 8):
        rows: dict[str, list[float]] = defaultdict(list)
        for b in bases:
            rows["renamed+reformatted"].append(similarity(b, collapse_whitespace(rename(b)), n))
            for k in (1, 3):
                v = perturb_some(b, k, rng)
                if v is not None and v != b:
                    rows[f"{k} constant(s) +10%"].append(similarity(b, v, n))
            v = change_operator(b, rng)
            if v is not None:
                rows["1 operator changed"].append(similarity(b, v, n))
        for _ in range(2000):
            a, b = rng.sample(families[rng.choice(sorted(families))], 2)
            rows["random same-family pair"].append(similarity(a, b, n))
        print(f"\n## n={n} (exact Jaccard)")
        for kind, vals in rows.items():
            v = np.asarray(vals)
            print(f"{kind:24s} pairs={len(v):4d} min {v.min():.3f} median {np.median(v):.3f} "
                  f"p90 {np.quantile(v, 0.9):.3f} max {v.max():.3f} "
                  f">=0.9 {np.mean(v >= 0.9):.1%} >=0.95 {np.mean(v >= 0.95):.1%}")
    index = NearDuplicateIndex()
    caught = total = 0
    for b in bases:
        index.add(raw_key(b), b)
    for b in bases:
        for v in (perturb_some(b, 1, rng), change_operator(b, rng)):
            if v is not None and v != b:
                total += 1
                caught += index.query(v) is not None
    print(f"\nindex (defaults): 1-constant/1-operator variants flagged {caught}/{total}")
    index = NearDuplicateIndex()
    t = time.perf_counter()
    hits = sum(index.add(raw_key(g.source), g.source) is not None for g in gen)
    dt = time.perf_counter() - t
    print(f"generated corpus generate(0, i), i < {corpus}: {corpus / dt:,.0f} add()/s, "
          f"{hits} near duplicates ({hits / corpus:.1%})")


if __name__ == "__main__":
    report()
