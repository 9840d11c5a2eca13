"""Golden determinations under the General Note 11 rules added to the library, one or more per chapter.

Each case is worked by hand from the rule text quoted in its docstring (the text is also asserted, so a changed
rule fails here before the determination does). Materials are non-originating unless marked; values are in
dollars of a good whose transaction value is 100, so VNM and RVC are read off directly:
RVC (transaction value) = (100 - VNM) / 100 x 100 (SOR/2020-155 s.7(2)). A failing material worth more than 10 of
the 100 is above de minimis (s.5(1)).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from allyshore.origin import determine_origin, lookup_rule


def _case(hs: str, *materials: tuple[str, str, float], as_of: date | None = None) -> dict[str, Any]:
    case: dict[str, Any] = {
        "good": {"hs": hs},
        "transaction_value": 100,
        "materials": [{"id": mid, "hs": mhs, "value": value} for mid, mhs, value in materials],
    }
    if as_of is not None:
        case["as_of"] = as_of.isoformat()
    return case


def test_ch39_moulded_housing_from_chinese_resin() -> None:
    """Chapter 39, subdivision 2: 'A change to headings 3916 through 3926 from any other heading, including another
    heading within that group.' A 3926.90 housing moulded in Mexico from Chinese PC/ABS resin (3907.40): the resin
    changes heading (39.07 -> 39.26), so the housing originates (criterion B), under an unverified rule. Polyethylene
    film (39.20) is another heading within the group and passes too. A Chinese 3926.90 blank fails the change, but it
    shares the good's subheading, so criterion D (SOR s.3(4)(a): RVC >= 60% TV) is tried: worth 30, RVC 70%,
    originating by D; worth 45, RVC 55%, not originating."""
    rule = lookup_rule("3926.90")
    assert (
        rule.text
        == "A change to headings 3916 through 3926 from any other heading, including another heading within that group."
    )
    result = determine_origin(_case("3926.90", ("resin", "3907.40", 40), ("film", "3920.10", 10)))
    assert result.originating and result.criterion == "B" and result.alternative == 0
    assert result.rule_verified is False
    blank = determine_origin(_case("3926.90", ("blank", "3926.90", 30)))
    assert blank.originating and blank.criterion == "D"
    dear = determine_origin(_case("3926.90", ("blank", "3926.90", 45)))
    assert not dear.originating and dear.failed_requirements == ("tariff_shift",)


def test_ch39_polymer_content_condition_is_attested() -> None:
    """Chapter 39, subdivision 1: 'A change to headings 3901 through 3915 from any other heading, including another
    heading within that group, provided that the originating polymer content of headings 3901 through 3915 is not
    less than 50 percent by weight of the total polymer content.' A PVC compound (3904.22) from Chinese vinyl
    chloride monomer (2903.xx, chapter 29) changes heading; the weight condition cannot be checked from a bill of
    materials and comes back as an attestation. A compound from Chinese PVC resin (3904.10) stays in 39.04: no."""
    result = determine_origin(_case("3904.22", ("vcm", "2903.19", 45)))
    assert result.originating and result.criterion == "B"
    assert result.attestations == (
        "the originating polymer content of headings 3901 through 3915 is not less than 50 percent by weight of the "
        "total polymer content",
    )
    assert not determine_origin(_case("3904.22", ("pvc", "3904.10", 45))).originating


def test_ch40_nitrile_gloves_and_the_natural_rubber_rvc() -> None:
    """Chapter 40, subdivision 16: 'A change to headings 4013 through 4015 from any other heading, including another
    heading within that group.' Nitrile gloves (4015.19) dipped in Mexico from Chinese NBR latex (4002.51) change
    heading: originating. Subdivision 3 (B): 'A change to headings 4005 through 4006 from heading 4001, ... provided
    there is a regional value content of not less than: (1) 35 percent where the transaction value method is used;
    or (2) 25 percent ...': compounded rubber (4005.91) from Chinese natural rubber (4001.22) worth 60 has RVC 40% >=
    35% (alternative B); worth 70, RVC 30% < 35%: not originating ((A) excepts heading 4001)."""
    gloves = determine_origin(_case("4015.19", ("latex", "4002.51", 55)))
    assert gloves.originating and gloves.criterion == "B" and gloves.rule_verified is False
    compound = determine_origin(_case("4005.91", ("nr", "4001.22", 60)))
    assert compound.originating and compound.alternative == 1
    assert compound.rvc is not None and compound.rvc.value == 40
    assert not determine_origin(_case("4005.91", ("nr", "4001.22", 70))).originating


def test_ch73_screw_from_chinese_wire_rod() -> None:
    """Chapter 73: 'A change to heading 7318 from any other heading, except from heading 7317.' A 7318.15 screw
    headed and threaded in Mexico from Chinese wire rod (7213.91): the only exception is heading 73.17, so the rod
    passes and the screw originates. Made from Chinese 7317 blanks worth 30 it does not (the exception)."""
    rule = lookup_rule("7318.15")
    assert rule.text == "A change to heading 7318 from any other heading, except from heading 7317."
    result = determine_origin(_case("7318.15", ("rod", "7213.91", 30)))
    assert result.originating and result.criterion == "B" and result.rule_verified is False
    blanks = determine_origin(_case("7318.15", ("blanks", "7317.00", 30)))
    assert not blanks.originating and blanks.failed_requirements == ("tariff_shift",)


def test_ch73_stranded_wire_steel_rule_by_date() -> None:
    """Page 88 (verified): 'Beginning on January 1, 2023, and thereafter, ... subheading 7312.10: (a) ... except from
    headings 7208 through 7229 or 7301 through 7326; (b) ... from headings 7208 through 7229 or 7301 through 7326,
    provided that at least 70 percent by weight of the materials of headings 7208 through 7229 and 7301 through 7326
    is originating; or (c) No change ... (i) 75 percent ...'. Steel cable (7312.10) from Chinese wire (7217.10) worth
    40 in 2024: (a) fails (7217 is excepted); (b) passes with the weight attestation. In 2022 the earlier rule,
    '(a) A change to subheading 7312.10 from any other heading.' (secondary source, unverified), applies alone."""
    now = determine_origin(_case("7312.10", ("wire", "7217.10", 40), as_of=date(2024, 3, 1)))
    assert now.originating and now.alternative == 1 and now.rule_verified is True
    assert now.attestations and "70 percent by weight" in now.attestations[0]
    before = determine_origin(_case("7312.10", ("wire", "7217.10", 40), as_of=date(2022, 3, 1)))
    assert before.originating and before.alternative == 0 and before.rule_verified is False
    assert before.attestations == ()


def test_ch76_pole_clamp_and_wire() -> None:
    """Chapter 76: 'A change to headings 7615 through 7616 from any other heading, including another heading within
    that group.' A 7616.99 pole clamp machined in Mexico from Chinese 6061 bar (7604.29) originates. 'A change to
    heading 7605 from any other heading, except from headings 7604 or 7606.': aluminium wire (7605.21) drawn from the
    same Chinese bar worth 50 does not."""
    clamp = determine_origin(_case("7616.99", ("bar", "7604.29", 35)))
    assert clamp.originating and clamp.criterion == "B" and clamp.rule_verified is False
    wire = determine_origin(_case("7605.21", ("bar", "7604.29", 50)))
    assert not wire.originating and wire.failed_requirements == ("tariff_shift",)


def test_ch94_office_chair_from_chinese_seat_parts() -> None:
    """Chapter 94, subdivision 1: '(A) A change to subheadings 9401.10 through 9401.80 from any other chapter; or
    (B) A change to subheadings 9401.10 through 9401.80 from subheading 9401.90, whether or not there is also a
    change from any other chapter, provided there is a regional value content of not less than: (1) 60 percent where
    the transaction value method is used; ...' A swivel chair (9401.30) assembled in Mexico from a Chinese seat shell
    and base (9401.90) worth 30 and Chinese steel tube (7306.30) worth 10: (A) fails on the 9401.90 parts (same
    chapter); (B) lets them in, RVC (100 - 40) / 100 = 60% >= 60%: originating by (B). With parts worth 45, RVC 55%:
    not originating."""
    chair = determine_origin(_case("9401.30", ("shell", "9401.90", 30), ("tube", "7306.30", 10)))
    assert chair.originating and chair.alternative == 1
    assert chair.rvc is not None and chair.rvc.value == 60
    assert not determine_origin(_case("9401.30", ("shell", "9401.90", 45), ("tube", "7306.30", 10))).originating


def test_ch84_keyboard_from_parts() -> None:
    """Chapter 84, subdivision 203: 'A change to subheading 8471.60 from any other subheading, except from
    subheading 8471.49.' A keyboard (8471.60) from Chinese keyboard parts (8473.30) originates; one that merely
    re-labels a Chinese 8471.60 unit worth 80 does not (the unit shares the good's subheading, so criterion D is
    tried too, and RVC 20% < 60% fails it)."""
    assert determine_origin(_case("8471.60", ("parts", "8473.30", 50))).originating
    relabelled = determine_origin(_case("8471.60", ("unit", "8471.60", 80)))
    assert not relabelled.originating
    assert any(line.startswith("Criterion D: RVC") and "= 20.0%" in line for line in relabelled.explanation)


def test_ch85_transformer_rules_change_on_1_july_2025() -> None:
    """Chapter 85 (secondary source): 'Beginning on July 1, 2020 until July 1, 2025, ... subheadings 8504.21 through
    8504.34: (a) A change ... from any other heading; or (b) ...' and 'Beginning on July 1, 2025, and thereafter,
    ...: (a) A change to subheadings 8504.21 through 8504.34 from any other heading, except from headings 7225, 7226
    or 7326; or (b) No change in tariff classification ..., provided there is a regional value content of not less
    than: (i) 65 percent ...'. A transformer (8504.31) wound in Mexico on Chinese electrical steel (7226.11) worth 30
    with Chinese copper wire (7408.11) worth 10: in 2024 both change heading (a); from July 2025 the steel is
    excepted and RVC (100 - 40) / 100 = 60% < 65%: not originating; with steel worth 20, RVC 70%: originating by (b)."""
    materials = (("steel", "7226.11", 30.0), ("wire", "7408.11", 10.0))
    y2024 = determine_origin(_case("8504.31", *materials, as_of=date(2024, 1, 1)))
    assert y2024.originating and y2024.alternative == 0
    y2025 = determine_origin(_case("8504.31", *materials, as_of=date(2025, 8, 1)))
    assert not y2025.originating
    cheaper = determine_origin(
        _case("8504.31", ("steel", "7226.11", 20), ("wire", "7408.11", 10), as_of=date(2025, 8, 1))
    )
    assert cheaper.originating and cheaper.alternative == 1


def test_ch85_harness_from_copper_wire() -> None:
    """Chapter 85, subdivision 114: '(A) A change to subheadings 8544.11 through 8544.60 from any subheading outside
    that group, except from headings 7408, 7413, 7605 or 7614; or (B) ... from any other subheading within that group
    or headings 7408, 7413, 7605 or 7614, whether or not there is also a change from any other subheading, provided
    there is a regional value content of not less than: (1) 60 percent ...'. A harness (8544.42) from Chinese copper
    wire (7408.11) worth 30: (A) excepts 74.08; (B) admits it with RVC 70%: originating by (B)."""
    result = determine_origin(_case("8544.42", ("wire", "7408.11", 30)))
    assert result.originating and result.alternative == 1


def test_ch87_motorcycle_from_chinese_frame() -> None:
    """Chapter 87, subdivision 59 ('ch87_gn11.json', outside SOR s.13): '(A) A change to headings 8711 through 8713
    from any other heading, including another heading within that group, except from heading 8714; or (B) ... from
    heading 8714, ... provided there is a regional value content of not less than: (1) 60 percent ...'. A motorcycle
    (8711.60) on a Chinese frame (8714.10) worth 35: (A) fails, RVC 65% >= 60%: originating by (B); frame worth 45,
    RVC 55%: not originating."""
    assert determine_origin(_case("8711.60", ("frame", "8714.10", 35))).alternative == 1
    assert not determine_origin(_case("8711.60", ("frame", "8714.10", 45))).originating


def test_ch90_iv_set_valve_fails_the_heading_change() -> None:
    """Chapter 90, subdivision 40: 'A change to subheadings 9018.20 through 9018.50 from any other heading.' An IV
    administration set (9018.39) from Chinese PVC tubing (3917.32) and drip chamber (3926.90) originates; with a
    Chinese needle-free valve (9018.90) worth 15 it does not: heading 90.18 does not change and 15 > 10 (de minimis)."""
    assert determine_origin(_case("9018.39", ("tube", "3917.32", 30), ("drip", "3926.90", 10))).originating
    with_valve = determine_origin(_case("9018.39", ("tube", "3917.32", 30), ("valve", "9018.90", 15)))
    assert not with_valve.originating and with_valve.failed_requirements == ("tariff_shift",)
