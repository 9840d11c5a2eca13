"""A first feasible plan for the mixed-integer program, from its linear relaxation rounded up.

The plan's binaries ('source used', 'changed', the alternatives of an origin rule) enter the rows only as upper
limits that a 1 relaxes (``x_j <= used_j``, ``|x_j - x0_j| <= changed_j``, ``a.x + c >= -M (1 - z_k)``) or in
counts and sums they must reach. The linear relaxation lets each one take a fraction; rounding every positive one
up to 1 and solving the linear program again with them fixed gives a plan that meets every row whenever that
fixed program is feasible, and costs at most what the rounded-up qualifications add. HiGHS then starts its search
with that plan as its incumbent instead of looking for one by its own heuristics. When the fixed program is
infeasible (a minimum share when used that the relaxation's share does not reach, a limit on changes or sources
that the rounded binaries exceed) there is no start and the search runs as before.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore._lp import LinearProgram
from allyshore.errors import Infeasible, SolverError, Unbounded

FloatArray = NDArray[np.float64]
_POSITIVE = 1e-9


def rounded_start(
    costs: FloatArray,
    matrix: sp.csr_matrix,
    row_lower: FloatArray,
    row_upper: FloatArray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    integer: NDArray[np.bool_],
    time_limit: float | None = None,
) -> FloatArray | None:
    """Column values of a feasible solution of the program (see the module docstring), None when there is none
    this way: the relaxation solved, its integer columns rounded up (within their bounds), the rest re-solved.

    >>> # min x + 10 u  s.t.  x <= u (u binary),  x >= 0.3: the relaxation has u = 0.3, the start u = 1, x = 0.3
    >>> start = rounded_start(np.array([1.0, 10.0]), sp.csr_matrix([[1.0, -1.0], [1.0, 0.0]]),
    ...     np.array([-np.inf, 0.3]), np.array([0.0, np.inf]), np.zeros(2), np.ones(2), np.array([False, True]))
    >>> np.round(start, 6).tolist()
    [0.3, 1.0]
    """
    if not integer.any():
        return None
    options = {} if time_limit is None else {"time_limit": float(time_limit)}
    try:
        relaxed = LinearProgram(costs, matrix, row_lower, row_upper, col_lower, col_upper, options=options).solve()
    except (Infeasible, Unbounded, SolverError):
        return None
    values = relaxed.x[integer]
    rounded = np.clip(np.ceil(values - _POSITIVE), col_lower[integer], col_upper[integer])
    lower, upper = col_lower.copy(), col_upper.copy()
    lower[integer] = rounded
    upper[integer] = rounded
    try:
        fixed = LinearProgram(costs, matrix, row_lower, row_upper, lower, upper, options=options).solve()
    except (Infeasible, Unbounded, SolverError):
        return None
    return fixed.x
