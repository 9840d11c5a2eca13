"""Resilience stress test: golden cases built by hand, cross-checks, properties, and the CLI contract.

The brief (../shared/domain/resilience.md §12) endorses no published numeric
case, so every golden value below is worked out by hand in the test, from the
TTR model (§4) and the TTS model (§5) of Simchi-Levi et al. (Interfaces 45(5), 2015).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allyshore.errors import InputError, NotFoundError
from allyshore.model import Network
from allyshore.model.graph import compile_network
from allyshore.resilience import ResilienceModel, stress_test
from allyshore.resilience.scenarios import profit_per_demand_row
from allyshore.resilience.transit import in_transit


def net(
    sites: list[tuple[str, str, str, float | None]],
    items: list[tuple[str, float | None]],
    supply: list[dict[str, Any]],
    flows: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    demand: list[tuple[str, str, float]] = (),  # type: ignore[assignment]
    bom: list[tuple[str, str, float]] = (),  # type: ignore[assignment]
    site_capacity: dict[str, float] | None = None,
) -> Network:
    """A network from compact tuples: sites (id, country, kind, ttr), items (id, profit)."""
    site_capacity = site_capacity or {}
    return Network.from_dict(
        {
            "sites": [
                {
                    "site_id": s,
                    "country": c,
                    "kind": k,
                    **({"ttr_weeks": t} if t is not None else {}),
                    **({"capacity_per_week": site_capacity[s]} if s in site_capacity else {}),
                }
                for s, c, k, t in sites
            ],
            "items": [{"item_id": i, **({"profit_per_unit": p} if p is not None else {})} for i, p in items],
            "bom": [{"parent_id": p, "child_id": c, "quantity": q} for p, c, q in bom],
            "supply": supply,
            "flows": [{"from_site": a, "to_site": b, "item_id": i} for a, b, i in flows],
            "demand": [{"site_id": s, "item_id": i, "units_per_week": d} for s, i, d in demand],
        },
        name="golden",
    )


def by_label(result: Any) -> dict[str, Any]:
    return {s.scenario.label: s for s in result.scenarios}


# -- single tier (brief §6) -------------------------------------------------------------------------------


def single_tier(b_capacity: float = 8.0) -> Network:
    # Customer C needs 10 X/week (profit 5). A makes 6/week, no stock, TTR 3; B makes b_capacity/week,
    # holds 12, TTR 2. Both ship to C; shares are not constraints.
    return net(
        sites=[("A", "CN", "supplier", 3), ("B", "VN", "supplier", 2), ("C", "US", "customer", None)],
        items=[("X", 5.0)],
        supply=[
            {"site_id": "A", "item_id": "X", "capacity_per_week": 6},
            {"site_id": "B", "item_id": "X", "capacity_per_week": b_capacity, "inventory": 12},
        ],
        flows=[("A", "C", "X"), ("B", "C", "X")],
        demand=[("C", "X", 10)],
    )


def test_single_tier_golden() -> None:
    result = by_label(stress_test(single_tier()))
    assert set(result) == {"A", "B"}  # the customer site is never disrupted in the default sweep
    # A down: B gives 8t + 12 >= 10t  ->  TTS = 12 / 2 = 6 weeks >= TTR 3: nothing lost.
    assert result["A"].tts_weeks == pytest.approx(6.0)
    assert result["A"].lost_profit == pytest.approx(0.0)
    # B down (still ships its 12 in stock): 6t + 12 >= 10t -> TTS = 3 > TTR 2: nothing lost.
    assert result["B"].tts_weeks == pytest.approx(3.0)
    assert result["B"].lost_units == pytest.approx(0.0)
    assert not result["B"].needs_mitigation
    # B down for 5 weeks: demand 50, A makes 30, stock 12 -> 8 units lost, 8 * 5 = 40 USD.
    five = by_label(stress_test(single_tier(), sites=["B"], ttr_weeks=5))["B"]
    assert five.lost_units == pytest.approx(8.0)
    assert five.lost_profit == pytest.approx(40.0)
    assert five.needs_mitigation


def test_simultaneous_and_country_shock() -> None:
    # A and B down together for max(3, 2) = 3 weeks: only B's 12 in stock -> TTS 12/10 = 1.2,
    # lost 30 - 12 = 18 units, 90 USD.
    both = stress_test(single_tier(), sites=["A", "B"]).scenarios[0]
    assert both.ttr_weeks == 3.0
    assert both.tts_weeks == pytest.approx(1.2)
    assert both.lost_units == pytest.approx(18.0)
    assert both.lost_profit == pytest.approx(90.0)
    assert both.rei == 1.0
    # A country-wide shock on CN takes down A only: same as the single-site scenario for A.
    cn = stress_test(single_tier(), country="China").scenarios[0]
    assert cn.scenario.sites == ("A",)
    assert cn.tts_weeks == pytest.approx(6.0)


def test_unbounded_tts() -> None:
    # B makes 12/week >= demand 10: with A down the network survives indefinitely.
    result = stress_test(single_tier(b_capacity=12.0))
    a = by_label(result)["A"]
    assert math.isinf(a.tts_weeks)
    assert a.to_dict()["tts_weeks"] is None
    assert a.to_dict()["survives_indefinitely"] is True
    assert a.lost_profit == 0.0
    assert math.isinf(result.baseline_tts_weeks)  # 6 + 12 >= 10 undisrupted as well


# -- multi-tier with BOM ratios ---------------------------------------------------------------------------


def multi_tier() -> Network:
    # G needs 3 K and 2 M. Plant P (MX) makes G, holds 5 G, sells 10 G/week (profit 20) itself.
    # S (CN, TTR 4) makes K and holds 30 K; R (US, TTR 1) makes M, holds 8 M, 50/week.
    return net(
        sites=[("P", "MX", "plant", 1), ("S", "CN", "supplier", 4), ("R", "US", "supplier", 1)],
        items=[("G", 20.0), ("K", None), ("M", None)],
        bom=[("G", "K", 3), ("G", "M", 2)],
        supply=[
            {"site_id": "P", "item_id": "G", "capacity_per_week": 100, "inventory": 5},
            {"site_id": "S", "item_id": "K", "capacity_per_week": 100, "inventory": 30},
            {"site_id": "R", "item_id": "M", "capacity_per_week": 50, "inventory": 8},
        ],
        flows=[("S", "P", "K"), ("R", "P", "M")],
        demand=[("P", "G", 10)],
    )


def test_multi_tier_bom_ratios() -> None:
    result = by_label(stress_test(multi_tier()))
    # S down 4 weeks: 30 K make 30/3 = 10 G, plus 5 G in stock = 15 G -> TTS 15/10 = 1.5 weeks;
    # lost 40 - 15 = 25 G, 25 * 20 = 500 USD.
    assert result["S"].tts_weeks == pytest.approx(1.5)
    assert result["S"].lost_units == pytest.approx(25.0)
    assert result["S"].lost_profit == pytest.approx(500.0)
    # R down 1 week: 8 M make 4 G, plus 5 in stock = 9 G -> TTS 0.9; lost 10 - 9 = 1 G = 20 USD.
    assert result["R"].tts_weeks == pytest.approx(0.9)
    assert result["R"].lost_profit == pytest.approx(20.0)
    # P down 1 week: 5 G in stock -> TTS 0.5; lost 5 G = 100 USD.
    assert result["P"].tts_weeks == pytest.approx(0.5)
    assert result["P"].lost_profit == pytest.approx(100.0)
    # REI = L / max L = 500 / 500, 20 / 500, 100 / 500.
    assert [result[k].rei for k in ("S", "R", "P")] == pytest.approx([1.0, 0.04, 0.2])
    s = result["S"]
    assert s.needs_mitigation
    kinds = {(b.kind, b.site) for b in s.binding}
    assert ("single_source", "P") in kinds  # K has no live parent but S
    assert ("inventory", "S") in kinds


# -- pass-through ----------------------------------------------------------------------------------------


def pass_through() -> Network:
    # S (TTR 5) and T make X; both ship through warehouse W (throughput 15/week, 25 X on hand, TTR 2)
    # to customer C: 10 X/week, profit 3.
    return net(
        sites=[
            ("S", "CN", "supplier", 5),
            ("T", "US", "supplier", 1),
            ("W", "US", "warehouse", 2),
            ("C", "US", "customer", None),
        ],
        items=[("X", 3.0)],
        supply=[
            {"site_id": "S", "item_id": "X", "capacity_per_week": 20},
            {"site_id": "T", "item_id": "X", "capacity_per_week": 4},
            {"site_id": "W", "item_id": "X", "capacity_per_week": 15, "inventory": 25},
        ],
        flows=[("S", "W", "X"), ("T", "W", "X"), ("W", "C", "X")],
        demand=[("C", "X", 10)],
    )


def test_pass_through() -> None:
    result = by_label(stress_test(pass_through()))
    # W down: nothing passes through, but its 25 on hand ship: TTS 2.5 >= TTR 2, nothing lost.
    assert result["W"].tts_weeks == pytest.approx(2.5)
    assert result["W"].lost_profit == 0.0
    # S down 5 weeks: T's 4/week pass through W plus W's 25: 4t + 25 >= 10t -> TTS 25/6;
    # lost 50 - (20 + 25) = 5 X = 15 USD.
    assert result["S"].tts_weeks == pytest.approx(25 / 6)
    assert result["S"].lost_units == pytest.approx(5.0)
    assert result["S"].lost_profit == pytest.approx(15.0)
    # W down for 4 weeks: 40 - 25 = 15 X lost = 45 USD.
    w4 = stress_test(pass_through(), sites=["W"], ttr_weeks=4).scenarios[0]
    assert w4.lost_profit == pytest.approx(45.0)


# -- shared site capacity --------------------------------------------------------------------------------


def shared_capacity(q_capacity: float | None = 10.0) -> Network:
    # Customer C needs 8 G/week (profit 10) from P or Q; customer D needs 5 H/week (profit 1) from Q.
    # Site Q shares 10 units/week between G and H and holds 6 H. P (TTR 3) has no limit.
    caps = {"Q": q_capacity} if q_capacity is not None else {}
    return net(
        sites=[
            ("P", "CA", "plant", 3),
            ("Q", "MX", "plant", 1),
            ("C", "US", "customer", None),
            ("D", "US", "customer", None),
        ],
        items=[("G", 10.0), ("H", 1.0)],
        supply=[
            {"site_id": "P", "item_id": "G"},
            {"site_id": "Q", "item_id": "G"},
            {"site_id": "Q", "item_id": "H", "inventory": 6},
        ],
        flows=[("P", "C", "G"), ("Q", "C", "G"), ("Q", "D", "H")],
        demand=[("C", "G", 8), ("D", "H", 5)],
        site_capacity=caps,
    )


def test_shared_site_capacity() -> None:
    p = by_label(stress_test(shared_capacity()))["P"]
    # P down: Q must make 8 G + 5 H = 13 > 10 per week; with 6 H on hand: 8t + 5t - 6 <= 10t -> TTS 2.
    assert p.tts_weeks == pytest.approx(2.0)
    # Over TTR 3 weeks: 30 units of capacity, G first (profit 10 > 1): 24 G, 6 H made + 6 on hand = 12 H;
    # lost 15 - 12 = 3 H = 3 USD.
    assert p.lost_units == pytest.approx(3.0)
    assert p.lost_profit == pytest.approx(3.0)
    assert any(b.kind == "capacity" and b.site == "Q" for b in p.binding)
    # Without the shared limit nothing is lost.
    assert by_label(stress_test(shared_capacity(None)))["P"].lost_profit == 0.0


def test_crossing_cut_and_inventory_destroyed(tiny_document: dict[str, Any]) -> None:
    network = Network.from_dict(tiny_document, name="tiny")
    # tests/conftest.py TINY without stock in transit: customer C takes 40 G/week (profit 40) from PL across
    # Laredo. Cutting Laredo for 4 weeks (the longest TTR in the data, assumed) loses all 160 G: 6,400 USD; TTS 0.
    cut = stress_test(network, crossing="laredo", stock_in_transit=False).scenarios[0]
    assert cut.scenario.ttr_source == "assumed"
    assert cut.tts_weeks == 0.0
    assert cut.lost_profit == pytest.approx(6400.0)
    # S1 down 4 weeks: PL holds 30 G, S1's 20 K make 10 G -> 40 G, TTS 1 week; lost 120 G = 4,800 USD.
    s1 = by_label(stress_test(network, stock_in_transit=False))["S1"]
    assert s1.tts_weeks == pytest.approx(1.0)
    assert s1.lost_profit == pytest.approx(4800.0)
    # If S1's stock is destroyed too: 30 G -> TTS 0.75, lost 130 G = 5,200 USD.
    gone = stress_test(network, sites=["S1"], inventory_destroyed=True, stock_in_transit=False).scenarios[0]
    assert gone.tts_weeks == pytest.approx(0.75)
    assert gone.lost_profit == pytest.approx(5200.0)
    assert gone.destroys_inventory and gone.inventory_destroyed_units == 20.0
    assert not s1.destroys_inventory


def test_stock_in_transit_golden(tiny_document: dict[str, Any]) -> None:
    """Stock in transit = weekly flow x transit_days / 7, received whatever happens to the sender.

    TINY: C takes 40 G/week, so PL ships 40 G/week to C (3 days: 40 x 3/7 = 120/7 G on the road) and needs
    2 x 40 = 80 K/week from S1 (32 days: 80 x 32/7 = 2560/7 K on the water = 1280/7 G).
    """
    network = Network.from_dict(tiny_document, name="tiny")
    result = by_label(stress_test(network))
    road_g, water_k = 40 * 3 / 7, 80 * 32 / 7
    # S1 down: 30 G at PL + (20 K at S1 + 2560/7 K on the water) / 2 + 120/7 G on the road = 240 G -> 6 weeks
    # (all of it arrives by week 32/7 < 6), longer than S1's TTR of 4: nothing lost.
    assert result["S1"].tts_weeks == pytest.approx((30 + (20 + water_k) / 2 + road_g) / 40)
    assert result["S1"].tts_weeks == pytest.approx(6.0)
    assert result["S1"].lost_profit == 0.0
    # PL down: no G made; 30 G on hand + 120/7 on the road = 330/7 G -> TTS 33/28 weeks; over TTR 4 (assumed)
    # 160 - 330/7 G are lost, 40 USD each.
    assert result["PL"].tts_weeks == pytest.approx((30 + road_g) / 40)
    assert result["PL"].lost_profit == pytest.approx((160 - 30 - road_g) * 40)
    # Laredo closed: the 120/7 G on the road are held at the crossing, so C still gets nothing: TTS 0.
    cut = stress_test(network, crossing="Laredo").scenarios[0]
    assert cut.tts_weeks == 0.0
    assert cut.lost_profit == pytest.approx(6400.0)
    assert cut.destroys_inventory
    assert cut.in_transit_held_units == pytest.approx(road_g)
    assert cut.to_dict()["destroys_inventory"] is True
    # Counting no stock in transit gives the bare model back.
    assert by_label(stress_test(network, stock_in_transit=False))["S1"].tts_weeks == pytest.approx(1.0)


def test_stock_in_transit_arrives_over_its_transit_time() -> None:
    """Goods on a 14-day lane arrive at the weekly flow for 2 weeks: by week t the receiver has f min(t, 2).

    Supplier S ships 10 X/week to customer C (14 days, so 20 X on the road) and holds nothing. S down:
    supply by week t is 10 min(t, 2) >= 10 t up to t = 2: TTS 2 weeks. Over TTR 3 weeks 30 - 20 = 10 X
    are lost (profit 1 each); over 1 week nothing.
    """
    network = Network.from_dict(
        {
            "sites": [
                {"site_id": "S", "country": "CN", "kind": "supplier", "ttr_weeks": 3},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [{"item_id": "X", "profit_per_unit": 1.0}],
            "supply": [{"site_id": "S", "item_id": "X"}],
            "flows": [{"from_site": "S", "to_site": "C", "item_id": "X", "transit_days": 14}],
            "demand": [{"site_id": "C", "item_id": "X", "units_per_week": 10}],
        },
        name="lane",
    )
    s = stress_test(network).scenarios[0]
    assert s.tts_weeks == pytest.approx(2.0)
    assert s.lost_units == pytest.approx(10.0)
    assert stress_test(network, ttr_weeks=1).scenarios[0].lost_units == 0.0
    graph = compile_network(network)
    model = ResilienceModel(graph, profit_per_demand_row(graph), transit=in_transit(graph))
    # L(t) = 10 t - 10 min(t, 2): 0 at 1.5 weeks, 10 at 3, 30 at 5.
    assert [model.lose(np.array([0]), t).lost_units for t in (1.5, 3.0, 5.0)] == pytest.approx([0.0, 10.0, 30.0])


def test_stock_in_transit_not_yet_arrived_does_not_count() -> None:
    """Two suppliers share C's 10 X/week: S1 on a 14-day lane (5 x 2 = 10 X on the road), S2 next door.

    Both down: by week t only 5 min(t, 2) of the road stock has arrived against 10 t demanded, so demand is
    short from the start (TTS 0); 10 - 5 = 5 X are lost over 1 week, 30 - 10 = 20 over 3 weeks.
    """
    network = Network.from_dict(
        {
            "sites": [
                {"site_id": "S1", "country": "CN", "kind": "supplier", "ttr_weeks": 3},
                {"site_id": "S2", "country": "US", "kind": "supplier", "ttr_weeks": 3},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [{"item_id": "X", "profit_per_unit": 1.0}],
            "supply": [{"site_id": "S1", "item_id": "X"}, {"site_id": "S2", "item_id": "X"}],
            "flows": [
                {"from_site": "S1", "to_site": "C", "item_id": "X", "share": 0.5, "transit_days": 14},
                {"from_site": "S2", "to_site": "C", "item_id": "X", "share": 0.5, "transit_days": 0},
            ],
            "demand": [{"site_id": "C", "item_id": "X", "units_per_week": 10}],
        },
        name="two-lanes",
    )
    both = stress_test(network, sites=["S1", "S2"], line_stoppers=False).scenarios[0]
    assert both.tts_weeks == 0.0
    assert both.lost_units == pytest.approx(20.0)
    one_week = stress_test(network, sites=["S1", "S2"], ttr_weeks=1, line_stoppers=False).scenarios[0]
    assert one_week.lost_units == pytest.approx(5.0)


def test_user_errors(tiny_document: dict[str, Any]) -> None:
    network = Network.from_dict(tiny_document, name="tiny")
    with pytest.raises(NotFoundError, match="unknown site"):
        stress_test(network, sites=["NOPE"])
    with pytest.raises(NotFoundError, match="Laredo"):
        stress_test(network, crossing="Nogales")
    with pytest.raises(NotFoundError):
        stress_test(network, country="Atlantis")
    with pytest.raises(InputError):
        stress_test(network, ttr_weeks=-1)


# -- cross-check: TTS plugged into TTR ---------------------------------------------------------------------


@pytest.mark.parametrize("build", [single_tier, multi_tier, pass_through, shared_capacity])
def test_tts_plugged_into_ttr_loses_nothing(build: Any) -> None:
    """L(TTS) = 0 and L(t) > 0 for any t > TTS (brief §9, loss curve, when every f_j > 0)."""
    graph = compile_network(build())
    model = ResilienceModel(graph, profit_per_demand_row(graph))
    nodes = np.flatnonzero(graph.node_kind != 3)
    for node in nodes:
        down = np.array([node])
        tts = model.survive(down).tts_weeks
        if math.isinf(tts):
            assert model.lose(down, 1000.0).lost_units == 0.0
            continue
        assert model.lose(down, tts).lost_units == pytest.approx(0.0, abs=1e-6)
        for longer in (tts + 1e-3, tts * 1.5 + 0.1):
            loss = model.lose(down, longer)
            assert loss.lost_profit > 0.0
            # Re-solving from the last basis (the Monte Carlo's mode) gives the same optimum.
            assert model.lose(down, longer, direct=True).lost_profit == pytest.approx(loss.lost_profit, rel=1e-7)


# -- properties --------------------------------------------------------------------------------------------


def chain(inventory: list[float], capacity: list[float], demand: float, ttr: float) -> Network:
    """Raw R -> part maker M -> plant P -> customer C, with an alternate part maker N."""
    return net(
        sites=[
            ("R", "CN", "supplier", ttr),
            ("M", "CN", "supplier", ttr),
            ("N", "MX", "supplier", ttr / 2),
            ("P", "US", "plant", ttr / 3),
            ("C", "US", "customer", None),
        ],
        items=[("G", 7.0), ("K", None), ("Z", None)],
        bom=[("G", "K", 2), ("K", "Z", 1.5)],
        supply=[
            {"site_id": "R", "item_id": "Z", "inventory": inventory[0], "capacity_per_week": capacity[0]},
            {"site_id": "M", "item_id": "K", "inventory": inventory[1], "capacity_per_week": capacity[1]},
            {"site_id": "N", "item_id": "K", "inventory": inventory[2], "capacity_per_week": capacity[2]},
            {"site_id": "P", "item_id": "G", "inventory": inventory[3], "capacity_per_week": capacity[3]},
        ],
        flows=[("R", "M", "Z"), ("R", "N", "Z"), ("M", "P", "K"), ("N", "P", "K"), ("P", "C", "G")],
        demand=[("C", "G", demand)],
    )


def at_least(new: float, old: float) -> bool:
    """new >= old up to solver tolerance (infinite TTS compares as infinite)."""
    return math.isinf(new) or (not math.isinf(old) and new >= old - 1e-6 * max(1.0, old))


amounts = st.lists(st.floats(0, 200, allow_nan=False), min_size=4, max_size=4)
caps = st.lists(st.floats(1, 300, allow_nan=False), min_size=4, max_size=4)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inv=amounts, cap=caps, extra=st.floats(0, 100), which=st.integers(0, 3), demand=st.floats(1, 80))
def test_more_inventory_never_lowers_tts(
    inv: list[float], cap: list[float], extra: float, which: int, demand: float
) -> None:
    before = stress_test(chain(inv, cap, demand, 3.0))
    more = list(inv)
    more[which] += extra
    after = stress_test(chain(more, cap, demand, 3.0))
    for a, b in zip(before.scenarios, after.scenarios, strict=True):
        assert at_least(b.tts_weeks, a.tts_weeks)
        assert b.lost_profit <= a.lost_profit + 1e-6 * max(1.0, a.lost_profit)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inv=amounts, cap=caps, factor=st.floats(1, 3), which=st.integers(0, 3), demand=st.floats(1, 80))
def test_more_capacity_never_raises_lost_profit(
    inv: list[float], cap: list[float], factor: float, which: int, demand: float
) -> None:
    before = stress_test(chain(inv, cap, demand, 4.0))
    more = list(cap)
    more[which] *= factor
    after = stress_test(chain(inv, more, demand, 4.0))
    for a, b in zip(before.scenarios, after.scenarios, strict=True):
        assert b.lost_profit <= a.lost_profit + 1e-6 * max(1.0, a.lost_profit)
        assert at_least(b.tts_weeks, a.tts_weeks)
    for s in after.scenarios:
        assert 0.0 <= s.rei <= 1.0
    assert max(s.rei for s in after.scenarios) in (0.0, 1.0)


@settings(max_examples=15, deadline=None)
@given(inv=amounts, cap=caps, alpha=st.floats(0.1, 10), demand=st.floats(1, 80))
def test_scaling_leaves_tts_and_scales_loss(inv: list[float], cap: list[float], alpha: float, demand: float) -> None:
    """Brief §12: scaling d, c and s by alpha leaves TTS unchanged and scales L by alpha."""
    base = stress_test(chain(inv, cap, demand, 2.0))
    scaled = stress_test(chain([alpha * v for v in inv], [alpha * v for v in cap], alpha * demand, 2.0))
    for a, b in zip(base.scenarios, scaled.scenarios, strict=True):
        assert b.tts_weeks == pytest.approx(a.tts_weeks, rel=1e-6, abs=1e-6) or a.tts_weeks == b.tts_weeks
        assert b.lost_profit == pytest.approx(alpha * a.lost_profit, rel=1e-6, abs=1e-5)


def test_frame_and_html(tiny_document: dict[str, Any]) -> None:
    result = stress_test(Network.from_dict(tiny_document, name="tiny"), by="node")
    frame = result.to_frame()
    assert frame.height == len(result.scenarios) == 2  # PL/G and S1/K; S2/K is a candidate, C a customer
    assert "rei" in frame.columns
    assert "Stress test of tiny" in result._repr_html_()


# -- the CLI contract --------------------------------------------------------------------------------------


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from allyshore.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_cli_json_contract(tiny_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["stress", str(tiny_path), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    scenarios = data["scenarios"]
    assert {tuple(s["disrupted"]) for s in scenarios} == {("PL",), ("S1",)}  # never the customer C
    for s in scenarios:
        assert set(s) >= {"disrupted", "ttr_weeks", "tts_weeks", "lost_units", "lost_profit", "rei"}
        assert 0.0 <= s["rei"] <= 1.0
    assert max(s["rei"] for s in scenarios) == 1.0
    # With stock in transit S1 survives its TTR (test_stock_in_transit_golden); PL does not.
    assert {m["label"] for m in data["mitigation"]} == {"PL"}
    assert all(m["binding"] for m in data["mitigation"])
    assert data["stock_in_transit"] is True and data["with_candidates"] is None
    assert [ls["item"] for ls in data["line_stoppers"]] == ["K"]  # G is the finished good

    code, out, _ = run_cli(["stress", str(tiny_path), "--sites", "S1,PL", "--ttr-weeks", "2", "--json"], capsys)
    both = json.loads(out)["scenarios"]
    # Both down 2 weeks: PL's 30 G in stock and the 40 x 3/7 G on the road to C (S1's K cannot be turned into
    # G) -> 80 - 30 - 120/7 G lost, 40 USD each.
    assert len(both) == 1
    assert both[0]["disrupted"] == ["S1", "PL"]
    assert both[0]["lost_profit"] == pytest.approx((80 - 30 - 120 / 7) * 40)
    code, out, _ = run_cli(
        ["stress", str(tiny_path), "--sites", "S1,PL", "--ttr-weeks", "2", "--no-stock-in-transit", "--json"], capsys
    )
    # Without it: 80 - 30 = 50 G = 2,000 USD.
    assert json.loads(out)["scenarios"][0]["lost_profit"] == pytest.approx(2000.0)


def test_cli_errors_and_table(tiny_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["stress", str(tiny_path), "--crossing", "Nogales"], capsys)
    assert code == 1
    assert err.startswith("Error: no flow crosses at 'Nogales'")
    code, out, _ = run_cli(["stress", str(tiny_path), "--country", "MX"], capsys)
    assert code == 0
    assert "mitigate" in out
    assert "Line stoppers" in out
    code, _, err = run_cli(["stress", str(tiny_path), "--qualification-weeks", "3"], capsys)
    assert code != 0 and "--with-candidates" in err
    code, _, err = run_cli(["stress", str(tiny_path), "--tier", "friendly"], capsys)
    assert code == 1 and "unknown trust tier 'friendly'" in err


# -- Monte Carlo -------------------------------------------------------------------------------------------


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "assumptions.toml"
    path.write_text(text)
    return path


def one_site() -> Network:
    # Supplier S (US) sells 10 X/week at 3 USD profit, no stock: a t-week outage loses exactly 30 t USD.
    return net(
        sites=[("S", "US", "supplier", 2.0)],
        items=[("X", 3.0)],
        supply=[{"site_id": "S", "item_id": "X"}],
        demand=[("S", "X", 10)],
    )


def test_monte_carlo_expected_loss_matches_hand_arithmetic(tmp_path: Path) -> None:
    from allyshore.resilience import simulate

    # Site events 0.2/year, always 2 weeks (sigma 0), no country events, no risk scaling:
    # E[annual loss] = 0.2 * 30 * 2 = 12 USD (overlaps, which shorten the union, are rarer than 1 in 100).
    path = write_toml(
        tmp_path,
        "[site]\nrate_per_year = 0.2\nduration_sigma = 0\nuse_site_ttr = true\n"
        "[country]\nrate_per_year = 0\n[risk]\nscale_by_country_risk = false\n",
    )
    result = simulate(one_site(), runs=20000, seed=11, scheduler="synchronous", assumptions=path)
    s = result.summary
    assert abs(s["mean"] - 12.0) < 4 * s["mean_standard_error"]
    assert s["probability_of_loss"] == pytest.approx(1 - math.exp(-0.2), abs=0.01)  # P(N >= 1), N ~ Poisson(0.2)
    assert s["p95"] <= s["cvar95"] <= s["max"]
    # Every loss is a multiple of 60 USD (one 2-week event) up to overlaps.
    assert result.contributions[0].source == "S"
    assert result.contributions[0].share == pytest.approx(1.0)
    data = result.to_dict()
    assert data["events"]["drawn"] >= data["events"]["after_merging"]
    assert any("assumption" in line for line in data["assumptions"])


def test_monte_carlo_zero_rates_and_bad_files(tmp_path: Path) -> None:
    from allyshore.errors import PolicyError
    from allyshore.resilience import simulate

    zero = write_toml(tmp_path, "[site]\nrate_per_year = 0\n[country]\nrate_per_year = 0\n")
    assert simulate(one_site(), runs=50, seed=1, scheduler="synchronous", assumptions=zero).summary["max"] == 0.0
    with pytest.raises(PolicyError, match="rate_per_year"):
        simulate(
            one_site(),
            runs=5,
            scheduler="synchronous",
            assumptions=write_toml(tmp_path, "[site]\nrate_per_year = -1\n"),
        )
    with pytest.raises(PolicyError, match="unknown section"):
        simulate(one_site(), runs=5, scheduler="synchronous", assumptions=write_toml(tmp_path, "[weather]\nx = 1\n"))
    with pytest.raises(InputError, match="NOPE"):
        simulate(
            one_site(),
            runs=5,
            scheduler="synchronous",
            assumptions=write_toml(tmp_path, "[sites.NOPE]\nrate_per_year = 1\n"),
        )


def test_country_risk_multiplier_from_wgi() -> None:
    from allyshore.resilience.assumptions import DEFAULT_ASSUMPTIONS, country_percentiles, risk_multiplier

    # WGI 2020 update, PV percentile rank 2019: China 38.1 -> 2^((50 - 38.1) / 25).
    assert country_percentiles()["CN"] == pytest.approx(38.1)
    assert risk_multiplier("CN", DEFAULT_ASSUMPTIONS) == pytest.approx(2 ** ((50 - 38.1) / 25))
    assert risk_multiplier("ZZ", DEFAULT_ASSUMPTIONS) == 1.0


@pytest.mark.slow
def test_monte_carlo_same_result_whatever_the_workers(tiny_document: dict[str, Any]) -> None:
    from allyshore.resilience import simulate

    network = Network.from_dict(tiny_document, name="tiny")
    inline = simulate(network, runs=2500, seed=42, scheduler="synchronous")
    two = simulate(network, runs=2500, seed=42, workers=2)  # a LocalCluster of 2 worker processes
    one = simulate(network, runs=2500, seed=42, workers=1)
    assert np.array_equal(inline.annual_losses, two.annual_losses)
    assert np.array_equal(one.annual_losses, two.annual_losses)
    assert inline.to_dict() == two.to_dict()
    other = simulate(network, runs=2500, seed=43, scheduler="synchronous")
    assert not np.array_equal(other.annual_losses, inline.annual_losses)


def test_cli_simulate_json(tiny_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["simulate", str(tiny_path), "--runs", "300", "--seed", "3", "--scheduler", "synchronous", "--json"], capsys
    )
    assert code == 0
    data = json.loads(out)
    assert data["runs"] == 300
    assert set(data["annual_lost_profit"]) >= {"mean", "p95", "cvar95"}
    assert {c["source"] for c in data["contributions"]} == {"PL", "S1", "MX", "CN"}


# -- the report section ------------------------------------------------------------------------------------


def test_report_section_is_registered_and_builds(tiny_document: dict[str, Any]) -> None:
    from allyshore.report import BUILDERS, resilience, run_analyses
    from allyshore.report.sections import build_sections

    assert resilience.build in BUILDERS
    context = run_analyses(Network.from_dict(tiny_document, name="tiny"))
    (section,) = build_sections(context, [resilience.build])
    assert section.id == "resilience"
    html = str(section.html)
    assert html.count('class="point"') == 2  # one mark per site scenario: PL and S1
    assert 'id="mitigation-table"' in html
    assert "no live source of G" in html  # PL down: C's only source of G
    assert "units in transit from PL/G to C/G run out" in html
    figures = {f.label: f.value for f in section.figures}
    # With stock in transit only PL runs dry before it recovers (test_stock_in_transit_golden).
    assert figures["Sites with TTS < TTR"] == "1 of 2"
    assert figures["Worst country shock"] == "MX"  # MX: PL down, 4,514 USD > CN: S1 down, nothing lost
    assert figures["First line stopper"] == "K"
    assert 'id="line-stopper-table"' in html
    assert 'id="inventory-kept"' in html  # no scenario of the default report destroys stock


@pytest.mark.browser
@pytest.mark.slow
def test_report_section_renders_in_chromium(tiny_document: dict[str, Any], tmp_path: Path) -> None:
    from allyshore.report import resilience, write_report
    from test_report import ARTIFACTS, CHROMIUM_ARGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (install Debian's package: apt-get install chromium, or run make test)")
    sync_api = pytest.importorskip("playwright.sync_api")
    index = write_report(
        Network.from_dict(tiny_document, name="tiny"), tmp_path / "report", builders=[resilience.build]
    )
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.goto(index.as_uri(), wait_until="load")
            assert page.locator("#chart-tts-ttr circle.point").count() == 2
            assert page.locator("#chart-rei rect").count() >= 2
            assert page.locator("#chart-country-shocks rect").count() >= 2
            rows = page.locator("#mitigation-table tbody tr")
            assert rows.count() == 1
            assert "$4,514.29" in rows.first.inner_text()  # PL: (160 - 30 - 120/7) G x 40 USD
            assert page.locator("#line-stopper-table tbody tr").count() == 1
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "resilience.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors


@pytest.mark.slow
def test_stress_sweep_on_dask_matches_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import allyshore.resilience.stress as stress

    monkeypatch.setattr(stress, "SCENARIOS_PER_TASK", 2)  # several chunks for the two workers
    network = multi_tier()
    inline = stress_test(network, scheduler="synchronous")
    done: list[tuple[int, int]] = []
    cluster = stress_test(network, workers=2, progress=lambda *step: done.append(step))  # a LocalCluster of 2
    assert cluster.to_dict() == inline.to_dict()
    total = len(inline.scenarios) + len(inline.line_stoppers)
    assert total == 3 + 2  # sites P, S, R; items K, M
    # progress(done, total): the count of finished scenarios rises to the total in chunks of at most 2
    assert [t for _, t in done] == [total] * len(done) and done[-1][0] == total
    assert all(0 < b - a <= 2 for a, b in zip([0] + [d for d, _ in done], [d for d, _ in done], strict=False))
