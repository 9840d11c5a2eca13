"""The stress-test linear programs (resilience/linear_programs.py) called directly: steady-state and direct re-solves,
the baseline, destroyed and kept stock, errors, and what binds, each worked by hand from the TTR model (§4)
and the TTS model (§5) of Simchi-Levi et al. (Interfaces 45(5), 2015) as ../shared/domain/resilience.md
writes them. The networks are the hand-built goldens of test_resilience."""

from __future__ import annotations

import math

import numpy as np
import pytest

from allyshore.model import Network
from allyshore.model.graph import NodeGraph, compile_network
from allyshore.resilience import ResilienceModel
from allyshore.resilience.scenarios import profit_per_demand_row
from allyshore.resilience.transit import in_transit
from test_resilience import multi_tier, net, shared_capacity, single_tier


def model_of(network: Network, *, restrict: bool = False, transit: bool = False) -> tuple[ResilienceModel, NodeGraph]:
    graph = compile_network(network)
    pipes = in_transit(graph) if transit else None
    return ResilienceModel(graph, profit_per_demand_row(graph), restrict=restrict, transit=pipes), graph


def node(graph: NodeGraph, label: str) -> np.ndarray:
    found = [i for i in range(graph.n_nodes) if graph.node_label(i) == label]
    assert len(found) == 1, label
    return np.array(found, dtype=np.int64)


def bindings(survival: object) -> set[tuple[str, str, str, str]]:
    return {(b.kind, b.node, b.site, b.detail) for b in survival.binding}  # type: ignore[attr-defined]


@pytest.mark.parametrize("restrict", [False, True])
def test_single_tier_tts_ttr_and_bindings(restrict: bool) -> None:
    """Customer C needs 10 X/week (profit 5); A makes 6/week, no stock; B makes 8/week, holds 12.

    A down: 8t + 12 >= 10t -> TTS 6; what binds is B's capacity and B's stock. B down: 6t + 12 >= 10t -> TTS 3;
    over 5 weeks 50 − 30 − 12 = 8 lost, 40 USD. With B's stock destroyed: 50 − 30 = 20 lost, 100 USD; with B's
    stock kept, 8 again. Both down: 12 in stock cover 1.2 weeks."""
    model, graph = model_of(single_tier(), restrict=restrict)
    a, b = node(graph, "A/X"), node(graph, "B/X")
    down_a = model.survive(a)
    assert down_a.tts_weeks == pytest.approx(6.0)
    assert bindings(down_a) == {
        ("capacity", "B/X", "B", "capacity of B/X, 8/week, is fully used"),
        ("inventory", "B/X", "B", "12 units on hand at B/X run out"),
    }
    assert model.survive(b).tts_weeks == pytest.approx(3.0)
    assert model.survive(b, explain=False).binding == ()
    restricted = model.solves["restricted"]
    lost = model.lose(b, 5.0)
    assert (lost.weeks, lost.lost_units, lost.lost_profit) == (5.0, pytest.approx(8.0), pytest.approx(40.0))
    # Restricted, the scenario is certified by duality on its region (no fall back to the whole program).
    assert model.solves["restricted"] == restricted + restrict
    assert list(lost.lost_by_node) == pytest.approx([8.0])
    destroyed = model.lose(b, 5.0, inventory_destroyed=True)
    assert (destroyed.lost_units, destroyed.lost_profit) == (pytest.approx(20.0), pytest.approx(100.0))
    kept = model.lose(b, 5.0, inventory_destroyed=True, stock_kept=b)
    assert kept.lost_units == pytest.approx(8.0)
    assert model.survive(b, inventory_destroyed=True).tts_weeks == 0.0  # 6 < 10 and no stock left
    assert model.survive(b, inventory_destroyed=True, stock_kept=b).tts_weeks == pytest.approx(3.0)
    both = np.concatenate([a, b])
    assert model.survive(both).tts_weeks == pytest.approx(1.2)
    assert model.lose(both, 3.0).lost_units == pytest.approx(18.0)  # 30 − 12
    # A short disruption the stock covers loses nothing: over 3 weeks with B down, 6·3 + 12 = 30 = demand.
    assert model.lose(b, 3.0).lost_units == 0.0
    assert model.lose(a, 6.0).lost_profit == 0.0


def test_steady_state_and_direct_solves() -> None:
    """``steady``: no stock on hand or in transit, so B down loses 10 − 6 = 4 X a week (20 USD), linear in weeks;
    A down, 2 a week. ``direct`` gives the same optimum as a solve from the baseline, and later calls still do."""
    model, graph = model_of(single_tier())
    a, b = node(graph, "A/X"), node(graph, "B/X")
    assert model.lose(b, 1.0, steady=True).lost_units == pytest.approx(4.0)
    assert model.lose(b, 3.0, steady=True).lost_profit == pytest.approx(60.0)
    assert model.lose(a, 2.0, steady=True).lost_units == pytest.approx(4.0)
    # Steady state ignores stock destruction (there is none to destroy).
    assert model.lose(b, 1.0, steady=True, inventory_destroyed=True).lost_units == pytest.approx(4.0)
    assert model.lose(b, 5.0, direct=True).lost_units == pytest.approx(8.0)
    assert model.lose(a, 5.0, direct=True).lost_units == 0.0  # 8·5 + 12 = 52 >= 50
    assert model.lose(b, 5.0, direct=True, inventory_destroyed=True).lost_units == pytest.approx(20.0)
    assert model.lose(b, 1.0, direct=True, steady=True).lost_units == pytest.approx(4.0)
    assert model.lose(b, 5.0).lost_units == pytest.approx(8.0)  # back at a baseline after direct solves
    assert model.lose(b, 5.0, steady=True).lost_units == pytest.approx(20.0)
    assert model.lose(b, 5.0).lost_units == pytest.approx(8.0)


def test_baseline_loss_when_the_network_falls_short() -> None:
    """With B making 2/week the undisrupted network makes 6 + 2 = 8 < 10: over 10 weeks it loses
    100 − 80 − 12 = 8 X (40 USD); over 1 week 12 in stock cover the gap of 2. TTS undisrupted: 12/2 = 6."""
    model, _ = model_of(single_tier(b_capacity=2.0))
    assert model.baseline_loss(10.0) == pytest.approx(40.0)
    assert model.baseline_loss(1.0) == 0.0
    assert model.baseline_loss(10.0) == pytest.approx(40.0)
    assert model.survive(np.zeros(0, dtype=np.int64)).tts_weeks == pytest.approx(6.0)


@pytest.mark.parametrize("weeks", [-1.0, math.inf, math.nan])
def test_recovery_time_must_be_finite_and_not_negative(weeks: float) -> None:
    model, graph = model_of(single_tier())
    with pytest.raises(ValueError, match=r"^the recovery time must be a finite number of weeks >= 0$"):
        model.lose(node(graph, "A/X"), weeks)


def test_unbounded_survival() -> None:
    """B making 12/week covers demand alone: TTS is infinite with A down, and nothing binds."""
    model, graph = model_of(single_tier(b_capacity=12.0))
    survival = model.survive(node(graph, "A/X"))
    assert math.isinf(survival.tts_weeks)
    assert model.lose(node(graph, "A/X"), 10.0).lost_units == 0.0


@pytest.mark.parametrize("restrict", [False, True])
def test_multi_tier_bindings(restrict: bool) -> None:
    """S down: 30 K make 10 G, plus 5 G at P: TTS 1.5. K has no live source for P/G, and the stocks of K at S
    and of G at P run out (../shared/domain/resilience.md §7)."""
    model, graph = model_of(multi_tier(), restrict=restrict)
    survival = model.survive(node(graph, "S/K"))
    assert survival.tts_weeks == pytest.approx(1.5)
    assert bindings(survival) == {
        ("single_source", "P/G", "P", "no live source of K for P/G"),
        ("inventory", "S/K", "S", "30 units on hand at S/K run out"),
        ("inventory", "P/G", "P", "5 units on hand at P/G run out"),
    }
    assert survival.binding[0].to_dict() == {
        "kind": "single_source",
        "node": "P/G",
        "site": "P",
        "detail": "no live source of K for P/G",
    }
    # Over 4 weeks: 40 − 15 = 25 G lost, 20 USD each.
    assert model.lose(node(graph, "S/K"), 4.0).lost_profit == pytest.approx(500.0)


@pytest.mark.parametrize("restrict", [False, True])
def test_shared_site_capacity_binds(restrict: bool) -> None:
    """P down: Q makes 8 G + 5 H from 10 a week with 6 H on hand: 13t − 6 <= 10t -> TTS 2; the site's
    capacity and the H stock bind. Over 3 weeks: 24 G and 6 H made, 6 H on hand: 3 H lost (1 USD each)."""
    model, graph = model_of(shared_capacity(), restrict=restrict)
    p = node(graph, "P/G")
    survival = model.survive(p)
    assert survival.tts_weeks == pytest.approx(2.0)
    assert bindings(survival) == {
        ("capacity", "Q", "Q", "capacity of site Q, 10/week, is fully used"),
        ("inventory", "Q/H", "Q", "6 units on hand at Q/H run out"),
    }
    lost = model.lose(p, 3.0)
    assert (lost.lost_units, lost.lost_profit) == (pytest.approx(3.0), pytest.approx(3.0))


def lane(transit_days: float = 14.0, demand: float = 10.0) -> Network:
    """S ships ``demand`` X/week to customer C on a lane of ``transit_days`` (10 · 14/7 = 20 X on the road)."""
    return Network.from_dict(
        {
            "sites": [
                {"site_id": "S", "country": "CN", "kind": "supplier", "ttr_weeks": 3},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [{"item_id": "X", "profit_per_unit": 2.0}],
            "supply": [{"site_id": "S", "item_id": "X"}],
            "flows": [
                {"from_site": "S", "to_site": "C", "item_id": "X", "transit_days": transit_days, "crossing": "Laredo"}
            ],
            "demand": [{"site_id": "C", "item_id": "X", "units_per_week": demand}],
        },
        name="lane",
    )


@pytest.mark.parametrize("restrict", [False, True])
def test_stock_in_transit_binds_and_is_held_at_a_cut_crossing(restrict: bool) -> None:
    """S down: the 20 X on the road arrive at 10 a week for 2 weeks: TTS 2; that stock binds, and S is C's only
    source. Over 5 weeks
    50 − 20 = 30 X are lost (60 USD); direct, the same. The crossing cut holds the road stock: TTS 0, all lost."""
    model, graph = model_of(lane(), restrict=restrict, transit=True)
    s = node(graph, "S/X")
    survival = model.survive(s)
    assert survival.tts_weeks == pytest.approx(2.0)
    assert bindings(survival) == {
        ("single_source", "C/X", "C", "no live source of X for C/X"),
        ("inventory", "C/X", "C", "20 units in transit from S/X to C/X run out"),
    }
    assert model.lose(s, 5.0).lost_profit == pytest.approx(60.0)
    assert model.lose(s, 1.0).lost_units == 0.0
    assert model.lose(s, 5.0, direct=True).lost_units == pytest.approx(30.0)
    assert model.lose(s, 1.0, steady=True).lost_units == pytest.approx(10.0)  # no stock in the steady state
    assert model.lose(s, 1.0, steady=True, direct=True).lost_units == pytest.approx(10.0)
    assert model.lose(s, 1.0, direct=True).lost_units == 0.0  # 10 of the 20 on the road arrive in week 1
    edge = np.flatnonzero(graph.edge_active)
    nothing = np.zeros(0, dtype=np.int64)
    cut = model.survive(nothing, edge)
    assert cut.tts_weeks == 0.0
    assert ("single_source", "C/X", "C", "no live source of X for C/X") in bindings(cut)  # its only lane is cut
    assert model.lose(nothing, 3.0, edge).lost_units == pytest.approx(30.0)
    assert model.lose(nothing, 3.0, edge, direct=True).lost_units == pytest.approx(30.0)
    assert model.lose(nothing, 3.0).lost_units == 0.0  # the cut is undone after the scenario
    assert model.survive(nothing, None).tts_weeks == math.inf


def test_no_supply_at_any_rate() -> None:
    """A customer whose only source makes nothing (capacity 0, no stock): TTS 0 in every scenario, undisrupted
    too, and the dead material binds."""
    network = net(
        sites=[("S", "CN", "supplier", 2), ("P", "MX", "plant", 1), ("C", "US", "customer", None)],
        items=[("G", 1.0), ("K", None)],
        bom=[("G", "K", 1)],
        supply=[
            {"site_id": "S", "item_id": "K", "capacity_per_week": 0},
            {"site_id": "P", "item_id": "G", "capacity_per_week": 10},
        ],
        flows=[("S", "P", "K"), ("P", "C", "G")],
        demand=[("C", "G", 5)],
    )
    model, graph = model_of(network)
    survival = model.survive(node(graph, "S/K"))
    assert survival.tts_weeks == 0.0
    assert bindings(survival) == {("single_source", "P/G", "P", "no live source of K for P/G")}
    assert model.survive(node(graph, "S/K"), explain=False).binding == ()
    assert model.lose(node(graph, "S/K"), 2.0).lost_units == pytest.approx(10.0)


def test_demand_at_a_candidate_source_is_lost() -> None:
    """Site S sells 10 X/week but its own supply of X is only a candidate (not active); T sells 3 X/week and
    makes 4. Nothing can meet S's demand: undisrupted, 10 X a week are lost (TTS 0). T down 2 weeks: 2·3 more.
    (This network used to stop the stress test with a sparse-matrix error.)"""
    network = Network.from_dict(
        {
            "sites": [
                {"site_id": "S", "country": "CN", "kind": "supplier", "ttr_weeks": 2},
                {"site_id": "T", "country": "US", "kind": "supplier", "ttr_weeks": 2},
            ],
            "items": [{"item_id": "X", "profit_per_unit": 1.0}],
            "supply": [
                {"site_id": "S", "item_id": "X", "status": "candidate", "capacity_per_week": 5},
                {"site_id": "T", "item_id": "X", "capacity_per_week": 4},
            ],
            "demand": [
                {"site_id": "S", "item_id": "X", "units_per_week": 10},
                {"site_id": "T", "item_id": "X", "units_per_week": 3},
            ],
        },
        name="candidate-seller",
    )
    model, graph = model_of(network)
    t, nothing = node(graph, "T/X"), np.zeros(0, dtype=np.int64)
    assert model.baseline_loss(2.0) == pytest.approx(20.0)
    assert model.lose(t, 2.0).lost_units == pytest.approx(26.0)
    assert model.lose(t, 2.0, direct=True).lost_units == pytest.approx(26.0)  # S's capacity unused: inactive
    assert model.lose(nothing, 2.0, direct=True).lost_units == pytest.approx(20.0)
    assert model.survive(nothing).tts_weeks == 0.0


def test_direct_solves_keep_stock_and_read_the_horizon() -> None:
    """Direct solves honour ``stock_kept`` (B keeps its 12: 50 − 30 − 12 = 8 lost over 5 weeks) and a horizon of 0
    loses nothing, also where a node has no capacity limit (P of the shared-capacity network)."""
    model, graph = model_of(single_tier())
    b = node(graph, "B/X")
    assert model.lose(b, 5.0, direct=True, inventory_destroyed=True, stock_kept=b).lost_units == pytest.approx(8.0)
    assert model.lose(b, 5.0, direct=True, inventory_destroyed=True).lost_units == pytest.approx(20.0)
    shared, graph = model_of(shared_capacity())
    q = node(graph, "Q/G")
    assert shared.lose(q, 0.0).lost_units == 0.0
    assert shared.lose(q, 0.0, direct=True).lost_units == 0.0
    assert shared.lose(q, 2.0, direct=True).lost_units == 0.0  # P makes the 16 G without limit; Q makes 10 H


def test_bindings_read_relative_to_the_largest_dual() -> None:
    """What binds does not depend on the scale of the data: with 1.2e10 units at B instead of 12, TTS is
    1.2e10 / 2 weeks and every dual is about 1e-10, yet B's stock and capacity still bind (duals are compared
    with 1e-9 of the largest, not with an absolute 1e-9)."""
    network = single_tier_with_stock(1.2e10)
    model, graph = model_of(network)
    survival = model.survive(node(graph, "A/X"))
    assert survival.tts_weeks == pytest.approx(6e9)
    assert bindings(survival) == {
        ("capacity", "B/X", "B", "capacity of B/X, 8/week, is fully used"),
        ("inventory", "B/X", "B", "1.2e+10 units on hand at B/X run out"),
    }


def test_a_program_without_rows() -> None:
    """A lone stock with no demand and no shipments: both programs have no rows; it survives indefinitely and
    nothing binds."""
    network = Network.from_dict(
        {
            "sites": [{"site_id": "A", "country": "US", "kind": "supplier"}],
            "items": [{"item_id": "X"}],
            "supply": [{"site_id": "A", "item_id": "X", "inventory": 5}],
        },
        name="lone",
    )
    model, graph = model_of(network)
    assert model.tts.n_rows == 0
    survival = model.survive(node(graph, "A/X"))
    assert math.isinf(survival.tts_weeks) and survival.binding == ()
    assert model.lose(node(graph, "A/X"), 2.0).lost_units == 0.0


def test_bindings_nearest_the_customer_first_and_small_stocks() -> None:
    """R makes Z for M; M makes K (from Z) for plant P and for customer D; P makes G from K and W (from S) for
    customer C. R and S down with no stock anywhere: no demand can be met at any rate (TTS 0, no optimum to
    read), so every dead material is listed: W for P/G (depth 3) before Z for M/K (depth 2). Half a unit of
    stock binds as well as a whole one."""
    network = net(
        sites=[
            ("R", "CN", "supplier", 2),
            ("S", "CN", "supplier", 2),
            ("M", "MX", "supplier", 2),
            ("P", "US", "plant", 1),
            ("C", "US", "customer", None),
            ("D", "US", "customer", None),
        ],
        items=[("G", 1.0), ("K", 1.0), ("W", None), ("Z", None)],
        bom=[("G", "K", 1), ("G", "W", 1), ("K", "Z", 1)],
        supply=[
            {"site_id": "R", "item_id": "Z", "capacity_per_week": 10},
            {"site_id": "S", "item_id": "W", "capacity_per_week": 10},
            {"site_id": "M", "item_id": "K", "capacity_per_week": 10},
            {"site_id": "P", "item_id": "G", "capacity_per_week": 10},
        ],
        flows=[("R", "M", "Z"), ("S", "P", "W"), ("M", "P", "K"), ("M", "D", "K"), ("P", "C", "G")],
        demand=[("C", "G", 1), ("D", "K", 1)],
    )
    model, graph = model_of(network)
    survival = model.survive(np.concatenate([node(graph, "R/Z"), node(graph, "S/W")]))
    assert survival.tts_weeks == 0.0
    assert [(b.kind, b.node, b.detail) for b in survival.binding] == [
        ("single_source", "P/G", "no live source of W for P/G"),
        ("single_source", "M/K", "no live source of Z for M/K"),
    ]
    # A down, B makes 8 of the 10 a week and holds half a unit: 8t + 0.5 >= 10t -> TTS 0.25.
    small, graph = model_of(single_tier_with_stock(0.5))
    half = small.survive(node(graph, "A/X"))
    assert half.tts_weeks == pytest.approx(0.25)
    assert ("inventory", "B/X", "B", "0.5 units on hand at B/X run out") in bindings(half)


def single_tier_with_stock(stock: float) -> Network:
    return net(
        sites=[("A", "CN", "supplier", 3), ("B", "VN", "supplier", 2), ("C", "US", "customer", None)],
        items=[("X", 5.0)],
        supply=[
            {"site_id": "A", "item_id": "X", "capacity_per_week": 6},
            {"site_id": "B", "item_id": "X", "capacity_per_week": 8, "inventory": stock},
        ],
        flows=[("A", "C", "X"), ("B", "C", "X")],
        demand=[("C", "X", 10)],
    )


@pytest.mark.parametrize("restrict", [False, True])
def test_a_node_the_baseline_does_not_use(restrict: bool) -> None:
    """With B making 2/week the network makes 8 of the 10 demanded and B's 12 last 12/2 = 6 weeks, bound by both
    capacities and B's stock. Site U makes Y for no one: taking it down leaves the undisrupted optimum as it is
    (TTS 6, the same bindings) without solving anything."""
    network = Network.from_dict(
        {
            "sites": [
                {"site_id": "A", "country": "CN", "kind": "supplier", "ttr_weeks": 3},
                {"site_id": "B", "country": "VN", "kind": "supplier", "ttr_weeks": 2},
                {"site_id": "C", "country": "US", "kind": "customer"},
                {"site_id": "U", "country": "US", "kind": "supplier", "ttr_weeks": 1},
            ],
            "items": [{"item_id": "X", "profit_per_unit": 5.0}, {"item_id": "Y"}],
            "supply": [
                {"site_id": "A", "item_id": "X", "capacity_per_week": 6},
                {"site_id": "B", "item_id": "X", "capacity_per_week": 2, "inventory": 12},
                {"site_id": "U", "item_id": "Y", "capacity_per_week": 5, "inventory": 3},
            ],
            "flows": [
                {"from_site": "A", "to_site": "C", "item_id": "X"},
                {"from_site": "B", "to_site": "C", "item_id": "X"},
            ],
            "demand": [{"site_id": "C", "item_id": "X", "units_per_week": 10}],
        },
        name="idle",
    )
    model, graph = model_of(network, restrict=restrict)
    expected = {
        ("capacity", "A/X", "A", "capacity of A/X, 6/week, is fully used"),
        ("capacity", "B/X", "B", "capacity of B/X, 2/week, is fully used"),
        ("inventory", "B/X", "B", "12 units on hand at B/X run out"),
    }
    assert bindings(model.survive(np.zeros(0, dtype=np.int64))) == expected
    solves = dict(model.solves)
    idle = model.survive(node(graph, "U/Y"))
    assert idle.tts_weeks == pytest.approx(6.0)
    assert bindings(idle) == expected
    assert model.survive(node(graph, "U/Y"), explain=False).binding == ()
    assert model.survive(node(graph, "U/Y"), inventory_destroyed=True).tts_weeks == pytest.approx(6.0)
    assert model.solves == solves  # the baseline optimum answered
    # Over 10 weeks the network loses 100 − 6·10 − 2·10 − 12 = 8 X (40 USD) undisrupted, and U down changes nothing:
    # the baseline's optimum answers again.
    assert model.baseline_loss(10.0) == pytest.approx(40.0)
    idle_loss = model.lose(node(graph, "U/Y"), 10.0)
    assert (idle_loss.lost_units, idle_loss.lost_profit) == (pytest.approx(8.0), pytest.approx(40.0))
    assert model.solves == solves


@pytest.mark.parametrize("restrict", [False, True])
def test_sustainable_network_with_a_cut_lane(restrict: bool) -> None:
    """S makes X without limit for C, 0.5 a week over a 14-day lane (1 unit on the road): production alone
    sustains demand. Cutting the lane holds the road stock at the crossing: nothing reaches C (TTS 0). S down:
    the unit on the road lasts 2 weeks."""
    model, graph = model_of(lane(14.0, demand=0.5), restrict=restrict, transit=True)
    assert math.isinf(model.survive(np.zeros(0, dtype=np.int64)).tts_weeks)
    edge = np.flatnonzero(graph.edge_active)
    assert model.survive(np.zeros(0, dtype=np.int64), edge).tts_weeks == 0.0
    assert model.survive(node(graph, "S/X")).tts_weeks == pytest.approx(2.0)
    assert model.survive(np.zeros(0, dtype=np.int64), edge, explain=False).binding == ()
    assert model.survive(node(graph, "S/X"), explain=False).tts_weeks == pytest.approx(2.0)
    if restrict:  # S down is certified on its region both times; the cut lane leaves none to certify
        assert model.solves == {"restricted": 2, "full": 2}


def test_restricted_loss_from_a_baseline_that_falls_short() -> None:
    """With B making 2/week the undisrupted network loses 100 − 80 − 12 = 8 X over 10 weeks (40 USD), so its
    optimum has non-zero duals (each X short is worth its profit, 5 + the unit tie-break). A down for 10 weeks:
    B's 20 made and 12 in stock meet 32 of the 100, 68 lost (340 USD), solved on A's region and certified by
    duality from the baseline's reduced costs c − Aᵀy, without a fall back to the whole program."""
    model, graph = model_of(single_tier(b_capacity=2.0), restrict=True)
    assert model.baseline_loss(10.0) == pytest.approx(40.0)
    lost = model.lose(node(graph, "A/X"), 10.0)
    assert (lost.lost_units, lost.lost_profit) == (pytest.approx(68.0), pytest.approx(340.0))
    assert model.solves == {"restricted": 1, "full": 0}


def test_many_dead_materials_keep_the_bill_of_materials_order() -> None:
    """Plant P makes G from 20 parts M01..M20, each from supplier S only; G goes to warehouse W, then customer C.
    S's 20 parts and P down, no stock anywhere: nothing reaches C at any rate (TTS 0), so every dead material is
    listed, the nearest the customer first (G for W/G, depth 3), then the 20 parts for P/G (depth 2) in the order
    the bill of materials lists them: the order of equal depths is kept however many there are."""
    parts = [f"M{i:02d}" for i in range(1, 21)]
    network = net(
        sites=[("S", "CN", "supplier", 2), ("P", "MX", "plant", 1), ("W", "US", "warehouse", 1),
               ("C", "US", "customer", None)],
        items=[("G", 1.0), *((p, None) for p in parts)],
        bom=[("G", p, 1) for p in parts],
        supply=[{"site_id": "P", "item_id": "G", "capacity_per_week": 10}, {"site_id": "W", "item_id": "G"},
                *({"site_id": "S", "item_id": p, "capacity_per_week": 10} for p in parts)],
        flows=[*(("S", "P", p) for p in parts), ("P", "W", "G"), ("W", "C", "G")],
        demand=[("C", "G", 1)],
    )  # fmt: skip
    model, graph = model_of(network)
    down = np.concatenate([node(graph, "P/G"), *(node(graph, f"S/{p}") for p in parts)])
    survival = model.survive(down)
    assert survival.tts_weeks == 0.0
    assert [(b.kind, b.node, b.detail) for b in survival.binding] == [
        ("single_source", "W/G", "no live source of G for W/G"),
        *(("single_source", "P/G", f"no live source of {p} for P/G") for p in parts),
    ]


@pytest.mark.parametrize("restrict", [False, True])
def test_a_capacity_of_zero_binds(restrict: bool) -> None:
    """A has a capacity of 0 (listed, not yet producing); B down: B's 12 in stock meet the 10 a week for 1.2
    weeks. Any output at A would lengthen that, so A's capacity (0/week, used in full) binds beside B's stock."""
    network = net(
        sites=[("A", "CN", "supplier", 3), ("B", "VN", "supplier", 2), ("C", "US", "customer", None)],
        items=[("X", 5.0)],
        supply=[
            {"site_id": "A", "item_id": "X", "capacity_per_week": 0},
            {"site_id": "B", "item_id": "X", "capacity_per_week": 8, "inventory": 12},
        ],
        flows=[("A", "C", "X"), ("B", "C", "X")],
        demand=[("C", "X", 10)],
    )
    model, graph = model_of(network, restrict=restrict)
    survival = model.survive(node(graph, "B/X"))
    assert survival.tts_weeks == pytest.approx(1.2)
    assert bindings(survival) == {
        ("capacity", "A/X", "A", "capacity of A/X, 0/week, is fully used"),
        ("inventory", "B/X", "B", "12 units on hand at B/X run out"),
    }


def test_an_idle_line_on_a_full_site_does_not_bind() -> None:
    """Site Q makes at most 10 a week in all; Q/G (12/week, 6 in stock) serves C's 12 G a week, and Q/H (5/week)
    makes H for no one. Undisrupted, 10 G a week and the 6 in stock meet 12 a week for 6/2 = 3 weeks: the site's
    capacity and the G stock bind. Q/H makes nothing (any H would take the site's capacity from G): its own
    capacity, 5/week, is not used, so it does not bind, though its column's reduced cost is not zero."""
    network = net(
        sites=[("Q", "US", "supplier", 2), ("C", "US", "customer", None)],
        items=[("G", 1.0), ("H", 1.0)],
        supply=[
            {"site_id": "Q", "item_id": "G", "capacity_per_week": 12, "inventory": 6},
            {"site_id": "Q", "item_id": "H", "capacity_per_week": 5},
        ],
        flows=[("Q", "C", "G")],
        demand=[("C", "G", 12)],
        site_capacity={"Q": 10},
    )
    model, _ = model_of(network)
    survival = model.survive(np.zeros(0, dtype=np.int64))
    assert survival.tts_weeks == pytest.approx(3.0)
    assert bindings(survival) == {
        ("capacity", "Q", "Q", "capacity of site Q, 10/week, is fully used"),
        ("inventory", "Q/G", "Q", "6 units on hand at Q/G run out"),
    }


@pytest.mark.parametrize(("short", "lost"), [(1e-5, 0.0), (1e-2, 0.1)])
def test_losses_below_the_solvers_tolerance_read_as_none(short: float, lost: float) -> None:
    """C needs 1,000 X a week; A alone makes 1,000 − ``short`` a week; S (down) makes nothing anyway. Over 10 weeks
    10·short units are lost: 1e-4 is below 1e-7 of the 10,000 demanded (1e-3), the solver's tolerance, and reads as
    no loss; 0.1 is a loss."""
    network = net(
        sites=[("A", "US", "supplier", 1), ("S", "CN", "supplier", 1), ("C", "US", "customer", None)],
        items=[("X", 1.0)],
        supply=[
            {"site_id": "A", "item_id": "X", "capacity_per_week": 1000 - short},
            {"site_id": "S", "item_id": "X", "capacity_per_week": 0},
        ],
        flows=[("A", "C", "X"), ("S", "C", "X")],
        demand=[("C", "X", 1000)],
    )
    model, graph = model_of(network)
    assert model.lose(node(graph, "S/X"), 10.0, direct=True).lost_units == pytest.approx(lost, rel=1e-6, abs=0)


@pytest.mark.parametrize(("short", "weeks"), [(1.5e-7, 1.0), (7e-8, 100.0)])
def test_the_tolerance_scales_with_the_demand_over_the_horizon(short: float, weeks: float) -> None:
    """C needs 0.5 X a week, A makes 0.5 − ``short``: ``short · weeks`` units are lost, above the tolerance
    1e-7 · max(1, 0.5 · weeks) (1e-7 over one week, 5e-6 over 100), so they count."""
    network = net(
        sites=[("A", "US", "supplier", 1), ("S", "CN", "supplier", 1), ("C", "US", "customer", None)],
        items=[("X", 1.0)],
        supply=[
            {"site_id": "A", "item_id": "X", "capacity_per_week": 0.5 - short},
            {"site_id": "S", "item_id": "X", "capacity_per_week": 0},
        ],
        flows=[("A", "C", "X"), ("S", "C", "X")],
        demand=[("C", "X", 0.5)],
    )
    model, graph = model_of(network)
    assert model.lose(node(graph, "S/X"), weeks, direct=True).lost_units == pytest.approx(short * weeks, rel=1e-6)


def test_down_nodes_given_as_a_list() -> None:
    """The disrupted nodes may come as any sequence of node numbers: a plain list, an empty one, or whole numbers
    stored as floats. Single tier: undisrupted 6 + 8 = 14 X a week cover the demand of 10 (TTS unlimited, nothing
    lost over 5 weeks); B down, 6t + 12 >= 10t gives TTS 3, and over 5 weeks 50 − 30 − 12 = 8 are lost."""
    model, graph = model_of(single_tier())
    b = int(node(graph, "B/X")[0])
    assert model.survive([]).tts_weeks == math.inf  # type: ignore[arg-type]
    assert model.lose([], 5.0).lost_units == 0.0  # type: ignore[arg-type]
    assert model.survive([b]).tts_weeks == pytest.approx(3.0)  # type: ignore[arg-type]
    assert model.survive(np.array([float(b)])).tts_weeks == pytest.approx(3.0)  # type: ignore[arg-type]
    assert model.lose([b], 5.0, direct=True).lost_units == pytest.approx(8.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("restrict", [False, True])
def test_a_seller_that_loses_its_own_stock(restrict: bool) -> None:
    """T sells 3 X a week (profit 2) from its own output (4 a week) and 5 in stock; S sells 1 a week and makes 1.
    T down 2 weeks: with its stock destroyed it meets none of its 3·2 = 6 (12 USD), with its stock kept 5 of them
    (1 lost, 2 USD); S is not touched. Restricted, both are solved on T's region and certified; otherwise on the
    whole program, and counted."""
    network = Network.from_dict(
        {
            "sites": [
                {"site_id": "T", "country": "US", "kind": "supplier", "ttr_weeks": 2},
                {"site_id": "S", "country": "CN", "kind": "supplier", "ttr_weeks": 2},
            ],
            "items": [{"item_id": "X", "profit_per_unit": 2.0}],
            "supply": [
                {"site_id": "T", "item_id": "X", "capacity_per_week": 4, "inventory": 5},
                {"site_id": "S", "item_id": "X", "capacity_per_week": 1},
            ],
            "demand": [
                {"site_id": "T", "item_id": "X", "units_per_week": 3},
                {"site_id": "S", "item_id": "X", "units_per_week": 1},
            ],
        },
        name="seller",
    )
    model, graph = model_of(network, restrict=restrict)
    t = node(graph, "T/X")
    destroyed = model.lose(t, 2.0, inventory_destroyed=True)
    assert (destroyed.lost_units, destroyed.lost_profit) == (pytest.approx(6.0), pytest.approx(12.0))
    kept = model.lose(t, 2.0)
    assert (kept.lost_units, kept.lost_profit) == (pytest.approx(1.0), pytest.approx(2.0))
    assert model.lose(t, 2.0, inventory_destroyed=True, direct=True).lost_units == pytest.approx(6.0)
    # Two scenarios from the baseline (the direct solve is not counted), restricted or on the full program.
    assert model.solves == ({"restricted": 2, "full": 0} if restrict else {"restricted": 0, "full": 2})


@pytest.mark.parametrize("restrict", [False, True])
def test_less_than_one_unit_of_stock_destroyed(restrict: bool) -> None:
    """B holds half a unit. B down: 6t + 0.5 >= 10t gives TTS 0.5 / 4 = 0.125 weeks; with its stock destroyed
    nothing covers the gap of 4 a week, TTS 0, however small the stock was (undisrupted, 6 + 8 >= 10 sustain the
    demand, so the restricted solve starts from tau* = 0)."""
    model, graph = model_of(single_tier_with_stock(0.5), restrict=restrict)
    b = node(graph, "B/X")
    assert math.isinf(model.survive(np.zeros(0, dtype=np.int64)).tts_weeks)
    assert model.survive(b).tts_weeks == pytest.approx(0.125)
    assert model.survive(b, inventory_destroyed=True).tts_weeks == 0.0


def test_scenarios_on_the_whole_program_are_undone() -> None:
    """Scenarios solved on the whole program, one after the other at one horizon, each from the bounds the last
    one left. Multi tier over 2 weeks (20 G demanded at P, 5 G in stock, G from 3 K and 2 M): P down, 20 − 5 = 15
    G lost; then S down with its 30 K destroyed, P gets no K, so again 15 lost; S down with its stock, 30 K make 10
    G, 5 lost; nothing down, none lost. The lane over 5 weeks (10 X a week, 20 on the road): the crossing cut, all
    50 lost; then S down, the 20 on the road arrive, 30 lost; then nothing down, none."""
    model, graph = model_of(multi_tier())
    p, s = node(graph, "P/G"), node(graph, "S/K")
    nothing = np.zeros(0, dtype=np.int64)
    assert model.lose(p, 2.0).lost_units == pytest.approx(15.0)
    assert model.lose(s, 2.0, inventory_destroyed=True).lost_units == pytest.approx(15.0)
    assert model.lose(s, 2.0).lost_units == pytest.approx(5.0)
    assert model.lose(nothing, 2.0).lost_units == 0.0
    assert model.solves == {"restricted": 0, "full": 3}  # nothing down: the baseline answers
    road, graph = model_of(lane(), transit=True)
    edge = np.flatnonzero(graph.edge_active)
    assert road.lose(nothing, 5.0, edge).lost_units == pytest.approx(50.0)
    assert road.lose(node(graph, "S/X"), 5.0).lost_units == pytest.approx(30.0)
    assert road.lose(nothing, 5.0).lost_units == 0.0
    # A quarter of an X a week on the lane (half a unit on the road) over 5 weeks: the cut loses all 1.25, then S
    # down loses 1.25 − 0.5 = 0.75.
    little, graph = model_of(lane(demand=0.25), transit=True)
    assert little.lose(nothing, 5.0, np.flatnonzero(graph.edge_active)).lost_units == pytest.approx(1.25)
    assert little.lose(node(graph, "S/X"), 5.0).lost_units == pytest.approx(0.75)
    # Single tier over 10 weeks (100 X demanded): A's lane cut, B's 80 made and 12 in stock leave 8 lost; then B
    # down, A's 60 (on the lane open again) and B's 12 leave 28.
    tier, graph = model_of(single_tier())
    a_lane = np.flatnonzero(graph.edge_supplier == node(graph, "A/X")[0])
    assert tier.lose(nothing, 10.0, a_lane).lost_units == pytest.approx(8.0)
    assert tier.lose(node(graph, "B/X"), 10.0).lost_units == pytest.approx(28.0)


def test_survival_with_a_lane_cut_that_carries_stock() -> None:
    """Single tier with A's lane 7 days long: A's share of C's 10 X a week, 10 · 0.5 = 5 X a week, so 5 X on the
    road. A's lane cut, on the whole program: the 5 on the road are held at the crossing and B alone gives
    8t + 12 >= 10t, TTS 6 (the same as A down)."""
    document = {
        "sites": [
            {"site_id": "A", "country": "CN", "kind": "supplier", "ttr_weeks": 3},
            {"site_id": "B", "country": "VN", "kind": "supplier", "ttr_weeks": 2},
            {"site_id": "C", "country": "US", "kind": "customer"},
        ],
        "items": [{"item_id": "X", "profit_per_unit": 5.0}],
        "supply": [
            {"site_id": "A", "item_id": "X", "capacity_per_week": 6},
            {"site_id": "B", "item_id": "X", "capacity_per_week": 8, "inventory": 12},
        ],
        "flows": [
            {"from_site": "A", "to_site": "C", "item_id": "X", "transit_days": 7},
            {"from_site": "B", "to_site": "C", "item_id": "X"},
        ],
        "demand": [{"site_id": "C", "item_id": "X", "units_per_week": 10}],
    }
    model, graph = model_of(Network.from_dict(document, name="lane-a"), transit=True)
    a_lane = np.flatnonzero(graph.edge_supplier == node(graph, "A/X")[0])
    assert model.survive(np.zeros(0, dtype=np.int64), a_lane).tts_weeks == pytest.approx(6.0)
    # Then B down, A's lane open again: 6t from A, the 5 on the road and B's 12 give 6t + 17 >= 10t, TTS 4.25.
    assert model.survive(node(graph, "B/X")).tts_weeks == pytest.approx(4.25)
    assert model.solves == {"restricted": 0, "full": 2}
