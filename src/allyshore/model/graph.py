"""The compiled node graph of a network: integer ids, edge arrays, sparse matrices.

A *node* is a (site, item) pair: a ``supply`` row, or an implicit *sink* for a
demand row placed on a customer site that has no supply row for the item.
What a node consumes per unit it makes follows the network format:

* a node whose item has a BOM consumes ``quantity`` units of each child,
  received at its site: from the site's own node for the child when there is one,
  else from the active flows of the child into the site, split by ``share``;
* a node whose item has no BOM but receives flows of that item passes them
  through one for one (warehouses, distributors), as does a sink. So does a node
  at a warehouse or customer site, and a node that receives its own item by flow
  but none of that item's BOM children: it stocks a made good, it does not make it;
* any other node is a raw source.

Every later analysis (exposure, landed cost, stress test, optimisation) reads
this structure instead of walking rows: the consumption matrix ``A`` has
``A[c, s]`` = units of node ``s`` used per unit of node ``c``; the roll-ups over
it (units needed, value embodied, prices) are the kernel of :mod:`allyshore.model.rollup`.

:func:`compile_network` never joins on text: each id cell is read once as an
integer code (:mod:`allyshore.model.codes`: a hash look-up checked on the text),
and (site, item) pairs of codes are matched as integer keys in one vectorised hash table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.model.arrays import BoolArray, FloatArray, IntArray, ranges
from allyshore.model.codes import KeyTable, flow_shares, group_rows, group_shares, id_codes, kahan_sums, stable_argsort
from allyshore.model.network import Network

if TYPE_CHECKING:  # scipy is imported where a matrix is built: validating a network does not need it
    import scipy.sparse as sp

__all__ = [
    "KIND_CODES",
    "BoolArray",
    "FloatArray",
    "IntArray",
    "NodeGraph",
    "NodeKind",
    "compile_network",
    "consumer_matrix",
    "flow_shares",
    "kahan_sums",
    "longest_path_from",
    "longest_path_of_edges",
    "ranges",
    "stable_argsort",
]

NodeKind = Literal["make", "pass", "raw", "sink"]
KIND_CODES: tuple[NodeKind, ...] = ("make", "pass", "raw", "sink")


@dataclass(frozen=True, eq=False)
class NodeGraph:
    """Columnar view of a network's nodes and consumption edges.

    Node arrays are indexed by node number; edge arrays by edge number. An edge
    says that ``edge_consumer`` needs ``edge_qty * edge_share`` units of
    ``edge_supplier`` per unit; ``edge_flow`` is the row of ``flows`` it travels
    on (-1 for an internal edge between two nodes of one site).
    """

    network: Network
    site_country: NDArray[np.str_]
    node_site: IntArray
    node_item: IntArray
    node_kind: IntArray  # index into KIND_CODES
    node_active: BoolArray
    node_price: FloatArray  # USD per unit at the node (nan when unknown)
    node_capacity: FloatArray  # units per week (inf = unlimited)
    node_inventory: FloatArray
    node_ttr_weeks: FloatArray  # nan when unknown
    node_supply_row: IntArray  # row in `supply`, -1 for sinks
    edge_consumer: IntArray
    edge_supplier: IntArray
    edge_item: IntArray
    edge_qty: FloatArray
    edge_share: FloatArray  # share among the active inbound flows; 1 for internal edges
    edge_flow: IntArray
    edge_active: BoolArray
    demand_node: IntArray  # per demand row
    demand_units: FloatArray

    @cached_property
    def site_ids(self) -> tuple[str, ...]:
        """Id of each site number (the rows of ``sites``), made when first asked for."""
        return tuple(self.network.sites.get_column("site_id").to_list())

    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        """Id of each item number (the rows of ``items``), made when first asked for."""
        return tuple(self.network.items.get_column("item_id").to_list())

    def node_labels(self, nodes: IntArray) -> list[str]:
        """:meth:`node_label` of each of ``nodes``, read from the tables (without making :attr:`site_ids` and
        :attr:`item_ids`)."""
        sites, items = self.network.sites.get_column("site_id"), self.network.items.get_column("item_id")
        site, item = self.node_site[nodes], self.node_item[nodes]  # -1 reads the last, as a tuple does
        site_id = sites.cast(pl.String).gather(np.where(site < 0, site + sites.len(), site))
        item_id = items.cast(pl.String).gather(np.where(item < 0, item + items.len(), item))
        labels: list[str] = (site_id + "/" + item_id).to_list()
        return labels

    @property
    def n_nodes(self) -> int:
        return int(self.node_site.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_consumer.shape[0])

    @cached_property
    def node_country(self) -> NDArray[np.str_]:
        """Country of each node's site (where it makes, stocks or receives its item)."""
        return self.site_country[self.node_site]

    @cached_property
    def maker_country_codes(self) -> tuple[tuple[str, ...], IntArray]:
        """Where each node's own value is made: ``(countries, code)``, ``countries[code[n]]`` for node ``n``.

        The site's country, except for a raw source (an item the network does not
        trace further, e.g. a part bought from a distributor or stockist) whose supply
        row names the maker's ``origin_country``: its value is made there. A node that
        makes its item or passes inflows on keeps its site's country (the value of what
        it receives is made upstream, in the suppliers' nodes). ``countries`` is sorted.
        """
        countries = self.network.sites.get_column("country").cast(pl.String).fill_null("")  # as site_country
        distinct = countries.unique().sort()  # by code point, as numpy sorts text
        site_vocab = np.asarray(distinct.to_list(), dtype=np.str_)
        site_code = countries.cast(pl.Enum(distinct)).to_physical().cast(pl.Int64).to_numpy()
        rows = self.node_supply_row
        raw = np.flatnonzero((self.node_kind == KIND_CODES.index("raw")) & (rows >= 0))
        supply = self.network.supply
        named = np.zeros(0, dtype=np.int64)
        origin: NDArray[np.str_] = np.zeros(0, dtype=np.str_)
        if raw.size and "origin_country" in supply.columns:
            picked = supply.get_column("origin_country").cast(pl.String).gather(rows[raw])
            if picked.null_count() < picked.len():
                picked = picked.str.strip_chars().str.to_uppercase().fill_null("")
                given = (picked != "").to_numpy()
                named = raw[given]
                origin = np.asarray(picked.filter(pl.Series(given)).to_list(), dtype=np.str_)
        vocab = np.union1d(site_vocab, origin) if origin.size else site_vocab
        code = np.searchsorted(vocab, site_vocab)[site_code][self.node_site].astype(np.int64)
        code[named] = np.searchsorted(vocab, origin)
        return tuple(str(c) for c in vocab.tolist()), code

    @property
    def node_maker_country(self) -> NDArray[np.str_]:
        """Country where each node's own value is made (see :attr:`maker_country_codes`)."""
        countries, code = self.maker_country_codes
        return np.asarray(countries, dtype=np.str_)[code] if countries else np.zeros(self.n_nodes, dtype=np.str_)

    def node_label(self, node: int) -> str:
        return f"{self.site_ids[self.node_site[node]]}/{self.item_ids[self.node_item[node]]}"

    def consumption_matrix(self, active_only: bool = True) -> sp.csr_matrix:
        """``A[c, s]``: units of node ``s`` consumed per unit of node ``c``."""
        if active_only:
            return self._active_consumption.copy()
        return self._consumption(np.ones(self.n_edges, dtype=bool))

    @cached_property
    def _active_consumption(self) -> sp.csr_matrix:
        """:meth:`consumption_matrix` of the active edges, built once (never modified: callers copy)."""
        return self._consumption(self.edge_active)

    def _consumption(self, mask: BoolArray) -> sp.csr_matrix:
        data = (self.edge_qty * self.edge_share)[mask]
        return consumer_matrix(self.edge_consumer[mask], self.edge_supplier[mask], data, self.n_nodes)

    @cached_property
    def depth(self) -> IntArray:
        """Longest chain of active consumption edges below each node (raw sources: 1).

        Raises ``ValueError`` when the active edges form a cycle.
        """
        live = self.edge_active & (self.edge_qty * self.edge_share != 0.0)
        pattern = consumer_matrix(self.edge_consumer[live], self.edge_supplier[live], None, self.n_nodes)
        return longest_path_from(pattern, self.n_nodes)


def consumer_matrix(consumer: IntArray, supplier: IntArray, data: FloatArray | None, n: int) -> sp.csr_matrix:
    """``sp.csr_matrix((data, (consumer, supplier)), shape=(n, n))``, without the COO pass when ``consumer``
    is sorted (as :func:`compile_network` leaves the edges): the same arrays, duplicates summed alike.

    With ``data`` None, the pattern only: a 1 per edge, repeated edges kept (no summing, no sorting).
    """
    import scipy.sparse as sp

    pattern = data is None
    values = np.ones(consumer.shape[0]) if data is None else data
    if consumer.size == 0 or not bool(np.all(consumer[1:] >= consumer[:-1])):
        if pattern:
            order = np.argsort(consumer, kind="stable")
            consumer, supplier, values = consumer[order], supplier[order], values[order]
        else:
            return sp.csr_matrix((values, (consumer, supplier)), shape=(n, n))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(consumer, minlength=n), out=indptr[1:])
    matrix = sp.csr_matrix((values, supplier, indptr), shape=(n, n))
    if not pattern:
        matrix.sum_duplicates()
    return matrix


def longest_path_of_edges(consumer: IntArray, supplier: IntArray, n: int) -> IntArray:
    """Number of nodes on the longest path from each node down the DAG of edges ``consumer -> supplier``.

    Peels the nodes level by level (Kahn's algorithm, vectorised: one gather and one
    ``bincount`` per level, numpy only: validation uses it without loading scipy).
    Raises ``ValueError`` on a cycle.

    >>> longest_path_of_edges(np.array([0, 0, 1]), np.array([1, 2, 2]), 4).tolist()
    [3, 2, 1, 1]
    """
    depth = np.ones(n, dtype=np.int64)
    if consumer.size == 0:
        return depth
    remaining = np.bincount(consumer, minlength=n).astype(np.int64)
    parent_of = consumer[np.argsort(supplier, kind="stable")]  # consumers grouped by supplier
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(supplier, minlength=n), out=start[1:])
    frontier = np.flatnonzero(remaining == 0)
    level = 1
    seen = 0
    while frontier.size:
        depth[frontier] = level
        seen += frontier.size
        lo, hi = start[frontier], start[frontier + 1]
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            break
        offsets = np.cumsum(lengths) - lengths
        parents = parent_of[np.repeat(lo - offsets, lengths) + np.arange(total, dtype=np.int64)]
        hits = np.bincount(parents, minlength=n)
        remaining -= hits
        candidates = np.flatnonzero(hits)
        frontier = candidates[remaining[candidates] == 0]
        level += 1
    if seen < n:
        raise ValueError("the node graph has a cycle")
    return depth


def longest_path_from(matrix: sp.csr_matrix, n: int) -> IntArray:
    """Number of nodes on the longest path from each node down a DAG (vectorised by levels, on scipy.sparse:
    the fast form for analyses, which load scipy anyway; :func:`longest_path_of_edges` gives the same with numpy
    alone)."""
    import scipy.sparse as sp

    depth = np.ones(n, dtype=np.int64)
    adjacency = sp.csr_matrix(matrix, copy=True)
    adjacency.eliminate_zeros()
    adjacency.data = np.ones_like(adjacency.data, dtype=np.int8)
    out_degree = np.diff(adjacency.indptr)
    transpose = adjacency.T.tocsr()
    parent_start, parent_of = transpose.indptr.astype(np.int64), transpose.indices
    remaining = out_degree.astype(np.int64)
    frontier = np.flatnonzero(remaining == 0)
    level = 1
    seen = 0
    while frontier.size:
        depth[frontier] = level
        seen += frontier.size
        parents = parent_of[ranges(parent_start[frontier], parent_start[frontier + 1])]
        if parents.size == 0:
            break
        hits = np.bincount(parents, minlength=n)
        remaining -= hits
        candidates = np.flatnonzero(hits)
        frontier = candidates[remaining[candidates] == 0]
        level += 1
    if seen < n:
        raise ValueError("the node graph has a cycle")
    return depth


def _float(series: pl.Series, fill: float) -> FloatArray:
    return series.cast(pl.Float64).fill_null(fill).to_numpy().astype(np.float64)


def _node_values(
    network: Network, node_site: IntArray, node_item: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    """Price, capacity, inventory and time to recover of each node (supply rows first, then sinks), and
    whether it is active: read from its supply row, else its item's unit cost or its site's time to recover."""
    supply, sites, items = network.supply, network.sites, network.items
    n_supply, n_nodes = supply.height, node_site.shape[0]
    item_cost = _float(items.get_column("unit_cost"), np.nan)
    price = np.full(n_nodes, np.nan)
    capacity = np.full(n_nodes, np.inf)
    inventory = np.zeros(n_nodes)
    ttr = np.full(n_nodes, np.nan)
    active = np.ones(n_nodes, dtype=bool)
    if n_supply:
        price[:n_supply] = _float(supply.get_column("unit_price"), np.nan)
        capacity[:n_supply] = _float(supply.get_column("capacity_per_week"), np.inf)
        inventory[:n_supply] = _float(supply.get_column("inventory"), 0.0)
        site_ttr = _float(sites.get_column("ttr_weeks"), np.nan)
        ttr[:n_supply] = _float(supply.get_column("ttr_weeks"), np.nan)
        missing = np.isnan(ttr[:n_supply])
        ttr[:n_supply][missing] = site_ttr[node_site[:n_supply][missing]]
        active[:n_supply] = (supply.get_column("status") != "candidate").to_numpy()
    unknown_price = np.isnan(price)
    price[unknown_price] = item_cost[node_item[unknown_price]]
    return price, capacity, inventory, ttr, active


# --------------------------------------------------------------------------- compile


def compile_network(network: Network) -> NodeGraph:
    """Compile a validated network into integer arrays (see :class:`NodeGraph`).

    Every id is first turned into an integer code (one hash look-up per cell); nodes,
    requirements and edges are then matched on (site, item) pairs of codes with numpy
    gathers, look-ups in one vectorised hash table (:class:`~allyshore.model.codes.KeyTable`)
    and one grouping of the flows; no joins on text.
    (A validated network has one supply row per site and item; of repeated rows, the
    first supplies what the site ships of the item.)
    """
    sites, items, bom, supply, flows, demand = (
        network.sites,
        network.items,
        network.bom,
        network.supply,
        network.flows,
        network.demand,
    )
    codes, n_site_codes, n_item_codes = id_codes(network)
    n_sites, n_items = sites.height, items.height
    country = sites.get_column("country").cast(pl.String).fill_null("")
    distinct_countries = country.unique()
    site_country = np.asarray(distinct_countries.to_list(), dtype=np.str_)[
        country.cast(pl.Enum(distinct_countries)).to_physical().to_numpy()
    ]

    def pair(site: IntArray, item: IntArray) -> IntArray:
        """Key of (site, item) code pairs; -1 where either is null."""
        return np.where((site >= 0) & (item >= 0), site * n_item_codes + item, -1)

    def known(code: IntArray, n: int) -> IntArray:
        return np.where(code < n, code, -1)

    # Nodes: supply rows, then implicit sinks for demand without a supply row (in order of first demand).
    # Requirement rows of the supply nodes whose item has a BOM: one per BOM row of the item.
    n_supply = supply.height
    supply_site, supply_item = codes["supply", "site_id"], codes["supply", "item_id"]
    demand_site, demand_item = codes["demand", "site_id"], codes["demand", "item_id"]
    demand_key = pair(demand_site, demand_item)
    flow_from, flow_item = codes["flows", "from_site"], codes["flows", "item_id"]
    bom_parent, bom_child = codes["bom", "parent_id"], codes["bom", "child_id"]
    bom_rows, bom_start, bom_parents = group_rows(bom_parent)
    bom_first = np.zeros(n_item_codes + 1, dtype=np.int64)  # one extra slot, read by the code -1 (null): 0
    bom_last = np.zeros(n_item_codes + 1, dtype=np.int64)
    bom_first[bom_parents], bom_last[bom_parents] = bom_start[:-1], bom_start[1:]
    with_bom = np.flatnonzero(bom_last[supply_item] > bom_first[supply_item])
    lo, hi = bom_first[supply_item[with_bom]], bom_last[supply_item[with_bom]]
    req_node = np.repeat(with_bom, hi - lo)
    req_bom = bom_rows[ranges(lo, hi)]
    # One hash table of (site, item) keys: what is made or stocked there (node), what flows there (group).
    flow_order, group_start, group_key = group_rows(pair(codes["flows", "to_site"], flow_item))
    flow_active = (flows.get_column("status") != "candidate").to_numpy().astype(bool)
    table = KeyTable(n_supply + group_key.shape[0] + demand_key.shape[0])
    node_at = np.full(table.size + 1, -1, dtype=np.int64)  # the first node of each slot
    supply_slot = table.slots(pair(supply_site, supply_item), insert=True)
    coded = np.flatnonzero(supply_slot >= 0)
    node_at[supply_slot[coded]] = coded
    repeated = coded[node_at[supply_slot[coded]] != coded]  # a (site, item) pair of several supply rows
    if repeated.size:
        np.minimum.at(node_at, supply_slot[repeated], repeated)
    group_at = np.full(table.size + 1, -1, dtype=np.int64)
    group_at[table.slots(group_key, insert=True)] = np.arange(group_key.shape[0], dtype=np.int64)
    demand_slot = table.slots(demand_key, insert=True)
    unmade = np.flatnonzero((demand_slot >= 0) & (node_at[demand_slot] < 0))
    _, first = np.unique(demand_slot[unmade], return_index=True)
    sinks = unmade[np.sort(first)]  # demand rows that add a sink, in order of first demand
    node_at[demand_slot[sinks]] = n_supply + np.arange(sinks.shape[0], dtype=np.int64)
    node_slot = np.concatenate([supply_slot, demand_slot[sinks]])
    demand_node = node_at[demand_slot]
    node_site_code = np.concatenate([supply_site, demand_site[sinks]])
    node_item_code = np.concatenate([supply_item, demand_item[sinks]])
    node_site, node_item = known(node_site_code, n_sites), known(node_item_code, n_items)
    n_nodes = node_slot.shape[0]
    flow_supplier = node_at[table.slots(pair(flow_from, flow_item))]
    req_slot = table.slots(pair(supply_site[req_node], bom_child[req_bom]))
    req_internal, req_group = node_at[req_slot], group_at[req_slot]
    node_group = group_at[node_slot]
    inbound = node_group >= 0

    price, capacity, inventory, ttr, active = _node_values(network, node_site, node_item)

    # Which supply nodes make their item from its BOM, and which only stock it. A node stocks
    # (passes through) when its site is a warehouse or customer, or when the item itself
    # arrives at the site by flow while none of its BOM children does (by flow or made there).
    bom_qty = _float(bom.get_column("quantity"), np.nan)
    stocking_site = np.zeros(n_site_codes + 1, dtype=bool)  # one extra slot, read by the code -1 (null)
    kinds = sites.get_column("kind").is_in(["warehouse", "customer"]).fill_null(False)
    stocking_site[:n_sites] = kinds.to_numpy()
    received = np.bincount(req_node, weights=(req_internal >= 0) | (req_group >= 0), minlength=n_nodes) > 0
    stocking = np.zeros(n_nodes, dtype=bool)
    stocking[with_bom] = stocking_site[supply_site[with_bom]] | (inbound[with_bom] & ~received[with_bom])
    made = np.zeros(n_nodes, dtype=bool)
    made[with_bom] = ~stocking[with_bom]
    passing = np.zeros(n_nodes, dtype=bool)
    passing[:n_supply] = inbound[:n_supply]
    passing[with_bom] &= stocking[with_bom]
    passing[n_supply:] = True

    # Edges: a made node takes each child from the site's own node for it (internal edge), else from the
    # flows of the child into the site; a passing node takes its own item from the flows into the site.
    is_make = made[req_node]
    req_node, req_bom, req_internal, req_group = (
        req_node[is_make],
        req_bom[is_make],
        req_internal[is_make],
        req_group[is_make],
    )
    internal = np.flatnonzero(req_internal >= 0)
    pass_nodes = np.flatnonzero(passing)
    via = np.flatnonzero(req_internal < 0)
    via_node = np.concatenate([req_node[via], pass_nodes])
    via_item = np.concatenate([bom_child[req_bom[via]], node_item_code[pass_nodes]])
    via_qty = np.concatenate([bom_qty[req_bom[via]], np.ones(pass_nodes.shape[0])])
    via_group = np.concatenate([req_group[via], node_group[pass_nodes]])
    fed = np.flatnonzero(via_group >= 0)
    g = via_group[fed]
    edge_via = np.repeat(fed, group_start[g + 1] - group_start[g])
    edge_flow = flow_order[ranges(group_start[g], group_start[g + 1])]
    supplier = flow_supplier[edge_flow]
    keep = supplier >= 0
    edge_via, edge_flow, supplier = edge_via[keep], edge_flow[keep], supplier[keep]

    share = group_shares(flow_order, group_start, flows.get_column("share"), flow_active)  # of each flow in its group
    consumer = np.concatenate([req_node[internal], via_node[edge_via]])
    flow = np.concatenate([np.full(internal.shape[0], -1, dtype=np.int64), edge_flow])
    order = stable_argsort(consumer * (flows.height + 1) + flow + 1)
    consumer, flow = consumer[order], flow[order]
    supplier = np.concatenate([req_internal[internal], supplier])[order]
    edge_item = np.concatenate([bom_child[req_bom[internal]], via_item[edge_via]])[order]
    edge_qty = np.concatenate([bom_qty[req_bom[internal]], via_qty[edge_via]])[order]
    edge_share = np.concatenate([np.ones(internal.shape[0]), share[edge_flow]])[order]
    on_flow_active = np.concatenate([np.ones(internal.shape[0], dtype=bool), flow_active[edge_flow]])[order]
    edge_active = on_flow_active & active[supplier] & active[consumer]

    kind = np.full(n_nodes, KIND_CODES.index("raw"), dtype=np.int64)
    kind[passing] = KIND_CODES.index("pass")
    kind[made] = KIND_CODES.index("make")
    kind[n_supply:] = KIND_CODES.index("sink")
    return NodeGraph(
        network=network,
        site_country=site_country,
        node_site=node_site,
        node_item=node_item,
        node_kind=kind,
        node_active=active,
        node_price=price,
        node_capacity=capacity,
        node_inventory=inventory,
        node_ttr_weeks=ttr,
        node_supply_row=np.concatenate([np.arange(n_supply, dtype=np.int64), np.full(n_nodes - n_supply, -1)]),
        edge_consumer=consumer,
        edge_supplier=supplier,
        edge_item=known(edge_item, n_items),
        edge_qty=edge_qty,
        edge_share=edge_share,
        edge_flow=flow,
        edge_active=edge_active,
        demand_node=demand_node,
        demand_units=_float(demand.get_column("units_per_week"), 0.0),
    )
