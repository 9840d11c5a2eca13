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

:func:`compile_network` never joins on text: each id column is read once as
integer codes (one Enum cast per vocabulary, sites and items), and (site, item)
pairs are matched as integer keys in one vectorised hash table.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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


def ranges(starts: IntArray, ends: IntArray) -> IntArray:
    """``starts[i]:ends[i]`` for every i, concatenated (empty ranges allowed).

    >>> ranges(np.array([2, 7, 0]), np.array([4, 7, 1])).tolist()
    [2, 3, 0]
    """
    lengths = ends - starts
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)


def _float(series: pl.Series, fill: float) -> FloatArray:
    return series.cast(pl.Float64).fill_null(fill).to_numpy().astype(np.float64)


# --------------------------------------------------------------------------- integer codes


@dataclass(frozen=True, eq=False)
class _Vocabulary:
    """The ids of one table (``sites`` or ``items``) as integer codes: code ``i`` is row ``i``.

    An id that other tables name but this one lacks gets a code from ``rows`` on (one per
    distinct id), so that it still matches itself and nothing else; a null id gets -1.
    """

    categories: pl.Series  # distinct ids: the table's own, then the unknown ones
    position: IntArray  # code of each category (its row; the last row where an id repeats)
    size: int  # codes in use: the table's rows, then the unknown ids
    identity: bool  # every category is its own code (no repeated or null id, no unknown one)

    @classmethod
    def of(cls, ids: pl.Series) -> _Vocabulary:
        n = ids.len()
        if ids.null_count() == 0:
            try:
                pl.Enum(ids)  # raises on a repeated id
                return cls(ids, np.arange(n, dtype=np.int64), n, True)
            except ValueError:
                pass
        last = {value: row for row, value in enumerate(ids.to_list()) if value is not None}
        return cls(pl.Series(list(last), dtype=pl.String), np.fromiter(last.values(), np.int64, len(last)), n, False)

    def expression(self, column: str) -> pl.Expr:
        """Category number of each id of ``column`` (-1 for null and for ids not in :attr:`categories`)."""
        return pl.col(column).cast(pl.Enum(self.categories), strict=False).to_physical().cast(pl.Int64).fill_null(-1)

    def decode(self, found: IntArray) -> IntArray:
        """Category numbers to codes."""
        return found if self.identity else np.where(found >= 0, self.position[found], -1)

    def extended(self, unknown: pl.Series) -> _Vocabulary:
        """This vocabulary with the (distinct, new) ids ``unknown`` appended."""
        added = np.arange(self.size, self.size + unknown.len(), dtype=np.int64)
        categories = pl.concat([self.categories, unknown.cast(pl.String)])
        return _Vocabulary(categories, np.concatenate([self.position, added]), self.size + unknown.len(), False)


#: The id columns compile_network reads, by vocabulary: (table, column).
_ID_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "site": (("supply", "site_id"), ("flows", "from_site"), ("flows", "to_site"), ("demand", "site_id")),
    "item": (
        ("supply", "item_id"),
        ("flows", "item_id"),
        ("bom", "parent_id"),
        ("bom", "child_id"),
        ("demand", "item_id"),
    ),
}


def _id_codes(network: Network, pool: ThreadPoolExecutor) -> tuple[dict[tuple[str, str], IntArray], int, int]:
    """Integer codes of every id column compile_network reads (see :class:`_Vocabulary`), and the
    number of site and item codes: the columns of one vocabulary in one pass, each id looked up once
    (:func:`_hashed_codes`, else an Enum cast), the two vocabularies side by side in ``pool``."""
    kinds = (("site", "sites"), ("item", "items"))
    ids = {kind: network.tables[table].get_column(f"{kind}_id") for kind, table in kinds}
    columns = {kind: [network.tables[t].get_column(c) for t, c in _ID_COLUMNS[kind]] for kind, _ in kinds}
    values = {kind: pl.concat(columns[kind]) for kind, _ in kinds}

    def encode(*which: str) -> dict[str, IntArray]:
        frames = pl.collect_all([pl.LazyFrame({"id": values[k]}).select(vocabulary[k].expression("id")) for k in which])
        return {
            k: vocabulary[k].decode(f.to_series().to_numpy().astype(np.int64))
            for k, f in zip(which, frames, strict=True)
        }

    code: dict[str, IntArray] = {}
    vocabulary: dict[str, _Vocabulary] = {}
    hashable = [kind for kind, _ in kinds if ids[kind].null_count() == 0]
    for kind, hashed in zip(hashable, pool.map(lambda k: _hashed_codes(ids[k], values[k]), hashable), strict=True):
        if hashed is not None:  # no null id and no two ids with one hash: distinct ids, each its own code
            n = ids[kind].len()
            vocabulary[kind] = _Vocabulary(ids[kind], np.arange(n, dtype=np.int64), n, True)
            code[kind] = hashed
    for kind, _ in kinds:
        if kind not in vocabulary:
            vocabulary[kind] = _Vocabulary.of(ids[kind])
    missing = [kind for kind, _ in kinds if kind not in code]
    if missing:
        code.update(encode(*missing))
    for kind, _ in kinds:
        if int(np.count_nonzero(code[kind] < 0)) > values[kind].null_count():  # ids the table lacks
            new = values[kind].filter(pl.Series(code[kind] < 0)).drop_nulls().unique(maintain_order=True)
            unknown = new.filter(~new.is_in(vocabulary[kind].categories.implode()))
            vocabulary[kind] = vocabulary[kind].extended(unknown)
            code.update(encode(kind))
    codes: dict[tuple[str, str], IntArray] = {}
    for kind, _ in kinds:
        bounds = np.cumsum([0, *(c.len() for c in columns[kind])])
        for (t, c), lo, hi in zip(_ID_COLUMNS[kind], bounds[:-1], bounds[1:], strict=True):
            codes[t, c] = code[kind][lo:hi]
    return codes, vocabulary["site"].size, vocabulary["item"].size


def _hashed_codes(ids: pl.Series, values: pl.Series) -> IntArray | None:
    """Row of each of ``values`` in ``ids`` (no null), -1 for null or absent: looked up by the ids'
    64-bit hashes in an open-addressing table of rows (:func:`_row_table`), every match then checked on the
    text. None when two ids share a hash or a match is not the same text (a hash collision): the caller looks
    them up another way."""
    if ids.len() == 0:
        return np.full(values.len(), -1, dtype=np.int64)
    id_hash = ids.hash().to_numpy()
    row_at, slot_hash, shift = _row_table(id_hash)
    rows = np.arange(id_hash.shape[0], dtype=np.int64)
    if not np.array_equal(_find_rows(row_at, slot_hash, shift, id_hash), rows):  # two ids with one hash
        return None
    code = _find_rows(row_at, slot_hash, shift, values.hash().to_numpy())
    code[values.is_null().to_numpy()] = -1
    same = (values == ids.gather(np.maximum(code, 0))) | pl.Series(code < 0)
    return code if bool(same.all()) else None


def _row_table(key_hash: NDArray[np.uint64]) -> tuple[NDArray[np.int32], NDArray[np.uint64], np.uint64]:
    """An open-addressing table (linear probing, at most half full) of the rows of ``key_hash``: row ``r``
    starts probing at slot ``key_hash[r] >> shift`` (the hash's top bits). Returns the row in each slot (-1:
    empty; 32-bit, half the memory to read), the hash of that row in each slot (0 where empty) and ``shift``."""
    bits = max(4, int(np.ceil(np.log2(max(key_hash.shape[0], 1) * 2))))
    size = 1 << bits
    shift = np.uint64(64 - bits)
    row_at = np.full(size, -1, dtype=np.int64)
    pending = np.arange(key_hash.shape[0], dtype=np.int64)
    pos = (key_hash >> shift).astype(np.int64)
    while pending.size:  # each round, every free slot sought goes to one of its seekers; the others probe on
        free = row_at[pos] == -1
        row_at[pos[free]] = pending[free]
        placed = np.zeros(pending.shape[0], dtype=bool)
        placed[free] = row_at[pos[free]] == pending[free]
        waiting = np.flatnonzero(~placed)
        pending, pos = pending[waiting], (pos[waiting] + 1) & (size - 1)
    slot_hash = np.where(row_at >= 0, key_hash[np.maximum(row_at, 0)] if key_hash.size else 0, 0).astype(np.uint64)
    if key_hash.shape[0] >= 2**31:
        raise ValueError("more than 2**31 ids")
    return row_at.astype(np.int32), slot_hash, shift


def _find_rows(
    row_at: NDArray[np.int32], slot_hash: NDArray[np.uint64], shift: np.uint64, query: NDArray[np.uint64]
) -> IntArray:
    """The first row of :func:`_row_table` on the probe path of each ``query`` hash whose hash is equal, else -1.

    The slot's row and hash are read side by side (not the hash through the row); an empty slot holds hash 0
    and row -1, so a query hash of 0 that meets it finds -1, as it should.
    """
    mask = row_at.shape[0] - 1
    pos = (query >> shift).view(np.int64)
    row = row_at.take(pos)
    match = slot_hash.take(pos) == query
    out = np.full(query.shape[0], -1, dtype=np.int64)
    np.copyto(out, row, where=match)
    todo = np.flatnonzero(~match & (row >= 0))
    pos = pos[todo]
    while todo.size:  # the few probing on, one slot per round
        pos = (pos + 1) & mask
        row = row_at.take(pos)
        match = slot_hash.take(pos) == query.take(todo)
        out[todo[match]] = row[match]
        on = np.flatnonzero(~match & (row >= 0))
        todo, pos = todo[on], pos[on]
    return out


class _KeyTable:
    """A hash table of non-negative integer keys, vectorised: open addressing, linear probing.

    :meth:`slots` gives each key its slot (the same slot for the same key); callers keep what
    they know of a key in arrays indexed by slot, with one extra element at the end that the
    slot -1 (a null key, or a key not found) reads.
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, capacity: int) -> None:
        self.bits = max(4, int(np.ceil(np.log2(max(capacity, 1) * 2))))  # at most half full
        self.size = 1 << self.bits
        self._keys = np.full(self.size, -1, dtype=np.int64)

    def slots(self, keys: IntArray, insert: bool = False) -> IntArray:
        """Slot of each key; -1 for a negative key, or for a key not in the table unless ``insert``.

        Every key probes at once, one slot per round. Inserting, the keys that meet a free slot are
        written to it together: one of them lands (the last written), and so do the keys equal to it;
        the others find the slot taken and probe on. Slots are never freed, so a key already in the
        table is met before any free slot on its path.
        """
        n = keys.shape[0]
        mask = self.size - 1
        valid = keys >= 0
        todo = None if bool(valid.all()) else np.flatnonzero(valid)  # None: every key, in order
        key = keys if todo is None else keys[todo]
        pos = (key.view(np.uint64) * self._MULTIPLIER >> np.uint64(64 - self.bits)).view(np.int64)
        out = np.full(n, -1, dtype=np.int64)
        table = self._keys
        while key.size:  # one probe per round
            held = table[pos]
            hit = held == key
            free = held == -1
            if insert:
                f = np.flatnonzero(free)
                if f.size:
                    at, sent = pos[f], key[f]
                    table[at] = sent
                    hit[f[table[at] == sent]] = True
                go = ~hit
            else:
                go = ~(hit | free)
            if todo is None:  # the first round, of every key
                np.copyto(out, pos, where=hit)
                todo = np.flatnonzero(go)
                key, pos = key[todo], (pos[todo] + 1) & mask
            else:
                out[todo[hit]] = pos[hit]
                on = np.flatnonzero(go)
                todo, key, pos = todo[on], key[on], (pos[on] + 1) & mask
        return out


def _group_rows(key: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Rows grouped by ``key`` (negative keys left out), in row order within a group.

    Returns ``(order, start, group_key)``: the rows of group ``g`` are ``order[start[g]:start[g + 1]]``
    and their key is ``group_key[g]`` (ascending).
    """
    order = stable_argsort(key)
    sorted_key = key[order]
    first = int(np.searchsorted(sorted_key, 0))
    order, sorted_key = order[first:], sorted_key[first:]
    new = np.ones(sorted_key.shape[0], dtype=bool)
    new[1:] = sorted_key[1:] != sorted_key[:-1]
    start = np.append(np.flatnonzero(new), sorted_key.shape[0]).astype(np.int64)
    return order.astype(np.int64), start, sorted_key[new]


def stable_argsort(key: IntArray) -> IntArray:
    """``np.argsort(key, kind="stable")``: numpy's stable sort (timsort, which merges the runs already in order)
    where ``key`` is mostly in order already (as the edges of :func:`compile_network` are: sorted runs, locally
    shuffled); otherwise polars sorts the distinct keys ``(key - min) * n + row`` (threaded) where they fit in 63 bits."""
    n = int(key.shape[0])
    if n < 2**14 or np.count_nonzero(key[1:] < key[:-1]) < n // 8:  # at most one in 8 out of order
        return np.argsort(key, kind="stable").astype(np.int64)
    low, high = int(key.min()), int(key.max())
    if (high - low + 1) * n >= 2**62:
        return np.argsort(key, kind="stable").astype(np.int64)
    distinct = (key - low) * n + np.arange(n, dtype=np.int64)
    return pl.Series(distinct).arg_sort().to_numpy().astype(np.int64)


def flow_shares(flows: pl.DataFrame) -> FloatArray:
    """Effective share of each flow among the active flows of its item into its site.

    Given shares are kept; blank shares split what is left equally; the shares
    of each (to_site, item) group are then scaled to sum to 1 so that the need is
    met in full. Candidate flows get share 0.
    """
    if flows.height == 0:
        return np.zeros(0)
    key = flows.select(pl.struct("to_site", "item_id").rank("dense").cast(pl.Int64) - 1).to_series().to_numpy()
    order, start, _ = _group_rows(key.astype(np.int64))
    active = (flows.get_column("status") != "candidate").fill_null(False).to_numpy().astype(bool)
    return _shares(order, start, flows.get_column("share"), active)


def _shares(order: IntArray, start: IntArray, share: pl.Series, active: BoolArray) -> FloatArray:
    """:func:`flow_shares` of the flows grouped by (to_site, item): group ``g`` is ``order[start[g]:start[g + 1]]``.

    Sums per group are compensated (Kahan, in row order, as polars sums groups): shares that add up to one
    on paper give exactly 1.
    """
    out = np.zeros(active.shape[0])
    keep = active[order]
    rows = order[keep]
    if rows.size == 0:
        return out
    length = np.diff(np.append(0, np.cumsum(keep)[start[1:] - 1]))  # active flows per group
    first = np.cumsum(length) - length
    g = np.repeat(np.arange(length.shape[0], dtype=np.int64), length)
    blank = share.is_null().to_numpy().astype(bool)[rows]
    value = np.where(blank, 0.0, share.cast(pl.Float64).to_numpy()[rows])
    given = kahan_sums(value, first, length)
    blanks = np.bincount(g, weights=blank, minlength=length.shape[0])
    raw = value
    with np.errstate(divide="ignore", invalid="ignore"):
        raw[blank] = np.maximum(1.0 - given[g[blank]], 0.0) / blanks[g[blank]]
        total = kahan_sums(raw, first, length)[g]
        out[rows] = np.where(total > 0, raw / total, 1.0 / length[g])
    return out


def kahan_sums(value: FloatArray, first: IntArray, length: IntArray) -> FloatArray:
    """Compensated (Kahan) sum of each run ``value[first[g]:first[g] + length[g]]``, in order.

    Vectorised over the runs, one step per position (the longest run's length in steps);
    a run of one or two values sums as plainly as ``+``, an empty one to 0.

    >>> kahan_sums(np.array([0.174, 0.478, 0.348, 2.0]), np.array([0, 3, 4]), np.array([3, 1, 0])).tolist()
    [1.0, 2.0, 0.0]
    """
    total = np.zeros(length.shape[0])
    at = np.flatnonzero(length > 0)  # runs with a value at position k, k = 0, 1, ...
    total[at] = value[first[at]]
    carry = np.zeros(length.shape[0])
    k = 1
    at = at[length[at] > k]
    while at.size:
        y = value[first[at] + k] - carry[at]
        t = total[at] + y
        carry[at] = (t - total[at]) - y
        total[at] = t
        k += 1
        at = at[length[at] > k]
    return total


# --------------------------------------------------------------------------- compile


def compile_network(network: Network) -> NodeGraph:
    """Compile a validated network into integer arrays (see :class:`NodeGraph`).

    Every id is first turned into an integer code (one hash look-up per cell); nodes,
    requirements and edges are then matched on integer keys ``site * items + item``
    with numpy gathers, hash look-ups and one grouping of the flows; no joins on text.
    (A validated network has one supply row per site and item; of repeated rows, the
    first supplies what the site ships of the item.)
    """
    with ThreadPoolExecutor(max_workers=2) as pool:  # numpy and polars let go of the GIL: two cores at work
        return _compile(network, pool)


def _compile(network: Network, pool: ThreadPoolExecutor) -> NodeGraph:
    sites, items, bom, supply, flows, demand = (
        network.sites,
        network.items,
        network.bom,
        network.supply,
        network.flows,
        network.demand,
    )
    codes, n_site_codes, n_item_codes = _id_codes(network, pool)
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
    supply_key = pair(supply_site, supply_item)
    demand_key = pair(codes["demand", "site_id"], codes["demand", "item_id"])
    flow_from, flow_item = codes["flows", "from_site"], codes["flows", "item_id"]
    bom_parent, bom_child = codes["bom", "parent_id"], codes["bom", "child_id"]
    bom_rows, bom_start, bom_parents = _group_rows(bom_parent)
    bom_first = np.zeros(n_item_codes + 1, dtype=np.int64)  # one extra slot, read by the code -1 (null): 0
    bom_last = np.zeros(n_item_codes + 1, dtype=np.int64)
    bom_first[bom_parents], bom_last[bom_parents] = bom_start[:-1], bom_start[1:]
    with_bom = np.flatnonzero(bom_last[supply_item] > bom_first[supply_item])
    lo, hi = bom_first[supply_item[with_bom]], bom_last[supply_item[with_bom]]
    req_node = np.repeat(with_bom, hi - lo)
    req_bom = bom_rows[ranges(lo, hi)]
    req_key = pair(supply_site[req_node], bom_child[req_bom])
    # One hash table of (site, item) keys: what is made or stocked there (node), what flows there (group).
    flow_order, group_start, group_key = _group_rows(pair(codes["flows", "to_site"], flow_item))
    flow_active = (flows.get_column("status") != "candidate").to_numpy().astype(bool)
    shares = pool.submit(_shares, flow_order, group_start, flows.get_column("share"), flow_active)  # meanwhile:
    table = _KeyTable(n_supply + group_key.shape[0] + demand_key.shape[0])
    node_at = np.full(table.size + 1, -1, dtype=np.int64)  # the first node of each slot
    supply_slot = table.slots(supply_key, insert=True)
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
    flow_supplier = node_at[table.slots(pair(flow_from, flow_item))]
    req_slot = table.slots(req_key)
    req_internal, req_group = node_at[req_slot], group_at[req_slot]
    node_group = group_at[node_slot]
    inbound = node_group >= 0
    n_nodes = node_slot.shape[0]
    node_site_code = np.concatenate([supply_site, codes["demand", "site_id"][sinks]])
    node_item_code = np.concatenate([supply_item, codes["demand", "item_id"][sinks]])

    item_cost = _float(items.get_column("unit_cost"), np.nan)
    node_site, node_item = known(node_site_code, n_sites), known(node_item_code, n_items)
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

    share = shares.result()  # of each flow among those of its item into its site
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
