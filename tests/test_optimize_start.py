"""The first incumbent of the plan's mixed-integer program (allyshore.optimize.start) and LinearProgram.set_start.

Hand-built programs whose relaxation, rounding and optimum are worked out in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from allyshore._lp import LinearProgram
from allyshore.optimize.start import rounded_start

INF = np.inf


def _two_sources() -> tuple[np.ndarray, sp.csr_matrix, np.ndarray, np.ndarray]:
    """Columns x (cheap source, needs qualifying), y (today's source), u (x's 'used' binary).

    min 1 x + 5 y + 1 u  s.t.  x + y = 1,  x - u <= 0,  x - 0.5 u >= 0 (at least half when used)."""
    costs = np.array([1.0, 5.0, 1.0])
    matrix = sp.csr_matrix([[1.0, 1.0, 0.0], [1.0, 0.0, -1.0], [1.0, 0.0, -0.5]])
    return costs, matrix, np.array([1.0, -INF, 0.0]), np.array([1.0, 0.0, INF])


def test_rounded_start_is_the_relaxation_rounded_up_and_re_solved() -> None:
    costs, matrix, lo, hi = _two_sources()
    # Cap x at 0.4 (a capacity): the relaxation takes x = 0.4 with u = 0.4 (cost 0.4 + 5 * 0.6 + 0.4 = 3.8), but
    # u = 1 forces x >= 0.5 > 0.4: the fixed program is infeasible, so there is no start (the MIP's optimum is
    # u = 0, y = 1, cost 5, which HiGHS finds alone).
    capped = rounded_start(
        costs, matrix, lo, hi, np.zeros(3), np.array([0.4, 1.0, 1.0]), np.array([False, False, True])
    )
    assert capped is None
    # Without the cap the relaxation takes x = 1, u = 1 (cost 2): already integral, the start is that plan.
    start = rounded_start(costs, matrix, lo, hi, np.zeros(3), np.ones(3), np.array([False, False, True]))
    assert start is not None
    np.testing.assert_allclose(start, [1.0, 0.0, 1.0], atol=1e-9)


def test_rounded_start_of_a_fractional_relaxation_is_feasible_and_dearer() -> None:
    # min x + 10 u  s.t.  x <= u, x >= 0.3: relaxation u = 0.3 (cost 0.3 + 3 = 3.3); rounded u = 1, x = 0.3
    # (cost 0.3 + 10 = 10.3), the MIP optimum too.
    costs = np.array([1.0, 10.0])
    matrix = sp.csr_matrix([[1.0, -1.0], [1.0, 0.0]])
    start = rounded_start(
        costs, matrix, np.array([-INF, 0.3]), np.array([0.0, INF]), np.zeros(2), np.ones(2), np.array([False, True])
    )
    assert start is not None
    np.testing.assert_allclose(start, [0.3, 1.0], atol=1e-9)
    assert float(costs @ start) == pytest.approx(10.3)
    # No integer column: nothing to round, no start.
    assert rounded_start(costs, matrix, np.array([-INF, 0.3]), np.array([0.0, INF]), np.zeros(2), np.ones(2),
                         np.array([False, False])) is None  # fmt: skip


def test_set_start_keeps_the_optimum_and_checks_its_length() -> None:
    # Knapsack: max 5a + 4b + 3c  s.t.  2a + 3b + c <= 5 (binaries): a + b = 9 > a + c = 8 > b + c = 7 >
    # a + b + c infeasible (weight 6); optimum a = b = 1, c = 0, value 9.
    lp = LinearProgram(
        costs=[5.0, 4.0, 3.0],
        matrix=sp.csr_matrix([[2.0, 3.0, 1.0]]),
        row_lower=[-INF],
        row_upper=[5.0],
        col_lower=[0.0, 0.0, 0.0],
        col_upper=[1.0, 1.0, 1.0],
        integrality=[True, True, True],
        sense="max",
    )
    lp.set_start([1.0, 0.0, 1.0])  # feasible, value 8: a start, not the answer
    solution = lp.solve()
    assert solution.objective == pytest.approx(9.0)
    np.testing.assert_allclose(solution.x, [1.0, 1.0, 0.0], atol=1e-9)
    with pytest.raises(ValueError, match="expected 3"):
        lp.set_start([1.0, 0.0])
