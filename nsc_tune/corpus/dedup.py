"""Duplicate detection for the corpus: exact (token) keys and near duplicates (MinHash LSH).

Near duplicates are judged on :func:`nsc_tune.kernel.lexer.normalized` tokens with numbers kept:
identifiers are numbered by first appearance, so programs that differ only in names, whitespace
and comments have identical shingle sets (similarity 1), while programs of one template with
other constants or operators differ in every shingle that covers the change. The defaults
(``n = 8`` token shingles, Jaccard threshold 0.95, 128 permutations) come from the measurement in
``docs/leakage.md``.

Usage::

    index = NearDuplicateIndex()
    for key, src in programs:
        if index.add(key, src) is not None:
            ...  # a near duplicate of an earlier program: drop it
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

from nsc_tune.kernel.lexer import normalized

__all__ = [
    "DEFAULT_N",
    "DEFAULT_NUM_PERM",
    "DEFAULT_THRESHOLD",
    "NearDuplicateIndex",
    "exact_duplicates",
    "jaccard",
    "shingle_hashes",
    "shingles",
]

DEFAULT_N = 8
DEFAULT_THRESHOLD = 0.95
DEFAULT_NUM_PERM = 128

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant for the polynomial n-gram hash
_MASK32 = np.uint64(0xFFFFFFFF)


def shingles(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    """The set of token n-grams (a program shorter than n tokens gives one shorter shingle).

    Arguments:
        tokens: token texts, e.g. ``normalized(source, keep_numbers=True)``.
        n: shingle length.

    Returns:
        A set of tuples of token texts.
    """
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return set(zip(*(tokens[i:] for i in range(n)), strict=False))


def shingle_hashes(tokens: list[str], n: int) -> np.ndarray:
    """Stable 32-bit hashes of the distinct token n-grams (same in every process).

    Arguments:
        tokens: token texts.
        n: shingle length.

    Returns:
        A sorted uint64 array of distinct values below 2**32.
    """
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    ids = np.fromiter(
        (zlib.crc32(t.encode("utf-8", "surrogatepass")) for t in tokens),
        dtype=np.uint64,
        count=len(tokens),
    )
    m = max(len(ids) - n + 1, 1)
    width = min(n, len(ids))
    h = np.zeros(m, dtype=np.uint64)
    for k in range(width):
        h = h * _MULT + ids[k : k + m] + np.uint64(k + 1)
    h ^= h >> np.uint64(29)
    h *= _MULT
    return np.unique((h >> np.uint64(32)) ^ (h & _MASK32))


def _identity(x: int) -> int:
    return x


def jaccard(a: set, b: set) -> float:
    """Exact Jaccard similarity of two sets (1.0 for two empty sets).

    Arguments:
        a, b: sets.

    Returns:
        ``|a & b| / |a | b|``.
    """
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class NearDuplicateIndex:
    """An index of programs that answers "is this a near duplicate of one already added?".

    MinHash signatures of the shingle sets go into a ``datasketch.MinHashLSH``; LSH candidates
    are confirmed by their estimated Jaccard similarity reaching ``threshold``.

    Arguments:
        threshold: Jaccard similarity at or above which two programs are near duplicates.
        num_perm: MinHash permutations (64 is faster, 128 estimates more tightly).
        n: shingle length in tokens.
        seed: MinHash seed (indexes to be compared must share it).
        weights: datasketch's (false positive, false negative) weights for choosing the LSH
            bands; the default favours recall (6 bands of 21 rows at 128 permutations: a pair
            with Jaccard 0.95 becomes a candidate with probability 0.92, one with 0.99 always),
            candidates are then confirmed on their signatures.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        num_perm: int = DEFAULT_NUM_PERM,
        n: int = DEFAULT_N,
        seed: int = 1,
        weights: tuple[float, float] = (0.05, 0.95),
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = float(threshold)
        self.num_perm = int(num_perm)
        self.n = int(n)
        self.seed = int(seed)
        self._lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm, weights=weights)
        self._template = MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=_identity)
        self._signatures: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: object) -> bool:
        return key in self._signatures

    def minhash(self, source: str) -> MinHash:
        """The MinHash signature of a program.

        Arguments:
            source: C text.

        Returns:
            A ``datasketch.MinHash`` over the program's normalised token shingles.
        """
        m = self._template.copy()
        m.update_batch(shingle_hashes(normalized(source, keep_numbers=True), self.n).tolist())
        return m

    def query(self, source: str) -> tuple[str, float] | None:
        """The most similar indexed program, if it is a near duplicate; indexes nothing.

        Arguments:
            source: C text.

        Returns:
            ``(key, estimated Jaccard)`` or None.
        """
        return self._query(self.minhash(source))

    def _query(self, m: MinHash) -> tuple[str, float] | None:
        best: tuple[str, float] | None = None
        hv = m.hashvalues
        for key in self._lsh.query(m):
            sim = float(np.count_nonzero(self._signatures[key] == hv)) / self.num_perm
            if sim >= self.threshold and (best is None or sim > best[1]):
                best = (key, sim)
        return best

    def add(self, key: str, source: str) -> str | None:
        """Check a program against the index and index it when it is new.

        Arguments:
            key: a unique name for the program (e.g. its ``raw_key``).
            source: C text.

        Returns:
            The key of an earlier near duplicate (the program is then not indexed), or None
            (the program is indexed under ``key``).
        """
        if key in self._signatures:
            return key
        m = self.minhash(source)
        hit = self._query(m)
        if hit is not None:
            return hit[0]
        self._lsh.insert(key, m, check_duplication=False)
        self._signatures[key] = m.hashvalues.copy()
        return None


def exact_duplicates(keys: Iterable[str]) -> dict[str, int]:
    """Keys that occur more than once.

    Arguments:
        keys: e.g. ``raw_key`` of every program.

    Returns:
        ``{key: count}`` for every key seen at least twice.
    """
    return {k: c for k, c in Counter(keys).items() if c > 1}
