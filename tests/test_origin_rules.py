"""The product-specific rules library: every file validates, lookups by code, date and end use."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from fractions import Fraction
from importlib import resources
from pathlib import Path

import pytest

from allyshore.errors import NotFoundError
from allyshore.origin import determine_origin, find_rule, lookup_rule
from allyshore.origin.rules import load_library

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
