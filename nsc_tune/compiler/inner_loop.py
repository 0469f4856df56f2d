"""A fine-tuning-aware pretraining loss: score CompNet's surrogate after a few fine-tuning steps.

CompNet's product is an initialisation that users fine-tune on a few examples of their kernel
(``surrogate.fit``: output location and scale from the examples, then Adam at lr 0.01 on the MSE
of standardised outputs, every parameter trained). ``finetuned_loss_terms`` does the same inside
the pretraining step: each program's rows are split into a support set (the first ``support``
rows; the sampler draws rows at random, so they are a random subset) and a query set (the rest);
starting from the emitted parameters it takes ``steps`` differentiable fine-tuning steps on the
support loss and returns the query error of the adapted surrogates, plus ``weight`` times the
zero-shot loss (``pretrain.loss_terms``), which alone trains the zero-shot location and scale.

Programs are independent, so one ``autograd.grad`` of the summed per-program losses gives every
program its own gradient. ``first_order=True`` treats the inner updates as constants (the
outer gradient is the query gradient at the adapted weights, first-order MAML); otherwise the
updates stay in the graph (``create_graph``) and the outer gradient includes second-order terms.
The inner loop runs in float32 with autocast off (as users fine-tune), whatever the caller's
autocast; the encoder and the zero-shot term keep it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from nsc_tune.compiler.data import Batch
from nsc_tune.compiler.pretrain import FULL_WEIGHT, loss_terms
from nsc_tune.errors import NscTuneError
from nsc_tune.surrogate.mlp import (
    SurrogateParams,
    denormalise_outputs,
    forward_normalised,
    symexp,
    symlog,
)

#: The emitted tensors that model standardised outputs, then location and log-scale.
SHAPE = ("w_in", "b_in", "w_hidden", "b_hidden", "w_out", "b_out")
FIELDS = SHAPE + ("mu", "log_sigma")
OPTIMISERS = ("adam", "sgd")
#: Where the standardiser of the inner loss comes from: the support rows (as users fine-tune)
#: or the program's true output statistics (the zero-shot shape term's).
STATS = ("support", "batch")
#: Adam's constants (``torch.optim.Adam``'s defaults, which ``surrogate.fit`` uses).
BETAS = (0.9, 0.999)
EPS = 1e-8
#: Added under Adam's square root: sqrt has no derivative at 0 (a padded slot's zero gradient
#: would give 0 * inf = NaN in the second-order graph); 1e-30 moves no real update.
SQRT_FLOOR = 1e-30

Params = dict[str, Tensor]


class InnerLoopError(NscTuneError):
    """Settings of the fine-tuning-aware loss that cannot work (steps, rate, support, ...)."""


@dataclass(frozen=True)
class InnerLoop:
    """Settings of the inner fine-tuning loop (plain data).

    Arguments:
        steps: fine-tuning steps on the support rows (0: the query error of the init).
        lr: inner learning rate (users' Adam: 0.01).
        support: rows per program to fine-tune on; the rest are the query rows.
        first_order: drop the second-order terms (inner gradients are constants).
        optimiser: "adam" (what users run) or "sgd".
        weight: weight of the zero-shot loss added to the query error.
        stats: "support" (standardise with the support rows, as users do) or "batch".
    """

    steps: int = 5
    lr: float = 0.01
    support: int = 16
    first_order: bool = True
    optimiser: str = "adam"
    weight: float = 1.0
    stats: str = "support"

    def __post_init__(self) -> None:
        check_settings(self)


def check_settings(cfg: InnerLoop, rows: int | None = None) -> None:
    """Raise ``InnerLoopError`` for settings that cannot work (``rows``: the batch's rows)."""
    if not isinstance(cfg.steps, int) or cfg.steps < 0:
        raise InnerLoopError(f"inner steps must be an integer >= 0, got {cfg.steps!r}")
    if not math.isfinite(cfg.lr) or cfg.lr <= 0:
        raise InnerLoopError(f"inner lr must be a positive number, got {cfg.lr!r}")
    if not math.isfinite(cfg.weight) or cfg.weight < 0:
        raise InnerLoopError(f"zero-shot weight must be >= 0, got {cfg.weight!r}")
    if cfg.optimiser not in OPTIMISERS:
        raise InnerLoopError(f"inner optimiser {cfg.optimiser!r}: use one of {OPTIMISERS}")
    if cfg.stats not in STATS:
        raise InnerLoopError(f"inner stats {cfg.stats!r}: use one of {STATS}")
    low = 2 if cfg.stats == "support" else 1  # a scale needs two examples
    if not isinstance(cfg.support, int) or cfg.support < low:
        raise InnerLoopError(f"inner support must be an integer >= {low} with "
                             f"stats={cfg.stats!r}, got {cfg.support!r}")
    if rows is not None and cfg.support >= rows:
        raise InnerLoopError(f"inner support ({cfg.support}) must leave query rows: the batch "
                             f"has {rows} rows per program")


# -- the inner optimisers (functional, differentiable) ------------------------------------------
def _sgd(p: Tensor, g: Tensor, state: dict, lr: float, t: int) -> Tensor:
    return p - lr * g


def _adam(p: Tensor, g: Tensor, state: dict, lr: float, t: int) -> Tensor:
    """One step of ``torch.optim.Adam`` (no weight decay) on ``p``, written out."""
    m = BETAS[0] * state.get("m", 0.0) + (1 - BETAS[0]) * g
    v = BETAS[1] * state.get("v", 0.0) + (1 - BETAS[1]) * g * g
    state["m"], state["v"] = m, v
    denom = torch.sqrt(v + SQRT_FLOOR) / math.sqrt(1 - BETAS[1] ** t) + EPS
    return p - (lr / (1 - BETAS[0] ** t)) * m / denom


_STEP = {"sgd": _sgd, "adam": _adam}


def adapt(init: Params, loss_fn: Callable[[Params], Tensor], steps: int, lr: float,
          optimiser: str = "adam", first_order: bool = True,
          train: tuple[str, ...] | None = None) -> tuple[Params, list[Tensor]]:
    """``steps`` optimiser steps on ``loss_fn`` (a scalar: the sum of independent per-program
    losses) from ``init``, on the tensors named in ``train`` (default: all; the rest stay).

    Returns:
        ``(adapted, losses)``: the adapted tensors and each step's (detached) loss. First-order,
        ``adapted = init + (detached total update)``: its gradient passes to ``init`` unchanged.
        Second-order, the updates stay in the graph (tensors of ``init`` needing no gradient are
        adapted as constants).
    """
    step = _STEP[optimiser]
    names = list(init) if train is None else list(train)
    fixed = {k: v for k, v in init.items() if k not in names}
    with torch.enable_grad():
        keep = {k: (not first_order) and init[k].requires_grad for k in names}
        cur = {k: init[k] if keep[k] else init[k].detach().requires_grad_(True) for k in names}
        start = dict(cur)
        states: dict[str, dict] = {k: {} for k in names}
        losses = []
        for t in range(1, steps + 1):
            loss = loss_fn({**fixed, **cur})
            grads = torch.autograd.grad(loss, list(cur.values()), create_graph=not first_order)
            losses.append(loss.detach())
            cur = {k: step(cur[k], g, states[k], lr, t) for (k, g) in zip(cur, grads, strict=True)}
    adapted = {k: cur[k] if keep[k] else init[k] + (cur[k] - start[k]).detach() for k in names}
    return {**fixed, **adapted}, losses


# -- the surrogate's losses --------------------------------------------------------------------
def standardiser(y: Tensor, out_mask: Tensor, batch: Batch | None = None
                 ) -> tuple[Tensor, Tensor]:
    """Output location (real units) and scale [B, O] that fine-tuning standardises with: the
    rows ``y`` [B, R, O]' mean and spread (``surrogate.fit.output_stats``), or with ``batch``,
    the program's true statistics. Padded outputs get location 0 and scale 1."""
    if batch is not None:
        loc, scale = symexp(batch.mu.float()), torch.exp(batch.log_sigma.float())
    else:
        loc = y.mean(dim=1)
        spread = y.std(dim=1, correction=0)
        scale = torch.maximum(spread, 1e-6 * (loc.abs() + 1.0))
    return torch.where(out_mask, loc, 0.0), torch.where(out_mask, scale, 1.0)


def initial_params(p: SurrogateParams, loc: Tensor, scale: Tensor) -> Params:
    """The tensors fine-tuning starts from: CompNet's emitted shape, and the location and
    scale taken from the examples (``surrogate.fit.set_output_stats``)."""
    start = {k: getattr(p, k).float() for k in SHAPE}
    return {**start, "mu": symlog(loc), "log_sigma": torch.log(scale)}


def predict(q: Params, xn: Tensor) -> Tensor:
    """Real-unit outputs [B, R, O] of the surrogates ``q`` at normalised inputs ``xn``."""
    p = SurrogateParams(*(q[k] for k in FIELDS))
    return denormalise_outputs(p, forward_normalised(p, xn))


def program_losses(q: Params, xn: Tensor, y: Tensor, scale: Tensor, om: Tensor) -> Tensor:
    """Each program's fine-tuning loss [B]: the mean over its rows and real outputs of the
    squared error standardised by ``scale`` [B, O] (``om``: [B, O] float output mask)."""
    err = ((predict(q, xn) - y) / scale[:, None, :]).square() * om[:, None, :]
    return err.sum(dim=(1, 2)) / (om.sum(dim=1).clamp(min=1.0) * xn.shape[1])


def query_error(q: Params, xn: Tensor, y: Tensor, sigma: Tensor, om: Tensor) -> Tensor:
    """The squared error in units of each output's true spread ``sigma`` [B, O], averaged over
    (program, output) pairs and rows as ``loss_terms``' shape term is."""
    err = ((predict(q, xn) - y) / sigma[:, None, :]).square() * om[:, None, :]
    return err.sum() / (om.sum().clamp(min=1.0) * xn.shape[1])


class _Emitted(torch.nn.Module):
    """Stands in for CompNet in ``loss_terms``: returns parameters already emitted."""

    def __init__(self, p: SurrogateParams) -> None:
        super().__init__()
        self.p = p

    def forward(self, *args: Tensor) -> SurrogateParams:
        return self.p


def adapted_query_error(p: SurrogateParams, batch: Batch, cfg: InnerLoop
                        ) -> tuple[Tensor, list[Tensor]]:
    """The query error of the emitted surrogates ``p`` after ``cfg.steps`` fine-tuning steps on
    the support rows, and the support loss before each step (summed over programs)."""
    s = cfg.support
    om = batch.out_mask.float()
    with torch.autocast(batch.xn.device.type, enabled=False):
        xs, ys = batch.xn[:, :s].float(), batch.y[:, :s].float()
        loc, scale = standardiser(ys, batch.out_mask, batch if cfg.stats == "batch" else None)
        init = initial_params(p, loc, scale)
        adapted, losses = adapt(init, lambda q: program_losses(q, xs, ys, scale, om).sum(),
                                cfg.steps, cfg.lr, cfg.optimiser, cfg.first_order, SHAPE)
        sigma = torch.exp(batch.log_sigma.float())
        query = query_error(adapted, batch.xn[:, s:].float(), batch.y[:, s:].float(), sigma,
                            om)
    return query, losses


def finetuned_loss_terms(model: torch.nn.Module, batch: Batch, steps: int = 5,
                         lr: float = 0.01, support: int = 16, first_order: bool = True,
                         optimiser: str = "adam", weight: float = 1.0, stats: str = "support",
                         full_weight: float = FULL_WEIGHT) -> tuple[Tensor, dict[str, Tensor]]:
    """The fine-tuning-aware loss of one batch and its (detached) parts (``loss_terms``'
    contract): query error after ``steps`` inner steps + ``weight`` x the zero-shot loss.

    Parts: ``loss``, ``query_mse``, ``support_first``/``support_last`` (mean per-program support
    loss before the first and the last inner step), ``zero_shot`` and ``loss_terms``' parts."""
    cfg = InnerLoop(steps, lr, support, first_order, optimiser, weight, stats)
    check_settings(cfg, rows=batch.xn.shape[1])
    p = model(batch.ids, batch.values, batch.in_pos, batch.in_mask, batch.out_pos,
              batch.out_mask)
    zero_shot, parts = loss_terms(_Emitted(p), batch, full_weight)
    query, losses = adapted_query_error(p, batch, cfg)
    loss = query + weight * zero_shot if weight > 0 else query
    b = batch.xn.shape[0]
    first = losses[0] / b if losses else query.detach()
    last = losses[-1] / b if losses else query.detach()
    return loss, {**parts, "loss": loss.detach(), "zero_shot": zero_shot.detach(),
                  "query_mse": query.detach(), "support_first": first, "support_last": last}


def inner_loop_of(cfg) -> InnerLoop | None:
    """The inner loop a ``PretrainConfig`` asks for (None: ``inner_steps`` is 0), checked
    against its rows per program."""
    if cfg.inner_steps == 0:
        return None
    inner = InnerLoop(cfg.inner_steps, cfg.inner_lr, cfg.inner_support, cfg.inner_first_order,
                      cfg.inner_optimiser, cfg.inner_weight, cfg.inner_stats)
    check_settings(inner, rows=cfg.rows)
    return inner
