"""What the C preprocessor may read: every directive of a text checked before the preprocessor
(or gcc) sees it, so that no local file is opened, whatever the spelling.

The check works on the text as the preprocessor itself sees it (translation phases 1-3:
backslash-newlines spliced, comments replaced by a space, digraphs), so ``#/**/include``,
``#inc\\<newline>lude`` and ``%:include`` are directives here too. An ``#include`` is allowed only
in its plain form and only for a header the caller names (nsc_tune's stand-in system headers, the
local headers already read into the preprocessor's private folder); ``__has_include``,
``__has_embed``, ``_Pragma``, ``#embed``, ``#include_next``, ``#import`` and
``#pragma GCC dependency`` (which open or look up files) are rejected, and so is token pasting
(``##``) next to a name that pasting could turn into one of them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from dataclasses import dataclass

from nsc_tune.kernel.errors import IncludeNotSupportedError

#: Directives that never read a file (``include`` is checked separately).
SAFE_DIRECTIVES = frozenset(
    "define undef if ifdef ifndef elif elifdef elifndef else endif line error warning pragma "
    "ident sccs assert unassert".split())
#: Names that look files up when the preprocessor meets them anywhere in the text.
FILE_OPERATORS = ("_Pragma", "__has_include", "__has_include_next", "__has_embed")

_SPLICE = re.compile(r"\\[ \t\r]*\n")
_DIRECTIVE = re.compile(r"^[ \t\f\v]*(?:#|%:|\?\?=)[ \t\f\v]*([A-Za-z_]\w*|\d+)?(.*)$", re.S)
_PLAIN_INCLUDE = re.compile(r'^[ \t\f\v]*(?:<([^<>"]+)>|"([^<>"]+)")[ \t\f\v]*$')
_CHUNK = re.compile(r'[^"\'/\n]+|/\*.*?(?:\*/|\Z)|//[^\n]*|"(?:\\.|[^"\\\n])*"?'
                    r"|'(?:\\.|[^'\\\n])*'?|\n|/", re.S)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_PREFIXES = frozenset(name[:k] for name in FILE_OPERATORS for k in range(1, len(name)))


@dataclass
class LogicalLine:
    """One line as the preprocessor sees it: where it starts, its text without comments, and
    that text with the contents of string and character literals blanked."""

    line: int
    text: str
    code: str


def logical_lines(src: str) -> list[LogicalLine]:
    """``src`` after translation phases 1-3, cut into lines (numbered by where each starts)."""
    spliced = []  # offsets in the spliced text where a backslash-newline was removed
    pieces, pos = [], 0
    for m in _SPLICE.finditer(src):
        pieces.append(src[pos:m.start()])
        pos = m.end()
        spliced.append(sum(map(len, pieces)))
    pieces.append(src[pos:])
    s = "".join(pieces)
    out: list[LogicalLine] = []
    text: list[str] = []
    code: list[str] = []
    newlines, first = 0, 1
    for m in _CHUNK.finditer(s):
        tok = m.group(0)
        if tok == "\n":
            out.append(LogicalLine(first, "".join(text), "".join(code)))
            text, code = [], []
            newlines += 1
            first = _line(m.end(), newlines, spliced)
        elif tok.startswith(("/*", "//")) and len(tok) > 1:
            newlines += tok.count("\n")  # a block comment joins lines, as in C
            if tok.startswith("/*"):
                text.append(" ")
                code.append(" ")
        elif tok[0] in "\"'":
            closed = len(tok) > 1 and tok.endswith(tok[0])
            text.append(tok)
            code.append(tok[0] + " " * (len(tok) - 1 - closed) + (tok[0] if closed else ""))
        else:
            text.append(tok)
            code.append(tok)
    out.append(LogicalLine(first, "".join(text), "".join(code)))
    return out


def _line(offset: int, newlines: int, spliced: list[int]) -> int:
    """The physical line of ``offset`` of the spliced text after ``newlines`` newlines."""
    return 1 + newlines + bisect.bisect_right(spliced, offset)


def check(src: str, *, headers: Collection[str], quoted: Collection[str] = (),
          file: str | None = None) -> None:
    """Raise IncludeNotSupportedError, naming the line, for anything in ``src`` that would make
    the preprocessor open or look up a file other than ``<h>`` for ``h`` in ``headers`` and
    ``"q"`` for ``q`` in ``quoted``. ``file``: the header ``src`` is, in messages."""
    where = f" (in {file})" if file else ""
    lines = logical_lines(src)
    pasting = any("##" in ll.code or "%:%:" in ll.code for ll in lines)
    for ll in lines:
        m = _DIRECTIVE.match(ll.text)
        if m:
            _check_directive(m.group(1) or "", m.group(2), ll, headers, quoted, where)
        for name in _IDENT.findall(ll.code):
            if name in FILE_OPERATORS:
                _reject(f"`{name}` looks files up{where}", ll,
                        "kernels cannot use it; remove it")
            if pasting and name in _PREFIXES:
                _reject(f"token pasting (`##`) next to `{name}` could form a file lookup "
                        f"({'/'.join(FILE_OPERATORS)}){where}", ll, "rename the identifier")


def _check_directive(name: str, rest: str, ll: LogicalLine, headers: Collection[str],
                     quoted: Collection[str], where: str) -> None:
    if not name or name.isdigit() or name in SAFE_DIRECTIVES and name != "pragma":
        return
    if name == "pragma":
        words = rest.split()
        if words[:2] == ["GCC", "dependency"]:
            _reject(f"`#pragma GCC dependency` looks a file up{where}", ll, "remove the pragma")
        return
    if name != "include":
        _reject(f"the directive `#{name}` is not supported{where}", ll,
                "kernels may only #include the supported standard headers or local headers")
    m = _PLAIN_INCLUDE.match(rest)
    if m and (m.group(1) in headers or m.group(2) in quoted):
        return
    _reject(f"`#include` of a header nsc_tune does not provide{where}", ll,
            "write `#include <h>` for a supported standard header (see docs/kernels.md) or "
            "`#include \"x.h\"` for a header next to the kernel, each on one plain line")


def _reject(what: str, ll: LogicalLine, hint: str) -> None:
    raise IncludeNotSupportedError(what, line=ll.line, construct=ll.text.strip()[:120],
                                   hint=hint)
