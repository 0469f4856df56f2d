"""C semantics with closed-form answers that do not depend on any compiler.

Each kernel is evaluated at hand-picked inputs through both backends (`k(X)` and `k.native(X)`)
and compared with values derived from the C standard (plus gcc's documented
implementation-defined choices: arithmetic >> of negatives, modulo-2^N narrowing to signed types).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from nsc_tune.kernel import Kernel

Backend = Callable[[Kernel, np.ndarray], np.ndarray]
BACKENDS: dict[str, Backend] = {
    "numba": lambda k, X: np.asarray(k(X)),
    "native": lambda k, X: np.asarray(k.native(X)),
}


def _run(
    backend: str, src: str, domains: dict, rows: list[list[float]], **kw: object
) -> np.ndarray:
    k = Kernel.from_source(src, function="kernel", domains=domains, **kw)
    X = np.asarray(rows, dtype=np.float64)
    Y = BACKENDS[backend](k, X)
    assert Y.shape == (len(rows), k.n_outputs)
    return Y


def c_div(a: int, b: int) -> int:
    """C integer division: truncation toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def c_mod(a: int, b: int) -> int:
    """C remainder: a == (a / b) * b + a % b."""
    return a - c_div(a, b) * b


def collatz_steps(n: int, cap: int = 500) -> int:
    steps = 0
    while n != 1 and steps < cap:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


backends = pytest.mark.parametrize("backend", sorted(BACKENDS))


@backends
def test_integer_division_truncates(backend: str) -> None:
    src = "void kernel(int a, int b, int out[2]) { out[0] = a / b; out[1] = a % b; }"
    pairs = [(-7, 2), (7, -2), (-7, -2), (7, 2), (-1, 3), (0, -5), (-999, 7), (13, -13)]
    Y = _run(backend, src, {"a": (-1000, 1000), "b": (1, 20)}, [list(p) for p in pairs])
    assert Y[0].tolist() == [-3, -1]  # -7 / 2 == -3, -7 % 2 == -1
    assert Y[1].tolist() == [-3, 1]
    expected = [[c_div(a, b), c_mod(a, b)] for a, b in pairs]
    assert Y.tolist() == expected


@backends
def test_unsigned_wraps(backend: str) -> None:
    src = """
    #include <stdint.h>
    void kernel(unsigned x, uint64_t y, unsigned out[3], uint64_t big[1]) {
        out[0] = x - 1u;
        out[1] = x * 2654435761u + 12345u;
        out[2] = (unsigned)-(int)x;
        big[0] = (y - 1u) >> 11;
    }
    """
    xs = [0, 1, 7, 4000000000]
    Y = _run(backend, src, {"x": (0, 4e9), "y": (0, 1e6)}, [[x, x % 5] for x in xs])
    assert Y[0, 0] == 4294967295.0  # (unsigned)0 - 1
    for row, x in zip(Y, xs, strict=True):
        assert row[0] == (x - 1) % 2**32
        assert row[1] == (x * 2654435761 + 12345) % 2**32
        assert row[2] == (-x) % 2**32
        y = x % 5
        assert row[3] == ((y - 1) % 2**64) >> 11
    assert Y[0, 3] == 2**53 - 1


@backends
def test_float_to_int_truncates_and_large_ints_round(backend: str) -> None:
    src = "void kernel(float x, int n, int i[1], float f[1]) { i[0] = (int)x; f[0] = (float)n; }"
    rows = [[-2.7, 16777217], [2.7, 16777219], [-0.5, 16777216], [-1e3 + 0.25, -16777217]]
    Y = _run(backend, src, {"x": (-1000, 1000), "n": (-2e7, 2e7)}, rows)
    assert Y[:, 0].tolist() == [-2, 2, 0, -999]
    assert Y[:, 1].tolist() == [16777216.0, 16777220.0, 16777216.0, -16777216.0]


@backends
def test_float32_accumulation(backend: str) -> None:
    src = "float kernel(int n) { float s = 0.0f; for (int i = 0; i < n; i++) s += 0.1f; return s; }"
    ns = [10, 1000, 100_000]
    Y = _run(backend, src, {"n": (0, 100_000)}, [[n] for n in ns])
    tenth = np.float32(0.1)
    for row, n in zip(Y, ns, strict=True):
        s = np.float32(0.0)
        for _ in range(n):
            s = np.float32(s + tenth)
        assert row[0] == float(s)
    assert abs(Y[2, 0] - 10_000.0) > 1.0  # float32 drifts visibly; a double sum would not


@backends
def test_switch_fallthrough_and_default_in_middle(backend: str) -> None:
    src = """
    int kernel(int k) {
        int r = 0;
        switch (k) {
        case 0: r += 1;
        case 1: r += 10; break;
        case 2:
        case 3: r += 100;
        default: r += 1000;
        case 4: r += 10000; break;
        case 5: r = -1;
        }
        return r;
    }
    """
    expected = {-1: 11000, 0: 11, 1: 10, 2: 11100, 3: 11100, 4: 10000, 5: -1, 6: 11000}
    Y = _run(backend, src, {"k": (-1, 6)}, [[k] for k in expected])
    assert Y[:, 0].tolist() == list(expected.values())


@backends
def test_collatz_steps(backend: str) -> None:
    src = """
    int kernel(long n) {
        int steps = 0;
        while (n != 1 && steps < 500) { n = (n % 2 == 0) ? n / 2 : 3 * n + 1; steps++; }
        return steps;
    }
    """
    ns = [1, 2, 3, 6, 7, 27, 97, 871, 77031, 99999]
    Y = _run(backend, src, {"n": (1, 100_000)}, [[n] for n in ns])
    assert Y[:, 0].tolist() == [collatz_steps(n) for n in ns]
    assert Y[ns.index(27), 0] == 111


@backends
def test_mixed_signedness(backend: str) -> None:
    src = """
    void kernel(int a, int out[3], long l[1]) {
        out[0] = a < 1u;
        out[1] = -1 < 1u;
        out[2] = (signed char)200 + (unsigned char)a;
        l[0] = a > 0 ? -1 : 1u;
    }
    """
    Y = _run(backend, src, {"a": (-300, 300)}, [[-1], [0], [5], [300]])
    assert Y[:, 0].tolist() == [0, 1, 0, 0]
    assert Y[:, 1].tolist() == [0, 0, 0, 0]
    assert Y[:, 2].tolist() == [-56 + 255, -56 + 0, -56 + 5, -56 + 44]
    assert Y[:, 3].tolist() == [1, 1, 4294967295, 4294967295]


@backends
def test_narrowing_compound_assignments(backend: str) -> None:
    src = """
    void kernel(int i, float f, int io[2], float fo[1]) {
        int j = i;
        j *= 2.5;
        io[0] = j;
        io[1] = i >> 1;
        f += 1e-8;
        fo[0] = f;
    }
    """
    rows = [[3, 1.0], [-3, 1e-3], [-7, -0.25], [0, 3e-7]]
    Y = _run(backend, src, {"i": (-10, 10), "f": (-1, 1)}, rows)
    assert Y[:, 0].tolist() == [7, -7, -17, 0]
    assert Y[:, 1].tolist() == [1, -2, -4, 0]  # >> of a negative int is arithmetic on gcc
    for row, (_, f) in zip(Y, rows, strict=True):
        expected = np.float32(np.float64(np.float32(f)) + 1e-8)
        assert row[2] == float(expected)
    assert Y[0, 2] == 1.0 and Y[3, 2] != float(np.float32(3e-7))


@backends
def test_loops_continue_and_do_while(backend: str) -> None:
    src = """
    void kernel(int n, int out[3]) {
        int c = 0;
        for (int i = 0; i < n; i++) { if (i % 2) continue; c += i; }
        out[0] = c;
        int i = 0, s = 0;
        do { i++; if (i % 3 == 0) continue; s += i; } while (i < n);
        out[1] = s;
        out[2] = i;
    }
    """
    Y = _run(backend, src, {"n": (0, 20)}, [[0], [10], [1]])
    assert Y.tolist() == [[0, 1, 1], [20, 37, 10], [0, 1, 1]]


@backends
def test_rounding_functions_and_signed_zero(backend: str) -> None:
    src = """
    #include <math.h>
    void kernel(double x, double d[4], float f[1]) {
        d[0] = round(x);
        d[1] = fmod(x, 2.0);
        d[2] = copysign(1.0, trunc(x));
        d[3] = 1.0 / ceil(x);
        f[0] = roundf((float)x);
    }
    """
    xs = [0.5, -0.5, 2.5, -2.5, -7.5, -0.25]
    Y = _run(backend, src, {"x": (-10, 10)}, [[x] for x in xs])
    assert Y[:, 0].tolist() == [1.0, -1.0, 3.0, -3.0, -8.0, -0.0]
    assert Y[:, 1].tolist() == [math.fmod(x, 2.0) for x in xs]
    assert Y[:, 2].tolist() == [1.0, -1.0, 1.0, -1.0, -1.0, -1.0]
    assert Y[:, 3].tolist() == [1.0, -math.inf, 1 / 3, -0.5, -1 / 7, -math.inf]
    assert Y[:, 4].tolist() == [1.0, -1.0, 3.0, -3.0, -8.0, -0.0]


@backends
def test_nan_comparisons_and_bool_conversion(backend: str) -> None:
    src = """
    #include <math.h>
    #include <stdbool.h>
    void kernel(double x, int c[1], bool b[1], double m[1]) {
        double s = sqrt(x);
        c[0] = (s > 0.5) + 2 * (s != s) + 4 * (s <= 0.5) + 8 * (s == s);
        b[0] = x;
        m[0] = fmin(s, 0.75);
    }
    """
    Y = _run(backend, src, {"x": (-1, 1)}, [[-1.0], [0.0], [0.3], [1.0]])
    assert Y[:, 0].tolist() == [2, 12, 9, 9]
    assert Y[:, 1].tolist() == [1, 0, 1, 1]
    assert Y[:, 2].tolist() == [0.75, 0.0, math.sqrt(0.3), 0.75]


@backends
def test_signature_order_and_flattening(backend: str) -> None:
    src = """
    #pragma nsc_tune shape(p, 2)
    double kernel(float x, const float w[4], const double *p, int n,
                  double *out, float arr[3], int *cnt) {
        *out = 2.0 * x;
        arr[0] = x; arr[1] = w[0]; arr[2] = w[3] + (float)p[1];
        *cnt = n * 3;
        return 1.0 + x + p[0];
    }
    """
    domains = {"x": (-1, 1), "w": (0, 2), "p": (-5, 5), "n": (0, 10)}
    k = Kernel.from_source(src, function="kernel", domains=domains)
    assert [a.name for a in k.signature.inputs] == ["x", "w", "p", "n"]
    assert [a.ctype for a in k.signature.inputs] == ["float", "float", "double", "int"]
    assert [tuple(a.shape) for a in k.signature.inputs] == [(), (4,), (2,), ()]
    assert [a.name for a in k.signature.outputs] == ["return", "out", "arr", "cnt"]
    assert [a.ctype for a in k.signature.outputs] == ["double", "double", "float", "int"]
    assert tuple(k.signature.outputs[2].shape) == (3,)
    assert k.n_inputs == 8 and k.n_outputs == 6
    X = np.array([[0.5, 1.0, 1.25, 1.5, 1.75, -2.0, 4.0, 7.0]])
    Y = BACKENDS[backend](k, X)
    assert Y.tolist() == [[-0.5, 1.0, 0.5, 1.0, 5.75, 21.0]]


@backends
def test_shapes_keyword_sizes_a_const_pointer(backend: str) -> None:
    src = """
    float kernel(const float *p) {
        float s = 0.0f;
        for (int i = 0; i < 5; i++) s += p[i] * (float)(i + 1);
        return s;
    }
    """
    k = Kernel.from_source(src, function="kernel", domains={"p": (-1, 1)}, shapes={"p": 5})
    assert k.n_inputs == 5 and k.n_outputs == 1
    Y = BACKENDS[backend](k, np.array([[1.0, 0.5, -0.25, 0.125, -1.0]]))
    assert Y.tolist() == [[1.0 + 1.0 - 0.75 + 0.5 - 5.0]]


@backends
def test_uint32_hash_matches_python(backend: str) -> None:
    src = """
    #include <stdint.h>
    uint32_t kernel(uint32_t x) {
        uint32_t h = 2166136261u;
        for (int i = 0; i < 4; i++) { h ^= (x >> (8 * i)) & 0xFFu; h *= 16777619u; }
        return h;
    }
    """
    xs = [0, 1, 255, 65536, 123456789, 4294967295]

    def fnv(x: int) -> int:
        h = 2166136261
        for i in range(4):
            h ^= (x >> (8 * i)) & 0xFF
            h = (h * 16777619) % 2**32
        return h

    Y = _run(backend, src, {"x": (0, 4294967295)}, [[x] for x in xs])
    assert Y[:, 0].tolist() == [fnv(x) for x in xs]
