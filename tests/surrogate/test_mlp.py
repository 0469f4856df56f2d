"""The surrogate family's range bound: locations inside proven ranges, scales within them."""

from __future__ import annotations

import math

import numpy as np
import torch

from nsc_tune import compile, suite
from nsc_tune.surrogate.mlp import (
    DISTRUST_SCALE,
    SurrogateParams,
    bound_by_ranges,
    symexp,
    symlog,
)


def _params(mu: list[float], log_sigma: list[float]) -> SurrogateParams:
    o = len(mu)
    z = torch.zeros
    return SurrogateParams(z(1, 4, 1), z(1, 4), z(1, 1, 4, 4), z(1, 1, 4), z(1, o, 4), z(1, o),
                           torch.tensor([mu]), torch.tensor([log_sigma]))


def test_locations_move_into_the_range_and_scales_shrink_to_its_half_width() -> None:
    # Output 0: CompNet's location (150) lies outside the proven [-64, 64]: a misread output gets
    # the midpoint and a tiny scale. Output 1: inside, scale below the cap: unchanged. Output 2:
    # nothing proven: unchanged. Output 3: only a lower bound: the location is moved onto it.
    mus = [150.0, 0.5, 1.0, -3.0]
    p = _params([float(symlog(torch.tensor(v))) for v in mus], [5.0, 0.0, 9.0, 1.0])
    inf = math.inf
    ranges = torch.tensor([[[-64.0, 64.0], [-10.0, 10.0], [-inf, inf], [0.0, inf]]])
    b = bound_by_ranges(p, ranges)
    np.testing.assert_allclose(symexp(b.mu).numpy(), [[0.0, 0.5, 1.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(b.log_sigma.numpy(),
                               [[math.log(64.0 * DISTRUST_SCALE), 0.0, 9.0, 1.0]], rtol=1e-6)
    assert torch.equal(b.w_out, p.w_out)  # the shape is untouched
    # A location inside its range only moves when the scale exceeds the half-width.
    q = bound_by_ranges(_params([0.5], [5.0]), torch.tensor([[[-10.0, 10.0]]]))
    np.testing.assert_allclose(q.log_sigma.numpy(), [[math.log(10.0)]], rtol=1e-6)


def test_compiled_suite_surrogates_sit_inside_their_proven_ranges() -> None:
    for name in suite.names():
        k = suite.load(name)
        s = compile(k)
        r = k.output_ranges()
        mean = symexp(s.mu.detach().double()).numpy()
        slack = 1e-5 * np.abs(r).max(axis=1)  # the location is stored in float32
        assert np.all(mean >= r[:, 0] - slack) and np.all(mean <= r[:, 1] + slack), name
        assert np.all(np.exp(s.log_sigma.detach().double().numpy()) <= (r[:, 1] - r[:, 0]) / 2
                      * (1 + 1e-6)), name


def test_the_text_agnostic_baseline_reads_no_ranges() -> None:
    # Its surrogate is the same for every kernel of one arity: jpeg's ranges must not move it.
    from nsc_tune.compiler.compiler import TEXT_AGNOSTIC_WEIGHTS, Compiler

    comp = Compiler(TEXT_AGNOSTIC_WEIGHTS)
    assert comp.config.text_agnostic and comp.config.range_features == 0
    a = Compiler(TEXT_AGNOSTIC_WEIGHTS).emit([suite.load("kmeans")])[0]
    src = suite.source("kmeans").replace("return", "return 1000.0f + ", 1)
    from nsc_tune.kernel import Kernel

    b = comp.emit([Kernel.from_source(src, domains=suite.load("kmeans").domains)])[0]
    for x, y in zip(a.tensors().values(), b.tensors().values(), strict=True):
        assert torch.equal(x, y)
