"""The roll-up kernel (allyshore.model.rollup) on a network small enough to work by hand.

Sites: plant P (MX), suppliers S (CN) and T (US), warehouse W (US), customer C (US).
G is made at P from 2 A (made at P too: an internal edge) and 1 B (from S 25% and T 75%);
A is made from 3 R (from S). G goes P -> W -> C; C demands 10 G a week and has no supply
row (a sink). Prices: G 100, A 20, R 2, B 10 at S and 14 at T; W and C have none.

Worked out on paper:

* units for one G at C: C 1, W 1, P/G 1, P/A 2, R 6, B 0.25 at S and 0.75 at T;
* value added: P/G 100 - (2 x 20 + 0.25 x 10 + 0.75 x 14) = 47, P/A 20 - 3 x 2 = 14, R 2,
  B 10 and 14, W and C 0 (they pass the cost of G on: effective price 100);
* embodied per unit: R 2, A 14 + 3 x 2 = 20, G 47 + 2 x 20 + 0.25 x 10 + 0.75 x 14 = 100.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from allyshore import Network
from allyshore.model.graph import NodeGraph, compile_network
from allyshore.model.rollup import (
    Levels,
    calc_embodied,
    calc_embodied_without,
    calc_levels,
    calc_prices,
    calc_requirement_matrix,
    calc_requirements,
    calc_value_added,
)

DOCUMENT: dict[str, Any] = {
    "sites": [
        {"site_id": "P", "country": "MX", "kind": "plant"},
        {"site_id": "S", "country": "CN", "kind": "supplier"},
        {"site_id": "T", "country": "US", "kind": "supplier"},
        {"site_id": "W", "country": "US", "kind": "warehouse"},
        {"site_id": "C", "country": "US", "kind": "customer"},
    ],
    "items": [{"item_id": "G"}, {"item_id": "A"}, {"item_id": "B"}, {"item_id": "R"}],
    "bom": [
        {"parent_id": "G", "child_id": "A", "quantity": 2},
        {"parent_id": "G", "child_id": "B", "quantity": 1},
        {"parent_id": "A", "child_id": "R", "quantity": 3},
    ],
    "supply": [
        {"site_id": "P", "item_id": "G", "unit_price": 100},
        {"site_id": "P", "item_id": "A", "unit_price": 20},
        {"site_id": "S", "item_id": "R", "unit_price": 2},
        {"site_id": "S", "item_id": "B", "unit_price": 10},
        {"site_id": "T", "item_id": "B", "unit_price": 14},
        {"site_id": "W", "item_id": "G"},
    ],
    "flows": [
        {"from_site": "S", "to_site": "P", "item_id": "R"},
        {"from_site": "S", "to_site": "P", "item_id": "B", "share": 0.25, "crossing": "Long Beach"},
        {"from_site": "T", "to_site": "P", "item_id": "B", "share": 0.75, "crossing": "Laredo"},
        {"from_site": "P", "to_site": "W", "item_id": "G", "crossing": "Laredo"},
        {"from_site": "W", "to_site": "C", "item_id": "G"},
    ],
    "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}],
}
LABELS = ("P/G", "P/A", "S/R", "S/B", "T/B", "W/G", "C/G")  # the node order: supply rows, then the sink


@pytest.fixture(scope="module")
def graph() -> NodeGraph:
    compiled = compile_network(Network.from_dict(DOCUMENT))
    assert tuple(compiled.node_label(n) for n in range(compiled.n_nodes)) == LABELS
    return compiled


@pytest.fixture(scope="module")
def levels(graph: NodeGraph) -> Levels:
    return calc_levels(graph)


def by_label(values: np.ndarray) -> dict[str, float]:
    return {label: float(v) for label, v in zip(LABELS, values, strict=True)}


def vector(**values: float) -> np.ndarray:
    out = np.zeros(len(LABELS))
    for label, v in values.items():
        out[LABELS.index(label.replace("_", "/"))] = v
    return out


def test_levels_group_edges_by_consumer_depth(levels: Levels) -> None:
    # Depth: raw sources 1, P/A 2, P/G 3, W/G 4, C/G 5.
    assert by_label(levels.depth) == {"P/G": 3, "P/A": 2, "S/R": 1, "S/B": 1, "T/B": 1, "W/G": 4, "C/G": 5}
    assert levels.n_levels == 5
    consumers = [LABELS[n] for n in levels.consumer_of_entries()]
    assert consumers == ["P/A", "P/G", "P/G", "P/G", "W/G", "C/G"]
    assert levels.weight.tolist() == [3.0, 2.0, 0.25, 0.75, 1.0, 1.0]


def test_levels_of_graphs_without_edges_or_nodes() -> None:
    """Two supply rows and no flow or bill of materials: two raw sources at depth 1, no entries, so one unit of
    each embodies only its own value (3 and 4) and a demand of 2 and 5 needs just that. A network without supply
    rows has no nodes: no levels, and empty roll-ups."""
    sites = [{"site_id": "S", "country": "CN", "kind": "supplier"}]
    two = compile_network(
        Network.from_dict(
            {
                "sites": sites,
                "items": [{"item_id": "A"}, {"item_id": "B"}],
                "supply": [{"site_id": "S", "item_id": "A"}, {"site_id": "S", "item_id": "B"}],
            }
        )
    )
    levels = calc_levels(two)
    assert levels.depth.tolist() == [1, 1]
    assert (levels.n_levels, levels.supplier.size, levels.group_node.size) == (1, 0, 0)
    assert calc_embodied(levels, np.array([3.0, 4.0])).tolist() == [3.0, 4.0]
    assert calc_requirements(levels, np.array([2.0, 5.0])).tolist() == [2.0, 5.0]
    none = calc_levels(compile_network(Network.from_dict({"sites": sites, "items": [{"item_id": "A"}]})))
    assert (none.n_nodes, none.n_levels, none.supplier.size) == (0, 0, 0)
    assert calc_embodied(none, np.zeros(0)).size == 0
    assert calc_requirements(none, np.zeros(0)).size == 0


def eight_products() -> NodeGraph:
    """Plant P makes G1..G8 and A1..A8 (supply rows G1, A1, G2, A2, ...); S supplies the raw R and Q. Gi is made from
    i Ai and 1 R, Ai from 1 R and 1 Q: depths R, Q 1, Ai 2, Gi 3, so the entries, sorted by consumer, have consumer
    depths 3, 3, 2, 2 repeated eight times (32 entries: a sort that is not stable mixes the consumers of a level)."""
    items = [f"{kind}{i}" for i in range(1, 9) for kind in ("G", "A")]
    bom = []
    for i in range(1, 9):
        bom += [
            {"parent_id": f"G{i}", "child_id": f"A{i}", "quantity": i},
            {"parent_id": f"G{i}", "child_id": "R", "quantity": 1},
        ]
        bom += [{"parent_id": f"A{i}", "child_id": c, "quantity": 1} for c in ("R", "Q")]
    return compile_network(
        Network.from_dict(
            {
                "sites": [
                    {"site_id": "P", "country": "MX", "kind": "plant"},
                    {"site_id": "S", "country": "CN", "kind": "supplier"},
                ],
                "items": [{"item_id": i} for i in [*items, "R", "Q"]],
                "bom": bom,
                "supply": [{"site_id": "P", "item_id": i} for i in items]
                + [{"site_id": "S", "item_id": "R"}, {"site_id": "S", "item_id": "Q"}],
                "flows": [{"from_site": "S", "to_site": "P", "item_id": i} for i in ("R", "Q")],
            }
        )
    )


@pytest.mark.parametrize("order", ["compiled", "shuffled"])
def test_levels_keep_each_consumers_entries_together(order: str) -> None:
    """The eight products, with the edges as compiled (sorted by consumer) or reordered (the first edge kept first,
    the others reversed: a consumer's two edges then come apart). One unit of every node (``own`` all 1) embodies
    at Ai 1 + 1 + 1 = 3 and at Gi 1 + 3i + 1 = 3i + 2; one of each G needs i Ai, 8 + (1 + ... + 8) = 44 R and
    36 Q. Each level holds each consumer once."""
    graph = eight_products()
    if order == "shuffled":
        perm = np.concatenate([[0], np.arange(graph.n_edges - 1, 0, -1)])
        fields = ("edge_consumer", "edge_supplier", "edge_item", "edge_qty", "edge_share", "edge_flow", "edge_active")
        graph = dataclasses.replace(graph, **{f: getattr(graph, f)[perm] for f in fields})
        assert not bool(np.all(np.diff(graph.edge_consumer) >= 0))
    labels = [graph.node_label(n) for n in range(graph.n_nodes)]
    levels = calc_levels(graph)
    assert levels.n_levels == 3
    for index in (levels.bounds, levels.group_bounds, levels.group_start, levels.group_node, levels.edge):
        assert index.dtype == np.int64  # as Levels declares them (IntArray)
    assert levels.bounds.tolist() == [0, 0, 16, 32]
    assert sorted(levels.group_node.tolist()) == list(range(16))  # each G and A once
    embodied = dict(zip(labels, calc_embodied(levels, np.ones(graph.n_nodes)).tolist(), strict=True))
    demand = np.array([1.0 if label.startswith("P/G") else 0.0 for label in labels])
    needed = dict(zip(labels, calc_requirements(levels, demand).tolist(), strict=True))
    for i in range(1, 9):
        assert (embodied[f"P/A{i}"], embodied[f"P/G{i}"]) == (3.0, 3.0 * i + 2.0)
        assert (needed[f"P/A{i}"], needed[f"P/G{i}"]) == (i, 1.0)
    assert (needed["S/R"], needed["S/Q"]) == (44.0, 36.0)


def test_levels_of_a_chain_deeper_than_sixteen_bits_count() -> None:
    """A chain of 2^15 nodes, node j made from node j - 1 (one of the roll-up's graphs made directly, with the
    depth of a chain, j + 1, given rather than computed: computing it walks 2^15 levels). The deepest node has
    depth 2^15, beyond a 16-bit signed integer: levels 2 .. 2^15 hold one entry each, consumers 1 .. 2^15 - 1 in
    order, so ``bounds`` is 0, 0, 1, ..., 2^15 - 1."""
    n = 2**15
    one = compile_network(
        Network.from_dict(
            {
                "sites": [{"site_id": "S", "country": "CN", "kind": "supplier"}],
                "items": [{"item_id": "A"}],
                "supply": [{"site_id": "S", "item_id": "A"}],
            }
        )
    )
    nodes, edges = np.zeros(n, dtype=np.int64), np.zeros(n - 1, dtype=np.int64)
    chain = dataclasses.replace(
        one,
        node_site=nodes,
        node_item=nodes,
        edge_consumer=np.arange(1, n),
        edge_supplier=np.arange(n - 1),
        edge_item=edges,
        edge_qty=np.ones(n - 1),
        edge_share=np.ones(n - 1),
        edge_flow=edges - 1,
        edge_active=np.ones(n - 1, dtype=bool),
    )
    chain.__dict__["depth"] = np.arange(1, n + 1)  # the cached property, set before it is computed
    levels = calc_levels(chain)
    assert levels.n_levels == n
    assert np.array_equal(levels.group_node, np.arange(1, n))
    assert np.array_equal(levels.bounds, np.concatenate([[0], np.arange(n)]))


def test_requirements_for_the_weekly_demand(levels: Levels) -> None:
    weekly = calc_requirements(levels, vector(C_G=10.0))
    assert by_label(weekly) == pytest.approx(
        {"C/G": 10, "W/G": 10, "P/G": 10, "P/A": 20, "S/R": 60, "S/B": 2.5, "T/B": 7.5}
    )


def test_requirements_of_two_demands_at_once(levels: Levels) -> None:
    """A nodes x 2 ``final``: 10 G at C (as above), and 1 A at P, which needs 3 R. The arrays given are not
    changed (the sums go into a copy), 1-D or 2-D."""
    final = np.column_stack([vector(C_G=10.0), vector(P_A=1.0)])
    given = final.copy()
    weekly = calc_requirements(levels, final)
    assert by_label(weekly[:, 0]) == pytest.approx(
        {"C/G": 10, "W/G": 10, "P/G": 10, "P/A": 20, "S/R": 60, "S/B": 2.5, "T/B": 7.5}
    )
    assert by_label(weekly[:, 1]) == {"C/G": 0, "W/G": 0, "P/G": 0, "P/A": 1, "S/R": 3, "S/B": 0, "T/B": 0}
    assert np.array_equal(final, given)
    one = vector(C_G=1.0)
    calc_requirements(levels, one)
    assert np.array_equal(one, vector(C_G=1.0))


def test_requirements_with_an_edge_dropped(levels: Levels) -> None:
    keep = np.ones(levels.supplier.shape[0])
    keep[levels.weight == 0.25] = 0.0  # B from S no longer counted
    weekly = calc_requirements(levels, vector(C_G=1.0), keep=keep)
    assert by_label(weekly)["S/B"] == 0.0
    assert by_label(weekly)["T/B"] == pytest.approx(0.75)


def test_requirement_matrix_rows_are_demand_mixes(levels: Levels) -> None:
    seed = sp.csr_matrix(np.vstack([vector(C_G=1.0), vector(P_A=1.0, S_B=2.0)]))
    matrix = calc_requirement_matrix(levels, seed).toarray()
    assert by_label(matrix[0]) == pytest.approx(
        {"C/G": 1, "W/G": 1, "P/G": 1, "P/A": 2, "S/R": 6, "S/B": 0.25, "T/B": 0.75}
    )
    assert by_label(matrix[1]) == pytest.approx({"C/G": 0, "W/G": 0, "P/G": 0, "P/A": 1, "S/R": 3, "S/B": 2, "T/B": 0})
    assert calc_requirement_matrix(levels, seed).nnz == 7 + 3  # one entry per (row, node) reached


def test_requirement_matrix_of_demands_below_the_top(levels: Levels) -> None:
    """Demand mixes that reach no node at the deepest levels (C/G at depth 5, W/G at 4): one G at P (depth 3)
    needs P/G 1, P/A 2, S/R 6, S/B 0.25, T/B 0.75; 4 B from S alone (depth 1) needs just those 4."""
    seed = sp.csr_matrix(np.vstack([vector(P_G=1.0), vector(S_B=4.0)]))
    matrix = calc_requirement_matrix(levels, seed).toarray()
    assert by_label(matrix[0]) == pytest.approx(
        {"C/G": 0, "W/G": 0, "P/G": 1, "P/A": 2, "S/R": 6, "S/B": 0.25, "T/B": 0.75}
    )
    assert by_label(matrix[1]) == pytest.approx({"C/G": 0, "W/G": 0, "P/G": 0, "P/A": 0, "S/R": 0, "S/B": 4, "T/B": 0})


def test_requirement_matrix_with_an_edge_dropped(levels: Levels) -> None:
    """``keep`` drops the edge B from S (weight 0.25): one G at C then needs C/G, W/G, P/G 1, P/A 2, S/R 6 and
    T/B 0.75 as before, but nothing from S/B (no entry at all), as calc_requirements gives with that edge kept at 0."""
    keep = levels.weight != 0.25
    assert int(keep.sum()) == keep.size - 1
    seed = sp.csr_matrix(vector(C_G=1.0)[None, :])
    matrix = calc_requirement_matrix(levels, seed, keep=keep)
    assert by_label(matrix.toarray()[0]) == pytest.approx(
        {"C/G": 1, "W/G": 1, "P/G": 1, "P/A": 2, "S/R": 6, "S/B": 0, "T/B": 0.75}
    )
    assert matrix.nnz == 6
    assert matrix.toarray()[0] == pytest.approx(calc_requirements(levels, vector(C_G=1.0), keep=keep.astype(float)))


def test_requirement_matrix_drops_stored_zeros_of_the_demand(levels: Levels) -> None:
    """Two demand mixes that store a 0 (a sparse matrix may hold explicit zeros): the first a 0 for W/G beside
    1 P/A, the second only a 0 for W/G. W/G needs nothing, so the first row holds P/A 1 and S/R 3 (A from 3 R) and
    the second row nothing: no entry for W/G in either ("exact zeros dropped"), also where nothing else is filed
    with the zero and could sum it away."""
    w, a = LABELS.index("W/G"), LABELS.index("P/A")
    seed = sp.csr_matrix(([0.0, 1.0], ([0, 0], [w, a])), shape=(1, len(LABELS)))
    assert seed.nnz == 2  # the zero is stored
    matrix = calc_requirement_matrix(levels, seed)
    assert by_label(matrix.toarray()[0]) == pytest.approx(
        {"C/G": 0, "W/G": 0, "P/G": 0, "P/A": 1, "S/R": 3, "S/B": 0, "T/B": 0}
    )
    assert sorted(LABELS[c] for c in matrix.indices) == ["P/A", "S/R"]
    only_zero = sp.csr_matrix(([0.0], ([0], [w])), shape=(1, len(LABELS)))
    assert only_zero.nnz == 1
    nothing = calc_requirement_matrix(levels, only_zero)
    assert nothing.shape == (1, len(LABELS))
    assert nothing.nnz == 0


def test_value_added_and_effective_prices(graph: NodeGraph, levels: Levels) -> None:
    margin, price, priced = calc_value_added(graph, levels)
    assert by_label(margin) == pytest.approx({"P/G": 47, "P/A": 14, "S/R": 2, "S/B": 10, "T/B": 14, "W/G": 0, "C/G": 0})
    assert by_label(price) == pytest.approx(
        {"P/G": 100, "P/A": 20, "S/R": 2, "S/B": 10, "T/B": 14, "W/G": 100, "C/G": 100}
    )
    assert [LABELS[n] for n in np.flatnonzero(~priced)] == ["W/G", "C/G"]


def test_a_stocking_point_with_its_own_price_adds_value() -> None:
    """Warehouse W (its supply row first, row 0) sells G at 120 and receives it from plant P, which makes it at
    100: W adds 120 − 100 = 20 and P 100 (a raw source). The levels are built when not given."""
    graph = compile_network(
        Network.from_dict(
            {
                "sites": [
                    {"site_id": "W", "country": "US", "kind": "warehouse"},
                    {"site_id": "P", "country": "MX", "kind": "plant"},
                ],
                "items": [{"item_id": "G"}],
                "supply": [
                    {"site_id": "W", "item_id": "G", "unit_price": 120},
                    {"site_id": "P", "item_id": "G", "unit_price": 100},
                ],
                "flows": [{"from_site": "P", "to_site": "W", "item_id": "G"}],
            }
        )
    )
    labels = [graph.node_label(n) for n in range(graph.n_nodes)]
    assert int(graph.node_supply_row[labels.index("W/G")]) == 0
    margin, price, priced = calc_value_added(graph)
    assert dict(zip(labels, margin.tolist(), strict=True)) == pytest.approx({"W/G": 20.0, "P/G": 100.0})
    assert dict(zip(labels, price.tolist(), strict=True)) == pytest.approx({"W/G": 120.0, "P/G": 100.0})
    assert bool(priced.all())


def test_a_plant_priced_by_its_items_unit_cost() -> None:
    """Plant P makes G from 2 K bought from S at 10; G has no unit_price on its supply row but the item's
    unit_cost is 50, which is its price: P adds 50 − 2 x 10 = 30."""
    graph = compile_network(
        Network.from_dict(
            {
                "sites": [
                    {"site_id": "P", "country": "MX", "kind": "plant"},
                    {"site_id": "S", "country": "CN", "kind": "supplier"},
                ],
                "items": [{"item_id": "G", "unit_cost": 50}, {"item_id": "K"}],
                "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
                "supply": [{"site_id": "P", "item_id": "G"}, {"site_id": "S", "item_id": "K", "unit_price": 10}],
                "flows": [{"from_site": "S", "to_site": "P", "item_id": "K"}],
            }
        )
    )
    labels = [graph.node_label(n) for n in range(graph.n_nodes)]
    margin, price, priced = calc_value_added(graph)
    assert dict(zip(labels, margin.tolist(), strict=True)) == pytest.approx({"P/G": 30.0, "S/K": 10.0})
    assert dict(zip(labels, price.tolist(), strict=True)) == pytest.approx({"P/G": 50.0, "S/K": 10.0})
    assert bool(priced.all())


def test_prices_of_unknown_nodes_are_their_inputs(levels: Levels) -> None:
    # Only the raw sources priced: A costs 3 x 2 = 6, G 2 x 6 + 0.25 x 10 + 0.75 x 14 = 25.
    given = vector(S_R=2.0, S_B=10.0, T_B=14.0)
    price, inputs = calc_prices(levels, given, given > 0)
    assert by_label(price) == pytest.approx({"P/G": 25, "P/A": 6, "S/R": 2, "S/B": 10, "T/B": 14, "W/G": 25, "C/G": 25})
    assert by_label(inputs)["S/R"] == 0.0


def test_embodied_value_per_unit(graph: NodeGraph, levels: Levels) -> None:
    value_added = np.maximum(calc_value_added(graph, levels)[0], 0.0)
    embodied = calc_embodied(levels, value_added)
    assert by_label(embodied) == pytest.approx(
        {"P/G": 100, "P/A": 20, "S/R": 2, "S/B": 10, "T/B": 14, "W/G": 100, "C/G": 100}
    )
    # Two columns at once: the value made in CN (R and B at S) and in the US (B at T).
    own = np.column_stack([value_added * (graph.node_country == "CN"), value_added * (graph.node_country == "US")])
    both = calc_embodied(levels, own)
    assert both[LABELS.index("C/G")].tolist() == pytest.approx([2 * 3 * 2 + 0.25 * 10, 0.75 * 14])


def test_roll_ups_of_integer_vectors_are_float(levels: Levels) -> None:
    """Whole numbers given as integers: one unit of every node (``own`` all 1) embodies at P/A 1 + 3 x 1 = 4, at
    P/G 1 + 2 x 4 + 0.25 + 0.75 = 10, at W/G 11, at C/G 12; a demand of 10 G at C (an integer) needs 2.5 B from S
    (shares are fractions, so the results are floats). The kernels are typed for float arrays; callers without
    type checks (notebooks, scripts) pass whatever NumPy makes of their numbers."""
    embodied = calc_embodied(levels, np.ones(len(LABELS), dtype=np.int64))
    assert embodied.dtype == np.float64
    assert by_label(embodied) == {"P/G": 10, "P/A": 4, "S/R": 1, "S/B": 1, "T/B": 1, "W/G": 11, "C/G": 12}
    final = np.zeros(len(LABELS), dtype=np.int64)
    final[LABELS.index("C/G")] = 10
    weekly = calc_requirements(levels, final)  # type: ignore[arg-type]  # as an untyped caller passes it
    assert by_label(weekly) == pytest.approx(
        {"C/G": 10, "W/G": 10, "P/G": 10, "P/A": 20, "S/R": 60, "S/B": 2.5, "T/B": 7.5}
    )


def test_embodied_with_edges_dropped_per_column(graph: NodeGraph, levels: Levels) -> None:
    """``keep`` on a two-column ``own`` (value added, and twice it). The entries are, in order, A from R (3),
    G from A (2), G from B at S (0.25), G from B at T (0.75), W from G, C from W (1 each).

    One mask for both columns, dropping B from T: G embodies 100 − 0.75 x 14 = 89.5, and twice that, 179.
    A mask per column, the first keeping every edge, the second dropping B from S: G 100 and 100 − 0.25 x 10 =
    97.5 (the same at W and C; A keeps 20 in both). A 2-D mask with a 1-D ``own`` is refused."""
    value_added = np.maximum(calc_value_added(graph, levels)[0], 0.0)
    own = np.column_stack([value_added, 2.0 * value_added])
    one_mask = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    assert calc_embodied(levels, own, keep=one_mask)[LABELS.index("P/G")].tolist() == pytest.approx([89.5, 179.0])
    per_column = np.ones((levels.weight.size, 2))
    per_column[2, 1] = 0.0
    both = calc_embodied(levels, np.column_stack([value_added, value_added]), keep=per_column)
    for label, expected in {"P/G": [100.0, 97.5], "W/G": [100.0, 97.5], "C/G": [100.0, 97.5], "P/A": [20, 20]}.items():
        assert both[LABELS.index(label)].tolist() == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"^a 2-D keep needs a 2-D own$"):
        calc_embodied(levels, value_added, keep=per_column)


def test_embodied_without_the_laredo_flows(graph: NodeGraph, levels: Levels) -> None:
    """Dropping the edges through Laredo (B from T, G into W) leaves, per unit of G at P, 100 - 10.5;
    above W nothing passes."""
    value_added = np.maximum(calc_value_added(graph, levels)[0], 0.0)
    full = calc_embodied(levels, value_added)
    flows = graph.edge_flow[levels.edge]
    laredo = np.isin(flows, [2, 3])
    without = calc_embodied_without(levels, value_added, full, laredo)
    assert by_label(without) == pytest.approx(
        {"P/G": 89.5, "P/A": 20, "S/R": 2, "S/B": 10, "T/B": 14, "W/G": 0, "C/G": 0}
    )
