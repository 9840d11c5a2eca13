"""Exposure map: hand-checked golden cases, invariants (hypothesis) and the CLI.

The golden networks are written for these tests; the expected figures are worked
out by hand in each test from the decomposition documented in
:mod:`allyshore.exposure.analysis` (value added ``VA_n = p_n - sum_s A[n, s] p_s``,
contribution ``m_n * VA_n``). Tiers follow the default US policy of
../shared/domain/trust.md section 3.1: US domestic, MX and CA usmca, DE ally (NATO),
CN adversary (15 CFR 791.4).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allyshore import Network
from allyshore.cli import main
from allyshore.exposure import ExposureResult, exposure, exposure_of_graph
from allyshore.model.graph import compile_network
from allyshore.model.rollup import calc_embodied, calc_embodied_without, calc_levels, calc_value_added


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return int(code) if code is not None else 0


def site(site_id: str, country: str, kind: str = "supplier") -> dict[str, Any]:
    return {"site_id": site_id, "name": site_id, "country": country, "kind": kind}


# --------------------------------------------------------------------------- golden cases


def test_tiny_network(tiny_document: dict[str, Any]) -> None:
    """tests/conftest.py TINY: C (US customer) <- PL/G (MX, 100 USD) <- 2 x S1/K (CN, 18 USD).

    S2/K is a candidate, so it carries nothing. VA(S1/K) = 18, VA(PL/G) = 100 - 2*18 = 64,
    the customer's receiving node adds nothing: unit value 100 = 64 (MX) + 2*18 (CN).
    Every unit reaches the customer over PL -> C through Laredo, so Laredo carries 100%.
    """
    result = exposure(Network.from_dict(tiny_document))
    (good,) = result.goods
    assert good.item_id == "G"
    assert good.unit_value == pytest.approx(100.0)
    assert good.by_country == pytest.approx({"MX": 0.64, "CN": 0.36})
    assert good.by_tier == pytest.approx({"usmca": 0.64, "adversary": 0.36})
    assert good.by_crossing == pytest.approx({"Laredo": 1.0})
    assert good.hhi == pytest.approx(0.64**2 + 0.36**2)
    assert good.single_source_items == ("K",)  # G is the finished good, not a purchased item
    assert good.untrusted_only_items == ("K",)
    assert good.tier_depth == 3  # C/G -> PL/G -> S1/K
    assert good.units_per_week == 40
    assert good.value_per_week == pytest.approx(4000.0)
    assert good.value_by_country == pytest.approx({"MX": 64.0, "CN": 36.0})
    assert [c.site_id for c in result.choke_points] == ["PL", "S1"]
    assert result.choke_points[0].value_per_week == pytest.approx(64.0 * 40)
    assert result.choke_points[1].share_of_value == pytest.approx(0.36)
    assert result.findings == ()


def multi_tier() -> dict[str, Any]:
    return {
        "sites": [
            site("P", "US", "plant"),
            site("A", "MX"),
            site("B", "CN"),
            site("C", "DE"),
            site("R", "CA"),
        ],
        "items": [{"item_id": i} for i in ("G", "K1", "K2", "M")],
        "bom": [
            {"parent_id": "G", "child_id": "K1", "quantity": 2},
            {"parent_id": "G", "child_id": "K2", "quantity": 1},
            {"parent_id": "K1", "child_id": "M", "quantity": 3},
        ],
        "supply": [
            {"site_id": "P", "item_id": "G", "unit_price": 200},
            {"site_id": "A", "item_id": "K1", "unit_price": 40},
            {"site_id": "B", "item_id": "K2", "unit_price": 30},
            {"site_id": "C", "item_id": "K2", "unit_price": 34},
            {"site_id": "R", "item_id": "M", "unit_price": 5},
        ],
        "flows": [
            {"from_site": "A", "to_site": "P", "item_id": "K1", "crossing": "Laredo"},
            {"from_site": "B", "to_site": "P", "item_id": "K2", "share": 0.25},
            {"from_site": "C", "to_site": "P", "item_id": "K2", "share": 0.75},
            {"from_site": "R", "to_site": "A", "item_id": "M", "crossing": "Detroit"},
        ],
        "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 10}],
    }


def test_multi_tier_bom_ratios_and_split_shares() -> None:
    """G = 2 K1 + 1 K2 at P (US); K1 = 3 M at A (MX); K2 split 25% B (CN) / 75% C (DE); M from R (CA).

    Multipliers per G: K1 2, M 2*3 = 6, K2@B 0.25, K2@C 0.75.
    VA: M 5; K1 40 - 3*5 = 25; K2@B 30; K2@C 34; G 200 - (2*40 + 0.25*30 + 0.75*34) = 87.
    Contributions: US 87, MX 2*25 = 50, CA 6*5 = 30, CN 0.25*30 = 7.5, DE 0.75*34 = 25.5; sum 200.
    Laredo carries K1 and its M: (50 + 30) / 200; Detroit carries M: 30 / 200.
    """
    result = exposure(Network.from_dict(multi_tier()))
    (good,) = result.goods
    assert good.unit_value == pytest.approx(200.0)
    expected = {"US": 87 / 200, "MX": 50 / 200, "CA": 30 / 200, "CN": 7.5 / 200, "DE": 25.5 / 200}
    assert good.by_country == pytest.approx(expected)
    assert list(good.by_country) == ["US", "MX", "CA", "DE", "CN"]  # largest share first
    assert good.by_tier == pytest.approx(
        {"domestic": 87 / 200, "usmca": 80 / 200, "ally": 25.5 / 200, "adversary": 7.5 / 200}
    )
    assert good.by_crossing == pytest.approx({"Laredo": 80 / 200, "Detroit": 30 / 200})
    assert good.hhi == pytest.approx(sum(v * v for v in expected.values()))
    # K2 has two origins; G is the finished good; K1 is made from its BOM at A, a supplier: purchased.
    assert good.single_source_items == ("K1", "M")
    assert good.untrusted_only_items == ()  # K2 also comes from DE
    assert good.tier_depth == 3  # P/G -> A/K1 -> R/M
    chokes = {c.site_id: c for c in result.choke_points}
    assert chokes["P"].value_per_week == pytest.approx(870.0)
    assert chokes["A"].value_per_week == pytest.approx(500.0)
    assert chokes["B"].share_of_value == pytest.approx(7.5 / 200)
    assert result.choke_points[0].site_id == "P"


def warehouse(price: float | None) -> dict[str, Any]:
    stocked: dict[str, Any] = {"site_id": "W", "item_id": "K"}
    if price is not None:
        stocked["unit_price"] = price
    return {
        "sites": [site("S", "CN"), site("W", "US", "warehouse"), site("P", "MX", "plant")],
        "items": [{"item_id": "G"}, {"item_id": "K", "unit_cost": 11}],
        "bom": [{"parent_id": "G", "child_id": "K", "quantity": 1}],
        "supply": [
            {"site_id": "S", "item_id": "K", "unit_price": 10},
            stocked,
            {"site_id": "P", "item_id": "G", "unit_price": 20},
        ],
        "flows": [
            {"from_site": "S", "to_site": "W", "item_id": "K"},
            {"from_site": "W", "to_site": "P", "item_id": "K", "crossing": "Nogales"},
        ],
        "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 5}],
    }


def test_pass_through_warehouse_with_its_own_price() -> None:
    """P/G (MX, 20) <- W/K (US warehouse, 12) <- S/K (CN, 10).

    VA: S 10, W 12 - 10 = 2 (a distribution margin, in the US), P 20 - 12 = 8.
    K's only origin is S (the warehouse is looked through), so K is single-source and
    untrusted-only. Nogales carries W -> P: the whole value below P, (10 + 2) / 20.
    """
    (good,) = exposure(Network.from_dict(warehouse(12))).goods
    assert good.by_country == pytest.approx({"CN": 0.5, "US": 0.1, "MX": 0.4})
    assert good.by_crossing == pytest.approx({"Nogales": 0.6})
    assert good.single_source_items == ("K",)
    assert good.untrusted_only_items == ("K",)
    assert good.tier_depth == 3


def test_warehouse_without_price_passes_cost_through() -> None:
    """Without a unit_price the warehouse passes S's 10 USD on (the item's 11 USD standard cost is not a price
    at a stocking point): VA S 10 (CN), W 0, P 20 - 10 = 10 (MX)."""
    result = exposure(Network.from_dict(warehouse(None)))
    (good,) = result.goods
    assert good.by_country == pytest.approx({"CN": 0.5, "MX": 0.5})
    assert result.findings == ()
    chokes = {c.site_id: c for c in result.choke_points}
    assert chokes["W"].value_per_week == 0.0
    assert chokes["W"].goods == 1


def test_internal_edge() -> None:
    """P (MX) makes K from 1 M bought from S (CN, 2 USD) and G from 2 K of its own (internal edge, no flow).

    VA: M 2; K 5 - 2 = 3; G 16 - 2*5 = 6. Per G: M 2 units -> CN 4; K 2*3 + G 6 -> MX 12; total 16.
    """
    doc = {
        "sites": [site("P", "MX", "plant"), site("S", "CN")],
        "items": [{"item_id": "G"}, {"item_id": "K"}, {"item_id": "M"}],
        "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}, {"parent_id": "K", "child_id": "M", "quantity": 1}],
        "supply": [
            {"site_id": "P", "item_id": "G", "unit_price": 16},
            {"site_id": "P", "item_id": "K", "unit_price": 5},
            {"site_id": "S", "item_id": "M", "unit_price": 2},
        ],
        "flows": [{"from_site": "S", "to_site": "P", "item_id": "M", "crossing": "Manzanillo"}],
        "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 1}],
    }
    (good,) = exposure(Network.from_dict(doc)).goods
    assert good.unit_value == pytest.approx(16.0)
    assert good.by_country == pytest.approx({"MX": 12 / 16, "CN": 4 / 16})
    assert good.by_crossing == pytest.approx({"Manzanillo": 4 / 16})
    assert good.tier_depth == 3


def test_demand_nodes_are_weighted_by_units() -> None:
    """G sold from P1 (MX, 30 units/week) and P2 (US, 10 units/week), each a raw source at 100 USD:
    MX 30/40, US 10/40; 40 units per week, 4000 USD per week."""
    doc = {
        "sites": [site("P1", "MX", "plant"), site("P2", "US", "plant")],
        "items": [{"item_id": "G"}],
        "supply": [
            {"site_id": "P1", "item_id": "G", "unit_price": 100},
            {"site_id": "P2", "item_id": "G", "unit_price": 100},
        ],
        "demand": [
            {"site_id": "P1", "item_id": "G", "units_per_week": 30},
            {"site_id": "P2", "item_id": "G", "units_per_week": 10},
        ],
    }
    (good,) = exposure(Network.from_dict(doc)).goods
    assert good.by_country == pytest.approx({"MX": 0.75, "US": 0.25})
    assert good.units_per_week == 40
    assert good.value_per_week == pytest.approx(4000.0)
    assert good.single_source_items == ()  # two plants make G


def purchased_and_in_house() -> dict[str, Any]:
    """G (finished, made at plant P, US; stocked at warehouse W before the customer C) = 1 A + 1 Y.

    A is an in-house sub-assembly made at the second plant Q (MX) from 2 X and shipped to P; X is bought from S1
    (MX) only; Y is bought from S2 (CN) and S3 (DE), half each; B, bought from S4 (US) only, is made there from
    its own BOM (1 Z, bought from S5, CA): an item made at a supplier's site is a purchased item.
    """
    return {
        "sites": [
            site("P", "US", "plant"),
            site("Q", "MX", "plant"),
            site("W", "US", "warehouse"),
            site("C", "US", "customer"),
            site("S1", "MX"),
            site("S2", "CN"),
            site("S3", "DE"),
            site("S4", "US"),
            site("S5", "CA"),
        ],
        "items": [{"item_id": i} for i in ("G", "A", "B", "X", "Y", "Z")],
        "bom": [
            {"parent_id": "G", "child_id": "A", "quantity": 1},
            {"parent_id": "G", "child_id": "Y", "quantity": 1},
            {"parent_id": "G", "child_id": "B", "quantity": 1},
            {"parent_id": "A", "child_id": "X", "quantity": 2},
            {"parent_id": "B", "child_id": "Z", "quantity": 1},
        ],
        "supply": [
            {"site_id": "P", "item_id": "G", "unit_price": 100},
            {"site_id": "W", "item_id": "G"},
            {"site_id": "Q", "item_id": "A", "unit_price": 30},
            {"site_id": "S1", "item_id": "X", "unit_price": 5},
            {"site_id": "S2", "item_id": "Y", "unit_price": 10},
            {"site_id": "S3", "item_id": "Y", "unit_price": 10},
            {"site_id": "S4", "item_id": "B", "unit_price": 20},
            {"site_id": "S5", "item_id": "Z", "unit_price": 8},
        ],
        "flows": [
            {"from_site": "Q", "to_site": "P", "item_id": "A", "crossing": "Laredo"},
            {"from_site": "S1", "to_site": "Q", "item_id": "X"},
            {"from_site": "S2", "to_site": "P", "item_id": "Y", "share": 0.5},
            {"from_site": "S3", "to_site": "P", "item_id": "Y", "share": 0.5},
            {"from_site": "S4", "to_site": "P", "item_id": "B"},
            {"from_site": "S5", "to_site": "S4", "item_id": "Z", "crossing": "Detroit"},
            {"from_site": "P", "to_site": "W", "item_id": "G"},
            {"from_site": "W", "to_site": "C", "item_id": "G"},
        ],
        "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}],
    }


def test_single_source_counts_purchased_items_only() -> None:
    """Every item of G but Y has one origin: G (P), A (Q), X (S1), B (S4), Z (S5); Y has two (S2, S3).

    Purchased items only: G is the finished good and A an in-house sub-assembly (made from its BOM at plant Q),
    so neither counts; X, B (made at a supplier's site) and Z do. The warehouse W is looked through for G.
    Choke points still count every pair a site is the sole origin of: plant P of G, plant Q of A.
    """
    result = exposure(Network.from_dict(purchased_and_in_house()))
    (good,) = result.goods
    assert good.single_source_items == ("B", "X", "Z")
    assert result.single_source_items == ("B", "X", "Z")
    assert good.untrusted_only_items == ()  # Y also comes from DE
    payload = result.to_dict()
    assert payload["single_source_items"] == ["B", "X", "Z"]
    assert payload["goods"][0]["single_source_items"] == ["B", "X", "Z"]
    chokes = {c.site_id: c for c in result.choke_points}
    assert chokes["P"].sole_origin_items == 1 and chokes["Q"].sole_origin_items == 1
    assert chokes["S1"].sole_origin_items == 1 and "S2" in chokes and chokes["S2"].sole_origin_items == 0


def test_single_source_in_house_item_made_at_a_supplier_too() -> None:
    """A sub-assembly also bought from a supplier has two origins: not single-source, whether or not in-house.
    With the plant as its only origin, it is in-house and not counted; bought from one supplier only, it is."""
    doc = purchased_and_in_house()
    doc["sites"].append(site("S6", "JP"))
    doc["supply"].append({"site_id": "S6", "item_id": "A", "unit_price": 31})
    doc["flows"].append({"from_site": "S6", "to_site": "P", "item_id": "A", "share": 0.5})
    doc["flows"][0]["share"] = 0.5
    (good,) = exposure(Network.from_dict(doc)).goods
    assert good.single_source_items == ("B", "X", "Z")  # A has two origins (Q and S6)
    doc = purchased_and_in_house()  # A made at S1 (from its own X) instead of plant Q
    doc["supply"] = [r for r in doc["supply"] if r["item_id"] != "A"]
    doc["supply"].append({"site_id": "S1", "item_id": "A", "unit_price": 30})
    doc["flows"] = [f for f in doc["flows"] if f["item_id"] not in ("A", "X")]
    doc["flows"].append({"from_site": "S1", "to_site": "P", "item_id": "A", "crossing": "Laredo"})
    (good,) = exposure(Network.from_dict(doc)).goods
    assert good.single_source_items == ("A", "B", "X", "Z")  # A bought from S1 alone: a purchased single source


def distributor(origin: str | None) -> dict[str, Any]:
    """P (MX plant) makes G (100 USD) from 2 K bought from D, a US distributor, at 18 USD, over Laredo."""
    part: dict[str, Any] = {"site_id": "D", "item_id": "K", "unit_price": 18}
    if origin is not None:
        part["origin_country"] = origin
    return {
        "sites": [site("P", "MX", "plant"), site("D", "US"), site("C", "US", "customer")],
        "items": [{"item_id": "G"}, {"item_id": "K"}],
        "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
        "supply": [{"site_id": "P", "item_id": "G", "unit_price": 100}, part],
        "flows": [
            {"from_site": "D", "to_site": "P", "item_id": "K", "crossing": "Laredo"},
            {"from_site": "P", "to_site": "C", "item_id": "G", "crossing": "Otay Mesa"},
        ],
        "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 5}],
    }


def test_distributor_part_counts_in_the_makers_country() -> None:
    """D sells a Chinese-made K (origin_country CN, written as a name to check it is read like any country).

    VA: D/K 18 (made in CN: 2 x 18 = 36 per G), P/G 100 - 36 = 64 (MX). CN is an adversary under the default
    US policy (15 CFR 791.4), so K is untrusted-only. The crossing follows the lane D -> P: Laredo carries the
    36 of K; Otay Mesa carries the whole good. The choke point D stays a US site.
    """
    result = exposure(Network.from_dict(distributor("China")))
    (good,) = result.goods
    assert good.by_country == pytest.approx({"MX": 0.64, "CN": 0.36})
    assert good.by_tier == pytest.approx({"usmca": 0.64, "adversary": 0.36})
    assert good.value_by_country == pytest.approx({"MX": 64.0, "CN": 36.0})
    assert good.by_crossing == pytest.approx({"Otay Mesa": 1.0, "Laredo": 0.36})
    assert good.untrusted_only_items == ("K",)
    assert result.tiers["CN"] == "adversary"
    chokes = {c.site_id: c for c in result.choke_points}
    assert (chokes["D"].country, chokes["D"].tier) == ("US", "domestic")


def test_distributor_without_origin_country_is_unchanged() -> None:
    """Without origin_country the part's 36 USD stays in the distributor's country (US, domestic)."""
    (good,) = exposure(Network.from_dict(distributor(None))).goods
    assert good.by_country == pytest.approx({"MX": 0.64, "US": 0.36})
    assert good.by_tier == pytest.approx({"usmca": 0.64, "domestic": 0.36})
    assert good.untrusted_only_items == ()
    (same,) = exposure(Network.from_dict(distributor("US"))).goods  # the site's own country: nothing moves
    assert same.by_country == pytest.approx(good.by_country)


def test_origin_country_moves_only_raw_sources() -> None:
    """origin_country on a warehouse that receives its item, or on a plant that makes it, leaves that node's own
    margin in its site's country: what it receives is made upstream, by nodes with their own country.

    Warehouse case (see :func:`warehouse`): S/K 10 (CN), W/K 12 (US, margin 2), P/G 20 (MX, 8).
    """
    doc = warehouse(12)
    doc["supply"][1]["origin_country"] = "CN"
    doc["supply"][2]["origin_country"] = "DE"  # the plant's row: ignored by exposure
    (good,) = exposure(Network.from_dict(doc)).goods
    assert good.by_country == pytest.approx({"CN": 0.5, "US": 0.1, "MX": 0.4})


def test_negative_margin_and_missing_price_are_findings() -> None:
    """P/G sells at 50 but uses 2 K at 30: margin -10 is clipped to 0 and reported; M has no price at all."""
    doc = multi_tier()
    doc["supply"][0]["unit_price"] = 50  # G: 50 - (80 + 7.5 + 25.5) < 0
    del doc["supply"][4]["unit_price"]  # M at R: no price, and no unit_cost for M
    result = exposure(Network.from_dict(doc))
    (good,) = result.goods
    # M adds nothing of its own (its value is unknown), so K1's margin is its whole price: 40 per unit.
    # Contributions: US 0 (clipped), MX 2*40 = 80, CN 7.5, DE 25.5: 113.
    assert good.unit_value == pytest.approx(113.0)
    assert good.by_country == pytest.approx({"MX": 80 / 113, "CN": 7.5 / 113, "DE": 25.5 / 113})
    messages = [p.message for p in result.findings]
    assert any("no price for R/M" in m for m in messages)
    assert any("P/G" in m and "clipped" in m for m in messages)
    rows = {p.row for p in result.findings}
    assert rows == {1, 5}  # supply records as the user sees them (JSON: 1-based position in the list)


def test_result_shapes(tiny_document: dict[str, Any]) -> None:
    result = exposure(Network.from_dict(tiny_document))
    payload = result.to_dict()
    assert set(payload) >= {"goods", "choke_points"}
    good = payload["goods"][0]
    assert set(good) >= {
        "item_id",
        "unit_value",
        "by_country",
        "by_tier",
        "by_crossing",
        "hhi",
        "single_source_items",
        "tier_depth",
    }
    assert set(payload["choke_points"][0]) >= {
        "site_id",
        "country",
        "tier",
        "goods",
        "value_per_week",
        "share_of_value",
    }
    json.dumps(payload)
    frames = result.frames()
    assert set(frames) == {"goods", "by_country", "by_tier", "by_crossing", "choke_points", "findings"}
    assert frames["by_country"].filter(pl.col("country") == "CN")["value_per_unit"].item() == pytest.approx(36.0)
    assert result.to_frame().height == 1
    assert "Laredo" in result._repr_html_()


# --------------------------------------------------------------------------- CLI


def test_cli_json_csv_and_table(tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("exposure", str(tiny_path), "--json") == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["goods"][0]["by_crossing"] == {"Laredo": 1.0}
    out = tmp_path / "csv"
    assert run_cli("exposure", str(tiny_path), "--csv", str(out)) == 0
    capsys.readouterr()
    assert {p.name for p in out.iterdir()} >= {
        "goods.csv",
        "by_country.csv",
        "by_tier.csv",
        "by_crossing.csv",
        "choke_points.csv",
    }
    assert pl.read_csv(out / "by_country.csv").height == 2
    assert run_cli("exposure", str(tiny_path)) == 0
    text = capsys.readouterr().out
    assert "Laredo" in text and "64.0%" in text and "Choke points" in text


def test_cli_bad_file_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert run_cli("exposure", str(broken)) == 1
    assert capsys.readouterr().err.startswith("Error:")


# --------------------------------------------------------------------------- properties

COUNTRIES = ("US", "MX", "CA", "CN", "DE", "VN", "JP")
CROSSINGS = (None, None, "Laredo", "Detroit", "Otay Mesa")


def random_document(seed: int, countries: tuple[str, ...] = COUNTRIES) -> dict[str, Any]:
    """A valid random network: tiers of items, a BOM DAG, 1-2 nodes per item, flows from every node of a child."""
    rng = random.Random(seed)
    n_sites = rng.randint(2, 6)
    sites = [site(f"S{i}", rng.choice(countries), "plant") for i in range(n_sites)]
    tiers = [[f"T{t}I{i}" for i in range(rng.randint(1, 3))] for t in range(rng.randint(1, 4))]
    items = [{"item_id": i, "unit_cost": round(rng.uniform(1, 50), 2)} for tier in tiers for i in tier]
    bom = []
    for t in range(len(tiers) - 1):
        for parent in tiers[t]:
            for child in rng.sample(tiers[t + 1], rng.randint(1, len(tiers[t + 1]))):
                bom.append({"parent_id": parent, "child_id": child, "quantity": rng.choice([0.5, 1, 2, 3])})
    nodes: dict[str, list[str]] = {}
    supply = []
    for tier in reversed(tiers):
        for item in tier:
            chosen = rng.sample(range(n_sites), rng.randint(1, min(2, n_sites)))
            nodes[item] = [f"S{i}" for i in chosen]
            for s in nodes[item]:
                row: dict[str, Any] = {"site_id": s, "item_id": item}
                if rng.random() < 0.8:
                    row["unit_price"] = round(rng.uniform(1, 400), 2)
                supply.append(row)
    flows = []
    for b in bom:
        for consumer in nodes[b["parent_id"]]:
            if consumer in nodes[b["child_id"]]:
                continue  # internal edge
            for supplier in nodes[b["child_id"]]:
                key = (supplier, consumer, b["child_id"])
                if any((f["from_site"], f["to_site"], f["item_id"]) == key for f in flows):
                    continue
                flow: dict[str, Any] = {"from_site": supplier, "to_site": consumer, "item_id": b["child_id"]}
                crossing = rng.choice(CROSSINGS)
                if crossing:
                    flow["crossing"] = crossing
                flows.append(flow)
    demand = [
        {"site_id": s, "item_id": good, "units_per_week": rng.randint(1, 100)} for good in tiers[0] for s in nodes[good]
    ]
    return {"sites": sites, "items": items, "bom": bom, "supply": supply, "flows": flows, "demand": demand}


def summary(result: ExposureResult) -> dict[str, Any]:
    return {
        g.item_id: (
            g.unit_value,
            dict(g.by_country),
            dict(g.by_tier),
            dict(g.by_crossing),
            g.single_source_items,
            g.untrusted_only_items,
            g.tier_depth,
        )
        for g in result.goods
    }


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.integers(0, 10**9))
def test_country_shares_sum_to_one(seed: int) -> None:
    result = exposure(Network.from_dict(random_document(seed)))
    assert result.goods
    for good in result.goods:
        if good.unit_value > 0:
            assert sum(good.by_country.values()) == pytest.approx(1.0)
            assert sum(good.by_tier.values()) == pytest.approx(1.0)
            assert all(0.0 <= v <= 1.0 + 1e-12 for v in good.by_crossing.values())
            assert 0.0 < good.hhi <= 1.0 + 1e-12


@PROPERTY
@given(st.integers(0, 10**9), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(seed: int, shuffler: random.Random) -> None:
    document = random_document(seed)
    shuffled = {name: shuffler.sample(rows, len(rows)) for name, rows in document.items()}
    first = summary(exposure(Network.from_dict(document)))
    second = summary(exposure(Network.from_dict(shuffled)))
    assert first.keys() == second.keys()
    for item, values in first.items():
        other = second[item]
        assert values[0] == pytest.approx(other[0])
        for a, b in zip(values[1:4], other[1:4], strict=True):
            assert a == pytest.approx(b)
        assert values[4:] == other[4:]


@PROPERTY
@given(st.integers(0, 10**9), st.sampled_from(COUNTRIES))
def test_one_country_network_is_all_there(seed: int, country: str) -> None:
    result = exposure(Network.from_dict(random_document(seed, countries=(country,))))
    for good in result.goods:
        if good.unit_value > 0:
            assert good.by_country == pytest.approx({country: 1.0})
            assert good.hhi == pytest.approx(1.0)
            assert len(good.by_tier) == 1


@PROPERTY
@given(st.integers(0, 10**9))
def test_embodied_without_is_the_masked_roll_up(seed: int) -> None:
    """Recomputing only the nodes above the dropped entries gives exactly the full masked roll-up."""
    graph = compile_network(Network.from_dict(random_document(seed)))
    levels = calc_levels(graph)
    value_added = np.maximum(calc_value_added(graph, levels)[0], 0.0)
    full = calc_embodied(levels, value_added)
    drop = np.random.default_rng(seed).random(levels.supplier.shape[0]) < 0.3
    expected = calc_embodied(levels, value_added, keep=np.where(drop, 0.0, 1.0))
    assert np.array_equal(calc_embodied_without(levels, value_added, full, drop), expected)
    assert np.array_equal(calc_embodied_without(levels, value_added, full, np.zeros_like(drop)), full)


@PROPERTY
@given(st.integers(0, 10**9), st.integers(1, 4))
def test_choke_point_limit_keeps_the_ranking(seed: int, limit: int) -> None:
    """A limited choke-point list is the head of the full ranking."""
    graph = compile_network(Network.from_dict(random_document(seed)))
    every = exposure_of_graph(graph, max_choke_points=None).choke_points
    assert exposure_of_graph(graph, max_choke_points=limit).choke_points == every[:limit]


def test_every_sample_network_decomposes_fully() -> None:
    """On each shipped sample, every good's value is fully decomposed and the kernel agrees with itself."""
    from allyshore import load_sample, sample_names

    for name in sample_names():
        result = exposure(load_sample(name))
        assert result.goods, name
        for good in result.goods:
            assert good.unit_value > 0, (name, good.item_id)
            assert sum(good.by_country.values()) == pytest.approx(1.0)
            assert sum(good.by_tier.values()) == pytest.approx(1.0)
            assert good.tier_depth >= 2
        assert result.choke_points
