"""The roll-up kernel: what one unit of each node embodies, through every tier below it.

The network's active edges, ordered by the depth of their consumer (:class:`Levels`),
let ``u = own + A u`` be solved bottom-up one level at a time with vectorised gathers
and ``np.add.reduceat`` (no recursion, no per-node Python): :func:`roll_up` for any
node vectors (value by country, by tier, avoiding a crossing), :func:`roll_up_without`
to recompute only what lies above some dropped edges, and :func:`node_value_added`
for the value each node adds. The exposure map is built on it
(:mod:`allyshore.exposure_map`); other analyses reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from allyshore.model.graph import KIND_CODES, BoolArray, FloatArray, IntArray, NodeGraph

__all__ = ["Levels", "node_value_added", "roll_up", "roll_up_without", "topological_levels"]


@dataclass(frozen=True, eq=False)
class Levels:
    """Active edges in a topological order: grouped by the depth of their consumer, then by consumer.

    Entries ``bounds[L]:bounds[L + 1]`` are the edges whose consumer sits at depth
    ``L + 1`` (raw sources have depth 1 and no entries); ``group_start`` marks where
    each consumer's entries begin and ``group_node`` names that consumer;
    ``group_bounds`` delimits the groups of each level.
    """

    n_nodes: int
    bounds: IntArray
    group_bounds: IntArray
    group_start: IntArray
    group_node: IntArray
    supplier: IntArray
    weight: FloatArray  # A[consumer, supplier]
    edge: IntArray  # edge number of each entry

    @property
    def n_levels(self) -> int:
        return int(self.bounds.shape[0]) - 1

    def consumer_of_entries(self) -> IntArray:
        sizes = np.diff(np.append(self.group_start, self.supplier.shape[0]))
        return np.repeat(self.group_node, sizes)


def topological_levels(graph: NodeGraph) -> Levels:
    """Group the active edges of ``graph`` by consumer depth (see :class:`Levels`)."""
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
    )


def roll_up(levels: Levels, own: FloatArray, keep: FloatArray | None = None) -> FloatArray:
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


def _ranges(starts: IntArray, ends: IntArray) -> IntArray:
    """``starts[i]:ends[i]`` for every i, concatenated (ranges non-empty)."""
    lengths = ends - starts
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)


def roll_up_without(levels: Levels, own: FloatArray, full: FloatArray, drop: BoolArray) -> FloatArray:
    """:func:`roll_up` of a node vector ``own`` with the entries ``drop`` removed, given ``full = roll_up(levels, own)``.

    Only the nodes with a dropped entry somewhere below them are recomputed (their
    whole group of entries, in the same order, so each value is exactly what
    ``roll_up(levels, own, keep=np.where(drop, 0.0, 1.0))`` gives); the others
    keep their value in ``full``.
    """
    total = np.array(full, dtype=np.float64, copy=True)
    n_entries = int(levels.supplier.shape[0])
    group_end = np.append(levels.group_start[1:], n_entries)
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
        entries = _ranges(starts, ends)
        weight = levels.weight[entries] * np.where(drop[entries], 0.0, 1.0)
        term = total[levels.supplier[entries]] * weight
        nodes = levels.group_node[groups]
        total[nodes] = own[nodes] + np.add.reduceat(term, np.cumsum(ends - starts) - (ends - starts))
        changed[nodes] = True
        any_changed = True
    return total


def node_value_added(graph: NodeGraph, levels: Levels | None = None) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Value added per node (see the module docstring).

    Returns ``(margin, price, priced)``: the unclipped margin ``p_n - sum_s A[n, s] p_s``
    (0 for unpriced nodes), the effective price ``p`` and whether the node has a price
    of its own. The value added is ``max(margin, 0)``.
    """
    levels = topological_levels(graph) if levels is None else levels
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
    price = np.where(priced, graph.node_price, 0.0)
    inputs = np.zeros(graph.n_nodes)
    # Effective prices bottom-up: an unpriced node costs what its inputs cost.
    for level in range(levels.n_levels):
        a, b = int(levels.bounds[level]), int(levels.bounds[level + 1])
        if a == b:
            continue
        ga, gb = int(levels.group_bounds[level]), int(levels.group_bounds[level + 1])
        nodes = levels.group_node[ga:gb]
        sums = np.add.reduceat(levels.weight[a:b] * price[levels.supplier[a:b]], levels.group_start[ga:gb] - a)
        inputs[nodes] = sums
        price[nodes] = np.where(priced[nodes], price[nodes], sums)
    return price - inputs, price, priced


# --------------------------------------------------------------------------- analysis
