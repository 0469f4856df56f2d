"""Pretraining batches gathered on the device from programs packed into flat tensors.

``collate`` pads each batch in Python on the host, one program at a time; on a GPU that, not the
model, bounded pretraining (``docs/results/compnet.md``). Here every program of the split is packed
once into flat tensors that live on the training device (token ids, token features with the slot
ranges already in place, slot positions, normalised inputs, outputs, output statistics, and the
offsets of each program in them), and a batch is a handful of gathers there. The batches are the
ones ``collate`` builds for the same programs and rows, element for element
(``tests/compiler/test_packed.py``); only the choice of programs and rows (``StepSampler.share``)
stays on the host, in a background thread.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import torch
from torch import Tensor

from nsc_tune.compiler.data import (
    Batch,
    Prefetcher,
    StepSampler,
    TrainProgram,
    normalised_inputs,
    offsets,
    token_features,
)
from nsc_tune.compiler.tokenizer import PAD


@dataclass
class PackedPrograms:
    """Programs packed into flat tensors on one device (offsets ``*_off`` per program).

    Build it with ``from_programs``; ``batch`` gathers a ``Batch`` from it."""

    ids: Tensor  # [T] token ids of all programs
    feats: Tensor  # [T, F] token features
    tok_off: Tensor  # [P + 1]
    in_pos: Tensor  # [S_in] input slot positions
    in_off: Tensor  # [P + 1]
    out_pos: Tensor  # [S_out]
    out_off: Tensor  # [P + 1]
    mu: Tensor  # [S_out]
    log_sigma: Tensor  # [S_out]
    xn: Tensor  # [sum R_p n_in_p] normalised inputs, row-major per program
    x_off: Tensor  # [P + 1]
    y: Tensor  # [sum R_p n_out_p]
    y_off: Tensor  # [P + 1]
    n_in: Tensor  # [P]
    n_out: Tensor  # [P]
    lengths: Tensor  # [P]

    @classmethod
    def from_programs(cls, programs: list[TrainProgram], device: torch.device | str = "cpu"
                      ) -> PackedPrograms:
        """Pack ``programs`` (in their order) onto ``device``."""
        if not programs:
            raise ValueError("no programs to pack")
        arrays = {
            "ids": np.concatenate([p.tokens.ids for p in programs]).astype(np.int64),
            "feats": np.concatenate([token_features(p.tokens) for p in programs]),
            "tok_off": offsets([len(p.tokens) for p in programs]),
            "in_pos": np.concatenate([p.tokens.in_pos for p in programs]).astype(np.int64),
            "in_off": offsets([p.X.shape[1] for p in programs]),
            "out_pos": np.concatenate([p.tokens.out_pos for p in programs]).astype(np.int64),
            "out_off": offsets([p.Y.shape[1] for p in programs]),
            "mu": np.concatenate([p.mu for p in programs]).astype(np.float32),
            "log_sigma": np.concatenate([p.log_sigma for p in programs]).astype(np.float32),
            "xn": np.concatenate([normalised_inputs(p).ravel() for p in programs]
                                 ).astype(np.float32),
            "x_off": offsets([p.X.size for p in programs]),
            "y": np.concatenate([p.Y.ravel() for p in programs]).astype(np.float32),
            "y_off": offsets([p.Y.size for p in programs]),
            "n_in": np.array([p.X.shape[1] for p in programs], dtype=np.int64),
            "n_out": np.array([p.Y.shape[1] for p in programs], dtype=np.int64),
            "lengths": np.array([len(p.tokens) for p in programs], dtype=np.int64),
        }
        return cls(**{k: torch.from_numpy(v).to(device) for k, v in arrays.items()})

    def __post_init__(self) -> None:
        # Batch sizes are read on the host, so that gathering never waits for the device.
        self._host = {k: getattr(self, k).cpu().numpy() for k in ("n_in", "n_out", "lengths")}

    @property
    def device(self) -> torch.device:
        return self.ids.device

    def nbytes(self) -> int:
        """Device memory the packed tensors take."""
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def batch(self, chosen: np.ndarray, rows: np.ndarray) -> Batch:
        """The padded batch of programs ``chosen`` [B] with row indices ``rows`` [B, R]."""
        host = self._host
        length, n_in, n_out = (int(host[k][chosen].max()) for k in ("lengths", "n_in", "n_out"))
        dev = self.device
        c = torch.from_numpy(np.asarray(chosen, dtype=np.int64)).to(dev, non_blocking=True)
        r = torch.from_numpy(np.asarray(rows, dtype=np.int64)).to(dev, non_blocking=True)
        tok, tok_ok = _spans(self.tok_off[c], self.lengths[c], length)
        ids = torch.where(tok_ok, self.ids[tok], PAD)
        feats = self.feats[tok] * tok_ok[..., None]
        slot_in, in_mask = _spans(self.in_off[c], self.n_in[c], n_in)
        slot_out, out_mask = _spans(self.out_off[c], self.n_out[c], n_out)
        in_pos = torch.where(in_mask, self.in_pos[slot_in], 0)
        out_pos = torch.where(out_mask, self.out_pos[slot_out], 0)
        xn = _block_rows(self.xn, self.x_off[c], self.n_in[c], r, n_in, in_mask)
        y = _block_rows(self.y, self.y_off[c], self.n_out[c], r, n_out, out_mask)
        mu = torch.where(out_mask, self.mu[slot_out], 0.0)
        log_sigma = torch.where(out_mask, self.log_sigma[slot_out], 0.0)
        return Batch(ids, feats, in_pos, in_mask, out_pos, out_mask, xn, y, mu, log_sigma)


def _spans(start: Tensor, size: Tensor, width: int) -> tuple[Tensor, Tensor]:
    """Flat indices of ``width`` consecutive items from each ``start`` [B] and whether each is
    within its program's ``size`` (indices past it point at item 0)."""
    k = torch.arange(width, device=start.device)
    ok = k[None, :] < size[:, None]
    return torch.where(ok, start[:, None] + k[None, :], 0), ok


def _block_rows(flat: Tensor, start: Tensor, width: Tensor, rows: Tensor, pad: int, ok: Tensor
          ) -> Tensor:
    """Rows ``rows`` [B, R] of each program's row-major block, padded to ``pad`` columns."""
    k = torch.arange(pad, device=flat.device)
    idx = start[:, None, None] + rows[:, :, None] * width[:, None, None] + k[None, None, :]
    mask = ok[:, None, :]
    return torch.where(mask, flat[torch.where(mask, idx, 0)], 0.0)


class PackedPrefetcher(Prefetcher):
    """``Prefetcher`` for packed programs: threads draw the coming steps' programs and rows ahead
    (``StepSampler.share``), the batch is gathered on the device when asked for."""

    def __init__(self, sampler: StepSampler, packed: PackedPrograms, first: int, last: int,
                 rank: int = 0, world: int = 1, depth: int = 8) -> None:
        self.packed = packed
        super().__init__(sampler, first, last, rank, world, depth=depth)

    def _work(self, sampler: StepSampler):
        return sampler.share

    def _batch(self, result: tuple[np.ndarray, list[np.ndarray]]) -> Batch:
        chosen, rows = result
        return self.packed.batch(chosen, np.stack(rows))
