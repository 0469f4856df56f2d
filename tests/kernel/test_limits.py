"""Limits that keep hostile or huge kernels bounded: loop budgets (each loop's own, and the total
work of one input row across nested loops), translated size and parsed size."""

from __future__ import annotations

import numpy as np
import pytest

from nsc_tune import Kernel
from nsc_tune.kernel import numba_backend, parse
from nsc_tune.kernel.errors import NonTerminationError, SourceTooLargeError
from nsc_tune.kernel.numba_backend import WORK_PER_LOOP_BUDGET

BUDGET = 1000  # per loop; the row's total is WORK_PER_LOOP_BUDGET times this

NESTED = """
int k(int n, int m) {
  int s = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < m; j++)
      s += (i ^ j) & 7;
  return s;
}"""

HELPER = """
static int inner(int m) { int s = 0; for (int j = 0; j < m; j++) s += j & 3; return s; }
int k(int n, int m) {
  int s = 0;
  for (int i = 0; i < n; i++)
    s += inner(m);
  return s;
}"""


def _exact(n: int, m: int, nested: bool) -> int:
    return sum(((i ^ j) & 7) if nested else (j & 3) for i in range(n) for j in range(m))


@pytest.mark.parametrize(("src", "loop_line"), [(NESTED, 5), (HELPER, 2)])
def test_nested_loops_under_their_own_budget_stop_at_the_total(src: str, loop_line: int) -> None:
    k = Kernel.from_source(src, "k", max_iterations=BUDGET,
                           domains={"n": (0, 1000), "m": (0, 1000)})
    n = m = 900  # each loop under 1000, 810,000 iterations in all > 64,000
    assert n * m > WORK_PER_LOOP_BUDGET * BUDGET
    with pytest.raises(NonTerminationError, match="in all") as exc:
        k(np.array([[n, m]], dtype=np.float64))
    assert exc.value.line == loop_line


@pytest.mark.parametrize("src", [NESTED, HELPER])
def test_the_total_is_per_input_row(src: str) -> None:
    """2,000 rows of 50 x 1,000 iterations each: every row is under the total, the batch is not."""
    k = Kernel.from_source(src, "k", max_iterations=BUDGET,
                           domains={"n": (0, 1000), "m": (0, 1000)})
    X = np.tile([50.0, 999.0], (2000, 1))
    expected = _exact(50, 999, src is NESTED)
    for parallel in (True, False):
        np.testing.assert_array_equal(k(X, parallel=parallel)[:, 0], expected)
    assert k.native(X[:3])[0, 0] == expected  # gcc agrees


def test_a_single_loop_counts_only_its_own_budget() -> None:
    k = Kernel.from_source("int k(int n) { int s = 0; for (int i = 0; i < n; i++) s += i & 1; "
                           "return s; }", "k", max_iterations=BUDGET, domains={"n": (0, 5000)})
    assert k(np.array([[999.0]]))[0, 0] == 499
    with pytest.raises(NonTerminationError, match="more than 1,000 iterations"):
        k(np.array([[1001.0]]))


def _unrolled(n: int) -> str:
    body = "\n".join(f"  s = s * 0.5 + x * {i}.0;" for i in range(n))
    return f"double k(double x) {{\n  double s = 0.0;\n{body}\n  return s;\n}}\n"


def test_unrolled_code_past_the_translation_limit_is_refused_before_numba(monkeypatch) -> None:
    monkeypatch.setattr(numba_backend, "MAX_TRANSLATED_LINES", 200)
    k = Kernel.from_source(_unrolled(150), "k", domains={"x": (0, 1)})
    assert k(np.array([[0.0]]))[0, 0] == 0.0
    with pytest.raises(SourceTooLargeError, match="more than 200 lines") as exc:
        Kernel.from_source("\n" + _unrolled(250), "k", domains={"x": (0, 1)})
    assert exc.value.line == 2 and exc.value.construct == "k"


def test_a_macro_expansion_past_the_parse_limit_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(parse, "MAX_PARSED_BYTES", 2_000)
    src = ("#define A x+x+x+x+x+x+x+x\n#define B A+A+A+A+A+A+A+A\n"
           "double k(double x) {{ return {}; }}\n")
    k = Kernel.from_source(src.format("B"), "k", domains={"x": (0, 1)})  # 64 terms, ~0.4 kB
    assert k(np.array([[1.0]]))[0, 0] == 64.0
    with pytest.raises(SourceTooLargeError, match="MiB is parsed"):  # 40 x 64 terms, ~5 kB
        Kernel.from_source(src.format("+".join(["B"] * 40)), "k", domains={"x": (0, 1)})
