"""The surrogate family CompNet emits: an MLP on normalised inputs with per-output scale.

For a kernel with ``n_in`` inputs and ``n_out`` outputs, width ``H`` and ``depth`` hidden layers::

    x_n  = 2 (x - lo) / (hi - lo) - 1                      inputs scaled to [-1, 1] by the domains
    h_1  = act(W_in x_n + b_in)                             W_in: [H, n_in]  (column i from slot i)
    h_k  = act(W_k h_{k-1} + b_k)                           W_k:  [H, H]     k = 2..depth
    y_n  = W_out h_depth + b_out                            W_out: [n_out, H] (row j from slot j)
    y    = symexp(mu) + exp(log_sigma) * y_n                per-output location and scale

Parameters are held batched (a leading program dimension), so one call evaluates many
different surrogates at once; padded slots carry zero weights and are masked out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import torch
from torch import Tensor

ACTIVATION = torch.nn.functional.silu


@dataclass
class SurrogateParams:
    """Batched surrogate parameters (B programs, padded to the batch's largest arity).

    Arguments:
        w_in: [B, H, I]; b_in: [B, H]
        w_hidden: [B, depth-1, H, H]; b_hidden: [B, depth-1, H]
        w_out: [B, O, H]; b_out: [B, O]
        mu: [B, O] output location (symlog units); log_sigma: [B, O] output log-scale.
    """

    w_in: Tensor
    b_in: Tensor
    w_hidden: Tensor
    b_hidden: Tensor
    w_out: Tensor
    b_out: Tensor
    mu: Tensor
    log_sigma: Tensor

    def select(self, i: int, n_in: int, n_out: int) -> SurrogateParams:
        """Program ``i``'s parameters, trimmed to its arity, with the batch dimension dropped."""
        return SurrogateParams(
            self.w_in[i, :, :n_in], self.b_in[i], self.w_hidden[i], self.b_hidden[i],
            self.w_out[i, :n_out], self.b_out[i, :n_out], self.mu[i, :n_out],
            self.log_sigma[i, :n_out])

    def tensors(self) -> dict[str, Tensor]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def symlog(x: Tensor) -> Tensor:
    return torch.sign(x) * torch.log1p(torch.abs(x))


def symexp(x: Tensor) -> Tensor:
    return torch.sign(x) * torch.expm1(torch.abs(x).clamp(max=80.0))


def normalise_inputs(x: Tensor, lo: Tensor, hi: Tensor) -> Tensor:
    """Map inputs from their domains to [-1, 1] (a point domain maps to 0)."""
    span = (hi - lo).clamp(min=1e-12)
    return 2.0 * (x - lo) / span - 1.0


def forward_normalised(p: SurrogateParams, xn: Tensor) -> Tensor:
    """Batched MLP on normalised inputs: xn [B, R, I] -> normalised outputs [B, R, O]."""
    h = ACTIVATION(torch.einsum("bri,bhi->brh", xn, p.w_in) + p.b_in[:, None, :])
    for k in range(p.w_hidden.shape[1]):
        h = ACTIVATION(torch.einsum("brh,bgh->brg", h, p.w_hidden[:, k])
                       + p.b_hidden[:, k, None, :])
    return torch.einsum("brh,boh->bro", h, p.w_out) + p.b_out[:, None, :]


def denormalise_outputs(p: SurrogateParams, yn: Tensor) -> Tensor:
    """Normalised outputs [B, R, O] -> real units."""
    return symexp(p.mu)[:, None, :] + torch.exp(p.log_sigma)[:, None, :] * yn


def random_params(n_in: int, n_out: int, width: int, depth: int, batch: int = 1,
                  generator: torch.Generator | None = None) -> SurrogateParams:
    """A randomly initialised surrogate, as ``torch.nn.Linear`` initialises its layers.

    Weights and biases are uniform in +-1/sqrt(fan_in); outputs are not rescaled (mu = 0,
    log_sigma = 0), since a random init has seen no data.
    """
    def u(*shape: int, fan_in: int) -> Tensor:
        bound = 1.0 / math.sqrt(fan_in)
        return (torch.rand(*shape, generator=generator) * 2.0 - 1.0) * bound

    return SurrogateParams(
        u(batch, width, n_in, fan_in=n_in), u(batch, width, fan_in=n_in),
        u(batch, depth - 1, width, width, fan_in=width), u(batch, depth - 1, width, fan_in=width),
        u(batch, n_out, width, fan_in=width), u(batch, n_out, fan_in=width),
        torch.zeros(batch, n_out), torch.zeros(batch, n_out))


#: Scale left to an output whose location CompNet provably misread, relative to its half-range.
DISTRUST_SCALE = 1e-3


def bound_by_ranges(p: SurrogateParams, ranges: Tensor) -> SurrogateParams:
    """Keep each output's location inside its proven range and its scale within the range's
    half-width (no distribution on ``[lo, hi]`` has a larger spread).

    The true mean lies in the range, so moving a location into it only brings it closer; a scale
    above the largest possible spread only adds error. A location *outside* a finite range shows
    CompNet misread that output: it then gets the range's midpoint (the location with the smallest
    worst-case error) and a scale of ``DISTRUST_SCALE`` half-widths, so the output is, in effect,
    that constant. Infinite bounds change nothing.

    Arguments:
        p: batched parameters (B programs, O outputs).
        ranges: ``[B, O, 2]`` proven (lo, hi) per output, ``-inf``/``inf`` where unknown.
    """
    r = ranges.to(torch.float64)
    lo, hi = r[..., 0], r[..., 1]
    mean = symexp(p.mu.double())
    finite = torch.isfinite(lo) & torch.isfinite(hi)
    misread = finite & ((mean < lo) | (mean > hi))
    mean = torch.minimum(torch.maximum(mean, lo), hi)
    mean = torch.where(misread, (lo + hi) / 2.0, mean)
    half = (hi - lo) / 2.0
    floor = 1e-12 * (mean.abs() + 1.0)
    cap = torch.where(finite, torch.log(torch.maximum(half, floor)),
                      torch.full_like(half, math.inf))
    log_sigma = torch.minimum(p.log_sigma.double(), cap)
    log_sigma = torch.where(misread, cap + math.log(DISTRUST_SCALE), log_sigma)
    return SurrogateParams(p.w_in, p.b_in, p.w_hidden, p.b_hidden, p.w_out, p.b_out,
                           symlog(mean).to(p.mu.dtype), log_sigma.to(p.log_sigma.dtype))
