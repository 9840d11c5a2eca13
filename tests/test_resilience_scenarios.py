"""Candidate sources, country groups, trust tiers, distributors and line stoppers: golden cases by hand.

Every expected value is derived in the test from the definitions of
../shared/domain/resilience.md (TTS §5: the longest time demand is met in full;
TTR §4: units lost while the disruption lasts) and of
:mod:`allyshore.resilience.candidates` (a candidate with qualification q and
ramp-up r counts as full capacity from week q + r/2; demand lost before then is
not made good later).
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

from allyshore.model import Network
from allyshore.model.graph import compile_network
from allyshore.resilience import ResilienceModel, simulate, stress_test
from allyshore.resilience.candidates import CandidateTerms, candidate_plan
from allyshore.resilience.montecarlo import build_hazards
from allyshore.resilience.phased import PhasedModel
from allyshore.resilience.scenarios import profit_per_demand_row
from allyshore.resilience.stress import tiers_of
from allyshore.resilience.transit import in_transit
from test_resilience import by_label, chain, multi_tier, pass_through, run_cli, shared_capacity, single_tier

# -- candidate sources -------------------------------------------------------------------------------------


def mexico_plan(
    candidates: list[tuple[str, float, dict[str, Any]]], stock: float = 30.0, lane: dict[str, Any] | None = None
) -> Network:
    """Customer C needs 10 X/week (profit 1). Today A (CN, TTR 20) makes 10/week and holds ``stock``.

    ``candidates``: (site id, capacity per week, extra supply-row fields), each a candidate source in MX with a
    candidate lane to C (``lane``: extra fields of those lanes).
    """
    return Network.from_dict(
        {
            "sites": [
                {"site_id": "A", "country": "CN", "kind": "supplier", "ttr_weeks": 20},
                {"site_id": "C", "country": "US", "kind": "customer"},
                *({"site_id": s, "country": "MX", "kind": "supplier", "ttr_weeks": 1} for s, _, _ in candidates),
            ],
            "items": [{"item_id": "X", "profit_per_unit": 1.0}],
            "supply": [
                {"site_id": "A", "item_id": "X", "capacity_per_week": 10, "inventory": stock},
                *(
                    {"site_id": s, "item_id": "X", "capacity_per_week": c, "status": "candidate", **extra}
                    for s, c, extra in candidates
                ),
            ],
            "flows": [
                {"from_site": "A", "to_site": "C", "item_id": "X"},
                *(
                    {"from_site": s, "to_site": "C", "item_id": "X", "status": "candidate", **(lane or {})}
                    for s, _, _ in candidates
                ),
            ],
            "demand": [{"site_id": "C", "item_id": "X", "units_per_week": 10}],
        },
        name="mexico-plan",
    )


def china_stops(network: Network, terms: CandidateTerms) -> Any:
    return stress_test(network, country="CN", with_candidates=terms, line_stoppers=False).scenarios[0]


def test_candidate_after_the_stock_runs_out_lost_sales_stay_lost() -> None:
    # B: 20/week from week a = q + r/2 = 4 + 2/2 = 5. A's 30 units last 30/10 = 3 weeks either way: TTS 3.
    # Over TTR 20: without B, 200 - 30 = 170 lost. With B: weeks 3-5 are lost (20 units) and B's later
    # surplus cannot sell them again (a one-period model would say 30 + 20 x 15 >= 200: nothing lost).
    s = china_stops(mexico_plan([("B", 20, {})]), CandidateTerms(4, 2))
    assert s.tts_weeks == pytest.approx(3.0)
    assert s.tts_with_candidates == pytest.approx(3.0)
    assert s.lost_units == pytest.approx(170.0)
    assert s.lost_units_with_candidates == pytest.approx(20.0)
    assert s.lost_profit_with_candidates == pytest.approx(20.0)
    data = s.to_dict()
    assert data["tts_weeks"] == pytest.approx(3.0) and data["tts_weeks_with_candidates"] == pytest.approx(3.0)
    assert data["lost_profit"] == pytest.approx(170.0) and data["lost_profit_with_candidates"] == pytest.approx(20.0)
    assert data["needs_mitigation"] and data["needs_mitigation_with_candidates"]


def test_candidate_on_in_time_survives_indefinitely() -> None:
    # a = 2 + 2/2 = 3 = the week A's stock runs out, and B's 20/week >= 10: never short again.
    s = china_stops(mexico_plan([("B", 20, {})]), CandidateTerms(2, 2))
    assert math.isinf(s.tts_with_candidates)
    assert s.lost_units_with_candidates == 0.0
    assert s.to_dict()["tts_weeks_with_candidates"] is None
    assert s.to_dict()["survives_indefinitely_with_candidates"] is True


def test_candidate_too_small_runs_dry_later() -> None:
    # B: 6/week from a = 2. Supply by t >= 2 is 30 + 6 (t - 2) >= 10 t up to t = 18/4 = 4.5: TTS 4.5.
    # Over 20 weeks: [0, 2] 20 demanded from stock (10 left); [2, 20] 180 demanded, 10 + 6 x 18 = 118 -> 62 lost.
    s = china_stops(mexico_plan([("B", 6, {})]), CandidateTerms(2, 0))
    assert s.tts_with_candidates == pytest.approx(4.5)
    assert s.lost_units_with_candidates == pytest.approx(62.0)


def test_two_candidates_two_periods() -> None:
    # B1 4/week from a = 2, B2 4/week from a = 6 (its own qualification_weeks column).
    # TTS: stock lasts to 3 > 2; on [2, 6]: 30 + 4 (t - 2) >= 10 t up to t = 22/6 = 11/3.
    # Over 10 weeks: [0, 2] 20 from stock, 10 carried; [2, 6] 40 demanded, 10 + 16 -> 14 lost;
    # [6, 10] 40 demanded, 8 x 4 = 32 -> 8 lost: 22 in all.
    network = mexico_plan([("B1", 4, {}), ("B2", 4, {"qualification_weeks": 6})])
    terms = CandidateTerms(2, 0)
    result = stress_test(network, country="CN", ttr_weeks=10, with_candidates=terms, line_stoppers=False)
    s = result.scenarios[0]
    assert s.tts_with_candidates == pytest.approx(11 / 3)
    assert s.lost_units_with_candidates == pytest.approx(22.0)
    starts = {c["node"]: c["full_capacity_from_week"] for c in result.to_dict()["with_candidates"]["candidates"]}
    assert starts == {"B1/X": 2.0, "B2/X": 6.0}


def test_tts_found_in_a_later_segment() -> None:
    # B1 8/week from 2, B2 1/week from 6. On [2, 6]: 30 + 8 (t - 2) >= 10 t up to t = 7 > 6, so on to
    # [6, inf): 30 + 8 (t - 2) + (t - 6) >= 10 t  <=>  8 >= t: TTS 8.
    network = mexico_plan([("B1", 8, {}), ("B2", 1, {"qualification_weeks": 6})])
    s = china_stops(network, CandidateTerms(2, 0))
    assert s.tts_with_candidates == pytest.approx(8.0)


def test_ramp_counts_from_its_midpoint() -> None:
    # q = 3, r = 4: nothing before week 3, full capacity at 7; counted as full capacity from 3 + 4/2 = 5.
    graph = compile_network(mexico_plan([("B", 20, {"ramp_up_weeks": 4})]))
    plan = candidate_plan(graph, CandidateTerms(3, 1))
    b = graph.node_label(int(np.flatnonzero(plan.node_candidate)[0]))
    assert b == "B/X"
    assert plan.node_start[plan.node_candidate].tolist() == [5.0]
    assert plan.breakpoints.tolist() == [5.0]
    # The counted output c max(0, t - q - r/2) never exceeds the ramp's exact cumulative output.
    q, r, c = 3.0, 4.0, 20.0
    for t in np.linspace(0, 12, 49):
        exact = 0.0 if t <= q else c * (t - q) ** 2 / (2 * r) if t <= q + r else c * (t - q - r / 2)
        assert c * max(0.0, t - q - r / 2) <= exact + 1e-12


def test_candidate_lane_from_an_active_supplier() -> None:
    # D (US) is active but does not ship to C today; a candidate lane D -> C, qualified after 5 weeks
    # (q 5, r 0), carries at most D's 15/week. A's 30 units last 3 weeks: weeks 3-5 lost (20); after, 15 >= 10.
    network = Network.from_dict(
        {
            "sites": [
                {"site_id": "A", "country": "CN", "kind": "supplier", "ttr_weeks": 20},
                {"site_id": "D", "country": "US", "kind": "supplier", "ttr_weeks": 2},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [{"item_id": "X", "profit_per_unit": 1.0}],
            "supply": [
                {"site_id": "A", "item_id": "X", "capacity_per_week": 10, "inventory": 30},
                {"site_id": "D", "item_id": "X", "capacity_per_week": 15},
            ],
            "flows": [
                {"from_site": "A", "to_site": "C", "item_id": "X"},
                {"from_site": "D", "to_site": "C", "item_id": "X", "status": "candidate"},
            ],
            "demand": [{"site_id": "C", "item_id": "X", "units_per_week": 10}],
        },
        name="lane",
    )
    s = china_stops(network, CandidateTerms(5, 0))
    assert s.tts_with_candidates == pytest.approx(3.0)
    assert s.lost_units_with_candidates == pytest.approx(20.0)
    # Qualified at once: 30 + 15 t >= 10 t for every t.
    assert math.isinf(china_stops(network, CandidateTerms(0, 0)).tts_with_candidates)


def test_candidate_down_with_its_site() -> None:
    # A country scenario on MX takes the candidate down with it; with A alive nothing is short anyway, so
    # disrupt both countries: only the 30 units of stock remain, with or without candidates.
    network = mexico_plan([("B", 20, {})])
    both = stress_test(network, country="CN+MX", with_candidates=CandidateTerms(0, 0), line_stoppers=False)
    s = both.scenarios[0]
    assert s.scenario.candidate_nodes
    assert s.tts_with_candidates == pytest.approx(3.0)


def test_candidate_without_its_inputs_in_the_network_is_a_source() -> None:
    """A candidate that makes a BOM item but receives none of its materials buys them outside the network."""
    document = json.loads(json.dumps(mexico_plan([("B", 20, {})]).to_dict()))
    document["items"].append({"item_id": "R"})
    document["bom"] = [{"parent_id": "X", "child_id": "R", "quantity": 1}]
    document["supply"].append({"site_id": "E", "item_id": "R"})
    document["sites"].append({"site_id": "E", "country": "CN", "kind": "supplier"})
    document["flows"].append({"from_site": "E", "to_site": "A", "item_id": "R"})
    network = Network.from_dict(document, name="inputs")
    s = stress_test(network, sites=["A"], with_candidates=CandidateTerms(2, 2), line_stoppers=False).scenarios[0]
    assert math.isinf(s.tts_with_candidates)  # as in test_candidate_on_in_time_survives_indefinitely


def test_phased_model_without_candidates_is_the_one_period_model() -> None:
    """The time-phased programs reduce exactly to §4 and §5 with a single period (brief §8(b))."""
    for build in (single_tier, multi_tier, pass_through, shared_capacity):
        graph = compile_network(build())
        profit = profit_per_demand_row(graph)
        transit = in_transit(graph)
        one = ResilienceModel(graph, profit, transit=transit)
        phased = PhasedModel(graph, profit, candidate_plan(graph, CandidateTerms()), transit)
        for node in np.flatnonzero(graph.node_kind != 3):
            down = np.array([node])
            a, b = one.survive(down).tts_weeks, phased.survive(down)
            assert (math.isinf(a) and math.isinf(b)) or a == pytest.approx(b, rel=1e-7, abs=1e-9)
            for t in (0.5, 2.0, 7.0):
                assert phased.lose(down, t).lost_profit == pytest.approx(one.lose(down, t).lost_profit, abs=1e-6)


def test_phased_tts_plugged_into_ttr_loses_nothing() -> None:
    """L(TTS) = 0 and L(t) > 0 beyond, with candidates coming on (brief §9, loss curve)."""
    for network, terms in (
        (mexico_plan([("B", 6, {})]), CandidateTerms(2, 0)),
        (mexico_plan([("B1", 4, {}), ("B2", 4, {"qualification_weeks": 6})]), CandidateTerms(2, 0)),
        (mexico_plan([("B1", 8, {}), ("B2", 1, {"qualification_weeks": 6})]), CandidateTerms(2, 0)),
    ):
        graph = compile_network(network)
        phased = PhasedModel(graph, profit_per_demand_row(graph), candidate_plan(graph, terms))
        down = np.array([0])
        tts = phased.survive(down)
        assert phased.lose(down, tts).lost_units == pytest.approx(0.0, abs=1e-6)
        assert phased.lose(down, tts + 1e-3).lost_units > 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    capacity=st.floats(1, 30),
    stock=st.floats(0, 100),
    q=st.floats(0, 10),
    later=st.floats(0, 10),
    ttr=st.floats(0.5, 25),
)
def test_later_candidates_never_help(capacity: float, stock: float, q: float, later: float, ttr: float) -> None:
    """A later qualification never raises TTS nor lowers the loss, and candidates never hurt."""
    network = mexico_plan([("B", capacity, {})], stock=stock)

    def run(terms: CandidateTerms) -> Any:
        return stress_test(network, country="CN", ttr_weeks=ttr, with_candidates=terms, line_stoppers=False)

    early, late = run(CandidateTerms(q, 0)).scenarios[0], run(CandidateTerms(q + later, 0)).scenarios[0]
    assert early.tts_with_candidates >= late.tts_with_candidates - 1e-6
    assert early.lost_units_with_candidates <= late.lost_units_with_candidates + 1e-6
    assert late.tts_with_candidates >= late.tts_weeks - 1e-6
    assert late.lost_units_with_candidates <= late.lost_units + 1e-6


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    inv=st.lists(st.floats(0, 200, allow_nan=False), min_size=4, max_size=4),
    cap=st.lists(st.floats(1, 300, allow_nan=False), min_size=4, max_size=4),
    demand=st.floats(1, 80),
)
def test_chains_with_unused_candidates_match(inv: list[float], cap: list[float], demand: float) -> None:
    """With the candidates' start past every horizon, both sets of numbers agree (same programs)."""
    result = stress_test(chain(inv, cap, demand, 3.0), with_candidates=CandidateTerms(1000, 0))
    for s in result.scenarios:
        assert s.tts_with_candidates == s.tts_weeks
        assert s.lost_profit_with_candidates == s.lost_profit


# -- country groups and trust tiers ------------------------------------------------------------------------


def test_country_group_is_the_union() -> None:
    # single_tier: A in CN, B in VN. CN+VN down together = sites A and B down together (test_resilience:
    # TTS 12/10 = 1.2, 18 units lost, 90 USD).
    group = stress_test(single_tier(), country="CN+VN", line_stoppers=False).scenarios[0]
    both = stress_test(single_tier(), sites=["A", "B"], line_stoppers=False).scenarios[0]
    assert group.scenario.label == "CN+VN"
    assert group.scenario.kind == "country"
    assert set(group.scenario.nodes) == set(both.scenario.nodes)
    assert group.tts_weeks == pytest.approx(1.2)
    assert group.lost_profit == pytest.approx(90.0)
    # A country with no site adds nothing: CN+HK is CN alone (A down, TTS 12 / 2 = 6).
    cn_hk = stress_test(single_tier(), country="China+HK", line_stoppers=False).scenarios[0]
    assert cn_hk.scenario.label == "CN+HK"
    assert cn_hk.scenario.sites == ("A",)
    assert cn_hk.tts_weeks == pytest.approx(6.0)
    assert cn_hk.to_dict()["countries"] == ["CN", "HK"]


def test_tier_scenario_takes_every_country_of_the_tier() -> None:
    tiers = tiers_of()
    expected = sorted(c for c in ("CN", "VN") if tiers[c] == "adversary")
    result = stress_test(single_tier(), tier="adversary", line_stoppers=False)
    s = result.scenarios[0]
    assert s.scenario.kind == "tier"
    assert s.scenario.label == f"tier adversary ({'+'.join(expected)})"
    assert list(s.scenario.countries) == expected
    union = stress_test(single_tier(), country="+".join(expected), line_stoppers=False).scenarios[0]
    assert s.tts_weeks == pytest.approx(union.tts_weeks)
    assert s.lost_profit == pytest.approx(union.lost_profit)


def test_tier_errors() -> None:
    from allyshore.errors import InputError, NotFoundError

    with pytest.raises(InputError, match="unknown trust tier"):
        stress_test(single_tier(), tier="friends")
    with pytest.raises(NotFoundError, match="tier usmca"):
        stress_test(single_tier(), tier="usmca")  # no site in CA, MX or the US makes anything here
    with pytest.raises(NotFoundError, match="unknown country 'Atlantis'"):
        stress_test(single_tier(), country="CN+Atlantis")


# -- distributors (origin_country) -------------------------------------------------------------------------


def distributor() -> Network:
    # C needs 10 X/week (profit 2). A (CN) makes 5/week, holds 15. D, a distributor in the US whose X is made
    # in China (origin_country CN), can ship 10/week and holds 20.
    return Network.from_dict(
        {
            "sites": [
                {"site_id": "A", "country": "CN", "kind": "supplier", "ttr_weeks": 8},
                {"site_id": "D", "country": "US", "kind": "supplier", "ttr_weeks": 1},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [{"item_id": "X", "profit_per_unit": 2.0}],
            "supply": [
                {"site_id": "A", "item_id": "X", "capacity_per_week": 5, "inventory": 15},
                {"site_id": "D", "item_id": "X", "capacity_per_week": 10, "inventory": 20, "origin_country": "China"},
            ],
            "flows": [
                {"from_site": "A", "to_site": "C", "item_id": "X"},
                {"from_site": "D", "to_site": "C", "item_id": "X"},
            ],
            "demand": [{"site_id": "C", "item_id": "X", "units_per_week": 10}],
        },
        name="distributor",
    )


def test_country_scenario_stops_the_distributor_of_its_goods() -> None:
    # CN down: A stops, and D cannot restock; both still ship their stock: 15 + 20 = 35 -> TTS 3.5; over
    # A's TTR 8: 80 - 35 = 45 lost, 90 USD.
    s = stress_test(distributor(), country="CN", line_stoppers=False).scenarios[0]
    assert s.scenario.sites == ("A",)
    assert s.to_dict()["stopped_by_origin"] == ["D/X"]
    assert s.tts_weeks == pytest.approx(3.5)
    assert s.lost_profit == pytest.approx(90.0)
    # Stock destroyed: A's 15 are lost, D's 20 (in the US) are not: TTS 2, 60 lost.
    gone = stress_test(distributor(), country="CN", inventory_destroyed=True, line_stoppers=False).scenarios[0]
    assert gone.tts_weeks == pytest.approx(2.0)
    assert gone.lost_units == pytest.approx(60.0)
    assert gone.inventory_destroyed_units == 15.0
    # Only A's site down (the site sweep): D keeps making 10/week = demand: survives indefinitely.
    assert math.isinf(by_label(stress_test(distributor(), line_stoppers=False))["A"].tts_weeks)


def test_monte_carlo_country_hazard_stops_the_distributor() -> None:
    hazards = {(h.kind, h.name): h for h in build_hazards(distributor(), simulate_defaults())}
    graph = compile_network(distributor())
    labels = {graph.node_label(j) for j in hazards[("country", "CN")].nodes}
    assert labels == {"A/X", "D/X"}
    assert {graph.node_label(j) for j in hazards[("site", "D")].nodes} == {"D/X"}
    # A maker's country with no site of its own still gets a country hazard.
    document = distributor().to_dict()
    document["supply"][1]["origin_country"] = "VN"
    hazards = {(h.kind, h.name): h for h in build_hazards(Network.from_dict(document), simulate_defaults())}
    assert {graph.node_label(j) for j in hazards[("country", "VN")].nodes} == {"D/X"}


def simulate_defaults() -> Any:
    from allyshore.resilience.assumptions import DEFAULT_ASSUMPTIONS

    return DEFAULT_ASSUMPTIONS


# -- line stoppers -----------------------------------------------------------------------------------------


def clip_and_board() -> Network:
    # Plant P makes G1 = 1 SUB + 1 BOARD and G2 = 1 CLIP + 1 SCREW; SUB (in-house) = 2 CLIP. Customer C takes
    # 10 G1 and 5 G2 a week. S1 (CN) sells the 4-cent CLIP and holds 40; S2 (TW) the 300-dollar BOARD and holds
    # 100; the SCREW comes from S3 (holds 10) or S4 (holds 5). No capacity limits, no stock at P.
    return Network.from_dict(
        {
            "sites": [
                {"site_id": "P", "country": "MX", "kind": "plant", "ttr_weeks": 4},
                {"site_id": "S1", "country": "CN", "kind": "supplier", "ttr_weeks": 6},
                {"site_id": "S2", "country": "TW", "kind": "supplier", "ttr_weeks": 12},
                {"site_id": "S3", "country": "US", "kind": "supplier", "ttr_weeks": 1},
                {"site_id": "S4", "country": "CA", "kind": "supplier", "ttr_weeks": 1},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [
                {"item_id": "G1", "profit_per_unit": 100.0},
                {"item_id": "G2", "profit_per_unit": 10.0},
                {"item_id": "SUB"},
                {"item_id": "CLIP", "unit_cost": 0.04},
                {"item_id": "BOARD", "unit_cost": 300.0},
                {"item_id": "SCREW", "unit_cost": 0.01},
            ],
            "bom": [
                {"parent_id": "G1", "child_id": "SUB", "quantity": 1},
                {"parent_id": "G1", "child_id": "BOARD", "quantity": 1},
                {"parent_id": "SUB", "child_id": "CLIP", "quantity": 2},
                {"parent_id": "G2", "child_id": "CLIP", "quantity": 1},
                {"parent_id": "G2", "child_id": "SCREW", "quantity": 1},
            ],
            "supply": [
                {"site_id": "P", "item_id": "G1"},
                {"site_id": "P", "item_id": "G2"},
                {"site_id": "P", "item_id": "SUB"},
                {"site_id": "S1", "item_id": "CLIP", "inventory": 40},
                {"site_id": "S2", "item_id": "BOARD", "inventory": 100},
                {"site_id": "S3", "item_id": "SCREW", "inventory": 10},
                {"site_id": "S4", "item_id": "SCREW", "inventory": 5},
            ],
            "flows": [
                {"from_site": "S1", "to_site": "P", "item_id": "CLIP"},
                {"from_site": "S2", "to_site": "P", "item_id": "BOARD"},
                {"from_site": "S3", "to_site": "P", "item_id": "SCREW"},
                {"from_site": "S4", "to_site": "P", "item_id": "SCREW"},
                {"from_site": "P", "to_site": "C", "item_id": "G1"},
                {"from_site": "P", "to_site": "C", "item_id": "G2"},
            ],
            "demand": [
                {"site_id": "C", "item_id": "G1", "units_per_week": 10},
                {"site_id": "C", "item_id": "G2", "units_per_week": 5},
            ],
        },
        name="clip-and-board",
    )


def test_line_stoppers_rank_by_time_and_goods_not_value() -> None:
    result = stress_test(clip_and_board(), line_stoppers=True)
    stoppers = {ls.item: ls for ls in result.line_stoppers}
    # Purchased items only: SUB is made in-house, G1 and G2 are finished goods.
    assert set(stoppers) == {"CLIP", "BOARD", "SCREW"}
    # CLIP: 2 per SUB (1 per G1) and 1 per G2: 2 x 10 + 5 = 25 a week; 40 on hand -> 1.6 weeks; stops G1 and G2.
    assert stoppers["CLIP"].tts_weeks == pytest.approx(40 / 25)
    assert stoppers["CLIP"].finished_goods == ("G1", "G2")
    assert stoppers["CLIP"].lost_units_per_week == pytest.approx(15.0)
    # BOARD: 10 a week, 100 on hand -> 10 weeks; stops G1 only.
    assert stoppers["BOARD"].tts_weeks == pytest.approx(10.0)
    assert stoppers["BOARD"].finished_goods == ("G1",)
    # SCREW: both sources down together, 10 + 5 = 15 on hand, 5 a week -> 3 weeks; stops G2.
    assert stoppers["SCREW"].tts_weeks == pytest.approx(3.0)
    assert stoppers["SCREW"].sources == ("S3/SCREW", "S4/SCREW")
    assert stoppers["SCREW"].ttr_weeks == 1.0
    # Ranked by time to survive: the 4-cent clip before the 300-dollar board.
    assert [ls.item for ls in result.line_stoppers] == ["CLIP", "SCREW", "BOARD"]
    data = result.to_dict()["line_stoppers"]
    assert data[0]["item"] == "CLIP" and data[0]["finished_goods_stopped"] == 2
    assert data[0]["needs_mitigation"] is True  # 1.6 < S1's TTR of 6
    assert data[0]["source_countries"] == ["CN"]
    assert result.line_stopper_frame().height == 3


def test_line_stoppers_tie_on_time_broken_by_goods() -> None:
    # Give SCREW 40 on hand in all (S3 35, S4 5): 40 / 5 = 8 weeks; BOARD 8 weeks too (80 on hand). The tie
    # goes to the item that stops more goods; both stop one here, so by item id: BOARD, SCREW.
    document = clip_and_board().to_dict()
    for row in document["supply"]:
        if row["site_id"] == "S3":
            row["inventory"] = 35
        if row["site_id"] == "S2":
            row["inventory"] = 80
    result = stress_test(Network.from_dict(document), line_stoppers=True)
    assert [ls.item for ls in result.line_stoppers] == ["CLIP", "BOARD", "SCREW"]
    # And with CLIP stock at 200 (8 weeks as well), CLIP stops two goods: first among the three.
    for row in document["supply"]:
        if row["site_id"] == "S1":
            row["inventory"] = 200
    result = stress_test(Network.from_dict(document), line_stoppers=True)
    assert [ls.item for ls in result.line_stoppers] == ["CLIP", "BOARD", "SCREW"]
    assert [ls.tts_weeks for ls in result.line_stoppers] == pytest.approx([8.0, 8.0, 8.0])


def test_line_stopper_with_an_alternate_never_stops() -> None:
    # multi_tier has no alternate; chain() has two part makers M and N for K: K's line stopper takes both down.
    network = chain([0, 0, 0, 0], [100, 100, 100, 100], 10, 3.0)
    stoppers = {ls.item: ls for ls in stress_test(network).line_stoppers}
    assert set(stoppers) == {"K", "Z"}
    assert set(stoppers["K"].sources) == {"M/K", "N/K"}
    assert stoppers["K"].tts_weeks == 0.0
    assert stoppers["K"].finished_goods == ("G",)


def test_cli_line_stoppers_and_candidates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(mexico_plan([("B", 20, {})]).to_dict()))
    code, out, _ = run_cli(
        ["stress", str(path), "--country", "CN", "--with-candidates", "--qualification-weeks", "2",
         "--ramp-up-weeks", "2", "--json"],
        capsys,
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    s = data["scenarios"][0]
    assert s["tts_weeks"] == pytest.approx(3.0) and s["tts_weeks_with_candidates"] is None
    assert data["with_candidates"]["qualification_weeks"] == 2.0
    code, out, _ = run_cli(["stress", str(path), "--country", "CN", "--with-candidates"], capsys)
    assert code == 0 and "w/ cand." in out
    code, out, _ = run_cli(
        ["simulate", str(path), "--runs", "200", "--seed", "1", "--scheduler", "synchronous", "--with-candidates",
         "--json"],
        capsys,
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["annual_lost_profit_with_candidates"]["mean"] <= data["annual_lost_profit"]["mean"]


# -- Monte Carlo with candidates ---------------------------------------------------------------------------


def test_monte_carlo_with_candidates_on_the_same_draws(tmp_path: Path) -> None:
    # A (CN, TTR 20) goes down 0.2 times a year for 20 weeks (sigma 0), holding 30; no country events.
    # Without candidates an event loses 200 - 30 = 170 units (1 USD each); with B (20/week from week 5)
    # weeks 3-5 are lost: 20. Same draws, so every year with candidates loses 20/170 of the year without
    # (years with overlapping events merge into longer outages: checked as at most).
    path = tmp_path / "a.toml"
    path.write_text(
        "[site]\nrate_per_year = 0.2\nduration_sigma = 0\nuse_site_ttr = true\n"
        "[country]\nrate_per_year = 0\n[risk]\nscale_by_country_risk = false\n"
    )
    result = simulate(
        mexico_plan([("B", 20, {})]),
        runs=4000,
        seed=5,
        scheduler="synchronous",
        assumptions=path,
        with_candidates=CandidateTerms(4, 2),
    )
    base, with_c = result.annual_losses, result.annual_losses_with_candidates
    assert with_c is not None
    assert np.all(with_c <= base + 1e-9)
    single = (base > 0) & np.isclose(base, 170.0)
    assert single.sum() > 100
    assert with_c[single] == pytest.approx(np.full(int(single.sum()), 20.0))
    s = result.summary
    assert abs(s["mean"] - 0.2 * 170) < 4 * s["mean_standard_error"]
    assert result.to_dict()["with_candidates"] == {"qualification_weeks": 4.0, "ramp_up_weeks": 2.0}
