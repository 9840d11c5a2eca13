"""Customs entries per consolidated shipment: one entry per lane and shipment, its broker fee, crossing fee
and MPF shared by the goods on it by value, the MPF minimum and maximum applied per entry (19 CFR 24.23(b)(1))."""

from __future__ import annotations

import csv
import datetime as dt
from importlib.resources import files
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import allyshore
from allyshore.cost import CostInputs, compare_sources, landed_cost, network_cost
from allyshore.cost.entries import consolidate_entries, lane_ids

AS_OF = dt.date(2026, 1, 15)


def _table(name: str) -> list[dict[str, str]]:
    text = (files("allyshore") / "data" / "cost" / f"{name}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def mpf_of(day: dt.date) -> tuple[float, float, float]:
    """Rate, minimum and maximum per formal entry of the fiscal year holding ``day`` (data/cost/mpf.csv)."""
    for row in _table("mpf"):
        if dt.date.fromisoformat(row["effective_from"]) <= day <= dt.date.fromisoformat(row["effective_to"]):
            return float(row["rate"]), float(row["minimum_usd"]), float(row["maximum_usd"])
    raise AssertionError(f"no MPF row for {day}")


def parameter(key: str) -> float:
    return next(float(r["value"]) for r in _table("parameters") if r["key"] == key)


def lane_network(board_from: str = "S") -> allyshore.Network:
    """A Mexican supplier trucks USD 0.07 housings and USD 300 boards to a US plant, 52 shipments a year.

    The plant makes 1,000 goods a week, each of one housing and one board: 52,000 of each a year,
    so 1,000 housings (USD 70) and 1,000 boards (USD 300,000) on each of the 52 entries. With
    ``board_from="B"`` the boards come from another supplier: the housings ship alone.
    """
    flows: list[dict[str, Any]] = [
        {
            "from_site": "S",
            "to_site": "P",
            "item_id": "HOUSING",
            "mode": "truck",
            "transit_days": 3,
            "freight_per_unit": 0.001,
            "shipments_per_year": 52,
        },
        {
            "from_site": board_from,
            "to_site": "P",
            "item_id": "BOARD",
            "mode": "truck",
            "transit_days": 3,
            "freight_per_unit": 0.2,
            "shipments_per_year": 52,
        },
        {"from_site": "P", "to_site": "C", "item_id": "G", "mode": "truck", "transit_days": 2, "freight_per_unit": 1},
    ]
    return allyshore.Network.from_dict(
        {
            "sites": [
                {"site_id": "S", "country": "MX", "kind": "supplier"},
                {"site_id": "B", "country": "MX", "kind": "supplier"},
                {"site_id": "P", "country": "US", "kind": "plant"},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [
                {"item_id": "G", "hs_code": "9018.90.75", "unit_cost": 500},
                {"item_id": "HOUSING", "hs_code": "3926.90.99", "unit_cost": 0.07},
                {"item_id": "BOARD", "hs_code": "8537.10.91", "unit_cost": 300},
            ],
            "bom": [
                {"parent_id": "G", "child_id": "HOUSING", "quantity": 1},
                {"parent_id": "G", "child_id": "BOARD", "quantity": 1},
            ],
            "supply": [
                {"site_id": "P", "item_id": "G", "unit_price": 500},
                {"site_id": "S", "item_id": "HOUSING", "unit_price": 0.07},
                {"site_id": board_from, "item_id": "BOARD", "unit_price": 300},
            ],
            "flows": flows,
            "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 1000}],
        }
    )


def test_hand_worked_housing_and_board_share_one_entry() -> None:
    """19 CFR 24.23(b)(1): MPF 0.3464% ad valorem per formal entry, clamped once per entry to the fiscal
    year's minimum and maximum; the entry's fees are allocated to the goods by their share of its value."""
    rate, minimum, maximum = mpf_of(AS_OF)
    broker, crossing = parameter("broker_fee_per_entry"), parameter("truck_arrival_fee")
    entries = 52.0
    housing_units, board_units = 52_000 / entries, 52_000 / entries  # per entry
    value = 0.07 * housing_units + 300.0 * board_units  # US customs value excludes freight
    mpf_entry = min(max(rate * value, minimum), maximum)
    assert mpf_entry == maximum  # 0.3464% of USD 300,070 = 1,039 > the maximum
    expected = {
        "HOUSING": {"fee_mpf": mpf_entry * 0.07 / value, "broker_crossing": (broker + crossing) * 0.07 / value},
        "BOARD": {"fee_mpf": mpf_entry * 300 / value, "broker_crossing": (broker + crossing) * 300 / value},
    }
    result = network_cost(lane_network(), as_of=AS_OF, use_origin_engine=False)
    rows = {r["item_id"]: r for r in result.flows.iter_rows(named=True)}
    for item, fees in expected.items():
        for factor, amount in fees.items():
            assert rows[item][factor] == pytest.approx(amount, rel=1e-9), (item, factor)
    # per year, the lane pays exactly 52 entries' fees
    paid = sum((rows[i]["fee_mpf"] + rows[i]["broker_crossing"]) * rows[i]["annual_units"] for i in expected)
    assert paid == pytest.approx(entries * (mpf_entry + broker + crossing))
    # compare of the housing sees the board on its lane and says so
    option = compare_sources(lane_network(), "HOUSING", as_of=AS_OF, use_origin_engine=False).option("S")
    assert option.per_unit["broker_crossing"] == pytest.approx(expected["HOUSING"]["broker_crossing"])
    note = next(a for a in option.assumptions if a.key == "customs_entries")
    assert note.value["partner_flows"] == 1 and note.value["entries_per_year"] == entries


def test_a_single_source_ships_alone_and_says_so() -> None:
    """Without lane partners the housing carries whole entries: the MPF minimum and the broker fee per entry."""
    rate, minimum, _ = mpf_of(AS_OF)
    broker, crossing = parameter("broker_fee_per_entry"), parameter("truck_arrival_fee")
    units = 52_000 / 52
    assert rate * 0.07 * units < minimum
    option = compare_sources(lane_network(board_from="B"), "HOUSING", as_of=AS_OF, use_origin_engine=False).option("S")
    assert option.per_unit["fee_mpf"] == pytest.approx(minimum / units)
    assert option.per_unit["broker_crossing"] == pytest.approx((broker + crossing) / units)
    note = next(a for a in option.assumptions if a.key == "customs_entries")
    assert note.value == "ships alone" and "other_goods_value_per_shipment" in note.source


def test_other_goods_value_per_shipment_consolidates_a_single_flow() -> None:
    network = lane_network(board_from="B")
    flows = network.flows.with_columns(
        other_goods_value_per_shipment=pl.when(pl.col("item_id") == "HOUSING").then(300_000.0).otherwise(None)
    )
    network = allyshore.Network(tables={**network.tables, "flows": flows}, name="lane")
    rate, _, maximum = mpf_of(AS_OF)
    assert rate * 300_070.0 > maximum
    value = 70.0 + 300_000.0
    option = compare_sources(network, "HOUSING", as_of=AS_OF, use_origin_engine=False).option("S")
    assert option.per_unit["fee_mpf"] == pytest.approx(maximum * 0.07 / value)


def test_originating_goods_share_the_broker_fee_but_pay_no_mpf() -> None:
    """19 CFR 24.23(c)(3): originating goods are exempt; the MPF of the entry is levied on the other goods only."""
    rate, minimum, maximum = mpf_of(AS_OF)
    result = network_cost(lane_network(), as_of=AS_OF, originating={("S", "HOUSING"): True})
    rows = {r["item_id"]: r for r in result.flows.iter_rows(named=True)}
    assert rows["HOUSING"]["fee_mpf"] == 0.0
    board_value = 300.0 * 1000
    assert rows["BOARD"]["fee_mpf"] == pytest.approx(min(max(rate * board_value, minimum), maximum) / 1000)
    assert rows["HOUSING"]["broker_crossing"] > 0


def test_a_candidate_joins_the_active_lane() -> None:
    """The housing comes today from S2, alone on its entries; a candidate S would ride with the boards."""
    base = lane_network()
    sites = base.sites.vstack(base.sites.filter(base.sites["site_id"] == "S").with_columns(site_id=pl.lit("S2")))
    supply = base.supply.vstack(
        base.supply.filter(base.supply["item_id"] == "HOUSING").with_columns(site_id=pl.lit("S2"))
    )
    housing = base.flows.filter(base.flows["item_id"] == "HOUSING")
    flows = pl.concat(
        [
            base.flows.filter(base.flows["item_id"] != "HOUSING"),
            housing.with_columns(from_site=pl.lit("S2")),
            housing.with_columns(status=pl.lit("candidate")),
        ]
    )
    network = allyshore.Network(tables={**base.tables, "sites": sites, "supply": supply, "flows": flows}, name="lanes")
    result = network_cost(network, as_of=AS_OF, use_origin_engine=False)
    row = next(s for s in result.sourcing if s.item_id == "HOUSING")
    assert row.current_sources == ("S2",) and row.best_source == "S"
    _, minimum, _ = mpf_of(AS_OF)
    alone = result.flows.filter(pl.col("item_id") == "HOUSING").row(0, named=True)
    assert alone["fee_mpf"] == pytest.approx(minimum / 1000)  # S2 pays a whole entry's minimum per 1,000 housings
    assert row.current_per_unit - row.best_per_unit > 0.1


# --- property: allocated fees add up to the entries' fees, MPF per entry within [min, max] ----------------


@st.composite
def lanes(draw: Any) -> tuple[CostInputs, np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=1, max_value=12))
    parts = []
    for _ in range(n):
        parts.append(
            CostInputs.single(
                unit_price=draw(st.floats(min_value=0.01, max_value=2_000.0)),  # a valued good (0 = price unknown)
                packaging=draw(st.floats(min_value=0.0, max_value=5.0)),
                annual_units=draw(st.floats(min_value=1.0, max_value=1e6)),
                shipment_units=draw(st.floats(min_value=1.0, max_value=1e4)),
                mpf_applies=draw(st.booleans()),
                mpf_rate=0.003464,
                mpf_min=33.58,
                mpf_max=651.50,
                broker_per_entry=125.0,
                crossing_per_shipment=7.35,
            )
        )
    lane = np.asarray(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int64)
    member = np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return CostInputs.concat(parts), lane, member


@settings(max_examples=150, deadline=None)
@given(lanes())
def test_fees_on_a_lane_sum_to_entries_times_the_entry_fee(case: tuple[CostInputs, np.ndarray, np.ndarray]) -> None:
    inputs, lane, member = case
    dense = lane_ids(lane)
    shared = consolidate_entries(inputs, dense, member)
    factors = landed_cost(shared)
    d_year = shared.annual_units
    value = (shared.unit_price + shared.packaging) * d_year  # US customs value per year (FOB)
    for code in np.unique(dense[member]):
        on = member & (dense == code)
        entries = float(shared.entries_per_year[on][0])
        assert np.allclose(shared.entries_per_year[on], entries)
        assert entries == pytest.approx(float(np.max(d_year[on] / shared.shipment_units[on])))
        broker = float(np.sum(factors["broker_crossing"][on] * d_year[on]))
        assert broker == pytest.approx(entries * (125.0 + 7.35), rel=1e-9)
        liable = on & shared.mpf_applies
        mpf_year = float(np.sum(factors["fee_mpf"][on] * d_year[on]))
        if liable.any():
            per_entry = mpf_year / entries
            assert 33.58 * (1 - 1e-9) <= per_entry <= 651.50 * (1 + 1e-9)
            expected = min(max(0.003464 * value[liable].sum() / entries, 33.58), 651.50)
            assert per_entry == pytest.approx(expected, rel=1e-9)
        else:
            assert mpf_year == 0.0
