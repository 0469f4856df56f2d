"""Signature classification, shapes and domains."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nsc_tune.kernel import DomainWarning, Kernel
from nsc_tune.kernel.errors import DomainError, UnboundedPointerError

SRC = """
#pragma nsc_tune domain(a, 0, 2)
float k(float a, const double w[3], int n, float out[2], double *s, const float *p) {
    out[0] = a * (float)w[0];
    out[1] = (float)(n + p[1]);
    *s = w[1] + w[2];
    return a;
}
"""


def test_inputs_and_outputs_in_signature_order() -> None:
    k = Kernel.from_source(SRC, shapes={"p": 4}, domains={"w": (-1, 1), "n": (0, 5), "p": (0, 1)})
    assert [(a.name, a.ctype, a.shape) for a in k.signature.inputs] == [
        ("a", "float", ()), ("w", "double", (3,)), ("n", "int", ()), ("p", "float", (4,))]
    assert [(a.name, a.ctype, a.shape) for a in k.signature.outputs] == [
        ("return", "float", ()), ("out", "float", (2,)), ("s", "double", (1,))]
    assert k.n_inputs == 9 and k.n_outputs == 4
    assert k.signature.input_labels()[:3] == ["a", "w[0]", "w[1]"]
    X = np.array([[1.5, 2.0, 3.0, 4.0, 2, 0.0, 0.25, 0.0, 0.0]])
    expected = [[1.5, 3.0, 2.25, 7.0]]  # a, a*w0, n + p1, w1 + w2
    np.testing.assert_array_equal(k(X), expected)
    np.testing.assert_array_equal(k.native(X), expected)


def test_pragma_domain_and_caller_override() -> None:
    k = Kernel.from_source(SRC, shapes={"p": 4}, domains={"w": (-1, 1), "n": (0, 5), "p": (0, 1)})
    assert k.domains[0].tolist() == [0, 2]
    k2 = Kernel.from_source(SRC, shapes={"p": 4},
                            domains={"a": (5, 6), "w": [(0, 1), (1, 2), (2, 3)], "n": (0, 5),
                                     "p": (0, 1)})
    assert k2.domains[:4].tolist() == [[5, 6], [0, 1], [1, 2], [2, 3]]


def test_per_input_domains_array() -> None:
    src = "double f(double x, double y) { return x - y; }"
    k = Kernel.from_source(src, domains=[(0, 1), (10, 20)])
    X = k.sample(1000, seed=0)
    assert X[:, 0].min() >= 0 and X[:, 0].max() <= 1 and X[:, 1].min() >= 10
    with pytest.raises(DomainError, match=r"shape \(2, 2\)"):
        Kernel.from_source(src, domains=[(0, 1)])


def test_default_domains_warn() -> None:
    with pytest.warns(DomainWarning, match="x, n"):
        k = Kernel.from_source("double f(double x, unsigned n) { return x * n; }")
    assert k.domains.tolist() == [[-1, 1], [0, 100]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Kernel.from_source("double f(double x) { return x; }", domains={"x": (0, 1)})


@pytest.mark.parametrize("domains, match", [
    ({"nope": (0, 1)}, "unknown input `nope`"),
    ({"x": (1, 0)}, "invalid"),
    ({"x": (0, float("inf"))}, "invalid"),
    ({"x": (0, 1, 2)}, "must be"),
])
def test_bad_domains(domains: dict, match: str) -> None:
    with pytest.raises(DomainError, match=match):
        Kernel.from_source("double f(double x) { return x; }", domains=domains)


def test_integer_domain_must_fit_type() -> None:
    with pytest.raises(DomainError, match="exceeds the range of unsigned char"):
        Kernel.from_source("int f(unsigned char c) { return c; }", domains={"c": (0, 300)})


def test_integer_inputs_sampled_as_integers() -> None:
    k = Kernel.from_source("int f(int n, float x) { return n; }",
                           domains={"n": (-3.5, 3.5), "x": (0, 1)})
    X = k.sample(5000, seed=1)
    assert set(np.unique(X[:, 0])) == {-3, -2, -1, 0, 1, 2, 3}
    assert not np.all(X[:, 1] == np.round(X[:, 1]))
    np.testing.assert_array_equal(k.sample(10, seed=3), k.sample(10, seed=3))


def test_pointer_without_size_names_the_line() -> None:
    with pytest.raises(UnboundedPointerError) as err:
        Kernel.from_source("float f(float x,\n   const float *p) { return p[2] * x; }")
    assert err.value.line == 2 and "shapes=" in str(err.value)


def test_pointer_indexed_by_variable_needs_a_size() -> None:
    src = "void f(int n, float *out) { for (int i = 0; i < 3; i++) out[i] = n; }"
    with pytest.raises(UnboundedPointerError):
        Kernel.from_source(src, domains={"n": (0, 1)})
    k = Kernel.from_source(src, domains={"n": (0, 9)}, shapes={"out": 3})
    assert k.n_outputs == 3


def test_helper_written_array_is_output() -> None:
    src = """
    static void fill(float *dst, float v) { for (int i = 0; i < 2; i++) dst[i] = v * i; }
    void f(float v, float res[2]) { fill(res, v); }
    """
    k = Kernel.from_source(src, function="f", domains={"v": (1, 2)})
    assert [a.name for a in k.signature.outputs] == ["res"]
    np.testing.assert_array_equal(k([[1.5]]), [[0.0, 1.5]])


def test_bad_batch_shape_is_a_typed_error() -> None:
    k = Kernel.from_source("double f(double x, double y) { return x; }",
                           domains=[(0, 1), (0, 1)])
    from nsc_tune.kernel import KernelError

    with pytest.raises(KernelError, match=r"shape \(N, 2\)"):
        k(np.zeros((4, 3)))
    assert k([0.5, 0.25]).shape == (1, 1)


def test_function_must_be_named_when_ambiguous() -> None:
    from nsc_tune.kernel.errors import FunctionNotFoundError

    with pytest.raises(FunctionNotFoundError, match="a, b"):
        Kernel.from_source("double a(double x) { return x; }\ndouble b(double x) { return x; }")
