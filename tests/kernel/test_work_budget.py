"""Loop budgets: each loop's own, and the total work of one input row across nested loops."""

from __future__ import annotations

import numpy as np
import pytest

from nsc_tune import Kernel
from nsc_tune.kernel.errors import NonTerminationError
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
