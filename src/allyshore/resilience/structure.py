"""The rows and columns shared by every stress-test program of one network, as sparse matrices.

Notation of ../shared/domain/resilience.md §3 (a node is one (site, item) pair of
:func:`allyshore.model.graph.compile_network`). For the nodes and edges a program
may use (the active ones; with candidate sources, those as well) this builds:

* requirement groups ``(j, k)``: a make node needs every BOM child ``k``, a
  pass-through node or a sink its own item, each with its quantity ``r_kj``;
* the edges feeding a group (parents of one material are perfect substitutes);
* balance rows for the nodes that ship or face demand, and shared site capacity
  rows for sites with a capacity;
* the *core* matrix over columns ``u`` (production, one per node) and ``y``
  (shipment, one per edge): material rows ``r_kj u_j - sum y <= 0``, balance rows
  ``sum_{out} y - u_j`` and site rows ``sum_{site} u_j``; each program adds its
  own columns (lost units, the horizon, stock in transit, carried stock).

:class:`~allyshore.resilience.linear_programs.ResilienceModel` (one period) and
:class:`~allyshore.resilience.phased.PhasedModel` (candidate sources, several
periods) both start from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore.model.graph import KIND_CODES, NodeGraph

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_SINK = KIND_CODES.index("sink")
_MAKE = KIND_CODES.index("make")
_PASS = KIND_CODES.index("pass")


@dataclass(frozen=True, eq=False)
class Structure:
    """Index sets and the core matrix of the stress-test programs (see the module docstring)."""

    n_nodes: int
    usable: BoolArray  # nodes the programs may use
    inventory: FloatArray  # s_j (0 for unusable nodes)
    capacity: FloatArray  # c_j per week (inf = unlimited)
    demand: FloatArray  # d_j per week, by node
    profit: FloatArray  # f_j by node
    demand_nodes: IntArray
    edges: IntArray  # graph edge number of each y column
    edge_supplier: IntArray
    edge_consumer: IntArray
    edge_group: IntArray  # requirement group each edge feeds
    req_node: IntArray
    req_item: IntArray
    req_qty: FloatArray
    orphan_groups: IntArray  # groups with no edge: their node makes nothing
    balance_nodes: IntArray
    balance_row: IntArray  # node -> index among the balance rows (-1 if none)
    cap_sites: IntArray
    site_capacity: FloatArray
    core: sp.csc_matrix  # rows: material | balance | site; columns: u | y

    @property
    def n_edges(self) -> int:
        return int(self.edges.size)

    @property
    def n_groups(self) -> int:
        return int(self.req_node.size)

    @property
    def n_balance(self) -> int:
        return int(self.balance_nodes.size)

    @property
    def n_sites(self) -> int:
        return int(self.cap_sites.size)


def build_structure(
    graph: NodeGraph,
    profit_per_unit: FloatArray,
    usable: BoolArray,
    usable_edges: BoolArray,
    no_inputs: BoolArray | None = None,
) -> Structure:
    """The structure of the programs over the nodes ``usable`` and the graph edges ``usable_edges``.

    An edge is used when it is usable and both its ends are; ``profit_per_unit`` is ``f`` per demand row
    (``nan`` counts as 0). Make nodes in ``no_inputs`` need no material (they buy it outside the network).
    """
    n = graph.n_nodes
    kind = graph.node_kind
    inventory = np.where(usable, np.nan_to_num(graph.node_inventory, nan=0.0), 0.0)
    capacity = np.where(np.isnan(graph.node_capacity), np.inf, graph.node_capacity)

    # Demand per node (demand keys are unique per node; rows without a node are ignored).
    valid = graph.demand_node >= 0
    demand = np.zeros(n)
    profit = np.zeros(n)
    np.add.at(demand, graph.demand_node[valid], graph.demand_units[valid])
    np.add.at(profit, graph.demand_node[valid], np.nan_to_num(profit_per_unit[valid], nan=0.0))
    demand_nodes = np.flatnonzero(demand > 0).astype(np.int64)

    edges = np.flatnonzero(usable_edges & usable[graph.edge_consumer] & usable[graph.edge_supplier])
    e_cons = graph.edge_consumer[edges]
    e_sup = graph.edge_supplier[edges]
    e_item = graph.edge_item[edges]

    # Requirement groups (j, k): make nodes need every BOM child; pass-through nodes and sinks their own item.
    n_items = len(graph.item_ids)
    item_index = {item: i for i, item in enumerate(graph.item_ids)}
    bom = graph.network.bom
    parent = bom.get_column("parent_id").replace_strict(item_index, default=-1, return_dtype=pl.Int64).to_numpy()
    child = bom.get_column("child_id").replace_strict(item_index, default=-1, return_dtype=pl.Int64).to_numpy()
    qty = bom.get_column("quantity").cast(pl.Float64).to_numpy()
    make_nodes = np.flatnonzero(usable & (kind == _MAKE) & (True if no_inputs is None else ~no_inputs))
    bom_frame = pl.DataFrame({"item": parent.astype(np.int64), "child": child.astype(np.int64), "qty": qty})
    make_req = (
        pl.DataFrame({"node": make_nodes, "item": graph.node_item[make_nodes]})
        .join(bom_frame, on="item", how="inner")
        .select("node", "child", "qty")
    )
    pass_nodes = np.flatnonzero(usable & ((kind == _PASS) | (kind == _SINK)))
    pass_req = pl.DataFrame({"node": pass_nodes, "child": graph.node_item[pass_nodes], "qty": np.ones(pass_nodes.size)})
    req = pl.concat([make_req, pass_req], how="vertical").unique(["node", "child"], keep="first").sort("node", "child")
    req_node = req.get_column("node").to_numpy().astype(np.int64)
    req_item = req.get_column("child").to_numpy().astype(np.int64)
    req_qty = req.get_column("qty").to_numpy().astype(np.float64)
    req_key = req_node * n_items + req_item
    edge_key = e_cons * n_items + e_item
    pos = np.searchsorted(req_key, edge_key)
    pos = np.minimum(pos, max(req_key.size - 1, 0))
    keep = (req_key.size > 0) & (req_key[pos] == edge_key) if req_key.size else np.zeros(edges.size, bool)
    edges, e_cons, e_sup, e_group = edges[keep], e_cons[keep], e_sup[keep], pos[keep].astype(np.int64)
    ne = edges.size
    ng = req_node.size
    live = np.zeros(ng, dtype=bool)
    live[e_group] = True

    # Balance rows: nodes that ship or face demand. Demand at a node that is not usable (a candidate source at a
    # selling site) has a row too, and its lost units: nothing can meet it.
    ships = np.zeros(n, dtype=bool)
    ships[e_sup] = True
    balance_nodes = np.flatnonzero((usable & ships) | (demand > 0)).astype(np.int64)
    balance_row = np.full(n, -1, dtype=np.int64)
    balance_row[balance_nodes] = np.arange(balance_nodes.size)
    nb = balance_nodes.size

    # Shared site capacity rows: sites with a capacity and at least one usable non-sink node.
    site_cap = graph.network.sites.get_column("capacity_per_week").cast(pl.Float64).fill_null(np.inf).to_numpy()
    site_cap = np.where(np.isnan(site_cap), np.inf, site_cap)
    producing = np.flatnonzero(usable & (kind != _SINK))
    capped = producing[np.isfinite(site_cap[graph.node_site[producing]])]
    cap_sites, site_row_of_node = np.unique(graph.node_site[capped], return_inverse=True)
    ns = cap_sites.size

    material = sp.coo_matrix(
        (
            np.concatenate([req_qty, -np.ones(ne)]),
            (np.concatenate([np.arange(ng), e_group]), np.concatenate([req_node, n + np.arange(ne)])),
        ),
        shape=(ng, n + ne),
    )
    balance = sp.coo_matrix(
        (
            np.concatenate([np.ones(ne), -np.ones(nb)]),
            (np.concatenate([balance_row[e_sup], np.arange(nb)]), np.concatenate([n + np.arange(ne), balance_nodes])),
        ),
        shape=(nb, n + ne),
    )
    sites = sp.coo_matrix((np.ones(capped.size), (site_row_of_node, capped)), shape=(ns, n + ne))
    return Structure(
        n_nodes=n,
        usable=usable.copy(),
        inventory=inventory,
        capacity=capacity,
        demand=demand,
        profit=profit,
        demand_nodes=demand_nodes,
        edges=edges.astype(np.int64),
        edge_supplier=e_sup.astype(np.int64),
        edge_consumer=e_cons.astype(np.int64),
        edge_group=e_group,
        req_node=req_node,
        req_item=req_item,
        req_qty=req_qty,
        orphan_groups=np.flatnonzero(~live).astype(np.int64),
        balance_nodes=balance_nodes,
        balance_row=balance_row,
        cap_sites=cap_sites.astype(np.int64),
        site_capacity=site_cap[cap_sites] if ns else np.zeros(0),
        core=sp.vstack([material, balance, sites]).tocsc(),
    )
