"""Pretraining data: corpus programs tokenized, held in memory, and batched deterministically.

The batch for optimisation step ``s`` depends only on ``(seed, s)``, so a resumed run sees exactly
the batches the uninterrupted run would have seen, and data-parallel ranks can each take their
share of one global batch.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from nsc_tune.compiler.tokenizer import (
    N_RANGE_FEATURES,
    N_VALUE_FEATURES,
    PAD,
    TokenizedProgram,
    range_features,
    tokenize,
    value_features,
)


@dataclass
class TrainProgram:
    """One program ready for training."""

    tokens: TokenizedProgram
    X: np.ndarray  # float32 [R, n_in], real units
    Y: np.ndarray  # float32 [R, n_out]
    lo: np.ndarray  # float32 [n_in]
    hi: np.ndarray  # float32 [n_in]
    family: str = ""
    mu: np.ndarray | None = None  # float32 [n_out]: symlog of the output means (all rows)
    log_sigma: np.ndarray | None = None  # float32 [n_out]: log of the output scales

    def __post_init__(self) -> None:
        if self.mu is None:
            mean = self.Y.astype(np.float64).mean(axis=0)
            std = self.Y.astype(np.float64).std(axis=0)
            self.mu = (np.sign(mean) * np.log1p(np.abs(mean))).astype(np.float32)
            self.log_sigma = np.log(np.maximum(std, 1e-6 * (np.abs(mean) + 1.0))).astype(
                np.float32)


@dataclass
class Batch:
    """Padded tensors for a batch of programs."""

    ids: Tensor  # [B, L]
    values: Tensor  # [B, L, F]: number features, then slot-range features at slot tokens
    in_pos: Tensor  # [B, I]
    in_mask: Tensor  # [B, I] bool
    out_pos: Tensor  # [B, O]
    out_mask: Tensor  # [B, O] bool
    xn: Tensor  # [B, R, I] normalised inputs
    y: Tensor  # [B, R, O] real outputs
    mu: Tensor  # [B, O] target output locations (symlog of the mean over all rows)
    log_sigma: Tensor  # [B, O] target output log-scales

    def to(self, device: torch.device | str) -> Batch:
        return Batch(*(getattr(self, f).to(device, non_blocking=True)
                       for f in self.__dataclass_fields__))


def _tokenize_record(item: tuple[dict, int, np.ndarray | None]) -> TokenizedProgram | None:
    from nsc_tune.compiler.tokenizer import KernelView, ProgramTooLongError

    record, max_len, ranges = item
    try:
        tok = tokenize(KernelView.from_record(record), max_len=max_len, ranges=ranges is None)
    except ProgramTooLongError as exc:
        warnings.warn(f"skipping program {record['index']}: {exc}", stacklevel=1)
        return None
    if ranges is not None:
        tok.out_ranges = ranges
    return tok


def record_ranges(record: dict) -> np.ndarray | None:
    """The output ranges a corpus record carries (None: not there, or from another version of
    the analysis)."""
    from nsc_tune.kernel.ranges import ANALYSIS_VERSION, ranges_from_json

    rows = record.get("out_ranges")
    if rows is None or record.get("ranges_version") != ANALYSIS_VERSION:
        return None
    return ranges_from_json(rows)


def _ranges_cache(root: str, split: str) -> Path:
    """The cache file: named by the split, the analysis version and the corpus build (a corpus
    rebuilt in the same folder gets a new manifest, so stale ranges are never read)."""
    import hashlib

    from nsc_tune.kernel.ranges import ANALYSIS_VERSION

    manifest = Path(root) / "manifest.json"
    build = hashlib.sha1(manifest.read_bytes()).hexdigest()[:12] if manifest.exists() else "x"
    return Path(root) / f"ranges-{split}-v{ANALYSIS_VERSION}-{build}.safetensors"


def _read_ranges(path: Path) -> dict[int, np.ndarray]:
    """Output ranges of a corpus split, as cached by an earlier load (program index -> ranges)."""
    if not path.exists():
        return {}
    from safetensors.numpy import load_file

    data = load_file(str(path))
    off = data["offsets"]
    return {int(i): data["ranges"][off[k]: off[k + 1]] for k, i in enumerate(data["index"])}


def offsets(sizes: list[int] | np.ndarray) -> np.ndarray:
    """Where each of consecutive items of ``sizes`` starts in their concatenation, and the end."""
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _save_cache(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write a cache file beside the corpus atomically (a read-only corpus just has none)."""
    from safetensors.numpy import save_file

    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    try:
        save_file(arrays, str(tmp))
        os.replace(tmp, path)
    except OSError:  # the cache is an optimisation only
        pass


def _write_ranges(path: Path, ranges: dict[int, np.ndarray]) -> None:
    keys = sorted(ranges)
    flat = (np.concatenate([ranges[k] for k in keys]) if keys else np.zeros((0, 2)))
    _save_cache({"index": np.array(keys, dtype=np.int64),
                 "offsets": offsets([len(ranges[k]) for k in keys]),
                 "ranges": flat.astype(np.float64)}, path)


def _tokens_cache(root: str, split: str, max_len: int) -> Path:
    """The pre-tokenised split: named by the split, the context length, the tokenizer (its code,
    the lexer's, the vocabulary), the analysis version and the corpus build."""
    import hashlib
    import inspect

    from nsc_tune.compiler import tokenizer
    from nsc_tune.kernel import lexer
    from nsc_tune.kernel.parse import user_lines
    from nsc_tune.kernel.ranges import ANALYSIS_VERSION

    key = hashlib.sha1()
    for part in (inspect.getsource(tokenizer), inspect.getsource(lexer),
                 inspect.getsource(user_lines), str(ANALYSIS_VERSION), str(max_len)):
        key.update(part.encode())
    manifest = Path(root) / "manifest.json"
    key.update(manifest.read_bytes() if manifest.exists() else b"x")
    return Path(root) / f"tokens-{split}-{key.hexdigest()[:16]}.safetensors"


_TOKEN_PARTS = ("ids", "values", "in_pos", "out_pos", "in_ranges", "out_ranges")


def _write_tokens(path: Path, toks: dict[int, TokenizedProgram | None]) -> None:
    """Store a split's tokenized programs (None: too long for the context) in one file."""
    kept = sorted(k for k, t in toks.items() if t is not None)
    arrays = {"index": np.array(kept, dtype=np.int64),
              "too_long": np.array(sorted(k for k, t in toks.items() if t is None),
                                   dtype=np.int64)}
    for part in _TOKEN_PARTS:
        chunks = [np.asarray(getattr(toks[k], part)) for k in kept]
        arrays[part] = np.concatenate(chunks) if chunks else np.zeros(0)
        arrays[f"{part}_offsets"] = offsets([len(c) for c in chunks])
    _save_cache(arrays, path)


def _read_tokens(path: Path) -> dict[int, TokenizedProgram | None]:
    """``_write_tokens``'s programs (empty when there is no such file)."""
    if not path.exists():
        return {}
    from safetensors.numpy import load_file

    data = load_file(str(path))
    out: dict[int, TokenizedProgram | None] = {int(k): None for k in data["too_long"]}
    for n, index in enumerate(data["index"]):
        parts = {p: data[p][data[f"{p}_offsets"][n]: data[f"{p}_offsets"][n + 1]]
                 for p in _TOKEN_PARTS}
        out[int(index)] = TokenizedProgram(**parts)
    return out


def load_corpus(root: str, split: str, max_len: int, workers: int = 0,
                limit: int | None = None) -> list[TrainProgram]:
    """One split of a built corpus in memory, tokenized (in parallel processes).

    The tokenized split is cached next to the corpus (``tokens-<split>-<key>.safetensors``, the
    key naming the tokenizer, context length and build), so later loads read it instead.
    Output ranges come from the records (corpora built since the analysis existed carry them);
    for older corpora they are computed once and cached too
    (``ranges-<split>-v<version>-<build>.safetensors``), so a new tokenizer skips the analysis."""
    from nsc_tune.corpus.storage import Corpus

    stored = []
    for prog in Corpus(root).programs(split):
        stored.append(prog)
        if limit is not None and len(stored) >= limit:
            break
    token_cache = _tokens_cache(root, split, max_len)
    pretokenised = _read_tokens(token_cache)
    if all(int(p.record["index"]) in pretokenised for p in stored):
        toks = [pretokenised[int(p.record["index"])] for p in stored]
        if None in toks:
            warnings.warn(f"skipping {toks.count(None)} programs longer than {max_len} tokens "
                          f"(pre-tokenised in {token_cache.name})", stacklevel=2)
        return _train_programs(stored, toks)
    carried = {int(p.record["index"]): record_ranges(p.record) for p in stored}
    carried = {k: v for k, v in carried.items() if v is not None}
    cache = _ranges_cache(root, split)
    cached = _read_ranges(cache) if len(carried) < len(stored) else {}
    cached.update(carried)
    items = [(p.record, max_len, cached.get(int(p.record["index"]))) for p in stored]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(items) < 256:
        toks = [_tokenize_record(it) for it in items]
    else:
        import multiprocessing

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            toks = list(pool.map(_tokenize_record, items, chunksize=64))
    fresh = False
    for prog, tok in zip(stored, toks, strict=True):
        index = int(prog.record["index"])
        if tok is not None and index not in cached:  # analysed in this load
            cached[index] = tok.out_ranges
            fresh = True
    if fresh:
        _write_ranges(cache, cached)
    pretokenised.update({int(p.record["index"]): t for p, t in zip(stored, toks, strict=True)})
    _write_tokens(token_cache, pretokenised)
    return _train_programs(stored, toks)


def _train_programs(stored: list, toks: list[TokenizedProgram | None]) -> list[TrainProgram]:
    """Stored programs with their tokens (those too long for the context left out)."""
    out = []
    for prog, tok in zip(stored, toks, strict=True):
        if tok is not None:
            dom = np.asarray(prog.record["domains"], dtype=np.float32)
            out.append(TrainProgram(tok, prog.X, prog.Y, dom[:, 0], dom[:, 1], prog.family))
    return out


def out_ranges(programs: list[TrainProgram]) -> torch.Tensor:
    """The programs' proven output ranges, padded to ``[B, O, 2]`` (padding: unknown)."""
    n_out = max(p.Y.shape[1] for p in programs)
    r = np.tile(np.array([-np.inf, np.inf]), (len(programs), n_out, 1))
    for i, p in enumerate(programs):
        if p.tokens.out_ranges is not None:
            r[i, : p.Y.shape[1]] = p.tokens.out_ranges
    return torch.from_numpy(r)


def collate(programs: list[TrainProgram], rows: list[np.ndarray]) -> Batch:
    """Pad a list of programs (and the row indices to use of each) into a Batch."""
    return Batch(*(torch.from_numpy(a) for a in collate_arrays(programs, rows)))


def token_features(t: TokenizedProgram) -> np.ndarray:
    """A program's token features ``[L, F]``: value features, then the slot ranges' features at
    the slot tokens (zero elsewhere)."""
    feats = np.zeros((len(t), N_VALUE_FEATURES + N_RANGE_FEATURES), dtype=np.float32)
    feats[:, :N_VALUE_FEATURES] = value_features(t.values)
    if t.in_ranges is not None:
        feats[t.in_pos, N_VALUE_FEATURES:] = range_features(t.in_ranges)
    if t.out_ranges is not None:
        feats[t.out_pos, N_VALUE_FEATURES:] = range_features(t.out_ranges)
    return feats


def normalised_inputs(p: TrainProgram, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Rows ``rows`` of a program's inputs mapped from its domains to [-1, 1]."""
    span = np.maximum(p.hi - p.lo, 1e-12)
    return 2.0 * (p.X[rows] - p.lo) / span - 1.0


def collate_arrays(programs: list[TrainProgram], rows: list[np.ndarray]
                   ) -> tuple[np.ndarray, ...]:
    """``collate`` as NumPy arrays, in ``Batch``'s field order (cheap to send between processes)."""
    b = len(programs)
    length = max(len(p.tokens) for p in programs)
    n_in = max(p.X.shape[1] for p in programs)
    n_out = max(p.Y.shape[1] for p in programs)
    r = len(rows[0])
    ids = np.full((b, length), PAD, dtype=np.int64)
    vals = np.zeros((b, length, N_VALUE_FEATURES + N_RANGE_FEATURES), dtype=np.float32)
    in_pos = np.zeros((b, n_in), dtype=np.int64)
    out_pos = np.zeros((b, n_out), dtype=np.int64)
    in_mask = np.zeros((b, n_in), dtype=bool)
    out_mask = np.zeros((b, n_out), dtype=bool)
    xn = np.zeros((b, r, n_in), dtype=np.float32)
    y = np.zeros((b, r, n_out), dtype=np.float32)
    mu = np.zeros((b, n_out), dtype=np.float32)
    log_sigma = np.zeros((b, n_out), dtype=np.float32)
    for i, (p, idx) in enumerate(zip(programs, rows, strict=True)):
        t = p.tokens
        ids[i, : len(t)] = t.ids
        vals[i, : len(t)] = token_features(t)
        k, m = p.X.shape[1], p.Y.shape[1]
        in_pos[i, :k], in_mask[i, :k] = t.in_pos, True
        out_pos[i, :m], out_mask[i, :m] = t.out_pos, True
        xn[i, :, :k] = normalised_inputs(p, idx)
        y[i, :, :m] = p.Y[idx]
        mu[i, :m], log_sigma[i, :m] = p.mu, p.log_sigma
    return ids, vals, in_pos, in_mask, out_pos, out_mask, xn, y, mu, log_sigma


class StepSampler:
    """Deterministic batches: programs of similar length, rows drawn per program.

    Arguments:
        programs: the training programs.
        batch_size: programs per global batch.
        rows: input/output pairs per program per step.
        seed: the seed.
    """

    def __init__(self, programs: list[TrainProgram], batch_size: int, rows: int, seed: int
                 ) -> None:
        self.programs = programs
        self.batch_size = min(batch_size, len(programs))
        self.rows = rows
        self.seed = seed
        self.by_length = np.argsort([len(p.tokens) for p in programs], kind="stable")

    def indices(self, step: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """Programs and row subsets of global step ``step``."""
        rng = np.random.default_rng([self.seed, step])
        n = len(self.programs)
        # A window of similar-length programs keeps padding small. It starts anywhere and wraps
        # around the length order, so every program is in exactly ``window`` of the ``n``
        # windows: all are drawn equally often, the longest and shortest included (a window
        # confined to the order drew the longest programs up to ``window`` times less often).
        window = min(n, self.batch_size * 4)
        start = int(rng.integers(0, n))
        chosen = rng.choice(self.by_length[(start + np.arange(window)) % n], self.batch_size,
                            replace=False)
        rows = [rng.choice(self.programs[i].X.shape[0], self.rows,
                           replace=self.programs[i].X.shape[0] < self.rows) for i in chosen]
        return chosen, rows

    def batch(self, step: int, rank: int = 0, world: int = 1) -> Batch:
        """This rank's share of global step ``step``."""
        return Batch(*(torch.from_numpy(a) for a in self.arrays(step, rank, world)))

    def share(self, step: int, rank: int = 0, world: int = 1
              ) -> tuple[np.ndarray, list[np.ndarray]]:
        """This rank's programs of global step ``step`` and their row subsets."""
        chosen, rows = self.indices(step)
        mine = range(rank, len(chosen), world)
        return chosen[list(mine)], [rows[i] for i in mine]

    def arrays(self, step: int, rank: int = 0, world: int = 1) -> tuple[np.ndarray, ...]:
        """``batch`` as NumPy arrays."""
        chosen, rows = self.share(step, rank, world)
        return collate_arrays([self.programs[i] for i in chosen], rows)


_FORKED_SAMPLER: StepSampler | None = None  # the sampler seen by forked collating processes


def _forked_arrays(step: int, rank: int, world: int) -> tuple[np.ndarray, ...]:
    assert _FORKED_SAMPLER is not None
    return _FORKED_SAMPLER.arrays(step, rank, world)


class Prefetcher:
    """Collates the batches of the coming steps in the background, in order.

    Batches depend only on the step, so workers can run ahead of the optimiser: threads by default,
    or ``processes`` forked processes (collating in Python is what limits a small model on a GPU).
    """

    def __init__(self, sampler: StepSampler, first: int, last: int, rank: int = 0,
                 world: int = 1, processes: int = 0, depth: int | None = None) -> None:
        import multiprocessing
        from concurrent.futures import ThreadPoolExecutor

        global _FORKED_SAMPLER
        self.last, self.rank, self.world = last, rank, world
        if processes > 0:
            _FORKED_SAMPLER = sampler
            self.pool = ProcessPoolExecutor(processes,
                                            mp_context=multiprocessing.get_context("fork"))
            self.fn = _forked_arrays
        else:
            self.pool = ThreadPoolExecutor(max_workers=2)
            self.fn = self._work(sampler)
        self.depth = depth or max(4, 2 * processes)
        self.ahead = {}
        self.next = first
        self._fill(first)

    def _fill(self, step: int) -> None:
        while self.next < min(step + self.depth, self.last):
            self.ahead[self.next] = self.pool.submit(self.fn, self.next, self.rank, self.world)
            self.next += 1

    def _work(self, sampler: StepSampler):
        """What a thread does for a step ahead, ``(step, rank, world) -> result``."""
        return sampler.arrays

    def _batch(self, result: tuple[np.ndarray, ...]) -> Batch:
        """The batch from a step's result."""
        return Batch(*(torch.from_numpy(a) for a in result))

    def get(self, step: int) -> Batch:
        """The batch of ``step`` (steps must be asked for in order)."""
        result = self.ahead.pop(step).result()
        self._fill(step + 1)
        return self._batch(result)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
