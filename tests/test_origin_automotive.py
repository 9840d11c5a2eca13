"""Automotive goods (SOR/2020-155 Part 6): dated thresholds, part categories, core parts, steel, LVC.

Hand-built cases; each names the provision whose figures it checks.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from allyshore.origin import determine_origin
from allyshore.origin.automotive import lvc_requirement, part_category, part_threshold


@pytest.mark.parametrize(
    ("kind", "day", "nc", "tv"),
    [
        ("core_part", date(2020, 7, 1), 66, 76),
        ("core_part", date(2022, 6, 30), 69, 79),
        ("core_part", date(2023, 7, 1), 75, 85),
        ("principal_part", date(2020, 7, 1), Fraction(125, 2), Fraction(145, 2)),
        ("principal_part", date(2022, 7, 1), Fraction(135, 2), Fraction(155, 2)),
        ("complementary_part", date(2021, 7, 1), 63, 73),
        ("complementary_part", date(2025, 1, 1), 65, 75),
        ("heavy_truck_part_d", date(2024, 6, 30), 60, 70),
        ("heavy_truck_part_d", date(2024, 7, 1), 64, 74),
        ("heavy_truck_part_e", date(2027, 7, 1), 60, 70),
    ],
)
def test_part_thresholds_by_date(kind: str, day: date, nc: Fraction, tv: Fraction) -> None:
    """SOR/2020-155 s.14(13), (15), (17) and s.15(2)-(3)."""
    found = part_threshold(kind, day)
    assert found is not None and found[0] == nc and found[1] == tv
    assert part_threshold(kind, date(2020, 6, 30)) is None


def test_lvc_requirements() -> None:
    """SOR/2020-155 s.18(1)-(2)."""
    assert lvc_requirement("passenger_vehicle", date(2020, 7, 1)) == (30, 15)
    assert lvc_requirement("passenger_vehicle", date(2023, 7, 1)) == (40, 25)
    assert lvc_requirement("heavy_truck", date(2026, 1, 1)) == (45, 30)


def test_part_category_from_tables() -> None:
    """SOR/2020-155 Tables A.1 (8708.40 gear boxes), B (8482.10 ball bearings), D (heavy trucks)."""
    assert part_category("8708.40", "passenger_vehicle") == ("core_part", "Table A.1")
    assert part_category("8482.10", "light_truck") == ("principal_part", "Table B")
    assert part_category("8708.40", "heavy_truck") == ("heavy_truck_part_d", "Table D")


def _part(day: str, vnm: float, **auto: Any) -> dict[str, Any]:
    return {
        "good": {"description": "ball bearing", "hs": "8482.10"},
        "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60, "net_cost": 50}}]},
        "transaction_value": 120,
        "materials": [{"id": "steel", "hs": "7228.30", "value": vnm, "originating": False}],
        "other_costs": {"product_costs": 100 - vnm},
        "automotive": {"as_of": day, **auto},
    }


def test_principal_part_threshold_moves_with_date() -> None:
    """SOR/2020-155 s.14(15): an RVC of 66% NC meets 62.5% (July 2020) but not 70% (July 2023); TV 72.5/80."""
    early = determine_origin(_part("2020-08-01", 34, kind="part", vehicle="passenger_vehicle"))
    late = determine_origin(_part("2023-08-01", 34, kind="part", vehicle="passenger_vehicle"))
    # TV (120 - 34) / 120 = 71.7% < 72.5%, so the net cost method decides: 66% >= 62.5%.
    assert early.originating and early.rvc is not None and early.rvc.method == "net_cost"
    assert early.rvc.threshold == Fraction(125, 2)
    assert any("71.7%" in s for s in early.explanation)
    assert late.rvc is not None and not late.originating
    assert "rvc" in late.failed_requirements


def test_aftermarket_part_keeps_schedule_1_threshold() -> None:
    """SOR/2020-155 s.14(18): the Part 6 thresholds do not apply to aftermarket parts."""
    result = determine_origin(_part("2023-08-01", 45, kind="principal_part", original_equipment=False))
    assert result.originating and result.rvc is not None and result.rvc.threshold in (50, 60)


def test_core_part_only_through_rvc() -> None:
    """SOR/2020-155 s.14(2): a Table A.1 part used as original equipment originates only by meeting the RVC."""
    case = _part("2023-08-01", 30, kind="core_part")
    case["good"]["hs"] = "8708.40"
    case["rule"] = {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]}
    result = determine_origin(case)  # the tariff-shift-only alternative is not available (s.14(2))
    assert not result.originating  # NC (100 - 30) / 100 = 70% < 75%; TV (120 - 30) / 120 = 75% < 85%
    assert result.rvc is not None and result.rvc.threshold in (75, 85)
    case["materials"][0]["value"] = 20
    case["other_costs"]["product_costs"] = 80
    met = determine_origin(case)  # NC 80% >= 75%
    assert met.originating and met.rvc is not None and met.rvc.method == "net_cost" and met.rvc.threshold == 75


def test_original_equipment_heavy_truck_part_must_meet_the_rvc() -> None:
    """SOR/2020-155 s.15(2) and the note to Table D; CBP HQ H313365 (2021): a starter motor of 8511.40 for use as
    original equipment in a heavy truck needs an RVC of 60% NC (70% TV only where the rule offers TV) even where
    its rule also offers a tariff-shift-only alternative; as an aftermarket part the tariff shift suffices.
    Here a heading-change rule with no RVC, and NC = (100 - 65) / 100 = 35% < 60%."""
    case = _part("2021-09-30", 65, kind="heavy_truck_part_d", original_equipment=True)
    case["good"]["hs"] = "8511.40"
    case["rule"] = {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]}
    case["materials"][0]["hs"] = "8503.00"  # a change of heading: the tariff shift alone is met
    oe = determine_origin(case)
    assert not oe.originating and oe.rvc is not None
    assert (oe.rvc.method, oe.rvc.threshold) == ("net_cost", 60)  # no TV method in the rule
    assert oe.rvc.value == 35
    case["automotive"]["original_equipment"] = False
    aftermarket = determine_origin(case)
    assert aftermarket.originating and aftermarket.criterion == "B" and aftermarket.rvc is None


def test_aftermarket_heavy_truck_part_keeps_the_schedule_1_rule() -> None:
    """Note to Tables D and E: for an aftermarket part the rule of Schedule 1 applies, not s.15(2)'s 64/74 (from
    July 2024). TV (120 - 40) / 120 = 66.7% >= 60%; as original equipment 66.7% < 74% and NC 60% < 64%."""
    result = determine_origin(_part("2025-01-15", 40, kind="heavy_truck_part_d", original_equipment=False))
    assert result.originating and result.rvc is not None and result.rvc.threshold == 60
    oe = determine_origin(_part("2025-01-15", 40, kind="heavy_truck_part_d", original_equipment=True))
    assert not oe.originating and oe.rvc is not None and oe.rvc.threshold in (64, 74)


def test_criterion_d_does_not_undercut_an_automotive_rule() -> None:
    """SOR/2020-155 s.7(6) and s.13: a part of 8708.80 whose rule has no transaction value method cannot originate
    through criterion D's 60% TV. Material 'rods' shares the good's subheading (s.3(4)(a)); TV (60 - 17) / 60 =
    71.7% but NC (33.5 - 17) / 33.5 = 49.3% < 50%."""
    case = {
        "good": {"description": "sway bar link kit", "hs": "8708.80.65.90"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]},
        "transaction_value": 60,
        "materials": [
            {"id": "rods", "hs": "8708.80.99", "value": 14, "originating": False},
            {"id": "hw", "hs": "7318.15", "value": 3, "originating": False},
            {"id": "bracket", "hs": "8302.30", "value": 15.5, "originating": True},
        ],
        "other_costs": {"product_costs": 1},
    }
    result = determine_origin(case)
    assert not result.originating
    assert any(s.startswith("Criterion D: RVC by the net cost") and "49.3%" in s for s in result.explanation)
    assert not any(s.startswith("Criterion D: RVC by the transaction value") for s in result.explanation)
    case["good"]["hs"] = case["materials"][0]["hs"] = "8482.10"  # not an automotive good: criterion D at 60% TV
    assert determine_origin(case).criterion == "D"


VEHICLE_MATERIALS = [
    {"id": "body", "hs": "8707.10", "value": 8000, "originating": True},
    {"id": "electronics", "hs": "8537.10", "value": 4000, "originating": False},
]


def _vehicle(day: str, **extra: Any) -> dict[str, Any]:
    auto = {
        "as_of": day,
        "kind": "passenger_vehicle",
        "core_parts": [
            {"id": "engine", "net_cost": 4000, "vnm": 800},
            {"id": "transmission", "net_cost": 2000, "vnm": 900, "vnm_column2": 400},
        ],
        "steel_aluminum": {
            "steel_originating": 700,
            "steel_total": 900,
            "aluminum_originating": 150,
            "aluminum_total": 300,
        },
        "lvc": {
            "method": "net_cost",
            "high_wage_labour_costs": 2000,
            "high_wage_materials": 3000,
            "technology_wages": 12,
            "production_wages": 100,
            "high_wage_assembly_plant": True,
        },
    }
    auto.update(extra)
    return {
        "good": {"description": "passenger car", "hs": "8703.23"},
        "materials": VEHICLE_MATERIALS,
        "other_costs": {"product_costs": 8000},
        "automotive": auto,
    }


def test_passenger_vehicle_all_requirements_met() -> None:
    """SOR/2020-155 s.13 (75% NC from July 2023), s.14(4), s.17(1), s.18(1)(d), s.18(6)(a)."""
    result = determine_origin(_vehicle("2024-01-15"))
    # RVC = (20,000 - 4,000) / 20,000 = 80% >= 75%; core parts: engine 80%, transmission (2000-400)/2000 = 80% >= 75%;
    # steel and aluminum 850/1200 = 70.8% >= 70%; LVC = 5,000/20,000 = 25 points + 10 (capped) + 5 = 40%.
    assert result.originating and result.criterion == "B", result.explanation
    assert result.rvc is not None and result.rvc.threshold == 75 and result.rvc.value == 80
    assert result.rule_verified is True


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        (
            {
                "steel_aluminum": {
                    "steel_originating": 600,
                    "steel_total": 900,
                    "aluminum_originating": 150,
                    "aluminum_total": 300,
                }
            },
            "steel_aluminum",
        ),
        ({"core_parts": [{"id": "engine", "net_cost": 4000, "vnm": 1200}]}, "core_parts"),
        (
            {
                "lvc": {
                    "method": "net_cost",
                    "high_wage_labour_costs": 1000,
                    "high_wage_materials": 3000,
                    "high_wage_assembly_plant": True,
                }
            },
            "lvc",
        ),
    ],
)
def test_passenger_vehicle_names_the_failed_requirement(change: dict[str, Any], failed: str) -> None:
    """SOR/2020-155 s.17(1) (600+150)/1200 = 62.5% < 70%; s.14(4) engine 70% < 75%; s.18(1)(d) 20 points < 25."""
    result = determine_origin(_vehicle("2024-01-15", **change))
    assert not result.originating
    assert failed in result.failed_requirements


def test_passenger_vehicle_threshold_in_2021() -> None:
    """SOR/2020-155 s.13: 69% from 1 July 2021; LVC 33% with 18 points (s.18(1)(b))."""
    case = _vehicle("2021-08-01")
    case["materials"] = [
        {"id": "body", "hs": "8707.10", "value": 5800, "originating": True},
        {"id": "electronics", "hs": "8537.10", "value": 6200, "originating": False},
    ]
    result = determine_origin(case)  # RVC (20,000 - 6,200) / 20,000 = 69% exactly: "not less than" is met
    assert result.originating and result.rvc is not None and result.rvc.value == 69 and result.rvc.threshold == 69


def test_heavy_truck_lvc_apv_method() -> None:
    """SOR/2020-155 s.18(2), s.18(6)(b): LVC = (APV + HWLC) / (TAPV + HWLC) x 100 + credits >= 45, >= 30 points."""
    case = {
        "good": {"description": "tractor", "hs": "8701.20"},
        "materials": [
            {"id": "cab", "hs": "8707.90", "value": 30000, "originating": True},
            {"id": "electronics", "hs": "8537.10", "value": 20000, "originating": False},
        ],
        "other_costs": {"product_costs": 50000},
        "automotive": {
            "as_of": "2025-01-01",
            "kind": "heavy_truck",
            "steel_aluminum": {"steel_originating": 80, "steel_total": 100},
            "lvc": {
                "method": "annual_purchase_value",
                "annual_purchase_value": 30,
                "total_annual_purchase_value": 100,
                "high_wage_labour_costs": 0,
                "technology_wages": 5,
                "production_wages": 100,
                "high_wage_assembly_plant": True,
            },
        },
    }
    result = determine_origin(case)  # RVC 80% >= 64% (s.13, 2024-2027); LVC 30 + 5 + 5 = 40% < 45%
    assert not result.originating and result.failed_requirements == ("lvc",)
    case["automotive"]["lvc"]["annual_purchase_value"] = 35  # 35 + 5 + 5 = 45%
    assert determine_origin(case).originating


def test_missing_vehicle_data_becomes_an_attestation() -> None:
    """SOR/2020-155 s.14(4), s.17(1), s.18(1): requirements without data are reported for the producer to attest."""
    result = determine_origin(_vehicle("2024-01-15", lvc=None, steel_aluminum=None, core_parts=None))
    assert result.originating
    assert len(result.attestations) == 3 and any("s.18" in a for a in result.attestations)
    assert any("Not assessed" in s for s in result.explanation)
