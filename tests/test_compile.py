"""compile_network on integer codes: its building blocks, and the same graph whichever way ids are coded."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import allyshore
from allyshore.model import codes as codes_module
from allyshore.model.codes import KeyTable, hashed_codes, kahan_sums, stable_argsort
from allyshore.model.graph import NodeGraph, compile_network
from allyshore.model.network import Network

FIELDS = (
    "node_site",
    "node_item",
    "node_kind",
    "node_active",
    "node_price",
    "node_supply_row",
    "edge_consumer",
    "edge_supplier",
    "edge_item",
    "edge_qty",
    "edge_share",
    "edge_flow",
    "edge_active",
    "demand_node",
)


def same_graph(a: NodeGraph, b: NodeGraph) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f), equal_nan=getattr(a, f).dtype.kind == "f") for f in FIELDS)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-3, 400), max_size=300), st.lists(st.integers(-3, 800), max_size=300))
def test_key_table_gives_one_slot_per_key(inserted: list[int], queried: list[int]) -> None:
    table = KeyTable(max(len(inserted), 1))
    keys = np.asarray(inserted, dtype=np.int64)
    slots = table.slots(keys, insert=True)
    assert np.array_equal(slots < 0, keys < 0)
    slot_of: dict[int, int] = {}
    for key, slot in zip(keys.tolist(), slots.tolist(), strict=True):
        if key >= 0:
            assert slot_of.setdefault(key, slot) == slot
    assert len(set(slot_of.values())) == len(slot_of)
    found = table.slots(np.asarray(queried, dtype=np.int64))
    assert found.tolist() == [slot_of.get(k, -1) for k in queried]


def kahan(values: list[float]) -> float:
    total = carry = 0.0
    for v in values:
        y = v - carry
        t = total + y
        carry = (t - total) - y
        total = t
    return total


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0, 1, allow_subnormal=False), max_size=7), max_size=40))
def test_kahan_sums_are_polars_group_sums(runs: list[list[float]]) -> None:
    """Compensated sums, in order (what polars gives for a sum over groups), bit for bit."""
    length = np.asarray([len(r) for r in runs], dtype=np.int64)
    first = np.cumsum(length) - length
    values = np.asarray([v for r in runs for v in r], dtype=np.float64)
    assert kahan_sums(values, first, length).tolist() == [kahan(r) for r in runs]


def test_hashed_codes_are_rows_nulls_and_strangers_none() -> None:
    ids = pl.Series(["P", "S1", "S2"])
    values = pl.Series(["S2", None, "P", "X", "S1", "S2"])
    assert hashed_codes(ids, values).tolist() == [2, -1, 0, -1, 1, 2]  # type: ignore[union-attr]
    assert hashed_codes(pl.Series([], dtype=pl.String), values).tolist() == [-1] * 6  # type: ignore[union-attr]
    assert hashed_codes(pl.Series(["P", "S1", "P"]), values) is None  # a repeated id: coded another way


def test_stable_argsort_is_numpys_stable_argsort() -> None:
    """Polars' sort of (key, row) orders equal keys by row, as numpy's stable sort does (a repeated key in
    every group, negative keys, and a key range too wide for the composite key, which numpy sorts)."""
    rng = np.random.default_rng(5)
    for key in (
        rng.integers(-1, 50, 40_000),
        rng.integers(0, 2**40, 40_000) * np.int64(2**20),
        np.zeros(20_000, dtype=np.int64),
        rng.integers(-1, 3, 100),
    ):
        key = key.astype(np.int64)
        assert np.array_equal(stable_argsort(key), np.argsort(key, kind="stable"))


def test_the_enum_way_gives_the_same_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where hashing cannot be trusted (two ids in one slot, a match that is not the same text), ids are
    coded by an Enum cast: the graph is the same."""
    network = allyshore.generate_network(items=150, seed=3)
    hashed = compile_network(network)
    monkeypatch.setattr(codes_module, "hashed_codes", lambda ids, values: None)
    assert same_graph(hashed, compile_network(network))


def test_ids_the_tables_lack_match_nothing_but_themselves(tiny_document: dict[str, Any]) -> None:
    """On an unchecked network, a flow from a site the sites table lacks feeds nothing, and demand at such a
    site is a sink that receives the flows into it (its ids still match themselves)."""
    network = Network.from_dict(tiny_document)
    tables = dict(network.tables)
    flows = tables["flows"]
    extra = flows.head(1).with_columns(pl.lit("GHOST").alias("from_site"))
    ghost_in = flows.filter(pl.col("item_id") == "G").with_columns(pl.lit("GHOST").alias("to_site"))
    tables["flows"] = pl.concat([flows, extra, ghost_in])
    demand = tables["demand"]
    tables["demand"] = pl.concat([demand, demand.head(1).with_columns(pl.lit("GHOST").alias("site_id"))])
    graph = compile_network(Network(tables=tables, name="unchecked"))
    plain = compile_network(network)
    ghost_flow = flows.height  # the flow from GHOST
    assert ghost_flow not in graph.edge_flow.tolist()
    sink = int(graph.demand_node[-1])
    assert graph.node_site[sink] == -1 and graph.node_kind[sink] == 3  # a sink at an unknown site
    assert graph.edge_supplier[graph.edge_consumer == sink].size == 1  # fed by the flow into GHOST
    assert graph.n_nodes == plain.n_nodes + 1
