"""The roll-up behind the exposure map, through the public API only (``allyshore.exposure``), on a network
whose figures are worked by hand from the decomposition of docs and allyshore.exposure.analysis: value added
``VA_n = p_n − Σ_s A[n, s] p_s``, a good's unit value ``Σ_n m_n VA_n`` with m_n the units of node n in one unit
of the good, and the share of a crossing = 1 − (unit value with the crossing's edges dropped) ÷ unit value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

import allyshore
from allyshore.model.graph import compile_network
from allyshore.model.rollup import calc_levels, calc_requirement_matrix


def two_crossings() -> dict[str, Any]:
    """R (CA) makes Z at 10; M (MX) makes K at 30 from 1 Z, shipped in over the Ambassador Bridge; Q (US) makes
    H at 50 from 1 K, which crosses at Laredo; P (US) makes G at 200 from 1 K and 1 H, and sells 5 a week.

    VA: Z 10, K 30 − 10 = 20, H 50 − 30 = 20, G 200 − 30 − 50 = 120; per G: 2 K (one direct, one in H), so 2 Z,
    1 H. Unit value 120 + 20 + 2·20 + 2·10 = 200: US 140, MX 40, CA 20. The Ambassador Bridge carries every Z
    (2 · 10 = 20 of 200: 10%); Laredo carries the K inside H (30 of 200: 15%)."""
    site = lambda s, c, k="supplier": {"site_id": s, "name": s, "country": c, "kind": k}  # noqa: E731
    return {
        "sites": [site("R", "CA"), site("M", "MX"), site("Q", "US"), site("P", "US", "plant")],
        "items": [{"item_id": i} for i in ("G", "H", "K", "Z")],
        "bom": [
            {"parent_id": "G", "child_id": "K", "quantity": 1},
            {"parent_id": "G", "child_id": "H", "quantity": 1},
            {"parent_id": "H", "child_id": "K", "quantity": 1},
            {"parent_id": "K", "child_id": "Z", "quantity": 1},
        ],
        "supply": [
            {"site_id": "R", "item_id": "Z", "unit_price": 10},
            {"site_id": "M", "item_id": "K", "unit_price": 30},
            {"site_id": "Q", "item_id": "H", "unit_price": 50},
            {"site_id": "P", "item_id": "G", "unit_price": 200},
        ],
        "flows": [
            {"from_site": "R", "to_site": "M", "item_id": "Z", "crossing": "Ambassador Bridge"},
            {"from_site": "M", "to_site": "Q", "item_id": "K", "crossing": "Laredo"},
            {"from_site": "M", "to_site": "P", "item_id": "K"},
            {"from_site": "Q", "to_site": "P", "item_id": "H"},
        ],
        "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 5}],
    }


def test_two_crossings_one_above_the_other() -> None:
    (good,) = allyshore.exposure(allyshore.Network.from_dict(two_crossings())).goods
    assert good.unit_value == pytest.approx(200.0)
    assert good.value_by_country == pytest.approx({"US": 140.0, "MX": 40.0, "CA": 20.0})
    assert good.by_crossing == pytest.approx({"Ambassador Bridge": 0.10, "Laredo": 0.15})
    assert good.value_per_week == pytest.approx(1000.0)


def test_crossings_do_not_depend_on_their_order() -> None:
    """The same network with the crossings' names swapped (so they are taken in the other order)."""
    document = two_crossings()
    document["flows"][0]["crossing"], document["flows"][1]["crossing"] = "Laredo", "Ambassador Bridge"
    (good,) = allyshore.exposure(allyshore.Network.from_dict(document)).goods
    assert good.by_crossing == pytest.approx({"Laredo": 0.10, "Ambassador Bridge": 0.15})


def test_requirement_matrix_with_more_rows_than_sixteen_bits_count() -> None:
    """65,537 demand mixes (one more than 2^16) on G made from 2 K (the docstring's network): every mix but the last
    asks for one G, so needs 1 G and 2 K; the last asks for one K alone. Each row holds its own mix, the last
    included (no row number wraps around)."""
    network = allyshore.Network.from_dict(
        {
            "sites": [
                {"site_id": "P", "country": "MX", "kind": "plant"},
                {"site_id": "S", "country": "CN", "kind": "supplier"},
            ],
            "items": [{"item_id": "G"}, {"item_id": "K"}],
            "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
            "supply": [{"site_id": "P", "item_id": "G"}, {"site_id": "S", "item_id": "K"}],
            "flows": [{"from_site": "S", "to_site": "P", "item_id": "K"}],
        }
    )
    graph = compile_network(network)
    g, k = (next(n for n in range(graph.n_nodes) if graph.node_label(n) == label) for label in ("P/G", "S/K"))
    rows = 2**16 + 1
    columns = np.full(rows, g)
    columns[-1] = k
    seed = sp.csr_matrix((np.ones(rows), (np.arange(rows), columns)), shape=(rows, graph.n_nodes))
    matrix = calc_requirement_matrix(calc_levels(graph), seed).toarray()
    expected = np.zeros((rows, graph.n_nodes))
    expected[:-1, g], expected[:-1, k] = 1.0, 2.0
    expected[-1, k] = 1.0
    assert np.array_equal(matrix, expected)


def test_requirement_matrix_keeps_empty_rows_at_the_end() -> None:
    """Three demand mixes on G made from 2 K: one G, then two mixes that ask for nothing. The result has three rows,
    the first 1 G and 2 K, the last two empty."""
    network = allyshore.Network.from_dict(
        {
            "sites": [
                {"site_id": "P", "country": "MX", "kind": "plant"},
                {"site_id": "S", "country": "CN", "kind": "supplier"},
            ],
            "items": [{"item_id": "G"}, {"item_id": "K"}],
            "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
            "supply": [{"site_id": "P", "item_id": "G"}, {"site_id": "S", "item_id": "K"}],
            "flows": [{"from_site": "S", "to_site": "P", "item_id": "K"}],
        }
    )
    graph = compile_network(network)
    g, k = (next(n for n in range(graph.n_nodes) if graph.node_label(n) == label) for label in ("P/G", "S/K"))
    seed = sp.csr_matrix(([1.0], ([0], [g])), shape=(3, graph.n_nodes))
    matrix = calc_requirement_matrix(calc_levels(graph), seed)
    expected = np.zeros((3, graph.n_nodes))
    expected[0, g], expected[0, k] = 1.0, 2.0
    assert matrix.shape == (3, graph.n_nodes)
    assert np.array_equal(matrix.toarray(), expected)
