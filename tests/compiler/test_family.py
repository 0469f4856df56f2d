"""The surrogate family's range bound: locations inside proven ranges, scales within them."""

from __future__ import annotations

import math

import numpy as np
import torch

from nsc_tune import compile, suite
from nsc_tune.compiler.family import SurrogateParams, bound_by_ranges, symexp, symlog


def _params(mu: list[float], log_sigma: list[float]) -> SurrogateParams:
    o = len(mu)
    z = torch.zeros
    return SurrogateParams(z(1, 4, 1), z(1, 4), z(1, 1, 4, 4), z(1, 1, 4), z(1, o, 4), z(1, o),
                           torch.tensor([mu]), torch.tensor([log_sigma]))


def test_locations_move_into_the_range_and_scales_shrink_to_its_half_width() -> None:
    p = _params([float(symlog(torch.tensor(150.0))), 0.5, 1.0], [5.0, 0.0, 9.0])
    ranges = torch.tensor([[[-64.0, 64.0], [-10.0, 10.0], [-math.inf, math.inf]]])
    b = bound_by_ranges(p, ranges)
    np.testing.assert_allclose(symexp(b.mu).numpy(), [[64.0, float(symexp(torch.tensor(0.5))),
                                                       float(symexp(torch.tensor(1.0)))]],
                               rtol=1e-6)
    np.testing.assert_allclose(b.log_sigma.numpy(), [[math.log(64.0), 0.0, 9.0]], rtol=1e-6)
    assert torch.equal(b.w_out, p.w_out)  # the shape is untouched


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
