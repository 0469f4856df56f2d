"""The fine-tuning-aware loss: inner steps, first/second order, padding, and pretraining with it."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from nsc_tune.compiler import inner_loop as il
from nsc_tune.compiler.data import Batch, StepSampler, load_corpus
from nsc_tune.compiler.model import CompNet, CompNetConfig
from nsc_tune.compiler.pretrain import PretrainConfig, loss_terms, pretrain
from nsc_tune.surrogate.mlp import random_params

TINY = {"d_model": 32, "layers": 1, "heads": 2, "ff": 64, "width": 16, "max_len": 1024}


@pytest.fixture(scope="module")
def programs(tiny_corpus: Path):
    return load_corpus(str(tiny_corpus), "train", TINY["max_len"], workers=1)


@pytest.fixture(scope="module")
def batch(programs) -> Batch:
    return StepSampler(programs, 6, 32, seed=5).batch(0)


def _model(seed: int = 0) -> CompNet:
    torch.manual_seed(seed)
    model = CompNet(CompNetConfig(**TINY))
    with torch.no_grad():  # text-dependent heads start at zero: give them a say
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model


def _grads(model: torch.nn.Module, loss: torch.Tensor) -> list[torch.Tensor]:
    params = [p for p in model.parameters() if p.requires_grad]
    gs = torch.autograd.grad(loss, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, gs, strict=True)]


def test_no_inner_steps_scores_the_init_like_the_shape_term(batch: Batch) -> None:
    model, s = _model(), 8
    loss, parts = il.finetuned_loss_terms(model, batch, steps=0, support=s, stats="batch",
                                          weight=0.0)
    query = dataclasses.replace(batch, xn=batch.xn[:, s:], y=batch.y[:, s:])
    _, zero_shot = loss_terms(model, query)
    assert torch.allclose(parts["query_mse"], zero_shot["shape_mse"], rtol=1e-5)
    assert torch.allclose(loss.detach(), zero_shot["shape_mse"], rtol=1e-5)


def test_one_sgd_step_is_the_hand_computed_step_on_a_linear_model() -> None:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(3, 10, 2, generator=gen), torch.randn(3, 10, generator=gen)
    w0 = torch.randn(3, 2, generator=gen)

    def loss(q: dict) -> torch.Tensor:  # each program's mean squared error, summed
        return ((torch.einsum("bri,bi->br", x, q["w"]) - y) ** 2).mean(dim=1).sum()

    (adapted, losses) = il.adapt({"w": w0}, loss, steps=1, lr=0.1, optimiser="sgd")
    resid = torch.einsum("bri,bi->br", x, w0) - y
    hand = w0 - 0.1 * 2.0 * torch.einsum("bri,br->bi", x, resid) / x.shape[1]
    assert torch.allclose(adapted["w"], hand, atol=1e-6)
    assert torch.allclose(losses[0], loss({"w": w0}))


def test_inner_adam_is_torch_adam() -> None:
    gen = torch.Generator().manual_seed(1)
    x, y = torch.randn(4, 12, 3, generator=gen), torch.randn(4, 12, generator=gen)
    w = torch.randn(4, 3, generator=gen)
    w[0] = 0.0  # a "padded" program whose loss has a zero gradient in one coordinate
    x[0, :, 1] = 0.0

    def loss(q: dict) -> torch.Tensor:
        return ((torch.einsum("bri,bi->br", x, q["w"]) - y) ** 2).mean(dim=1).sum()

    adapted, _ = il.adapt({"w": w}, loss, steps=4, lr=0.01, optimiser="adam")
    ref = w.clone().requires_grad_(True)
    opt = torch.optim.Adam([ref], lr=0.01)
    for _ in range(4):
        opt.zero_grad()
        loss({"w": ref}).backward()
        opt.step()
    assert torch.allclose(adapted["w"], ref.detach(), atol=1e-6)


def _leaf_params(batch: Batch) -> il.SurrogateParams:
    b, n_in, n_out = batch.xn.shape[0], batch.xn.shape[2], batch.y.shape[2]
    p = random_params(n_in, n_out, 8, 2, b, torch.Generator().manual_seed(3))
    p.w_in = p.w_in * batch.in_mask[:, None, :]
    p.w_out = p.w_out * batch.out_mask[:, :, None]
    p.b_out = p.b_out * batch.out_mask
    for f in il.SHAPE:
        getattr(p, f).requires_grad_(True)
    return p


def test_first_order_is_second_order_without_the_hessian_term(batch: Batch) -> None:
    """One SGD step: d q(t - lr g_s(t)) / dt = (I - lr H_s) g_q, first order drops lr H_s g_q."""
    lr, s = 0.05, 8
    p = _leaf_params(batch)
    leaves = [getattr(p, f) for f in il.SHAPE]
    grads = {}
    for first in (True, False):
        cfg = il.InnerLoop(1, lr, s, first, "sgd", 0.0, "batch")
        query, _ = il.adapted_query_error(p, batch, cfg)
        grads[first] = torch.autograd.grad(query, leaves)
    # lr H_s(t) g_q(t'), with g_q(t') the first-order gradient and H_s the support Hessian.
    om = batch.out_mask.float()
    loc, scale = il.standardiser(batch.y[:, :s], batch.out_mask, batch)
    init = il.initial_params(p, loc, scale)
    support = il.program_losses(init, batch.xn[:, :s], batch.y[:, :s], scale, om).sum()
    g_s = torch.autograd.grad(support, leaves, create_graph=True)
    hvp = torch.autograd.grad(g_s, leaves, grad_outputs=grads[True])
    for g1, g2, h in zip(grads[True], grads[False], hvp, strict=True):
        assert torch.allclose(g1 - g2, lr * h, atol=1e-6, rtol=1e-4)
    assert any(float(h.abs().max()) > 1e-4 for h in hvp)  # the term is not trivially zero


def _padded(batch: Batch) -> Batch:
    """The same programs with one more (padded) input and output slot holding garbage."""
    b, r = batch.xn.shape[:2]

    def more(t: torch.Tensor, value: float) -> torch.Tensor:
        return torch.cat([t, torch.full_like(t[..., :1], value)], dim=-1)

    return dataclasses.replace(
        batch, in_pos=more(batch.in_pos, 0), in_mask=more(batch.in_mask, False),
        out_pos=more(batch.out_pos, 0), out_mask=more(batch.out_mask, False),
        xn=more(batch.xn, 0.0), y=torch.cat([batch.y, 1e4 * torch.randn(b, r, 1)], dim=-1),
        mu=more(batch.mu, 7.0), log_sigma=more(batch.log_sigma, -9.0))


@pytest.mark.parametrize("first_order", [True, False])
@pytest.mark.parametrize("stats", il.STATS)
def test_padded_slots_change_nothing(batch: Batch, first_order: bool, stats: str) -> None:
    model = _model()
    kw = dict(steps=2, support=8, first_order=first_order, stats=stats)
    loss, parts = il.finetuned_loss_terms(model, batch, **kw)
    loss_p, parts_p = il.finetuned_loss_terms(model, _padded(batch), **kw)
    for key in parts:
        assert torch.allclose(parts[key], parts_p[key], rtol=1e-5, atol=1e-6), key
    for g, g_p in zip(_grads(model, loss), _grads(model, loss_p), strict=True):
        assert torch.isfinite(g_p).all()
        assert torch.allclose(g, g_p, rtol=1e-4, atol=1e-6)


def test_inner_steps_lower_the_support_loss_and_work_under_bf16(batch: Batch) -> None:
    model = _model()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, parts = il.finetuned_loss_terms(model, batch, steps=3, support=8,
                                              first_order=False)
    assert parts["support_last"] < parts["support_first"]
    assert all(torch.isfinite(g).all() for g in _grads(model, loss))


@pytest.mark.parametrize("bad", [dict(steps=-1), dict(lr=0.0), dict(lr=math.nan),
                                 dict(support=32), dict(support=1), dict(optimiser="lbfgs"),
                                 dict(stats="all"), dict(weight=-1.0)])
def test_bad_settings_are_typed_errors(batch: Batch, bad: dict) -> None:
    with pytest.raises(il.InnerLoopError):
        il.finetuned_loss_terms(_model(), batch, **{"support": 8, **bad})


def test_pretraining_refuses_a_support_without_query_rows(tmp_path: Path) -> None:
    cfg = PretrainConfig(corpus=str(tmp_path / "none"), out=str(tmp_path / "run"), rows=16,
                         inner_steps=2, inner_support=16)
    with pytest.raises(il.InnerLoopError):  # before the (missing) corpus is read
        pretrain(cfg, progress=False)


def _cfg(corpus: Path, out: Path, **kw) -> PretrainConfig:
    base = dict(corpus=str(corpus), out=str(out), steps=12, batch_size=8, rows=24, lr=3e-3,
                warmup=2, checkpoint_every=1000, log_every=2, workers=1, model=TINY,
                inner_steps=2, inner_support=8)
    return PretrainConfig(**{**base, **kw})


def test_pretraining_with_inner_steps_checkpoints_and_resumes(tiny_corpus: Path, programs,
                                                              tmp_path: Path) -> None:
    pretrain(_cfg(tiny_corpus, tmp_path / "a"), programs, progress=False)
    killed = pretrain(_cfg(tiny_corpus, tmp_path / "b", checkpoint_every=4, kill_at=7),
                      programs, progress=False)
    assert killed == {"step": 7, "killed": True}
    summary = pretrain(_cfg(tiny_corpus, tmp_path / "b", checkpoint_every=4), programs,
                       progress=False)
    assert summary["steps_this_run"] == 8
    a = load_file(str(tmp_path / "a" / "checkpoint.safetensors"))
    b = load_file(str(tmp_path / "b" / "checkpoint.safetensors"))
    for key in a:
        assert torch.equal(a[key], b[key]), key
    log = (tmp_path / "a" / "log.jsonl").read_text()
    assert '"query_mse"' in log and (tmp_path / "a" / "compnet.safetensors").exists()
