"""Leakage check: keep the benchmark suite's kernels (and anything near them) out of the corpus.

Method (measurements and the command that made them: ``docs/leakage.md``):

1. Tokenise with :mod:`nsc_tune.kernel.lexer` (comments, preprocessor lines, whitespace dropped).
2. Abstract operands: every identifier and every numeric/character literal becomes one symbol
   ``V``; keywords, type names, math.h names, operators and punctuation stay. Renaming, changing
   constants and inlining a ``#define`` constant (``L1`` -> ``0.5f``) then leave the stream as is,
   and so does embedding the kernel in a larger file (no per-file numbering to shift).
3. Take the set of token n-grams (``n = 8``) of the candidate and of each suite kernel.
4. Similarity to a suite kernel = max(Jaccard, containment), containment being the share of the
   suite kernel's n-grams found in the candidate (a kernel pasted into a bigger program).
5. ``is_leak``: the best similarity is at least ``THRESHOLD = 0.39``.

Usage::

    checker = LeakageChecker()              # all nsc_tune.suite kernels
    checker.score(src)                      # ('fft', 0.83)
    checker.is_leak(src)                    # True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from nsc_tune.kernel.lexer import MATH_NAMES, kinds_and_texts

__all__ = ["DEFAULT_N", "THRESHOLD", "LeakageChecker", "ngrams", "operand_stream"]

DEFAULT_N = 8
THRESHOLD = 0.39

_OPERAND = "V"


def operand_stream(source: str) -> list[str]:
    """Token texts with identifiers and literals abstracted to one operand symbol ``V``.

    Keywords, type names, math.h function names, operators and punctuation stay verbatim;
    string literals become ``STR``.

    Arguments:
        source: C text.

    Returns:
        The abstracted token texts in order.
    """
    out: list[str] = []
    append = out.append
    for kind, text in kinds_and_texts(source):
        if kind == "ident":
            append(text if text in MATH_NAMES else _OPERAND)
        elif kind == "number" or kind == "char":
            append(_OPERAND)
        elif kind == "string":
            append("STR")
        else:
            append(text)
    return _collapse_parameters(out)


def _collapse_parameters(ts: list[str]) -> list[str]:
    """Keep each distinct parameter declaration of a function once, in order of appearance.

    ``f(float a, float b, float c)`` and ``f(float a, float b)`` both become ``V ( float V ) {``:
    a long run of like parameters says nothing about the computation, yet it would fill many
    n-grams of a short kernel (kmeans has six ``float`` parameters).
    """
    out: list[str] = []
    depth = 0
    i, n = 0, len(ts)
    while i < n:
        t = ts[i]
        if t == "(" and depth == 0 and out and out[-1] == _OPERAND:
            j, level = i + 1, 1
            while j < n and level:
                level += ts[j] == "("
                level -= ts[j] == ")"
                j += 1
            if level == 0 and j < n and ts[j] in ("{", ";"):
                seen: list[tuple[str, ...]] = []
                decl: list[str] = []
                level = 0
                for tok in ts[i + 1 : j - 1] + [","]:
                    if tok == "," and level == 0:
                        if decl and tuple(decl) not in seen:
                            seen.append(tuple(decl))
                        decl = []
                        continue
                    level += (tok == "(") - (tok == ")")
                    decl.append(tok)
                out.append("(")
                for m, shape in enumerate(seen):
                    if m:
                        out.append(",")
                    out.extend(shape)
                out.append(")")
                i = j
                continue
        if t == "{":
            depth += 1
        elif t == "}":
            depth = max(depth - 1, 0)
        out.append(t)
        i += 1
    return out


def ngrams(source: str, n: int = DEFAULT_N) -> set[tuple[str, ...]]:
    """The set of operand-abstracted token n-grams of ``source``.

    Arguments:
        source: C text.
        n: n-gram length.

    Returns:
        A set of n-tuples of token texts (empty when the program has fewer than n tokens).
    """
    ts = operand_stream(source)
    return set(zip(*(ts[i:] for i in range(n)), strict=False))


class LeakageChecker:
    """Scores programs against the benchmark suite by token n-gram similarity.

    Arguments:
        sources: ``{name: C source}`` of the kernels to protect; default all ``nsc_tune.suite``
            kernels.
        n: n-gram length (default 8, chosen by measurement: docs/leakage.md).
        threshold: ``is_leak`` cut-off on the similarity (default 0.39).
    """

    def __init__(
        self,
        sources: Mapping[str, str] | None = None,
        *,
        n: int = DEFAULT_N,
        threshold: float = THRESHOLD,
    ) -> None:
        if sources is None:
            from nsc_tune import suite

            sources = {name: suite.source(name) for name in suite.names()}
        if n < 1:
            raise ValueError(f"n must be positive, got {n}")
        self.n = n
        self.threshold = float(threshold)
        self._suite: list[tuple[str, set[tuple[str, ...]]]] = []
        for name, src in sources.items():
            grams = ngrams(src, n)
            if not grams:
                raise ValueError(f"suite kernel {name!r} has fewer than {n} tokens")
            self._suite.append((name, grams))
        self._last: tuple[str, dict[str, float]] | None = None

    @property
    def names(self) -> list[str]:
        """The protected kernels' names."""
        return [name for name, _ in self._suite]

    def scores(self, source: str) -> dict[str, float]:
        """Similarity of ``source`` to every protected kernel.

        Arguments:
            source: C text of a candidate program.

        Returns:
            ``{kernel name: max(Jaccard, containment)}``, each in [0, 1].
        """
        if self._last is not None and self._last[0] == source:
            return dict(self._last[1])
        cand = ngrams(source, self.n)
        out: dict[str, float] = {}
        for name, grams in self._suite:
            inter = len(grams & cand) if cand else 0
            union = len(grams) + len(cand) - inter
            out[name] = max(inter / union, inter / len(grams))
        self._last = (source, out)
        return dict(out)

    def score(self, source: str) -> tuple[str, float]:
        """The most similar protected kernel and the similarity.

        Arguments:
            source: C text of a candidate program.

        Returns:
            ``(kernel name, similarity in [0, 1])``.
        """
        scores = self.scores(source)
        name = max(scores, key=scores.__getitem__)
        return name, scores[name]

    def is_leak(self, source: str) -> bool:
        """Whether ``source`` is too close to a protected kernel to enter the corpus.

        Arguments:
            source: C text of a candidate program.

        Returns:
            True when the best similarity reaches ``self.threshold``.
        """
        return self.score(source)[1] >= self.threshold

    def filter(self, sources: Iterable[str]) -> list[bool]:
        """``is_leak`` for many programs.

        Arguments:
            sources: C texts.

        Returns:
            One bool per program, True for a leak.
        """
        return [self.is_leak(src) for src in sources]
