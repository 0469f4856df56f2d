"""Shared fixtures: a tiny corpus built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 120-program corpus (64 rows each), built with the real pipeline."""
    from nsc_tune.corpus.build import BuildConfig, build

    out = tmp_path_factory.mktemp("corpus")
    build(BuildConfig(n=120, out=str(out), seed=11, rows=64, workers=1, shard_size=60,
                      split=(0.8, 0.1, 0.1)), progress=False)
    return out
