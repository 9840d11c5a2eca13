"""Engine provisions not covered by a worked example: averaging, de minimis exceptions, packaging,
the producer's option, deductions, unassembled goods, supplier statements under each method."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from allyshore.origin import determine_origin

NC50 = {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]}


def _base(**extra: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "good": {"description": "good", "hs": "8479.89"},
        "rule": NC50,
        "materials": [{"id": "n", "hs": "8479.90", "value": 40, "originating": False}],
        "other_costs": {"product_costs": 60},
    }
    case.update(extra)
    return case


def test_averaging_quarter_uses_the_period_of_the_month() -> None:
    """SOR/2020-155 s.7(15)(a)(ii): sums over the quarter (fiscal year from April) containing the month."""
    records = [
        {"month": "2025-04", "net_cost": 100, "vnm": 70},
        {"month": "2025-05", "net_cost": 100, "vnm": 30},
        {"month": "2025-06", "net_cost": 100, "vnm": 40},
        {"month": "2025-07", "net_cost": 100, "vnm": 90},
    ]
    avg = {"period": "quarter", "fiscal_year_start_month": 4, "records": records, "month": "2025-04"}
    q1 = determine_origin(_base(averaging=avg))
    assert q1.rvc is not None and q1.rvc.base == 300 and q1.rvc.vnm == 140  # (300 - 140) / 300 = 53.3%
    assert q1.originating
    q2 = determine_origin(_base(averaging={**avg, "month": "2025-07"}))
    assert q2.rvc is not None and q2.rvc.base == 100 and not q2.originating  # 10% < 50%
    month = determine_origin(_base(averaging={**avg, "period": "month", "month": "2025-04"}))
    assert month.rvc is not None and month.rvc.value == 30 and not month.originating


def test_de_minimis_excluded_for_same_subheading_in_chapters_1_to_27() -> None:
    """SOR/2020-155 s.5(3)(k): no de minimis for a material of the good's own subheading in Chapters 1-27."""
    case = {
        "good": {"description": "sauce", "hs": "2103.90"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "subheading"}, "rvc": None}]},
        "transaction_value": 100,
        "materials": [{"id": "base", "hs": "2103.90", "value": 2, "originating": False}],
    }
    result = determine_origin(case)
    assert any("s.5(3)(k)" in s for s in result.explanation)
    # The material shares the good's subheading, so s.3(4)(a) (criterion D) applies instead, and its
    # RVC is waived by s.5(4), to which the s.5(3) exceptions are not written.
    assert result.originating and result.criterion == "D"
    case["materials"][0]["hs"] = "2103.20"  # another subheading of the same heading: (k) allows de minimis
    case["rule"] = {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]}
    other = determine_origin(case)
    assert other.originating and other.tariff_shift is not None and other.tariff_shift.de_minimis_applied


def test_value_de_minimis_not_for_textiles() -> None:
    """SOR/2020-155 s.5(3)(l): Chapters 50-63 use the weight de minimis only."""
    case = {
        "good": {"description": "fabric", "hs": "5208.12"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "chapter"}, "rvc": None}]},
        "transaction_value": 100,
        "materials": [{"id": "yarn", "hs": "5205.12", "value": 1, "originating": False}],
    }
    result = determine_origin(case)
    assert not result.originating
    case["textile"] = {"good_weight": 100}
    case["materials"][0]["weight"] = 3
    assert determine_origin(case).originating


def test_packaging_disregarded_for_shift_counted_in_rvc() -> None:
    """SOR/2020-155 s.8(14)-(15): retail packaging is disregarded for the shift but counts in RVC."""
    case = {
        "good": {"description": "pump", "hs": "8413.70"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "subheading"}, "rvc": {"net_cost": 50}}]},
        "materials": [
            {"id": "box", "hs": "8413.70", "value": 10, "originating": False, "packaging": True},
            {"id": "motor", "hs": "8501.40", "value": 20, "originating": False},
        ],
        "other_costs": {"product_costs": 70},
    }
    result = determine_origin(case)
    assert result.originating and result.rvc is not None and result.rvc.vnm == 30


def test_producers_option_to_treat_as_non_originating() -> None:
    """SOR/2020-155 s.7(21): an originating material treated as non-originating counts in VNM."""
    case = _base()
    case["materials"].append(
        {"id": "o", "hs": "7326.90", "value": 20, "originating": True, "treat_as_non_originating": True}
    )
    result = determine_origin(case)
    assert result.rvc is not None and result.rvc.vnm == 60


def test_deductible_costs_reduce_vnm() -> None:
    """SOR/2020-155 s.8(2): freight and duties included in a non-originating material's value may be deducted."""
    case = _base()
    case["materials"][0]["adjustments"] = {"freight_insurance_packing": 3, "duties_taxes": 2}
    result = determine_origin(case)
    assert result.rvc is not None and result.rvc.vnm == 35 and result.rvc.base == 100


def test_unassembled_good_criterion_d() -> None:
    """SOR/2020-155 s.3(4)(b): a kit imported unassembled, classified as assembled (GRI 2(a)), needs 60% TV / 50% NC."""
    case = {
        "good": {"description": "bicycle kit", "hs": "8712.00"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "heading", "except_from": ["8714"]}, "rvc": None}]},
        "unassembled": True,
        "materials": [{"id": "kit", "hs": "8714.99", "value": 45, "originating": False}],
        "other_costs": {"product_costs": 55},
    }
    result = determine_origin(case)
    assert result.originating and result.criterion == "D"
    assert result.rvc is not None and result.rvc.value == 55 and result.rvc.threshold == 50


def test_apparel_is_never_criterion_d() -> None:
    """SOR/2020-155 s.3(4): except goods of Chapters 61-63."""
    case = {
        "good": {"description": "shirt", "hs": "6205.20"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "chapter"}, "rvc": None}]},
        "unassembled": True,
        "textile": {"component_weight": 10},
        "materials": [{"id": "fabric", "hs": "6205.90", "value": 5, "originating": False, "weight": 10}],
        "other_costs": {"product_costs": 50},
    }
    assert not determine_origin(case).originating


def test_statement_amount_does_not_apply_to_transaction_value() -> None:
    """SOR/2020-155 s.9(3): only a statement of the supplier's VNM serves the transaction value method."""
    case = _base(
        transaction_value=200, rule={"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 80}}]}
    )
    case["materials"][0]["supplier_statement"] = {"non_vnm_value": 30}
    result = determine_origin(case)
    assert result.rvc is not None and result.rvc.vnm == 40  # not 10
    case["materials"][0]["supplier_statement"] = {"vnm": 10}
    result = determine_origin(case)
    assert result.rvc is not None and result.rvc.vnm == 10 and result.rvc.value == 95


def test_rounding_never_turns_a_failure_into_a_pass() -> None:
    """Brief s.10: 49.96% rounds to 50.0% but fails a 50% requirement; the explanation says so."""
    case = _base()
    case["materials"][0]["value"] = float(Fraction(5004, 100))  # VNM 50.04 of NC 100.04
    case["other_costs"] = {"product_costs": 50}
    result = determine_origin(case)
    assert result.rvc is not None and not result.originating
    assert any("below the threshold" in s for s in result.explanation)


def test_schedule_2_tariff_item_and_party() -> None:
    """SOR/2020-155 Schedule 2: display units 8528.52.00 imported from Mexico. The library's heading 85.28 rule
    ((A) a change from any other heading; (B) no change with RVC 60/50) is failed first by a non-originating
    8528.52 unit worth 90 of 100 (RVC 10%), so criterion E is the one that holds."""
    case = {
        "good": {"hs": "8528.52.00"},
        "transaction_value": 100,
        "materials": [{"id": "unit", "hs": "8528.52", "value": 90}],
    }
    result = determine_origin({**case, "imported_from": "MX"})
    assert result.criterion == "E"
    assert not determine_origin({**case, "imported_from": "CN"}).originating


def test_transit_and_dilution() -> None:
    """SOR/2020-155 s.10(1)-(2) and s.11(a)."""
    base = {"good": {"hs": "2501.00"}, "wholly_obtained": True}
    assert determine_origin({**base, "transit": {"left_region": True}}).originating  # stayed under customs control
    lost = determine_origin({**base, "transit": {"left_region": True, "further_operations": True}})
    assert not lost.originating and lost.failed_requirements == ("transit",)
    assert not determine_origin({**base, "mere_dilution": True}).originating


def test_foreign_trade_zone_excludes_criterion_b() -> None:
    """19 U.S.C. 4531(c)(3): criterion B does not apply to a good made in a US foreign-trade zone."""
    case = _base(importing_country="US", foreign_trade_zone=True)
    assert not determine_origin(case).originating
    case["importing_country"] = "CA"
    assert determine_origin(case).originating


def test_elastomeric_basis_by_importing_country() -> None:
    """SOR/2020-155 s.5(7) (component) against 19 U.S.C. 4531(f)(4)(C)(ii) (the good)."""
    case: dict[str, Any] = {
        "good": {"description": "knit shirt", "hs": "6109.90"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "chapter", "except_from": ["54"]}, "rvc": None}]},
        "textile": {"component_weight": 100, "good_weight": 150},
        "materials": [
            {"id": "poly", "hs": "5402.33", "value": 9, "originating": True, "weight": 92},
            {"id": "spandex", "hs": "5402.44", "value": 1, "originating": False, "weight": 8, "elastomeric": True},
        ],
    }
    assert not determine_origin(case).originating  # 8% of the component > 7%
    case["importing_country"] = "US"
    assert determine_origin(case).originating  # 8 / 150 = 5.3% of the good


def test_textile_weights_given_in_aggregate() -> None:
    """SOR/2020-155 s.5(6): the case may give the failing weight directly instead of per material."""
    case = {
        "good": {"description": "cotton fabric", "hs": "5209.11"},
        "rule": {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]},
        "textile": {"weight": 100, "non_originating_weight": 10, "elastomeric_weight": 0},
        "materials": [{"id": "yarn", "hs": "5209.19", "value": 1, "originating": False}],
        "other_costs": 10,
    }
    assert determine_origin(case).originating
    case["textile"]["non_originating_weight"] = 10.5
    assert not determine_origin(case).originating


def test_lvc_points_given_directly() -> None:
    """SOR/2020-155 s.18(1)(d): 25 points + 10 technology (capped) + 5 assembly = 40%."""
    from allyshore.origin.automotive import _lvc
    from allyshore.origin.case import AutomotiveIn

    auto = AutomotiveIn.model_validate(
        {"date": "2024-01-01", "kind": "passenger_vehicle",
         "lvc": {"material_and_labour_points": 25, "technology_wages": 20, "production_wages": 100, "high_wage_assembly_plant": True}}
    )  # fmt: skip
    expl: list[str] = []
    assert _lvc(auto, None, expl)
    auto2 = auto.model_copy(
        update={"lvc": auto.lvc.model_copy(update={"material_and_labour_points": Fraction(249, 10)})}
    )  # type: ignore[union-attr]
    assert not _lvc(auto2, None, expl)
