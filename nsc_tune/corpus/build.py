"""The corpus build: generate -> parse -> leakage check -> execute -> filter -> dedup -> split.

Candidates are numbered globally; shard ``s`` holds candidates ``[s * shard_size, ...)``. Each shard
is built independently (in parallel) and written atomically, so a killed build resumes where it
stopped: finished shards are skipped. ``finalize`` then walks the shards in index order, drops
exact and near duplicates, assigns program-level splits from a hash of each program's text key,
keeps the first ``n`` survivors, and writes ``manifest.json``. Everything follows from the seed: the
same ``(seed, n, rows)`` gives the same corpus whatever the worker count or shard size.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import re
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nsc_tune.corpus import execute
from nsc_tune.corpus.storage import FORMAT, SPLITS, ShardWriter, read_shard, shard_path
from nsc_tune.errors import NscTuneError


@dataclass(frozen=True)
class BuildConfig:
    """Settings of a corpus build (stored in the manifest).

    Arguments:
        n: programs to keep.
        out: the corpus folder.
        seed: the seed everything derives from.
        rows: input/output pairs per program.
        workers: parallel processes (default: all cores).
        shard_size: candidates per shard.
        batch_size: programs per gcc executable.
        split: shares of train / val / test.
        per_program_seconds: time limit for one program's runs.
        max_abs_output: programs with a larger |output| are dropped (float32 headroom).
        generator: ``module:function`` producing candidate ``index`` from ``(seed, index)``
            (a ``GeneratedProgram``); the default is the synthetic generator.
        candidates: a ``candidates.jsonl`` of mined programs (``corpus.mine``) to build from
            instead of the generator: candidate ``index`` is its line ``index``.
    """

    n: int
    out: str
    seed: int = 0
    rows: int = 1024
    workers: int = 0
    shard_size: int = 1000
    batch_size: int = 250
    split: tuple[float, float, float] = (0.9, 0.05, 0.05)
    per_program_seconds: float = 2.0
    max_abs_output: float = 1e9
    generator: str = "nsc_tune.corpus.generate:generate"
    candidates: str | None = None

    def __post_init__(self) -> None:
        if self.n <= 0 or self.rows <= 1 or self.shard_size <= 0 or self.batch_size <= 0:
            raise NscTuneError("n, shard_size and batch_size must be positive and rows > 1")
        if len(self.split) != 3 or abs(sum(self.split) - 1.0) > 1e-9 or min(self.split) < 0:
            raise NscTuneError(f"split must be three non-negative shares summing to 1, got "
                               f"{self.split}")


#: The compiler emits weights for at most this many inputs and outputs.
MAX_SLOTS = 64

_LEAKAGE = None


def _leakage_checker():
    global _LEAKAGE
    if _LEAKAGE is None:
        from nsc_tune.corpus.leakage import LeakageChecker

        _LEAKAGE = LeakageChecker()
    return _LEAKAGE


_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(define|pragma)\b", re.M)


def similarity_text(source: str) -> str:
    """The source with ``#define`` and ``#pragma`` lines turned into ordinary tokens, so that
    dedup keys see macro constants and domains (the lexer drops preprocessor lines)."""
    return _DIRECTIVE.sub(r"\1", source)


def _flag_outputs(Y: np.ndarray, max_abs: float) -> str | None:
    """Why these outputs are unusable, or None."""
    if not np.isfinite(Y).all():
        return "non_finite"
    if np.abs(Y).max(initial=0.0) > max_abs:
        return "too_large"
    if not np.isfinite(Y.astype(np.float32)).all():
        return "too_large"
    if (Y.max(axis=0) == Y.min(axis=0)).all():
        return "constant"
    return None


def _status_reason(status: int) -> str:
    if status == execute.NONDETERMINISTIC:
        return "nondeterministic"
    if status == execute.NOT_RUN:
        return "build_failed"
    if status == execute.TIMEOUT_SIGNAL:
        return "timeout"
    return "crashed"


def ranges_record(kernel) -> dict:
    """The kernel's statically proven output ranges as record fields (JSON: None for infinite),
    so loading the corpus for pretraining need not analyse every program again."""
    from nsc_tune.kernel.ranges import ANALYSIS_VERSION, output_ranges, ranges_to_json

    return {"out_ranges": ranges_to_json(output_ranges(kernel)),
            "ranges_version": ANALYSIS_VERSION}


def build_shard(cfg: BuildConfig, shard: int) -> dict:
    """Build shard ``shard`` (if not already on disk) and return its rejection counts."""
    from nsc_tune.kernel import Kernel, KernelError
    from nsc_tune.kernel.lexer import raw_key, tokens
    from nsc_tune.kernel.parse import user_lines

    path = shard_path(Path(cfg.out), shard)
    if path.exists():
        return json.loads(path.with_suffix(".json").read_text())
    mined = _mined(cfg.candidates) if cfg.candidates else None
    if mined is None:
        module, _, name = cfg.generator.partition(":")
        generate = getattr(importlib.import_module(module), name)
    else:
        def generate(_seed, i):
            return mined[i] if i < len(mined) else None
    rejects: Counter = Counter()
    checker = _leakage_checker()
    pending: list[tuple[dict, object, np.ndarray]] = []
    first = shard * cfg.shard_size
    for index in range(first, first + cfg.shard_size):
        prog = generate(cfg.seed, index)
        if prog is None:  # past the end of a finite candidate list
            break
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                kernel = Kernel.from_source(prog.source, function=prog.function)
        except (KernelError, Warning) as exc:
            rejects[f"frontend:{type(exc).__name__}"] += 1
            continue
        suite_name, score = checker.score(prog.source)
        if score >= checker.threshold:
            rejects["leak"] += 1
            continue
        if max(kernel.n_inputs, kernel.n_outputs) > MAX_SLOTS:
            rejects["too_many_slots"] += 1
            continue
        X = kernel.sample(cfg.rows, seed=[cfg.seed, index]).astype(np.float32).astype(np.float64)
        record = {
            "index": index, "function": prog.function, "family": prog.family,
            "origin": getattr(prog, "origin", "synthetic"),
            "licence": getattr(prog, "licence", "generated (MIT, this project)"),
            "repo": getattr(prog, "repo", ""), "commit": getattr(prog, "commit", ""),
            "source": prog.source, "n_inputs": kernel.n_inputs, "n_outputs": kernel.n_outputs,
            "rows": cfg.rows, "signature": str(kernel.signature),
            "domains": kernel.domains.tolist(),
            "raw_key": raw_key(similarity_text(prog.source)),
            "n_tokens": len(tokens(prog.source)), "leak_kernel": suite_name,
            "inputs": [[a.name, a.ctype, list(a.shape), a.param] for a in kernel.signature.inputs],
            "outputs": [[a.name, a.ctype, list(a.shape), a.param]
                        for a in kernel.signature.outputs],
            "preprocessed": user_lines(kernel.preprocessed),
            "leak_score": round(float(score), 4),
            **ranges_record(kernel),
        }
        pending.append((record, kernel, X))
    writer = ShardWriter()
    for start in range(0, len(pending), cfg.batch_size):
        chunk = pending[start: start + cfg.batch_size]
        outcomes = execute.run_batch([c[1] for c in chunk], [c[2] for c in chunk],
                                     per_program_seconds=cfg.per_program_seconds,
                                     workdir=execute.default_workdir())
        for (record, _kernel, X), outcome in zip(chunk, outcomes, strict=True):
            if outcome.Y is None:
                rejects[_status_reason(outcome.status)] += 1
                continue
            reason = _flag_outputs(outcome.Y, cfg.max_abs_output)
            if reason:
                rejects[reason] += 1
                continue
            writer.add(record, X, outcome.Y)
    rejects["kept"] = len(writer.records)
    writer.write(path, dict(rejects))
    return dict(rejects)


_MINED: dict[str, list] = {}


def _mined(path: str) -> list:
    """The mined candidates at ``path`` (read once per process)."""
    if path not in _MINED:
        from nsc_tune.corpus.mine import load_candidates

        _MINED[path] = load_candidates(path)
    return _MINED[path]


def _split_of(key: str, shares: tuple[float, float, float]) -> str:
    u = int(hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), 16) / 2.0**64
    return SPLITS[0] if u < shares[0] else SPLITS[1] if u < shares[0] + shares[1] else SPLITS[2]


def finalize(cfg: BuildConfig, shards: int) -> dict:
    """Dedup across shards in index order, split, keep the first ``n``; write the manifest."""
    from nsc_tune.corpus.dedup import NearDuplicateIndex

    root = Path(cfg.out)
    seen: set[str] = set()
    near = NearDuplicateIndex()
    reasons: Counter = Counter()
    kept: list[dict] = []
    for shard in range(shards):
        path = shard_path(root, shard)
        for key, value in json.loads(path.with_suffix(".json").read_text()).items():
            if key != "kept":
                reasons[key] += value
        records, _ = read_shard(path)
        for slot, rec in enumerate(records):
            if len(kept) >= cfg.n:
                reasons["beyond_n"] += 1
                continue
            if rec["raw_key"] in seen:
                reasons["duplicate"] += 1
                continue
            seen.add(rec["raw_key"])
            if near.add(rec["raw_key"], similarity_text(rec["source"])) is not None:
                reasons["near_duplicate"] += 1
                continue
            kept.append({"shard": shard, "slot": slot, "index": rec["index"],
                         "split": _split_of(rec["raw_key"], cfg.split),
                         "family": rec["family"], "origin": rec["origin"],
                         "licence": rec.get("licence", ""), "repo": rec.get("repo", ""),
                         "commit": rec.get("commit", ""),
                         "n_inputs": rec["n_inputs"], "n_outputs": rec["n_outputs"],
                         "n_tokens": rec["n_tokens"], "leak_score": rec["leak_score"]})
    manifest = {
        "format": FORMAT,
        "config": {**asdict(cfg), "out": None},
        "shards": shards,
        "candidates": len(_mined(cfg.candidates)) if cfg.candidates else shards * cfg.shard_size,
        "kept": len(kept),
        "splits": dict(Counter(p["split"] for p in kept)),
        "rejected": dict(sorted(reasons.items())),
        "programs": kept,
    }
    tmp = root / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest))
    os.replace(tmp, root / "manifest.json")
    return manifest


def build(cfg: BuildConfig, progress: bool = True) -> dict:
    """Build (or resume) a corpus; returns the manifest (with ``build_seconds`` added)."""
    from tqdm import tqdm

    t0 = time.time()
    workers = cfg.workers or os.cpu_count() or 1
    shards = math.ceil(cfg.n * 1.1 / cfg.shard_size)
    if cfg.candidates:  # a finite list: every candidate once
        shards = max(1, math.ceil(len(_mined(cfg.candidates)) / cfg.shard_size))
    done_shards = 0
    while True:
        todo = [s for s in range(done_shards, shards)]
        bar = tqdm(total=len(todo), desc="corpus shards", unit="shard", disable=not progress)
        kept_so_far = 0
        if workers == 1:
            for s in todo:
                kept_so_far += build_shard(cfg, s).get("kept", 0)
                bar.update(1)
        else:
            ctx = __import__("multiprocessing").get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = [pool.submit(build_shard, cfg, s) for s in todo]
                for fut in as_completed(futures):
                    kept_so_far += fut.result().get("kept", 0)
                    bar.update(1)
                    bar.set_postfix(kept=kept_so_far)
        bar.close()
        manifest = finalize(cfg, shards)
        if manifest["kept"] >= cfg.n or cfg.candidates:
            break
        done_shards = shards
        missing = cfg.n - manifest["kept"]
        rate = max(manifest["kept"] / (shards * cfg.shard_size), 0.05)
        shards += math.ceil(missing / rate * 1.2 / cfg.shard_size)
    manifest["build_seconds"] = round(time.time() - t0, 1)
    manifest["workers"] = workers
    path = Path(cfg.out) / "manifest.json"
    path.write_text(json.dumps(manifest))
    return manifest
