"""C text -> pycparser AST: nsc_tune pragmas, supported includes, preprocessor, parser."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pycparser import c_ast, c_parser

from nsc_tune.kernel.errors import CSyntaxError, DomainError, IncludeNotSupportedError

INCLUDE_DIR = Path(__file__).parent / "include"
SUPPORTED_HEADERS = {p.name for p in INCLUDE_DIR.glob("*.h")}

_PRAGMA = re.compile(r"^\s*#\s*pragma\s+nsc_tune\s+(\w+)\s*\((.*)\)\s*$")
_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
_CPP_ERROR = re.compile(r"^<stdin>:(\d+):(\d+): (?:fatal )?error: (.*)$", re.M)
_PARSE_ERROR = re.compile(r"^[^:]*:(\d+):(\d+): (.*)$", re.S)


@dataclass
class Annotations:
    """Domains and shapes declared in the source with ``#pragma nsc_tune``."""

    domains: dict[str, tuple[float, float]] = field(default_factory=dict)
    shapes: dict[str, int] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # "domain:x" -> line of its pragma


def _number(text: str, line: int, what: str) -> float:
    try:
        return float(text.strip().rstrip("fFlL"))
    except ValueError:
        raise DomainError(
            f"{what} is not a number", line=line, construct=text.strip(),
            hint="write e.g. `#pragma nsc_tune domain(x, -1.0, 1.0)`",
        ) from None


def read_annotations(src: str) -> tuple[str, Annotations]:
    """Collect ``#pragma nsc_tune`` lines and blank them out (line numbers are kept)."""
    notes = Annotations()
    lines = src.split("\n")
    for i, text in enumerate(lines, start=1):
        m = _PRAGMA.match(text)
        if not m:
            continue
        verb, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
        if verb == "domain" and len(args) == 3:
            lo, hi = (_number(a, i, "domain bound") for a in args[1:])
            notes.domains[args[0]] = (lo, hi)
            notes.lines[f"domain:{args[0]}"] = i
        elif verb == "shape" and len(args) == 2:
            notes.shapes[args[0]] = int(_number(args[1], i, "shape"))
            notes.lines[f"shape:{args[0]}"] = i
        else:
            raise DomainError(
                "unknown nsc_tune pragma", line=i, construct=text.strip(),
                hint="use `#pragma nsc_tune domain(name, lo, hi)` or `shape(name, n)`",
            )
        lines[i - 1] = ""
    return "\n".join(lines), notes


def check_includes(src: str) -> None:
    """Reject includes other than the supported standard headers."""
    for i, text in enumerate(src.split("\n"), start=1):
        m = _INCLUDE.match(text)
        if m and (m.group(1) == '"' or m.group(2) not in SUPPORTED_HEADERS):
            raise IncludeNotSupportedError(
                "header not supported", line=i, column=text.index("#") + 1,
                construct=text.strip(),
                hint=f"kernels may include only {', '.join(sorted(SUPPORTED_HEADERS))}; "
                "paste what you need from other headers into the source",
            )


def find_cc() -> str | None:
    """The system C compiler (``$CC``, gcc or cc), or None."""
    import os

    for name in (os.environ.get("CC"), "gcc", "cc"):
        if name and shutil.which(name):
            return name
    return None


def preprocess(src: str) -> str:
    """Run the C preprocessor with nsc_tune's stand-in headers; line markers are kept."""
    cc = find_cc()
    if cc is None:
        raise CSyntaxError("no C compiler found to preprocess the kernel",
                           hint="install gcc or set $CC")
    proc = subprocess.run(
        [cc, "-E", "-nostdinc", "-undef", "-D__STDC__=1", "-D__STDC_VERSION__=201112L",
         "-I", str(INCLUDE_DIR), "-x", "c", "-"],
        input=src, capture_output=True, text=True, timeout=60,
    )
    if proc.returncode != 0:
        m = _CPP_ERROR.search(proc.stderr)
        if m:
            raise CSyntaxError(f"preprocessor: {m.group(3)}", line=int(m.group(1)),
                               column=int(m.group(2)))
        raise CSyntaxError(f"preprocessor failed: {proc.stderr.strip()[:300]}")
    return proc.stdout


def parse(src: str) -> tuple[c_ast.FileAST, Annotations, str]:
    """Parse kernel source into an AST whose coordinates are lines of ``src``.

    Returns:
        The AST, the ``#pragma nsc_tune`` annotations, and the preprocessed text (with line
        markers) that was parsed.
    """
    text, notes = read_annotations(src)
    check_includes(text)
    expanded = preprocess(text)
    try:
        ast = c_parser.CParser().parse(expanded, filename="<stdin>")
    except c_parser.ParseError as exc:
        m = _PARSE_ERROR.match(str(exc))
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            bad = src.split("\n")[line - 1].strip() if 0 < line <= src.count("\n") + 1 else None
            raise CSyntaxError(f"syntax error: {m.group(3)}", line=line, column=col,
                               construct=bad, hint="fix the C so that it compiles") from None
        raise CSyntaxError(f"syntax error: {exc}") from None
    return ast, notes, expanded


def user_lines(expanded: str) -> str:
    """Of preprocessed text, the lines that come from the kernel's own source (not the stand-in
    headers), without line markers."""
    keep, mine = [], True
    for line in expanded.split("\n"):
        if line.startswith("# "):
            m = re.match(r'# \d+ "([^"]*)"', line)
            if m:
                mine = m.group(1) == "<stdin>"
            continue
        if mine:
            keep.append(line)
    return "\n".join(keep)
