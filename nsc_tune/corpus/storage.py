"""Corpus storage: shards of programs (text + metadata) and their input/output samples.

Layout of a corpus folder::

    manifest.json                 build settings, counts, and the kept programs with their split
    shards/shard-00000.safetensors  one shard per block of candidate indices
    shards/shard-00000.json         what the shard rejected, by reason
    stats.png                     written by ``nsc-tune corpus stats``

A shard is one safetensors file (no pickle) holding four tensors and its program table:

- ``x``: float32, every program's inputs (rows x n_inputs, row-major) one after another;
- ``y``: float32, the outputs likewise (rows x n_outputs);
- ``x_offsets``, ``y_offsets``: int64, P + 1 offsets into ``x`` and ``y``;
- metadata ``programs``: a JSON list, one record per program (index, function, family, source,
  origin, licence, n_inputs, n_outputs, rows, signature, domains, raw_key, n_tokens, leak score,
  and the statically proven output ranges ``out_ranges`` with their ``ranges_version``).

Inputs are rounded to float32 *before* the program runs, so the stored pair re-executes exactly;
outputs are the program's float64 results rounded to float32.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from nsc_tune.errors import NscTuneError

FORMAT = "nsc_tune.corpus/1"
SPLITS = ("train", "val", "test")


class CorpusError(NscTuneError):
    """A corpus folder is missing, incomplete or of another format."""


@dataclass
class StoredProgram:
    """One program of the corpus with its samples."""

    record: dict
    X: np.ndarray
    Y: np.ndarray
    split: str = ""

    @property
    def source(self) -> str:
        return self.record["source"]

    @property
    def function(self) -> str:
        return self.record["function"]

    @property
    def family(self) -> str:
        return self.record["family"]


@dataclass
class ShardWriter:
    """Collects programs of one shard, then writes the shard atomically."""

    records: list[dict] = field(default_factory=list)
    xs: list[np.ndarray] = field(default_factory=list)
    ys: list[np.ndarray] = field(default_factory=list)

    def add(self, record: dict, X: np.ndarray, Y: np.ndarray) -> None:
        self.records.append(record)
        self.xs.append(np.asarray(X, dtype=np.float32).reshape(-1))
        self.ys.append(np.asarray(Y, dtype=np.float32).reshape(-1))

    def write(self, path: Path, rejects: dict) -> None:
        def offsets(parts: list[np.ndarray]) -> np.ndarray:
            return np.concatenate([[0], np.cumsum([p.size for p in parts])]).astype(np.int64)

        tensors = {
            "x": np.concatenate(self.xs) if self.xs else np.zeros(0, np.float32),
            "y": np.concatenate(self.ys) if self.ys else np.zeros(0, np.float32),
            "x_offsets": offsets(self.xs),
            "y_offsets": offsets(self.ys),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        save_file(tensors, str(tmp), metadata={"format": FORMAT,
                                               "programs": json.dumps(self.records)})
        side = path.with_suffix(".json")
        side_tmp = side.with_name(f"{side.name}.tmp{os.getpid()}")
        side_tmp.write_text(json.dumps(rejects, indent=1))
        os.replace(side_tmp, side)
        os.replace(tmp, path)  # the shard file last: its presence means the shard is complete


def shard_path(root: Path, shard: int) -> Path:
    return Path(root) / "shards" / f"shard-{shard:05d}.safetensors"


def read_shard(path: Path) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The program records and tensors of one shard."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata() or {}
    if meta.get("format") != FORMAT:
        raise CorpusError(f"{path} is not a {FORMAT} shard")
    return json.loads(meta["programs"]), load_file(str(path))


def program_at(records: list[dict], tensors: dict[str, np.ndarray], slot: int) -> StoredProgram:
    """Program ``slot`` of a loaded shard."""
    rec = records[slot]
    xo, yo = tensors["x_offsets"], tensors["y_offsets"]
    X = tensors["x"][xo[slot]: xo[slot + 1]].reshape(rec["rows"], rec["n_inputs"])
    Y = tensors["y"][yo[slot]: yo[slot + 1]].reshape(rec["rows"], rec["n_outputs"])
    return StoredProgram(rec, X, Y)


class Corpus:
    """A built corpus folder: iterate its programs by split.

    Arguments:
        root: the folder given to ``nsc-tune corpus build --out``.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        path = self.root / "manifest.json"
        if not path.exists():
            raise CorpusError(f"{path} not found: build the corpus first "
                              f"(nsc-tune corpus build --out {self.root})")
        self.manifest = json.loads(path.read_text())
        if self.manifest.get("format") != FORMAT:
            raise CorpusError(f"{path} is not a {FORMAT} corpus")

    def __len__(self) -> int:
        return len(self.manifest["programs"])

    def count(self, split: str) -> int:
        return sum(1 for p in self.manifest["programs"] if p["split"] == split)

    def programs(self, split: str | None = None) -> Iterator[StoredProgram]:
        """Programs in index order, optionally of one split ("train", "val", "test")."""
        if split is not None and split not in SPLITS:
            raise CorpusError(f"unknown split {split!r}; use one of {SPLITS}")
        by_shard: dict[int, list[dict]] = {}
        for p in self.manifest["programs"]:
            if split is None or p["split"] == split:
                by_shard.setdefault(p["shard"], []).append(p)
        for shard in sorted(by_shard):
            records, tensors = read_shard(shard_path(self.root, shard))
            for entry in by_shard[shard]:
                prog = program_at(records, tensors, entry["slot"])
                prog.split = entry["split"]
                yield prog
