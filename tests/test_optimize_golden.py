"""Hand-worked sourcing plans: the optimiser's choice and cost derived in each test from the network's figures.

The networks are built by hand for these tests. One plant P in the US makes the good G from 2 units of a
component; the component may come from A (China, adversary tier, price 10), B (Germany, ally tier, price 15) or
M (Mexico, USMCA tier, price 14). G sells at 100 a unit, 50 a week. So (the exposure map's decomposition,
allyshore.exposure.analysis) the value of one G is made:

* at P (US, domestic): 100 - 2 * (10 x_A + 15 x_B + 14 x_M);
* at A (CN): 2 * 10 x_A = 20 x_A;  at B (DE): 30 x_B;  at M (MX): 28 x_M;

and the trusted share (domestic, usmca and ally tiers) is 1 - 20 x_A / 100 = 1 - 0.2 x_A, the CN share 0.2 x_A.
The need of the component is 50 a week * 2 * 52 = 5,200 units a year. The landed cost per unit of each flow is
the landed-cost engine's (tested in test_cost*.py), read from the plan's choices as c_A, c_B, c_M: each plan's
landed cost a year is derived below from those unit costs and the shares worked out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

import allyshore
from allyshore.optimize import optimize
from allyshore.optimize.choices import build_choices

AS_OF = "2026-01-15"
NEED = 50 * 2 * 52  # units of the component a year


def network(
    active: str = "A", capacity: dict[str, float] | None = None, second_item: bool = False
) -> allyshore.Network:
    caps = capacity or {}
    sources = {"A": ("CN", 10.0, "ocean"), "B": ("DE", 15.0, "ocean"), "M": ("MX", 14.0, "truck")}
    items = ["K", "L"] if second_item else ["K"]
    supply: list[dict[str, Any]] = [{"site_id": "P", "item_id": "G", "unit_price": 100}]
    flows: list[dict[str, Any]] = []
    for site, (_, price, mode) in sources.items():
        for item in items:
            row: dict[str, Any] = {"site_id": site, "item_id": item, "unit_price": price}
            if site in caps:
                row["capacity_per_week"] = caps[site]
            supply.append(row)
            flow: dict[str, Any] = {"from_site": site, "to_site": "P", "item_id": item, "mode": mode}
            flow["freight_per_unit"] = 1.0
            if site == active:
                flow["share"] = 1.0
            else:
                flow["status"] = "candidate"
            flows.append(flow)
    bom = [{"parent_id": "G", "child_id": "K", "quantity": 2}]
    if second_item:
        bom.append({"parent_id": "G", "child_id": "L", "quantity": 1})
    return allyshore.Network.from_dict(
        {
            "sites": [{"site_id": "P", "country": "US", "kind": "plant"}]
            + [{"site_id": s, "country": c, "kind": "supplier"} for s, (c, _, _) in sources.items()],
            "items": [{"item_id": "G", "hs_code": "9018.90.80"}]
            + [{"item_id": i, "hs_code": "8536.50.90"} for i in items],
            "bom": bom,
            "supply": supply,
            "flows": flows,
            "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 50}],
        }
    )


def unit_costs(net: allyshore.Network, item: str = "K") -> dict[str, float]:
    frame = build_choices(net, as_of=AS_OF).frame.filter(item_id=item)
    assert not frame.get_column("unknown_cost").any(), "the golden networks have every duty known"
    return dict(zip(frame.get_column("from_site").to_list(), frame.get_column("cost_per_unit").to_list(), strict=True))


def shares(result: Any, item: str = "K") -> dict[str, float]:
    (row,) = [p for p in result.plan if p["item_id"] == item]
    return {s["site_id"]: s["share"] for s in row["sources"]}


def constraint(result: Any, name: str) -> dict[str, Any]:
    (found,) = [c for c in result.constraints if c["name"] == name]
    return dict(found)


def test_the_cheapest_source_wins() -> None:
    """Today B (dearer) carries everything; with no constraint the plan takes all from the cheapest landed cost."""
    net = network(active="B")
    c = unit_costs(net)
    cheapest = min(c, key=lambda s: c[s])
    assert cheapest == "A"  # the engine's unit costs: CN is the cheapest landed (c_A < c_B, c_M)
    result = optimize(net, as_of=AS_OF)
    assert result.status == "optimal"
    assert shares(result) == {"A": pytest.approx(1.0)}
    # landed cost a year = 5,200 * c_A; before = 5,200 * c_B
    assert result.objective["landed_cost_per_year"] == pytest.approx(NEED * c["A"], rel=1e-9)
    assert result.before["landed_cost_per_year"] == pytest.approx(NEED * c["B"], rel=1e-9)
    assert result.objective["total_per_year"] == pytest.approx(result.objective["landed_cost_per_year"])
    assert [(ch["site_id"], ch["share_before"], ch["share_after"]) for ch in result.changes] == [
        ("A", 0.0, pytest.approx(1.0)),
        ("B", 1.0, 0.0),
    ]


def test_a_trusted_share_buys_the_cheapest_ally_share_at_the_blended_cost() -> None:
    """min trusted share 0.9: 1 - 0.2 x_A >= 0.9 gives x_A <= 0.5; the rest from the cheaper trusted source,
    B (c_B < c_M), so the plan is A 0.5, B 0.5 at 5,200 * (0.5 c_A + 0.5 c_B) a year."""
    net = network()
    c = unit_costs(net)
    assert c["A"] < c["B"] < c["M"]
    result = optimize(net, as_of=AS_OF, min_trusted_share=0.9)
    assert result.status == "optimal"
    assert shares(result) == {"A": pytest.approx(0.5), "B": pytest.approx(0.5)}
    assert result.objective["landed_cost_per_year"] == pytest.approx(NEED * (0.5 * c["A"] + 0.5 * c["B"]), rel=1e-9)
    # the exposure engine on the optimised network: trusted 90% (before: 1 - 0.2 = 80%), CN 10% (before 20%)
    assert result.before["trusted_share"] == pytest.approx(0.8)
    assert result.after["trusted_share"] == pytest.approx(0.9)
    assert result.after["adversary_share"] == pytest.approx(0.1)
    trusted = constraint(result, "min trusted share")
    assert trusted["binding"]
    # Its shadow price: one more unit of share needs x_A lower by 1 / 0.2 = 5, moved from A to B at
    # 5,200 * (c_B - c_A) a year per unit of x: 5 * 5,200 * (c_B - c_A).
    assert trusted["shadow_price"] == pytest.approx(5 * NEED * (c["B"] - c["A"]), rel=1e-6)


def test_a_country_cap_limits_its_share_of_each_good() -> None:
    """CN at most 5% of G: 0.2 x_A <= 0.05, x_A = 0.25, B 0.75 (cheaper than M)."""
    net = network()
    c = unit_costs(net)
    result = optimize(net, as_of=AS_OF, max_country_share={"CN": 0.05})
    assert shares(result) == {"A": pytest.approx(0.25), "B": pytest.approx(0.75)}
    assert result.objective["landed_cost_per_year"] == pytest.approx(NEED * (0.25 * c["A"] + 0.75 * c["B"]), rel=1e-9)
    assert result.after["by_country"]["CN"] == pytest.approx(0.05)
    assert constraint(result, "max share of CN")["binding"]


def test_no_adversary_moves_everything_to_the_cheapest_other() -> None:
    net = network()
    c = unit_costs(net)
    result = optimize(net, as_of=AS_OF, no_adversary=True)
    assert shares(result) == {"B": pytest.approx(1.0)}
    assert result.after["adversary_share"] == pytest.approx(0.0)
    assert result.objective["landed_cost_per_year"] == pytest.approx(NEED * c["B"], rel=1e-9)


def test_min_sources_keeps_a_second_source_at_its_least_share() -> None:
    """Two sources with at least 0.3 each when used: the cheapest A takes 0.7, the next cheapest B 0.3."""
    net = network()
    c = unit_costs(net)
    result = optimize(net, as_of=AS_OF, min_sources=2, min_share_when_used=0.3)
    assert result.status == "optimal"
    assert shares(result) == {"A": pytest.approx(0.7), "B": pytest.approx(0.3)}
    assert result.objective["landed_cost_per_year"] == pytest.approx(NEED * (0.7 * c["A"] + 0.3 * c["B"]), rel=1e-9)
    assert constraint(result, "min sources")["binding"]


def test_qualification_cost_is_annualised_over_the_projection() -> None:
    """From B, moving to A saves 5,200 (c_B - c_A) a year; a qualification of Q spread over 5 years (the shipped
    projection_years) costs Q / 5 a year: worth it below Q = 5 * 5,200 (c_B - c_A), not above."""
    net = network(active="B")
    c = unit_costs(net)
    saving = NEED * (c["B"] - c["A"])
    cheap = optimize(net, as_of=AS_OF, qualification_cost=0.9 * 5 * saving)
    assert shares(cheap) == {"A": pytest.approx(1.0)}
    assert cheap.objective["qualification_per_year"] == pytest.approx(0.9 * saving)
    assert cheap.objective["total_per_year"] == pytest.approx(NEED * c["A"] + 0.9 * saving, rel=1e-9)
    dear = optimize(net, as_of=AS_OF, qualification_cost=1.1 * 5 * saving)
    assert shares(dear) == {"B": pytest.approx(1.0)}
    assert dear.objective["qualification_per_year"] == 0.0


def test_max_changes_phases_the_plan_by_the_larger_saving() -> None:
    """Both K (2 a good) and L (1 a good) come from B today; A is cheaper for each. Switching an item moves two
    shares (B down, A up): with at most 2 changes only one item switches, the one saving more a year:
    K saves 5,200 (c_B - c_A), L 2,600 (c_B' - c_A'), so K switches."""
    net = network(active="B", second_item=True)
    k, l_ = unit_costs(net, "K"), unit_costs(net, "L")
    saving_k = NEED * (k["B"] - k["A"])
    saving_l = NEED / 2 * (l_["B"] - l_["A"])
    assert saving_k > saving_l > 0
    free = optimize(net, as_of=AS_OF)
    assert len(free.changes) == 4
    phased = optimize(net, as_of=AS_OF, max_changes=2)
    assert phased.status == "optimal"
    assert len(phased.changes) == 2
    assert shares(phased, "K") == {"A": pytest.approx(1.0)}
    assert shares(phased, "L") == {"B": pytest.approx(1.0)}
    expected = NEED * k["A"] + NEED / 2 * l_["B"]
    assert phased.objective["landed_cost_per_year"] == pytest.approx(expected, rel=1e-9)
    assert constraint(phased, "max changes")["binding"]


def test_capacity_caps_a_source_in_units_a_week() -> None:
    """A ships at most 60 of the 100 a week needed: x_A = 0.6, the rest from B."""
    net = network(capacity={"A": 60.0})
    c = unit_costs(net)
    result = optimize(net, as_of=AS_OF)
    assert shares(result) == {"A": pytest.approx(0.6), "B": pytest.approx(0.4)}
    assert result.objective["landed_cost_per_year"] == pytest.approx(NEED * (0.6 * c["A"] + 0.4 * c["B"]), rel=1e-9)
    cap = constraint(result, "capacity of supply nodes")
    assert cap["binding"]
    # one more unit a week at A saves 52 units a year at c_B - c_A each: the dual is -52 (c_B - c_A)
    assert cap["shadow_price"] == pytest.approx(-52 * (c["B"] - c["A"]), rel=1e-6)


def test_an_infeasible_policy_is_explained_with_the_conflict_amount() -> None:
    """B and M ship at most 25 a week each of the 100 needed, so x_A >= 0.5 and the trusted share is at most
    1 - 0.2 * 0.5 = 0.9: a minimum of 0.95 is 0.05 out of reach. Giving way on trust costs 0.05 (a share);
    giving way on capacity or demand would cost more (0.25 of a share, or 25 / 25 of a capacity)."""
    net = network(capacity={"B": 25.0, "M": 25.0})
    result = optimize(net, as_of=AS_OF, min_trusted_share=0.95)
    assert result.status == "infeasible"
    assert result.plan == ()
    (conflict,) = result.conflicts
    assert conflict["name"] == "min trusted share"
    assert conflict["violation"] == pytest.approx(0.05, abs=1e-7)
    assert conflict["bound"] == pytest.approx(0.95)
    assert "capacity of supply nodes" in conflict["conflicts_with"]
    data = result.to_dict()
    assert data["status"] == "infeasible" and data["conflicts"]


def test_unknown_costs_are_listed_not_zero() -> None:
    """Imports into Mexico have no shipped IGI rates: both sources of the component are flagged, not priced 0."""
    net = allyshore.Network.from_dict(
        {
            "sites": [
                {"site_id": "PL", "country": "MX", "kind": "plant"},
                {"site_id": "S1", "country": "CN", "kind": "supplier"},
                {"site_id": "S2", "country": "US", "kind": "supplier"},
            ],
            "items": [{"item_id": "G", "unit_cost": 100}, {"item_id": "K", "hs_code": "8536.50", "unit_cost": 20}],
            "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
            "supply": [
                {"site_id": "PL", "item_id": "G", "unit_price": 100},
                {"site_id": "S1", "item_id": "K", "unit_price": 18},
                {"site_id": "S2", "item_id": "K", "unit_price": 24, "status": "candidate"},
            ],
            "flows": [
                {"from_site": "S1", "to_site": "PL", "item_id": "K", "share": 1.0},
                {"from_site": "S2", "to_site": "PL", "item_id": "K", "status": "candidate"},
            ],
            "demand": [{"site_id": "PL", "item_id": "G", "units_per_week": 40}],
        }
    )
    result = optimize(net, as_of=AS_OF, keep_originating=False)
    flagged = {(u["site_id"], u["status_before"]) for u in result.unknown_costs}
    assert flagged == {("S1", "active"), ("S2", "candidate")}
    assert all(u["reason"] == "duty unknown" for u in result.unknown_costs)
    assert shares(result) == {"S1": pytest.approx(1.0)}
