"""Heading 87.08 (parts of motor vehicles): the rules of SOR/2020-155 s.13 for goods named inside a subheading.

s.13 gives separate rules, inside one subheading and end use, for mounted brake linings (8708.30(3)),
gear boxes (8708.40(3)), four kinds of axles (8708.50(2)-(3)), McPherson struts, suspension systems and
their parts (8708.80(2)-(3)), radiators (8708.91), silencers and exhaust pipes (8708.92), steering wheels,
columns or boxes and their parts (8708.94(2), (5)), body stampings (8708.29(1)) and chassis (8708.99(1)-(2)).
The expected alternatives below are read from the quoted text of s.13 (../shared/reference/SOR-2020-155.txt).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from itertools import pairwise
from typing import Any

import pytest

from allyshore.errors import ValidationError
from allyshore.origin import determine_origin, lookup_rule
from allyshore.origin.case import Rule
from allyshore.origin.rules import find_rules, load_library, select_rule

HT = "original equipment, heavy truck"
AFTER = "other vehicles and aftermarket"
PV = "original equipment, passenger vehicle or light truck"


def _also(rule: Rule) -> list[set[str]]:
    return [set(a.tariff_shift.also_from) for a in rule.alternatives if a.tariff_shift is not None]


@pytest.mark.parametrize(
    ("hs", "end_use", "asked", "good"),
    [
        ("8708.30", AFTER, "mounted brake linings", "mounted brake linings"),
        ("8708.40", AFTER, "gear boxes", "gear boxes"),
        ("8708.40", AFTER, "gearbox", "gear boxes"),
        ("8708.50", HT, "non-driving axles", "non-driving axles and parts thereof, for vehicles of heading 87.03"),
        ("8708.50", AFTER, "other drive-axles", "other drive-axles with differential, whether or not provided with other transmission components"),
        ("8708.80", HT, "McPherson strut", "McPherson struts"),
        ("8708.80", AFTER, "shock absorbers", "suspension systems (including shock absorbers)"),
        ("8708.80", AFTER, "parts of suspension systems", "parts of suspension systems (including shock absorbers)"),
        ("8708.91", PV, "radiators", "radiators"),
        ("8708.92", HT, "mufflers", "silencers (mufflers) or exhaust pipes"),
        ("8708.94", HT, "steering columns", "steering wheels, steering columns or steering boxes"),
        ("8708.94", AFTER, "parts of steering boxes", "parts of steering wheels, steering columns or steering boxes"),
        ("8708.29", PV, "body stamping", "body stamping"),
        ("8708.99", HT, "chassis", "chassis"),
    ],
)  # fmt: skip
def test_the_rule_of_a_named_good_is_selectable(hs: str, end_use: str, asked: str, good: str) -> None:
    choice = select_rule(hs, date(2025, 1, 1), end_use, asked)
    assert choice.rule is not None and choice.good == good and choice.end_use == end_use
    assert choice.rule.scope == f"{end_use}; {good}"
    assert good.lower() in choice.rule.text.lower()  # the entry keeps the legal text naming the good
    assert select_rule(hs, date(2025, 1, 1), f"{end_use}; {asked}").good == good  # "END USE; GOOD" in one string


@pytest.mark.parametrize(
    ("hs", "end_use", "good", "also"),
    [
        # 8708.30(3)(b): "from parts of mounted brake linings, brakes or servo-brakes of subheading 8708.30 or 8708.99"
        ("8708.30", AFTER, "mounted brake linings", {"870830", "870899"}),
        # 8708.30(3)(d): "from mounted brake linings or parts of brakes or servo-brakes of subheading 8708.30, or 8708.99"
        ("8708.30", AFTER, None, {"870830", "870899"}),
        # 8708.40(3)(b): "from any other good of subheading 8708.40 or 8708.99"
        ("8708.40", AFTER, "gear boxes", {"870840", "870899"}),
        # 8708.80(2)(c), (3)(c): "from parts thereof of subheading 8708.80 or 8708.99"
        ("8708.80", HT, "suspension systems", {"870880", "870899"}),
        ("8708.80", AFTER, "suspension systems", {"870880", "870899"}),
        # 8708.94(2)(b), (5)(b): "from parts thereof of subheading 8708.94 or 8708.99"
        ("8708.94", HT, "steering wheels", {"870894", "870899"}),
        ("8708.94", AFTER, "steering wheels", {"870894", "870899"}),
        # 8708.50(2)(b): "from subheading 8482.10 through 8482.80 or parts of drive-axles of subheading 8708.50"
        ("8708.50", HT, "drive-axles with differential", {"848210-848280", "870850"}),
    ],
)
def test_the_or_8708_99_of_the_named_goods_is_kept(hs: str, end_use: str, good: str | None, also: set[str]) -> None:
    rule = lookup_rule(hs, date(2025, 1, 1), end_use, good)
    assert also in _also(rule)


def test_mcpherson_struts_have_their_own_alternative() -> None:
    """8708.80(2)(a), (3)(a): "a change to McPherson struts of subheading 8708.80 from parts thereof of subheading
    8708.80 or any other subheading, provided there is an RVC of not less than 50% under the net cost method"
    (no phase-in: 50% for original equipment in a heavy truck as for the aftermarket)."""
    for end_use, day in ((HT, date(2021, 1, 1)), (HT, date(2028, 1, 1)), (AFTER, None)):
        rule = lookup_rule("8708.80", day, end_use, "McPherson struts")
        strut = rule.alternatives[0]
        assert strut.tariff_shift is not None and strut.tariff_shift.level == "subheading"
        assert strut.tariff_shift.also_from == ("870880",)
        assert strut.rvc is not None and strut.rvc.net_cost == 50 and strut.rvc.transaction_value is None
    # (3)(b) "a change to subheading 8708.80 from any other heading" is for every good, struts included;
    # (2)(b) "a change to any other good ..." is not for struts.
    assert len(lookup_rule("8708.80", None, AFTER, "McPherson struts").alternatives) == 2
    assert len(lookup_rule("8708.80", date(2025, 1, 1), HT, "McPherson struts").alternatives) == 1


def _strut(**extra: Any) -> dict[str, Any]:
    """A heavy-truck McPherson strut worth 100 (net cost), a non-originating part of 8708.99 worth 45: RVC 55%."""
    return {
        "good": {"description": "McPherson strut", "hs": "8708.80"},
        "as_of": "2025-01-01",
        "materials": [{"id": "bracket", "hs": "8708.99", "value": 45}],
        "other_costs": 55,
        **extra,
    }


def test_a_mcpherson_strut_qualifies_under_its_own_rule() -> None:
    """8708.80(2)(a): the part of 8708.99 changes subheading and the RVC (100 - 45) / 100 = 55% >= 50% (s.7(3))."""
    named = determine_origin(_strut(rule_scope=f"{HT}; McPherson struts"))
    assert named.originating and named.criterion == "B", named.explanation
    assert named.rvc is not None and named.rvc.value == 55 and named.rvc.threshold == 50
    assert named.to_dict()["rule"]["scope"] == f"{HT}; McPherson struts"
    # Unnamed, the good is taken as "any other good" of 8708.80 ((2)(b): a change from any other heading),
    # which a part of heading 87.08 does not make; the explanation says which goods have rules of their own.
    unnamed = determine_origin(_strut(rule_scope=HT))
    assert not unnamed.originating
    assert any("McPherson struts" in s and "rule_scope" in s for s in unnamed.explanation)


@pytest.mark.parametrize(
    ("day", "threshold"),
    [
        (date(2020, 7, 1), 60),
        (date(2023, 7, 1), 60),  # not 70: (2)(b)(iii) "July 1, 2023" is read as 2027 (see the entry's note)
        (date(2024, 6, 30), 60),
        (date(2024, 7, 1), 64),
        (date(2027, 6, 30), 64),
        (date(2027, 7, 1), 70),
    ],
)
def test_heavy_truck_steering_phase_in(day: date, threshold: int) -> None:
    """8708.94(2)(b): "(i) 60 percent ..., beginning on July 1, 2020 until June 30, 2024; (ii) 64 percent ...,
    beginning on July 1, 2024 until June 30, 2027; (iii) 70%, beginning on July 1, 2023" and (2)(c) with
    60/64/70% from July 1 of 2020, 2024 and 2027; the heavy-truck steps of s.15(2) are the same."""
    for good in ("steering wheels", "parts of steering wheels"):
        rule = lookup_rule("8708.94", day, HT, good)
        rvc = rule.alternatives[-1].rvc
        assert rvc is not None and rvc.net_cost == threshold, (good, day)


def test_the_steering_slip_is_noted_on_its_entries() -> None:
    entries = [
        e for e in find_rules("8708.94") if e.scope == f"{HT}; steering wheels, steering columns or steering boxes"
    ]
    assert [(e.valid_from, e.valid_to) for e in sorted(entries, key=lambda e: e.valid_from or date.min)] == [
        (date(2020, 7, 1), date(2024, 6, 30)),
        (date(2024, 7, 1), date(2027, 6, 30)),
        (date(2027, 7, 1), None),
    ]
    assert all("beginning on July 1, 2023" in e.rule.text for e in entries)  # the text is kept as printed


@pytest.mark.parametrize(("day", "threshold"), [(date(2023, 1, 1), 60), (date(2025, 1, 1), 64), (date(2028, 1, 1), 70)])
def test_heavy_truck_chassis_phase_in(day: date, threshold: int) -> None:
    """8708.99(2): "(a) 60%, beginning on July 1, 2020 until June 30, 2024; (b) 64%, beginning on July 1, 2024
    until June 30, 2027; (c) 70%, beginning on July 1, 2027" ("until" closes the window as "ending on" does)."""
    rule = lookup_rule("8708.99", day, HT, "chassis")
    assert rule.alternatives[0].rvc is not None and rule.alternatives[0].rvc.net_cost == threshold


def test_any_other_8708_50_good_may_change_heading() -> None:
    """8708.50(2)(i): "a change to any other good of subheading 8708.50 from any other heading; or (j) no required
    change ... provided there is an RVC": a good made from materials of other headings qualifies without RVC."""
    rule = lookup_rule("8708.50", date(2025, 1, 1), HT)
    first = rule.alternatives[0]
    assert first.tariff_shift is not None and first.tariff_shift.level == "heading" and first.rvc is None
    result = determine_origin(
        {
            "good": {"hs": "8708.50"},
            "as_of": "2025-01-01",
            "rule_scope": HT,
            "materials": [{"id": "steel", "hs": "7214.99", "value": 80}],
            "other_costs": 20,
        }
    )
    assert result.originating and result.alternative == 0, result.explanation


def test_an_unknown_good_is_a_located_error() -> None:
    with pytest.raises(ValidationError) as info:
        determine_origin(_strut(rule_scope="sway bars"))
    problem = info.value.problems[0]
    assert problem.column == "rule_scope" and problem.hint is not None and "McPherson struts" in problem.hint


def test_a_good_named_where_none_has_its_own_rule_is_noted() -> None:
    """8708.10(3) has one rule for every good of the subheading."""
    result = determine_origin(
        {
            "good": {"hs": "8708.10"},
            "rule_scope": "bumpers",
            "materials": [{"id": "s", "hs": "7208.10", "value": 10}],
            "other_costs": 90,
        }
    )
    assert any("is not needed" in s for s in result.explanation)


def test_threshold_windows_are_contiguous_for_every_8708_entry() -> None:
    """Every dated rule of heading 87.08 has one threshold on each day from 1 July 2020 (no gap, no overlap)."""
    groups: dict[tuple[str, str], list[tuple[date, date | None]]] = {}
    for e in load_library():
        if e.code.startswith("8708") and e.valid_from is not None:
            groups.setdefault((e.code, e.scope), []).append((e.valid_from, e.valid_to))
    assert groups
    for key, windows in groups.items():
        windows.sort()
        assert windows[0][0] == date(2020, 7, 1), key
        assert windows[-1][1] is None, key
        for (_, end), (start, _) in pairwise(windows):
            assert end is not None and (start - end).days == 1, key


def test_passenger_vehicle_parts_keep_their_steps() -> None:
    """8708.94(1): 66/69/72/75% NC from 1 July 2020-2023 (unchanged by the named-goods entries)."""
    assert lookup_rule("8708.94", date(2022, 7, 1), PV).alternatives[0].rvc.net_cost == Fraction(72)  # type: ignore[union-attr]
