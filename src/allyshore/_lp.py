"""The one solver boundary: linear and mixed-integer programs solved with HiGHS (highspy).

Every model in allyshore is built once as sparse matrices and handed to
:class:`LinearProgram`, which keeps one HiGHS instance alive so that later
solves after :meth:`~LinearProgram.set_col_bounds`,
:meth:`~LinearProgram.set_row_bounds` or :meth:`~LinearProgram.set_costs`
start warm from the previous basis instead of from scratch. The model is::

    min (or max)  c @ x + offset
    s.t.          row_lower <= A @ x <= row_upper
                  col_lower <=     x <= col_upper
                  x[j] integer where integrality[j]

Statuses become errors of :mod:`allyshore.errors`: an infeasible model raises
:class:`~allyshore.errors.Infeasible`, an unbounded one
:class:`~allyshore.errors.Unbounded`, anything else that is not optimal
:class:`~allyshore.errors.SolverError`. No other module imports highspy.

>>> import numpy as np, scipy.sparse as sp
>>> # max x + y  s.t.  x + 2y <= 4,  3x + y <= 6,  x, y >= 0
>>> lp = LinearProgram(
...     costs=[1.0, 1.0], matrix=sp.csr_matrix([[1.0, 2.0], [3.0, 1.0]]),
...     row_lower=[-np.inf, -np.inf], row_upper=[4.0, 6.0], sense="max")
>>> solution = lp.solve()
>>> round(solution.objective, 6), np.round(solution.x, 6).tolist()
(2.8, [1.6, 1.2])
>>> lp.set_row_bounds([0], [-np.inf], [2.0])   # tighten a row, re-solve warm
>>> round(lp.solve().objective, 6)
2.0
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from allyshore.errors import Infeasible, SolverError, Unbounded

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = ["LinearProgram", "Solution"]

_INF = highspy.kHighsInf


_banner_silenced = False


def _new_highs() -> Any:
    """A new HiGHS instance, without the banner HiGHS prints on standard output.

    HiGHS (1.16 and later) writes its version banner once per process when the first instance is
    constructed, before any option can be set; that line would corrupt the JSON a command prints
    on standard output. The first construction therefore runs with file descriptor 1 pointed at
    the null device, with the C streams flushed before it is restored.
    """
    global _banner_silenced
    if _banner_silenced:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    _banner_silenced = True
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output to protect
        return highspy.Highs()  # type: ignore[no-untyped-call]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return highs


@dataclass(frozen=True)
class Solution:
    """An optimal solution: primal values, row activities and duals (row and column)."""

    objective: float
    x: FloatArray
    row_activity: FloatArray
    row_dual: FloatArray
    col_dual: FloatArray
    iterations: int
    mip: bool = False
    status: str = "optimal"  # or "time_limit": stopped by the time limit with a feasible solution
    gap: float = 0.0  # relative MIP gap of the solution returned (0 for a linear program)


def _vector(values: ArrayLike | None, size: int, fill: float, name: str) -> FloatArray:
    if values is None:
        return np.full(size, fill, dtype=np.float64)
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.shape[0] != size:
        raise ValueError(f"{name} has {array.shape[0]} entries, expected {size}")
    if np.isnan(array).any():
        raise ValueError(f"{name} contains NaN")
    return np.clip(array, -_INF, _INF)


def _index(indices: ArrayLike) -> NDArray[np.int32]:
    return np.ascontiguousarray(np.asarray(indices, dtype=np.int64).reshape(-1), dtype=np.int32)


class LinearProgram:
    """A linear (or mixed-integer) program kept in one HiGHS instance for warm re-solves.

    Parameters
    ----------
    costs
        Objective coefficients ``c``, one per column.
    matrix
        Constraint matrix ``A`` (rows x columns), any scipy.sparse format or dense array.
    row_lower, row_upper
        Row bounds; ``-inf`` / ``inf`` where open. Default: ``-inf`` and ``inf``.
    col_lower, col_upper
        Column bounds. Default: ``0`` and ``inf``.
    integrality
        Optional boolean mask of integer columns (a MIP); binaries are integers bounded by [0, 1].
    sense
        ``"min"`` (default) or ``"max"``.
    offset
        Constant added to the objective.
    options
        HiGHS options, for example ``{"time_limit": 10.0, "mip_rel_gap": 1e-6}``.
    """

    def __init__(
        self,
        costs: ArrayLike,
        matrix: sp.spmatrix | sp.sparray | ArrayLike,
        row_lower: ArrayLike | None = None,
        row_upper: ArrayLike | None = None,
        col_lower: ArrayLike | None = None,
        col_upper: ArrayLike | None = None,
        *,
        integrality: ArrayLike | None = None,
        sense: Literal["min", "max"] = "min",
        offset: float = 0.0,
        options: dict[str, Any] | None = None,
    ) -> None:
        a: Any = sp.csc_matrix(cast(Any, matrix)).astype(np.float64)
        a.sum_duplicates()
        a.sort_indices()
        n_rows, n_cols = a.shape
        self.n_rows = int(n_rows)
        self.n_cols = int(n_cols)
        if sense not in ("min", "max"):
            raise ValueError("sense must be 'min' or 'max'")
        self.sense = sense
        cost = _vector(costs, self.n_cols, 0.0, "costs")
        lp: Any = highspy.HighsLp()
        lp.num_col_ = self.n_cols
        lp.num_row_ = self.n_rows
        lp.col_cost_ = cost
        lp.col_lower_ = _vector(col_lower, self.n_cols, 0.0, "col_lower")
        lp.col_upper_ = _vector(col_upper, self.n_cols, _INF, "col_upper")
        lp.row_lower_ = _vector(row_lower, self.n_rows, -_INF, "row_lower")
        lp.row_upper_ = _vector(row_upper, self.n_rows, _INF, "row_upper")
        lp.offset_ = float(offset)
        lp.sense_ = highspy.ObjSense.kMaximize if sense == "max" else highspy.ObjSense.kMinimize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = self.n_cols
        lp.a_matrix_.num_row_ = self.n_rows
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data
        self.is_mip = False
        if integrality is not None:
            mask = np.asarray(integrality, dtype=bool).reshape(-1)
            if mask.shape[0] != self.n_cols:
                raise ValueError(f"integrality has {mask.shape[0]} entries, expected {self.n_cols}")
            if mask.any():
                self.is_mip = True
                lp.integrality_ = [
                    highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in mask
                ]
        self._highs: Any = _new_highs()
        self._highs.setOptionValue("output_flag", False)
        for key, value in (options or {}).items():
            self._highs.setOptionValue(key, value)
        status = self._highs.passModel(lp)
        if status == highspy.HighsStatus.kError:
            raise SolverError("HiGHS rejected the model (check the matrix and bounds for NaN or inverted bounds)")

    # -- changes between solves ---------------------------------------------------------------
    def set_col_bounds(self, indices: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> None:
        """Change the bounds of some columns (kept for later solves)."""
        idx = _index(indices)
        if idx.size == 0:
            return
        lo = np.broadcast_to(np.asarray(lower, dtype=np.float64), idx.shape)
        hi = np.broadcast_to(np.asarray(upper, dtype=np.float64), idx.shape)
        self._highs.changeColsBounds(
            int(idx.size), idx, np.clip(lo, -_INF, _INF).copy(), np.clip(hi, -_INF, _INF).copy()
        )

    def set_row_bounds(self, indices: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> None:
        """Change the bounds of some rows (kept for later solves)."""
        idx = _index(indices)
        if idx.size == 0:
            return
        lo = np.broadcast_to(np.asarray(lower, dtype=np.float64), idx.shape)
        hi = np.broadcast_to(np.asarray(upper, dtype=np.float64), idx.shape)
        self._highs.changeRowsBounds(
            int(idx.size), idx, np.clip(lo, -_INF, _INF).copy(), np.clip(hi, -_INF, _INF).copy()
        )

    def set_costs(self, indices: ArrayLike, costs: ArrayLike) -> None:
        """Change some objective coefficients (kept for later solves)."""
        idx = _index(indices)
        if idx.size == 0:
            return
        values = np.broadcast_to(np.asarray(costs, dtype=np.float64), idx.shape).copy()
        self._highs.changeColsCost(int(idx.size), idx, values)

    def set_coefficient(self, row: int, col: int, value: float) -> None:
        """Change one entry of the constraint matrix."""
        self._highs.changeCoeff(int(row), int(col), float(value))

    def set_integrality(self, indices: ArrayLike, integer: bool | Sequence[bool]) -> None:
        """Make some columns integer (``True``) or continuous (``False``)."""
        idx = _index(indices)
        if idx.size == 0:
            return
        flags = np.broadcast_to(np.asarray(integer, dtype=bool), idx.shape)
        kinds = np.array(
            [int(highspy.HighsVarType.kInteger) if f else int(highspy.HighsVarType.kContinuous) for f in flags],
            dtype=np.uint8,
        )
        self._highs.changeColsIntegrality(int(idx.size), idx, kinds)
        if flags.any():
            self.is_mip = True

    def set_option(self, key: str, value: Any) -> None:
        """Set one HiGHS option for later solves (``time_limit``, ``mip_rel_gap``, ...)."""
        self._highs.setOptionValue(key, value)

    def basis(self) -> Any:
        """The current simplex basis (an opaque copy), to restart later solves from it."""
        return self._highs.getBasis()

    def set_basis(self, basis: Any) -> None:
        """Start the next solve from ``basis`` (one returned by :meth:`basis` on this program)."""
        self._highs.setBasis(basis)

    def bounds(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Current (col_lower, col_upper, row_lower, row_upper)."""
        lp = self._highs.getLp()
        return (
            np.asarray(lp.col_lower_, dtype=np.float64),
            np.asarray(lp.col_upper_, dtype=np.float64),
            np.asarray(lp.row_lower_, dtype=np.float64),
            np.asarray(lp.row_upper_, dtype=np.float64),
        )

    # -- solving ----------------------------------------------------------------------------
    def solve(self, *, cold: bool = False, accept_time_limit: bool = False) -> Solution:
        """Solve (warm from the last basis unless ``cold``) and return the optimal solution.

        ``accept_time_limit``: a run stopped by the ``time_limit`` option with a feasible solution returns it
        (``status`` ``"time_limit"``, ``gap`` the relative MIP gap reached) instead of raising.

        Raises
        ------
        Infeasible
            The constraints admit no solution.
        Unbounded
            The objective can improve without limit.
        SolverError
            HiGHS stopped for any other reason (time limit, numerical trouble).
        """
        highs = self._highs
        if cold:
            highs.clearSolver()
        highs.run()
        status = highs.getModelStatus()
        ms = highspy.HighsModelStatus
        if status == ms.kInfeasible:
            raise Infeasible("the model has no feasible solution")
        if status == ms.kUnbounded:
            raise Unbounded("the objective is unbounded")
        if status == ms.kUnboundedOrInfeasible:
            # Presolve could not tell which: decide without presolve.
            highs.setOptionValue("presolve", "off")
            try:
                highs.run()
                status = highs.getModelStatus()
            finally:
                highs.setOptionValue("presolve", "choose")
            if status == ms.kInfeasible:
                raise Infeasible("the model has no feasible solution")
            if status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
                raise Unbounded("the objective is unbounded")
        limited = status == ms.kTimeLimit and accept_time_limit and highs.getInfo().primal_solution_status == 2
        if status != ms.kOptimal and not limited:
            raise SolverError(f"HiGHS stopped without an optimal solution: {highs.modelStatusToString(status)}")
        solution = highs.getSolution()
        info = highs.getInfo()
        x = np.asarray(solution.col_value, dtype=np.float64)
        row_activity = np.asarray(solution.row_value, dtype=np.float64)
        if self.is_mip or not solution.dual_valid:
            row_dual = np.zeros(self.n_rows)
            col_dual = np.zeros(self.n_cols)
        else:
            row_dual = np.asarray(solution.row_dual, dtype=np.float64)
            col_dual = np.asarray(solution.col_dual, dtype=np.float64)
        return Solution(
            objective=float(info.objective_function_value),
            x=x,
            row_activity=row_activity,
            row_dual=row_dual,
            col_dual=col_dual,
            iterations=int(info.simplex_iteration_count),
            mip=self.is_mip,
            status="time_limit" if limited else "optimal",
            gap=float(info.mip_gap) if self.is_mip and np.isfinite(info.mip_gap) else (np.inf if limited else 0.0),
        )
