"""Integer codes for the ids of a network's tables, and rows grouped by integer key.

:func:`compile_network <allyshore.model.graph.compile_network>` reads every id cell once, as an integer
code (:func:`id_codes`: one hash look-up per cell, each match checked on the text), then matches
(site, item) pairs of codes (:class:`KeyTable`) and groups rows by key (:func:`group_rows`) without
ever joining on text. The sourcing shares of flows grouped by (to_site, item) are here too
(:func:`flow_shares`), as the optimiser reads them without compiling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.model.arrays import BoolArray, FloatArray, IntArray
from allyshore.model.network import Network


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """The ids of one table (``sites`` or ``items``) as integer codes: code ``i`` is row ``i``.

    An id that other tables name but this one lacks gets a code from ``rows`` on (one per
    distinct id), so that it still matches itself and nothing else; a null id gets -1.
    """

    categories: pl.Series  # distinct ids: the table's own, then the unknown ones
    position: IntArray  # code of each category (its row; the last row where an id repeats)
    size: int  # codes in use: the table's rows, then the unknown ids
    identity: bool  # every category is its own code (no repeated or null id, no unknown one)

    @classmethod
    def of(cls, ids: pl.Series) -> Vocabulary:
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

    def extended(self, unknown: pl.Series) -> Vocabulary:
        """This vocabulary with the (distinct, new) ids ``unknown`` appended."""
        added = np.arange(self.size, self.size + unknown.len(), dtype=np.int64)
        categories = pl.concat([self.categories, unknown.cast(pl.String)])
        return Vocabulary(categories, np.concatenate([self.position, added]), self.size + unknown.len(), False)


#: The id columns compile_network reads, by vocabulary: (table, column).
ID_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "site": (("supply", "site_id"), ("flows", "from_site"), ("flows", "to_site"), ("demand", "site_id")),
    "item": (
        ("supply", "item_id"),
        ("flows", "item_id"),
        ("bom", "parent_id"),
        ("bom", "child_id"),
        ("demand", "item_id"),
    ),
}


def id_codes(network: Network) -> tuple[dict[tuple[str, str], IntArray], int, int]:
    """Integer codes of every id column compile_network reads (see :class:`Vocabulary`), and the
    number of site and item codes: the columns of one vocabulary in one pass, each id looked up once
    (:func:`hashed_codes`, else an Enum cast)."""
    kinds = (("site", "sites"), ("item", "items"))
    ids = {kind: network.tables[table].get_column(f"{kind}_id") for kind, table in kinds}
    columns = {kind: [network.tables[t].get_column(c) for t, c in ID_COLUMNS[kind]] for kind, _ in kinds}
    values = {kind: pl.concat(columns[kind]) for kind, _ in kinds}

    def encode(*which: str) -> dict[str, IntArray]:
        frames = pl.collect_all([pl.LazyFrame({"id": values[k]}).select(vocabulary[k].expression("id")) for k in which])
        return {
            k: vocabulary[k].decode(f.to_series().to_numpy().astype(np.int64))
            for k, f in zip(which, frames, strict=True)
        }

    code: dict[str, IntArray] = {}
    vocabulary: dict[str, Vocabulary] = {}
    hashable = [kind for kind, _ in kinds if ids[kind].null_count() == 0]
    for kind in hashable:
        hashed = hashed_codes(ids[kind], values[kind])
        if hashed is not None:  # no null id and no two ids with one hash: distinct ids, each its own code
            n = ids[kind].len()
            vocabulary[kind] = Vocabulary(ids[kind], np.arange(n, dtype=np.int64), n, True)
            code[kind] = hashed
    for kind, _ in kinds:
        if kind not in vocabulary:
            vocabulary[kind] = Vocabulary.of(ids[kind])
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
        for (t, c), lo, hi in zip(ID_COLUMNS[kind], bounds[:-1], bounds[1:], strict=True):
            codes[t, c] = code[kind][lo:hi]
    return codes, vocabulary["site"].size, vocabulary["item"].size


def hashed_codes(ids: pl.Series, values: pl.Series) -> IntArray | None:
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


class KeyTable:
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


def group_rows(key: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Rows grouped by ``key`` (negative keys left out), in row order within a group.

    Returns ``(order, start, group_key)``: the rows of group ``g`` are ``order[start[g]:start[g + 1]]``
    and their key is ``group_key[g]`` (ascending).
    """
    order, sorted_key = _sorted_rows(key)
    first = int(np.searchsorted(sorted_key, 0))
    order, sorted_key = order[first:], sorted_key[first:]
    new = np.ones(sorted_key.shape[0], dtype=bool)
    new[1:] = sorted_key[1:] != sorted_key[:-1]
    start = np.append(np.flatnonzero(new), sorted_key.shape[0]).astype(np.int64)
    return order, start, sorted_key[new]


def stable_argsort(key: IntArray) -> IntArray:
    """``np.argsort(key, kind="stable")``: numpy's stable sort (timsort, which merges the runs already in order)
    where ``key`` is mostly in order already (as the edges of :func:`compile_network` are: sorted runs, locally
    shuffled); otherwise polars sorts the distinct keys ``(key - min) * n + row`` (threaded) where they fit in 63
    bits, and the rows are read back from them."""
    return _sorted_rows(key)[0]


def _sorted_rows(key: IntArray) -> tuple[IntArray, IntArray]:
    """:func:`stable_argsort` of ``key``, and ``key`` in that order."""
    n = int(key.shape[0])
    if n < 2**14 or np.count_nonzero(key[1:] < key[:-1]) < n // 8:  # at most one in 8 out of order
        order = np.argsort(key, kind="stable").astype(np.int64)
        return order, key[order]
    low, high = int(key.min()), int(key.max())
    if (high - low + 1) * n >= 2**62:
        order = np.argsort(key, kind="stable").astype(np.int64)
        return order, key[order]
    # The composite keys are distinct, so sorting the values (cheaper than an arg-sort) orders the rows.
    distinct = pl.Series((key - low) * n + np.arange(n, dtype=np.int64)).sort().to_numpy()
    sorted_key, order = np.divmod(distinct, n)
    return order, sorted_key + low


def flow_shares(flows: pl.DataFrame) -> FloatArray:
    """Effective share of each flow among the active flows of its item into its site.

    Given shares are kept; blank shares split what is left equally; the shares
    of each (to_site, item) group are then scaled to sum to 1 so that the need is
    met in full. Candidate flows get share 0.
    """
    if flows.height == 0:
        return np.zeros(0)
    key = flows.select(pl.struct("to_site", "item_id").rank("dense").cast(pl.Int64) - 1).to_series().to_numpy()
    order, start, _ = group_rows(key.astype(np.int64))
    active = (flows.get_column("status") != "candidate").fill_null(False).to_numpy().astype(bool)
    return group_shares(order, start, flows.get_column("share"), active)


def group_shares(order: IntArray, start: IntArray, share: pl.Series, active: BoolArray) -> FloatArray:
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
    raw = value
    with np.errstate(divide="ignore", invalid="ignore"):
        if bool(blank.any()):  # blank shares split what the given ones leave
            given = kahan_sums(value, first, length)
            blanks = np.bincount(g, weights=blank, minlength=length.shape[0])
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
