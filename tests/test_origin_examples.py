"""Golden tests: the worked examples of the CUSMA Rules of Origin Regulations (SOR/2020-155).

Each test cites its example. Where an example gives figures, the test checks them to the
example's rounding (one decimal for RVC); where it only describes facts, the test builds the
smallest case with those facts and checks the conclusion the example draws.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from allyshore.origin import determine_origin
from allyshore.origin.results import OriginResult, fmt

NC_ONLY_50 = {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]}
TV60_NC50 = {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60, "net_cost": 50}}]}
# Schedule 1 rules for the apparel headings of the examples, CTC part: from any other chapter except
# from the yarn and fabric headings (USMCA Annex 4-B, Chapter 62 rules, as summarised in the examples).
APPAREL_EXCEPT = ["5106-5113", "5204-5212", "5307-5308", "5310-5311", "54", "5508-5516", "5801-5802", "6001-6006"]
APPAREL_RULE = {
    "alternatives": [
        {
            "tariff_shift": {"level": "chapter", "except_from": APPAREL_EXCEPT},
            "rvc": None,
            "other_requirements": [
                "cut and sewn or otherwise assembled in the territory of one or more CUSMA countries"
            ],
        }
    ]
}


def decide(case: dict[str, Any]) -> OriginResult:
    return determine_origin(case)


def rvc_text(result: OriginResult) -> str:
    assert result.rvc is not None
    return fmt(result.rvc.value)


# --------------------------------------------------------------------------- s.3(9)


def test_s3_9_example_1_overcoat_component_silk_yarn_shifts() -> None:
    """SOR/2020-155 s.3(9) Example 1: only the component (woven body fabric) is tested; silk yarn of 50.04 shifts."""
    result = decide(
        {
            "good": {"description": "women's wool overcoat", "hs": "6202.11"},
            "rule": APPAREL_RULE,
            "materials": [
                {
                    "id": "body-fabric",
                    "hs": "5112.11",
                    "self_produced": True,
                    "materials": [
                        {"id": "wool-yarn", "hs": "5106.10", "value": 30, "originating": True},
                        {"id": "silk-yarn", "hs": "5004.00", "value": 10, "originating": False},
                    ],
                    "other_costs": {"product_costs": 5},
                },
                {"id": "sleeve-fabric", "hs": "6006.21", "value": 8, "originating": False, "in_component": False},
            ],
        }
    )
    assert result.originating and result.criterion == "B"
    assert result.tariff_shift is not None and result.tariff_shift.failing_materials == ()
    assert result.attestations, "cut and sewn is reported as an attestation"


def test_s3_9_example_2_tshirt_polyester_filament_fails() -> None:
    """SOR/2020-155 s.3(9) Example 2: non-originating filaments of 54.02 fail and exceed the weight de minimis."""
    result = decide(
        {
            "good": {"description": "t-shirt", "hs": "6109.10"},
            "rule": APPAREL_RULE,
            "textile": {"component_weight": 100},
            "materials": [
                {"id": "cotton-yarn", "hs": "5205.12", "value": 6, "originating": True, "weight": 60},
                {"id": "poly-filament", "hs": "5402.47", "value": 4, "originating": False, "weight": 40},
            ],
        }
    )
    assert not result.originating
    assert result.tariff_shift is not None and result.tariff_shift.failing_materials == ("poly-filament",)
    assert result.tariff_shift.de_minimis_share == Fraction(2, 5)


def test_s3_9_example_3_only_non_originating_materials_are_tested() -> None:
    """SOR/2020-155 s.3(9) Example 3: originating cotton and polyester yarns are not tested (General
    Interpretative Note (d)); the non-originating rayon filament of 54.03 is allowed (Section XI Note 2)."""
    result = decide(
        {
            "good": {"description": "woven cotton fabric", "hs": "5211.42"},
            "rule": {
                "alternatives": [
                    {
                        "tariff_shift": {
                            "level": "heading",
                            "group": "5208-5212",
                            "except_from": ["5106-5110", "5205-5206", "5401-5404", "5509-5510"],
                            "also_from": ["5403"],
                        },
                        "rvc": None,
                    }
                ]
            },
            "materials": [
                {"id": "cotton-yarn", "hs": "5205.23", "value": 5, "originating": True},
                {"id": "poly-yarn", "hs": "5509.53", "value": 3, "originating": True},
                {"id": "rayon-filament", "hs": "5403.31", "value": 1, "originating": False},
            ],
        }
    )
    assert result.originating and result.criterion == "B"


def test_s3_9_example_4_suit_pocket_bag_not_formed_in_region() -> None:
    """SOR/2020-155 s.3(9) Example 4: lining disregarded (not the component), but the pocket bag fabric is not
    formed and finished in the region (Chapter 62 Note 5), so the suits are non-originating."""
    case: dict[str, Any] = {
        "good": {"description": "men's suit", "hs": "6203.12"},
        "rule": APPAREL_RULE,
        "materials": [
            {"id": "outer-fabric", "hs": "5514.41", "value": 20, "originating": True},
            {"id": "lining", "hs": "5407.61", "value": 5, "originating": False, "in_component": False},
            {"id": "pocket-bag", "hs": "5513.21", "value": 1, "originating": False, "textile_note": "pocket_bag"},
        ],
    }
    result = decide(case)
    assert not result.originating
    assert "textile_notes" in result.failed_requirements
    case["materials"][2]["originating"] = True  # a pocket bag formed and finished in the region
    assert decide(case).originating


def test_s3_9_example_5_schedule_2_storage_units() -> None:
    """SOR/2020-155 s.3(9) Example 5: storage units of 8471.70 in Schedule 2 imported from a CUSMA country
    are originating without any production (criterion E). The wholesaler's good is the imported non-originating
    unit itself, which does not meet the Schedule 1 rule for 8471.70 (the library's 'A change to subheading 8471.70
    from any other subheading, except from subheading 8471.49')."""
    case: dict[str, Any] = {
        "good": {"description": "storage unit", "hs": "8471.70"},
        "transaction_value": 100,
        "materials": [{"id": "imported-unit", "hs": "8471.70", "value": 100}],
    }
    result = decide({**case, "imported_from": "CA"})
    assert result.originating and result.criterion == "E"
    assert not decide(case).originating


def test_s3_9_example_6_self_produced_material_considered_the_material() -> None:
    """SOR/2020-155 s.3(8)-(9) Example 6: Material Y shares Good A's heading, but the producer may test the
    self-produced Material Z (another heading) instead."""
    result = decide(
        {
            "good": {"description": "Good A", "hs": "8414.30"},
            "rule": {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]},
            "materials": [
                {
                    "id": "Z",
                    "hs": "8501.40",
                    "self_produced": True,
                    # Z's own rule is not met (it needs 100% RVC), so Z is a non-originating self-produced material.
                    "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 100}}]},
                    "materials": [
                        {"id": "X", "hs": "7326.90", "value": 3, "originating": True},
                        {"id": "Y", "hs": "8414.90", "value": 4, "originating": False},
                    ],
                    "other_costs": {"product_costs": 2},
                }
            ],
            "other_costs": {"product_costs": 5},
        }
    )
    assert result.originating and result.criterion == "B"
    assert result.tariff_shift is not None and result.tariff_shift.failing_materials == ()


# --------------------------------------------------------------------------- s.4(4)


def test_s4_4_example_1_remanufactured_water_pump() -> None:
    """SOR/2020-155 s.4(4) Example 1: recovered materials originate; Table B part from July 2023 needs 70% NC;
    RVC = (1,000 − 280) ÷ 1,000 × 100 = 72%."""
    result = decide(
        {
            "good": {"description": "remanufactured water pump", "hs": "8413.30"},
            "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60, "net_cost": 50}}]},
            "automotive": {"as_of": "2023-07-01", "kind": "principal_part"},
            "total_cost": 1000,
            "materials": [
                {"id": "recovered", "hs": "8413.91", "value": 600, "recovered": True},
                {"id": "other-orig", "hs": "7318.15", "value": 20, "originating": True},
                {"id": "non-orig", "hs": "8413.91", "value": 280, "originating": False},
            ],
        }
    )
    assert result.originating and result.criterion == "B"
    assert result.rvc is not None and result.rvc.method == "net_cost"
    assert result.rvc.value == 72 and result.rvc.threshold == 70
    assert any("s.14(15)" in s for s in result.explanation)


def test_s4_4_example_2_remanufactured_bulldozer() -> None:
    """SOR/2020-155 s.4(4) Example 2: recovered engines of 84.07 are originating; the 8413.91 materials
    satisfy the change from any other subheading."""
    result = decide(
        {
            "good": {"description": "remanufactured bulldozer", "hs": "8429.11"},
            "rule": {"alternatives": [{"tariff_shift": {"level": "subheading"}, "rvc": None}]},
            "materials": [
                {"id": "engine", "hs": "8407.90", "value": 5000, "recovered": True},
                {"id": "pump-parts", "hs": "8413.91", "value": 300, "originating": False},
            ],
        }
    )
    assert result.originating and result.criterion == "B"


# --------------------------------------------------------------------------- s.5(15)


def test_s5_15_example_1_aluminium_powder_scrap_de_minimis() -> None:
    """SOR/2020-155 s.5(15) Example 1: non-originating scrap of 76.02 within 10% of TV lets the powder originate."""
    case: dict[str, Any] = {
        "good": {"description": "aluminium powder", "hs": "7603.10"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "chapter"}, "rvc": None}]},
        "transaction_value": 100,
        "materials": [
            {"id": "ingot", "hs": "7601.10", "value": 60, "originating": True},
            {"id": "scrap", "hs": "7602.00", "value": 10, "originating": False},
        ],
        "other_costs": {"product_costs": 20},
    }
    result = decide(case)
    assert result.originating
    assert result.tariff_shift is not None and result.tariff_shift.de_minimis_applied
    assert result.tariff_shift.failing_materials == ("scrap",)
    case["materials"][1]["value"] = 11  # 11% of TV and 12.1% of total cost: over the limit
    assert not decide(case).originating


def test_s5_15_example_2_fan_first_alternative_by_de_minimis() -> None:
    """SOR/2020-155 s.5(15) Example 2: a small non-originating part of 8414.90 fails 'any other heading' but is
    within 10%, so the fan meets the first alternative and need not meet the second (s.5(2))."""
    result = decide(
        {
            "good": {"description": "fan", "hs": "8414.59"},
            "rule": {
                "alternatives": [
                    {"tariff_shift": {"level": "heading"}, "rvc": None},
                    {"tariff_shift": {"level": "subheading"}, "rvc": {"transaction_value": 60, "net_cost": 50}},
                ]
            },
            "transaction_value": 50,
            "materials": [
                {"id": "motor", "hs": "8501.10", "value": 20, "originating": False},
                {"id": "blade", "hs": "8414.90", "value": 4, "originating": False},
            ],
            "other_costs": {"product_costs": 10},
        }
    )
    assert result.originating and result.criterion == "B" and result.alternative == 0
    assert result.tariff_shift is not None and result.tariff_shift.de_minimis_applied
    assert result.rvc is None


def test_s5_15_example_3_copper_anode_de_minimis_material_counts_in_rvc() -> None:
    """SOR/2020-155 s.5(15) Example 3: copper of 74.04 within 10% passes the CTC by de minimis but still counts
    in VNM for the RVC of the same rule (s.5(1)(b))."""
    case: dict[str, Any] = {
        "good": {"description": "copper anode", "hs": "7402.00"},
        "rule": {
            "alternatives": [
                {"tariff_shift": {"level": "heading", "except_from": ["7404"]}, "rvc": {"transaction_value": 60}}
            ]
        },
        "transaction_value": 100,
        "materials": [
            {"id": "copper-scrap", "hs": "7404.00", "value": 5, "originating": False},
            {"id": "concentrate", "hs": "2603.00", "value": 30, "originating": False},
            {"id": "mx-matte", "hs": "7401.00", "value": 20, "originating": True},
        ],
        "other_costs": {"product_costs": 25},
    }
    result = decide(case)
    assert result.originating
    assert result.rvc is not None and result.rvc.vnm == 35 and rvc_text(result) == "65.0"
    case["materials"][1]["value"] = 36  # VNM 41: RVC 59% < 60% although the CTC is met by de minimis
    failing = decide(case)
    assert not failing.originating and failing.failed_requirements == ("rvc",)


def test_s5_15_example_4_shoes_rvc_waived() -> None:
    """SOR/2020-155 s.5(15) Example 4: non-originating materials (Chapter 39) within 10% of TV: the RVC
    requirement need not be met (s.5(4))."""
    result = decide(
        {
            "good": {"description": "shoes", "hs": "6405.90"},
            "rule": {
                "alternatives": [
                    {
                        "tariff_shift": {"level": "heading", "except_from": ["6401-6405", "640610"]},
                        "rvc": {"transaction_value": 55, "net_cost": 45},
                    }
                ]
            },
            "transaction_value": 40,
            "materials": [
                {"id": "leather", "hs": "4107.12", "value": 12, "originating": True},
                {"id": "plastic-sole", "hs": "3926.90", "value": 3, "originating": False},
            ],
            "other_costs": {"product_costs": 20},
        }
    )
    assert result.originating and result.rvc is None
    assert any("s.5(4)" in s for s in result.explanation)


def test_s5_15_example_5_barbers_chairs_parts_same_subheading() -> None:
    """SOR/2020-155 s.5(15) Example 5: parts of 9402.10 cannot shift to 9402.10; s.3(4)(a) (criterion D) with the
    RVC waived under s.5(4) when they are within 10%; the same materials are also within the s.5(1) limit."""
    case: dict[str, Any] = {
        "good": {"description": "barbers' chair", "hs": "9402.10"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "subheading"}, "rvc": None}]},
        "transaction_value": 200,
        "materials": [
            {"id": "frame", "hs": "7308.90", "value": 80, "originating": True},
            {"id": "chair-parts", "hs": "9402.10", "value": 15, "originating": False},
        ],
        "other_costs": {"product_costs": 60},
    }
    result = decide(case)
    assert result.originating
    # Above 10% the parts fail the shift; criterion D then needs RVC >= 60% TV: (200 - 40) / 200 = 80%.
    case["materials"][1]["value"] = 40
    d = decide(case)
    assert d.originating and d.criterion == "D"
    assert d.rvc is not None and d.rvc.threshold == 60 and rvc_text(d) == "80.0"


def test_s5_15_example_6_diaper_elastomeric_by_weight() -> None:
    """SOR/2020-155 s.5(15) Example 6: non-originating elastomeric fabric is 6% of the diaper's weight (s.5(6))."""
    case: dict[str, Any] = {
        "good": {"description": "infant diaper", "hs": "9619.00"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "chapter", "except_from": ["50-63"]}, "rvc": None}]},
        "textile": {"good_weight": 100},
        "materials": [
            {"id": "nylon", "hs": "5407.42", "value": 5, "originating": True, "weight": 60},
            {"id": "terry", "hs": "6001.10", "value": 3, "originating": True, "weight": 34},
            {"id": "elastic", "hs": "6004.10", "value": 2, "originating": False, "weight": 6, "elastomeric": True},
        ],
    }
    result = decide(case)
    assert result.originating and result.tariff_shift is not None and result.tariff_shift.de_minimis_applied
    case["materials"][2]["weight"] = 8  # elastomeric 8% of the good's weight: over 7%
    assert not decide(case).originating


def test_s5_15_example_7_cotton_fabric_yarn_by_weight() -> None:
    """SOR/2020-155 s.5(15) Example 7: a small weight of non-originating cotton yarn (excluded by the rule)
    within 10% of the fabric's weight (s.5(6))."""
    result = decide(
        {
            "good": {"description": "cotton fabric", "hs": "5209.11"},
            "rule": {
                "alternatives": [
                    {
                        "tariff_shift": {"level": "heading", "group": "5208-5212", "except_from": ["5205-5206"]},
                        "rvc": None,
                    }
                ]
            },
            "textile": {"good_weight": 100},
            "materials": [
                {"id": "own-yarn", "hs": "5205.11", "value": 9, "originating": True, "weight": 95},
                {"id": "bought-yarn", "hs": "5205.11", "value": 1, "originating": False, "weight": 5},
            ],
        }
    )
    assert result.originating
    assert result.tariff_shift is not None and result.tariff_shift.de_minimis_share == Fraction(1, 20)


def test_s5_15_example_8_dress_combed_wool_yarn_in_component() -> None:
    """SOR/2020-155 s.5(15) Example 8: non-originating combed wool yarn within 10% of the weight of the component
    (the fine wool fabric) that determines classification (s.5(7)-(8))."""
    case: dict[str, Any] = {
        "good": {"description": "women's dress", "hs": "6204.41"},
        "rule": APPAREL_RULE,
        "textile": {"component_weight": 100},
        "materials": [
            {
                "id": "wool-fabric",
                "hs": "5112.11",
                "self_produced": True,
                "weight": 100,
                "materials": [
                    {"id": "own-yarn", "hs": "5107.10", "value": 18, "originating": True, "weight": 92},
                    {"id": "combed-yarn", "hs": "5107.10", "value": 2, "originating": False, "weight": 8},
                ],
                "other_costs": {"product_costs": 10},
            },
            {"id": "thread", "hs": "5204.11", "value": 0.2, "originating": True, "textile_note": "sewing_thread"},
        ],
    }
    result = decide(case)
    assert result.originating
    assert result.tariff_shift is not None and result.tariff_shift.failing_materials == ("combed-yarn",)
    case["materials"][0]["materials"][1]["weight"] = 11
    case["textile"]["component_weight"] = 103
    assert not decide(case).originating  # 11 / 103 = 10.7%


def test_s5_15_example_9_sweater_sleeves_disregarded() -> None:
    """SOR/2020-155 s.5(15) Example 9: the rule for 6110.30 is cut (or knit to shape) and sewn; the
    non-CUSMA woven sleeves are not the component and are disregarded; spandex is 5% of the body."""
    literal = decide(
        {
            "good": {"description": "women's knit sweater", "hs": "6110.30"},
            "rule": {"alternatives": [{"tariff_shift": None, "rvc": None, "other_requirements": ["cut and sewn"]}]},
            "materials": [
                {"id": "polyester", "hs": "5402.33", "value": 9, "originating": True, "weight": 95},
                {"id": "spandex", "hs": "5402.44", "value": 1, "originating": False, "weight": 5, "elastomeric": True},
                {"id": "sleeves", "hs": "5407.61", "value": 4, "originating": False, "in_component": False},
            ],
        }
    )
    assert literal.originating
    # With a change-of-chapter rule excluding Chapter 54, the spandex fails but is 5% <= 10% (elastomeric <= 7%).
    with_ctc = decide(
        {
            "good": {"description": "women's knit sweater", "hs": "6110.30"},
            "rule": APPAREL_RULE,
            "textile": {"component_weight": 100, "good_weight": 140},
            "materials": [
                {"id": "polyester", "hs": "5402.33", "value": 9, "originating": True, "weight": 95},
                {"id": "spandex", "hs": "5402.44", "value": 1, "originating": False, "weight": 5, "elastomeric": True},
                {"id": "sleeves", "hs": "5407.61", "value": 4, "originating": False, "in_component": False},
            ],
        }
    )
    assert with_ctc.originating and with_ctc.tariff_shift is not None
    assert with_ctc.tariff_shift.failing_materials == ("spandex",)


def test_s5_15_example_10_shirt_body_fabric_limits() -> None:
    """SOR/2020-155 s.5(15) Example 10: de minimis on the body fabric: non-originating fibres and yarns <= 10%
    and elastomeric <= 7% of that fabric's weight."""
    case: dict[str, Any] = {
        "good": {"description": "men's knit shirt", "hs": "6105.10"},
        "rule": APPAREL_RULE,
        "textile": {"component_weight": 200},
        "materials": [
            {"id": "cotton", "hs": "5205.12", "value": 9, "originating": True, "weight": 180},
            {"id": "nylon", "hs": "5402.45", "value": 1, "originating": False, "weight": 6},
            {"id": "elastane", "hs": "5402.44", "value": 1, "originating": False, "weight": 14, "elastomeric": True},
            {"id": "sleeve-fabric", "hs": "6006.22", "value": 3, "originating": False, "in_component": False},
        ],
    }
    assert decide(case).originating  # 20/200 = 10%, elastomeric 14/200 = 7%: both "not more than"
    case["materials"][2]["weight"] = 15
    assert not decide(case).originating


def test_s5_15_example_11_blouse_lyocell_and_elastomeric() -> None:
    """SOR/2020-155 s.5(15) Example 11: 3% lyocell and 7% elastomeric yarn (Chapter 54, excluded) are together
    10% of the component's weight, elastomeric 7%: originating under s.5(7)."""
    result = decide(
        {
            "good": {"description": "women's blouse", "hs": "6206.40"},
            "rule": APPAREL_RULE,
            "textile": {"component_weight": 100},
            "materials": [
                {"id": "polyester", "hs": "5402.33", "value": 9, "originating": True, "weight": 90},
                {"id": "lyocell", "hs": "5403.49", "value": 1, "originating": False, "weight": 3},
                {
                    "id": "elastomeric",
                    "hs": "5402.44",
                    "value": 1,
                    "originating": False,
                    "weight": 7,
                    "elastomeric": True,
                },
            ],
        }
    )
    assert result.originating
    assert result.tariff_shift is not None and set(result.tariff_shift.failing_materials) == {"lyocell", "elastomeric"}
    assert result.tariff_shift.de_minimis_share == Fraction(1, 10)


def test_s5_15_example_12_swimwear_narrow_elastic() -> None:
    """SOR/2020-155 s.5(15) Example 12: non-originating narrow elastic of 60.02 fails Chapter 62 Note 3 and
    s.5(7) does not apply to it (s.5(10))."""
    result = decide(
        {
            "good": {"description": "boys' swimwear", "hs": "6211.11"},
            "rule": APPAREL_RULE,
            "textile": {"component_weight": 100},
            "materials": [
                {"id": "fabric", "hs": "5407.52", "value": 5, "originating": True, "weight": 98},
                {
                    "id": "elastic",
                    "hs": "6002.40",
                    "value": 0.1,
                    "originating": False,
                    "weight": 2,
                    "textile_note": "narrow_elastic",
                },
            ],
        }
    )
    assert not result.originating
    assert any("s.5(10)" in s for s in result.explanation)


# --------------------------------------------------------------------------- s.6(5)


def _set_case(hs: str, components: list[tuple[str, float, bool]]) -> dict[str, Any]:
    return {
        "good": {"description": "set", "hs": hs},
        "set": {"components": [{"id": i, "value": v, "originating": o} for i, v, o in components]},
    }


def test_s6_5_example_1_paint_set() -> None:
    """SOR/2020-155 s.6(5) Example 1: non-originating brushes are 4% of the set's value."""
    assert decide(
        _set_case("3210.00", [("paint", 60, True), ("paper", 20, True), ("box", 16, True), ("brushes", 4, False)])
    ).originating


def test_s6_5_example_2_manicure_set_not_gri3() -> None:
    """SOR/2020-155 s.6(5) Example 2: a manicure set of 8214.20 is classified by its heading, not GRI 3; the
    rule 'from any other Chapter' is met: the Chapter 82 tools are originating, the file (6805.20) and case
    (4202.12) are non-originating but of other chapters."""
    result = decide(
        {
            "good": {"description": "manicure set", "hs": "8214.20"},
            "rule": {"alternatives": [{"tariff_shift": {"level": "chapter"}, "rvc": None}]},
            "materials": [
                {"id": "nipper", "hs": "8214.20", "value": 3, "originating": True},
                {"id": "scissors", "hs": "8213.00", "value": 2, "originating": True},
                {"id": "clipper", "hs": "8214.20", "value": 1, "originating": True},
                {"id": "file", "hs": "6805.20", "value": 0.5, "originating": False},
                {"id": "case", "hs": "4202.12", "value": 1.5, "originating": False},
            ],
        }
    )
    assert result.originating and result.criterion == "B"


def test_s6_5_example_3_pants_set() -> None:
    """SOR/2020-155 s.6(5) Example 3: the non-originating belt is 8% of the set's value."""
    assert decide(_set_case("6203.42", [("trousers", 92, True), ("belt", 8, False)])).originating


def test_s6_5_example_4_shirt_and_tie_set() -> None:
    """SOR/2020-155 s.6(5) Example 4: the non-originating tie is about 13% of the set's value."""
    result = decide(_set_case("6205.20", [("shirt", 87, True), ("tie", 13, False)]))
    assert not result.originating and result.failed_requirements == ("set",)


def test_s6_5_example_5_chef_set() -> None:
    """SOR/2020-155 s.6(5) Example 5: the non-originating chef hat is 9.7% of the set's value."""
    assert decide(_set_case("6211.43", [("apron", 60, True), ("gloves", 30.3, True), ("hat", 9.7, False)])).originating


# --------------------------------------------------------------------------- s.7(22)


def test_s7_22_examples_1_to_3_transaction_value_to_point_of_direct_shipment() -> None:
    """SOR/2020-155 s.7(22) Examples 1-3: TV is adjusted to exclude the costs of shipping the good onward from
    the point of direct shipment (the warehouse); the case gives them as international_shipping."""
    result = decide(
        {
            "good": {"description": "office chair", "hs": "9401.31"},
            "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60}}]},
            "transaction_value": 110,
            "international_shipping": 10,
            "materials": [{"id": "mech", "hs": "9401.99", "value": 40, "originating": False}],
        }
    )
    assert result.rvc is not None and result.rvc.base == 100 and result.rvc.value == 60


def test_s7_22_example_4_net_cost_method() -> None:
    """SOR/2020-155 s.7(22) Example 4: NC = 100 − 12 = 88; RVC = (88 − 40) ÷ 88 × 100 = 54.5%."""
    result = decide(
        {
            "good": {"description": "Good A", "hs": "8479.89"},
            "rule": NC_ONLY_50,
            "materials": [
                {"id": "orig", "hs": "7326.90", "value": 30, "originating": True},
                {"id": "non-orig", "hs": "8479.90", "value": 40, "originating": False},
            ],
            "other_costs": {"product_costs": 20, "period_costs": 10, "other": 0},
            "excluded_costs": {
                "sales_promotion": 5,
                "royalties": 2.5,
                "shipping_packing": 3,
                "non_allowable_interest": 1.5,
            },
        }
    )
    assert result.originating and result.rvc is not None
    assert result.rvc.base == 88 and result.rvc.vnm == 40 and rvc_text(result) == "54.5"
    assert result.to_dict()["rvc"]["net_cost"] == 88


def test_s7_22_example_5_net_cost_11a() -> None:
    """SOR/2020-155 s.7(22) Example 5: total cost 9,000 less 1,200 excluded costs = net cost 7,800."""
    result = decide(
        {
            "good": {"description": "Goods A and B", "hs": "8479.89"},
            "rule": NC_ONLY_50,
            "materials": [
                {"id": "orig", "hs": "7326.90", "value": 2000, "originating": True},
                {"id": "non-orig", "hs": "8479.90", "value": 1000, "originating": False},
            ],
            "other_costs": {"product_costs": 2400, "period_costs": 3200, "other": 400},
            "excluded_costs": 1200,
        }
    )
    assert result.rvc is not None and result.rvc.base == 7800


@pytest.mark.parametrize(
    ("good", "total", "excluded", "net_cost"),
    [("A", 5220, {"sales_promotion": 290, "royalties": 116, "shipping_packing": 290}, 4524),
     ("B", 3780, {"sales_promotion": 210, "royalties": 84, "shipping_packing": 210}, 3276)],
)  # fmt: skip
def test_s7_22_example_6_net_cost_11b(good: str, total: int, excluded: dict[str, int], net_cost: int) -> None:
    """SOR/2020-155 s.7(22) Example 6: allocated total cost less allocated excluded costs (4,524 and 3,276)."""
    result = decide(
        {
            "good": {"description": f"Good {good}", "hs": "8479.89"},
            "rule": NC_ONLY_50,
            "total_cost": total,
            "excluded_costs": excluded,
            "materials": [{"id": "m", "hs": "8479.90", "value": 1000, "originating": False}],
        }
    )
    assert result.rvc is not None and result.rvc.base == net_cost


def test_s7_22_example_7_net_cost_11c() -> None:
    """SOR/2020-155 s.7(22) Example 7: each cost allocated to Good C (in thousands): 0 + 800 + 300 + 3,036 − 300."""
    result = decide(
        {
            "good": {"description": "Good C", "hs": "8479.89"},
            "rule": NC_ONLY_50,
            "materials": [{"id": "non-orig", "hs": "8479.90", "value": 800, "originating": False}],
            "other_costs": {"product_costs": 300, "period_costs": 3036},
            "excluded_costs": 300,
        }
    )
    assert result.rvc is not None and result.rvc.base == 3836
    good_d = decide(
        {
            "good": {"description": "Good D", "hs": "8479.89"},
            "rule": NC_ONLY_50,
            "materials": [
                {"id": "orig", "hs": "7326.90", "value": 100, "originating": True},
                {"id": "non-orig", "hs": "8479.90", "value": 100, "originating": False},
            ],
            "other_costs": {"product_costs": 200, "period_costs": 2643},
            "excluded_costs": 120,
        }
    )
    # Good D's VNM (100) is within 10% of its total cost (3,043), so s.5(4) waives the RVC.
    assert good_d.originating and good_d.rvc is None and any("s.5(4)" in s for s in good_d.explanation)


def test_s7_22_example_8_moulds_not_counted_twice() -> None:
    """SOR/2020-155 s.7(22) Example 8: moulds supplied free to the material's producer are in the material's
    value (Schedule 6 s.4(1)(b)(ii)) and not a separate cost of Good A: the case lists them once."""
    result = decide(
        {
            "good": {"description": "Good A", "hs": "8479.89"},
            "rule": NC_ONLY_50,
            "materials": [
                {"id": "X", "hs": "3926.90", "value": 30, "description": "price 25 + moulds 5", "originating": False}
            ],
            "other_costs": {"product_costs": 70},
        }
    )
    assert result.rvc is not None and result.rvc.base == 100 and result.rvc.vnm == 30


@pytest.mark.parametrize(("fx", "total_cost"), [(-1000, 44000), (1000, 46000)])
def test_s7_22_examples_9_and_10_foreign_exchange(fx: int, total_cost: int) -> None:
    """SOR/2020-155 s.7(22) Examples 9 and 10: the net gain (loss) on foreign exchange related to the good is
    deducted from (added to) the total cost of 45,000 and is not in the value of non-originating materials."""
    result = decide(
        {
            "good": {"description": "Good A", "hs": "8479.89"},
            "rule": NC_ONLY_50,
            "materials": [{"id": "non-orig", "hs": "8479.90", "value": 20000, "originating": False}],
            "other_costs": {"product_costs": 25000, "other": fx},
        }
    )
    assert result.rvc is not None and result.rvc.base == total_cost and result.rvc.vnm == 20000


# --------------------------------------------------------------------------- s.8(28)

CHAINRING_RULE = {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]}


def test_s8_28_example_1_value_paid_to_the_middleman() -> None:
    """SOR/2020-155 s.8(28) Example 1: the chainring is valued under Schedule 6 at the price Producer A paid the
    middleman (here 12), not the middleman's price from the manufacturer (9); the case carries that value."""
    result = decide(
        {
            "good": {"description": "bicycle", "hs": "8712.00"},
            "rule": NC_ONLY_50,
            "materials": [
                {
                    "id": "chainring",
                    "hs": "8714.96",
                    "value": 12,
                    "originating": False,
                    "description": "Schedule 6 value",
                }
            ],
            "other_costs": {"product_costs": 28},
        }
    )
    assert result.rvc is not None and result.rvc.vnm == 12 and result.rvc.value == 70


def test_s8_28_example_2_value_of_intermediate_material() -> None:
    """SOR/2020-155 s.8(28) Example 2: the designated, originating chainring counts at its total cost of $10.60
    as originating; the bicycle's total cost is $28.20 and its VNM only $5.50."""
    result = decide(
        {
            "good": {"description": "bicycle", "hs": "8712.00"},
            "rule": NC_ONLY_50,
            "materials": [
                {
                    "id": "chainring",
                    "hs": "8714.96",
                    "self_produced": True,
                    "designated_intermediate": True,
                    "rule": CHAINRING_RULE,
                    "materials": [
                        {"id": "cr-orig", "hs": "7326.90", "value": 1.0, "originating": True},
                        {"id": "cr-steel", "hs": "7208.51", "value": 7.5, "originating": False},
                    ],
                    "other_costs": {"product_costs": 1.5, "period_costs": 0.5, "other": 0.1},
                },
                {"id": "other-orig", "hs": "8714.99", "value": 3.0, "originating": True},
                {"id": "non-orig", "hs": "8714.91", "value": 5.5, "originating": False},
            ],
            "other_costs": {"product_costs": 6.5, "period_costs": 2.5, "other": 0.1},
        }
    )
    assert result.originating and result.rvc is not None
    assert result.rvc.base == Fraction("28.20") and result.rvc.vnm == Fraction("5.50")


def _bicycle(frame: dict[str, Any]) -> dict[str, Any]:
    return {
        "good": {"description": "bicycle", "hs": "8712.00"},
        "rule": NC_ONLY_50,
        "materials": [frame, {"id": "non-orig", "hs": "8714.91", "value": 5.5, "originating": False}],
        "other_costs": {"product_costs": 6.5, "period_costs": 0.5, "other": 0.1},
        "excluded_costs": 0.2,
    }


def _frame(designated: bool) -> dict[str, Any]:
    return {
        "id": "frame",
        "hs": "8714.91",
        "self_produced": True,
        "designated_intermediate": designated,
        "rule": {"alternatives": [{"tariff_shift": {"level": "chapter"}, "rvc": None}]},
        "materials": [
            {"id": "f-orig", "hs": "7306.30", "value": 1.0, "originating": True},
            {"id": "f-non-orig", "hs": "7304.31", "value": 7.5, "originating": False},
        ],
        "other_costs": {"product_costs": 1.5, "period_costs": 0.5, "other": 0.1},
        "excluded_costs": 0.2,
    }


def test_s8_28_example_3_situation_a_purchased_frame() -> None:
    """SOR/2020-155 s.8(28) Example 3 Situation A: RVC = (23.40 − 5.50) ÷ 23.40 × 100 = 76.5%."""
    result = decide(_bicycle({"id": "frame", "hs": "8714.91", "value": 11.0, "originating": True}))
    assert result.originating and result.rvc is not None
    assert result.rvc.base == Fraction("23.40") and rvc_text(result) == "76.5"


def test_s8_28_example_3_situation_b_frame_not_designated() -> None:
    """SOR/2020-155 s.8(28) Example 3 Situation B: NC 22.80, VNM 13.00, RVC 42.9%: not originating.

    (22.80 − 13.00) ÷ 22.80 × 100 = 42.98...%: the example truncates to 42.9; we report 43.0 (half-up)."""
    result = decide(_bicycle(_frame(designated=False)))
    assert not result.originating and result.rvc is not None
    assert result.rvc.base == Fraction("22.80") and result.rvc.vnm == 13
    assert result.rvc.value == Fraction("9.80") / Fraction("22.80") * 100
    assert fmt(result.rvc.value, 2) == "42.98"


def test_s8_28_example_3_situation_c_frame_designated() -> None:
    """SOR/2020-155 s.8(28) Example 3 Situation C: NC 23.00, VNM 5.50, RVC 76.1%."""
    result = decide(_bicycle(_frame(designated=True)))
    assert result.originating and result.rvc is not None
    assert result.rvc.base == 23 and result.rvc.vnm == Fraction("5.5") and rvc_text(result) == "76.1"


def test_s8_28_example_4_designation_by_a_buyer_not_accumulating() -> None:
    """SOR/2020-155 s.8(28) Example 4: Producer B, not accumulating Producer A's production, may designate the
    switch assemblies although A designated subassemblies inside the switches (s.8(7)(c))."""
    rvc_rule = {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]}
    result = decide(
        {
            "good": {"description": "Good B", "hs": "8537.10"},
            "rule": rvc_rule,
            "materials": [
                {
                    "id": "switch-assembly",
                    "hs": "8538.90",
                    "self_produced": True,
                    "designated_intermediate": True,
                    "rule": rvc_rule,
                    "materials": [
                        {"id": "switches", "hs": "8536.50", "value": 10, "originating": True},
                        {"id": "wire", "hs": "8544.42", "value": 4, "originating": False},
                    ],
                    "other_costs": {"product_costs": 6},
                },
                {"id": "housing", "hs": "8538.90", "value": 15, "originating": False},
            ],
            "other_costs": {"product_costs": 20},
        }
    )
    # Designated and originating: the assembly (20) counts as originating; VNM is the housing only.
    assert result.rvc is not None and result.rvc.vnm == 15 and result.rvc.base == 55


def _nested(x_designated: bool, y_designated: bool) -> dict[str, Any]:
    rvc_rule = {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]}
    return {
        "good": {"description": "Good B", "hs": "8537.10"},
        "rule": rvc_rule,
        "materials": [
            {
                "id": "Y",
                "hs": "8538.90",
                "self_produced": True,
                "designated_intermediate": y_designated,
                "rule": rvc_rule,
                "materials": [
                    {
                        "id": "X",
                        "hs": "8536.90",
                        "self_produced": True,
                        "designated_intermediate": x_designated,
                        "rule": rvc_rule,
                        "materials": [
                            {"id": "x-non", "hs": "8536.90", "value": 3, "originating": False},
                            {"id": "x-orig", "hs": "7326.90", "value": 5, "originating": True},
                        ],
                        "other_costs": {"product_costs": 4},
                    },
                    {"id": "y-non", "hs": "8544.42", "value": 6, "originating": False},
                ],
                "other_costs": {"product_costs": 8},
            },
            {"id": "b-non", "hs": "8538.90", "value": 10, "originating": False},
        ],
        "other_costs": {"product_costs": 20},
    }


def test_s8_28_example_5_successive_designations_refused() -> None:
    """SOR/2020-155 s.8(28) Example 5: X (subject to RVC) is designated, so Y, which incorporates X and is also
    subject to RVC, cannot be designated (s.8(6) proviso); Y counts as undesignated (s.7(5)(a))."""
    both = decide(_nested(True, True))
    only_x = decide(_nested(True, False))
    assert both.rvc is not None and only_x.rvc is not None
    # Y undesignated: VNM = y-non 6 + b-non 10 (X designated and originating); Y designated would give VNM 10.
    assert both.rvc.vnm == only_x.rvc.vnm == 16
    assert any("s.8(6)" in s for s in both.explanation)


def test_s8_28_example_6_parallel_designations_allowed() -> None:
    """SOR/2020-155 s.8(28) Example 6: A, B and C are not used in one another, so all may be designated."""
    rvc_rule = {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]}

    def material(name: str) -> dict[str, Any]:
        return {
            "id": name,
            "hs": "8538.90",
            "self_produced": True,
            "designated_intermediate": True,
            "rule": rvc_rule,
            "materials": [{"id": f"{name}-non", "hs": "8544.42", "value": 2, "originating": False}],
            "other_costs": {"product_costs": 8},
        }

    result = decide(
        {
            "good": {"description": "Good O", "hs": "8537.10"},
            "rule": rvc_rule,
            "materials": [material("A"), material("B"), material("C")],
            "other_costs": {"product_costs": 10},
        }
    )
    assert result.originating and result.criterion == "C"


def test_s8_28_example_7_accessories_disregarded_for_the_shift() -> None:
    """SOR/2020-155 s.8(28) Example 7 (s.8(23)-(25)): a car jack delivered with the good is disregarded for the
    change in tariff classification but counts in the RVC."""
    case: dict[str, Any] = {
        "good": {"description": "vehicle part", "hs": "8708.99"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": {"net_cost": 50}}]},
        "materials": [
            {"id": "part", "hs": "7326.90", "value": 20, "originating": False},
            {"id": "jack", "hs": "8425.49", "value": 20, "originating": False, "accessory": True},
        ],
        "other_costs": {"product_costs": 60},
    }
    result = decide(case)
    assert result.tariff_shift is not None and result.tariff_shift.passed
    assert result.rvc is not None and result.rvc.vnm == 40


def test_s8_28_example_8_indirect_material_moulds() -> None:
    """SOR/2020-155 s.8(28) Example 8: moulds are an indirect material, originating, valued at nil on Producer B's
    books (s.8(13)); the sensor's value on Producer A's side includes them (one listing, no double count)."""
    sensor = decide(
        {
            "good": {"description": "water flow sensor", "hs": "9026.10"},
            "rule": NC_ONLY_50,
            "materials": [
                {"id": "resin", "hs": "3907.40", "value": 4, "originating": False},
                {"id": "moulds", "value": 0, "indirect": True},
            ],
            "other_costs": {"product_costs": 3},
        }
    )
    assert sensor.rvc is not None and sensor.rvc.base == 7 and sensor.rvc.vnm == 4


# --------------------------------------------------------------------------- s.9(8)

RING_COSTS = {"product_costs": 0.75, "period_costs": 0.15, "other": 0.05}


def _bearings(ring: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "good": {"description": "bearings", "hs": "8482.10"},
        "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60, "net_cost": 50}}]},
        "materials": [{"id": "orig", "hs": "7228.30", "value": 0.45, "originating": True}, ring],
        "other_costs": RING_COSTS,
        "excluded_costs": 0.05,
        **extra,
    }


RING = {"id": "rings", "hs": "8482.99", "value": 1.50, "originating": False}


def test_s9_8_example_1_situation_a_no_accumulation() -> None:
    """SOR/2020-155 s.9(8) Example 1 Situation A: RVC = (2.85 − 1.50) ÷ 2.85 × 100 = 47.4%."""
    result = decide(_bearings(RING))
    assert not result.originating and result.rvc is not None
    assert result.rvc.base == Fraction("2.85") and rvc_text(result) == "47.4"


def test_s9_8_example_1_situation_b_statement_net_cost_and_vnm() -> None:
    """SOR/2020-155 s.9(8) Example 1 Situation B (s.9(2)(a)): NC 2.75, VNM 0.75, RVC 72.7%."""
    result = decide(_bearings({**RING, "supplier_statement": {"net_cost": 1.40, "vnm": 0.75}}))
    assert result.originating and result.rvc is not None and result.rvc.method == "net_cost"
    assert result.rvc.base == Fraction("2.75") and result.rvc.vnm == Fraction("0.75") and rvc_text(result) == "72.7"


def test_s9_8_example_1_situation_c_statement_amount() -> None:
    """SOR/2020-155 s.9(8) Example 1 Situation C (s.9(2)(b)): amount 0.65; VNM 0.85, RVC 70.2%."""
    result = decide(_bearings({**RING, "supplier_statement": {"non_vnm_value": 0.65}}))
    assert result.originating and result.rvc is not None
    assert result.rvc.base == Fraction("2.85") and result.rvc.vnm == Fraction("0.85") and rvc_text(result) == "70.2"


def test_s9_8_example_1_situation_d_statement_other_product_costs() -> None:
    """SOR/2020-155 s.9(8) Example 1 Situation D (s.9(2)(b)): amount 0.35; VNM 1.15, RVC 59.6%."""
    result = decide(_bearings({**RING, "supplier_statement": {"non_vnm_value": 0.35}}))
    assert result.originating and result.rvc is not None
    assert result.rvc.vnm == Fraction("1.15") and rvc_text(result) == "59.6"


def test_s9_8_example_1_situation_e_transaction_value() -> None:
    """SOR/2020-155 s.9(8) Example 1 Situation E (s.9(3)): TV 3.15 − 0.15 shipping = 3.00; VNM 0.75; 75%."""
    result = decide(
        _bearings({**RING, "supplier_statement": {"vnm": 0.75}}, transaction_value=3.15, international_shipping=0.15)
    )
    assert result.originating and result.rvc is not None and result.rvc.method == "transaction_value"
    assert result.rvc.base == 3 and result.rvc.vnm == Fraction("0.75") and rvc_text(result) == "75.0"


def test_s9_8_example_2_accumulation_for_tariff_shift() -> None:
    """SOR/2020-155 s.9(8) Example 2: with Producer A's statement (s.9(7)(a)(ii)) the fabric of 52.08 is tested
    against A's non-originating cotton of 52.03, which the rule does not exclude."""
    rule = {
        "alternatives": [
            {"tariff_shift": {"level": "heading", "group": "5208-5212", "except_from": ["5204-5207"]}, "rvc": None}
        ]
    }
    yarn: dict[str, Any] = {"id": "yarn", "hs": "5205.12", "value": 6, "originating": False}
    without = decide(
        {"good": {"description": "woven cotton fabric", "hs": "5208.12"}, "rule": rule, "materials": [yarn]}
    )
    assert not without.originating
    yarn["supplier_statement"] = {"non_originating_materials": [{"hs": "5203.00", "value": 3}]}
    with_statement = decide(
        {"good": {"description": "woven cotton fabric", "hs": "5208.12"}, "rule": rule, "materials": [yarn]}
    )
    assert with_statement.originating and with_statement.criterion == "B"


# --------------------------------------------------------------------------- Schedule 5


def test_schedule_5_appendix_b_excluded_costs_before_or_after_allocation() -> None:
    """SOR/2020-155 Schedule 5, Appendix B Examples 1 and 2, through the engine: overhead of 50 including 20 of
    excluded costs, allocated to Good A by its direct labour and material costs (5 + 10 of 25). The producer
    allocates (the case takes costs per unit); s.7(11)(a) subtracts the excluded costs first, 30 × 15/25 = 18,
    s.7(11)(b) allocates 50 × 15/25 = 30 and then subtracts 20 × 15/25 = 12: the net cost is the same."""
    ratio = Fraction(5 + 10, 25)
    materials = [{"id": "n", "hs": "8536.50", "value": 10, "originating": False}]
    good = {"description": "Good A", "hs": "9018.90"}
    first = decide({"good": good, "rule": NC_ONLY_50, "materials": materials, "other_costs": float((50 - 20) * ratio)})
    after = decide(
        {
            "good": good,
            "rule": NC_ONLY_50,
            "materials": materials,
            "other_costs": float(50 * ratio),
            "excluded_costs": float(20 * ratio),
        }
    )
    assert first.rvc is not None and after.rvc is not None
    assert first.rvc.base == after.rvc.base == 10 + 18  # NC = direct material 10 + allocated overhead 18
    assert first.rvc.value == after.rvc.value == Fraction(18, 28) * 100  # (28 − 10) ÷ 28 × 100, s.7(3)
