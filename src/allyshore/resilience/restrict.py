"""Exact scenario solves on the part of the network a disruption can affect, with a duality certificate.

A scenario changes the bounds of a few columns (disrupted nodes produce nothing,
cut edges carry nothing) of a program whose undisrupted optimum ``x0`` with row
duals ``y0`` is known. Instead of re-solving the whole program, the scenario is
solved on a *region* R of nodes: the nodes downstream of the disruption at first.

* **Restricted program.** Free columns: production of the nodes in R, shipments
  into them, their lost units (TTR) and any global column (``tau`` of the TTS
  rate form). Every other column stays at its value in ``x0``, so it moves to the
  right-hand side of the rows the free columns touch; rows touching no free
  column are left out (they hold at ``x0``, and a global column only loosens
  them: see :meth:`Restriction.solve`). The restricted program is a slice of the
  sparse matrix of the full one, solved in its own short-lived HiGHS instance
  (the full program keeps its one instance per network).
* **Its optimum is feasible for the full program** (the fixed columns satisfy
  their own rows), hence an upper bound on the full optimum (a minimisation).
* **Certificate.** The restricted row duals on the rows it kept, ``y0`` on the
  others, give reduced costs ``d = c - A^T y`` for every column. The duality gap
  of that primal-dual pair is a sum of non-negative terms, one per column
  (``d_j`` times the distance of ``x_j`` to the bound that ``d_j``'s sign selects)
  and one per row; it is computed over the kept rows and every column touching
  them (elsewhere both solutions are the undisrupted optimum's own). When the gap
  is at most ``gap_tol`` times the objective (in magnitude, at least 1), the
  combined solution is optimal for the full program: the answer is exact up to
  that tolerance, which sits far below the solver's own.
* **Growth.** Otherwise the nodes owning the columns with a positive gap term
  join R (an alternate supplier whose capacity is needed, a consumer outside R
  that could give up a shared input) and the program is solved again, a few
  times at most; then the caller falls back to the full program.

This is exact for any region, so the region only decides the speed: on the
generated 10,000-node network the part downstream of a site has a few dozen of
the 10,648 nodes (median), most scenarios are certified at the first try and the
others after a round or two of growth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore._lp import LinearProgram, Solution
from allyshore.errors import Infeasible, SolverError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Relative duality gap accepted as optimal (HiGHS's own feasibility tolerances are 1e-7).
GAP_TOL = 1e-9
#: Growth rounds before giving up (the caller then solves the full program). Each round usually climbs one tier
#: upstream (an alternate supplier, then its inputs' suppliers); with stock in transit counted the undisrupted
#: optimum leans on free stock more, and on the generated 10,000-node network 4 rounds left 40% of the TTR
#: scenarios to the full program, 10 rounds 14% (each round is a small program: far cheaper than a full solve).
MAX_ROUNDS = 10
#: A region larger than this share of the nodes (and than MIN_REGION nodes) is not worth restricting to.
MAX_SHARE = 0.5
MIN_REGION = 50
#: Reduced costs and duals below this are taken as zero (their gap terms are then ignored).
_ZERO = 1e-9
#: Restricted programs are small and solved once from a slack basis: presolve costs more than it saves.
_OPTIONS = {"presolve": "off"}


def positions(indptr: IntArray, major: IntArray) -> tuple[IntArray, IntArray]:
    """(entries per major index, positions of their entries) of the compressed rows or columns ``major``.

    The gather behind ``matrix[rows]`` or ``matrix[:, cols]`` of a CSR or CSC matrix, without scipy's overhead.
    """
    starts = indptr[major]
    counts = indptr[major + 1] - starts
    ends = np.cumsum(counts)
    return counts, np.repeat(starts - ends + counts, counts) + np.arange(int(ends[-1]) if ends.size else 0)


def downstream(adjacency: sp.csr_matrix, seeds: IntArray) -> BoolArray:
    """Nodes reachable from ``seeds`` (included) along ``adjacency`` (row = from, column = to), level by level."""
    n = adjacency.shape[0]
    indptr = adjacency.indptr.astype(np.int64)
    indices = adjacency.indices.astype(np.int64)
    seen = np.zeros(n, dtype=bool)
    frontier = np.unique(np.asarray(seeds, dtype=np.int64))
    seen[frontier] = True
    while frontier.size:
        reached = indices[positions(indptr, frontier)[1]]
        nxt = np.unique(reached[~seen[reached]])
        seen[nxt] = True
        frontier = nxt
    return seen


@dataclass(frozen=True)
class Restricted:
    """A certified optimum of the full program: the combined primal, duals and reduced costs (full length)."""

    solution: Solution
    region_nodes: int
    rows: int
    rounds: int


class Restriction:
    """The sparse data of one program, to solve scenarios on regions of it.

    Parameters
    ----------
    matrix
        The constraint matrix of the full program (any scipy sparse format).
    cost
        Its objective (minimised).
    column_node
        The node owning each column (``-1`` for global columns such as ``tau``, always free).
    """

    def __init__(self, matrix: sp.spmatrix | sp.sparray, cost: FloatArray, column_node: IntArray) -> None:
        self.csc = sp.csc_matrix(matrix)
        self.csc.sort_indices()
        self.csr = self.csc.tocsr()
        self._col_ptr = self.csc.indptr.astype(np.int64)
        self._col_rows = self.csc.indices.astype(np.int64)
        self._row_ptr = self.csr.indptr.astype(np.int64)
        self._row_cols = self.csr.indices.astype(np.int64)
        self.cost = np.asarray(cost, dtype=np.float64)
        self.column_node = np.asarray(column_node, dtype=np.int64)
        n = int(self.column_node.max(initial=-1)) + 1
        owned = np.flatnonzero(self.column_node >= 0)
        self.owned = sp.csr_matrix(
            (np.ones(owned.size), (self.column_node[owned], owned)), shape=(n, self.csc.shape[1])
        )
        self.owned.sort_indices()
        self._owned_ptr = self.owned.indptr.astype(np.int64)
        self._owned_cols = self.owned.indices.astype(np.int64)
        self.global_cols = np.flatnonzero(self.column_node < 0)
        self.n_nodes = n
        # The objective is one global column (``tau``): a restricted optimum at its floor 0 needs no certificate.
        unit = np.zeros_like(self.cost)
        unit[self.global_cols] = 1.0
        self._minimises_global = self.global_cols.size == 1 and bool(np.array_equal(self.cost, unit))

    def solve(
        self,
        region: BoolArray,
        bounds: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
        base: Solution,
        base_reduced: FloatArray,
        zero_entries: tuple[IntArray, int] | None = None,
        floor: float = 1.0,
    ) -> Restricted | None:
        """The scenario's optimum of the full program, from restricted solves, or None when not certified.

        ``bounds`` are the scenario's (col_lower, col_upper, row_lower, row_upper) of the full program;
        ``base`` is the undisrupted optimum (its ``x`` and ``row_dual``) and ``base_reduced`` its reduced
        costs ``c - A^T y0``, which must certify it under the same bounds outside the region. Rows that
        touch only global columns apart from fixed ones are left out: the caller guarantees that they hold
        for every value of the global columns at or above ``base.x`` (true of ``tau`` when the undisrupted
        optimum has ``tau = 0``; ``y0`` must then be 0 on them). ``zero_entries = (rows, col)`` sets those
        matrix entries to 0 for this scenario (a disrupted node's stock destroyed in the TTS rate form).
        The gap must be at most :data:`GAP_TOL` times ``max(|objective|, floor)``.
        """
        col_lower, col_upper, row_lower, row_upper = bounds
        region = region.copy()
        n_rows, n_cols = self.csc.shape
        dead = np.zeros(n_rows, dtype=bool)
        if zero_entries is not None:
            dead[zero_entries[0]] = True
        for rounds in range(MAX_ROUNDS + 1):
            nodes = np.flatnonzero(region)
            if nodes.size > max(MAX_SHARE * self.n_nodes, MIN_REGION):
                return None
            owned = self._owned_cols[positions(self._owned_ptr, nodes)[1]]
            cols = np.concatenate([owned, self.global_cols])
            rows = np.unique(self._col_rows[positions(self._col_ptr, owned)[1]])
            row_pos = np.full(n_rows, -1, dtype=np.int64)
            row_pos[rows] = np.arange(rows.size)
            # The restricted matrix: entries of the free columns in the kept rows.
            counts, at = positions(self._col_ptr, cols)
            entry_col = np.repeat(np.arange(cols.size), counts)
            entry_row = row_pos[self._col_rows[at]]
            data = self.csc.data[at].copy()
            if zero_entries is not None:
                data[dead[self._col_rows[at]] & (cols[entry_col] == zero_entries[1])] = 0.0
            keep = entry_row >= 0
            matrix = sp.csc_matrix((data[keep], (entry_row[keep], entry_col[keep])), shape=(rows.size, cols.size))
            # The kept rows in full: the fixed columns' contribution, and later the reduced-cost correction.
            row_counts, row_at = positions(self._row_ptr, rows)
            kept_row = np.repeat(np.arange(rows.size), row_counts)
            kept_col = self._row_cols[row_at]
            kept_val = self.csr.data[row_at]
            fixed_x = base.x.copy()
            fixed_x[cols] = 0.0
            fixed = np.bincount(kept_row, weights=kept_val * fixed_x[kept_col], minlength=rows.size)
            check = np.union1d(kept_col, cols)  # the columns whose reduced cost may change
            program = LinearProgram(
                self.cost[cols],
                matrix,
                row_lower[rows] - fixed,
                row_upper[rows] - fixed,
                col_lower[cols],
                col_upper[cols],
                options=_OPTIONS,
            )
            try:
                part = program.solve()
            except Infeasible:
                # The fixed columns leave no room (say an alternate supplier held at its undisrupted output):
                # free every column the kept rows touch.
                bad = check
            except SolverError:
                return None  # numerical trouble on the slice: the caller solves the full program
            else:
                x = base.x.copy()
                x[cols] = part.x
                y_part = np.where(np.abs(part.row_dual) < 1e-13, 0.0, part.row_dual)
                y = base.row_dual.copy()
                y[rows] = y_part
                # d = c - A^T y: the undisrupted reduced costs corrected on the columns touching the kept rows.
                delta = base.row_dual[rows] - y_part
                reduced = base_reduced + np.bincount(kept_col, weights=kept_val * delta[kept_row], minlength=n_cols)
                if zero_entries is not None:
                    z_rows, z_col = zero_entries
                    reduced[z_col] += float(self.csc[z_rows, z_col].toarray().ravel() @ y[z_rows])
                col_gap = _column_gap(reduced[check], x[check], col_lower[check], col_upper[check])
                activity = part.row_activity + fixed
                row_gap = _column_gap(y_part, activity, row_lower[rows], row_upper[rows])
                objective = float(self.cost @ x)
                gap = float(col_gap.sum() + row_gap.sum())
                # Minimising tau: a restricted optimum at tau = 0 is feasible for the full program, whose
                # optimum is then at most 0 and at least tau's lower bound 0.
                at_floor = self._minimises_global and part.x[-1] <= 1e-12 and col_lower[cols[-1]] == 0.0
                if at_floor or gap <= GAP_TOL * max(abs(objective), floor):
                    row_activity = base.row_activity.copy()
                    row_activity[rows] = activity
                    solution = Solution(
                        objective=objective,
                        x=x,
                        row_activity=row_activity,
                        row_dual=y,
                        col_dual=reduced,
                        iterations=part.iterations,
                    )
                    return Restricted(solution, int(nodes.size), int(rows.size), rounds)
                bad = check[col_gap > 0]
            owners = self.column_node[bad]
            grown = region.copy()
            grown[owners[owners >= 0]] = True
            if grown.sum() == region.sum():
                return None
            region = grown
        return None


def _column_gap(reduced: FloatArray, x: FloatArray, lower: FloatArray, upper: FloatArray) -> FloatArray:
    """Complementary-slackness terms ``d (x - bound)`` with the bound that the sign of ``d`` selects (>= 0).

    Rows use it too, with their dual ``y`` for ``d`` and their activity for ``x`` (the term ``y (a x - bound)``).
    A term whose bound is infinite is infinite: no certificate.
    """
    positive = reduced > _ZERO
    negative = reduced < -_ZERO
    out = np.zeros(reduced.size)
    out[positive] = reduced[positive] * (x[positive] - lower[positive])
    out[negative] = reduced[negative] * (x[negative] - upper[negative])
    return np.where(np.isnan(out), np.inf, np.maximum(out, 0.0))
