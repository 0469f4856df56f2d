"""Surrogate: compiled and random construction, units, determinism, differentiability."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from nsc_tune.compiler.pretrain import PretrainConfig, pretrain
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import Surrogate, compile

SRC = """
#pragma nsc_tune domain(x, 10, 20)
#pragma nsc_tune domain(y, -1, 1)
void f(float x, float y, float out[2]) { out[0] = x * y; out[1] = x + 100.0f; }
"""


@pytest.fixture(scope="module")
def weights(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    pretrain(PretrainConfig(corpus=str(tiny_corpus), out=str(out), steps=30, batch_size=8,
                            rows=32, lr=3e-3, warmup=5, workers=1,
                            model={"d_model": 32, "layers": 1, "heads": 2, "ff": 64,
                                   "width": 16}), progress=False)
    return out / "compnet.safetensors"


def test_compile_is_deterministic(weights: Path) -> None:
    k = Kernel.from_source(SRC)
    a, b = compile(k, weights), compile(k, weights)
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert torch.equal(pa, pb), name
    assert a.init == "compiled" and a.width == 16


def test_compiled_output_scale_follows_the_text(weights: Path) -> None:
    """Not a quality claim: the emitted location/scale parameters are per-output and finite."""
    s = compile(Kernel.from_source(SRC), weights)
    X = Kernel.from_source(SRC).sample(100, seed=0)
    Y = s.predict(X)
    assert Y.shape == (100, 2) and np.isfinite(Y).all()


def test_random_init_is_seeded_and_normalises_inputs() -> None:
    k = Kernel.from_source(SRC)
    a, b, c = Surrogate.random(k, seed=1), Surrogate.random(k, seed=1), Surrogate.random(k, seed=2)
    assert torch.equal(a.w_in, b.w_in) and not torch.equal(a.w_in, c.w_in)
    bound = 1 / np.sqrt(2)
    assert float(a.w_in.detach().abs().max()) <= bound
    # Inputs are normalised from the domain: the domain's centre maps to 0 for every input.
    centre = torch.tensor([[15.0, 0.0]])
    h = torch.nn.functional.silu(a.b_in)  # first layer sees x_n = 0
    h = torch.nn.functional.silu(a.w_hidden[0] @ h + a.b_hidden[0])
    expected = a.w_out @ h + a.b_out
    torch.testing.assert_close(a(centre)[0], expected)


def test_gradients_flow_to_inputs_and_parameters() -> None:
    s = Surrogate.random(Kernel.from_source(SRC))
    x = torch.tensor([[12.0, 0.5]], requires_grad=True)
    s(x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    assert s.w_in.grad is not None and s.mu.grad is not None


def test_batch_shapes() -> None:
    s = Surrogate.random(Kernel.from_source(SRC))
    assert s(torch.zeros(4, 3, 2) + 12).shape == (4, 3, 2)
