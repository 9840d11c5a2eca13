"""HS codes in rules: written with dots or spaces they mean the same as digits; malformed ones are refused.

The tariff-shift phrases tested (SOR/2020-155 s.3(2), Schedule 1 and the brief's s.2): "except from X"
(a material classified in X fails anyway), "from X, whether or not there is also a change from any
other heading" (materials in X pass), "outside that group" (a range replaces the good's own code).
SOR s.1(3): a Chapter is 2 digits, a heading 4, a subheading 6 and a tariff item 8.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from allyshore.errors import ValidationError
from allyshore.origin import determine_origin
from allyshore.origin.case import TariffShift
from allyshore.origin.rules import read_rules_file


def _case(shift: dict[str, Any], material_hs: str = "8536.50.90", good_hs: str = "9018.90") -> dict[str, Any]:
    """A good worth 100 with one non-originating material worth 40 (40% > the 10% de minimis of s.5(1))."""
    return {
        "good": {"hs": good_hs},
        "rule": {"alternatives": [{"tariff_shift": shift, "rvc": None}]},
        "transaction_value": 100,
        "materials": [{"id": "switch", "hs": material_hs, "value": 40}],
    }


@pytest.mark.parametrize("written", ["85.36", "8536", "8536.50", "8536 50", "8536 50 90", "8536.50.90", " 85.36 "])
def test_an_exception_written_with_dots_or_spaces_bites(written: str) -> None:
    """'from any other heading, except from heading 85.36': a switch of 8536.50.90 in an instrument of 9018.90
    changes heading (85.36 -> 90.18) but is excepted, so the good is not originating (SOR s.3(2))."""
    plain = determine_origin(_case({"level": "heading"}))
    assert plain.originating  # control: without the exception the switch changes heading
    result = determine_origin(_case({"level": "heading", "except_from": [written]}))
    assert not result.originating
    assert result.tariff_shift is not None and result.tariff_shift.failing_materials == ("switch",)
    assert any("except from" in s and "switch" in s for s in result.explanation)


def test_also_from_written_with_dots_passes_the_material() -> None:
    """'a change to subheading 8536.90 from any other heading, or from 8536.50 whether or not ...': a material of
    8536.50 shares the heading of the good but is listed, so it passes (SOR s.3(2))."""
    failing = determine_origin(_case({"level": "heading"}, good_hs="8536.90"))
    assert not failing.originating
    passing = determine_origin(_case({"level": "heading", "also_from": ["8536.50"]}, good_hs="8536.90"))
    assert passing.originating


@pytest.mark.parametrize(("material", "originating"), [("8536.50.90", False), ("8538.90.60", True)])
def test_group_written_with_dots(material: str, originating: bool) -> None:
    """'... from any heading outside that group' with the group 85.35-85.37: a material of 85.36 is inside
    the group and fails, one of 85.38 is outside and passes."""
    result = determine_origin(_case({"level": "heading", "group": "85.35 - 85.37"}, material, good_hs="8537.10"))
    assert result.originating is originating


def test_tariff_shift_values_are_normalised() -> None:
    shift = TariffShift("heading", except_from=("84.82", "8482.10 through 8482.80"), also_from=("8708.99",))
    assert shift.except_from == ("8482", "848210-848280")
    assert shift.also_from == ("870899",)
    with pytest.raises(ValueError, match="only digits"):
        TariffShift("heading", except_from=("84.8x",))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("except_from", "85.3x", "only digits, dots and spaces"),
        ("except_from", "853", "has 3 digits"),
        ("also_from", "", "empty"),
        ("also_from", "8536.509", "has 7 digits"),
        ("except_from", "8482.10-8482.80.10", "different numbers of digits"),
        ("except_from", "8482.80-8482.10", "ends before it starts"),
    ],
)
def test_a_malformed_code_in_a_case_rule_is_located(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        determine_origin(_case({"level": "heading", field: ["85.38", value]}))
    problem = info.value.problems[0]
    assert problem.column == f"rule.alternatives[0].tariff_shift.{field}[1]"
    assert message in problem.message and (not value or repr(value) in problem.message)
    assert problem.hint is not None and "8536.50" in problem.hint


def test_a_malformed_group_in_a_case_rule_is_located() -> None:
    with pytest.raises(ValidationError) as info:
        determine_origin(_case({"level": "heading", "group": "HS85"}))
    assert info.value.problems[0].column == "rule.alternatives[0].tariff_shift.group"


def _rules_file(shift: dict[str, Any], hs: str = "8536.50") -> str:
    return json.dumps(
        {
            "chapter": hs[:2],
            "hs_edition": "HS 2017",
            "rules": [
                {
                    "hs": f"{hs[:2]}.01",
                    "text": "t",
                    "source": "s",
                    "alternatives": [{"tariff_shift": None, "rvc": None}],
                },
                {"hs": hs, "text": "t", "source": "s", "alternatives": [{"tariff_shift": shift, "rvc": None}]},
            ],
        }
    )


def test_the_library_loader_normalises_dotted_codes() -> None:
    entries, problems = read_rules_file(
        "ch85.json", _rules_file({"level": "heading", "except_from": ["85.38", "8482.10-8482.80"], "group": "85.36"})
    )
    assert not problems
    shift = entries[1].rule.alternatives[0].tariff_shift
    assert shift is not None
    assert shift.except_from == ("8538", "848210-848280") and shift.group == "8536"


@pytest.mark.parametrize(
    ("shift", "hs", "column", "value"),
    [
        ({"level": "heading", "except_from": ["85.38", "85.3B"]}, "8536.50", "rules[1].alternatives[0].tariff_shift.except_from[1]", "85.3B"),
        ({"level": "heading", "also_from": ["8538.9"]}, "8536.50", "rules[1].alternatives[0].tariff_shift.also_from[0]", "8538.9"),
        ({"level": "heading"}, "8536.5", "rules[1].hs", "8536.5"),
    ],
)  # fmt: skip
def test_a_malformed_code_in_a_rules_file_is_located(shift: dict[str, Any], hs: str, column: str, value: str) -> None:
    entries, problems = read_rules_file("ch85.json", _rules_file(shift, hs))
    assert not entries and len(problems) == 1
    problem = problems[0]
    assert problem.source == "ch85.json" and problem.column == column
    assert problem.message.startswith("rule 1 (hs ") and repr(value) in problem.message
    assert problem.hint is not None


def test_national_placeholders_are_allowed_only_as_rule_keys() -> None:
    """SOR s.13 writes national tariff items as 8708.99.aa; they key a library rule but are not codes to compare."""
    entries, problems = read_rules_file("ch87.json", _rules_file({"level": "subheading"}, "8708.99.aa"))
    assert not problems and entries[1].low == "870899aa"
    _, problems = read_rules_file("ch85.json", _rules_file({"level": "heading", "except_from": ["8482.99.aa"]}))
    assert problems and "only digits" in problems[0].message


def test_a_material_code_too_short_to_tell_fails_a_tariff_item_exception() -> None:
    """A material given only as heading 85.38 may be one of the excepted items 8538.90.10/.30/.60 of the rule
    for 8536.30 (HTSUS General Note 11): the shift cannot be shown, so it fails; 8538.10 is clearly outside."""
    from allyshore.origin.case import TariffShift
    from allyshore.origin.tariff_shift import passes

    shift = TariffShift(level="subheading", except_from=("85389010", "85389030", "85389060"))
    assert not passes("8538", "853630", shift)
    assert not passes("853890", "853630", shift)
    assert passes("853810", "853630", shift) and passes("85389020", "853630", shift)
    assert not passes("85389030", "853630", shift)
