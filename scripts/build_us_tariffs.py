"""Build ``src/allyshore/data/tariffs/us_mfn.csv`` and ``us_section301.csv``: US MFN and Section 301 duties.

Sources (read from ``../shared/data``, never copied):

* ``us_hts_basic_edition/hts_2025_basic_edition.csv`` and ``hts_2026_basic_edition.csv``: the USITC Harmonized
  Tariff Schedule of the United States, 2025 and 2026 Basic Editions (public domain, 17 U.S.C. 105).
  Per 8-digit line of chapters 01-97 the column 1 General rate is taken from the 8-digit row, or else from its
  10-digit rows (they never disagree); the Special column, the Column 2 rate and the units of quantity of the
  10-digit rows are kept. The 2025 edition is in force 2025-01-01..2025-12-31, the 2026 edition from 2026-01-01
  (open-ended: no later edition is shipped); a line identical in both editions is one row from 2025-01-01.
  Nothing is shipped before 2025-01-01: an earlier date has no MFN row (an unknown duty, never 0).
* ``us_tariff_layers/s301_product_lists.csv`` (The Budget Lab at Yale, MIT): the Section 301 China lists by
  8-digit line and Chapter 99 heading. Each list's rates and dates come from the Federal Register notice or the
  Chapter 99 heading cited in :data:`STEPS`; the build checks every current rate (and the "on or after" date of
  the 9903.91 headings) against the Chapter 99 rows of both editions and stops if they disagree.

Rates are parsed into structured columns: ``rate_ad_valorem`` (a share), ``rate_specific_usd`` per
``rate_specific_unit`` (kg, liter, each, pair, dozen, gross, thousand, t, bbl, m, m2, m3), ``rate_known`` (false
for forms the engine cannot price: "See ...", "on the lead content", several specific parts ...; such a duty is
reported as unknown, never 0). ``usmca_exempt`` is true when the Special column gives S or S+ (USMCA) Free;
``usmca_rate`` keeps the USMCA text when it is not Free ("See 9823...": unknown for originating goods).

Overlapping Section 301 lists: at every date the highest rate in force applies (supersession; the tariff-rate
tracker's methodology, assumption 8), so each line gets non-overlapping dated rows. Where every 8-digit line of a
6-digit subheading has the same rows, the subheading gets them too (so a 6-digit HS code finds them).

Usage: ``python scripts/build_us_tariffs.py [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "allyshore" / "data" / "tariffs"
DAY = dt.timedelta(days=1)

#: The columns of a measure row, in file order (docs/tariffs.md documents each).
COLUMNS = (
    "measure_id",
    "layer",
    "importer",
    "hts_prefix",
    "origin",
    "origin_except",
    "rate_ad_valorem",
    "rate_specific_usd",
    "rate_specific_unit",
    "effective_from",
    "effective_to",
    "enabled",
    "usmca_exempt",
    "verified",
    "ch99",
    "displaces",
    "value_basis",
    "source",
    "source_date",
    "note",
    "rate_text",
    "rate_known",
    "usmca_rate",
    "special",
    "unit_of_quantity",
)

EDITIONS = (
    ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("2026", dt.date(2026, 1, 1), None),
)
COLUMN2 = "BY;CU;KP;RU"  # HTSUS General Note 3(b); Russia and Belarus since Pub. L. 117-110 (2022)

#: Units of a specific rate as written in the HTSUS -> the unit the engine converts.
UNITS = {
    "kg": "kg",
    "liter": "liter",
    "each": "each",
    "head": "each",
    "article": "each",
    "pr.": "pair",
    "doz.": "dozen",
    "gross": "gross",
    "1000": "thousand",
    "thousand": "thousand",
    "t": "t",
    "bbl": "bbl",
    "m": "m",
    "m2": "m2",
    "m3": "m3",
}


@dataclass(frozen=True)
class Rate:
    ad_valorem: str = "0"
    specific: str = "0"
    unit: str = ""
    known: bool = True


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if text not in ("-0", "") else "0"


def parse_rate(text: str) -> Rate:
    """A column 1 or column 2 rate as written ("Free", "2.7%", "4.4¢/kg", "$1.05/kg + 6%") in structured form.

    >>> parse_rate("4.4¢/kg + 6.8%")
    Rate(ad_valorem='0.068', specific='0.044', unit='kg', known=True)
    >>> parse_rate("25¢ each").unit, parse_rate("See 9904.10.40").known
    ('each', False)
    """
    text = " ".join(text.split())
    if text == "Free":
        return Rate()
    ad_valorem: Decimal | None = None
    specific: tuple[Decimal, str] | None = None
    for part in re.split(r"\s*\+\s*", text):
        if m := re.fullmatch(r"(\d+(?:\.\d+)?)%", part):
            if ad_valorem is not None:
                return Rate(known=False)
            ad_valorem = _number(m.group(1)) / 100
            continue
        m = re.fullmatch(r"(\$)?(\d[\d,]*(?:\.\d+)?)(¢)?\s*(?:/\s*(\S+)|(each))", part)
        if m is None or bool(m.group(1)) == bool(m.group(3)) or specific is not None:
            return Rate(known=False)
        unit = UNITS.get(m.group(4) or m.group(5) or "")
        if unit is None:
            return Rate(known=False)
        amount = _number(m.group(2)) / (100 if m.group(3) else 1)
        specific = (amount, unit)
    return Rate(
        ad_valorem=_plain(ad_valorem or Decimal(0)),
        specific=_plain(specific[0]) if specific else "0",
        unit=specific[1] if specific else "",
    )


def special_groups(text: str) -> list[tuple[str, list[str]]]:
    """The Special column as (rate text, program codes) groups: "Free (A+,AU,S) 2.5% (JP)" -> two groups."""
    return [
        (" ".join(m.group(1).split()), [p.strip() for p in m.group(2).split(",") if p.strip()])
        for m in re.finditer(r"([^()]*?)\s*\(([^)]*)\)", text)
    ]


def usmca_terms(special: str) -> tuple[bool, str]:
    """(usmca_exempt, usmca_rate): exempt when every S/S+ group is Free; the S/S+ text kept when it is not Free."""
    groups = [(rate, progs) for rate, progs in special_groups(special) if {"S", "S+"} & set(progs)]
    if not groups:
        return False, ""
    if all(rate == "Free" for rate, _ in groups):
        return True, "Free"
    text = "; ".join(f"{rate} ({','.join(p for p in progs if p in ('S', 'S+'))})" for rate, progs in groups)
    return False, text


@dataclass(frozen=True)
class Line:
    general: str
    special: str
    column2: str
    units: str


def read_edition(path: Path) -> dict[str, Line]:
    """Per 8-digit line of chapters 01-97: its General, Special and Column 2 text and units of quantity."""
    eight: dict[str, dict[str, str]] = {}
    tens: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            digits = re.sub(r"\D", "", row["HTS Number"])
            if len(digits) not in (8, 10) or not ("01" <= digits[:2] <= "97"):
                continue
            if len(digits) == 8:
                eight[digits] = row
            else:
                tens[digits[:8]].append(row)
    lines: dict[str, Line] = {}
    for hts8 in sorted(set(eight) | set(tens)):
        own = eight.get(hts8)
        rows = [own] if own is not None and own["General Rate of Duty"].strip() else []
        rows = rows or [r for r in tens.get(hts8, []) if r["General Rate of Duty"].strip()]
        if not rows:
            continue
        texts = {(r["General Rate of Duty"].strip(), r["Special Rate of Duty"].strip()) for r in rows}
        if len(texts) > 1:
            raise SystemExit(f"{path.name}: {hts8} has different rates on its 10-digit lines: {sorted(texts)}")
        units: list[str] = []
        for r in [*([own] if own else []), *tens.get(hts8, [])]:
            for unit in json.loads(r["Unit of Quantity"] or "[]"):
                if unit and unit not in units:
                    units.append(unit)
        first = rows[0]
        lines[hts8] = Line(
            general=" ".join(first["General Rate of Duty"].split()),
            special=" ".join(first["Special Rate of Duty"].split()),
            column2=" ".join(first["Column 2 Rate of Duty"].split()),
            units=";".join(units),
        )
    return lines


def chapter99(path: Path) -> dict[str, tuple[str, str]]:
    """Chapter 99 headings of an edition: number -> (General text, Description)."""
    out: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            number = row["HTS Number"].strip()
            if number.startswith("99"):
                out[number] = (" ".join(row["General Rate of Duty"].split()), " ".join(row["Description"].split()))
    return out


def dotted(code: str) -> str:
    parts = [code[:4], code[4:6], code[6:8], code[8:10]]
    return ".".join(p for p in parts if p)


def _percent(share: str) -> str:
    return f"{_plain(Decimal(share) * 100)}%"


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# --- MFN ------------------------------------------------------------------------------------------------------


Span = tuple[dt.date, dt.date | None, Any]


def _at(spans: list[Span], day: dt.date) -> Any:
    return next((p for s, e, p in spans if s <= day and (e is None or day <= e)), None)


def agree(timelines: list[list[Span]]) -> list[Span]:
    """The spans in which every timeline has the same payload (and none is missing)."""
    cuts = sorted({s for spans in timelines for s, _, _ in spans} | {e + DAY for t in timelines for _, e, _ in t if e})
    out: list[Span] = []
    for i, start in enumerate(cuts):
        end = cuts[i + 1] - DAY if i + 1 < len(cuts) else None
        states = {_at(spans, start) for spans in timelines}
        payload = next(iter(states))
        if len(states) != 1 or payload is None:
            continue
        if out and out[-1][2] == payload and out[-1][1] is not None and out[-1][1] + DAY == start:
            out[-1] = (out[-1][0], end, payload)
        else:
            out.append((start, end, payload))
    return out


def _editions(start: dt.date, end: dt.date | None) -> str:
    years = [y for y, s, e in EDITIONS if s <= (end or dt.date.max) and (e is None or e >= start)]
    return f"USITC HTS {' and '.join(years)} Basic Edition{'s' if len(years) > 1 else ''}"


def _mfn_rows(code: str, spans: list[Span], where: str, column2: bool = False) -> list[dict[str, str]]:
    """Rows of column 1 General (every origin but the Column 2 countries) or, ``column2``, of Column 2."""
    rows = []
    for start, end, (general, special, units) in spans:
        rate = parse_rate(general)
        exempt, usmca = usmca_terms(special) if not column2 else (False, "")
        rows.append(
            {
                "measure_id": f"mfn{'2' if column2 else ''}-{code}-{start.year}",
                "layer": "mfn",
                "importer": "US",
                "hts_prefix": code,
                "origin": COLUMN2 if column2 else "*",
                "origin_except": "" if column2 else COLUMN2,
                "rate_ad_valorem": rate.ad_valorem,
                "rate_specific_usd": rate.specific,
                "rate_specific_unit": rate.unit,
                "effective_from": _date(start),
                "effective_to": _date(end),
                "enabled": "true",
                "usmca_exempt": "true" if exempt else "false",
                "verified": "true",
                "ch99": "",
                "displaces": "",
                "value_basis": "full",
                "source": f"{_editions(start, end)}, {where}, {'Column 2' if column2 else 'col. 1 General'}",
                "source_date": _date(start),
                "note": "" if rate.known else "rate not machine-readable",
                "rate_text": general,
                "rate_known": "true" if rate.known else "false",
                "usmca_rate": usmca,
                "special": "" if column2 else special,
                "unit_of_quantity": units,
            }
        )
    return rows


def build_mfn(editions: dict[str, dict[str, Line]], column2: bool = False) -> list[dict[str, str]]:
    """One row per 8-digit line and edition (one row when both editions agree), and per 6-digit subheading
    for the dates on which all its lines agree: column 1 General, or (``column2``) Column 2 for the countries of
    General Note 3(b)."""
    codes = sorted(set().union(*(set(lines) for lines in editions.values())))
    timelines: dict[str, list[Span]] = {}
    units: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        spans = [
            (start, end, (line.column2, "") if column2 else (line.general, line.special))
            for year, start, end in EDITIONS
            if (line := editions[year].get(code)) is not None
        ]
        timelines[code] = agree([spans])  # merges the editions where the line is the same
        for year, _, _ in EDITIONS:
            line = editions[year].get(code)
            units[code] += [u for u in (line.units.split(";") if line and line.units else []) if u not in units[code]]
    rows: list[dict[str, str]] = []
    by_six: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        full = [(s, e, (*p, ";".join(units[code]))) for s, e, p in timelines[code]]
        rows.extend(_mfn_rows(code, full, dotted(code), column2))
        by_six[code[:6]].append(code)
    for six, members in sorted(by_six.items()):
        common = agree([timelines[c] for c in members])
        six_units = ";".join(dict.fromkeys(u for c in members for u in units[c]))
        lines = f"{len(members)} 8-digit line{'s' if len(members) > 1 else ''}"
        spans = [(s, e, (*p, six_units)) for s, e, p in common]
        rows.extend(_mfn_rows(six, spans, f"{dotted(six)}: the same rate on its {lines}", column2))
    return rows


# --- Section 301 ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    rate: str
    start: dt.date
    end: dt.date | None
    ch99: str
    source: str
    source_date: str
    verified: bool
    label: str
    note: str = ""


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


FR_4YR = "USTR 89 FR 76581 (four-year review)"
#: Rates and dates of each Section 301 list of ``s301_product_lists.csv`` (by list, then Chapter 99 heading).
STEPS: dict[str, list[Step]] = {
    "1": [
        Step(
            "0.25",
            _d("2018-07-06"),
            None,
            "9903.88.01",
            "USTR 83 FR 28710: List 1 at 25%",
            "2018-06-20",
            True,
            "List 1",
        ),
    ],
    "2": [
        Step(
            "0.25",
            _d("2018-08-23"),
            None,
            "9903.88.02",
            "USTR 83 FR 40823: List 2 at 25%",
            "2018-08-16",
            True,
            "List 2",
        ),
    ],
    "3": [
        Step(
            "0.10",
            _d("2018-09-24"),
            _d("2019-05-09"),
            "9903.88.03",
            "USTR 83 FR 47974: List 3 at 10%",
            "2018-09-21",
            True,
            "List 3",
        ),
        Step(
            "0.25",
            _d("2019-05-10"),
            None,
            "9903.88.03",
            "USTR 84 FR 20459: List 3 at 25%",
            "2019-05-15",
            True,
            "List 3",
        ),
    ],
    "3_addl": [
        Step(
            "0.10",
            _d("2018-09-24"),
            _d("2019-05-09"),
            "9903.88.04",
            "HTSUS heading 9903.88.04 (U.S. note 20(g)); dates assumed those of List 3 (83 FR 47974)",
            "2018-09-21",
            False,
            "List 3 (note 20(g))",
            "start date and 10% step not traced: assumed those of List 3",
        ),
        Step(
            "0.25",
            _d("2019-05-10"),
            None,
            "9903.88.04",
            "HTSUS heading 9903.88.04 (U.S. note 20(g)) +25%; date assumed that of List 3 (84 FR 20459)",
            "2019-05-15",
            False,
            "List 3 (note 20(g))",
            "start date not traced: assumed that of List 3 at 25%",
        ),
    ],
    "4A": [
        Step(
            "0.15",
            _d("2019-09-01"),
            _d("2020-02-13"),
            "9903.88.15",
            "USTR 84 FR 43304 Annex A, 15% by 84 FR 45821: List 4A",
            "2019-08-30",
            True,
            "List 4A",
        ),
        Step(
            "0.075",
            _d("2020-02-14"),
            None,
            "9903.88.15",
            "USTR 85 FR 3741: List 4A at 7.5%",
            "2020-01-22",
            True,
            "List 4A",
        ),
    ],
    "4B": [],  # 84 FR 43304 Annex C, due 2019-12-15, suspended before it took effect (CBP CSMS #40984510)
    "biden_25": [
        Step(
            "0.25",
            _d("2024-09-27"),
            None,
            "9903.91.01",
            f"{FR_4YR}; 9903.91.01, note 31(b)",
            "2024-09-18",
            True,
            "four-year review 31(b)",
        ),
    ],
    "biden_50": [
        Step(
            "0.50",
            _d("2024-09-27"),
            None,
            "9903.91.02",
            f"{FR_4YR}; 9903.91.02, note 31(c)",
            "2024-09-18",
            True,
            "four-year review 31(c)",
        ),
    ],
    "biden_100": [
        Step(
            "1.00",
            _d("2024-09-27"),
            None,
            "9903.91.03",
            f"{FR_4YR}; 9903.91.03, note 31(d)",
            "2024-09-18",
            True,
            "four-year review 31(d)",
        ),
    ],
    "biden_50_jan25": [
        Step(
            "0.50",
            _d("2025-01-01"),
            None,
            "9903.91.05",
            f"{FR_4YR}; 9903.91.05, note 31(f)",
            "2024-09-18",
            True,
            "four-year review 31(f)",
        ),
    ],
    "biden_25_jan25": [
        Step(
            "0.25",
            _d("2025-01-01"),
            None,
            "9903.91.11",
            "HTSUS heading 9903.91.11, note 31(j) (2025 edition)",
            "2025-01-01",
            True,
            "Section 301 note 31(j)",
        ),
    ],
    "cranes_301": [
        Step(
            "0.25",
            _d("2024-09-27"),
            None,
            "9903.92.10",
            f"{FR_4YR}; heading 9903.92.10 (ship-to-shore cranes)",
            "2024-09-18",
            False,
            "four-year review: ship-to-shore gantry cranes",
            "only ship-to-shore gantry cranes of 8426.19.00 (other cranes: 9903.92.80, no additional duty)",
        ),
    ],
}
#: The 2026 steps of the four-year review are listed under one list name with three headings.
STEPS_2026 = {
    "9903.91.06": Step(
        "0.25",
        _d("2026-01-01"),
        None,
        "9903.91.06",
        f"{FR_4YR}; 9903.91.06, note 31(g)",
        "2024-09-18",
        True,
        "four-year review 31(g)",
    ),
    "9903.91.07": Step(
        "0.50",
        _d("2026-01-01"),
        None,
        "9903.91.07",
        f"{FR_4YR}; 9903.91.07, note 31(h)",
        "2024-09-18",
        False,
        "four-year review 31(h): face masks",
        "31(h) covers face masks and respirators; the list gives the whole 8-digit line",
    ),
    "9903.91.08": Step(
        "1.00",
        _d("2026-01-01"),
        None,
        "9903.91.08",
        f"{FR_4YR}; 9903.91.08, note 31(i)",
        "2024-09-18",
        True,
        "four-year review 31(i)",
    ),
}
#: Rows the 8-digit list file cannot express (10-digit statistical lines, a dated step it leaves out); unverified.
SUPPLEMENT: list[tuple[str, Step]] = [
    (
        "8507600020",
        Step(
            "0.15",
            _d("2019-09-01"),
            _d("2020-02-13"),
            "9903.88.15",
            "USTR, 84 FR 43304 Annex A (8507.60.0020); CBP ruling NY N314994 (8507.60.0020 under 9903.88.15)",
            "2019-08-30",
            False,
            "List 4A (8507.60.0020)",
        ),
    ),
    (
        "8507600020",
        Step(
            "0.075",
            _d("2020-02-14"),
            None,
            "9903.88.15",
            "USTR, 85 FR 3741; CBP ruling NY N314994 (8507.60.0020 under 9903.88.15)",
            "2020-01-22",
            False,
            "List 4A (8507.60.0020)",
        ),
    ),
    (
        "8507600010",
        Step(
            "0.25",
            _d("2024-09-27"),
            _d("2025-12-31"),
            "9903.91.01",
            f"{FR_4YR}: EV lithium-ion batteries (8507.60.0010) in U.S. note 31(b) until 31(g) takes over",
            "2024-09-18",
            False,
            "four-year review 31(b): EV batteries",
        ),
    ),
    (
        "40151210",
        Step(
            "0.50",
            _d("2025-01-01"),
            _d("2025-12-31"),
            "9903.91.05",
            f"{FR_4YR}: medical gloves 50% in 2025 (U.S. note 31(f)), 100% from 2026 (31(i))",
            "2024-09-18",
            False,
            "four-year review 31(f): medical gloves",
        ),
    ),
]


def check_steps(headings: dict[str, dict[str, tuple[str, str]]]) -> None:
    """Each step's current rate equals its Chapter 99 heading's "+ x%", and 9903.91 start dates match the text."""
    steps = [s for group in STEPS.values() for s in group] + list(STEPS_2026.values()) + [s for _, s in SUPPLEMENT]
    months = {m: i for i, m in enumerate(("January", "February", "March", "April", "May", "June", "July", "August",
                                          "September", "October", "November", "December"), start=1)}  # fmt: skip
    for step in steps:
        for year, found in headings.items():
            if step.ch99 not in found:
                raise SystemExit(f"heading {step.ch99} is not in the {year} edition")
            general, description = found[step.ch99]
            m = re.search(r"(?:\+|plus)\s*(\d+(?:\.\d+)?)%", general)
            current = [s for s in steps if s.ch99 == step.ch99 and s.end is None]
            if m and current and Decimal(m.group(1)) / 100 != Decimal(current[0].rate):
                raise SystemExit(f"{step.ch99} ({year}): heading says {general!r}, table says {current[0].rate}")
            d = re.search(r"on or after (\w+) (\d+), (\d{4})", description)
            if step.ch99.startswith("9903.91") and d:
                stated = dt.date(int(d.group(3)), months[d.group(1)], int(d.group(2)))
                if stated != min(s.start for s in steps if s.ch99 == step.ch99):
                    raise SystemExit(f"{step.ch99} ({year}): heading starts {stated}, table starts {step.start}")


def _steps_of(code: str, lists: dict[str, list[tuple[str, str]]]) -> list[Step]:
    steps: list[Step] = []
    for name, ch99 in lists.get(code, []):
        steps.extend([STEPS_2026[ch99]] if name == "biden_jan26" else STEPS[name])
    steps.extend(s for c, s in SUPPLEMENT if c == code)
    return steps


def resolve(steps: list[Step]) -> list[tuple[dt.date, dt.date | None, Step, list[Step]]]:
    """Non-overlapping spans: at every date the highest rate in force (the later start on a tie)."""
    cuts = sorted({s.start for s in steps} | {s.end + DAY for s in steps if s.end})
    spans: list[tuple[dt.date, dt.date | None, Step, list[Step]]] = []
    for i, start in enumerate(cuts):
        end = cuts[i + 1] - DAY if i + 1 < len(cuts) else None
        live = [s for s in steps if s.start <= start and (s.end is None or s.end >= start)]
        if not live:
            continue
        best = max(live, key=lambda s: (Decimal(s.rate), -s.start.toordinal()))  # a tie keeps the earlier action
        others = [s for s in live if s is not best]
        if spans and spans[-1][2] == best and spans[-1][1] is not None and spans[-1][1] + DAY == start:
            spans[-1] = (spans[-1][0], end, best, sorted({*spans[-1][3], *others}, key=lambda s: s.ch99))
        else:
            spans.append((start, end, best, others))
    return spans


def _s301_rows(
    code: str, spans: list[tuple[dt.date, dt.date | None, Step, list[Step]]], extra: str = ""
) -> list[dict[str, str]]:
    rows = []
    for start, end, step, others in spans:
        superseded = sorted({f"{o.label} ({o.ch99})" for o in others if o.label != step.label})
        notes = [n for n in (step.note, extra) if n]
        if superseded:
            notes.append("also " + ", ".join(superseded) + ": the highest rate in force applies")
        rows.append(
            {
                "measure_id": f"s301-{code}-{start.isoformat()}",
                "layer": "section_301",
                "importer": "US",
                "hts_prefix": code,
                "origin": "CN",
                "origin_except": "",
                "rate_ad_valorem": _plain(Decimal(step.rate)),
                "rate_specific_usd": "0",
                "rate_specific_unit": "",
                "effective_from": _date(start),
                "effective_to": _date(end),
                "enabled": "true",
                "usmca_exempt": "false",
                "verified": "true" if step.verified else "false",
                "ch99": step.ch99,
                "displaces": "",
                "value_basis": "full",
                "source": step.source,
                "source_date": step.source_date,
                "note": "; ".join(notes),
                "rate_text": f"+{_percent(step.rate)}",
                "rate_known": "true",
                "usmca_rate": "",
                "special": "",
                "unit_of_quantity": "",
            }
        )
    return rows


def build_s301(lists_path: Path, editions: dict[str, dict[str, Line]]) -> list[dict[str, str]]:
    lists: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with lists_path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            name, ch99 = row["list"].strip(), row["ch99_code"].strip()
            if name not in STEPS and not (name == "biden_jan26" and ch99 in STEPS_2026):
                raise SystemExit(f"{lists_path.name}: list {name!r} ({ch99}) has no rates in STEPS")
            lists[row["hts8"].strip()].append((name, ch99))
    codes = sorted(set(lists) | {c for c, _ in SUPPLEMENT})
    timelines: dict[str, list[tuple[dt.date, dt.date | None, Step, list[Step]]]] = {}
    for code in codes:
        steps = _steps_of(code, lists)
        for length in (8,):  # a 10-digit line carries the rows of its 8-digit line as well
            if len(code) > length:
                steps += _steps_of(code[:length], lists)
        timelines[code] = resolve(steps)
    rows: list[dict[str, str]] = []
    for code, spans in timelines.items():
        rows.extend(_s301_rows(code, spans))
    lines = sorted(set().union(*(set(e) for e in editions.values())))
    by_six: dict[str, list[str]] = defaultdict(list)
    for code in lines:
        by_six[code[:6]].append(code)
    split = {c[:6] for c in timelines if len(c) > 8}  # subheadings with 10-digit rows of their own
    for six, members in sorted(by_six.items()):
        if six in split:
            continue
        plain = [[(s, e, step) for s, e, step, _ in timelines.get(c, [])] for c in members]
        common = agree([[(s, e, (step.rate, step.verified)) for s, e, step in spans] for spans in plain])
        merged = []
        for start, end, _ in common:  # the same rate on every line, possibly by different lists
            steps = sorted({_at(spans, start) for spans in plain}, key=lambda step: step.ch99)
            first = steps[0]
            merged.append(
                (start, end, Step(first.rate, start, end, ";".join(dict.fromkeys(x.ch99 for x in steps)),
                                  " / ".join(dict.fromkeys(x.source for x in steps)),
                                  max(x.source_date for x in steps), first.verified,
                                  " / ".join(dict.fromkeys(x.label for x in steps)),
                                  "; ".join(dict.fromkeys(x.note for x in steps if x.note))), [])
            )  # fmt: skip
        rows.extend(_s301_rows(six, merged, f"all {len(members)} 8-digit lines under {dotted(six)} alike"))
    return rows


# --- output ---------------------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(rows: list[dict[str, str]], path: Path) -> None:
    rows = sorted(rows, key=lambda r: (r["hts_prefix"], r["origin"], r["effective_from"], r["measure_id"]))
    ids = [r["measure_id"] for r in rows]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"{path.name}: duplicate measure ids")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(data: Path) -> dict[str, list[dict[str, str]]]:
    """The rows of ``us_mfn.csv`` and ``us_section301.csv`` from the files under ``data``."""
    folder = data / "us_hts_basic_edition"
    editions = {year: read_edition(folder / f"hts_{year}_basic_edition.csv") for year, _, _ in EDITIONS}
    check_steps({year: chapter99(folder / f"hts_{year}_basic_edition.csv") for year, _, _ in EDITIONS})
    return {
        "us_mfn.csv": build_mfn(editions) + build_mfn(editions, column2=True),
        "us_section301.csv": build_s301(data / "us_tariff_layers" / "s301_product_lists.csv", editions),
    }


def meta(data: Path, tables: dict[str, list[dict[str, str]]]) -> dict[str, object]:
    folder = data / "us_hts_basic_edition"
    return {
        "tables": {name: len(rows) for name, rows in tables.items()},
        "sources": {
            "hts_2025_basic_edition.csv": sha256(folder / "hts_2025_basic_edition.csv"),
            "hts_2026_basic_edition.csv": sha256(folder / "hts_2026_basic_edition.csv"),
            "s301_product_lists.csv": sha256(data / "us_tariff_layers" / "s301_product_lists.csv"),
        },
        "source": "USITC, Harmonized Tariff Schedule of the United States (2025) and (2026) Basic Editions (public "
        "domain); Section 301 China lists by 8-digit line from Budget-Lab-Yale/tariff-rate-tracker "
        "resources/s301_product_lists.csv at 8315fffd (MIT), rates and dates from the Federal Register notices cited "
        "per row",
        "built_by": "scripts/build_us_tariffs.py",
        "documentation": "docs/tariffs.md",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    tables = build(args.data)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        write(rows, OUT / name)
        print(f"{name}: {len(rows):,} rows")
    (OUT / "us_tariffs.meta.json").write_text(json.dumps(meta(args.data, tables), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
