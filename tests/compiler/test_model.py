"""CompNet's inference path: the same function as the module's training forward pass."""

from __future__ import annotations

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
    with torch.enable_grad():
        reference = model.encode(ids, values)
    keep = ids != PAD  # states at padding positions are never read
    assert torch.allclose(fast[keep], reference[keep], atol=1e-5)
