"""C text -> pycparser AST: nsc_tune pragmas, headers (``kernel.extract``), preprocessor, parser."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pycparser import c_ast, c_parser

from nsc_tune.kernel.errors import CSyntaxError, DomainError
from nsc_tune.kernel.extract import (
    MAIN_FILE,
    Prepared,
    Unit,
    free_names,
    prepare,
    render,
    slice_for,
    units,
)

INCLUDE_DIR = Path(__file__).parent / "include"
SUPPORTED_HEADERS = {p.name for p in INCLUDE_DIR.glob("*.h")}

_PRAGMA = re.compile(r"^\s*#\s*pragma\s+nsc_tune\s+(\w+)\s*\((.*)\)\s*$")
_CPP_ERROR = re.compile(r"^<stdin>:(\d+):(\d+): (?:fatal )?error: (.*)$", re.M)
_PARSE_ERROR = re.compile(r"^([^:]*):(\d+):(\d+): (.*)$", re.S)


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


@dataclass
class Parsed:
    """A source parsed for one kernel.

    Arguments:
        ast: the pycparser AST (coordinates are lines of the user's files).
        notes: the ``#pragma nsc_tune`` annotations.
        expanded: the preprocessed text that was parsed (with line markers).
        c_source: self-contained C for the kernel: the source itself when nothing had to change,
            else its pragmas, supported includes and the (sliced) declarations, headers inlined.
        changes: what was done to the source to get there (empty when nothing).
    """

    ast: c_ast.FileAST
    notes: Annotations
    expanded: str
    c_source: str
    changes: list[str] = field(default_factory=list)


@dataclass
class Expanded:
    """One source file prepared and preprocessed once (its units, headers inlined)."""

    src: str
    notes: Annotations
    prep: Prepared
    text: str  # the preprocessed text
    pragmas: list[str]
    own: list[Unit]  # top-level units of the source and its local headers


def expand(src: str, base_dir=None, drop_missing_headers: bool = False) -> Expanded:
    """Pragmas read, headers inlined (``kernel.extract.prepare``), preprocessed, cut into units."""
    text, notes = read_annotations(src)
    prep = prepare(text, base_dir, SUPPORTED_HEADERS, drop_missing_headers)
    expanded = preprocess(prep.text)
    pragmas = [line for line in src.split("\n") if _PRAGMA.match(line)]
    own = [u for u in units(expanded) if u.file == MAIN_FILE or u.file in prep.headers]
    return Expanded(src, notes, prep, expanded, pragmas, own)


def sliced(ex: Expanded, function: str) -> Parsed | None:
    """Only ``function`` and the declarations it reaches, parsed (None when it is not there)."""
    kept = slice_for(ex.own, function)
    if kept is None:
        return None
    first = _parse_c(preprocess(read_annotations(render(kept, ex.prep.system, ex.pragmas))[0]),
                     ex.src)
    free = {f.decl.name: free_names(f) for f in first.ext if isinstance(f, c_ast.FuncDef)}
    kept = slice_for(ex.own, function, free)
    c_source = render(kept, ex.prep.system, ex.pragmas)
    text = preprocess(read_annotations(c_source)[0])
    changes = [*ex.prep.notes, f"parsed only `{function}` and the {len(kept) - 1} "
               f"declaration(s) it reaches, of {len(ex.own)} in the source"]
    return Parsed(_parse_c(text, ex.src), ex.notes, text, c_source, changes)


def parse(src: str, function: str | None = None, base_dir=None,
          slice_to_function: bool = False, drop_missing_headers: bool = False) -> Parsed:
    """Parse kernel source into an AST whose coordinates are lines of ``src``.

    Local headers are inlined from ``base_dir``, unknown system headers dropped, C++ stream
    output removed (``kernel.extract``). With ``slice_to_function``, only ``function`` and the
    declarations it reaches by name are parsed (an error elsewhere is not the kernel's).
    """
    ex = expand(src, base_dir, drop_missing_headers)
    if slice_to_function and function is not None:
        part = sliced(ex, function)
        if part is not None:
            return part
    return whole(ex)


def whole(ex: Expanded) -> Parsed:
    """The whole expanded file parsed (its C unchanged unless headers had to be inlined)."""
    c_source = render(ex.own, ex.prep.system, ex.pragmas) if ex.prep.changed else ex.src
    return Parsed(_parse_c(ex.text, ex.src), ex.notes, ex.text, c_source, ex.prep.notes)


def _parse_c(expanded: str, src: str) -> c_ast.FileAST:
    try:
        return c_parser.CParser().parse(expanded, filename=MAIN_FILE)
    except c_parser.ParseError as exc:
        m = _PARSE_ERROR.match(str(exc))
        if m:
            file, line, col = m.group(1), int(m.group(2)), int(m.group(3))
            lines = src.split("\n")
            bad = lines[line - 1].strip() if file == MAIN_FILE and 0 < line <= len(lines) else None
            where = "" if file == MAIN_FILE else f" (in {file})"
            raise CSyntaxError(f"syntax error{where}: {m.group(4)}", line=line, column=col,
                               construct=bad, hint="fix the C so that it compiles") from None
        line, col, what = _locate_with_cc(expanded)
        lines = src.split("\n")
        bad = lines[line - 1].strip() if line and 0 < line <= len(lines) else None
        raise CSyntaxError(f"syntax error: {what or exc}", line=line, column=col, construct=bad,
                           hint="fix the C so that it compiles") from None


def _locate_with_cc(expanded: str) -> tuple[int | None, int | None, str | None]:
    """Where the C compiler puts the first error of ``expanded`` (pycparser sometimes gives
    none): ``(line, column, message)`` in the user's source, or Nones."""
    cc = find_cc()
    if cc is None:
        return None, None, None
    proc = subprocess.run([cc, "-fsyntax-only", "-w", "-x", "c", "-"], input=expanded,
                          capture_output=True, text=True, timeout=60)
    m = _CPP_ERROR.search(proc.stderr)
    return (int(m.group(1)), int(m.group(2)), m.group(3)) if m else (None, None, None)


def user_lines(expanded: str) -> str:
    """Of preprocessed text, the lines that come from the kernel's own source and its local
    headers (not the stand-in headers), without line markers."""
    keep, mine = [], True
    for line in expanded.split("\n"):
        if line.startswith("# "):
            m = re.match(r'# \d+ "([^"]*)"', line)
            if m:  # the source and its inlined local headers; not the stand-ins, not cpp's own
                name = m.group(1)
                mine = name == MAIN_FILE or not (name.startswith(str(INCLUDE_DIR))
                                                 or name.startswith("<"))
            continue
        if mine:
            keep.append(line)
    return "\n".join(keep)
