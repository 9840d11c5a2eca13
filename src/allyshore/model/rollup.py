"""The roll-up kernel: pure functions over the compiled graph's edges, swept level by level.

``A[c, s]`` is the units of node ``s`` one unit of node ``c`` consumes (active edges of
:class:`~allyshore.model.graph.NodeGraph`: BOM quantity times sourcing share). The network
is a DAG, so both systems below are solved exactly in one sweep over the edges grouped by
the depth of their consumer (:func:`calc_levels`), with vectorised gathers,
``np.add.reduceat`` and ``np.add.at``; no recursion, no per-node Python, no fixed point:

* bottom-up, ``u = own + A u``: what one unit of each node embodies of a node vector
  ``own``, through every tier below it (value added, adders, value avoiding a crossing):
  :func:`calc_embodied`, :func:`calc_embodied_without` (only what lies above some dropped
  edges recomputed), :func:`calc_prices` (a node without a price costs its inputs) and
  :func:`calc_value_added`;
* top-down, ``x = d + A^T x``: the units of every node that a final demand ``d`` needs,
  through every tier (weekly volumes): :func:`calc_requirements`, and per demand mix as a
  sparse matrix, one row per mix (the exposure map's units per good):
  :func:`calc_requirement_matrix`.

The two are adjoint (``x . own = d . u``); every analysis (exposure, landed cost, origin,
stress test) computes its roll-ups here. The functions take arrays and return new arrays;
:class:`Levels` is the one precomputed structure, built once per graph and shared.

>>> import allyshore
>>> from allyshore.model.graph import compile_network
>>> network = allyshore.Network.from_dict({
...     "sites": [{"site_id": "P", "country": "MX", "kind": "plant"},
...               {"site_id": "S", "country": "CN", "kind": "supplier"}],
...     "items": [{"item_id": "G"}, {"item_id": "K"}],
...     "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
...     "supply": [{"site_id": "P", "item_id": "G", "unit_price": 10},
...                {"site_id": "S", "item_id": "K", "unit_price": 3}],
...     "flows": [{"from_site": "S", "to_site": "P", "item_id": "K"}],
...     "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 5}],
... })
>>> graph = compile_network(network)
>>> levels = calc_levels(graph)
>>> calc_requirements(levels, np.array([5.0, 0.0])).tolist()  # G: 5 a week, so K: 10
[5.0, 10.0]
>>> margin, price, priced = calc_value_added(graph, levels)
>>> margin.tolist(), calc_embodied(levels, margin).tolist()  # value added; embodied per unit
([4.0, 3.0], [10.0, 3.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from allyshore.model.graph import KIND_CODES, BoolArray, FloatArray, IntArray, NodeGraph, ranges

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = [
    "Levels",
    "calc_embodied",
    "calc_embodied_without",
    "calc_levels",
    "calc_prices",
    "calc_requirement_matrix",
    "calc_requirements",
    "calc_value_added",
]


@dataclass(frozen=True, eq=False)
class Levels:
    """Active edges (*entries*) in a topological order: grouped by the depth of their consumer, then by consumer.

    Entries ``bounds[L]:bounds[L + 1]`` are the edges whose consumer sits at depth
    ``L + 1`` (raw sources have depth 1 and no entries); ``group_start`` marks where
    each consumer's entries begin and ``group_node`` names that consumer;
    ``group_bounds`` delimits the groups of each level. ``depth`` is every node's depth.
    """

    n_nodes: int
    bounds: IntArray
    group_bounds: IntArray
    group_start: IntArray
    group_node: IntArray
    supplier: IntArray
    weight: FloatArray  # A[consumer, supplier]
    edge: IntArray  # edge number of each entry
    depth: IntArray

    @property
    def n_levels(self) -> int:
        return int(self.bounds.shape[0]) - 1

    @property
    def group_end(self) -> IntArray:
        return np.append(self.group_start[1:], self.supplier.shape[0]).astype(np.int64)

    def consumer_of_entries(self) -> IntArray:
        return np.repeat(self.group_node, np.diff(np.append(self.group_start, self.supplier.shape[0])))


def calc_levels(graph: NodeGraph) -> Levels:
    """Group the active edges of ``graph`` by consumer depth (see :class:`Levels`).

    Raises ``ValueError`` when the active edges form a cycle.
    """
    edges = np.flatnonzero(graph.edge_active)
    consumer = graph.edge_consumer[edges]
    depth = graph.depth
    if consumer.size and bool(np.all(consumer[1:] >= consumer[:-1])) and int(depth.max()) < 2**15:
        # Edges already sorted by consumer (compile_network does): a stable radix sort on depth keeps that order.
        order = np.argsort(depth[consumer].astype(np.int16), kind="stable")
    else:
        order = np.lexsort((consumer, depth[consumer]))
    edges, consumer = edges[order], consumer[order]
    n_levels = int(depth.max()) if graph.n_nodes else 0
    entry_depth = depth[consumer]
    bounds = np.searchsorted(entry_depth, np.arange(1, n_levels + 2), side="left").astype(np.int64)
    new_group = np.ones(consumer.shape[0], dtype=bool)
    new_group[1:] = consumer[1:] != consumer[:-1]
    group_start = np.flatnonzero(new_group).astype(np.int64)
    group_bounds = np.searchsorted(group_start, bounds, side="left").astype(np.int64)
    return Levels(
        n_nodes=graph.n_nodes,
        bounds=bounds,
        group_bounds=group_bounds,
        group_start=group_start,
        group_node=consumer[group_start],
        supplier=graph.edge_supplier[edges],
        weight=graph.edge_qty[edges] * graph.edge_share[edges],
        edge=edges,
        depth=depth,
    )


def calc_embodied(levels: Levels, own: FloatArray, keep: FloatArray | None = None) -> FloatArray:
    """Solve ``u = own + A u`` bottom-up, level by level.

    ``own`` is a node vector or a nodes x k array; ``keep`` scales each entry of
    ``levels`` (0 drops the edge): a vector, or an entries x k array giving each
    column of a 2-D ``own`` its own mask. ``u[n]`` is then what one unit of node
    ``n`` embodies of ``own``, through every tier below it.
    """
    total = np.array(own, dtype=np.float64, copy=True)
    if keep is None:
        weight = levels.weight if total.ndim == 1 else levels.weight[:, None]
    else:
        weight = levels.weight * keep if keep.ndim == 1 else levels.weight[:, None] * keep
        if total.ndim == 1 and weight.ndim == 2:
            raise ValueError("a 2-D keep needs a 2-D own")
    if total.ndim == 2 and weight.ndim == 1:
        weight = weight[:, None]
    for level in range(levels.n_levels):
        a, b = int(levels.bounds[level]), int(levels.bounds[level + 1])
        if a == b:
            continue
        ga, gb = int(levels.group_bounds[level]), int(levels.group_bounds[level + 1])
        term = total[levels.supplier[a:b]] * weight[a:b]
        total[levels.group_node[ga:gb]] += np.add.reduceat(term, levels.group_start[ga:gb] - a, axis=0)
    return total


def calc_embodied_without(levels: Levels, own: FloatArray, full: FloatArray, drop: BoolArray) -> FloatArray:
    """:func:`calc_embodied` of a node vector ``own`` with the entries ``drop`` removed, given
    ``full = calc_embodied(levels, own)``.

    Only the nodes with a dropped entry somewhere below them are recomputed (their
    whole group of entries, in the same order, so each value is exactly what
    ``calc_embodied(levels, own, keep=np.where(drop, 0.0, 1.0))`` gives); the others
    keep their value in ``full``.
    """
    total = np.array(full, dtype=np.float64, copy=True)
    group_end = levels.group_end
    changed = np.zeros(levels.n_nodes, dtype=bool)
    any_changed = False
    for level in range(levels.n_levels):
        a, b = int(levels.bounds[level]), int(levels.bounds[level + 1])
        if a == b:
            continue
        hit = drop[a:b] | changed[levels.supplier[a:b]] if any_changed else drop[a:b]
        hit_entries = np.flatnonzero(hit)
        if hit_entries.size == 0:
            continue
        ga, gb = int(levels.group_bounds[level]), int(levels.group_bounds[level + 1])
        # Groups of the level holding a hit entry (entries ascending, so groups come out sorted).
        groups = ga + np.searchsorted(levels.group_start[ga:gb], hit_entries + a, side="right") - 1
        groups = groups[np.append(True, groups[1:] != groups[:-1])]
        starts, ends = levels.group_start[groups], group_end[groups]
        entries = ranges(starts, ends)
        weight = levels.weight[entries] * np.where(drop[entries], 0.0, 1.0)
        term = total[levels.supplier[entries]] * weight
        nodes = levels.group_node[groups]
        total[nodes] = own[nodes] + np.add.reduceat(term, np.cumsum(ends - starts) - (ends - starts))
        changed[nodes] = True
        any_changed = True
    return total


def calc_prices(levels: Levels, given: FloatArray, known: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Effective price of every node, bottom-up: its own where ``known``, else what its inputs cost.

    Returns ``(price, inputs)``: ``inputs[n] = sum_s A[n, s] price[s]`` (0 for a node
    without entries) and ``price = where(known, given, inputs)``; an unknown node
    without inputs costs 0.
    """
    price = np.where(known, given, 0.0)
    inputs = np.zeros(levels.n_nodes)
    for level in range(levels.n_levels):
        a, b = int(levels.bounds[level]), int(levels.bounds[level + 1])
        if a == b:
            continue
        ga, gb = int(levels.group_bounds[level]), int(levels.group_bounds[level + 1])
        nodes = levels.group_node[ga:gb]
        sums = np.add.reduceat(levels.weight[a:b] * price[levels.supplier[a:b]], levels.group_start[ga:gb] - a)
        inputs[nodes] = sums
        price[nodes] = np.where(known[nodes], price[nodes], sums)
    return price, inputs


def calc_value_added(graph: NodeGraph, levels: Levels | None = None) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Value added per node: ``p_n - sum_s A[n, s] p_s`` with the effective prices of :func:`calc_prices`.

    A node has a price of its own when its supply row gives ``unit_price`` or its item
    ``unit_cost``; a stocking point or a sink that receives inputs only with its own
    ``unit_price`` (else it passes its inputs' cost on). Returns ``(margin, price, priced)``:
    the unclipped margin (0 for unpriced nodes), the effective price and whether the node
    has a price of its own. The value added is ``max(margin, 0)``.
    """
    levels = calc_levels(graph) if levels is None else levels
    supply_price = graph.network.supply.get_column("unit_price").cast(pl.Float64).to_numpy()
    rows = graph.node_supply_row
    explicit = np.zeros(graph.n_nodes, dtype=bool)
    has_row = rows >= 0
    explicit[has_row] = ~np.isnan(supply_price[rows[has_row]])
    kind = graph.node_kind
    has_inputs = np.zeros(graph.n_nodes, dtype=bool)
    has_inputs[levels.group_node] = True
    passing = (kind == KIND_CODES.index("pass")) | (kind == KIND_CODES.index("sink"))
    priced = np.where(passing & has_inputs, explicit, ~np.isnan(graph.node_price))
    price, inputs = calc_prices(levels, graph.node_price, priced)
    return price - inputs, price, priced


def calc_requirements(levels: Levels, final: FloatArray, keep: FloatArray | None = None) -> FloatArray:
    """Solve ``x = final + A^T x`` top-down, level by level: the units of every node that ``final`` needs.

    ``final`` is a node vector (units demanded at each node) or a nodes x k array;
    ``keep`` scales each entry of ``levels`` (0 drops the edge). The adjoint of
    :func:`calc_embodied`: ``calc_requirements(levels, d) @ own == d @ calc_embodied(levels, own)``.
    """
    total = np.array(final, dtype=np.float64, copy=True)
    weight = levels.weight if keep is None else levels.weight * keep
    if total.ndim == 2:
        weight = weight[:, None]
    consumer = levels.consumer_of_entries()
    for level in reversed(range(levels.n_levels)):
        a, b = int(levels.bounds[level]), int(levels.bounds[level + 1])
        if a == b:
            continue
        np.add.at(total, levels.supplier[a:b], total[consumer[a:b]] * weight[a:b])
    return total


def calc_requirement_matrix(levels: Levels, seed: sp.csr_matrix, keep: BoolArray | None = None) -> sp.csr_matrix:
    """:func:`calc_requirements` of every row of ``seed`` (k x nodes, sparse): ``X = S + X A``, sparse.

    Row ``r`` of the result is the units of every node that the demand ``seed[r]`` needs;
    ``keep`` (one flag per entry of ``levels``) drops the other edges. The rows are carried
    down one depth at a time: what reaches the nodes of depth ``d`` is summed (sparse sums of
    the parts that arrived from each depth above), then pushed through those nodes' edges as
    one sparse product (exact zeros dropped). The result has no repeated entry; its column
    indices are not sorted within a row.
    """
    import scipy.sparse as sp

    k, n = int(seed.shape[0]), levels.n_nodes
    depth = levels.depth
    max_depth = int(depth.max()) if n else 0
    pending: list[list[sp.csr_matrix]] = [[] for _ in range(max_depth + 1)]

    def file(matrix: sp.csr_matrix) -> None:
        """File the (nonzero) entries of ``matrix`` by the depth of their node, each part still a CSR by row."""
        at = np.where(matrix.data != 0.0, depth[matrix.indices], 0)
        for d in np.flatnonzero(np.bincount(at, minlength=max_depth + 1)[1:]).tolist():
            mask = at == d + 1
            indptr = np.zeros(k + 1, dtype=np.int64)
            np.cumsum(_row_counts(mask, matrix.indptr.astype(np.int64)), out=indptr[1:])
            pending[d + 1].append(sp.csr_matrix((matrix.data[mask], matrix.indices[mask], indptr), shape=(k, n)))

    consumption = _consumption(levels, keep)
    file(sp.csr_matrix(seed))
    parts: list[sp.csr_matrix] = []
    for d in range(max_depth, 0, -1):
        if not pending[d]:
            continue
        reached = pending[d][0]
        for other in pending[d][1:]:
            reached = reached + other
        pending[d] = []
        parts.append(reached)
        if d > 1:
            file(sp.csr_matrix(reached @ consumption))
    if not parts:
        return sp.csr_matrix((k, n))
    rows = [np.repeat(np.arange(k, dtype=np.int64), np.diff(p.indptr)) for p in parts]
    return _by_row(
        np.concatenate(rows), np.concatenate([p.indices for p in parts]), np.concatenate([p.data for p in parts]), k, n
    )


def _row_counts(mask: BoolArray, indptr: IntArray) -> IntArray:
    """Number of True entries of ``mask`` in each row of a CSR structure ``indptr``."""
    total = np.zeros(mask.shape[0] + 1, dtype=np.int64)
    np.cumsum(mask, out=total[1:])
    return np.diff(total[indptr])


def _by_row(row: IntArray, col: IntArray, value: FloatArray, k: int, n: int) -> sp.csr_matrix:
    """A k x n CSR matrix of the entries, grouped by row (stable: each row keeps the entries' order)."""
    import scipy.sparse as sp

    order = np.argsort(row.astype(np.uint16) if k <= 2**16 else row, kind="stable")
    indptr = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=k), out=indptr[1:])
    return sp.csr_matrix((value[order], col[order], indptr), shape=(k, n))


def _consumption(levels: Levels, keep: BoolArray | None = None) -> sp.csr_matrix:
    """``A`` (nodes x nodes, CSR) from the entries of ``levels``: each consumer's row its entries, in order."""
    import scipy.sparse as sp

    n = levels.n_nodes
    weight = levels.weight if keep is None else np.where(keep, levels.weight, 0.0)
    group_size = np.diff(np.append(levels.group_start, levels.supplier.shape[0]))
    sizes = np.zeros(n, dtype=np.int64)
    sizes[levels.group_node] = group_size
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    at = np.repeat(indptr[levels.group_node] - levels.group_start, group_size)
    at += np.arange(levels.supplier.shape[0], dtype=np.int64)
    indices = np.empty(levels.supplier.shape[0], dtype=np.int64)
    data = np.empty(levels.supplier.shape[0])
    indices[at], data[at] = levels.supplier, weight
    return sp.csr_matrix((data, indices, indptr), shape=(n, n))


# Earlier names of the kernel functions, kept for their callers.
roll_up = calc_embodied
roll_up_without = calc_embodied_without
topological_levels = calc_levels
node_value_added = calc_value_added
