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
``A[c, s]`` = units of node ``s`` used per unit of node ``c``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.model.network import Network

if TYPE_CHECKING:  # scipy is imported where a matrix is built: validating a network does not need it
    import scipy.sparse as sp

NodeKind = Literal["make", "pass", "raw", "sink"]
KIND_CODES: tuple[NodeKind, ...] = ("make", "pass", "raw", "sink")

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class NodeGraph:
    """Columnar view of a network's nodes and consumption edges.

    Node arrays are indexed by node number; edge arrays by edge number. An edge
    says that ``edge_consumer`` needs ``edge_qty * edge_share`` units of
    ``edge_supplier`` per unit; ``edge_flow`` is the row of ``flows`` it travels
    on (-1 for an internal edge between two nodes of one site).
    """

    network: Network
    site_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
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
        site_vocab, site_code = np.unique(self.site_country, return_inverse=True)
        rows = self.node_supply_row
        raw = np.flatnonzero((self.node_kind == KIND_CODES.index("raw")) & (rows >= 0))
        supply = self.network.supply
        named = np.zeros(0, dtype=np.int64)
        origin: NDArray[np.str_] = np.zeros(0, dtype=np.str_)
        if raw.size and "origin_country" in supply.columns:
            text = supply.get_column("origin_country").cast(pl.String).str.strip_chars().str.to_uppercase()
            picked = text.gather(rows[raw]).fill_null("")
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
        return longest_path_from(self._active_consumption, self.n_nodes)


def consumer_matrix(consumer: IntArray, supplier: IntArray, data: FloatArray, n: int) -> sp.csr_matrix:
    """``sp.csr_matrix((data, (consumer, supplier)), shape=(n, n))``, without the COO pass when ``consumer``
    is sorted (as :func:`compile_network` leaves the edges): the same arrays, duplicates summed alike."""
    import scipy.sparse as sp

    if consumer.size == 0 or not bool(np.all(consumer[1:] >= consumer[:-1])):
        return sp.csr_matrix((data, (consumer, supplier)), shape=(n, n))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(consumer, minlength=n), out=indptr[1:])
    matrix = sp.csr_matrix((data, supplier, indptr), shape=(n, n))
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
    remaining = out_degree.astype(np.int64)
    frontier = np.flatnonzero(remaining == 0)
    level = 1
    seen = 0
    while frontier.size:
        depth[frontier] = level
        seen += frontier.size
        parents = transpose[frontier].indices
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


def _codes(values: pl.Series, ids: dict[str, int]) -> IntArray:
    return values.replace_strict(ids, default=-1, return_dtype=pl.Int64).to_numpy().astype(np.int64)


def _float(series: pl.Series, fill: float) -> FloatArray:
    return series.cast(pl.Float64).fill_null(fill).to_numpy().astype(np.float64)


def flow_shares(flows: pl.DataFrame) -> FloatArray:
    """Effective share of each flow among the active flows of its item into its site.

    Given shares are kept; blank shares split what is left equally; the shares
    of each (to_site, item) group are then scaled to sum to 1 so that the need is
    met in full. Candidate flows get share 0.
    """
    if flows.height == 0:
        return np.zeros(0)
    frame = flows.select(
        pl.col("to_site"), pl.col("item_id"), pl.col("share"), (pl.col("status") != "candidate").alias("active")
    ).with_row_index("row")
    active = frame.filter(pl.col("active"))
    grouped = (
        active.with_columns(
            pl.col("share").fill_null(0.0).sum().over("to_site", "item_id").alias("given"),
            pl.col("share").is_null().sum().over("to_site", "item_id").alias("blanks"),
        )
        .with_columns(
            pl.when(pl.col("share").is_null())
            .then(pl.max_horizontal(1.0 - pl.col("given"), 0.0) / pl.col("blanks"))
            .otherwise(pl.col("share"))
            .alias("raw_share")
        )
        .with_columns(pl.col("raw_share").sum().over("to_site", "item_id").alias("total"))
    )
    grouped = grouped.with_columns(
        pl.when(pl.col("total") > 0)
        .then(pl.col("raw_share") / pl.col("total"))
        .otherwise(1.0 / pl.len().over("to_site", "item_id"))
        .alias("effective")
    )
    shares = np.zeros(flows.height)
    rows = grouped.get_column("row").to_numpy()
    shares[rows] = grouped.get_column("effective").to_numpy()
    return shares


def compile_network(network: Network) -> NodeGraph:
    """Compile a validated network into integer arrays (see :class:`NodeGraph`)."""
    sites, items, bom, supply, flows, demand = (
        network.sites,
        network.items,
        network.bom,
        network.supply,
        network.flows,
        network.demand,
    )
    site_ids = tuple(sites.get_column("site_id").to_list())
    item_ids = tuple(items.get_column("item_id").to_list())
    site_index = {s: i for i, s in enumerate(site_ids)}
    item_index = {s: i for i, s in enumerate(item_ids)}
    site_country = np.asarray(sites.get_column("country").fill_null("").to_list(), dtype=np.str_)

    # Nodes: supply rows, then implicit sinks for demand without a supply row.
    supply_keys = supply.select("site_id", "item_id").with_row_index("supply_row")
    sink_keys = (
        demand.select("site_id", "item_id")
        .unique(maintain_order=True)
        .join(supply_keys, on=["site_id", "item_id"], how="anti")
    )
    node_keys = pl.concat(
        [
            supply_keys.select("site_id", "item_id", pl.col("supply_row").cast(pl.Int64)),
            sink_keys.with_columns(pl.lit(-1, dtype=pl.Int64).alias("supply_row")),
        ],
        how="vertical",
    ).with_row_index("node")
    n_supply = supply.height
    n_nodes = node_keys.height
    node_site = _codes(node_keys.get_column("site_id"), site_index)
    node_item = _codes(node_keys.get_column("item_id"), item_index)
    node_supply_row = node_keys.get_column("supply_row").to_numpy().astype(np.int64)

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

    node_frame = node_keys.select("node", "site_id", "item_id")
    parents_with_bom = bom.select(pl.col("parent_id").alias("item_id")).unique()
    inbound = flows.select("to_site", "item_id").unique().rename({"to_site": "site_id"})

    # Which supply nodes make their item from its BOM, and which only stock it. A node stocks
    # (passes through) when its site is a warehouse or customer, or when the item itself
    # arrives at the site by flow while none of its BOM children does.
    supplied = node_frame.filter(pl.col("node") < n_supply)
    stocking_sites = sites.filter(pl.col("kind").is_in(["warehouse", "customer"])).select("site_id")
    with_bom = supplied.join(parents_with_bom, on="item_id", how="semi")
    receipts = pl.concat([inbound, node_frame.select("site_id", "item_id")], how="vertical").unique()
    children_received = (
        with_bom.join(bom, left_on="item_id", right_on="parent_id", how="inner")
        .join(receipts.rename({"item_id": "child_id"}), on=["site_id", "child_id"], how="semi")
        .select("node")
        .unique()
    )
    stocking = pl.concat(
        [
            with_bom.join(stocking_sites, on="site_id", how="semi"),
            with_bom.join(inbound, on=["site_id", "item_id"], how="semi").join(
                children_received, on="node", how="anti"
            ),
        ],
        how="vertical",
    ).unique(subset="node")
    made = with_bom.join(stocking, on="node", how="anti")
    make_req = made.join(bom, left_on="item_id", right_on="parent_id", how="inner").select(
        "node", "site_id", pl.col("child_id").alias("child"), pl.col("quantity").alias("qty")
    )
    pass_nodes = pl.concat(
        [
            pl.concat([supplied.join(parents_with_bom, on="item_id", how="anti"), stocking], how="vertical").join(
                inbound, on=["site_id", "item_id"], how="semi"
            ),
            node_frame.filter(pl.col("node") >= n_supply),
        ],
        how="vertical",
    ).select("node", "site_id", pl.col("item_id").alias("child"), pl.lit(1.0).alias("qty"))
    # Internal edges: a make node takes the child from the site's own node for it.
    internal = make_req.join(
        node_frame.rename({"node": "supplier", "item_id": "child"}), on=["site_id", "child"], how="inner"
    )
    via_flows = pl.concat(
        [
            make_req.join(
                node_frame.rename({"item_id": "child"}).select("site_id", "child"), on=["site_id", "child"], how="anti"
            ),
            pass_nodes,
        ],
        how="vertical",
    )
    flow_frame = (
        flows.select(
            pl.col("from_site"),
            pl.col("to_site").alias("site_id"),
            pl.col("item_id").alias("child"),
            (pl.col("status") != "candidate").alias("active"),
        )
        .with_row_index("flow")
        .with_columns(pl.Series("share", flow_shares(flows)))
    )
    flow_edges = via_flows.join(flow_frame, on=["site_id", "child"], how="inner").join(
        node_frame.rename({"node": "supplier", "site_id": "from_site", "item_id": "child"}),
        on=["from_site", "child"],
        how="inner",
    )
    edges = pl.concat(
        [
            internal.select(
                pl.col("node").cast(pl.Int64).alias("consumer"),
                pl.col("supplier").cast(pl.Int64),
                "child",
                "qty",
                pl.lit(1.0).alias("share"),
                pl.lit(-1, dtype=pl.Int64).alias("flow"),
                pl.lit(True).alias("active"),
            ),
            flow_edges.select(
                pl.col("node").cast(pl.Int64).alias("consumer"),
                pl.col("supplier").cast(pl.Int64),
                "child",
                "qty",
                "share",
                pl.col("flow").cast(pl.Int64),
                "active",
            ),
        ],
        how="vertical",
    ).sort("consumer", "flow")
    consumer = edges.get_column("consumer").to_numpy().astype(np.int64)
    supplier = edges.get_column("supplier").to_numpy().astype(np.int64)
    edge_active = edges.get_column("active").to_numpy().astype(bool) & active[supplier] & active[consumer]

    kind = np.full(n_nodes, KIND_CODES.index("raw"), dtype=np.int64)
    kind[pass_nodes.get_column("node").to_numpy()] = KIND_CODES.index("pass")  # sinks overwritten below
    kind[make_req.get_column("node").unique().to_numpy()] = KIND_CODES.index("make")
    kind[n_supply:] = KIND_CODES.index("sink")

    node_lookup = node_frame.select("site_id", "item_id", "node")
    demand_nodes = (
        demand.select("site_id", "item_id")
        .join(node_lookup, on=["site_id", "item_id"], how="left", maintain_order="left")
        .get_column("node")
    )
    return NodeGraph(
        network=network,
        site_ids=site_ids,
        item_ids=item_ids,
        site_country=site_country,
        node_site=node_site,
        node_item=node_item,
        node_kind=kind,
        node_active=active,
        node_price=price,
        node_capacity=capacity,
        node_inventory=inventory,
        node_ttr_weeks=ttr,
        node_supply_row=node_supply_row,
        edge_consumer=consumer,
        edge_supplier=supplier,
        edge_item=_codes(edges.get_column("child"), item_index),
        edge_qty=edges.get_column("qty").to_numpy().astype(np.float64),
        edge_share=edges.get_column("share").to_numpy().astype(np.float64),
        edge_flow=edges.get_column("flow").to_numpy().astype(np.int64),
        edge_active=edge_active,
        demand_node=demand_nodes.fill_null(-1).to_numpy().astype(np.int64),
        demand_units=_float(demand.get_column("units_per_week"), 0.0),
    )


def multipliers(
    graph: NodeGraph, roots: IntArray, edge_mask: BoolArray | None = None, weights: sp.csr_matrix | None = None
) -> sp.csc_matrix:
    """Units of every node needed per unit of each root node (nodes x roots, sparse).

    ``M = sum_k (A^T)^k E``, summed level by level down the DAG; ``edge_mask``
    drops edges (for example, the flows through one border crossing). With
    ``weights`` (roots x k), the columns are the weighted mixes ``M W`` instead
    (nodes x k), computed without forming ``M``.
    """
    import scipy.sparse as sp

    # Row form: X_k = E^T A^k (roots x nodes), CSR throughout; the levels are summed once at the end.
    if edge_mask is None:
        a = graph._active_consumption
    else:
        mask = graph.edge_active & edge_mask
        a = consumer_matrix(
            graph.edge_consumer[mask],
            graph.edge_supplier[mask],
            (graph.edge_qty * graph.edge_share)[mask],
            graph.n_nodes,
        )
    n_roots = int(roots.shape[0])
    level = sp.csr_matrix((np.ones(n_roots), (np.arange(n_roots), roots)), shape=(n_roots, graph.n_nodes))
    if weights is not None:
        level = sp.csr_matrix(weights.T.tocsr() @ level)
        n_roots = level.shape[0]
    parts = [level.tocoo()]
    for _ in range(graph.n_nodes + 1):
        level = sp.csr_matrix(level @ a)
        level.eliminate_zeros()
        if level.nnz == 0:
            rows = np.concatenate([p.row for p in parts])
            cols = np.concatenate([p.col for p in parts])
            values = np.concatenate([p.data for p in parts])
            total = sp.csr_matrix((values, (rows, cols)), shape=(n_roots, graph.n_nodes))
            return sp.csc_matrix(total.T)
        parts.append(level.tocoo())
    raise ValueError("the node graph has a cycle")
