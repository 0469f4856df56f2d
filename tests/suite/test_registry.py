"""The suite registry: names, descriptions, sources, metric dispatch and domain annotations."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nsc_tune import suite
from nsc_tune.errors import NscTuneError

NAMES = ["blackscholes", "fft", "inversek2j", "jmeint", "jpeg", "kmeans", "sobel"]

PARROT = {
    "blackscholes": (6, 8, 8, 1),
    "fft": (1, 4, 4, 2),
    "inversek2j": (2, 8, 2),
    "jmeint": (18, 32, 8, 2),
    "jpeg": (64, 16, 64),
    "kmeans": (6, 8, 4, 1),
    "sobel": (9, 8, 1),
}

METRIC = {
    "blackscholes": "capped_relative_error",
    "fft": "capped_relative_error",
    "inversek2j": "capped_relative_error",
    "jmeint": "miss_rate",
    "jpeg": "image_rmse",
    "kmeans": "image_rmse",
    "sobel": "image_rmse",
}

_PRAGMA = re.compile(r"^#pragma nsc_tune domain\((\w+), ([-0-9.]+), ([-0-9.]+)\)$", re.M)


def test_names() -> None:
    assert suite.names() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_info(name: str) -> None:
    entry = suite.info(name)
    assert entry.name == entry.function == name
    assert entry.path.is_file() and entry.path.stem == name
    assert entry.parrot_topology == PARROT[name]
    assert entry.metric == METRIC[name]
    assert entry.description


def test_unknown_name_raises_listing_valid_names() -> None:
    with pytest.raises(suite.UnknownKernelError) as exc:
        suite.info("sobell")
    assert isinstance(exc.value, NscTuneError) and isinstance(exc.value, KeyError)
    assert "sobell" in str(exc.value)
    for name in NAMES:
        assert name in str(exc.value)
    with pytest.raises(suite.UnknownKernelError):
        suite.source("nope")
    with pytest.raises(suite.UnknownKernelError):
        suite.load("nope")
    with pytest.raises(suite.UnknownKernelError):
        suite.score("nope", [1.0], [1.0])


def _params(src: str, name: str) -> list[tuple[str, int]]:
    """(parameter name, flattened size) of the inputs of ``name`` in C text ``src``."""
    match = re.search(rf"^\w+\s+{name}\s*\(([^)]*)\)", src, re.M)
    assert match, f"no definition of {name}"
    out = []
    for param in match.group(1).split(","):
        param = " ".join(param.split())
        if "*" in param or (not param.startswith("const") and "[" in param):
            continue  # output
        arr = re.match(r".*?(\w+)\s*\[(\d+)\]$", param)
        if arr:
            out.append((arr.group(1), int(arr.group(2))))
        else:
            out.append((param.split()[-1], 1))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_source_has_a_domain_for_every_input(name: str) -> None:
    src = suite.source(name)
    params = _params(src, name)
    assert sum(size for _, size in params) == PARROT[name][0]
    domains = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in _PRAGMA.finditer(src)}
    assert sorted(domains) == sorted(p for p, _ in params)
    for lo, hi in domains.values():
        assert lo < hi


@pytest.mark.parametrize("name", NAMES)
def test_source_stays_in_the_supported_subset(name: str) -> None:
    code = re.sub(r"/\*.*?\*/", "", suite.source(name), flags=re.S)
    for banned in ("struct", "goto", "malloc", "printf", "union", "typedef"):
        assert not re.search(rf"\b{banned}\b", code), banned


def test_score_dispatches_the_metric() -> None:
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    p = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert suite.score("jmeint", t, p) == pytest.approx(0.5)
    assert suite.score("fft", np.array([[2.0, 1.0]]), np.array([[3.0, 1.0]])) == pytest.approx(0.25)
    assert suite.score("kmeans", np.zeros(4), np.full(4, np.sqrt(3.0))) == pytest.approx(1.0)
    saturated = np.full(2, suite.SOBEL_SATURATED)
    assert suite.score("sobel", np.zeros(2), saturated) == pytest.approx(1.0)
    assert suite.score("jpeg", np.zeros((1, 64)), np.zeros((1, 64))) == 0.0
