"""The stress-test programs with candidate sources: time-phased at the weeks candidates come on.

A candidate source counts as a source at full capacity from week ``a = q + r/2``
(:mod:`allyshore.resilience.candidates`). With the distinct weeks ``a`` as period
boundaries ``0 = b_0 < b_1 < ...``, the horizon splits into periods in which every
capacity is constant; this is the time-phased extension of
../shared/domain/resilience.md §8(b) with the candidates' start weeks in place of
recovery times:

* one copy per period p of production ``u``, shipments ``y``, stock-in-transit
  draws ``w`` and (TTR) lost units ``l``, and carried stock ``z`` from one period
  to the next at every node that ships or sells;
* material rows ``r_kj u_jp - sum y_ep - sum w_ep <= 0``; balance rows
  ``sum_out y_jp - u_jp - l_jp + z_jp - z_j,p-1 <= -d_j len_p`` with
  ``z_j,-1 = s_j``; site rows ``sum u_jp <= C len_p``;
* capacities ``u_jp <= c_j len_p`` for nodes on in period p (active nodes, and
  candidates with ``a <= b_p``), 0 for the others; a candidate lane carries at
  most its sender's capacity times ``len_p`` once on, nothing before;
* stock in transit cumulatively: ``sum_{p' <= p} w_ep' <= f_e min(end_p, T_e)``.

Demand lost in one period cannot be made good by output of a later one (late
output still covers early demand *within* a period, as in the one-period model).
With a single period (no candidates, or all on from week 0) both programs are
exactly those of :class:`~allyshore.resilience.linear_programs.ResilienceModel` (the tests
check it).

**TTS** is the first week demand can no longer be met in full. Met in full up to
t implies met in full up to any earlier t' (scale the last period's plan down), so
the weeks met form an interval ``[0, TTS]``. Inside one segment ``[b_k, b_k+1]``
the periods before are fixed and only the last one's length ``L`` varies, and
every row is linear in ``L``: the program ``max L`` subject to no loss in any
period and ``L <= b_k+1 - b_k`` is one LP. The segments are solved in order until
one ends early (TTS = ``b_k + L*``) or the last, unbounded one has an unbounded
optimum (TTS infinite): exact, with at most one LP per candidate start week.

**TTR**: over a horizon t the periods are fixed, one LP (the loss is convex and
piecewise linear in t between boundaries, so the Monte Carlo's interpolation on a
grid that contains them stays an upper bound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore._lp import LinearProgram, Solution
from allyshore.errors import Infeasible, Unbounded
from allyshore.model.graph import KIND_CODES, NodeGraph
from allyshore.resilience.candidates import CandidatePlan
from allyshore.resilience.linear_programs import Loss
from allyshore.resilience.structure import Structure, build_structure
from allyshore.resilience.transit import InTransit, no_transit

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_TOL = 1e-7
_SINK = KIND_CODES.index("sink")


@dataclass(frozen=True, eq=False)
class _Program:
    lp: LinearProgram
    periods: int
    col0: IntArray  # first column of each period
    row0: IntArray  # first row of each period
    extra0: int  # first row after the periods (TTS only)
    length_col: int  # the last period's length (TTS only, else -1)


class PhasedModel:
    """The TTR and TTS programs of a network with candidate sources (see the module docstring).

    Parameters
    ----------
    graph
        The compiled network.
    profit_per_unit
        ``f`` per demand row (``nan`` counts as 0).
    plan
        When each candidate may be used (:func:`allyshore.resilience.candidates.candidate_plan`).
    transit
        Stock in transit per graph edge (:func:`allyshore.resilience.transit.in_transit`); none by default.
    """

    def __init__(
        self, graph: NodeGraph, profit_per_unit: FloatArray, plan: CandidatePlan, transit: InTransit | None = None
    ) -> None:
        self.graph = graph
        self.plan = plan
        n = graph.n_nodes
        s = build_structure(
            graph,
            profit_per_unit,
            np.ones(n, dtype=bool),
            np.ones(graph.n_edges, dtype=bool),
            unsupplied_candidates(graph, profit_per_unit),
        )
        self.s = s
        self.n = n
        self.ne = s.n_edges
        transit = transit if transit is not None else no_transit(graph)
        pipes = np.flatnonzero(transit.weekly[s.edges] > 0)
        self.pipe_edges = pipes
        self.pipe_weekly = transit.weekly[s.edges[pipes]]
        self.pipe_weeks = transit.weeks[s.edges[pipes]]
        self.npipe = pipes.size
        self._pipe_of_edge = np.full(self.ne, -1, dtype=np.int64)
        self._pipe_of_edge[pipes] = np.arange(self.npipe)
        self.node_start = plan.node_start
        self.node_candidate = plan.node_candidate
        self.edge_gated = plan.edge_gated[s.edges]
        self.edge_start = plan.edge_start[s.edges]
        self.edge_capacity = s.capacity[s.edge_supplier]
        self.breakpoints = plan.breakpoints
        self.nd = s.demand_nodes.size
        weights = s.profit[s.demand_nodes].copy()
        scale = float(weights.max()) if self.nd and weights.max() > 0 else 1.0
        self._weights = weights + 1e-6 * scale  # as ResilienceModel: fewest units among profit-optimal plans
        pipe_block = sp.coo_matrix(
            (-np.ones(self.npipe), (s.edge_group[pipes], np.arange(self.npipe))), shape=(s.core.shape[0], self.npipe)
        )
        self._core = sp.coo_matrix(sp.hstack([s.core, pipe_block]))
        self._ng, self._nb, self._ns = s.n_groups, s.n_balance, s.n_sites
        self._nc = s.core.shape[0]
        self._capped = np.flatnonzero(np.isfinite(s.capacity) & (graph.node_kind != _SINK))
        self._gated_capped = np.flatnonzero(self.edge_gated & np.isfinite(self.edge_capacity))
        self._programs: dict[tuple[int, bool], _Program] = {}

    # -- layout --------------------------------------------------------------------------------------
    def _width(self, p: int, periods: int, tts: bool) -> int:
        """Columns of period p: u | y | w | l (TTR) | z (all but the last period)."""
        return self.n + self.ne + self.npipe + (0 if tts else self.nd) + (self._nb if p < periods - 1 else 0)

    def _program(self, periods: int, tts: bool) -> _Program:
        key = (periods, tts)
        if key in self._programs:
            return self._programs[key]
        s = self.s
        n, ne, npipe, nd, nb, ng, nc = self.n, self.ne, self.npipe, self.nd, self._nb, self._ng, self._nc
        per_rows = nc + npipe
        col0 = np.concatenate([[0], np.cumsum([self._width(p, periods, tts) for p in range(periods)])]).astype(np.int64)
        row0 = (np.arange(periods + 1) * per_rows).astype(np.int64)
        w_off, l_off = n + ne, n + ne + npipe
        z_off = l_off + (0 if tts else nd)
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        vals: list[FloatArray] = []

        def add(r: IntArray, c: IntArray, v: FloatArray | float) -> None:
            rows.append(np.asarray(r, dtype=np.int64))
            cols.append(np.asarray(c, dtype=np.int64))
            vals.append(np.broadcast_to(np.asarray(v, dtype=np.float64), np.shape(r)).copy())

        core = self._core
        balance = ng + np.arange(nb)
        for p in range(periods):
            add(row0[p] + core.row, col0[p] + core.col, core.data)
            for q in range(p + 1):  # stock in transit received by the end of period p
                add(row0[p] + nc + np.arange(npipe), col0[q] + w_off + np.arange(npipe), 1.0)
            if not tts:
                add(row0[p] + ng + s.balance_row[s.demand_nodes], col0[p] + l_off + np.arange(nd), -1.0)
            if p < periods - 1:
                add(row0[p] + balance, col0[p] + z_off + np.arange(nb), 1.0)
                add(row0[p + 1] + balance, col0[p] + z_off + np.arange(nb), -1.0)
        n_cols = int(col0[-1])
        n_rows = int(row0[periods])
        extra0 = n_rows
        length_col = -1
        if tts:
            length_col = n_cols
            n_cols += 1
            last = periods - 1
            capped, gated = self._capped, self._gated_capped
            r = extra0 + np.arange(capped.size)
            add(r, col0[last] + capped, 1.0)
            add(r, np.full(capped.size, length_col), -s.capacity[capped])
            r = extra0 + capped.size + np.arange(gated.size)
            add(r, col0[last] + n + gated, 1.0)
            add(r, np.full(gated.size, length_col), -self.edge_capacity[gated])
            r = extra0 + capped.size + gated.size + np.arange(npipe)
            for q in range(periods):
                add(r, col0[q] + w_off + np.arange(npipe), 1.0)
            add(r, np.full(npipe, length_col), -self.pipe_weekly)
            add(row0[last] + balance, np.full(nb, length_col), s.demand[s.balance_nodes])
            add(row0[last] + ng + nb + np.arange(self._ns), np.full(self._ns, length_col), -s.site_capacity)
            n_rows = extra0 + capped.size + gated.size + npipe
        matrix = sp.csc_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_cols)
        )
        cost = np.zeros(n_cols)
        if tts:
            cost[length_col] = -1.0  # max L
        else:
            for p in range(periods):
                cost[col0[p] + l_off : col0[p] + l_off + nd] = self._weights
        program = _Program(
            lp=LinearProgram(cost, matrix, row_upper=np.zeros(n_rows), col_upper=np.zeros(n_cols)),
            periods=periods,
            col0=col0,
            row0=row0,
            extra0=extra0,
            length_col=length_col,
        )
        self._programs[key] = program
        return program

    # -- bounds of one scenario ----------------------------------------------------------------------
    def _set_bounds(
        self,
        program: _Program,
        starts: FloatArray,
        lengths: FloatArray,
        down: IntArray,
        cut: IntArray,
        stock: FloatArray,
        tts: bool,
        length_upper: float = 0.0,
    ) -> None:
        s = self.s
        n, ne, npipe, nd, nb, ng, nc = self.n, self.ne, self.npipe, self.nd, self._nb, self._ng, self._nc
        periods = program.periods
        col_upper = np.full(program.lp.n_cols, np.inf)
        row_upper = np.zeros(program.lp.n_rows)
        cut_pipes = self._pipe_of_edge[cut]
        cut_pipes = cut_pipes[cut_pipes >= 0]
        for p in range(periods):
            c0, r0 = program.col0[p], program.row0[p]
            variable = tts and p == periods - 1  # the last TTS period: capacities are rows in L
            length = 0.0 if variable else float(lengths[p])
            node_on = s.usable & (self.node_start <= starts[p] + 1e-12)
            node_on[down] = False
            if variable:
                u_upper = np.where(node_on, np.inf, 0.0)
            else:
                u_upper = np.where(node_on, np.where(np.isinf(s.capacity), np.inf, s.capacity * length), 0.0)
            edge_on = ~self.edge_gated | (self.edge_start <= starts[p] + 1e-12)
            edge_on[cut] = False
            if variable:
                y_upper = np.where(edge_on, np.inf, 0.0)
            else:
                cap = np.where(self.edge_gated, self.edge_capacity * length, np.inf)
                y_upper = np.where(edge_on, np.where(np.isnan(cap), np.inf, cap), 0.0)
            w_upper = np.full(npipe, np.inf)
            w_upper[cut_pipes] = 0.0
            col_upper[c0 : c0 + n] = u_upper
            col_upper[c0 + n : c0 + n + ne] = y_upper
            col_upper[c0 + n + ne : c0 + n + ne + npipe] = w_upper
            if not tts:
                col_upper[c0 + n + ne + npipe : c0 + n + ne + npipe + nd] = s.demand[s.demand_nodes] * length
            row_upper[r0 + ng : r0 + ng + nb] = -s.demand[s.balance_nodes] * length + (stock if p == 0 else 0.0)
            row_upper[r0 + ng + nb : r0 + nc] = s.site_capacity * length
            end = starts[p] + (0.0 if variable else length)
            row_upper[r0 + nc : r0 + nc + npipe] = self.pipe_weekly * np.minimum(end, self.pipe_weeks)
            if variable:
                row_upper[r0 + nc : r0 + nc + npipe] = self.pipe_weekly * self.pipe_weeks
        if tts:
            col_upper[program.length_col] = length_upper
            extra = program.extra0 + self._capped.size + self._gated_capped.size
            row_upper[extra : extra + npipe] = self.pipe_weekly * starts[periods - 1]
        lp = program.lp
        lp.set_col_bounds(np.arange(lp.n_cols), 0.0, col_upper)
        lp.set_row_bounds(np.arange(lp.n_rows), -np.inf, row_upper)

    def _scenario(
        self,
        down_nodes: IntArray,
        cut_edges: IntArray | None,
        inventory_destroyed: bool,
        stock_kept: IntArray | None,
    ) -> tuple[IntArray, IntArray, FloatArray]:
        down = np.unique(np.asarray(down_nodes, dtype=np.int64))
        cut = np.zeros(0, dtype=np.int64)
        if cut_edges is not None and len(cut_edges):
            cut = np.flatnonzero(np.isin(self.s.edges, np.asarray(cut_edges, dtype=np.int64)))
        stock = self.s.inventory[self.s.balance_nodes].copy()
        if inventory_destroyed and down.size:
            lost = down if stock_kept is None or len(stock_kept) == 0 else np.setdiff1d(down, stock_kept)
            stock[np.isin(self.s.balance_nodes, lost)] = 0.0
        return down, cut, stock

    # -- the two programs ----------------------------------------------------------------------------
    def lose(
        self,
        down_nodes: IntArray,
        weeks: float,
        cut_edges: IntArray | None = None,
        *,
        inventory_destroyed: bool = False,
        stock_kept: IntArray | None = None,
    ) -> Loss:
        """Minimum lost units and profit over ``weeks`` with candidates coming on (the phased TTR model)."""
        t = float(weeks)
        if not math.isfinite(t) or t < 0:
            raise ValueError("the recovery time must be a finite number of weeks >= 0")
        down, cut, stock = self._scenario(down_nodes, cut_edges, inventory_destroyed, stock_kept)
        starts = np.concatenate([[0.0], self.breakpoints[self.breakpoints < t]])
        lengths = np.diff(np.concatenate([starts, [t]]))
        program = self._program(starts.size, tts=False)
        self._set_bounds(program, starts, lengths, down, cut, stock, tts=False)
        solution = program.lp.solve()
        lost = np.zeros(self.nd)
        l_off = self.n + self.ne + self.npipe
        for p in range(program.periods):
            c0 = program.col0[p] + l_off
            lost += np.maximum(solution.x[c0 : c0 + self.nd], 0.0)
        lost[lost < _TOL * max(1.0, float(self.s.demand.max(initial=0.0)) * t)] = 0.0
        profit = float(lost @ self.s.profit[self.s.demand_nodes])
        return Loss(weeks=t, lost_units=float(lost.sum()), lost_profit=profit, lost_by_node=lost)

    def survive(
        self,
        down_nodes: IntArray,
        cut_edges: IntArray | None = None,
        *,
        inventory_destroyed: bool = False,
        stock_kept: IntArray | None = None,
    ) -> float:
        """The first week demand can no longer be met in full, candidates coming on (``math.inf``: never)."""
        down, cut, stock = self._scenario(down_nodes, cut_edges, inventory_destroyed, stock_kept)
        bounds = np.concatenate([[0.0], self.breakpoints, [np.inf]])
        for k in range(bounds.size - 1):
            starts = bounds[: k + 1]
            lengths = np.diff(starts)
            room = float(bounds[k + 1] - bounds[k])
            program = self._program(k + 1, tts=True)
            self._set_bounds(program, starts, lengths, down, cut, stock, tts=True, length_upper=room)
            solution: Solution
            try:
                solution = program.lp.solve()
            except Unbounded:
                return math.inf
            except Infeasible:
                return float(bounds[k])  # cannot happen in exact arithmetic: week b_k was met in full
            found = max(float(solution.x[program.length_col]), 0.0)
            if math.isinf(room) or found < room - 1e-9 * max(1.0, room):
                return float(bounds[k]) + found
        return math.inf


def _candidate_structure(graph: NodeGraph, profit_per_unit: FloatArray) -> tuple[Structure, BoolArray]:
    n = graph.n_nodes
    s = build_structure(graph, profit_per_unit, np.ones(n, dtype=bool), np.ones(graph.n_edges, dtype=bool))
    candidate = ~graph.node_active & (graph.node_supply_row >= 0)
    return s, candidate


def unsupplied_candidates(graph: NodeGraph, profit_per_unit: FloatArray) -> BoolArray:
    """Candidate make nodes none of whose materials reaches them in the network.

    A candidate source listed without its own inputs buys them outside the network: it is taken as a source
    limited by its capacity alone (an active node in that case makes nothing and is warned about).
    """
    s, candidate = _candidate_structure(graph, profit_per_unit)
    groups = np.bincount(s.req_node, minlength=graph.n_nodes)
    orphans = np.bincount(s.req_node[s.orphan_groups], minlength=graph.n_nodes)
    return np.asarray(candidate & (groups > 0) & (orphans == groups))


def candidate_gaps(graph: NodeGraph, profit_per_unit: FloatArray) -> list[str]:
    """Candidate nodes that receive some of their materials but need one nothing supplies (they make nothing)."""
    s, candidate = _candidate_structure(graph, profit_per_unit)
    unsupplied = unsupplied_candidates(graph, profit_per_unit)
    return sorted(
        {
            f"{graph.node_label(int(s.req_node[g]))} needs {graph.item_ids[s.req_item[g]]}"
            for g in s.orphan_groups
            if candidate[s.req_node[g]] and not unsupplied[s.req_node[g]]
        }
    )
