"""The sourcing plan checked from outside: on tiny random networks, against every single-source plan, and every
constraint of a returned plan re-checked by the engines on the network the plan writes.

The brute force (tests/plan_checks.py) knows nothing of the optimiser's model: a plan is a network (shares of the
flows, sources switched active or candidate), its landed cost is the landed-cost engine's, its trusted and country
shares the exposure map's, its originating goods the origin engine's.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allyshore.io import load_network, write_network
from plan_checks import (
    Drawn,
    Group,
    PlanPolicy,
    choice_shares,
    enumerate_plans,
    evaluate,
    landed_costs,
    option_costs,
    plan_network,
    shares_of,
    tiny_networks,
)

#: ``make fuzz`` (HYPOTHESIS_PROFILE=fuzz) runs the long pass; ``make test`` a few examples per test, each of which
#: costs every single-source plan of a network with the engines (about a second).
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"


def examples(short: int, long: int = 300) -> settings:
    return settings(max_examples=long if LONG else short, deadline=None, suppress_health_check=[HealthCheck.too_slow])


SHORT = examples(8)


def _plants(drawn: Drawn) -> list[str]:
    return sorted({g.to_site for g in drawn.groups})


# --------------------------------------------------------------------------- the brute force itself


@given(tiny_networks(), st.data())
@SHORT
def test_cost_of_a_single_source_plan_is_the_sum_of_its_flows(drawn: Drawn, data: st.DataObject) -> None:
    """The enumerator prices a plan as the sum of each chosen flow's landed cost at the plant's whole need; the
    landed-cost engine on the whole plan network gives the same figure (no lane, so no customs entry, is shared
    between choices, and the finished goods cross no border)."""
    network = drawn.network
    costs, finished = option_costs(drawn, network)
    plans = list(drawn.plans())
    choice = plans[data.draw(st.integers(0, len(plans) - 1), label="plan")]
    total, inputs = landed_costs(plan_network(network, choice_shares(choice)), _plants(drawn))
    summed = sum(costs[(item, site, source)] for (item, site), source in choice.items())
    assert inputs == pytest.approx(summed, rel=1e-9)
    assert total == pytest.approx(summed + finished, rel=1e-9)


@given(drawn=tiny_networks(max_plans=6))
@SHORT
def test_a_plan_network_reads_back_the_same_from_format_v1(drawn: Drawn, tmp_path_factory: Any) -> None:
    """A plan written as a network (format v1, JSON and CSV) and read back gives the engines the same figures."""
    network = drawn.network
    choice = next(iter(drawn.plans()))
    plan = plan_network(network, choice_shares(choice))
    folder = tmp_path_factory.mktemp("plan")
    figures = evaluate(plan, _plants(drawn))
    for target in (folder / "plan.json", folder / "csv"):
        again = evaluate(load_network(write_network(plan, target)), _plants(drawn))
        assert again.cost_per_year == pytest.approx(figures.cost_per_year, rel=1e-12)
        assert again.trusted == pytest.approx(figures.trusted)
        assert again.originating == figures.originating
        assert again.shares == choice_shares(choice) | {(good, "C", plant): 1.0 for good, plant in drawn.goods}
    assert shares_of(plan) == figures.shares


def test_the_enumeration_is_exhaustive_on_a_hand_built_network() -> None:
    """Two purchased items, 2 x 3 sources: six plans, each priced once; the best without a policy is the cheapest
    source of each item (costs add up), derived here from the engine's per-flow costs."""
    drawn = _two_by_three()
    enumeration = enumerate_plans(drawn)
    assert len(enumeration.plans) == 6
    costs, _ = option_costs(drawn, drawn.network)
    cheapest = {
        (g.item_id, g.to_site): min(g.sources, key=lambda s: costs[(g.item_id, g.to_site, s)]) for g in drawn.groups
    }
    best = enumeration.best(PlanPolicy())
    assert best is not None
    assert best[0] == cheapest


def _two_by_three() -> Drawn:
    """G at P (US) from K1 (sources in CN, MX) and K2 (sources in DE, VN, US), prices chosen by hand."""
    rule = '{"alternatives": [{"tariff_shift": null, "rvc": {"transaction_value": 50}}]}'
    document: dict[str, Any] = {
        "sites": [
            {"site_id": "P1", "country": "US", "kind": "plant"},
            {"site_id": "C", "country": "US", "kind": "customer"},
            {"site_id": "S1", "country": "CN", "kind": "supplier"},
            {"site_id": "S2", "country": "MX", "kind": "supplier"},
            {"site_id": "S3", "country": "DE", "kind": "supplier"},
            {"site_id": "S4", "country": "VN", "kind": "supplier"},
            {"site_id": "S5", "country": "US", "kind": "supplier"},
        ],
        "items": [
            {"item_id": "G1", "hs_code": "9018.90.80", "origin_rule": rule, "profit_per_unit": 30},
            {"item_id": "K1", "hs_code": "8536.50.90"},
            {"item_id": "K2", "hs_code": "3926.90.99"},
        ],
        "bom": [
            {"parent_id": "G1", "child_id": "K1", "quantity": 2},
            {"parent_id": "G1", "child_id": "K2", "quantity": 1},
        ],
        "supply": [
            {"site_id": "P1", "item_id": "G1", "unit_price": 120, "other_costs_per_unit": 20},
            {"site_id": "S1", "item_id": "K1", "unit_price": 10},
            {"site_id": "S2", "item_id": "K1", "unit_price": 13, "status": "candidate", "supplier_certifies_origin": True},
            {"site_id": "S3", "item_id": "K2", "unit_price": 20},
            {"site_id": "S4", "item_id": "K2", "unit_price": 16, "status": "candidate"},
            {"site_id": "S5", "item_id": "K2", "unit_price": 24, "status": "candidate", "supplier_certifies_origin": True},
        ],
        "flows": [
            {"from_site": "S1", "to_site": "P1", "item_id": "K1", "share": 1.0, "mode": "ocean", "transit_days": 30,
             "freight_per_unit": 0.6, "shipments_per_year": 12},
            {"from_site": "S2", "to_site": "P1", "item_id": "K1", "mode": "truck", "transit_days": 3,
             "freight_per_unit": 0.4, "shipments_per_year": 52, "crossing": "Laredo", "status": "candidate"},
            {"from_site": "S3", "to_site": "P1", "item_id": "K2", "share": 1.0, "mode": "ocean", "transit_days": 25,
             "freight_per_unit": 1.2, "shipments_per_year": 12},
            {"from_site": "S4", "to_site": "P1", "item_id": "K2", "mode": "ocean", "transit_days": 35,
             "freight_per_unit": 1.0, "shipments_per_year": 12, "status": "candidate"},
            {"from_site": "S5", "to_site": "P1", "item_id": "K2", "mode": "truck", "transit_days": 2,
             "freight_per_unit": 0.5, "shipments_per_year": 52, "status": "candidate"},
            {"from_site": "P1", "to_site": "C", "item_id": "G1", "share": 1.0, "mode": "truck", "transit_days": 2,
             "freight_per_unit": 1.0},
        ],
        "demand": [{"site_id": "C", "item_id": "G1", "units_per_week": 100}],
    }  # fmt: skip
    groups = (
        Group("K1", "P1", ("S1", "S2"), (1.0, 0.0)),
        Group("K2", "P1", ("S3", "S4", "S5"), (1.0, 0.0, 0.0)),
    )
    country = {s["site_id"]: s["country"] for s in document["sites"]}
    return Drawn(document, groups, (("G1", "P1"),), country)
