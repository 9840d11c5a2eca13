"""The TTR and TTS linear programs of Simchi-Levi et al., built once per network as sparse matrices.

Notation of ../shared/domain/resilience.md §3 (a node is one (site, item) pair of
:func:`allyshore.model.graph.compile_network`): ``u_j`` production of node j over
the horizon, ``y_e`` shipment on active edge e (supplier -> consumer), ``l_j``
lost units at a node facing demand, ``t`` the horizon.

Rows shared by both models:

* (1) material, one per consumer j and input item k:  ``r_kj u_j - sum_{e into (j,k)} y_e <= 0``;
  parents of one material are perfect substitutes (shares are not constraints);
* (2)+(4) balance, one per node that ships or faces demand:
  ``sum_{e out of j} y_e - u_j - l_j <= s_j - d_j t``. For a pure seller it is
  row (4) of the brief, for a pure shipper row (2); a node that both sells and
  ships must cover both from one stock and one output;
* shared site capacity (brief §4 extension): ``sum_{j at site} u_j <= C_site t``;
* (5) node capacity ``u_j <= c_j t``: a column bound;
* stock in transit (:mod:`allyshore.resilience.transit`, given as ``transit``): a column ``w_e`` per edge
  whose lane holds goods, in the material row of its consumer beside ``y_e``, with
  ``w_e <= f_e min(t, T_e)`` (what has arrived by week t); it does not touch the sender's balance row, so
  it reaches the receiver whatever happens to the sender. A cut crossing holds it (``w_e = 0``).

The TTS model (§5, max t) is solved in an equivalent *rate* form: dividing every
row by t > 0 and writing ``tau = 1/t`` for rates ``u/t``, ``y/t`` gives
``min tau`` subject to the material rows on rates, ``sum y - u - s_j tau <= -d_j``,
rates within capacities and site capacities, and stock in transit as rates
``omega_e <= f_e`` and ``omega_e <= f_e T_e tau`` (``w_e <= f_e min(t, T_e)`` divided
by t). TTS = 1/tau*: unbounded exactly when tau* = 0 (production alone sustains
demand), 0 when the program is
infeasible (some demand can get no supply at any rate). In this form a
disruption only moves the rates near it, so warm re-solves take few pivots.

A scenario only changes bounds: (3) ``u_j = 0`` for disrupted nodes, ``y_e = 0``
for edges through a cut crossing, and the horizon ``t`` (TTR). Both programs are
kept alive in :class:`allyshore._lp.LinearProgram` and re-solved warm from the
basis of the undisrupted network.

On larger networks (``restrict``, by default from :data:`RESTRICT_FROM_NODES`
nodes) a scenario is first solved on the nodes downstream of the disruption, the
rest of the network held at the undisrupted optimum: a slice of the same sparse
matrices in a short-lived HiGHS instance of its own, accepted only with a duality
certificate for the whole program, grown where the certificate fails, and solved
on the full program as a last resort (:mod:`allyshore.resilience.restrict`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore._lp import LinearProgram, Solution
from allyshore.errors import Infeasible
from allyshore.model.graph import NodeGraph
from allyshore.resilience.restrict import Restriction, downstream
from allyshore.resilience.structure import build_structure
from allyshore.resilience.transit import InTransit, no_transit
from allyshore.results import Result

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_TOL = 1e-7
#: Smallest objective scale of a restricted solve's certificate (allyshore.resilience.restrict).
_FLOOR = 1e-12
#: HiGHS options for the many small re-solves: no initial-condition check of each warm start, and Devex
#: pricing (exact steepest-edge weights would be recomputed after every change of basis).
_OPTIONS = {"simplex_initial_condition_check": False, "simplex_dual_edge_weight_strategy": 1}

#: Networks from this many nodes solve scenarios restricted by default (``restrict=None``): below it a warm
#: re-solve of the whole program costs no more than setting up a restricted one (measured on generated networks:
#: about even at 1,000 nodes, the restricted solves 2x faster at 3,000 and 6x at 10,000).
RESTRICT_FROM_NODES = 2_000


def _over(capacity: FloatArray, weeks: float) -> FloatArray:
    """Capacity per week times ``weeks``; an unlimited capacity stays unlimited (also over 0 weeks)."""
    finite = np.isfinite(capacity)
    out: FloatArray = np.where(finite, np.where(finite, capacity, 0.0) * weeks, np.inf)
    return out


@dataclass(frozen=True)
class Loss:
    """Optimal value of the TTR model for one scenario and horizon."""

    weeks: float
    lost_units: float
    lost_profit: float
    lost_by_node: FloatArray  # lost units per demand node (aligned with ResilienceModel.demand_nodes)


@dataclass(frozen=True)
class Binding(Result):
    """What limits survival: ``kind`` is inventory | capacity | single_source."""

    kind: str
    node: str  # "site/item" label, or the site id for a shared site capacity
    site: str
    detail: str


@dataclass(frozen=True)
class Survival:
    """Optimal value of the TTS model for one scenario (``math.inf`` when it survives indefinitely)."""

    tts_weeks: float
    binding: tuple[Binding, ...]


class ResilienceModel:
    """Both stress-test programs of one network, built once and re-solved per scenario.

    Parameters
    ----------
    graph
        The compiled network (:func:`allyshore.model.graph.compile_network`).
    profit_per_unit
        Profit lost per unit of unmet demand, one per demand row of the network
        (``f_j``); ``nan`` entries count as 0 in lost profit.
    restrict
        Solve each scenario first on the part of the network it can affect, certified optimal for the whole
        program by duality (:mod:`allyshore.resilience.restrict`), and on the whole program only when the
        certificate fails. ``None`` (default): from :data:`RESTRICT_FROM_NODES` nodes. The answers are the
        same either way (up to the solver's tolerances); :attr:`solves` counts which path each solve took.

    Examples
    --------
    >>> import allyshore
    >>> from allyshore.model.graph import compile_network
    >>> net = allyshore.Network.from_dict({
    ...     "sites": [{"site_id": "A", "country": "US", "kind": "supplier"}],
    ...     "items": [{"item_id": "X", "profit_per_unit": 2.0}],
    ...     "supply": [{"site_id": "A", "item_id": "X", "inventory": 30}],
    ...     "demand": [{"site_id": "A", "item_id": "X", "units_per_week": 10}]})
    >>> model = ResilienceModel(compile_network(net), np.array([2.0]))
    >>> model.survive(np.array([0])).tts_weeks       # 30 units cover 3 weeks of 10
    3.0
    >>> model.lose(np.array([0]), weeks=5.0).lost_profit   # 20 units short, 2 USD each
    40.0
    """

    def __init__(
        self,
        graph: NodeGraph,
        profit_per_unit: FloatArray,
        *,
        restrict: bool | None = None,
        transit: InTransit | None = None,
    ) -> None:
        self.graph = graph
        n = graph.n_nodes
        self.n_nodes = n
        active = graph.node_active.copy()
        self.node_active = active
        # Active edges only: flows say which links exist.
        s = build_structure(graph, profit_per_unit, active, graph.edge_active)
        self.structure = s
        self.inventory = s.inventory
        self.capacity = s.capacity
        self.demand = s.demand
        self.demand_nodes = s.demand_nodes
        self.profit = s.profit  # f_j by node
        nd = self.demand_nodes.size
        self.edges = s.edges  # graph edge number of each y column
        self.edge_supplier = e_sup = s.edge_supplier
        self.edge_consumer = e_cons = s.edge_consumer
        self.edge_group = s.edge_group
        self.req_node = s.req_node
        self.req_item = s.req_item
        ne = self.n_edges = s.n_edges
        ng = s.n_groups
        # Materials with no live parent at all force u_j = 0 (usually a data gap).
        self.orphan_groups = s.orphan_groups
        self.balance_nodes = s.balance_nodes
        balance_row = s.balance_row
        nb = s.n_balance
        self.cap_sites = s.cap_sites
        self.site_capacity = s.site_capacity
        ns = s.n_sites

        # Stock in transit (allyshore.resilience.transit): one column w per edge whose lane holds goods, in the
        # material row of its consumer, at most f_e min(t, T_e) over a horizon t.
        transit = transit if transit is not None else no_transit(graph)
        self.transit = transit
        pipes = np.flatnonzero(transit.weekly[s.edges] > 0)
        self.pipe_edges = pipes  # position among the y columns
        self.pipe_weekly = transit.weekly[s.edges[pipes]]
        self.pipe_weeks = transit.weeks[s.edges[pipes]]
        npipe = pipes.size
        self._pipe_of_edge = np.full(ne, -1, dtype=np.int64)
        self._pipe_of_edge[pipes] = np.arange(npipe)

        # Column layout: u (n) | y (ne) | w (npipe) | l (nd) for TTR; u | y | w | t for TTS.
        self.w0 = n + ne
        self.l0 = n + ne + npipe
        self.t_col = n + ne + npipe
        pipe_block = sp.coo_matrix(
            (-np.ones(npipe), (s.edge_group[pipes], np.arange(npipe))), shape=(s.core.shape[0], npipe)
        )
        core = sp.csc_matrix(sp.hstack([s.core, pipe_block]))
        self.material_rows = np.arange(ng)
        self.balance_rows = ng + np.arange(nb)
        self.site_rows = ng + nb + np.arange(ns)
        self._balance_demand = self.demand[self.balance_nodes]

        # TTR: add l columns (-1 in the balance row of their node).
        dn = self.demand_nodes
        l_block = sp.coo_matrix(
            (-np.ones(nd), (ng + balance_row[dn], np.arange(nd))), shape=(core.shape[0], nd)
        ).tocsc()
        weights = self.profit[dn].copy()
        # Tie-break: among profit-optimal plans, lose the fewest units (and count units where profit is unknown).
        scale = float(weights.max()) if nd and weights.max() > 0 else 1.0
        weights = weights + 1e-6 * scale
        ttr_cost = np.concatenate([np.zeros(n + ne + npipe), weights])
        ttr_matrix = sp.csc_matrix(sp.hstack([core, l_block]))
        self.ttr = LinearProgram(
            ttr_cost,
            ttr_matrix,
            row_lower=np.full(core.shape[0], -np.inf),
            row_upper=np.zeros(core.shape[0]),
            col_upper=np.zeros(n + ne + npipe + nd),
            options=_OPTIONS,
        )

        # TTS in rate form: tau column (-s_j in balance rows), rows <= -d_j (balance), <= C (sites); stock in
        # transit as rates omega_e <= f_e (column bound) and omega_e - f_e T_e tau <= 0 (one row each).
        has_stock = np.flatnonzero(self.inventory[self.balance_nodes] > 0)
        n_core = core.shape[0]
        self.pipe_rows = n_core + np.arange(npipe)
        tau_block = sp.coo_matrix(
            (
                np.concatenate([-self.inventory[self.balance_nodes][has_stock], -self.pipe_weekly * self.pipe_weeks]),
                (
                    np.concatenate([self.balance_rows[has_stock], self.pipe_rows]),
                    np.zeros(has_stock.size + npipe, dtype=np.int64),
                ),
            ),
            shape=(n_core + npipe, 1),
        )
        pipe_rows = sp.coo_matrix(
            (np.ones(npipe), (np.arange(npipe), self.w0 + np.arange(npipe))), shape=(npipe, n + ne + npipe)
        )
        rate_upper = np.zeros(n_core + npipe)
        rate_upper[self.balance_rows] = -self._balance_demand
        rate_upper[self.site_rows] = self.site_capacity
        self._rate_upper = rate_upper
        tts_cost = np.concatenate([np.zeros(n + ne + npipe), [1.0]])
        tts_matrix = sp.csc_matrix(sp.hstack([sp.vstack([core, pipe_rows]), tau_block]))
        self._tts_bounds = (
            np.zeros(n + ne + npipe + 1),
            np.concatenate([np.where(active, self.capacity, 0.0), np.full(ne, np.inf), self.pipe_weekly, [np.inf]]),
            np.full(n_core + npipe, -np.inf),
            rate_upper,
        )
        self.tts = LinearProgram(
            tts_cost,
            tts_matrix,
            row_lower=self._tts_bounds[2],
            row_upper=self._tts_bounds[3],
            col_upper=self._tts_bounds[1],
            options=_OPTIONS,
        )

        # Scenario solves restricted to the nodes a disruption can affect (allyshore.resilience.restrict):
        # slices of the same matrices, each column owned by a node (u_j, shipments and stock in transit into j,
        # l_j) or global (tau).
        self.restrict = n >= RESTRICT_FROM_NODES if restrict is None else restrict
        self._downstream = sp.csr_matrix((np.ones(ne), (e_sup, e_cons)), shape=(n, n))
        owner = np.concatenate([np.arange(n), e_cons, e_cons[pipes]])
        self._tts_restriction = Restriction(tts_matrix, tts_cost, np.concatenate([owner, [-1]]))
        self._ttr_restriction = Restriction(ttr_matrix, ttr_cost, np.concatenate([owner, dn]))
        #: How many scenario programs were solved restricted (certified) and on the full model.
        self.solves = {"restricted": 0, "full": 0}
        # Both programs sit at their baseline (nothing disrupted; TTR at horizon ``_ttr_weeks``) between
        # scenarios; a scenario changes only its own bounds, starts from the baseline basis and is undone.
        self._ttr_weeks: float | None = None
        self._ttr_steady = False
        self._ttr_stock = self.inventory[self.balance_nodes]
        self._ttr_pipe_upper = np.zeros(npipe)
        self._ttr_basis: Any = None
        self._ttr_baseline = 0.0
        self._ttr_loss: Loss | None = None
        self._ttr_x = np.zeros(0)
        self._ttr_base: tuple[Solution, FloatArray, FloatArray, FloatArray] | None = None
        self._tts_basis: Any = None
        self._tts_solution: Solution | None = None
        self._tts_feasible = True

    # -- scenario bounds ----------------------------------------------------------------------------
    def _down_nodes(self, down_nodes: IntArray) -> IntArray:
        nodes = np.unique(np.asarray(down_nodes, dtype=np.int64))
        return nodes[self.node_active[nodes]]

    def _cut_columns(self, cut_edges: IntArray | None) -> IntArray:
        """y columns (offset into the program) of the graph edges to cut."""
        if cut_edges is None or len(cut_edges) == 0:
            return np.zeros(0, dtype=np.int64)
        return self.n_nodes + np.flatnonzero(np.isin(self.edges, np.asarray(cut_edges, dtype=np.int64)))

    def _cut_pipes(self, cut: IntArray) -> IntArray:
        """w columns of the stock in transit on the cut edges (held at the crossing for the scenario)."""
        if cut.size == 0:
            return np.zeros(0, dtype=np.int64)
        pipe = self._pipe_of_edge[cut - self.n_nodes]
        return self.w0 + pipe[pipe >= 0]

    def _destroyed_rows(
        self, nodes: IntArray, inventory_destroyed: bool, stock_kept: IntArray | None = None
    ) -> tuple[IntArray, IntArray]:
        """(index into balance rows, node) for disrupted nodes whose stock is lost (all but ``stock_kept``)."""
        if not inventory_destroyed or nodes.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        lost = nodes if stock_kept is None or len(stock_kept) == 0 else np.setdiff1d(nodes, stock_kept)
        where = np.flatnonzero(np.isin(self.balance_nodes, lost))
        return where, self.balance_nodes[where]

    def _pipe_upper(self, t: float, steady: bool) -> FloatArray:
        """Stock in transit received by week ``t``: ``f_e min(t, T_e)`` (none in the steady state)."""
        if steady:
            return np.zeros(self.pipe_edges.size)
        return self.pipe_weekly * np.minimum(t, self.pipe_weeks)

    def _set_horizon(self, t: float, steady: bool = False) -> None:
        """Put the TTR program at its baseline for horizon ``t`` and solve it once (its basis seeds scenarios).

        ``steady``: without any stock on hand or in transit (the long-run rates, per ``t`` weeks).
        """
        cap_t = _over(self.capacity, t)
        u_upper = np.where(self.node_active, cap_t, 0.0)
        pipe_upper = self._pipe_upper(t, steady)
        upper = np.concatenate([u_upper, np.full(self.n_edges, np.inf), pipe_upper, self.demand[self.demand_nodes] * t])
        self.ttr.set_col_bounds(np.arange(upper.size), 0.0, upper)
        stock = np.zeros(self.balance_nodes.size) if steady else self.inventory[self.balance_nodes]
        rows = np.concatenate([self.balance_rows, self.site_rows])
        rhs = np.concatenate([stock - self._balance_demand * t, self.site_capacity * t])
        self.ttr.set_row_bounds(rows, -np.inf, rhs)
        self._ttr_weeks = t
        self._ttr_steady = steady
        self._ttr_stock = stock
        self._ttr_pipe_upper = pipe_upper
        solution = self.ttr.solve()
        self._ttr_loss = self._loss_from(solution, t)
        self._ttr_baseline = self._ttr_loss.lost_profit
        self._ttr_x = solution.x
        self._ttr_basis = self.ttr.basis()
        row_upper = np.zeros(self.ttr.n_rows)
        row_upper[rows] = rhs
        restriction = self._ttr_restriction
        reduced = restriction.cost - restriction.csr.T @ solution.row_dual
        self._ttr_base = (solution, reduced, upper, row_upper)

    def _loss_from(self, solution: Solution, t: float) -> Loss:
        lost = np.maximum(solution.x[self.l0 :], 0.0)
        lost[lost < _TOL * max(1.0, float(self.demand.max(initial=0.0)) * t)] = 0.0
        profit = float(lost @ self.profit[self.demand_nodes])
        return Loss(weeks=t, lost_units=float(lost.sum()), lost_profit=profit, lost_by_node=lost)

    def baseline_loss(self, weeks: float) -> float:
        """Lost profit of the undisrupted network over ``weeks`` (non-zero when it cannot meet demand)."""
        if self._ttr_weeks != float(weeks) or self._ttr_steady:
            self._set_horizon(float(weeks))
        return self._ttr_baseline

    def lose(
        self,
        down_nodes: IntArray,
        weeks: float,
        cut_edges: IntArray | None = None,
        *,
        inventory_destroyed: bool = False,
        stock_kept: IntArray | None = None,
        direct: bool = False,
        steady: bool = False,
    ) -> Loss:
        """Minimum lost units and profit while ``down_nodes`` produce nothing for ``weeks`` (the TTR model).

        By default the scenario starts from the undisrupted network's basis at this horizon (best when
        many scenarios share a horizon); ``direct=True`` sets this scenario's bounds and re-solves from
        the last basis (best when the horizon changes at every call, as for sampled durations).
        ``inventory_destroyed``: the disrupted nodes lose their stock, except those in ``stock_kept``.
        ``steady``: the loss once every stock (on hand and in transit) has run out, over ``weeks`` weeks
        (linear in ``weeks``: lost units per week with ``weeks=1``).
        """
        t = float(weeks)
        if not math.isfinite(t) or t < 0:
            raise ValueError("the recovery time must be a finite number of weeks >= 0")
        destroyed = inventory_destroyed and not steady
        if direct:
            return self._lose_direct(down_nodes, t, cut_edges, destroyed, stock_kept, steady)
        if self._ttr_weeks != t or self._ttr_steady != steady:
            self._set_horizon(t, steady)
        nodes = self._down_nodes(down_nodes)
        cut = self._cut_columns(cut_edges)
        pipes = self._cut_pipes(cut)
        rows, row_nodes = self._destroyed_rows(nodes, destroyed, stock_kept)
        if self._ttr_loss is not None and self._unused(self._ttr_x, nodes, np.concatenate([cut, pipes]), row_nodes):
            return self._ttr_loss  # the baseline optimum stays feasible, hence optimal
        if self.restrict and self._ttr_base is not None:
            base, reduced, col_upper, row_upper = self._ttr_base
            col_upper = col_upper.copy()
            col_upper[nodes] = 0.0
            col_upper[cut] = 0.0
            col_upper[pipes] = 0.0
            row_upper = row_upper.copy()
            row_upper[self.balance_rows[rows]] = -self.demand[row_nodes] * t
            restricted = self._ttr_restriction.solve(
                self._region(nodes, cut),
                (np.zeros(col_upper.size), col_upper, np.full(row_upper.size, -np.inf), row_upper),
                base,
                reduced,
                floor=_FLOOR,
            )
            if restricted is not None:
                self.solves["restricted"] += 1
                return self._loss_from(restricted.solution, t)
        self.solves["full"] += 1
        lp = self.ttr
        lp.set_col_bounds(nodes, 0.0, 0.0)
        lp.set_col_bounds(cut, 0.0, 0.0)
        lp.set_col_bounds(pipes, 0.0, 0.0)
        lp.set_row_bounds(self.balance_rows[rows], -np.inf, -self.demand[row_nodes] * t)
        try:
            lp.set_basis(self._ttr_basis)
            solution = lp.solve()
        finally:
            cap = self.capacity[nodes]
            lp.set_col_bounds(nodes, 0.0, _over(cap, t))
            lp.set_col_bounds(cut, 0.0, np.inf)
            lp.set_col_bounds(pipes, 0.0, self._ttr_pipe_upper[pipes - self.w0])
            lp.set_row_bounds(self.balance_rows[rows], -np.inf, self._ttr_stock[rows] - self.demand[row_nodes] * t)
        return self._loss_from(solution, t)

    def _lose_direct(
        self,
        down_nodes: IntArray,
        t: float,
        cut_edges: IntArray | None,
        destroyed: bool,
        stock_kept: IntArray | None,
        steady: bool,
    ) -> Loss:
        nodes = self._down_nodes(down_nodes)
        cut = self._cut_columns(cut_edges)
        pipes = self._cut_pipes(cut)
        rows, _ = self._destroyed_rows(nodes, destroyed, stock_kept)
        cap_t = _over(self.capacity, t)
        u_upper = np.where(self.node_active, cap_t, 0.0)
        u_upper[nodes] = 0.0
        y_upper = np.full(self.n_edges, np.inf)
        y_upper[cut - self.n_nodes] = 0.0
        w_upper = self._pipe_upper(t, steady)
        w_upper[pipes - self.w0] = 0.0
        upper = np.concatenate([u_upper, y_upper, w_upper, self.demand[self.demand_nodes] * t])
        self.ttr.set_col_bounds(np.arange(upper.size), 0.0, upper)
        stock = np.zeros(self.balance_nodes.size) if steady else self.inventory[self.balance_nodes].copy()
        stock[rows] = 0.0
        rhs = np.concatenate([stock - self._balance_demand * t, self.site_capacity * t])
        self.ttr.set_row_bounds(np.concatenate([self.balance_rows, self.site_rows]), -np.inf, rhs)
        # The program no longer sits at a baseline: the next lose() or baseline_loss() sets it again (which
        # rewrites _ttr_loss and _ttr_base before reading them).
        self._ttr_weeks = None
        return self._loss_from(self.ttr.solve(), t)

    def survive(
        self,
        down_nodes: IntArray,
        cut_edges: IntArray | None = None,
        *,
        inventory_destroyed: bool = False,
        stock_kept: IntArray | None = None,
        explain: bool = True,
    ) -> Survival:
        """Longest time demand is met in full while ``down_nodes`` produce nothing (the TTS model).

        Returns ``math.inf`` when the network sustains demand from production alone.
        """
        lp = self.tts
        if self._tts_solution is None and self._tts_feasible:
            try:
                self._tts_solution = lp.solve()
                self._tts_basis = lp.basis()
            except Infeasible:
                self._tts_feasible = False
        nodes = self._down_nodes(down_nodes)
        cut = self._cut_columns(cut_edges)
        pipes = self._cut_pipes(cut)
        rows, row_nodes = self._destroyed_rows(nodes, inventory_destroyed, stock_kept)
        base = self._tts_solution
        if base is None:
            # Even undisrupted, some demand gets no supply at any rate: TTS 0 in every scenario.
            return Survival(0.0, self._binding(None, nodes, cut) if explain else ())
        if self._unused(base.x, nodes, np.concatenate([cut, pipes]), row_nodes):
            # The baseline optimum does not use what the scenario removes: it stays optimal.
            return Survival(self._weeks(base), self._binding(base, nodes, cut) if explain else ())
        if self.restrict and float(base.x[self.t_col]) <= 1e-12:
            # Undisrupted, production alone sustains demand (tau* = 0): y0 = 0 is an optimal dual, and rows
            # left out of a restricted program (untouched stock rows) hold for every tau >= 0.
            col_lower, col_upper, row_lower, row_upper = self._tts_bounds
            col_upper = col_upper.copy()
            col_upper[nodes] = 0.0
            col_upper[cut] = 0.0
            col_upper[pipes] = 0.0
            stocked = rows[self.inventory[row_nodes] > 0]
            zero_rows = self.balance_rows[stocked]
            undisrupted = Solution(
                objective=0.0,
                x=base.x,
                row_activity=base.row_activity,
                row_dual=np.zeros(lp.n_rows),
                col_dual=self._tts_restriction.cost,
                iterations=0,
            )
            restricted = self._tts_restriction.solve(
                self._region(nodes, cut),
                (col_lower, col_upper, row_lower, row_upper),
                undisrupted,
                self._tts_restriction.cost,
                zero_entries=(zero_rows, self.t_col) if zero_rows.size else None,
                floor=_FLOOR,
            )
            if restricted is not None:
                self.solves["restricted"] += 1
                found = restricted.solution
                return Survival(self._weeks(found), self._binding(found, nodes, cut) if explain else ())
        self.solves["full"] += 1
        lp.set_col_bounds(nodes, 0.0, 0.0)
        lp.set_col_bounds(cut, 0.0, 0.0)
        lp.set_col_bounds(pipes, 0.0, 0.0)
        destroyed = self.balance_rows[rows][self.inventory[row_nodes] > 0]
        for row in destroyed:
            lp.set_coefficient(int(row), self.t_col, 0.0)
        solution: Solution | None
        try:
            lp.set_basis(self._tts_basis)
            solution = lp.solve()
        except Infeasible:
            solution = None
        finally:
            lp.set_col_bounds(nodes, 0.0, np.where(self.node_active[nodes], self.capacity[nodes], 0.0))
            lp.set_col_bounds(cut, 0.0, np.inf)
            lp.set_col_bounds(pipes, 0.0, self.pipe_weekly[pipes - self.w0])
            for row in destroyed:
                node = int(self.balance_nodes[int(row) - int(self.balance_rows[0])])
                lp.set_coefficient(int(row), self.t_col, -float(self.inventory[node]))
        if solution is None:
            return Survival(0.0, self._binding(None, nodes, cut) if explain else ())
        return Survival(self._weeks(solution), self._binding(solution, nodes, cut) if explain else ())

    def _region(self, nodes: IntArray, cut: IntArray) -> BoolArray:
        """Where a scenario starts to be solved: the disrupted nodes, the consumers of cut edges, and downstream."""
        seeds = np.concatenate([nodes, self.edge_consumer[cut - self.n_nodes]])
        return downstream(self._downstream, seeds)

    def _weeks(self, solution: Solution) -> float:
        """TTS in weeks from the rate form's optimum tau* (1/tau*, infinite at 0)."""
        tau = float(solution.x[self.t_col])
        return math.inf if tau <= 1e-12 else 1.0 / tau

    def _unused(self, x: FloatArray, nodes: IntArray, cut: IntArray, row_nodes: IntArray) -> bool:
        """True when a solution produces nothing at ``nodes``, ships nothing on ``cut`` and loses no stock."""
        if row_nodes.size and (self.inventory[row_nodes] > 0).any():
            return False
        return bool((x[nodes] <= _TOL).all() and (x[cut] <= _TOL).all())

    def _binding(self, solution: Solution | None, nodes: IntArray, cut_columns: IntArray) -> tuple[Binding, ...]:
        """Read what binds at the TTS optimum from the duals (brief §7); without one, the dead materials."""
        graph = self.graph
        if solution is None:
            hot = np.ones(self.tts.n_rows, dtype=bool)  # only the dead materials are read below
        else:
            dual = np.abs(solution.row_dual)
            col_dual = np.abs(solution.col_dual)
            scale = max(float(dual.max(initial=0.0)), float(col_dual.max(initial=0.0)), 1e-12)
            hot = dual > 1e-9 * scale
            col_hot = col_dual > 1e-9 * scale
        out: list[Binding] = []
        down = ~self.node_active.copy()
        down[nodes] = True
        cut = np.zeros(self.n_edges, dtype=bool)
        cut[cut_columns - self.n_nodes] = True
        edge_dead = down[self.edge_supplier] | cut
        groups_dead = np.ones(self.req_node.size, dtype=bool)
        np.logical_and.at(groups_dead, self.edge_group, edge_dead)
        has_edge = np.zeros(self.req_node.size, dtype=bool)
        has_edge[self.edge_group] = True
        dead = np.flatnonzero(groups_dead & has_edge & hot[self.material_rows])
        # Nearest the customer first (deepest chain below): a finished good with no live source says the most.
        dead = dead[np.argsort(-graph.depth[self.req_node[dead]], kind="stable")]
        for g in dead:
            node = int(self.req_node[g])
            out.append(
                Binding(
                    "single_source",
                    graph.node_label(node),
                    graph.site_ids[graph.node_site[node]],
                    f"no live source of {graph.item_ids[self.req_item[g]]} for {graph.node_label(node)}",
                )
            )
        if solution is None:
            return tuple(out)
        for b in np.flatnonzero(hot[self.balance_rows]):
            node = int(self.balance_nodes[b])
            if self.inventory[node] > 0:
                out.append(
                    Binding(
                        "inventory",
                        graph.node_label(node),
                        graph.site_ids[graph.node_site[node]],
                        f"{self.inventory[node]:g} units on hand at {graph.node_label(node)} run out",
                    )
                )
        for p in np.flatnonzero(hot[self.pipe_rows]):
            edge = int(self.pipe_edges[p])
            consumer = int(self.edge_consumer[edge])
            units = float(self.pipe_weekly[p] * self.pipe_weeks[p])
            out.append(
                Binding(
                    "inventory",
                    graph.node_label(consumer),
                    graph.site_ids[graph.node_site[consumer]],
                    f"{units:g} units in transit from {graph.node_label(int(self.edge_supplier[edge]))} to "
                    f"{graph.node_label(consumer)} run out",
                )
            )
        at_capacity = np.isfinite(self.capacity) & ~down & (solution.x[: self.n_nodes] >= self.capacity * (1 - 1e-9))
        for full in np.flatnonzero(col_hot[: self.n_nodes] & at_capacity):
            label = graph.node_label(int(full))
            out.append(
                Binding(
                    "capacity",
                    label,
                    graph.site_ids[graph.node_site[full]],
                    f"capacity of {label}, {self.capacity[full]:g}/week, is fully used",
                )
            )
        for r in np.flatnonzero(hot[self.site_rows]):
            site = graph.site_ids[int(self.cap_sites[r])]
            out.append(
                Binding(
                    "capacity", site, site, f"capacity of site {site}, {self.site_capacity[r]:g}/week, is fully used"
                )
            )
        return tuple(out)
