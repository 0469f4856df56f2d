"""Real C files as people write them -> the C that one kernel needs.

Before preprocessing (:func:`prepare`): local headers (``#include "x.h"``) are inlined from the
source's folder (never outside it), system headers nsc_tune has no stand-in for (``<string.h>``,
C++'s ``<fstream>``) are dropped, and C++ stream output (``std::cerr << ... ;``) is removed; each
change is noted. After preprocessing (:func:`slice_for`): the text is cut into top-level units
(function definitions and declarations), and only the kernel's function and what it reaches by
name are kept, so that an error in code the kernel never calls is not the kernel's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from nsc_tune.kernel.errors import IncludeNotSupportedError

#: Largest local header inlined, and most headers inlined into one source.
MAX_HEADER_BYTES = 1 << 20
MAX_HEADERS = 64

_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
_HEADER_NAME = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.\-/]*$")
_CXX_STREAM = re.compile(r"\bstd\s*::\s*(?:cerr|cout|clog)\s*<<[^;]*;")
_ANY_INCLUDE = re.compile(r"^\s*#\s*include")
_FLAT_PREFIX = "__nsc_local_"
_FLAT_NAME = re.compile(r'(?:[^"\s:]*/)?(' + _FLAT_PREFIX + r'\d+\.h)')
_ENUM_BODY = re.compile(r"\benum\b[^{};]*\{([^}]*)\}")
_ENUMERATOR = re.compile(r"(?:^|,)\s*([A-Za-z_]\w*)")
_MARKER = re.compile(r'^#\s*(?:line\s+)?(\d+)\s+"([^"]*)"')
_IDENT = re.compile(r"[A-Za-z_]\w*")
_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if "
    "inline int long register restrict return short signed sizeof static struct switch typedef "
    "union unsigned void volatile while _Bool _Complex bool".split())
MAIN_FILE = "<stdin>"


@dataclass
class Prepared:
    """The source after :func:`prepare`: text for the preprocessor and what was changed.

    Local headers are not pasted in: each one read is kept in ``files`` under a flat name that
    its ``#include`` lines now name, so that the preprocessor itself includes them (``#if``
    around an include, include guards) and reads nothing else (:func:`local_files`)."""

    text: str
    notes: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # local headers read
    system: list[str] = field(default_factory=list)  # supported system includes kept
    files: dict[str, str] = field(default_factory=dict)  # flat name -> header text
    names: dict[str, str] = field(default_factory=dict)  # flat name -> header as included

    @property
    def changed(self) -> bool:
        return bool(self.notes)


def prepare(src: str, base_dir, supported: set[str], drop_missing: bool = False) -> Prepared:
    """Resolve local headers (searched in ``base_dir``: a folder or a list of them), drop
    unknown system headers and computed includes, remove C++ stream output. ``drop_missing``: a
    quoted header found in none of the folders is dropped like an unknown system header
    (mining: vendor headers) instead of raising."""
    out = Prepared("")
    out.text = _rewrite(src, base_dir, supported, out, MAIN_FILE, {}, drop_missing)
    return out


def _rewrite(src: str, base_dir, supported: set[str], out: Prepared, name: str,
             seen: dict[Path, str], drop_missing: bool = False) -> str:
    """``src`` with every ``#include`` resolved: kept (supported), dropped, or renamed to the
    flat name of a local header (read once, its own includes rewritten too)."""
    lines = src.split("\n")
    for i, line in enumerate(lines):
        m = _INCLUDE.match(line)
        if not m:
            if _ANY_INCLUDE.match(line):  # `#include MACRO`, `#include_next`: never followed
                lines[i] = ""
                out.notes.append(f"dropped `{line.strip()}` in {name} (not a plain include)")
            continue
        path = _resolve(m.group(1), m.group(2).strip(), base_dir, supported, out, i + 1, line,
                        drop_missing)
        if path is None:
            lines[i] = "" if m.group(1) == '"' or m.group(2).strip() not in supported else line
            continue
        if path not in seen:
            flat = seen[path] = f"{_FLAT_PREFIX}{len(seen)}.h"
            if len(seen) > MAX_HEADERS:
                raise IncludeNotSupportedError(f"more than {MAX_HEADERS} local headers",
                                               line=i + 1, construct=line.strip())
            header = m.group(2).strip()
            out.names[flat] = header
            out.files[flat] = _rewrite(path.read_text(errors="replace"), base_dir, supported,
                                       out, header, seen, drop_missing)
            out.headers.append(header)
            out.notes.append(f"inlined `{header}`")
        lines[i] = f'#include "{seen[path]}"'
    return _drop_cxx_streams("\n".join(lines), name, out)


def _resolve(kind: str, header: str, base_dir, supported: set[str], out: Prepared, line: int,
             text: str, drop_missing: bool) -> Path | None:
    """The local file an include names, or None when it is kept (a supported system header)
    or dropped (noted); raises IncludeNotSupportedError for one outside the folders."""
    if kind == "<":
        if header in supported:
            if header not in out.system:  # (from a local header too: it is inlined)
                out.system.append(header)
            return None
        found = _search(header, base_dir)  # a project header included as <x.h> (-I)
        if found is None:
            out.notes.append(f"dropped `#include <{header}>` (no C stand-in for it; a name "
                             "the kernel needs from it is then reported as unknown)")
        return found
    try:
        return _local_header(header, base_dir, line, text)
    except IncludeNotSupportedError as exc:
        if not (drop_missing and "not found" in exc.what):
            raise
        out.notes.append(f'dropped `#include "{header}"` (not found)')
        return None


def _drop_cxx_streams(text: str, name: str, out: Prepared) -> str:
    """``std::cerr << ...;`` statements blanked (lines kept), noted."""
    removed = 0

    def blank(m: re.Match) -> str:
        nonlocal removed
        removed += 1
        return ";" + "\n" * m.group(0).count("\n")

    text = _CXX_STREAM.sub(blank, text)
    if removed:
        out.notes.append(f"removed {removed} C++ stream output statement(s) (`std::cerr << ...`)"
                         f" in {name}")
    return text


def local_files(prep: Prepared, folder: Path) -> None:
    """Write the headers ``prep`` read into ``folder`` (the preprocessor's only quoted-include
    folder) under their flat names."""
    for flat, text in prep.files.items():
        (folder / flat).write_text(text)


def real_names(text: str, prep: Prepared) -> str:
    """Preprocessor output (or messages) with the flat header names replaced by the headers'
    own names."""
    if not prep.names:
        return text
    return _FLAT_NAME.sub(lambda m: prep.names.get(m.group(1), m.group(1)), text)


def _search(header: str, base_dir) -> Path | None:
    """The header in the search folders, or None (no error: for ``<x.h>`` lookups)."""
    if base_dir is None or not _HEADER_NAME.match(header) or ".." in Path(header).parts \
            or Path(header).is_absolute():
        return None
    try:
        return _local_header(header, base_dir, 0, "")
    except IncludeNotSupportedError:
        return None


def _local_header(header: str, base_dir, line: int, text: str) -> Path:
    """The file a quoted include names: the first of the search folders ``base_dir`` (one
    folder or several) that holds it, never outside them (``../x.h`` only where it lands in
    one of them: a tree's ``src/`` reaching ``../include/``)."""
    dirs = [] if base_dir is None else [base_dir] if isinstance(base_dir, (str, Path)) \
        else list(base_dir)
    if not dirs:
        raise IncludeNotSupportedError(
            f"local header `{header}` with no folder to find it in", line=line,
            construct=text.strip(), hint="load the kernel with Kernel.from_file(path) so that "
            "headers beside it are found, or paste the header into the source")
    outside = IncludeNotSupportedError(
        f"local header `{header}` is outside the source's folder", line=line,
        construct=text.strip(), hint="only headers in the kernel's folder or below it are read")
    if not _HEADER_NAME.match(header) or Path(header).is_absolute():
        raise outside
    roots = [Path(d).resolve() for d in dirs]
    for root in roots:
        path = (root / header).resolve()
        if any(path.is_relative_to(r) for r in roots) and path.is_file():
            if path.stat().st_size > MAX_HEADER_BYTES:
                raise IncludeNotSupportedError(f"local header `{header}` is larger than 1 MiB",
                                               line=line, construct=text.strip())
            return path
    if ".." in Path(header).parts:
        raise outside
    raise IncludeNotSupportedError(
        f"local header `{header}` not found beside the source (in "
        f"{', '.join(str(d) for d in dirs)})", line=line, construct=text.strip(),
        hint="put the header next to the .c file, or pass base_dir=[folders]")


# -- slicing the preprocessed text --------------------------------------------------------
@dataclass
class Unit:
    """One top-level declaration or function definition of preprocessed text."""

    text: str
    file: str
    line: int
    function: str | None  # the name, for a function definition
    defines: set[str]
    uses: set[str]


def units(expanded: str) -> list[Unit]:
    """Cut preprocessed text (with line markers) into top-level units."""
    result: list[Unit] = []
    buf: list[str] = []
    depth, file, line, start = 0, MAIN_FILE, 1, (MAIN_FILE, 1)
    for raw in expanded.split("\n"):
        m = _MARKER.match(raw)
        if m:
            file, line = m.group(2), int(m.group(1))
            if buf or depth:  # inside a unit (cpp skipped blank lines): keep the jump
                buf.append(f'#line {line} "{file}"')
            continue
        if raw.lstrip().startswith("#"):  # a pragma: kept where it is
            if buf or depth:
                buf.append(raw)
            line += 1
            continue
        if not buf and raw.strip():
            start = (file, line)
        pos = 0
        for ch_pos, ch in _significant(raw):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            body = ch == "}" and depth == 0 and _is_body(buf, raw[:ch_pos])
            if depth == 0 and (ch == ";" or body):
                buf.append(raw[pos:ch_pos + 1])
                pos = ch_pos + 1
                result.append(_unit("\n".join(buf), *start, body))
                buf = []
                start = (file, line)
        rest = raw[pos:]
        if rest.strip() or buf:
            buf.append(rest)
        line += 1
    if "".join(buf).strip():
        result.append(_unit("\n".join(buf), *start, False))
    return result


def _significant(line: str):
    """``(index, char)`` of braces and semicolons outside string/char literals."""
    quote = None
    escaped = False
    for i, ch in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "{};":
            yield i, ch


def _is_body(buf: list[str], head: str) -> bool:
    """Whether the brace block closing now is a function body (its ``{`` follows a ``)``;
    line markers between them, left where a comment was, do not count)."""
    text = re.sub(r"^[ \t]*#.*$", "", "\n".join([*buf, head]), flags=re.M)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    depth = 0
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                return text[:i].rstrip().endswith(")")
            depth += 1
        elif ch == "}":
            depth -= 1
    return False


def _unit(text: str, file: str, line: int, is_function: bool) -> Unit:
    flat = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    uses = set(_IDENT.findall(flat)) - _KEYWORDS
    top = _top_level(flat)
    function = None
    if is_function:
        names = _IDENT.findall(top.split("(")[0])
        function = names[-1] if names else None
    defines = {function} if function else set(_IDENT.findall(top)) - _KEYWORDS
    if not function:  # an enum's constants stand inside its braces
        for body in _ENUM_BODY.findall(re.sub(r"^\s*#.*$", "", flat, flags=re.M)):
            defines.update(m.group(1) for m in _ENUMERATOR.finditer(body))
    return Unit(text, file, line, function, defines, uses)


def _top_level(text: str) -> str:
    """The text outside any brace block (names a declaration defines stand there)."""
    out, depth = [], 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def definers_of(all_units: list[Unit]) -> dict[str, list[int]]:
    """For each name, the indices of the units that define it."""
    definers: dict[str, list[int]] = {}
    for i, u in enumerate(all_units):
        for name in u.defines:
            definers.setdefault(name, []).append(i)
    return definers


def slice_for(all_units: list[Unit], function: str, free: dict[str, set[str]] | None = None,
              definers: dict[str, list[int]] | None = None) -> list[Unit] | None:
    """The units ``function``'s definition (or the function holding the Parrot region of that
    name) reaches by name, in file order (None when there is neither). ``free`` gives, per unit
    (``id(unit)``), the names it really uses (from its AST: without parameters, locals and
    field names); otherwise every identifier in its text counts. ``definers``:
    :func:`definers_of` the units, when it is already known."""
    free = free or {}
    definers = definers_of(all_units) if definers is None else definers
    region = re.compile(r'parrot\s*\(\s*input\s*,\s*"' + re.escape(function) + '"')
    roots = [i for i in definers.get(function, ()) if all_units[i].function == function] or \
        [i for i, u in enumerate(all_units) if u.function and region.search(u.text)]
    if not roots:
        return None
    keep, todo = set(roots), list(roots)
    while todo:
        u = all_units[todo.pop()]
        for name in free.get(id(u), u.uses):
            for j in definers.get(name, ()):
                if j not in keep:
                    keep.add(j)
                    todo.append(j)
    return [u for i, u in enumerate(all_units) if i in keep]


def free_names(fn) -> set[str]:
    """Names a pycparser ``FuncDef`` (or top-level declaration) uses that it does not declare
    itself (globals, functions, typedefs, tags); a local anywhere in it hides a global of the
    same name, and a struct's field names are not uses."""
    from pycparser import c_ast

    declared: set[str] = set()
    used: set[str] = set()

    class Names(c_ast.NodeVisitor):
        def visit_Decl(self, node):
            if node.name and node is not getattr(fn, "decl", None):
                declared.add(node.name)
            self.generic_visit(node)

        def visit_ID(self, node):
            used.add(node.name)

        def visit_IdentifierType(self, node):
            used.update(node.names)

        def visit_Struct(self, node):
            if node.name:
                used.add(node.name)
            self.generic_visit(node)

        visit_Union = visit_Enum = visit_Struct

    Names().visit(fn)
    return used - declared - _KEYWORDS


def render(kept: list[Unit], system: list[str], pragmas: list[str]) -> str:
    """Self-contained C: the pragmas, the supported system includes, the kept units (each after
    a ``#line`` naming where it came from)."""
    head = [*pragmas, *(f"#include <{h}>" for h in system)]
    body = [f'#line {u.line} "{u.file}"\n{u.text.strip()}' for u in kept]
    return "\n".join(head + body) + "\n"
