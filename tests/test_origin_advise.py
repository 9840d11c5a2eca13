"""The qualification advisor (issue 3, section 6): least-cost re-sourcing, as a MIP solved by HiGHS.

Optimality is checked against brute-force enumeration of every re-sourcing (the advisor
itself never enumerates), each combination decided by the origin engine on the network.
RVC arithmetic: SOR/2020-155 s.7(2) (transaction value) and s.7(3) (net cost); de minimis:
s.5(1).
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allyshore.advisor import advise_qualification
from allyshore.cli import main
from allyshore.errors import InputError, NotFoundError
from allyshore.model.network import Network
from allyshore.origin.from_network import determine_network

TV60: dict[str, Any] = {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60}}]}
PRICE: dict[str, Any] = {"cost_basis": "price"}  # price + freight: the brute force below prices alike


def three_inputs(
    prices: tuple[float, float, float] = (30, 25, 20),
    candidates: tuple[tuple[str, float, bool], ...] = (("US", 33, True), ("MX", 31, True), ("CA", 21, True)),
    tv: float = 100,
) -> dict[str, Any]:
    """G (TV 100) made in Mexico from K, L, M bought in China, each with one candidate source."""
    items = ["K", "L", "M"]
    document: dict[str, Any] = {
        "sites": [
            {"site_id": "P", "country": "MX", "kind": "plant"},
            {"site_id": "S", "country": "CN", "kind": "supplier"},
            {"site_id": "C", "country": "US", "kind": "customer"},
        ],
        "items": [{"item_id": "G", "hs_code": "9018.90", "origin_rule": json.dumps(TV60)}]
        + [{"item_id": i, "hs_code": code} for i, code in zip(items, ("8536.50", "3926.90", "8544.42"), strict=True)],
        "bom": [{"parent_id": "G", "child_id": i, "quantity": 1} for i in items],
        "supply": [{"site_id": "P", "item_id": "G", "unit_price": tv}]
        + [{"site_id": "S", "item_id": i, "unit_price": p} for i, p in zip(items, prices, strict=True)],
        "flows": [{"from_site": "S", "to_site": "P", "item_id": i} for i in items]
        + [{"from_site": "P", "to_site": "C", "item_id": "G"}],
        "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 20}],
    }
    for i, (country, price, certifies) in zip(items, candidates, strict=True):
        document["sites"].append({"site_id": f"T{i}", "country": country, "kind": "supplier"})
        document["supply"].append(
            {
                "site_id": f"T{i}",
                "item_id": i,
                "unit_price": price,
                "status": "candidate",
                "supplier_certifies_origin": certifies,
            }
        )
        document["flows"].append({"from_site": f"T{i}", "to_site": "P", "item_id": i, "status": "candidate"})
    return document


def brute_force(document: dict[str, Any]) -> float | None:
    """Least added cost over every subset of candidate switches, each decided by the engine; None if none qualifies."""
    base = determine_network(Network.from_dict(document)).good("G")
    current = {m.item_id: m.value for m in base.materials}
    best: float | None = None
    candidates = [s for s in document["supply"] if s.get("status") == "candidate"]
    for size in range(len(candidates) + 1):
        for subset in itertools.combinations(candidates, size):
            trial = copy.deepcopy(document)
            switched = {s["item_id"]: s for s in subset}
            trial["supply"] = [
                {**s, "status": "active"} if s.get("status") == "candidate" and s["item_id"] in switched else s
                for s in trial["supply"]
                if not (s["site_id"] == "S" and s["item_id"] in switched)
            ]
            trial["flows"] = [
                {**f, "status": "active"} if f.get("status") == "candidate" and f["item_id"] in switched else f
                for f in trial["flows"]
                if not (f["from_site"] == "S" and f["item_id"] in switched)
            ]
            good = determine_network(Network.from_dict(trial)).good("G")
            if good.originating:
                cost = sum(float(s["unit_price"]) - current[i] for i, s in switched.items())
                best = cost if best is None else min(best, cost)
    return best


def test_cheapest_combination_of_switches() -> None:
    """VNM 75 of TV 100 (RVC 25%); 60% needs VNM <= 40. Switching K (+3) and M (+1) leaves VNM 25 at +4,
    cheaper than K+L (+9) or L+M (+7); no single switch suffices (SOR s.7(2))."""
    plan = advise_qualification(Network.from_dict(three_inputs()), "G", **PRICE)
    assert plan.qualifies and not plan.already_originating
    assert sorted((c.item_id, c.to_site, c.to_country) for c in plan.changes) == [("K", "TK", "US"), ("M", "TM", "CA")]
    assert plan.added_cost_per_unit == pytest.approx(4.0)
    assert plan.units_per_year == pytest.approx(20 * 52)
    assert plan.added_cost_per_year == pytest.approx(4.0 * 1040)
    assert plan.rvc_before == pytest.approx(25.0)
    assert plan.rvc_after == pytest.approx(75.0) and plan.threshold_after == 60.0
    assert plan.method_after == "transaction_value" and plan.criterion_after == "B"
    assert plan.candidates_considered == 3
    payload = json.loads(json.dumps(plan.to_dict()))
    assert payload["determination_after"]["originating"] is True
    assert plan.to_frame().height == 2 and "TK" in plan._repr_html_()
    assert brute_force(three_inputs()) == pytest.approx(plan.added_cost_per_unit)


def test_cheaper_candidate_is_taken_even_when_not_needed_for_origin() -> None:
    """Least added cost: a cheaper certified source lowers cost and raises RVC at once."""
    plan = advise_qualification(
        Network.from_dict(three_inputs(candidates=(("US", 29, True), ("MX", 40, True), ("CA", 30, True)))), "G", **PRICE
    )
    assert plan.qualifies
    assert "K" in {c.item_id for c in plan.changes}
    assert plan.added_cost_per_unit == pytest.approx(brute_force(
        three_inputs(candidates=(("US", 29, True), ("MX", 40, True), ("CA", 30, True)))
    ))  # fmt: skip


def test_no_plan_when_candidates_cannot_qualify() -> None:
    uncertified = three_inputs(candidates=(("US", 33, False), ("CN", 31, True), ("CA", 21, False)))
    plan = advise_qualification(Network.from_dict(uncertified), "G", **PRICE)
    assert not plan.qualifies and plan.changes == () and "no combination" in plan.message
    assert brute_force(uncertified) is None


def test_already_originating_and_no_candidates() -> None:
    cheap = three_inputs(prices=(10, 10, 10))
    plan = advise_qualification(Network.from_dict(cheap), "G", **PRICE)
    assert plan.already_originating and plan.qualifies and plan.changes == () and plan.added_cost_per_unit == 0
    document = three_inputs()
    document["supply"] = [s for s in document["supply"] if s.get("status") != "candidate"]
    document["flows"] = [f for f in document["flows"] if f.get("status") != "candidate"]
    plan = advise_qualification(Network.from_dict(document), "G", **PRICE)
    assert not plan.qualifies and "no candidate source" in plan.message
    with pytest.raises(NotFoundError):
        advise_qualification(Network.from_dict(document), "K", **PRICE)
    abroad = three_inputs()
    abroad["sites"][0]["country"] = "DE"
    with pytest.raises(InputError, match="outside the territories"):
        advise_qualification(Network.from_dict(abroad), "G", **PRICE)


def test_tariff_shift_and_de_minimis() -> None:
    """Rule 'change from any other heading': K (8537.90) shares the good's heading 85.37 and fails unless
    originating or, by de minimis (SOR s.5(1)), worth at most 10% of the transaction value."""
    document = three_inputs(prices=(30, 5, 5))
    document["items"][0] = {
        "item_id": "G",
        "hs_code": "8537.10",
        "origin_rule": json.dumps({"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]}),
    }
    document["items"][1]["hs_code"] = "8537.90"
    plan = advise_qualification(Network.from_dict(document), "G", **PRICE)
    assert plan.qualifies and [c.item_id for c in plan.changes] == ["K"]
    assert plan.added_cost_per_unit == pytest.approx(3.0)
    assert plan.added_cost_per_unit == pytest.approx(brute_force(document))
    document["supply"][1]["unit_price"] = 10  # K now 10% of TV 100: de minimis excuses it
    plan = advise_qualification(Network.from_dict(document), "G", **PRICE)
    assert plan.already_originating


def test_net_cost_method_moves_with_the_plan() -> None:
    """Net cost only (SOR s.7(3), s.7(6)): NC = materials + other costs - excluded costs, so re-sourcing
    at a higher price also raises NC."""
    document = three_inputs()
    document["items"][0]["origin_rule"] = json.dumps(
        {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]}
    )
    document["supply"][0]["other_costs_per_unit"] = 20
    document["supply"][0]["excluded_costs_per_unit"] = 4
    plan = advise_qualification(Network.from_dict(document), "G", **PRICE)
    assert plan.qualifies and plan.method_after == "net_cost"
    assert plan.added_cost_per_unit == pytest.approx(brute_force(document))
    # NC before: 75 + 20 - 4 = 91, VNM 75: 17.6%. Switching K alone (+3): NC 94, VNM 45: 52.1% >= 50%.
    assert [c.item_id for c in plan.changes] == ["K"]
    assert plan.rvc_before == pytest.approx(100 * 16 / 91)
    assert plan.rvc_after == pytest.approx(100 * 49 / 94)


def test_a_plan_exactly_at_the_threshold_qualifies() -> None:
    """RVC "not less than" the threshold (SOR/2020-155 s.7(2)): K, L, M at 5, 5 and 35 make VNM 45, RVC
    (100 - 45) / 100 = 55% < 60%. Moving K to a certified US source at the same price 5 gives VNM 40 and RVC
    exactly 60%, at no added cost; moving L (+1) or M (+1) also qualifies but costs more."""
    document = three_inputs(prices=(5, 5, 35), candidates=(("US", 5, True), ("US", 6, True), ("US", 36, True)))
    plan = advise_qualification(Network.from_dict(document), "G", **PRICE)
    assert plan.qualifies and [c.item_id for c in plan.changes] == ["K"]
    assert plan.added_cost_per_unit == 0
    assert plan.rvc_after == pytest.approx(60.0)


@pytest.mark.slow
@settings(max_examples=12, deadline=None)
@given(
    prices=st.tuples(*[st.integers(min_value=5, max_value=40)] * 3),
    uplift=st.tuples(*[st.integers(min_value=-3, max_value=15)] * 3),
    certified=st.tuples(*[st.booleans()] * 3),
    tv=st.integers(min_value=60, max_value=160),
)
def test_matches_brute_force(
    prices: tuple[int, int, int], uplift: tuple[int, int, int], certified: tuple[bool, bool, bool], tv: int
) -> None:
    candidates = tuple(("US", float(max(1, p + u)), c) for p, u, c in zip(prices, uplift, certified, strict=True))
    document = three_inputs(prices=tuple(float(p) for p in prices), candidates=candidates, tv=tv)  # type: ignore[arg-type]
    plan = advise_qualification(Network.from_dict(document), "G", **PRICE)
    best = brute_force(document)
    if plan.already_originating:
        assert best is not None and best <= 0
    else:
        assert plan.qualifies == (best is not None)
        if best is not None:
            assert plan.added_cost_per_unit == pytest.approx(best, abs=1e-6)


def test_cli_advise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(three_inputs()))
    with pytest.raises(SystemExit) as exited:
        main(["origin", "advise", str(path), "--good", "G", "--json", "--cost-basis", "price"])
    assert exited.value.code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["added_cost_per_unit"] == pytest.approx(4.0) and payload["qualifies"]
    assert payload["cost_basis"] == "price" and payload["duty_saved_per_unit"] is None
    with pytest.raises(SystemExit) as exited:
        main(["origin", "advise", str(path), "--good", "G"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "Added cost" in out and "RVC" in out


def test_report_section_shows_verdict_gauge_deciding_materials_and_plan() -> None:
    from allyshore.report import origin, run_analyses
    from allyshore.report.sections import build_sections

    context = run_analyses(Network.from_dict(three_inputs()))
    (section,) = build_sections(context, [origin.build])
    html = str(section.html)
    assert section.id == "origin" and section.title == "USMCA origin"
    assert "not originating" in html and 'aria-label="RVC 25.0% against a threshold of 60%"' in html
    assert "K from S (CN, non-originating, $30.00/unit)" in html
    plan = advise_qualification(Network.from_dict(three_inputs()), "G")  # landed cost, as the report shows
    from allyshore.report.formatting import usd

    per_year = f"{usd(plan.added_cost_per_year)} per year"
    assert all(f"{c.to_site} ({c.to_country})" in html for c in plan.changes) and per_year in html
    assert section.figures[0].value == "0 of 1" and section.figures[1].value == f"${plan.added_cost_per_year:,.0f}/yr"
    assert any("SOR/2020-155" in s for s in section.sources)
    empty = Network.from_dict(
        {"sites": [{"site_id": "S", "country": "MX", "kind": "plant"}], "items": [{"item_id": "X"}]}
    )
    assert build_sections(run_analyses(empty), [origin.build]) == []


def test_reuses_a_network_decision() -> None:
    network = Network.from_dict(three_inputs())
    origin = determine_network(network)
    assert origin.analysis is not None
    again = advise_qualification(network, "G", origin=origin)
    assert again.added_cost_per_unit == pytest.approx(advise_qualification(network, "G").added_cost_per_unit)


def three_levels() -> dict[str, Any]:
    """G (TV 200) at plant P (MX) <- 1 A (in-house at P) <- 2 B (in-house at plant Q, MX) <- 3 R (CN, 10);
    G also takes 1 D (CN, 30). Candidates: R from T (MX, certified, 11) into Q; D from V (US, certified, 45)."""
    return {
        "sites": [
            {"site_id": "P", "country": "MX", "kind": "plant"},
            {"site_id": "Q", "country": "MX", "kind": "plant"},
            {"site_id": "S", "country": "CN", "kind": "supplier"},
            {"site_id": "T", "country": "MX", "kind": "supplier"},
            {"site_id": "V", "country": "US", "kind": "supplier"},
            {"site_id": "C", "country": "US", "kind": "customer"},
        ],
        "items": [
            {"item_id": "G", "hs_code": "9018.90", "origin_rule": json.dumps(TV60)},
            {"item_id": "A", "hs_code": "9018.90"},
            {"item_id": "B", "hs_code": "8537.10"},
            {"item_id": "R", "hs_code": "8536.50"},
            {"item_id": "D", "hs_code": "8544.42"},
        ],
        "bom": [
            {"parent_id": "G", "child_id": "A", "quantity": 1},
            {"parent_id": "G", "child_id": "D", "quantity": 1},
            {"parent_id": "A", "child_id": "B", "quantity": 2},
            {"parent_id": "B", "child_id": "R", "quantity": 3},
        ],
        "supply": [
            {"site_id": "P", "item_id": "G", "unit_price": 200},
            {"site_id": "P", "item_id": "A", "other_costs_per_unit": 5},
            {"site_id": "Q", "item_id": "B", "other_costs_per_unit": 2},
            {"site_id": "S", "item_id": "R", "unit_price": 10},
            {"site_id": "S", "item_id": "D", "unit_price": 30},
            {
                "site_id": "T",
                "item_id": "R",
                "unit_price": 11,
                "status": "candidate",
                "supplier_certifies_origin": True,
            },
            {
                "site_id": "V",
                "item_id": "D",
                "unit_price": 45,
                "status": "candidate",
                "supplier_certifies_origin": True,
            },
        ],
        "flows": [
            {"from_site": "Q", "to_site": "P", "item_id": "B", "mode": "truck", "transit_days": 2},
            {"from_site": "S", "to_site": "Q", "item_id": "R", "mode": "ocean", "transit_days": 30},
            {"from_site": "S", "to_site": "P", "item_id": "D", "mode": "ocean", "transit_days": 30},
            {
                "from_site": "T",
                "to_site": "Q",
                "item_id": "R",
                "mode": "truck",
                "transit_days": 2,
                "status": "candidate",
            },
            {
                "from_site": "V",
                "to_site": "P",
                "item_id": "D",
                "mode": "truck",
                "transit_days": 4,
                "status": "candidate",
            },
            {"from_site": "P", "to_site": "C", "item_id": "G", "mode": "truck", "transit_days": 3},
        ],
        "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 200}],
    }


def test_advisor_re_sources_a_material_two_levels_down_at_its_landed_cost() -> None:
    """Look-through (SOR s.7(5)(a)): R reaches G through B and A, 1 x 2 x 3 = 6 units per G, so VNM = 6 x 10
    + D 30 = 90 of TV 200: RVC 55% < 60% (s.7(2)); 60% needs VNM <= 80. Moving R to T (originating) leaves
    VNM 30 (85%); moving D to V leaves 60 (70%). Either qualifies; the advisor takes the one that adds less
    landed cost, priced by the landed-cost engine (allyshore.cost.compare_sources) per unit of R into Q
    (resp. of D into P) times the units per G."""
    from allyshore.cost import compare_sources

    network = Network.from_dict(three_levels())
    before = determine_network(network).good("G")
    assert before.rvc == pytest.approx(55.0) and not before.originating

    def landed(item: str, to_site: str, source: str) -> float:
        comparison = compare_sources(network, item, to_site, use_origin_engine=False)
        return next(o.total for o in comparison.options if o.source_site == source)

    r_added = 6 * (landed("R", "Q", "T") - landed("R", "Q", "S"))
    d_added = 1 * (landed("D", "P", "V") - landed("D", "P", "S"))
    assert r_added < d_added  # so the cheaper plan is the one two levels down
    plan = advise_qualification(network, "G")
    assert plan.qualifies and plan.cost_basis == "landed"
    (change,) = plan.changes
    assert (change.item_id, change.at_site, change.to_site, change.within) == ("R", "Q", "T", ("A", "B"))
    assert change.quantity == pytest.approx(6)
    assert change.value_before == pytest.approx(60) and change.value_after == pytest.approx(66)  # s.8(1) values
    assert plan.added_cost_per_unit == pytest.approx(r_added)
    assert plan.added_cost_per_year == pytest.approx(r_added * 200 * 52)
    assert plan.rvc_after == pytest.approx(85.0) and plan.criterion_after == "B"
    assert "inside in-house sub-assemblies" in plan.message
    # The import duty the good avoids in the US once originating, from the same engine, reported apart.
    duty = [
        next(o.total for o in compare_sources(network, "G", "C", originating={("P", "G"): flag}).options)
        for flag in (False, True)
    ]
    assert plan.duty_saved_per_unit == pytest.approx(duty[0] - duty[1])
    assert plan.duty_saved_per_year == pytest.approx((duty[0] - duty[1]) * 200 * 52)
    payload = json.loads(json.dumps(plan.to_dict()))
    assert payload["changes"][0]["within"] == ["A", "B"] and payload["changes"][0]["at_site"] == "Q"
    # Price + freight basis: 6 x (11 - 10) = 6 against 45 - 30 = 15, the same choice.
    priced = advise_qualification(network, "G", cost_basis="price")
    assert [c.item_id for c in priced.changes] == ["R"] and priced.added_cost_per_unit == pytest.approx(6.0)


def test_advisor_does_not_re_source_inside_a_designated_sub_assembly() -> None:
    """Designated (s.8(6)), B counts as one material: what is inside it is not re-sourced for the good. Under
    a rule 'change of chapter' B (8537.10 from 8536.50, both Chapter 85) fails on its own, so it is
    non-originating at its total cost, 2 x (3 x 10 + 2) = 64 (s.8(7)(a), s.8(8)): RVC (200 - 64 - 30) / 200
    = 53%. Moving D to V leaves VNM 64: 68% >= 60%."""
    document = three_levels()
    document["items"][2]["designated_intermediate"] = True
    document["items"][2]["origin_rule"] = json.dumps({"alternatives": [{"tariff_shift": {"level": "chapter"}}]})
    plan = advise_qualification(Network.from_dict(document), "G", cost_basis="price")
    assert plan.before is not None and plan.before.designation is not None
    assert plan.before.designation.items == ("B",)
    assert plan.before.rvc == pytest.approx(100 * (200 - 64 - 30) / 200)
    assert [(c.item_id, c.to_site, c.within) for c in plan.changes] == [("D", "V", ())]
    assert plan.rvc_after == pytest.approx(68.0)
