"""Tests of the network generator (allyshore.generate) and the derived trade weights."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allyshore.errors import InputError
from allyshore.generate import (
    HS_BY_TIER,
    SOURCING_COUNTRIES,
    SOURCING_GOODS_HS,
    SOURCING_PARTS_HS,
    expected_edges,
    generate_network,
    items_for_edges,
    sourcing_network,
    trade_weights,
)
from allyshore.io.readers import parse_document
from allyshore.model.graph import compile_network
from allyshore.model.validate import check_network


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), tiers=st.integers(2, 5), items=st.integers(20, 300))
def test_generated_networks_pass_full_validation(seed: int, tiers: int, items: int) -> None:
    network = generate_network(items=items, tiers=tiers, seed=seed, validate=False)
    problems = check_network(network)
    assert [p for p in problems if p.severity == "error"] == []
    assert [p for p in problems if p.severity == "warning"] == []
    # The text path (as from a JSON file) accepts it too.
    parse_document(network.to_dict())
    # Depth: one node per tier plus the customer sink.
    graph = compile_network(network)
    assert int(graph.depth.max()) == tiers + 1


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_active_shares_sum_to_one_per_receiving_site_and_item(seed: int) -> None:
    flows = generate_network(items=150, tiers=4, seed=seed).flows
    active = flows.filter(pl.col("status") == "active")
    sums = active.group_by("to_site", "item_id").agg(pl.col("share").sum()).get_column("share").to_numpy()
    np.testing.assert_allclose(sums, 1.0, atol=1e-9)
    assert active.get_column("share").min() > 0  # type: ignore[operator]
    assert (
        flows.filter(pl.col("status") == "candidate").get_column("share").null_count()
        == flows.filter(pl.col("status") == "candidate").height
    )


def test_same_seed_same_network_other_seed_other_network() -> None:
    a, b, c = (generate_network(items=200, tiers=4, seed=s) for s in (3, 3, 4))
    for table in a.tables:
        assert a.tables[table].equals(b.tables[table]), table
    assert not a.flows.equals(c.flows)


def test_bom_is_layered_dag_and_every_lower_item_is_used() -> None:
    network = generate_network(items=400, tiers=4, seed=11)
    tier = {i: ("G", "C", "R").index(i[0]) for i in network.items.get_column("item_id").to_list()}
    parents = network.bom.get_column("parent_id").to_list()
    children = network.bom.get_column("child_id").to_list()
    # A child's id prefix tier is never above its parent's (parts: C, raw materials: R).
    assert all(tier[c] >= tier[p] for p, c in zip(parents, children, strict=True))
    used = set(children)
    lower = {i for i in tier if tier[i] > 0}
    assert lower <= used
    assert network.bom.select("parent_id", "child_id").is_duplicated().sum() == 0


def test_candidates_in_north_america_and_crossings_on_border_lanes() -> None:
    network = generate_network(items=400, tiers=4, seed=5)
    country = dict(zip(network.sites["site_id"].to_list(), network.sites["country"].to_list(), strict=True))
    candidates = network.supply.filter(pl.col("status") == "candidate")
    assert candidates.height > 0
    assert {country[s] for s in candidates["site_id"].to_list()} <= {"US", "MX", "CA"}
    flows = network.flows.with_columns(
        pl.col("from_site").replace_strict(country).alias("a"), pl.col("to_site").replace_strict(country).alias("b")
    )
    # Every candidate source quotes to someone: a candidate flow leaves each candidate node.
    quoted = flows.filter(pl.col("status") == "candidate").select(pl.col("from_site").alias("site_id"), "item_id")
    assert candidates.join(quoted, on=["site_id", "item_id"], how="anti").height == 0
    mx_us = flows.filter(
        ((pl.col("a") == "MX") & (pl.col("b") == "US")) | ((pl.col("a") == "US") & (pl.col("b") == "MX"))
    )
    assert mx_us.height > 0
    assert set(mx_us["crossing"].to_list()) <= {"Laredo", "Otay Mesa", "El Paso", "Hidalgo", "Calexico East"}
    domestic = flows.filter(pl.col("a") == pl.col("b"))
    assert domestic["crossing"].null_count() == domestic.height
    ocean = flows.filter(pl.col("mode") == "ocean")
    assert ocean["transit_days"].min() >= 9  # type: ignore[operator]
    cn_us = flows.filter((pl.col("a") == "CN") & (pl.col("b") == "US") & (pl.col("mode") == "ocean"))
    if cn_us.height:
        assert 20 <= cn_us["transit_days"].median() <= 35  # type: ignore[operator]


def test_demand_only_on_finished_goods_at_customers() -> None:
    network = generate_network(items=200, tiers=3, seed=2)
    kinds = dict(zip(network.sites["site_id"].to_list(), network.sites["kind"].to_list(), strict=True))
    assert {kinds[s] for s in network.demand["site_id"].to_list()} == {"customer"}
    assert all(i.startswith("G") for i in network.demand["item_id"].to_list())


@pytest.mark.parametrize("target", [2_000, 10_000, 50_000])
def test_edge_target_is_met_approximately(target: int) -> None:
    network = generate_network(edges=target, tiers=4, seed=1, validate=False)
    edges = network.bom.height + network.flows.height
    assert 0.75 * target <= edges <= 1.25 * target


def test_items_for_edges_inverts_expected_edges() -> None:
    for tiers in (3, 4, 5):
        items = items_for_edges(100_000, tiers)
        assert abs(expected_edges(items, tiers) - 100_000) < 200


def test_bad_sizes_are_input_errors() -> None:
    with pytest.raises(InputError, match="tiers"):
        generate_network(items=100, tiers=1)
    with pytest.raises(InputError, match="items must be at least"):
        generate_network(items=3, tiers=4)


def test_hs_codes_of_the_generator_are_real(shared_data: Path) -> None:
    """Every HS code the generator draws is a real HS 2022 subheading (datasets/harmonized-system)."""
    with (shared_data / "hs" / "harmonized-system.csv").open(encoding="utf-8") as handle:
        real = {r["hscode"] for r in csv.DictReader(handle) if r["level"] == "6"}
    for codes in HS_BY_TIER:
        for code in codes:
            assert code.replace(".", "") in real, code
    sourcing = [code for pair in SOURCING_GOODS_HS for code in pair if code] + list(SOURCING_PARTS_HS)
    for code in sourcing:
        assert code.replace(".", "")[:6] in real, code


def test_trade_weights_match_their_source(shared_data: Path) -> None:
    """The shipped weights are what scripts/build_trade_weights.py derives from WIOD 2011."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("build_trade_weights", root / "scripts" / "build_trade_weights.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frame, meta = module.build(shared_data)
    codes, weights = trade_weights()
    assert codes == tuple(frame["country"].to_list())
    np.testing.assert_allclose(weights, frame["weight"].to_numpy(), atol=2e-6)
    shipped = json.loads((root / "src" / "allyshore" / "data" / "trade_weights.meta.json").read_text())
    assert shipped["rest_of_world_share"] == pytest.approx(meta["rest_of_world_share"])
    # China, Germany and the US lead world intermediate exports in 2011.
    assert set(codes[:3]) == {"CN", "DE", "US"}


def test_validation_runs_by_default_on_small_networks_and_can_be_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    from allyshore.errors import Problem, ValidationError
    from allyshore.model import validate

    calls: list[int] = []

    def failing(network: object, deep: bool = True) -> list[Problem]:
        calls.append(1)
        return [Problem("bom", "planted error")]

    monkeypatch.setattr(validate, "check_network", failing)
    with pytest.raises(ValidationError, match="planted error"):
        generate_network(items=60, tiers=3, seed=1)
    generate_network(items=60, tiers=3, seed=1, validate=False)
    assert len(calls) == 1


def test_lane_rules_follow_geography() -> None:
    """Monterrey -> Laredo by truck across the border; Shanghai -> Long Beach by sea in 20-30 days (landed-cost
    brief s.5); Mexico -> Canada records the Mexican crossing; Shenzhen -> Taiwan goes by sea, not by road."""
    from allyshore.lane_rules import lane_defaults

    lat1, lon1 = np.array([25.67, 31.23, 25.67, 22.54]), np.array([-100.31, 121.47, -100.31, 114.06])
    lat2, lon2 = np.array([27.51, 33.77, 43.59, 24.15]), np.array([-99.51, -118.19, -79.64, 120.67])
    lanes = lane_defaults(
        lat1, lon1, lat2, lon2, np.array(["MX", "CN", "MX", "CN"]), np.array(["US", "US", "CA", "TW"]), np.ones(4)
    )
    assert lanes["mode"].tolist() == ["truck", "ocean", "truck", "ocean"]
    assert 20 <= lanes["transit_days"][1] <= 30
    assert lanes["crossing"].tolist() == ["Laredo", "", "Laredo", ""]


# -- sourcing_network: parts quoted by several sources in several countries ------------------------------------


def test_sourcing_network_has_one_active_and_k_minus_one_candidates_per_part() -> None:
    network = sourcing_network(purchased=120, sources=6, goods=3, plants=2, seed=5)
    flows = network.flows
    parts = flows.filter(pl.col("item_id").str.starts_with("C"))
    # 120 parts x 6 quotes, plus one flow per good to its distribution centre: 720 + 3.
    assert flows.height == 120 * 6 + 3
    per_part = parts.group_by("item_id").agg(
        (pl.col("status") == "active").sum().alias("active"),
        (pl.col("status") == "candidate").sum().alias("candidates"),
        pl.col("from_site").n_unique().alias("sites"),
        pl.col("to_site").n_unique().alias("plants"),
    )
    assert per_part.height == 120
    assert per_part.get_column("active").to_list() == [1] * 120
    assert per_part.get_column("candidates").to_list() == [5] * 120
    assert per_part.get_column("sites").to_list() == [6] * 120  # distinct suppliers
    assert per_part.get_column("plants").to_list() == [1] * 120  # each part feeds its good's plant
    # Distinct countries per part while there are at least as many countries as sources.
    country = dict(network.sites.select("site_id", "country").rows())
    by_part = parts.with_columns(pl.col("from_site").replace_strict(country).alias("country"))
    assert by_part.group_by("item_id").agg(pl.col("country").n_unique()).get_column("country").to_list() == [6] * 120
    # Active flows carry the whole need, candidates none yet.
    assert parts.filter(pl.col("status") == "active").get_column("share").to_list() == [1.0] * 120
    assert parts.filter(pl.col("status") == "candidate").get_column("share").null_count() == 600


def test_sourcing_network_is_valid_and_reproducible() -> None:
    a = sourcing_network(purchased=200, sources=10, seed=3, validate=False)
    problems = check_network(a)
    assert [p for p in problems if p.severity == "error"] == []
    parse_document(a.to_dict())
    b = sourcing_network(purchased=200, sources=10, seed=3)
    for table in a.tables:
        assert a.tables[table].equals(b.tables[table]), table
    assert not a.supply.equals(sourcing_network(purchased=200, sources=10, seed=4).supply)
    # Every source country of the default mix appears, plants are in the US.
    sites = a.sites
    assert set(sites.filter(pl.col("kind") == "supplier").get_column("country").to_list()) == {
        c for c, _, _ in SOURCING_COUNTRIES
    }
    assert set(sites.filter(pl.col("kind") == "plant").get_column("country").to_list()) == {"US"}


def test_sourcing_network_duties_are_known_for_every_flow() -> None:
    """The HTS lines the sourcing generator draws are priced by the tariff tables for every source country (a
    benchmark of the sourcing plan on unknown duties would measure the penalties, not the plan)."""
    import datetime as dt

    from allyshore.cost.assumptions import default_assumptions
    from allyshore.cost.tariffs import duty_rates

    book = default_assumptions()
    countries = [c for c, _, _ in SOURCING_COUNTRIES]
    lines = [code for pair in SOURCING_GOODS_HS for code in pair if code]
    for code in (*lines, *SOURCING_PARTS_HS):
        rates = duty_rates(
            book.tariffs, [code] * len(countries), countries, ["US"] * len(countries), dt.date(2026, 12, 1), book.layers
        )
        unknown = {layer: v.tolist() for layer, v in rates.unknown.items() if np.any(v)}
        assert unknown == {}, (code, unknown)


def test_sourcing_network_bad_sizes_are_input_errors() -> None:
    with pytest.raises(InputError, match="at least 1"):
        sourcing_network(purchased=0)
    with pytest.raises(InputError, match="goods must be between"):
        sourcing_network(purchased=10, goods=11)
    with pytest.raises(InputError, match="no city"):
        sourcing_network(purchased=10, sources=2, countries=(("ZZ", 1.0, 1.0),))


def test_sourcing_network_own_parts_only_in_their_goods() -> None:
    """A fifth of the parts of a good whose line has parts of its own (pump parts 8413.91 in a pump 8413.70) are
    those parts; no other good gets them."""
    network = sourcing_network(purchased=1000, sources=2, goods=20, seed=9)
    hs = dict(network.items.select("item_id", "hs_code").rows())
    own = dict(SOURCING_GOODS_HS)
    counts: dict[str, list[int]] = {}
    for parent, child in network.bom.select("parent_id", "child_id").rows():
        line = own[hs[parent]]
        mine = hs[child] == line if line else False
        assert mine or hs[child] in SOURCING_PARTS_HS, (parent, child, hs[child])
        counts.setdefault(parent, [0, 0])[0] += int(mine)
        counts[parent][1] += 1
    with_own = [c for g, c in counts.items() if own[hs[g]]]
    assert with_own  # seed 9 draws goods with own parts
    share = sum(c[0] for c in with_own) / sum(c[1] for c in with_own)
    assert 0.1 < share < 0.3  # about OWN_PARTS_SHARE = 0.2
