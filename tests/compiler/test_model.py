"""CompNet's attention path: the same function, and gradients, as torch's encoder module."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from nsc_tune.compiler.model import CompNet, CompNetConfig
from nsc_tune.compiler.tokenizer import N_RANGE_FEATURES, N_VALUE_FEATURES, PAD


@pytest.mark.parametrize("padded", [False, True])
def test_inference_attention_matches_the_encoder_module(padded: bool) -> None:
    torch.manual_seed(0)
    model = CompNet(CompNetConfig(d_model=32, layers=2, heads=4, ff=64, max_len=128)).eval()
    ids = torch.randint(PAD + 1, model.config.vocab, (3, 40))
    if padded:
        ids[1, 25:] = PAD
        ids[2, 7:] = PAD
    values = torch.randn(3, 40, N_VALUE_FEATURES + N_RANGE_FEATURES)
    with torch.no_grad():
        fast = model.encode(ids, values)
    keep = ids != PAD  # states at padding positions are never read
    assert torch.allclose(fast[keep], _reference(model, ids, values)[keep], atol=1e-5)


def _reference(model: CompNet, ids: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """The states through torch's own ``TransformerEncoder`` module."""
    pad = ids == PAD
    x = model.encoder(model.embed(ids, values), src_key_padding_mask=pad if pad.any() else None)
    return model.norm(x)


def test_training_gradients_match_the_encoder_module() -> None:
    torch.manual_seed(2)
    model = CompNet(CompNetConfig(d_model=32, layers=2, heads=4, ff=64, max_len=128))
    ids = torch.randint(PAD + 1, model.config.vocab, (3, 30))
    ids[0, 12:] = PAD
    values = torch.randn(3, 30, N_VALUE_FEATURES + N_RANGE_FEATURES)
    weight = torch.randn(3, 30, 32) * (ids != PAD)[..., None]
    grads = []
    for states in (lambda: model.encode(ids, values), lambda: _reference(model, ids, values)):
        model.zero_grad()
        (states() * weight).sum().backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()
                      if p.grad is not None})
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 10
    for name, g in grads[0].items():
        torch.testing.assert_close(g, grads[1][name], atol=1e-5, rtol=1e-4, msg=name)


def test_states_at_read_positions_match_the_full_pass() -> None:
    """The inference pass that computes its last layer at the read positions only gives the
    states the full pass gives there, and the emitted parameters match the training forward."""
    torch.manual_seed(1)
    model = CompNet(CompNetConfig(d_model=32, layers=3, heads=4, ff=64, max_len=128,
                                  width=8, depth=2)).eval()
    with torch.no_grad():  # the heads start at zero: perturb them so they read the states
        for param in model.parameters():
            param.add_(0.1 * torch.randn_like(param))
    ids = torch.randint(PAD + 1, model.config.vocab, (2, 50))
    ids[1, 30:] = PAD
    values = torch.randn(2, 50, N_VALUE_FEATURES + N_RANGE_FEATURES)
    at = torch.tensor([[0, 3, 49, 17], [0, 29, 5, 5]])
    with torch.no_grad():
        full = model.encode(ids, values)
        some = model.encode(ids, values, at)
    assert some.shape == (2, 4, 32)
    assert torch.allclose(some, torch.gather(full, 1, at[..., None].expand(-1, -1, 32)),
                          atol=1e-5)
    in_pos, out_pos = torch.tensor([[3, 49], [29, 5]]), torch.tensor([[17], [5]])
    masks = torch.ones(2, 2, dtype=torch.bool), torch.ones(2, 1, dtype=torch.bool)
    with torch.no_grad():
        fast = model(ids, values, in_pos, masks[0], out_pos, masks[1])
    reference = model(ids, values, in_pos, masks[0], out_pos, masks[1])
    for field in dataclasses.fields(fast):
        a, b = getattr(fast, field.name), getattr(reference, field.name)
        assert torch.allclose(a, b.detach(), atol=1e-5), field.name
