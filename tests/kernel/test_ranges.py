"""Static output ranges: sound against executed ground truth, exact where the closed form is
known, and 'unknown' (infinite) where the analysis does not model the program."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nsc_tune import suite
from nsc_tune.kernel import Kernel
from nsc_tune.kernel.ranges import output_ranges

CASES = sorted((Path(__file__).parent / "cases").glob("*.c"))


def _assert_sound(r: np.ndarray, Y: np.ndarray, what: str, rel: float = 0.0) -> None:
    """Every finite output lies inside its range, widened by ``rel`` of each bound's magnitude
    (NaN and inf results are not bounded)."""
    with np.errstate(invalid="ignore"):  # infinite bounds stay as they are
        lo = np.where(np.isfinite(r[:, 0]), r[:, 0] - np.abs(r[:, 0]) * rel, r[:, 0])
        hi = np.where(np.isfinite(r[:, 1]), r[:, 1] + np.abs(r[:, 1]) * rel, r[:, 1])
    ok = (Y >= lo) & (Y <= hi) | ~np.isfinite(Y)
    bad = np.argwhere(~ok)
    assert not bad.size, (f"{what}: output {bad[0, 1]} = {Y[bad[0, 0], bad[0, 1]]!r} outside "
                          f"{r[bad[0, 1]].tolist()}")


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_ranges_hold_every_output_of_the_semantics_cases(path: Path) -> None:
    k = Kernel.from_file(path, function="kernel")
    r = output_ranges(k)
    assert r.shape == (k.n_outputs, 2) and np.all(r[:, 0] <= r[:, 1])
    _assert_sound(r, k(k.sample(20_000, seed=3)), path.stem)


@pytest.mark.parametrize("name", suite.names())
def test_ranges_hold_and_are_finite_on_the_suite(name: str) -> None:
    k = suite.load(name)
    r = k.output_ranges()
    assert np.isfinite(r).all(), f"{name}: some output left unbounded"
    _assert_sound(r, k(k.sample(20_000, seed=4)), name)


def test_ranges_hold_on_generated_corpus_programs(tiny_corpus: Path) -> None:
    from nsc_tune.compiler.tokenizer import KernelView
    from nsc_tune.corpus.storage import Corpus

    finite = total = 0
    for prog in Corpus(str(tiny_corpus)).programs("train"):
        r = output_ranges(KernelView.from_record(prog.record))
        # Stored outputs are rounded to float32: a double result may move by half an ulp.
        _assert_sound(r, prog.Y.astype(np.float64), prog.function, rel=2.0 ** -24)
        finite += int(np.isfinite(r).all(axis=1).sum())
        total += r.shape[0]
    assert finite >= 0.6 * total, f"only {finite} of {total} outputs bounded"


def _ranges(src: str, domains: dict) -> np.ndarray:
    return output_ranges(Kernel.from_source(src, domains=domains))


def test_closed_forms() -> None:
    r = _ranges("double f(double x) { return x * x - 1.0; }", {"x": (-2.0, 3.0)})
    np.testing.assert_allclose(r, [[-1.0, 8.0]], rtol=1e-12)
    # sin over a full period and a quarter period.
    r = _ranges("#include <math.h>\nvoid f(double x, double *s, double *c) "
                "{ *s = sin(x); *c = cos(x); }", {"x": (0.0, 1.5707963267948966)})
    np.testing.assert_allclose(r, [[0.0, 1.0], [0.0, 1.0]], atol=1e-12)
    # A sum unrolled exactly, then an integer-bounded loop whose trip count depends on the input.
    r = _ranges("double f(const double x[8]) { double s = 0; "
                "for (int i = 0; i < 8; i++) s += x[i]; return s; }", {"x": (0.0, 1.0)})
    np.testing.assert_allclose(r, [[0.0, 8.0]], atol=1e-12)
    r = _ranges("double f(int n) { double s = 0; for (int i = 0; i < n; i++) s += 2.0; "
                "return s; }", {"n": (1, 10)})
    np.testing.assert_allclose(r, [[2.0, 20.0]])


def test_conditions_refine_and_integers_truncate() -> None:
    # The guard keeps the division away from zero, so the result stays bounded.
    r = _ranges("double f(double d) { if (d > 0.5) return 1.0 / d; return 0.0; }",
                {"d": (-1.0, 4.0)})
    np.testing.assert_allclose(r, [[0.0, 2.0]])
    r = _ranges("void f(int a, int *q, int *m) { *q = a / 3; *m = a % 4; }", {"a": (-10, 10)})
    np.testing.assert_array_equal(r, [[-3.0, 3.0], [-3.0, 3.0]])
    # Unsigned subtraction may wrap: the whole type.
    r = _ranges("unsigned f(unsigned a) { return a - 5u; }", {"a": (0, 10)})
    np.testing.assert_array_equal(r, [[0.0, 2.0 ** 32 - 1]])


def test_helpers_write_through_pointers() -> None:
    src = ("static void twice(double x, double *o) { *o = 2.0 * x; }\n"
           "double f(double x) { double r; twice(x, &r); return r + 1.0; }")
    np.testing.assert_allclose(_ranges(src, {"x": (0.0, 1.0)}), [[1.0, 3.0]])


def test_unmodelled_programs_are_unknown_not_wrong() -> None:
    src = ("int f(int a) { switch (a) { case 1: return 10; default: return 20; } }")
    r = _ranges(src, {"a": (0, 3)})
    assert np.isneginf(r[0, 0]) and np.isposinf(r[0, 1])
    # Short loops unroll exactly: 6 doublings take any x in [1, 2] past 100.
    src = "double f(double x) { double y = x; while (y < 100.0) y = 2.0 * y + 1.0; return y; }"
    np.testing.assert_allclose(_ranges(src, {"x": (1.0, 2.0)}), [[127.0, 191.0]], rtol=1e-9)
    # ~700 iterations exceed the unrolling: widened to a fixed point, sound, open above.
    src = ("int f(double x) { double y = x; int n = 0; "
           "while (y > 1e-3) { y = y * 0.99; n++; } return n; }")
    k = Kernel.from_source(src, domains={"x": (1.0, 2.0)})
    r = output_ranges(k)
    _assert_sound(r, k(k.sample(2_000, seed=5)), "widened loop")
    assert np.isposinf(r[0, 1]) or r[0, 1] == 2.0 ** 31 - 1
