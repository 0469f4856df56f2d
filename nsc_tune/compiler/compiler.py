"""The compiler as a service: load CompNet weights once, emit surrogate parameters for kernels."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import torch

from nsc_tune.compiler.checkpoint import load_weights
from nsc_tune.compiler.data import Batch, TrainProgram, collate, out_ranges
from nsc_tune.compiler.model import CompNet
from nsc_tune.compiler.tokenizer import tokenize
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate.mlp import SurrogateParams, bound_by_ranges

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "compnet.safetensors"
TEXT_AGNOSTIC_WEIGHTS = WEIGHTS_DIR / "text_agnostic.safetensors"


class Compiler:
    """CompNet with its weights, ready to compile kernels.

    Arguments:
        weights: a ``.safetensors`` file written by pretraining (default: the shipped weights).
        device: where to run CompNet.
    """

    def __init__(self, weights: str | Path | None = None, device: str = "cpu") -> None:
        self.path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        model, self.info = load_weights(self.path)
        self.model: CompNet = model.to(device)
        self.device = device

    @property
    def config(self):
        return self.model.config

    @torch.no_grad()
    def emit(self, kernels: Sequence[Kernel]) -> list[SurrogateParams]:
        """Surrogate parameters for each kernel (one CompNet forward pass for the batch), with
        each output's location and scale kept inside its statically proven range
        (``surrogate.mlp.bound_by_ranges``)."""
        batch, programs = self.tokenized_batch(kernels)
        p = self.params(batch, programs)
        return [p.select(i, k.n_inputs, k.n_outputs) for i, k in enumerate(kernels)]

    def tokenized_batch(self, kernels: Sequence[Kernel]) -> tuple[Batch, list[TrainProgram]]:
        """The kernels tokenized (with their range analysis) and collated into one batch on
        this compiler's device, as ``emit`` feeds them to CompNet."""
        import numpy as np

        programs = []
        for k in kernels:
            t = tokenize(k, max_len=self.config.max_len, ranges=not self.config.text_agnostic)
            dom = k.domains.astype(np.float32)
            programs.append(TrainProgram(t, np.zeros((1, k.n_inputs), np.float32),
                                         np.zeros((1, k.n_outputs), np.float32), dom[:, 0],
                                         dom[:, 1]))
        batch = collate(programs, [np.zeros(1, dtype=np.int64)] * len(programs)).to(self.device)
        return batch, programs

    def params(self, batch: Batch, programs: list[TrainProgram]) -> SurrogateParams:
        """CompNet's parameters for a collated batch of ``programs``, each output's location and
        scale kept inside its proven range (not for the text-agnostic model: the ranges come
        from the text)."""
        p = self.model(batch.ids, batch.values, batch.in_pos, batch.in_mask, batch.out_pos,
                       batch.out_mask)
        if self.config.text_agnostic:
            return p
        return bound_by_ranges(p, out_ranges(programs).to(self.device))


@functools.cache
def default_compiler(weights: str | None = None) -> Compiler:
    """The shared Compiler for ``weights`` (loaded once per process)."""
    return Compiler(weights)
