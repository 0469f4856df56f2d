"""Every file in bad/ must raise the typed error named on its first line, at the right line.

First line format: `// expect: <ErrorClassName> line <N>` (or without `line <N>` when the
error has no source position, e.g. a missing function).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from nsc_tune.kernel import Kernel, errors

BAD_DIR = Path(__file__).parent / "bad"
BAD = sorted(BAD_DIR.glob("*.c"))
EXPECT = re.compile(r"^// expect: (\w+)(?: line (\d+))?$")
TIME_LIMIT_S = 60.0

# Classes that refine UnsupportedConstructError: a generic "unsupported" expectation (struct)
# must not be answered with one of these, which would name the wrong construct.
SPECIFIC_UNSUPPORTED = (
    "GotoNotSupportedError",
    "RecursionNotSupportedError",
    "HeapAllocationError",
    "IOCallError",
    "UnknownFunctionError",
)

# Text the message must mention so the user can find the culprit (file stem -> word).
NAMES = {
    "goto_stmt": "goto",
    "heap_malloc": "malloc",
    "heap_free": "free",
    "io_printf": "printf",
    "io_fopen": "fopen",
    "unknown_function": "foo",
    "include_local": "mylib.h",
    "struct_local": "struct",
    "unbounded_pointer": "p",
    "recursion_direct": "fact",
    "domain_unknown_name": "z",
    "missing_function": "kernel",
    "function_pointer": "f",
    "function_pointer_typedef": "f",
    "duplicate_case": "duplicate",
}


def parse_expect(path: Path) -> tuple[type[errors.KernelError], int | None]:
    first = path.read_text().splitlines()[0]
    match = EXPECT.match(first)
    assert match, f"{path.name}: bad expect line {first!r}"
    cls = getattr(errors, match.group(1))
    assert issubclass(cls, errors.KernelError)
    return cls, int(match.group(2)) if match.group(2) else None


def _raise(path: Path, cls: type[errors.KernelError], backend: str) -> errors.KernelError:
    with pytest.raises(errors.KernelError) as info:
        k = Kernel.from_file(path, function="kernel")
        if issubclass(cls, errors.KernelRuntimeError):
            X = k.sample(10, seed=0)
            if backend == "numba":
                k(X)
            else:
                k.native(X)
    return info.value


def _check(path: Path, err: errors.KernelError, cls: type, line: int | None) -> None:
    assert isinstance(err, cls), f"{path.name}: got {type(err).__name__}: {err}"
    if cls is errors.UnsupportedConstructError:
        wrong = [n for n in SPECIFIC_UNSUPPORTED if isinstance(err, getattr(errors, n))]
        assert not wrong, f"{path.name}: got {type(err).__name__}: {err}"
    text = str(err)
    if line is not None:
        assert err.line == line, f"{path.name}: line {err.line!r} != {line}: {text}"
        assert f"line {line}" in text
        assert re.match(rf"line {line}\b", text), f"message should start with the line: {text}"
    word = NAMES.get(path.stem)
    if word is not None:
        assert re.search(rf"\b{re.escape(word)}\b", text), f"{path.name}: {word!r} not in {text!r}"


def test_bad_corpus_is_complete() -> None:
    names = {p.stem for p in BAD}
    assert len(names) >= 14
    for path in BAD:
        parse_expect(path)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_kernel_raises_typed_error(path: Path) -> None:
    cls, line = parse_expect(path)
    start = time.monotonic()
    err = _raise(path, cls, "numba")
    elapsed = time.monotonic() - start
    _check(path, err, cls, line)
    assert elapsed < TIME_LIMIT_S, f"{path.name}: took {elapsed:.1f} s"


@pytest.mark.parametrize(
    "path",
    [p for p in BAD if issubclass(parse_expect(p)[0], errors.KernelRuntimeError)],
    ids=lambda p: p.stem,
)
def test_runtime_error_also_stops_native(path: Path) -> None:
    cls, _ = parse_expect(path)
    start = time.monotonic()
    err = _raise(path, cls, "native")
    elapsed = time.monotonic() - start
    assert isinstance(err, cls), f"{path.name}: native gave {type(err).__name__}: {err}"
    assert elapsed < TIME_LIMIT_S, f"{path.name}: native took {elapsed:.1f} s"


def test_terminating_twin_of_nonterminating_kernel_runs() -> None:
    """The same loop with a reachable exit after 100k trips must run on both backends."""
    src = """
    #pragma nsc_tune domain(x, 0, 1)
    void kernel(float x, float *y, int *trips) {
        int n = 0;
        while (x > -2.0f && n < 100000) { x = x * 1.0f; n++; }
        *y = x;
        *trips = n;
    }
    """
    k = Kernel.from_source(src, function="kernel")
    X = k.sample(10, seed=0)
    expected = np.stack([np.float32(X[:, 0]).astype(np.float64), np.full(10, 100_000.0)], 1)
    for Y in (np.asarray(k(X)), np.asarray(k.native(X))):
        assert np.array_equal(Y, expected)
