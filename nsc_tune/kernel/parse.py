"""C text -> pycparser AST: nsc_tune pragmas, headers (``kernel.extract``), preprocessor, parser."""

from __future__ import annotations

import dataclasses
import functools
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pycparser import c_ast, c_parser

from nsc_tune.kernel import directives
from nsc_tune.kernel.errors import (
    CSyntaxError,
    DomainError,
    IncludeNotSupportedError,
    SourceTooLargeError,
)
from nsc_tune.kernel.extract import (
    MAIN_FILE,
    Prepared,
    Unit,
    definers_of,
    free_names,
    local_files,
    prepare,
    real_names,
    render,
    slice_for,
    units,
)

INCLUDE_DIR = Path(__file__).parent / "include"
SUPPORTED_HEADERS = {p.name for p in INCLUDE_DIR.glob("*.h")}
#: Largest preprocessed text (sources, headers and macro expansions together).
MAX_PREPROCESSED_BYTES = 64 << 20
#: Most preprocessed text parsed at once (pycparser reads ~0.2 MB/s: 8 MiB ~ 40 s).
MAX_PARSED_BYTES = 8 << 20

#: GNU and MSVC spellings real headers use, removed or mapped to C11 before parsing (the
#: preprocessed text is what gcc compiles too, so both see the same C).
GNU_DEFINES = [f"-D{k}={v}" for k, v in {
    "__attribute__(...)": "", "__attribute(...)": "", "__declspec(...)": "",
    "__asm__(...)": "", "__asm(...)": "", "__extension__": "", "__builtin_expect(x, c)": "(x)",
    "__inline": "inline", "__inline__": "inline", "__forceinline": "inline",
    "__restrict": "restrict", "__restrict__": "restrict", "__const": "const",
    "__const__": "const", "__volatile__": "volatile", "__volatile": "volatile",
    "__signed__": "signed", "__signed": "signed", "__alignof__": "_Alignof",
    "__thread": "", "__cdecl": "", "__stdcall": "", "__fastcall": "",
}.items()]

_TYPEDEF = re.compile(r"\s*typedef\b")
_LINE = re.compile(r"^#line (\d+)", re.M)
_PRAGMA = re.compile(r"^\s*#\s*pragma\s+nsc_tune\s+(\w+)\s*\((.*)\)\s*$")
_CC_ERROR = re.compile(r"^([^:\n]+):(\d+):(\d+): (?:fatal )?error: (.*)$", re.M)
_ENTERED = re.compile(r'^# \d+ "([^"]*)" 1(?: \d)*$', re.M)
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


def preprocess(src: str, prep: Prepared | None = None) -> str:
    """Run the C preprocessor with nsc_tune's stand-in headers; line markers are kept. The
    local headers ``prep`` read are the only files a quoted ``#include`` can reach: every
    directive is checked first (``kernel.directives``), and what the preprocessor opened after."""
    cc = find_cc()
    if cc is None:
        raise CSyntaxError("no C compiler found to preprocess the kernel",
                           hint="install gcc or set $CC")
    files = prep.files if prep is not None else {}
    directives.check(src, headers=SUPPORTED_HEADERS, quoted=files)
    for flat, text in files.items():
        directives.check(text, headers=SUPPORTED_HEADERS, quoted=files, file=prep.names[flat])
    with tempfile.TemporaryDirectory(prefix="nsc_cpp_") as folder:
        if prep is not None:
            local_files(prep, Path(folder))
        out = Path(folder) / "__nsc_out.i"
        proc = subprocess.run(
            [*bounded(MAX_PREPROCESSED_BYTES), cc, "-E", "-nostdinc", "-undef", "-D__STDC__=1",
             "-D__STDC_VERSION__=201112L", *GNU_DEFINES, "-iquote", folder,
             "-I", str(INCLUDE_DIR), "-x", "c", "-", "-o", str(out)],
            input=src, capture_output=True, text=True, timeout=60, cwd=folder,
        )
        if proc.returncode in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ) or (
                out.exists() and out.stat().st_size >= MAX_PREPROCESSED_BYTES):
            raise SourceTooLargeError(
                f"the preprocessed kernel exceeds {MAX_PREPROCESSED_BYTES >> 20} MiB",
                hint="macros expand to too much text; keep only the code the kernel needs")
        proc.stdout = out.read_text(errors="replace") if out.exists() else ""
        _check_opened(proc.stdout, folder)
    if prep is not None:
        proc.stdout, proc.stderr = real_names(proc.stdout, prep), real_names(proc.stderr, prep)
    if proc.returncode != 0:
        m = _CC_ERROR.search(proc.stderr)
        if m and m.group(1) == MAIN_FILE:
            raise CSyntaxError(f"preprocessor: {m.group(4)}", line=int(m.group(2)),
                               column=int(m.group(3)))
        if m:
            raise CSyntaxError(f"preprocessor (in {m.group(1)}, line {m.group(2)}): "
                               f"{m.group(4)}")
        raise CSyntaxError(f"preprocessor failed: {proc.stderr.strip()[:300]}")
    return proc.stdout


def bounded(max_file_bytes: int, max_memory_bytes: int = 4 << 30) -> list[str]:
    """A command prefix that runs the command with limits on the size of the files it writes
    and on its memory (POSIX ``ulimit`` in ``sh``; a limit the system refuses is skipped)."""
    return ["sh", "-c", f"ulimit -f {max_file_bytes // 512} 2>/dev/null; "
            f"ulimit -v {max_memory_bytes // 1024} 2>/dev/null; exec \"$0\" \"$@\""]


def _check_opened(text: str, folder: str) -> None:
    """Every file the preprocessor entered is a stand-in header or a local header of
    ``folder`` (the directive check makes anything else impossible; this makes it certain)."""
    for m in _ENTERED.finditer(text):
        name = m.group(1)
        if not (name.startswith((str(INCLUDE_DIR), folder)) or "/" not in name):
            raise IncludeNotSupportedError(
                "the preprocessor opened a file outside nsc_tune's headers", construct=name,
                hint="report this as a bug: the directive check should have stopped it")


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
    """One source file prepared and preprocessed once (its units, headers inlined). Units are
    parsed one at a time, when a slice first reaches them, and kept (``asts``)."""

    src: str
    notes: Annotations
    prep: Prepared
    text: str  # the preprocessed text
    pragmas: list[str]
    own: list[Unit]  # top-level units of the source and its local headers
    label: str = MAIN_FILE  # the file's name when its functions are linked into another's
    asts: dict[tuple[int, bool], list[c_ast.Node] | CSyntaxError] = field(default_factory=dict,
                                                                          repr=False)
    typedefs: set[str] | None = field(default=None, repr=False)
    slices: dict[tuple[str, bool], tuple | None] = field(default_factory=dict, repr=False)
    definers: dict[str, list[int]] | None = field(default=None, repr=False)
    free: dict[tuple[int, bool], set[str] | None] = field(default_factory=dict, repr=False)


def expand(src: str, base_dir=None, drop_missing_headers: bool = False) -> Expanded:
    """Pragmas read, headers inlined (``kernel.extract.prepare``), preprocessed, cut into units."""
    text, notes = read_annotations(src)
    prep = prepare(text, base_dir, SUPPORTED_HEADERS, drop_missing_headers)
    expanded = preprocess(prep.text, prep)
    pragmas = [line for line in src.split("\n") if _PRAGMA.match(line)]
    own = [u for u in units(expanded) if _is_users(u.file)]
    return Expanded(src, notes, prep, expanded, pragmas, own)


@functools.lru_cache(maxsize=64)
def _system(headers: tuple[str, ...]) -> tuple[list[c_ast.Node], frozenset[str], str]:
    """The stand-in system headers parsed once: their declarations, typedef names and text."""
    text = preprocess("".join(f"#include <{h}>\n" for h in headers))
    ext = _parse_c(text, "").ext
    return ext, frozenset(e.name for e in ext if isinstance(e, c_ast.Typedef)), text


def _typedef_names(ex: Expanded) -> set[str]:
    """Typedef names of the system headers and of the file's typedef units (parsed once)."""
    if ex.typedefs is None:
        ex.typedefs = set(_system(tuple(ex.prep.system))[1])
        for u in ex.own:
            if _TYPEDEF.match(u.text):
                try:
                    ex.typedefs.update(e.name for e in unit_ast(ex, u)
                                       if isinstance(e, c_ast.Typedef))
                except CSyntaxError:
                    pass  # reported if the kernel reaches it
    return ex.typedefs


def _labelled(ex: Expanded, u: Unit, foreign: bool) -> Unit:
    """``u`` as rendered: a unit of the file itself is named by its label when linked."""
    return dataclasses.replace(u, file=ex.label) if foreign and u.file == MAIN_FILE else u


def unit_ast(ex: Expanded, u: Unit, foreign: bool = False) -> list[c_ast.Node]:
    """The declarations of one unit, parsed alone (the typedef names it uses declared first)."""
    key = (id(u), foreign)
    if key not in ex.asts:
        names = ex.typedefs if ex.typedefs is not None else _typedef_names(ex)
        need = sorted(u.uses & names)
        v = _labelled(ex, u, foreign)
        text = "".join(f"typedef int {n};\n" for n in need) + f'#line {v.line} "{v.file}"\n'
        text += v.text + "\n"
        _check_parse_size(text)
        try:
            ex.asts[key] = _parse_unit(text)[len(need):]
        except c_parser.ParseError:
            # located once (the C compiler runs on the whole file): a header's unit that
            # does not parse is reached again by every function and every file of a tree
            if text not in _UNPARSED:
                try:
                    _parse_c(text, ex.src, (ex.text, u))  # raises it with its place
                    raise CSyntaxError("syntax error", hint="fix the C so that it compiles")
                except CSyntaxError as exc:
                    if len(_UNPARSED) > 1 << 12:
                        _UNPARSED.clear()
                    _UNPARSED[text] = exc
            ex.asts[key] = _UNPARSED[text]
    got = ex.asts[key]
    if isinstance(got, CSyntaxError):
        raise got.with_traceback(None)
    return got


#: unit texts that do not parse -> their error (see :func:`unit_ast`)
_UNPARSED: dict[str, CSyntaxError] = {}


@functools.lru_cache(maxsize=1 << 15)
def _parse_unit(text: str) -> list[c_ast.Node]:
    """A unit's text parsed (kept: every file of a tree holds its headers' units again)."""
    return c_parser.CParser().parse(text, filename=MAIN_FILE).ext


def _reach(ex: Expanded, function: str, foreign: bool = False):
    """``function``'s slice of ``ex`` (``kernel.extract.slice_for``) refined by the names its
    functions really use: ``(units, free names per function)``, or None. Kept per file."""
    key = (function, foreign)
    if key not in ex.slices:
        if ex.definers is None:
            ex.definers = definers_of(ex.own)
        kept = slice_for(ex.own, function, definers=ex.definers)
        free = None if kept is None else _free(ex, kept, foreign)
        ex.slices[key] = None if kept is None else (
            slice_for(ex.own, function, free, ex.definers), free)
    return ex.slices[key]


def _free(ex: Expanded, kept: list[Unit], foreign: bool) -> dict[int, set[str]]:
    """The names each unit of ``kept`` uses and does not declare (from its AST), by id."""
    free = {}
    for u in kept:
        key = (id(u), foreign)
        if key not in ex.free:
            try:
                ext = unit_ast(ex, u, foreign)
            except CSyntaxError:
                ext = None  # its text's names count; the error is reported if it is reached
            ex.free[key] = None if ext is None else set().union(*map(free_names, ext))
        if ex.free[key] is not None:
            free[id(u)] = ex.free[key]
    return free


def _linked(ex: Expanded, kept: list[Unit], free: dict, linked: dict[str, Expanded]):
    """Functions the slice calls that its file only declares, with what they reach, from the
    files in ``linked`` (name -> file defining it): ``[(file, units)]``."""
    parts, done, todo = [], set(), [(ex, kept, free)]
    while todo:
        e, kept_e, free_e = todo.pop()
        defined = {u.function for u in e.own if u.function}
        used = set().union(*(free_e.get(id(u), u.uses) for u in kept_e if u.function))
        for name in sorted(used - defined - done):
            other = linked.get(name)
            if other is None or other is ex or other is e:
                continue
            done.add(name)
            reached = _reach(other, name, True)
            if reached is not None and _parses(other, reached[0]):
                parts.append((other, reached[0]))
                todo.append((other, *reached))
    return parts


def _parses(ex: Expanded, kept: list[Unit]) -> bool:
    """Whether every unit of a linked slice parses (one that does not is left out: the call is
    then reported as an unknown function, the caller's own error)."""
    try:
        for u in kept:
            unit_ast(ex, u, True)
    except CSyntaxError:
        return False
    return True


def sliced(ex: Expanded, function: str, linked: dict[str, Expanded] | None = None
           ) -> Parsed | None:
    """Only ``function`` and the declarations it reaches, parsed (None when it is not there).
    ``linked``: files defining functions this one only declares (mining a source tree)."""
    reached = _reach(ex, function)
    if reached is None:
        return None
    kept, free = reached
    parts, seen = [(ex, False, kept)], {_key(ex, u, False) for u in kept}
    bodies = {u.function: _key(ex, u, False) for u in kept if u.function}
    for other, units_o in _linked(ex, kept, free, linked or {}):
        new = [u for u in units_o if _key(other, u, True) not in seen]
        if any(bodies.get(u.function, _key(other, u, True)) != _key(other, u, True)
               for u in new if u.function):
            continue  # a function of that name is already there (two files' statics)
        seen.update(_key(other, u, True) for u in new)
        bodies.update((u.function, _key(other, u, True)) for u in new if u.function)
        parts.append((other, True, new))
    system_ext, _, system_text = _system(tuple(ex.prep.system))
    ext = [*system_ext, *(n for e, f, us in parts for u in us for n in unit_ast(e, u, f))]
    shown = [_labelled(e, u, f) for e, f, us in parts for u in us]
    c_source = render(shown, ex.prep.system, ex.pragmas)
    text = system_text + "".join(f'# {u.line} "{u.file}"\n{_markers(u.text)}\n' for u in shown)
    changes = [*ex.prep.notes, f"parsed only `{function}` and the {len(kept) - 1} "
               f"declaration(s) it reaches, of {len(ex.own)} in the source"]
    if len(parts) > 1:
        changes.append("linked " + ", ".join(f"`{u.function}` from {e.label}" for e, _, us
                                             in parts[1:] for u in us if u.function))
    return Parsed(c_ast.FileAST(ext), ex.notes, text, c_source, changes)


def _key(ex: Expanded, u: Unit, foreign: bool):
    """What makes two units of linked files one: a header's unit by its text (one header may
    be included by two names), a source file's by its place."""
    return u.text if u.file != MAIN_FILE else (_labelled(ex, u, foreign).file, u.line, u.text)


def _markers(text: str) -> str:
    """``#line N "f"`` directives as the preprocessor's ``# N "f"`` markers."""
    return _LINE.sub(r"# \1", text)


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


def _check_parse_size(text: str) -> None:
    """SourceTooLargeError for preprocessed text too large to parse in reasonable time."""
    if len(text) > MAX_PARSED_BYTES:
        raise SourceTooLargeError(
            f"the preprocessed source to parse is {len(text) / 2**20:.1f} MiB; at most "
            f"{MAX_PARSED_BYTES >> 20} MiB is parsed (about 40 s)",
            hint="pass only the kernel and what it needs (macros may expand to far more text "
            "than the file has)")


def _parse_c(expanded: str, src: str, context: tuple[str, Unit] | None = None
             ) -> c_ast.FileAST:
    """Parse preprocessed text. ``context``: for a unit parsed alone, the whole file's text and
    the unit, where the C compiler looks for an error that pycparser gives no place for."""
    _check_parse_size(expanded)
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
        line, col, what = _locate_with_cc(*context) if context else _locate_with_cc(expanded)
        lines = src.split("\n")
        bad = lines[line - 1].strip() if line and 0 < line <= len(lines) else None
        raise CSyntaxError(f"syntax error: {what or exc}", line=line, column=col, construct=bad,
                           hint="fix the C so that it compiles") from None


def _locate_with_cc(expanded: str, unit: Unit | None = None
                    ) -> tuple[int | None, int | None, str | None]:
    """Where the C compiler puts the first error of ``expanded`` (pycparser sometimes gives
    none), within ``unit`` when given: ``(line, column, message)`` in the user's source, or
    Nones."""
    cc = find_cc()
    if cc is None:
        return None, None, None
    # -fpreprocessed: the text is preprocessed already, so a line that a macro expanded to
    # `# include "..."` stays text (``#line`` becomes a line marker, which it still reads)
    proc = subprocess.run([*bounded(MAX_PREPROCESSED_BYTES), cc, "-fsyntax-only",
                           "-fpreprocessed", "-w", "-x", "c", "-"], input=_markers(expanded),
                          capture_output=True, text=True, timeout=60)
    for m in _CC_ERROR.finditer(proc.stderr):
        file, line = m.group(1), int(m.group(2))
        if unit is None and file == MAIN_FILE or unit is not None and file == unit.file \
                and unit.line <= line <= _last_line(unit):
            return line, int(m.group(3)), m.group(4)
    return None, None, None


def _last_line(u: Unit) -> int:
    """The last source line a unit spans (``#line`` jumps inside it counted)."""
    line = u.line - 1
    for text in u.text.split("\n"):
        jump = _LINE.match(text)
        line = int(jump.group(1)) - 1 if jump else line + 1
    return line


def _is_users(name: str) -> bool:
    """Whether a file named in line markers is the user's: the source, a local header, or a
    file an extracted source names in ``#line`` (not a stand-in header, not cpp's own)."""
    return name == MAIN_FILE or not (name.startswith(str(INCLUDE_DIR)) or name.startswith("<"))


def user_lines(expanded: str) -> str:
    """Of preprocessed text, the lines that come from the kernel's own source and its local
    headers (not the stand-in headers), without line markers."""
    keep, mine = [], True
    for line in expanded.split("\n"):
        if line.startswith("# "):
            m = re.match(r'# \d+ "([^"]*)"', line)
            if m:  # the source and its inlined local headers; not the stand-ins, not cpp's own
                mine = _is_users(m.group(1))
            continue
        if mine:
            keep.append(line)
    return "\n".join(keep)
