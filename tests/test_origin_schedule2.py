"""Criterion E on the importing country's own list of USMCA Table 2.10.1 goods.

SOR/2020-155 s.3(7) and Schedule 2 (Canadian tariff items), HTSUS General Note 11(p) and 19 U.S.C.
4531(c)(1)(E) (US provisions): a listed good imported from another USMCA country is originating.
General Note 11(p) lists, among others, "Combined input/output units ... 8471.60.10" and "Display units ...
8528.42.00, 8528.52.00, 8528.62.00" (https://checkoutapi.com/htsus?general_notes=usmca&page=163); CBP ruling
HQ H312426 (7 August 2020) held power supplies of HTSUS 8504.40.6012 and 8504.40.6018 deemed originating
under General Note 11(p). Schedule 2 lists computer power supplies as Canadian items 8504.40.30 and 8504.40.90.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from allyshore.origin import determine_origin
from allyshore.origin.schedule2 import schedule_2_status

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _import(hs: str, into: str | None, exporter: str = "MX") -> dict[str, Any]:
    # One non-originating material of the good's own subheading and no values: criteria B, C and D cannot
    # make it originating whatever rule the library holds for the subheading, so only criterion E can.
    material = {"id": "m1", "hs": hs, "value": "10", "originating": False}
    case: dict[str, Any] = {
        "good": {"description": "good", "hs": hs},
        "imported_from": exporter,
        "materials": [material],
    }
    if into is not None:
        case["importing_country"] = into
    return case


@pytest.mark.parametrize(
    ("hs", "into"),
    [
        ("8471.60.10", "US"),  # GN 11(p): combined input/output units
        ("8528.62.00", "US"),  # GN 11(p): display units
        ("8504.40.60.12", "US"),  # HQ H312426
        ("8517.62.00.20", "US"),  # HQ H312426: LAN equipment deemed originating under General Note 11(p)
        ("8504.40.30", "CA"),  # SOR Schedule 2, G
        ("8529.90.50", "CA"),  # SOR Schedule 2, F (parts of monitors and projectors)
        ("8471.30", "MX"),  # 6-digit list
        ("8471.60", "US"),  # every US item of 8471.60 is on the list
    ],
)
def test_a_listed_tariff_item_is_originating_on_its_countrys_list(hs: str, into: str) -> None:
    result = determine_origin(_import(hs, into, "CA" if into == "MX" else "MX"))
    assert result.originating and result.criterion == "E", result.explanation


@pytest.mark.parametrize(("hs", "into"), [("8504.40.30", "US"), ("8504.40.95", "US"), ("8504.40.60", "CA")])
def test_another_countrys_tariff_item_is_not_listed(hs: str, into: str) -> None:
    """8504.40.30 is a Canadian item (the US has none); 8504.40.95 holds the US's other static converters."""
    result = determine_origin(_import(hs, into, "CA" if into == "US" else "MX"))
    assert not result.originating
    assert result.details["schedule_2"]["status"] == "not_listed"


@pytest.mark.parametrize("into", ["US", "CA", "MX", None])
def test_a_bare_8504_40_is_never_deemed_originating(into: str | None) -> None:
    """8504.40 holds every static converter; only computer power supplies are on the list: undetermined."""
    result = determine_origin(_import("8504.40", into, "CA" if into == "MX" else "MX"))
    assert not result.originating and result.criterion is None
    assert result.details["schedule_2"]["status"] == "undetermined"
    assert "schedule_2_tariff_item" in result.failed_requirements
    assert any("Criterion E cannot be decided" in s for s in result.explanation)


def test_the_us_list_is_the_default() -> None:
    result = determine_origin(_import("8504.40.70", None))
    assert result.criterion == "E"
    assert any("no 'importing_country' given: the US list is used" in s for s in result.explanation)


def test_a_product_condition_is_attested_and_a_derived_item_cautioned() -> None:
    """Schedule 2, F: 8517.70 "parts of LAN equipment of subheading 8517.62" (8517.71 and 8517.79 in HS 2022)."""
    result = determine_origin(_import("8517.79.00", "US"))
    assert result.criterion == "E"
    assert any("parts of LAN equipment of subheading 8517.62" in a for a in result.attestations)
    assert result.cautions and "not read from the text of the list" in result.cautions[0]
    assert determine_origin(_import("8528.42.00", "US")).cautions == ()  # read from General Note 11(p)


def test_a_good_imported_from_its_own_country_is_not_criterion_e() -> None:
    result = determine_origin(_import("8471.30", "US", "US"))
    assert not result.originating and "schedule_2" not in result.details


@pytest.mark.parametrize(
    ("hs", "country", "status"),
    [
        ("8529.90", "US", "undetermined"),  # the US items for parts of monitors are not in the library
        ("8529.90.10", "CA", "listed"),
        ("8529.90", "CA", "undetermined"),
        ("8504.90.20.00", "US", "listed"),
        ("8504.90", "US", "undetermined"),
        ("8471", "US", "undetermined"),
        ("8517.62", "CA", "not_listed"),
        ("8517.62", "US", "listed"),  # CBP HQ H312426
        ("8528.42", "CA", "listed"),  # Canadian 8528.42.00 is the subheading's only item
    ],
)
def test_statuses(hs: str, country: str, status: str) -> None:
    assert schedule_2_status(hs, country).status == status


def test_the_shipped_lists_are_current() -> None:
    """rules/schedule2.json is what scripts/derive_schedule2.py builds from the regulation, the General Note
    11(p) excerpt and the HTSUS 2026 basic edition."""
    hts = SHARED / "data" / "us_hts_basic_edition" / "hts_2026_basic_edition.csv"
    sor = SHARED / "reference" / "SOR-2020-155.txt"
    if not (hts.exists() and sor.exists()):
        pytest.skip("shared reference data are absent")
    spec = importlib.util.spec_from_file_location("derive_schedule2", ROOT / "scripts" / "derive_schedule2.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with hts.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    built = module.build(sor.read_text("utf-8-sig"), module.GN11P.read_text("utf-8"), rows)
    shipped = json.loads((ROOT / "src" / "allyshore" / "origin" / "rules" / "schedule2.json").read_text("utf-8"))
    assert built == shipped
    us = {e["code"]: e for e in shipped["lists"]["US"]["entries"]}
    assert {"84716010", "85284200", "85285200", "85286200", "844399"} <= us.keys()
    assert us["84716010"]["source"].startswith("HTSUS General Note 11(p)")
    assert us["85044060"]["source"].startswith("derived from the HTSUS 2026")
