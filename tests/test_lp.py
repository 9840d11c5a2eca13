"""The solver boundary: statuses, warm re-solves, integrality.

Golden values are worked by hand in each test.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from allyshore._lp import LinearProgram
from allyshore.errors import Infeasible, SolverError, Unbounded

INF = np.inf


def _textbook() -> LinearProgram:
    # max 3x + 5y  s.t.  x <= 4, 2y <= 12, 3x + 2y <= 18  (Hillier & Lieberman's Wyndor Glass example):
    # optimum x = 2, y = 6, objective 36.
    a = sp.csr_matrix([[1.0, 0.0], [0.0, 2.0], [3.0, 2.0]])
    return LinearProgram([3.0, 5.0], a, row_upper=[4.0, 12.0, 18.0], sense="max")


def test_textbook_optimum_and_duals() -> None:
    lp = _textbook()
    solution = lp.solve()
    assert solution.objective == pytest.approx(36.0)
    assert solution.x == pytest.approx([2.0, 6.0])
    # Shadow prices of the Wyndor example: 0, 1.5, 1.
    assert np.abs(solution.row_dual) == pytest.approx([0.0, 1.5, 1.0])


def test_warm_resolve_after_bound_and_cost_changes() -> None:
    lp = _textbook()
    lp.solve()
    lp.set_row_bounds([1], [-INF], [6.0])  # 2y <= 6 -> y = 3, x = 4: 3*4 + 5*3 = 27
    assert lp.solve().objective == pytest.approx(27.0)
    lp.set_col_bounds([0], [0.0], [1.0])  # x <= 1: y = 3 -> 3 + 15 = 18
    assert lp.solve().objective == pytest.approx(18.0)
    lp.set_costs([0, 1], [10.0, 1.0])  # 10*1 + 1*3 = 13
    assert lp.solve().objective == pytest.approx(13.0)
    lp.set_col_bounds([0], [0.0], [INF])
    lp.set_row_bounds([1], [-INF], [12.0])  # back to the original rows: x = 4, y = 3 -> 40 + 3 = 43
    assert lp.solve(cold=True).objective == pytest.approx(43.0)


def test_coefficient_change() -> None:
    # min x  s.t.  a*x >= 6 ; a = 2 -> x = 3 ; a = 3 -> x = 2
    lp = LinearProgram([1.0], sp.csr_matrix([[2.0]]), row_lower=[6.0])
    assert lp.solve().x[0] == pytest.approx(3.0)
    lp.set_coefficient(0, 0, 3.0)
    assert lp.solve().x[0] == pytest.approx(2.0)


def test_infeasible_and_unbounded_raise() -> None:
    # x >= 5 and x <= 3
    with pytest.raises(Infeasible):
        LinearProgram([1.0], sp.csr_matrix([[1.0], [1.0]]), row_lower=[5.0, -INF], row_upper=[INF, 3.0]).solve()
    # max x with x >= 1 only
    with pytest.raises(Unbounded):
        LinearProgram([1.0], sp.csr_matrix([[1.0]]), row_lower=[1.0], sense="max").solve()
    assert issubclass(Infeasible, SolverError)


def test_integrality_knapsack() -> None:
    # max 5a + 4b + 3c  s.t. 2a + 3b + c <= 5, 4a + b + 2c <= 11, 3a + 4b + 2c <= 8, binaries.
    # Enumeration: {a, c} uses (3, 6, 5) and earns 8; {a, b} needs 5, 5, 7 and earns 9; {a,b,c} needs 6 > 5.
    a = sp.csr_matrix([[2.0, 3.0, 1.0], [4.0, 1.0, 2.0], [3.0, 4.0, 2.0]])
    lp = LinearProgram(
        [5.0, 4.0, 3.0], a, row_upper=[5.0, 11.0, 8.0], col_upper=[1.0, 1.0, 1.0], integrality=[1, 1, 1], sense="max"
    )
    solution = lp.solve()
    assert solution.mip
    assert solution.objective == pytest.approx(9.0)
    assert solution.x == pytest.approx([1.0, 1.0, 0.0])
    lp.set_integrality([0, 1, 2], False)  # LP relaxation is at least as good
    assert lp.solve().objective >= 9.0 - 1e-9


def test_bad_input_rejected() -> None:
    with pytest.raises(ValueError, match="costs"):
        LinearProgram([1.0, 2.0], sp.csr_matrix([[1.0]]))
    with pytest.raises(ValueError, match="NaN"):
        LinearProgram([np.nan], sp.csr_matrix([[1.0]]))
