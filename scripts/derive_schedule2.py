#!/usr/bin/env python3
"""Derive the lists of USMCA Table 2.10.1 goods (criterion E) per importing country.

SOR/2020-155 s.3(7) and Schedule 2 (Canada), HTSUS General Note 11(p) (United States) and 19 U.S.C.
4531(c)(1)(E): a listed good is originating when imported from another USMCA country. Each country
lists the goods in its own tariff items, so the lists differ at 8 digits:

* CA: the Canadian tariff items as printed in Schedule 2 of ../shared/reference/SOR-2020-155.txt;
* US: the provisions of General Note 11(p) as read (scripts/data/gn11p_us_items.txt, the opening of
  the list only); the rest (parts of ADP machines 8473.30, parts of LAN equipment, parts of monitors
  and projectors, computer power supplies) derived from the HTSUS 2026 basic edition
  (../shared/data/us_hts_basic_edition/hts_2026_basic_edition.csv) for the subheadings of Schedule 2:
  the 8-digit items whose HTSUS description names the good, the whole subheading where Schedule 2
  lists it at 6 digits, HS 2017 8517.70 as HS 2022 8517.71 and 8517.79; 8529.90, whose HTSUS items
  do not single out parts of monitors and projectors, is marked unknown;
* MX: the Mexican tariff items were not found: the 6-digit subheadings of Schedule 2, with those of
  which Canada lists only some items (8504.40, 8504.90, 8529.90) marked unknown.

Schedule 2 is written in HS 2017; its 8517.70 is applied, in every list, to the HS 2022 subheadings
8517.71 and 8517.79 that replaced it (each such entry says so).

For each subheading touched, ``items`` lists the country's tariff items when known (the US items from
the HTSUS; a Canadian item ending in .00 is its subheading's only item), so that a 6-digit code can be
found wholly inside the list, or covering items inside and outside it (undetermined).

Run from the project root:  python scripts/derive_schedule2.py [--check]
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SOR = SHARED / "reference" / "SOR-2020-155.txt"
HTS = SHARED / "data" / "us_hts_basic_edition" / "hts_2026_basic_edition.csv"
GN11P = ROOT / "scripts" / "data" / "gn11p_us_items.txt"
OUT = ROOT / "src" / "allyshore" / "origin" / "rules" / "schedule2.json"

SOR_SOURCE = "SOR/2020-155 Schedule 2 (consolidation current to 2025-07-25)"
GN11P_SOURCE = (
    "HTSUS General Note 11(p), read at https://checkoutapi.com/htsus?general_notes=usmca&page=163 (opening of the list)"
)
HTS_SOURCE = (
    "derived from the HTSUS 2026 basic edition (USITC) for the Schedule 2 subheading; the General Note 11(p) "
    "text for this good was not found"
)
MX_SOURCE = "SOR/2020-155 Schedule 2, 6-digit subheadings (Mexican tariff items not found)"
CODE = re.compile(r"^\d{4}\.\d{2}(?:\.\d{2})?$")
#: HS 2022 split HS 2017 subheading 8517.70 (parts of the apparatus of 85.17) into these two.
HS2022_8517_70 = ("851771", "851779")
HS2022_NOTE = "listed as 8517.70 (HS 2017), applied to its HS 2022 successors 8517.71 and 8517.79"
#: Table 2.10.1 group G is "Computer Power Supplies": an item that is not only that must be attested.
POWER = "the good is a computer power supply (USMCA Table 2.10.1, G)"
#: US tariff items that CBP rulings hold to be on the General Note 11(p) list, where the text read does not show them.
US_RULINGS = (
    (
        "85176200",
        "Machines for the reception, conversion and transmission or regeneration of data (LAN equipment)",
        "derived from CBP ruling HQ H312426 (7 August 2020): HTSUS 8517.62.00.20 and 8517.62.00.90 deemed originating "
        "under General Note 11(p)",
    ),
)


def _digits(code: str) -> str:
    return code.replace(".", "").strip()


def canada(text: str) -> list[dict[str, Any]]:
    """Schedule 2 as printed: group letter, group title, sub-titles, codes and the conditions after them."""
    lines = [x.strip() for x in text.splitlines()]
    start = next(i for i, x in enumerate(lines) if x.startswith("Goods Set Out in Table 2.10.1"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("SCHEDULE 3"))
    entries: list[dict[str, Any]] = []
    group = title = description = ""
    pending: list[dict[str, Any]] = []
    for i in range(start + 1, end):
        line = lines[i]
        if re.fullmatch(r"[A-G]", line):
            group, title = line, lines[i + 1]
            description, pending = title, []
            continue
        if line == title:
            continue
        if CODE.match(line):
            entry = {"code": _digits(line), "group": group, "description": description, "condition": ""}
            entries.append(entry)
            pending.append(entry)
        elif line[:1].islower():  # "parts of ...": the goods of the codes just listed
            for entry in pending:
                entry["condition"] = line
            pending = []
        else:
            description, pending = line, []
    for entry in entries:
        if entry["group"] == "G":
            entry["condition"] = POWER
        entry.update(known=True, source=SOR_SOURCE)
    return entries


def _hts(rows: list[dict[str, str]]) -> list[tuple[str, int, str]]:
    return [(_digits(r["HTS Number"]), int(r["Indent"] or 0), r["Description"]) for r in rows]


def hts_items(rows: list[tuple[str, int, str]], subheading: str) -> list[str]:
    """The 8-digit items of a subheading in the HTSUS (an item with statistical suffixes counts once)."""
    return sorted({code[:8] for code, _, _ in rows if code.startswith(subheading) and len(code) >= 8})


def _under_text(rows: list[tuple[str, int, str]], subheading: str, starts: str) -> list[str]:
    """The 8-digit items below the unnumbered HTSUS text row of ``subheading`` that starts with ``starts``."""
    out: list[str] = []
    inside, depth, current = False, 0, ""
    for code, indent, description in rows:
        if code:
            current = code
        if not code and current.startswith(subheading) and description.startswith(starts):
            inside, depth = True, indent
            continue
        if inside:
            if indent <= depth or not code.startswith(subheading):
                break
            if len(code) >= 8:
                out.append(code[:8])
    return sorted(set(out))


def united_states(gn11p: str, rows: list[tuple[str, int, str]], canadian: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for line in gn11p.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        description, codes = (x.strip() for x in line.split("|"))
        condition = description if description.startswith("Parts of machines") else ""
        group = next((e["group"] for e in canadian for c in codes.split(",") if _digits(c)[:6] == e["code"][:6]), "")
        for code in codes.split(","):
            entries.append(
                {
                    "code": _digits(code),
                    "group": group,
                    "description": description,
                    "condition": condition,
                    "known": True,
                    "source": GN11P_SOURCE,
                }
            )
    read = {e["code"][:6] for e in entries}

    def derived(code: str, description: str, condition: str = "", known: bool = True) -> dict[str, Any]:
        return {
            "code": code,
            "group": e["group"],
            "description": description,
            "condition": condition,
            "known": known,
            "source": HTS_SOURCE,
        }

    for e in canadian:  # the Schedule 2 subheadings the General Note 11(p) text read does not cover
        sub = e["code"][:6]
        if sub in read:
            continue
        read.add(sub)
        if sub == "847330":
            entries.append(
                derived(sub, "Parts of automatic data processing machines and units thereof", e["condition"])
            )
        elif sub == "851770":
            for item in sorted({c[:6] for c, _, _ in rows if c.startswith(HS2022_8517_70)}):
                entries.append(derived(item, "Parts of LAN equipment of subheading 8517.62", e["condition"]))
        elif sub == "852990":
            entries.append(derived(sub, "Parts of monitors and projectors", e["condition"], known=False))
        elif sub == "850440":
            for item in _under_text(rows, "850440", "Power supplies for automatic data processing machines"):
                entries.append(derived(item, "Computer power supplies", POWER))
        elif sub == "850490":
            for item in _under_text(rows, "850490", "Of power supplies for automatic data processing machines"):
                entries.append(derived(item, "Parts of computer power supplies", POWER))
        else:
            raise SystemExit(f"no US derivation for Schedule 2 subheading {sub}")
    lan = next((e["group"] for e in canadian if e["code"].startswith("851770")), "")
    for code, description, source in US_RULINGS:
        if code[:6] not in read:
            entries.append(
                {
                    "code": code,
                    "group": lan,
                    "description": description,
                    "condition": "",
                    "known": True,
                    "source": source,
                }
            )
    return entries


def mexico(canadian: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for e in canadian:
        sub = e["code"][:6]
        partial = len(e["code"]) > 6 and not e["code"].endswith("00")
        out.setdefault(sub, {**e, "code": sub, "known": not partial, "source": MX_SOURCE})
    return list(out.values())


def hs2022(entries: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """One entry per code, with the HS 2022 successors of HS 2017 subheading 8517.70 (8517.71, 8517.79)."""
    out: dict[str, dict[str, Any]] = {}
    for e in entries:
        out.setdefault(e["code"], e)
        if e["code"][:6] == "851770":
            for code in HS2022_8517_70:
                out.setdefault(code, {**e, "code": code, "source": f"{source}; {HS2022_NOTE}"})
    return list(out.values())


def _items(entries: list[dict[str, Any]], rows: list[tuple[str, int, str]] | None) -> dict[str, list[str]]:
    items: dict[str, list[str]] = {}
    for e in entries:
        sub = e["code"][:6]
        if rows is not None:
            items[sub] = hts_items(rows, sub)
        elif len(e["code"]) == 8 and e["code"].endswith("00"):
            items[sub] = [e["code"]]
    return dict(sorted(items.items()))


def build(sor_text: str, gn11p_text: str, hts_rows: list[dict[str, str]]) -> dict[str, Any]:
    rows = _hts(hts_rows)
    printed = canada(sor_text)
    us = united_states(gn11p_text, rows, printed)
    ca = hs2022(printed, SOR_SOURCE)
    mx = hs2022(mexico(printed), MX_SOURCE)
    return {
        "description": "Goods of USMCA Table 2.10.1 deemed originating when imported from another USMCA country "
        "(SOR/2020-155 s.3(7), Schedule 2; HTSUS General Note 11(p); 19 U.S.C. 4531(c)(1)(E)), per importing "
        "country. Derived by scripts/derive_schedule2.py.",
        "lists": {
            "US": {"source": "HTSUS General Note 11(p)", "entries": us, "items": _items(us, rows)},
            "CA": {"source": SOR_SOURCE, "entries": ca, "items": _items(ca, None)},
            "MX": {"source": MX_SOURCE, "entries": mx, "items": {}},
        },
    }


def main() -> None:
    with HTS.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    doc = build(SOR.read_text(encoding="utf-8-sig"), GN11P.read_text(encoding="utf-8"), rows)
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{OUT} is not current: run python scripts/derive_schedule2.py")
        print(f"{OUT.name} is current")
        return
    OUT.write_text(text, encoding="utf-8")
    for country, lst in doc["lists"].items():
        print(country, len(lst["entries"]), "entries")


if __name__ == "__main__":
    main()
