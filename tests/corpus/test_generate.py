"""The synthetic program generator: determinism, frontend acceptance, distributions, no leakage."""

from __future__ import annotations

import re
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from nsc_tune.corpus.generate import FAMILIES, FAMILY_WEIGHTS, generate, generate_many
from nsc_tune.kernel import Kernel

_TOKEN = re.compile(
    r"[A-Za-z_]\w*|\d+\.?\d*(?:[eE][+-]?\d+)?[fFuUlL]*|\.\d+(?:[eE][+-]?\d+)?[fF]?"
    r"|<<=|>>=|->|\+\+|--|<<|>>|&&|\|\||[-+*/%&|^!~<>=]=?|[(){}\[\];,?:.#]")
_FORBIDDEN = ("cndf", "0.2316419", "jmeint", "sobel", "dct", "twiddle", "inversek2j",
              "blackscholes", "black_scholes")


def _tokens(src: str) -> int:
    return len(_TOKEN.findall(src))


def _kernel(src: str, fn: str) -> Kernel:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a DomainWarning (input without a domain) fails
        return Kernel.from_source(src, function=fn)


def _native(prog) -> tuple[Kernel, np.ndarray]:
    k = _kernel(prog.source, prog.function)
    return k, k.native(k.sample(128, seed=0))


def test_families_and_weights():
    assert len(FAMILIES) >= 12
    assert all(FAMILY_WEIGHTS[f] > 0 for f in FAMILIES)


def test_deterministic():
    a = [generate(3, i) for i in range(60)]
    b = generate_many(3, 0, 60)
    assert a == b
    assert len({p.source for p in a}) == len(a)
    assert generate(4, 0).source != a[0].source
    for p in a:
        assert p.family in FAMILIES
        assert re.search(rf"\b{re.escape(p.function)}\s*\(", p.source)


def test_no_suite_signatures():
    for p in generate_many(6, 0, 2000):
        low = p.source.lower()
        for s in _FORBIDDEN:
            assert s not in low, (s, p.source)


@pytest.fixture(scope="module")
def per_family():
    progs = [generate(7, i, family=f) for f in FAMILIES for i in range(6)]
    with ThreadPoolExecutor(4) as ex:
        return list(zip(progs, ex.map(_native, progs), strict=True))


def test_every_family_builds_and_runs_natively(per_family):
    for prog, (k, Y) in per_family:
        assert 1 <= k.n_inputs <= 64 and 1 <= k.n_outputs <= 64, prog.source
        assert Y.shape == (128, k.n_outputs)
        # every non-composite input has its domain pragma (no DomainWarning above)
        for a in k.signature.inputs:
            assert f"domain({a.name}," in prog.source


def test_numba_agrees_with_native(per_family):
    chosen = per_family[::17][:6]  # a handful: Numba compiles each kernel (~1 s)
    assert len({p.family for p, _ in chosen}) >= 4
    for prog, (k, _) in chosen:
        X = k.sample(64, seed=1)
        np.testing.assert_allclose(k(X), k.native(X), rtol=1e-5, atol=1e-9, equal_nan=True,
                                   err_msg=prog.source)


def test_sample_distributions():
    progs = generate_many(0, 0, 400)
    with ThreadPoolExecutor(4) as ex:
        runs = list(ex.map(_native, progs))
    n_in = np.array([k.n_inputs for k, _ in runs])
    n_out = np.array([k.n_outputs for k, _ in runs])
    assert n_in.max() >= 32 and n_out.max() >= 32
    assert n_in.max() <= 64 and n_out.max() <= 64
    assert np.median(n_in) <= 8
    toks = np.array([_tokens(p.source) for p in progs])
    assert (toks > 512).mean() >= 0.05
    assert np.median(toks) >= 60
    bad = np.array([((~np.isfinite(Y)).mean(axis=0) > 0.01).any() for _, Y in runs])
    assert bad.mean() <= 0.02
    const = np.array([(np.ptp(np.nan_to_num(Y), axis=0) == 0).all() for _, Y in runs])
    assert const.mean() <= 0.03


def test_no_address_of_element():
    """``&a[i]`` arguments trip the Numba translation (kernel bug); we pass ``a + i`` instead."""
    for p in generate_many(8, 0, 1000):
        assert not re.search(r"[(,]\s*&\s*\w+\s*\[", p.source), p.source
