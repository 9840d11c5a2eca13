"""Key figures of the landed cost: the finished goods delivered a year (the headline) against the sum of
every tier's landed cost, on a two-level network worked by hand and on the samples; identical report blocks."""

from __future__ import annotations

import csv
import json
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import allyshore
from allyshore.cli import main
from allyshore.cost import load_assumptions, network_cost

#: Hand computation is kept to freight and the disruption default: no carrying, insurance or fees.
PLAIN = load_assumptions(text="[parameters]\ncarrying_rate = 0.0\ninsurance_rate = 0.0\n")


def domestic_disruption_rate() -> float:
    text = (files("allyshore") / "data" / "cost" / "risk_tiers.csv").read_text(encoding="utf-8")
    return next(float(r["disruption_rate"]) for r in csv.DictReader(text.splitlines()) if r["tier"] == "domestic")


def two_level(priced: bool) -> allyshore.Network:
    """G (made at P) = 2 SUB + 1 K; SUB (made at M) = 3 K; K bought from S at USD 4; 10 G a week to C.

    All sites in the US (no duty, no customs entry). ``priced``: P sells G at 60 and M sells SUB at 15;
    else neither has a price and the base price is rolled up through the BOM.
    """
    supply: list[dict[str, Any]] = [
        {"site_id": "S", "item_id": "K", "unit_price": 4},
        {"site_id": "M", "item_id": "SUB", **({"unit_price": 15} if priced else {})},
        {"site_id": "P", "item_id": "G", **({"unit_price": 60} if priced else {})},
    ]
    return allyshore.Network.from_dict(
        {
            "sites": [
                {"site_id": "S", "country": "US", "kind": "supplier"},
                {"site_id": "M", "country": "US", "kind": "plant"},
                {"site_id": "P", "country": "US", "kind": "plant"},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [{"item_id": "G"}, {"item_id": "SUB"}, {"item_id": "K"}],
            "bom": [
                {"parent_id": "G", "child_id": "SUB", "quantity": 2},
                {"parent_id": "G", "child_id": "K", "quantity": 1},
                {"parent_id": "SUB", "child_id": "K", "quantity": 3},
            ],
            "supply": supply,
            "flows": [
                {
                    "from_site": "S",
                    "to_site": "M",
                    "item_id": "K",
                    "mode": "truck",
                    "transit_days": 1,
                    "freight_per_unit": 0.5,
                },
                {
                    "from_site": "S",
                    "to_site": "P",
                    "item_id": "K",
                    "mode": "truck",
                    "transit_days": 1,
                    "freight_per_unit": 0.25,
                },
                {
                    "from_site": "M",
                    "to_site": "P",
                    "item_id": "SUB",
                    "mode": "truck",
                    "transit_days": 1,
                    "freight_per_unit": 1.0,
                },
                {
                    "from_site": "P",
                    "to_site": "C",
                    "item_id": "G",
                    "mode": "truck",
                    "transit_days": 1,
                    "freight_per_unit": 2.0,
                },
            ],
            "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}],
        }
    )


@pytest.mark.parametrize("priced", [True, False])
def test_headline_on_a_two_level_network_by_hand(priced: bool) -> None:
    r = domestic_disruption_rate()  # a share of each flow's price
    units = 10 * 52
    k, sub, g = 4.0, (15.0 if priced else 3 * 4.0), (60.0 if priced else 2 * 3 * 4.0 + 4.0)
    # per G: 2 SUB, 6 K into M, 1 K into P; flow prices are the supply prices (unknown = 0)
    sub_flow_price, g_flow_price = (15.0, 60.0) if priced else (0.0, 0.0)
    adders = (
        (2.0 + r * g_flow_price)  # P -> C, one G
        + 2 * (1.0 + r * sub_flow_price)  # M -> P, two SUB
        + 1 * (0.25 + r * k)  # S -> P, one K
        + 6 * (0.5 + r * k)  # S -> M, three K in each of two SUB
    )
    result = network_cost(two_level(priced), as_of="2026-01-15", assumptions=PLAIN, use_origin_engine=False)
    good = result.goods.row(0, named=True)
    assert good["base_price"] == pytest.approx(g)
    assert good["chain_adders_per_unit"] == pytest.approx(adders)
    assert result.finished_goods_per_year == pytest.approx(units * (g + adders))
    tiers = (
        units * 6 * (k + 0.5 + r * k)
        + units * (k + 0.25 + r * k)
        + units * 2 * (sub_flow_price + 1.0 + r * sub_flow_price)
        + units * (g_flow_price + 2.0 + r * g_flow_price)
    )
    assert result.sum_of_tiers_per_year == pytest.approx(tiers)
    assert sub > 0
    if priced:  # the tiers count K in SUB's and G's prices again
        assert result.sum_of_tiers_per_year > result.finished_goods_per_year


def revenue(document: dict[str, Any]) -> float:
    """Sales a year: demand x (standard cost of the good + its profit per unit, the demand's own first)."""
    items = {i["item_id"]: i for i in document["items"]}
    total = 0.0
    for row in document["demand"]:
        item = items[row["item_id"]]
        profit = row.get("profit_per_unit", item.get("profit_per_unit"))
        total += row["units_per_week"] * 52 * (float(item["unit_cost"]) + float(profit))
    return total


EV_MARGIN = (
    "ev-battery-pack: the sample's profit (USD 900 a pack over the plant's USD 11,400) is below the default "
    "adders of the pack's own chain, about USD 946 a pack (risk 305, inventory carrying 407, freight 126, "
    "insurance 107): the sample's margin, not a double count (the sum of every tier is 2.1 times revenue)"
)


@pytest.mark.parametrize(
    "name",
    ["infusion-pump", "nitrile-gloves", pytest.param("ev-battery-pack", marks=pytest.mark.xfail(reason=EV_MARGIN))],
)
def test_headline_is_at_most_revenue_on_the_samples(name: str) -> None:
    document = json.loads((files("allyshore") / "data" / "samples" / f"{name}.json").read_text(encoding="utf-8"))
    # On 1 December 2026 (IEEPA ended 20 February 2026, Section 122 ended 23 July 2026). On 15 January 2026
    # the IEEPA reciprocal duties (19% on the Malaysian and Thai gloves) put the gloves sample's illustrative
    # margin below zero: a true figure for that date, so the bound is checked on today's layers.
    result = network_cost(allyshore.load_sample(name), as_of="2026-12-01")
    assert result.goods.get_column("landed_per_year").sum() == pytest.approx(result.finished_goods_per_year)
    assert result.sum_of_tiers_per_year > result.finished_goods_per_year
    assert 0 < result.finished_goods_per_year <= revenue(document)


def test_supplier_chains_are_in_the_supplier_price() -> None:
    """A flow into a supplier's site (its own materials) is not added to the good: it is inside its price."""
    network = two_level(priced=True)
    sites = network.sites.with_columns(
        kind=pl.when(pl.col("site_id") == "M").then(pl.lit("supplier")).otherwise(pl.col("kind"))
    )
    bought = allyshore.Network(tables={**network.tables, "sites": sites}, name="bought")
    r = domestic_disruption_rate()
    made = network_cost(network, as_of="2026-01-15", assumptions=PLAIN, use_origin_engine=False)
    result = network_cost(bought, as_of="2026-01-15", assumptions=PLAIN, use_origin_engine=False)
    k_into_m = 6 * (0.5 + r * 4.0)  # per G: SUB's three K a piece, two SUB
    assert made.goods["chain_adders_per_unit"][0] - result.goods["chain_adders_per_unit"][0] == pytest.approx(k_into_m)
    assert result.sum_of_tiers_per_year == pytest.approx(made.sum_of_tiers_per_year)


def test_cost_network_json_keeps_its_fields_and_adds_the_key_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["cost", "network", "infusion-pump", "--as-of", "2026-01-15", "--json"])
    assert done.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert {"as_of", "total_per_year", "factors", "flows", "goods", "sourcing", "assumptions"} <= set(data)
    assert data["sum_of_tiers_per_year"] == data["total_per_year"]
    goods = sum(g["landed_per_year"] for g in data["goods"])
    assert data["finished_goods_landed_per_year"] == pytest.approx(goods, abs=0.01)
    with pytest.raises(SystemExit):
        main(["cost", "network", "infusion-pump", "--as-of", "2026-01-15"])
    text = capsys.readouterr().out
    assert "Landed cost of the finished goods delivered" in text and "Sum of every tier's landed cost" in text


# --- the report groups identical blocks -------------------------------------------------------------------


def three_plants() -> allyshore.Network:
    """The same part K into three identical US plants, from China today and Mexico as a candidate."""
    plants = ["P1", "P2", "P3"]
    flows: list[dict[str, Any]] = []
    for p in plants:
        flows += [
            {
                "from_site": "CN1",
                "to_site": p,
                "item_id": "K",
                "mode": "ocean",
                "transit_days": 30,
                "freight_per_unit": 0.8,
            },
            {
                "from_site": "MX1",
                "to_site": p,
                "item_id": "K",
                "mode": "truck",
                "transit_days": 3,
                "freight_per_unit": 0.5,
                "status": "candidate",
            },
            {"from_site": p, "to_site": "C", "item_id": "G", "mode": "truck", "transit_days": 2, "freight_per_unit": 1},
        ]
    return allyshore.Network.from_dict(
        {
            "sites": [
                {"site_id": "CN1", "country": "CN", "kind": "supplier"},
                {"site_id": "MX1", "country": "MX", "kind": "supplier"},
                *({"site_id": p, "country": "US", "kind": "plant"} for p in plants),
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [
                {"item_id": "G", "hs_code": "9018.90", "unit_cost": 100},
                {"item_id": "K", "hs_code": "8536.50", "unit_cost": 20},
            ],
            "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
            "supply": [
                {"site_id": "CN1", "item_id": "K", "unit_price": 18},
                {"site_id": "MX1", "item_id": "K", "unit_price": 21, "status": "candidate"},
                *({"site_id": p, "item_id": "G", "unit_price": 100} for p in plants),
            ],
            "flows": flows,
            "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 300}],
        }
    )


def test_report_shows_identical_items_once_with_their_receivers() -> None:
    from allyshore.report import cost, run_analyses
    from allyshore.report.sections import build_sections

    (section,) = build_sections(run_analyses(three_plants()), [cost.build])
    html = str(section.safe_html)
    assert html.count("K into ") == 1
    assert "K into 3 sites: P1, P2, P3" in html
    labels = [f.label for f in section.figures]
    assert labels[0] == "Landed cost of the finished goods delivered" and section.figures[0].headline
    assert "Sum of every tier's landed cost" in labels


def test_group_identical_keeps_different_blocks_apart() -> None:
    from markupsafe import Markup

    from allyshore.report.cost import ItemView, group_identical

    def view(item: str, site: str, bars: str) -> ItemView:
        return ItemView(item, site, Markup(bars), Markup(""), Markup(""), [], "S")

    views = group_identical([view("K", "P1", "a"), view("K", "P2", "b"), view("K", "P3", "a"), view("J", "P1", "a")])
    assert [(v.item_id, v.into) for v in views] == [("K", "2 sites: P1, P3"), ("K", "P2"), ("J", "P1")]


# --- wage-inflation defaults ------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _script() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_wage_paths", ROOT / "scripts" / "build_wage_paths.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_wage_paths_are_what_the_script_builds() -> None:
    shipped = (files("allyshore") / "data" / "cost" / "countries.csv").read_text(encoding="utf-8")
    assert _script().render() == shipped


def test_wage_defaults_are_manufacturing_series_averages_with_no_fx_forecast() -> None:
    text = (files("allyshore") / "data" / "cost" / "countries.csv").read_text(encoding="utf-8")
    rows = {r["country"]: r for r in csv.DictReader(text.splitlines())}
    assert {"US", "MX", "CN", "CA"} <= set(rows)
    # MX: STPS contractual revisions 2022-2024 (6.1, 7.6, 7.0%), not the 12% minimum-wage decree for 2025
    mx = ((1.061 * 1.076 * 1.070) ** (1 / 3)) - 1
    assert (
        float(rows["MX"]["wage_inflation"]) == pytest.approx(round(mx, 3))
        and float(rows["MX"]["wage_inflation"]) < 0.12
    )
    # CN: NBS production and manufacturing personnel 2022-2024 (3.9, 6.1, 4.1%)
    assert float(rows["CN"]["wage_inflation"]) == pytest.approx(round(((1.039 * 1.061 * 1.041) ** (1 / 3)) - 1, 3))
    for country, row in rows.items():
        assert float(row["fx_change_per_year"]) == 0.0 and float(row["other_inflation"]) == 0.0
        if country != "*":
            assert "no forecast" in row["source"] and "http" in row["source"], country
