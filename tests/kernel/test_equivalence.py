"""Numba backend vs gcc reference on every kernel in cases/.

Integer and bool outputs must be bit-exact; float outputs within 4 ulps of their own C type.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np
import pytest

from nsc_tune.kernel import Kernel

from .ulp import ctype_kind, flat_output_ctypes, is_constant, mismatch_mask, not_widened_exactly

CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(CASES_DIR.glob("*.c"))
N_SAMPLES = 100_000
MAX_ULPS = 4
PRAGMA_DOMAIN = re.compile(
    r"#pragma\s+nsc_tune\s+domain\(\s*(\w+)\s*,\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)"
)


def _seed(path: Path) -> int:
    return zlib.crc32(path.name.encode()) % 10_000


def _column_labels(outputs: list) -> list[str]:
    labels: list[str] = []
    for arg in outputs:
        shape = tuple(arg.shape)
        count = int(np.prod(shape)) if shape else 1
        if count == 1 and not shape:
            labels.append(str(arg.name))
        else:
            labels.extend(f"{arg.name}[{i}]" for i in range(count))
    return labels


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30, f"expected at least 30 kernels in {CASES_DIR}, found {len(CASES)}"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_sample_respects_pragma_domains(path: Path) -> None:
    k = Kernel.from_file(path, function="kernel")
    domains = {m[0]: (float(m[1]), float(m[2])) for m in PRAGMA_DOMAIN.findall(path.read_text())}
    X = k.sample(2_000, seed=1)
    assert X.shape == (2_000, k.n_inputs)
    assert X.dtype == np.float64
    assert np.array_equal(X, k.sample(2_000, seed=1)), "sample() must be deterministic per seed"
    col = 0
    for arg in k.signature.inputs:
        count = int(np.prod(tuple(arg.shape))) if tuple(arg.shape) else 1
        lo, hi = domains[arg.name]
        block = X[:, col : col + count]
        assert np.all(block >= lo) and np.all(block <= hi), f"{arg.name} outside [{lo}, {hi}]"
        if ctype_kind(arg.ctype) == "int":
            assert np.all(block == np.round(block)), f"integer input {arg.name} got fractions"
        assert np.unique(block).size > 1, f"input {arg.name} is constant"
        col += count
    assert col == k.n_inputs


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_numba_matches_gcc(path: Path) -> None:
    k = Kernel.from_file(path, function="kernel")
    outputs = list(k.signature.outputs)
    ctypes = flat_output_ctypes(outputs)
    labels = _column_labels(outputs)
    assert len(ctypes) == k.n_outputs
    assert len(_column_labels(list(k.signature.inputs))) == k.n_inputs

    X = k.sample(N_SAMPLES, seed=_seed(path))
    assert X.shape == (N_SAMPLES, k.n_inputs)
    Y = np.asarray(k(X))
    Y_ref = np.asarray(k.native(X))
    assert Y.shape == (N_SAMPLES, k.n_outputs), f"numba output shape {Y.shape}"
    assert Y_ref.shape == (N_SAMPLES, k.n_outputs), f"native output shape {Y_ref.shape}"
    assert Y.dtype == np.float64 and Y_ref.dtype == np.float64

    problems: list[str] = []
    for j, (ctype, label) in enumerate(zip(ctypes, labels, strict=True)):
        for name, values in (("numba", Y[:, j]), ("native", Y_ref[:, j])):
            loose = not_widened_exactly(values, ctype)
            if loose.any():
                i = int(np.argmax(loose))
                problems.append(
                    f"{label} ({ctype}) from {name} is not a widened {ctype}: {values[i]!r}"
                )
            if is_constant(values):
                problems.append(f"{label} ({ctype}) from {name} is constant ({values[0]!r})")
        bad = mismatch_mask(Y[:, j], Y_ref[:, j], ctype, MAX_ULPS)
        if bad.any():
            i = int(np.argmax(bad))
            problems.append(
                f"{label} ({ctype}): {int(bad.sum())} of {N_SAMPLES} rows differ; first at row {i}"
                f" X={X[i].tolist()} numba={Y[i, j]!r} gcc={Y_ref[i, j]!r}"
            )
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
