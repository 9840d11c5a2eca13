"""Golden tests of US duties on real lines, origins and dates, with the expected rates derived here from the
source files in ../shared (the USITC HTS Basic Edition CSVs and the Section 301 list), independently of the
package's parser, and the law's dates written below with the Federal Register notice that sets each.
Plus: the shipped tables equal a rebuild from ../shared. Skipped when ../shared is absent."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import random
import re
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from allyshore.cost import default_assumptions, duty_rates
from allyshore.cost.tariffs import UNKNOWN

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
KNOWN = 0
CODES = {name: code for code, name in UNKNOWN.items()}
D = dt.date.fromisoformat

# Section 301 rates and dates by list, as the law sets them:
LAW: dict[str, list[tuple[str, str | None, float]]] = {
    "1": [("2018-07-06", None, 0.25)],  # 83 FR 28710 (List 1, $34 billion), effective 6 Jul 2018
    "2": [("2018-08-23", None, 0.25)],  # 83 FR 40823 (List 2, $16 billion), effective 23 Aug 2018
    "3": [("2018-09-24", "2019-05-09", 0.10), ("2019-05-10", None, 0.25)],  # 83 FR 47974; 84 FR 20459
    "3_addl": [("2018-09-24", "2019-05-09", 0.10), ("2019-05-10", None, 0.25)],  # 9903.88.04: List 3 dates
    "4A": [("2019-09-01", "2020-02-13", 0.15), ("2020-02-14", None, 0.075)],  # 84 FR 43304, 45821; 85 FR 3741
    "4B": [],  # 84 FR 43304 Annex C: suspended before 15 Dec 2019, never in force (CBP CSMS #40984510)
    "biden_25": [("2024-09-27", None, 0.25)],  # 89 FR 76581, heading 9903.91.01
    "biden_50": [("2024-09-27", None, 0.50)],  # 89 FR 76581, heading 9903.91.02
    "biden_100": [("2024-09-27", None, 1.00)],  # 89 FR 76581, heading 9903.91.03
    "biden_50_jan25": [("2025-01-01", None, 0.50)],  # 89 FR 76581, heading 9903.91.05
    "biden_25_jan25": [("2025-01-01", None, 0.25)],  # heading 9903.91.11 (on or after 1 Jan 2025)
    "cranes_301": [("2024-09-27", None, 0.25)],  # 89 FR 76581, heading 9903.92.10
}
LAW_2026 = {"9903.91.06": 0.25, "9903.91.07": 0.50, "9903.91.08": 1.00}  # 89 FR 76581: from 1 Jan 2026
EDITIONS = (("2025", D("2025-01-01"), D("2025-12-31")), ("2026", D("2026-01-01"), D("9999-12-31")))

# Lines of common BOMs (electronics, medical devices, automotive, metals, plastics, textiles, food).
LINES = [
    "8536.50.90", "8536.10.00", "8542.31.00", "8471.30.01", "8703.23.01", "8704.21.01", "3926.90.99",
    "7318.15.80", "8413.70.20", "8414.59.65", "8501.10.40", "8504.40.95", "8544.42.90", "9403.60.80",
    "8541.43.00", "7208.51.00", "8481.80.90", "8708.99.81", "8533.21.00", "8473.30.11", "2204.21.50",
    "0805.10.00", "0201.10.05", "9018.39.00", "9018.90.75", "9018.31.00", "7604.29.10", "9405.42.84",
    "8523.51.00", "6403.99.90", "9021.39.00", "6109.10.00", "8541.10.00", "8507.10.00", "8426.19.00",
]  # fmt: skip
DATES = ["2018-08-01", "2019-06-01", "2019-10-01", "2024-10-01", "2025-06-01", "2026-06-01"]
ORIGINS = ["CN", "HK", "MX", "VN"]


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent: the tests on real public data need it beside the repository")
    return {"hts": _schedule(), "s301": _lists()}


@cache
def _schedule() -> dict[str, dict[str, tuple[str, str]]]:
    """Per edition, per 8-digit line of ch. 01-97: (General, Special), from the 8-digit row or its 10-digit row."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for year, _, _ in EDITIONS:
        path = SHARED / "us_hts_basic_edition" / f"hts_{year}_basic_edition.csv"
        lines: dict[str, tuple[str, str]] = {}
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                digits = row["HTS Number"].replace(".", "").strip()
                general = " ".join(row["General Rate of Duty"].split())
                if len(digits) in (8, 10) and "01" <= digits[:2] <= "97" and general:
                    lines.setdefault(digits[:8], (general, " ".join(row["Special Rate of Duty"].split())))
        out[year] = lines
    return out


@cache
def _lists() -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with (SHARED / "us_tariff_layers" / "s301_product_lists.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            found[row["hts8"]].append((row["list"], row["ch99_code"]))
    return found


def expected_mfn(source: dict[str, Any], hts8: str, day: dt.date) -> tuple[float, float, str] | None:
    """(ad valorem, specific USD, per unit) of the General rate in force, parsed here; None: no edition."""
    year = next((y for y, start, end in EDITIONS if start <= day <= end), None)
    if year is None or hts8 not in source["hts"][year]:
        return None
    text = source["hts"][year][hts8][0]
    if text == "Free":
        return (0.0, 0.0, "")
    if m := re.fullmatch(r"([\d.]+)%", text):
        return (float(m[1]) / 100, 0.0, "")
    m = re.fullmatch(r"(\$?)([\d.]+)(¢?)/(kg|liter)(?: \+ ([\d.]+)%)?", text)
    assert m, f"the golden lines use simple rates; {hts8} is {text!r}"
    amount = float(m[2]) / (100 if m[3] else 1)
    return (float(m[5]) / 100 if m[5] else 0.0, amount, m[4])


def usmca_free(source: dict[str, Any], hts8: str, day: dt.date) -> bool:
    year = "2025" if day.year == 2025 else "2026"
    special = source["hts"][year][hts8][1]
    return any(
        rate.strip() == "Free" and {"S", "S+"} & {p.strip() for p in progs.split(",")}
        for rate, progs in re.findall(r"([^()]*)\(([^)]*)\)", special)
    )


def expected_301(source: dict[str, Any], hts8: str, origin: str, day: dt.date) -> float:
    """The highest Section 301 rate in force for a product of China (supersession), 0 for any other origin."""
    if origin != "CN":
        return 0.0
    rates = [0.0]
    for name, ch99 in source["s301"].get(hts8, []):
        steps = [("2026-01-01", None, LAW_2026[ch99])] if name == "biden_jan26" else LAW[name]
        rates += [r for start, end, r in steps if D(start) <= day and (end is None or day <= D(end))]
    return max(rates)


@pytest.mark.parametrize("line", LINES)
def test_mfn_and_section_301_of_a_line_by_origin_and_date(source: dict[str, Any], line: str) -> None:
    """Each line x origin x date: MFN from the USITC row in force, Section 301 from the lists and the law."""
    hts8 = line.replace(".", "")
    for day in DATES:
        when = D(day)
        got = duty_rates(default_assumptions().tariffs, [line] * 4, ORIGINS, ["US"] * 4, when)
        for i, origin in enumerate(ORIGINS):
            assert float(got.rate["section_301"][i]) == pytest.approx(expected_301(source, hts8, origin, when)), (
                line, origin, day,
            )  # fmt: skip
            assert int(got.unknown["section_301"][i]) == KNOWN, (line, origin, day)
            mfn = expected_mfn(source, hts8, when)
            if mfn is None:  # before the 2025 edition: no MFN rate is shipped, so it is unknown, not 0
                assert int(got.unknown["mfn"][i]) == CODES["no MFN row"], (line, day)
                continue
            assert int(got.unknown["mfn"][i]) == KNOWN, (line, origin, day)
            assert float(got.rate["mfn"][i]) == pytest.approx(mfn[0]), (line, day)
            assert float(got.specific["mfn"][i]) == pytest.approx(mfn[1]), (line, day)
            assert got.specific_unit["mfn"][i] == mfn[2], (line, day)
            assert bool(got.usmca_exempt["mfn"][i]) == usmca_free(source, hts8, when), (line, day)


def test_mfn_of_three_hundred_random_lines_in_both_editions(source: dict[str, Any]) -> None:
    """A seeded sample of every 8-digit line with a plain ad valorem or Free rate, in 2025 and in 2026."""
    rng = random.Random(9)
    for year, day in (("2025", D("2025-07-01")), ("2026", D("2026-07-01"))):
        plain = sorted(c for c, (g, _) in source["hts"][year].items() if g == "Free" or re.fullmatch(r"[\d.]+%", g))
        sample = rng.sample(plain, 150)
        got = duty_rates(default_assumptions().tariffs, sample, ["DE"] * 150, ["US"] * 150, day)
        for i, code in enumerate(sample):
            expected = expected_mfn(source, code, day)
            assert expected is not None
            assert float(got.rate["mfn"][i]) == pytest.approx(expected[0]), (code, year)
            assert got.measure["mfn"][i].startswith(f"mfn-{code}-"), (code, year)


def test_column_2_rates_for_russia_belarus_cuba_and_north_korea(source: dict[str, Any]) -> None:
    """HTSUS General Note 3(b) (Russia and Belarus since Pub. L. 117-110): the Column 2 rate, read here from the
    2026 edition's 8-digit rows, for a seeded sample of lines with a plain ad valorem Column 2 rate."""
    rows: dict[str, str] = {}
    with (SHARED / "us_hts_basic_edition" / "hts_2026_basic_edition.csv").open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            digits = row["HTS Number"].replace(".", "").strip()
            text = " ".join(row["Column 2 Rate of Duty"].split())
            if len(digits) == 8 and "01" <= digits[:2] <= "97" and re.fullmatch(r"[\d.]+%|Free", text):
                rows[digits] = text
    sample = random.Random(3).sample(sorted(rows), 100)
    origins = (["RU", "BY", "CU", "KP"] * 25)[:100]
    got = duty_rates(default_assumptions().tariffs, sample, origins, ["US"] * 100, D("2026-07-01"))
    for i, code in enumerate(sample):
        expected = 0.0 if rows[code] == "Free" else float(rows[code][:-1]) / 100
        assert float(got.rate["mfn"][i]) == pytest.approx(expected), code
        assert got.measure["mfn"][i].startswith(f"mfn2-{code}-"), code


def test_usmca_originating_goods_pay_no_mfn_where_the_special_column_gives_s_free(source: dict[str, Any]) -> None:
    day = D("2026-06-01")
    lines = [c for c in ("61091000", "87032301", "85076000", "02011005", "73181580") if usmca_free(source, c, day)]
    assert len(lines) == 5  # all five list S (USMCA) among the Free programs of the Special column
    got = duty_rates(default_assumptions().tariffs, lines, ["MX"] * 5, ["US"] * 5, day, originating=[True] * 5)
    assert all(got.exempted["mfn"]) and not any(got.unknown["mfn"])


def test_six_digit_codes_are_priced_only_when_their_lines_agree(source: dict[str, Any]) -> None:
    """8536.50: all lines Free (MFN) and on a 25% list in 2025; 7318.15: lines from Free to 8.5%."""
    day = D("2025-06-01")
    for six in ("853650", "731815", "940360", "901890"):
        lines = [c for c in source["hts"]["2025"] if c.startswith(six)]
        mfn = {expected_mfn(source, c, day) for c in lines}
        s301 = {expected_301(source, c, "CN", day) for c in lines}
        got = duty_rates(default_assumptions().tariffs, [six], ["CN"], ["US"], day)
        if len(mfn) == 1:
            assert float(got.rate["mfn"][0]) == pytest.approx(next(iter(mfn))[0]) and got.unknown["mfn"][0] == 0  # type: ignore[index]
        else:
            assert got.unknown["mfn"][0] == CODES["depends on the full line"], six
        if len(s301) == 1:
            assert float(got.rate["section_301"][0]) == pytest.approx(next(iter(s301)))
            assert got.unknown["section_301"][0] == 0
        else:
            assert got.unknown["section_301"][0] == CODES["depends on the full line"], six


def test_the_four_year_review_steps_of_medical_gloves_and_ev_batteries() -> None:
    """89 FR 76581: medical gloves (4015.12.10) 50% in 2025, 100% from 2026; EV batteries (8507.60.00.10) 25% from
    27 Sep 2024; non-EV (8507.60.00.20) 7.5% under List 4A until 25% from 1 Jan 2026."""
    tariffs = default_assumptions().tariffs
    cases = [
        ("4015.12.10", "2024-10-01", 0.0),
        ("4015.12.10", "2025-06-01", 0.50),
        ("4015.12.10", "2026-01-01", 1.00),
        ("8507.60.00.10", "2024-09-26", 0.0),
        ("8507.60.00.10", "2024-09-27", 0.25),
        ("8507.60.00.20", "2025-12-31", 0.075),
        ("8507.60.00.20", "2026-01-01", 0.25),
    ]
    for line, day, rate in cases:
        got = duty_rates(tariffs, [line], ["CN"], ["US"], D(day))
        assert float(got.rate["section_301"][0]) == pytest.approx(rate), (line, day)


def test_hong_kong_and_mexico_pay_no_section_301() -> None:
    """Section 301 covers products of China; Hong Kong goods keep origin HK for duties (CBP, EO 13936)."""
    got = duty_rates(default_assumptions().tariffs, ["8536.50.90"] * 3, ["CN", "HK", "MX"], ["US"] * 3, D("2026-06-01"))
    assert got.rate["section_301"].tolist() == [0.25, 0.0, 0.0]


def _build_module() -> Any:
    spec = importlib.util.spec_from_file_location("build_us_tariffs", ROOT / "scripts" / "build_us_tariffs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_shipped_tables_equal_a_rebuild_from_shared(source: dict[str, Any], tmp_path: Path) -> None:
    build = _build_module()
    for name, rows in build.build(SHARED).items():
        build.write(rows, tmp_path / name)
        shipped = ROOT / "src" / "allyshore" / "data" / "tariffs" / name
        assert (tmp_path / name).read_bytes() == shipped.read_bytes(), f"{name}: run scripts/build_us_tariffs.py"
