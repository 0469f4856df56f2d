"""A C token stream for analysis: dedup keys, leakage checks and the compiler's tokenizer.

This is not the parser's lexer (that is pycparser's, after the real preprocessor): it works on raw
C text, never fails, drops comments, preprocessor lines and whitespace, and classifies what is left.

Usage::

    from nsc_tune.kernel.lexer import tokens, normalized, raw_key
    tokens("float f(float x) { return 2.0f * x; }")
    normalized("float f(float x) { return sinf(x) + 2; }")
    # ['float', 'ID0', '(', 'float', 'ID1', ')', '{', 'return', 'sinf', '(', 'ID1', ')', '+',
    #  'NUM', ';', '}']
    raw_key(src)   # exact-dedup key: blake2b of the token texts

Token kinds: ``ident``, ``keyword``, ``type``, ``number`` (pp-numbers: ints, hex, octal, binary,
floats, hex floats, with suffixes), ``char`` (character literal), ``string``, ``op``
(operators, including multi-character ones such as ``<<=`` and ``->``), ``punct``
(``( ) [ ] { } , ; ...``) and ``other`` (a character C does not use, such as ``@``).
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from nsc_tune.kernel.mathlib import MATH_FUNCTIONS

__all__ = [
    "KEYWORDS",
    "MATH_NAMES",
    "TYPE_NAMES",
    "Token",
    "kinds_and_texts",
    "normalized",
    "raw_key",
    "texts",
    "tokens",
]


class Token(NamedTuple):
    """One C token.

    Arguments:
        kind: ``ident``, ``keyword``, ``type``, ``number``, ``char``, ``string``, ``op``,
            ``punct`` or ``other``.
        text: the token as written.
        line: 1-based line of its first character.
    """

    kind: str
    text: str
    line: int


KEYWORDS: frozenset[str] = frozenset(
    """auto break case const continue default do else enum extern for goto if inline register
    restrict return sizeof static struct switch typedef union volatile while _Alignas _Alignof
    _Atomic _Generic _Noreturn _Static_assert _Thread_local true false""".split()
)

_STDINT = [
    f"{u}int{p}{w}_t"
    for u in ("", "u")
    for p in ("", "_least", "_fast")
    for w in (8, 16, 32, 64)
]
TYPE_NAMES: frozenset[str] = frozenset(
    """void char short int long float double signed unsigned _Bool _Complex _Imaginary bool
    size_t ssize_t ptrdiff_t intptr_t uintptr_t intmax_t uintmax_t""".split()
    + _STDINT
)

# Every math.h name the kernel translator knows, except its private builtins.
MATH_NAMES: frozenset[str] = frozenset(n for n in MATH_FUNCTIONS if not n.startswith("__"))

_OPS = sorted(
    """<<= >>= -> ++ -- << >> <= >= == != && || += -= *= /= %= &= ^= |= ##
    + - * / % < > = ! ~ & | ^ ? : . #""".split(),
    key=len,
    reverse=True,
)
_PUNCT = ["...", "(", ")", "[", "]", "{", "}", ",", ";"]

# Order matters: preprocessor lines before '#', comments before '/', literals with a prefix
# (L'a', u8"s") before identifiers, numbers (including '.5') before the '.' operator.
_TOKEN_RE = re.compile(
    r"""
    (?P<pp>^[ \t]*\#(?:/\*[\s\S]*?(?:\*/|\Z)|\\\r?\n|[^\n])*)
  | (?P<nl>\n+)
  | (?P<ws>[^\S\n]+)
  | (?P<comment>//(?:\\\r?\n|[^\n])*|/\*[\s\S]*?(?:\*/|\Z))
  | (?P<char>(?:u8|[uUL])?'(?:\\.|[^'\\\n])*'?)
  | (?P<string>(?:u8|[uUL])?"(?:\\.|[^"\\\n])*"?)
  | (?P<word>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.]|'(?=[0-9A-Za-z_]))*)
  | (?P<punct>"""
    + "|".join(re.escape(p) for p in _PUNCT)
    + r""")
  | (?P<op>"""
    + "|".join(re.escape(o) for o in _OPS)
    + r""")
  | (?P<other>.)
    """,
    re.VERBOSE | re.MULTILINE | re.DOTALL,
)

_DROPPED = frozenset(("pp", "nl", "ws", "comment"))


def tokens(source: str) -> list[Token]:
    """Split C text into tokens, dropping comments, preprocessor lines and whitespace.

    Arguments:
        source: C text (any; malformed text still yields tokens, never an error).

    Returns:
        The tokens in order, each with its kind, text and 1-based line.
    """
    out: list[Token] = []
    append = out.append
    line = 1
    for m in _TOKEN_RE.finditer(source):
        kind = m.lastgroup
        text = m.group()
        if kind in _DROPPED:
            line += text.count("\n")
            continue
        if kind == "word":
            if text in KEYWORDS:
                kind = "keyword"
            elif text in TYPE_NAMES:
                kind = "type"
            else:
                kind = "ident"
        append(Token(kind, text, line))
    return out


_WORD_KIND = {**{w: "keyword" for w in KEYWORDS}, **{w: "type" for w in TYPE_NAMES}}


def kinds_and_texts(source: str) -> list[tuple[str, str]]:
    """``(kind, text)`` of every token, as :func:`tokens` gives them but without lines (faster).

    Arguments:
        source: C text.

    Returns:
        The ``(kind, text)`` pairs in order.
    """
    word_kind = _WORD_KIND.get
    dropped = _DROPPED
    out = []
    append = out.append
    for m in _TOKEN_RE.finditer(source):
        kind = m.lastgroup
        if kind in dropped:
            continue
        text = m.group()
        if kind == "word":
            kind = word_kind(text, "ident")
        append((kind, text))
    return out


def texts(source: str) -> list[str]:
    """The token texts of ``source`` (comments, preprocessor lines and whitespace dropped).

    Arguments:
        source: C text.

    Returns:
        The token texts in order.
    """
    return [text for _, text in kinds_and_texts(source)]


def normalized(source: str, *, keep_numbers: bool = False) -> list[str]:
    """Token texts with identifiers canonicalised, for similarity that ignores naming.

    Identifiers become ``ID0``, ``ID1``, ... by order of first appearance, except C keywords,
    type names (``int32_t``, ``size_t``, ...) and math.h function names, which stay verbatim.
    Numeric and character literals become ``NUM`` (unless ``keep_numbers``); strings ``STR``.

    Arguments:
        source: C text.
        keep_numbers: keep numeric and character literals as written.

    Returns:
        The normalised token texts in order.
    """
    ids: dict[str, str] = {}
    out: list[str] = []
    append = out.append
    for kind, text in kinds_and_texts(source):
        if kind == "ident":
            if text in MATH_NAMES:
                append(text)
            else:
                name = ids.get(text)
                if name is None:
                    name = ids[text] = f"ID{len(ids)}"
                append(name)
        elif kind == "number" or kind == "char":
            append(text if keep_numbers else "NUM")
        elif kind == "string":
            append("STR")
        else:
            append(text)
    return out


def raw_key(source: str) -> str:
    """The exact-dedup key: programs equal up to whitespace and comments share it.

    The token texts are joined by single spaces (so ``a b`` and ``ab`` stay different) and
    hashed with blake2b (16 bytes). Preprocessor lines do not count.

    Arguments:
        source: C text.

    Returns:
        32 hex characters.
    """
    joined = " ".join(texts(source))
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
