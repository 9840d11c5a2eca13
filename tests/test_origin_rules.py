"""The product-specific rules library: every file validates, lookups by code, date and end use."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import date
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from allyshore.errors import NotFoundError
from allyshore.origin import determine_origin, find_rule, lookup_rule
from allyshore.origin.case import RuleIn, rule_from_model
from allyshore.origin.rules import find_rules, load_library

ROOT = Path(__file__).resolve().parents[1]


def test_every_rules_file_validates_and_keeps_text_and_source() -> None:
    entries = load_library()
    assert len(entries) > 250
    for e in entries:
        assert e.rule.text and e.rule.source
        assert e.rule.alternatives
    files = [p.name for p in resources.files("allyshore.origin.rules").iterdir() if p.name.startswith("ch")]
    for chapter in ("ch40.json", "ch84.json", "ch85.json", "ch87.json", "ch90.json", "ch63.json"):
        assert chapter in files


def test_vehicle_thresholds_by_date_from_s13() -> None:
    """SOR/2020-155 s.13, 8703.21-8703.90 (1): 66, 69, 72 and 75% NC from 1 July of 2020-2023."""
    expected = {
        date(2020, 7, 1): 66,
        date(2021, 6, 30): 66,
        date(2021, 7, 1): 69,
        date(2022, 7, 1): 72,
        date(2030, 1, 1): 75,
    }
    for day, threshold in expected.items():
        rule = lookup_rule("8703.23", as_of=day)
        assert rule.alternatives[0].rvc is not None
        assert rule.alternatives[0].rvc.net_cost == threshold
        assert rule.alternatives[0].rvc.transaction_value is None  # net cost only
        assert rule.verified


def test_heavy_truck_thresholds_by_date() -> None:
    """SOR/2020-155 s.13, 8701.20: 60% to June 2024, 64% to June 2027, 70% after."""
    assert lookup_rule("8701.20", date(2024, 6, 30)).alternatives[0].rvc.net_cost == 60  # type: ignore[union-attr]
    assert lookup_rule("8701.20", date(2024, 7, 1)).alternatives[0].rvc.net_cost == 64  # type: ignore[union-attr]
    assert lookup_rule("8701.20", date(2027, 7, 1)).alternatives[0].rvc.net_cost == 70  # type: ignore[union-attr]


def test_8708_10_alternatives_and_scopes() -> None:
    """SOR/2020-155 s.13, 8708.10 (3): (a) any other heading; or (b) from 8708.99 with 50% NC (brief s.11 ex. 4)."""
    rule = lookup_rule("8708.10", scope="other vehicles and aftermarket")
    first, second = rule.alternatives
    assert first.tariff_shift is not None and first.tariff_shift.level == "heading" and first.rvc is None
    assert second.tariff_shift is not None and second.tariff_shift.also_from == ("870899",)
    assert second.rvc is not None and second.rvc.net_cost == 50
    oe = lookup_rule("8708.10", as_of=date(2023, 7, 1), scope="original equipment, passenger vehicle or light truck")
    assert oe.alternatives[1].rvc is not None and oe.alternatives[1].rvc.net_cost == 70  # Table B part, s.14(15)


def test_8708_50_except_from_bearings() -> None:
    """SOR/2020-155 s.13, 8708.50 (3)(a): '... from any other heading, except from subheading 8482.10 through 8482.80'."""
    rule = lookup_rule(
        "8708.50",
        scope="other vehicles and aftermarket; drive-axles with differential, whether or not provided with other transmission components, for vehicles",
    )
    assert rule.alternatives[0].tariff_shift is not None
    assert rule.alternatives[0].tariff_shift.except_from == ("848210-848280",)


def test_unverified_rule_flagged_in_every_determination() -> None:
    rule = lookup_rule("9018.90")
    assert not rule.verified
    result = determine_origin(
        {"good": {"hs": "9018.90"}, "transaction_value": 100, "materials": [{"id": "k", "hs": "8536.50", "value": 40}]}
    )
    assert result.rule_verified is False
    assert result.to_dict()["rule"]["verified"] is False
    assert any("unverified" in s for s in result.explanation)


def test_verified_gn11_rule_with_rvc_alternative() -> None:
    """HTSUS General Note 11, Chapter 84 rule for 8402.90: (A) any other heading; or (B) no change with RVC 60/50."""
    rule = lookup_rule("8402.90")
    assert rule.verified and len(rule.alternatives) == 2
    assert rule.alternatives[1].rvc is not None and rule.alternatives[1].rvc.transaction_value == Fraction(60)


def test_missing_rule_is_not_found() -> None:
    assert find_rule("0101.21") is None
    with pytest.raises(NotFoundError):
        lookup_rule("0101.21")


def test_rule_command(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "allyshore", "origin", "rule", "8703.23", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    entries = json.loads(p.stdout)
    assert {e["valid_from"] for e in entries} >= {"2020-07-01", "2023-07-01"}
    human = subprocess.run(
        [sys.executable, "-m", "allyshore", "origin", "rule", "9018.90"], capture_output=True, text=True, check=False
    )
    assert "UNVERIFIED" in human.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "allyshore", "origin", "rule", "0101.21"], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 1 and missing.stderr.startswith("Error:")


def test_derivation_script_is_reproducible(tmp_path: Path) -> None:
    """scripts/derive_origin_rules.py regenerates ch87.json identically from the regulation text."""
    source = ROOT.parent / "shared" / "reference" / "SOR-2020-155.txt"
    if not source.exists():
        pytest.skip("shared reference texts are absent")
    before = (ROOT / "src/allyshore/origin/rules/ch87.json").read_text()
    p = subprocess.run(
        [sys.executable, str(ROOT / "scripts/derive_origin_rules.py"), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert (ROOT / "src/allyshore/origin/rules/ch87.json").read_text() == before


@pytest.mark.parametrize(("hs", "chapter"), [("9018.39", "90"), ("8507.60", "85")])
def test_sample_rules_not_yet_confirmed_are_marked_unverified(hs: str, chapter: str) -> None:
    """The IV-set (9018.39) and lithium-ion battery (8507.60) rules: present, with text and the unverified source."""
    rule = lookup_rule(hs)
    assert not rule.verified
    assert rule.source.startswith("USMCA Annex 4-B as published in HTSUS General Note 11; text NOT confirmed")
    assert f"subheading {hs}" in rule.text and len(rule.alternatives) == 2
    assert rule.alternatives[1].rvc is not None and rule.alternatives[1].rvc.transaction_value == Fraction(60)
    data = json.loads((ROOT / "src" / "allyshore" / "origin" / "rules" / f"ch{chapter}.json").read_text("utf-8"))
    entry = next(r for r in data["rules"] if r["hs"] == hs)
    assert f"Confirm against HTSUS General Note 11, Chapter {chapter}" in entry["note"]


# --------------------------------------------------------------------------- HTSUS General Note 11 parser


def _gn11() -> Any:
    """scripts/parse_gn11_rules.py, loaded as a module."""
    name = "parse_gn11_rules"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_gn11_parser_reproduces_every_previously_verified_rule() -> None:
    """Each General Note 11 rule the library held as verified before the parser (tests/data snapshot)
    parses, from its own text, to the same code and alternatives, and the library still holds them."""
    before = json.loads((ROOT / "tests" / "data" / "gn11_rules_before_parser.json").read_text("utf-8"))["rules"]
    assert len(before) == 43
    gn11 = _gn11()
    for old in before:
        key, alternatives = gn11.parse_rule(old["text"])
        assert (key, alternatives) == (old["hs"], old["alternatives"]), old["hs"]
        entries = [e for e in load_library() if e.code == old["hs"] and e.scope == ""]
        assert len(entries) == 1 and entries[0].rule.verified, old["hs"]
        expected = rule_from_model(RuleIn.model_validate({"alternatives": old["alternatives"]}))
        assert entries[0].rule.alternatives == expected.alternatives, old["hs"]


def test_gn11_script_output_is_current() -> None:
    """scripts/parse_gn11_rules.py --check: the chapter files equal what the parser makes of scripts/data."""
    p = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "parse_gn11_rules.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stdout + p.stderr


GN11 = "HTSUS General Note 11 (USMCA product-specific rules, Annex 4-B), as reproduced at https://"


@pytest.mark.parametrize(
    ("hs", "rule_code", "expected"),
    [
        # page 103, rule 51: "A change to tariff item 8415.90.40 from any other tariff item."
        ("8415.90.40", "8415.90.40", [({"level": "item"}, None)]),
        # page 103, rule 52: "A change to subheading 8415.90 from any other heading." (other tariff items)
        ("8415.90.80", "8415.90", [({"level": "heading"}, None)]),
        # page 108, rule 111: "(B) ... 8442.30 from subheadings 8442.40 through 8442.50, whether or not ..., 60/50"
        (
            "8442.30",
            "8442.30",
            [({"level": "heading"}, None), ({"level": "heading", "also_from": ["844240-844250"]}, (60, 50))],
        ),
        # page 112, rule 150: "... 8459.29 from any other heading, except from tariff items 8466.93.15,
        # 8466.93.30 or 8466.93.53,or subheadings 8501.32 or 8501.52."
        (
            "8459.29",
            "8459.29",
            [({"level": "heading", "except_from": ["84669315", "84669330", "84669353", "850132", "850152"]}, None)],
        ),
        # page 123, rule 254: "A change to heading 8487 from any other heading."
        ("8487.90", "84.87", [({"level": "heading"}, None)]),
        # page 128, rule 29: "... subheadings 8511.10 through 8511.80 from any other subheading, including
        # another subheading within that group."
        ("8511.30", "8511.10-8511.80", [({"level": "subheading"}, None)]),
        # page 128, rule 31: "(B) ... 8512.10 through 8512.40 from subheading 8512.90, whether or not ...
        # provided there is also a regional value content of not less than: (1) 60 ...; or (2) 50 ..."
        (
            "8512.20",
            "8512.10-8512.40",
            [({"level": "heading"}, None), ({"level": "heading", "also_from": ["851290"]}, (60, 50))],
        ),
        # page 132, rule 78: tariff item 8535.90.40 "from any other tariff item, except from tariff item 8538.90.40"
        (
            "8535.90.40",
            "8535.90.40",
            [
                ({"level": "item", "except_from": ["85389040"]}, None),
                ({"level": "item", "also_from": ["85389040"]}, (60, 50)),
            ],
        ),
        # page 132, rule 79: the rest of heading 8535, "except from tariff items 8538.90.10, 8538.90.30 or 8538.90.60"
        (
            "8535.10",
            "85.35",
            [
                ({"level": "heading", "except_from": ["85389010", "85389030", "85389060"]}, None),
                ({"level": "heading", "also_from": ["85389010", "85389030", "85389060"]}, (60, 50)),
            ],
        ),
        # page 158, rule 80: 9032.89 "(B) ... from subheading 9032.90 ... (1) 45 percent ...; or (2) 35 percent ..."
        (
            "9032.89",
            "9032.89",
            [({"level": "heading"}, None), ({"level": "heading", "also_from": ["903290"]}, (45, 35))],
        ),
    ],
)
def test_gn11_rules_resolve_as_read(
    hs: str, rule_code: str, expected: list[tuple[dict[str, Any], tuple[int, int] | None]]
) -> None:
    """Sample codes across chapters 84, 85 and 90 resolve to the rule and alternatives read from the page."""
    entry = find_rules(hs)[0]
    assert entry.code == rule_code
    rule = entry.rule
    assert rule.verified and rule.source.startswith(GN11)
    assert len(rule.alternatives) == len(expected)
    for alt, (shift, rvc) in zip(rule.alternatives, expected, strict=True):
        assert alt.tariff_shift is not None
        assert alt.tariff_shift.level == shift["level"]
        assert alt.tariff_shift.except_from == tuple(shift.get("except_from", ()))
        assert alt.tariff_shift.also_from == tuple(shift.get("also_from", ()))
        if rvc is None:
            assert alt.rvc is None
        else:
            assert alt.rvc is not None
            assert (alt.rvc.transaction_value, alt.rvc.net_cost) == (Fraction(rvc[0]), Fraction(rvc[1]))


def test_gn11_rule_decides_a_case_without_a_rule() -> None:
    """A headlamp (8512.20) from a non-originating 8512.90 part: alternative (A) fails (same heading),
    alternative (B) of page 128 rule 31 passes with RVC 70% >= 60% (transaction value)."""
    result = determine_origin(
        {
            "good": {"hs": "8512.20"},
            "transaction_value": 100,
            "materials": [{"id": "housing", "hs": "8512.90", "value": 30}],
        }
    )
    assert result.originating and result.criterion == "B" and result.alternative == 1
    assert result.rule_verified is True


def test_gn11_parser_leaves_out_what_it_cannot_express() -> None:
    """Rules naming goods within a subheading, 'more than one of the following', exceptions described in
    words and products named inside a heading are left out, as are rules cut off by an excerpt's end."""
    gn11 = _gn11()
    parsed = gn11.parse_blocks(gn11.read_blocks())
    reasons = {s.split(":", 1)[0]: s for s in parsed.skipped}
    for where in (
        "chapter 85 rule 70 (page 132)",  # a change to a good of 8531.20 from any other good within that subheading
        "chapter 84 rule 155 (page 113)",  # except from more than one of the following
        "chapter 84 rule 57 (page 103)",  # except from ... assemblies incorporating ...
        "chapter 84 rule 198 (page 118)",  # word-processing machines of heading 8469
    ):
        assert "not expressible exactly" in reasons[where]
    assert "cut off" in reasons["chapter 90 rule 18 (page 152)"]
    codes = {e["hs"] for e in parsed.entries}
    assert not codes & {"8531.20", "8531.90", "8459.61", "84.69"}
    with pytest.raises(gn11.Unparsed):
        gn11.parse_rule(
            "A change to a good of subheading 8533.90 from any other good within that subheading or any other subheading."
        )


def test_gn11_parser_outside_that_group() -> None:
    """Page 108, rule 117 (A): 'outside that group' becomes the group field, with the exception kept."""
    key, alternatives = _gn11().parse_rule(
        "A change to headings 8444 through 8447 from any heading outside that group, except from heading 8448."
    )
    assert key == "84.44-84.47"
    assert alternatives == [
        {"tariff_shift": {"level": "heading", "except_from": ["8448"], "group": "8444-8447"}, "rvc": None}
    ]


def test_coverage_table_in_rules_readme_matches_the_library() -> None:
    """The chapter / rules / verified table of src/allyshore/origin/rules/README.md is the library's count."""
    counts: dict[str, list[int]] = {}
    for e in load_library():
        chapter = e.code.replace(".", "")[:2]
        row = counts.setdefault(chapter, [0, 0])
        row[0] += 1
        row[1] += int(e.rule.verified)
    readme = (ROOT / "src" / "allyshore" / "origin" / "rules" / "README.md").read_text("utf-8")
    for chapter, (rules, verified) in counts.items():
        assert f"\n| {chapter} | {rules} | {verified} |" in readme, chapter
