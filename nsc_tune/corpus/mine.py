"""Mining real C into corpus programs (``nsc-tune corpus mine SRC... --out DIR``).

Every function of every ``.c`` file under the given folders is a candidate: it is extracted with
what it reaches (``kernel.extract``: local headers inlined, the rest of the file dropped), loaded
by the frontend (struct parameters flattened), given explicit domains (the frontend's defaults
where the source has none) and written, with its provenance (path, repository, commit, licence),
to ``DIR/candidates.jsonl``. The corpus build then runs them as it runs generated programs:
leak check against the suite, Numba and gcc, the output filters, exact and near-duplicate
removal, splits (``corpus.build`` with ``candidates=``). Nothing a source does can stop the run:
every candidate that fails is counted by reason.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from nsc_tune.errors import NscTuneError

#: Files larger than this are skipped (generated tables, amalgamations).
MAX_FILE_BYTES = 512 * 1024
_STATIC = re.compile(r"\bstatic\b")
#: Licences whose code may be used as training data here (SPDX-like ids).
PERMISSIVE = ("MIT", "BSD", "Apache-2.0", "Zlib", "Unlicense", "public-domain", "ISC", "BSL-1.0")
_LICENCE_HINTS = (
    ("Apache-2.0", r"Apache License,?\s+Version 2\.0"),
    ("MIT", r"Permission is hereby granted, free of charge"),
    ("BSD", r"Redistribution and use (of the Software )?in source and binary forms"),
    ("Zlib", r"This software is provided ['\"]as-is['\"], without any express or implied"),
    ("Unlicense", r"This is free and unencumbered software released into the public domain"),
    ("ISC", r"Permission to use, copy, modify, and(/or)? distribute this software"),
    ("BSL-1.0", r"Boost Software License"),
    ("GPL", r"GNU (Lesser |Affero )?General Public License"),
    ("public-domain", r"\b(is|into the) public domain\b"),
)

_LICENCE_FILE = re.compile(r"^(UN)?LICEN[CS]E|^COPY(ING|RIGHT)|-LICEN[CS]E", re.I)


class MineError(NscTuneError):
    """The mining run was asked for something it cannot do (e.g. no source folder)."""


@dataclass
class MinedProgram:
    """A candidate: self-contained C for one function, and where it came from."""

    source: str
    function: str
    family: str  # "mined"
    origin: str  # path relative to the mined folder
    repo: str
    commit: str
    licence: str


def licence_of(root: Path) -> str:
    """The licence of a source tree from its LICENSE/COPYING file ("unknown" when none)."""
    names = ("LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING", "LICENCE", "UNLICENSE")
    others = sorted(p.name for p in root.glob("*") if _LICENCE_FILE.search(p.name))
    for name in (*names, *others):  # then COPYRIGHT, LICENSE-ISC.txt, BSD-LICENSE, ...
        path = root / name
        if path.is_file():
            text = path.read_text(errors="replace")[:20000]
            m = re.search(r"SPDX-License-Identifier:\s*([\w.+-]+)", text)
            if m:
                ident = m.group(1)
                return "BSD" if ident.startswith("BSD") else ident
            for spdx, pattern in _LICENCE_HINTS:
                if re.search(pattern, text, re.I):
                    return spdx
            return "unknown"
    return "unknown"


def _git(root: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def header_dirs(root: Path) -> list[Path]:
    """Folders under ``root`` holding headers (``include/`` first), searched after the file's
    own folder."""
    found = {p.parent for p in root.rglob("*.h")}
    dirs = set(found)
    for d in found:  # `#include "lib/x.h"` is found from lib's parent folder
        dirs.update(a for a in d.parents if a.is_relative_to(root))
    return sorted(dirs, key=lambda d: (d.name.lower() not in ("include", "inc"), len(d.parts),
                                       str(d)))[:64]


def function_names(ex) -> list[str]:
    """Functions defined in an expanded C file (``kernel.parse.expand``), ``main`` excepted."""
    from nsc_tune.kernel.extract import MAIN_FILE

    return [u.function for u in ex.own
            if u.function and u.file == MAIN_FILE and u.function != "main"]


def definitions(files: dict[str, object]) -> dict[str, object]:
    """Non-static functions by name -> the expanded file defining them (the first one), so
    that a function calling one defined in another file of the tree is linked with it."""
    from nsc_tune.kernel.extract import MAIN_FILE

    found: dict[str, object] = {}
    for ex in files.values():
        for u in ex.own:
            if u.function and u.file == MAIN_FILE and not _STATIC.search(u.text.split("(")[0]):
                found.setdefault(u.function, ex)
    return found


def candidate(ex, function: str, linked: dict | None = None) -> str:
    """Self-contained C for ``function`` of an expanded file (functions it calls from other
    files of ``linked`` included), with explicit domains; raises a KernelError when the
    frontend cannot load it."""
    from nsc_tune.kernel import Kernel
    from nsc_tune.kernel.parse import sliced

    parsed = sliced(ex, function, linked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # default domains: made explicit below
        k = Kernel.from_parsed(parsed, function)
    c_source = parsed.c_source
    named = set(re.findall(r"#pragma\s+nsc_tune\s+domain\(\s*([\w.>-]+)", c_source))
    pragmas, col = [], 0
    for a in k.signature.inputs:
        lo, hi = k.domains[col]
        col += max(1, math.prod(a.shape))
        if a.name not in named:
            pragmas.append(f"#pragma nsc_tune domain({a.name}, {float(lo)!r}, {float(hi)!r})")
    return "\n".join(pragmas) + ("\n" if pragmas else "") + c_source


def _expand_all(root: Path, files: list[Path], counts: Counter, progress: bool,
                top: Path | None = None) -> dict:
    """Every file of the tree preprocessed once: ``{relative path: Expanded}`` (failures
    counted by reason). Headers are searched under ``root``, then under ``top`` (the
    repository holding ``root``, when only a subfolder is mined)."""
    from tqdm import tqdm

    from nsc_tune.kernel import KernelError
    from nsc_tune.kernel.parse import expand

    search = header_dirs(root)
    if top is not None and root.resolve() != top and root.resolve().is_relative_to(top):
        search += [d for d in header_dirs(top) if d not in search]
    done = {}
    for path in tqdm(files, desc=f"reading {root}", unit="file", disable=not progress):
        if path.stat().st_size > MAX_FILE_BYTES:
            counts["file_too_large"] += 1
            continue
        try:
            ex = expand(path.read_text(errors="replace"), [path.parent, *search],
                        drop_missing_headers=True)
        except (KernelError, OSError, UnicodeError, RecursionError) as exc:
            counts[f"file:{type(exc).__name__}"] += 1
            continue
        ex.label = str(path.relative_to(root))
        done[ex.label] = ex
    return done


def _mine_root(root: Path, counts: Counter, progress: bool, provenance: tuple[str, str, str],
               top: Path | None = None, headers: bool = False) -> list[MinedProgram]:
    """The candidates of one source tree (headers also searched in its repository ``top``;
    with ``headers``, the functions that ``.h`` files define are mined too)."""
    from tqdm import tqdm

    from nsc_tune.kernel import KernelError

    paths = sorted(p for p in root.rglob("*.c") if p.is_file())
    if headers:  # after the .c files: a function both define is linked from its .c file
        paths += sorted(p for p in root.rglob("*.h") if p.is_file())
    files = _expand_all(root, paths, counts, progress, top)
    linked = definitions(files)
    rows = []
    for origin, ex in tqdm(files.items(), desc=f"mining {root}", unit="file",
                           disable=not progress):
        for name in function_names(ex):
            try:
                source = candidate(ex, name, linked)
            except (KernelError, RecursionError, ValueError) as exc:
                counts[f"frontend:{type(exc).__name__}"] += 1
                continue
            counts["candidate"] += 1
            rows.append(MinedProgram(source, name, "mined", origin, *provenance))
    return rows


def mine(sources: list[str | Path], out: str | Path, licences: tuple[str, ...] = PERMISSIVE,
         progress: bool = False, headers: bool = False) -> tuple[Path, Counter]:
    """Extract candidates from every ``.c`` file under ``sources`` into ``out/candidates.jsonl``
    (and from every ``.h`` file with ``headers``: header-only libraries).

    Returns:
        The candidates file and the counts by outcome (``candidate`` and the drop reasons).
    """
    roots = [Path(s) for s in sources]
    missing = [str(r) for r in roots if not r.is_dir()]
    if missing or not roots:
        raise MineError(f"not a folder: {', '.join(missing) or '(none given)'}; pass folders of "
                        "C sources")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    rows = []
    for root in roots:
        top = Path(_git(root, "rev-parse", "--show-toplevel") or root)
        repo = _git(root, "config", "--get", "remote.origin.url") or top.name
        licence = licence_of(top)
        if not any(licence.startswith(x) for x in licences):
            counts[f"licence:{licence}"] += sum(1 for p in root.rglob("*.c") if p.is_file())
            continue
        rows += _mine_root(root, counts, progress, (repo, _git(root, "rev-parse", "HEAD"),
                                                    licence), top.resolve(), headers)
    target = out / "candidates.jsonl"
    target.write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows))
    return target, counts


def load_candidates(path: str | Path) -> list[MinedProgram]:
    """The candidates a :func:`mine` run wrote."""
    return [MinedProgram(**json.loads(line)) for line in Path(path).read_text().splitlines()
            if line.strip()]
