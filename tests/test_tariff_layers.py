"""The US additional-duty layers table (``data/tariffs/us_layers.csv``): schema, rebuild and golden cases.

The golden cases do not read the table to find their answer. Each expected rate is derived here from
- the product lists in ../shared/data/us_tariff_layers (auto parts, annexes, derivatives, fentanyl carve-outs,
  IEEPA-exempt products) and the column 1 rates of the HTSUS Basic Editions in ../shared/data/us_hts_basic_edition,
- the Section 122 exemption list transcribed from HTSUS note 2(aa)(ii) (scripts/data/s122_exempt_products.txt),
- the rates and dates written below, each with the Federal Register document or HTSUS heading it comes from,
and then compared with what a small evaluator written here (the engine's rule: within a layer the most specific
measure in force wins, a named origin over ``*``; USMCA-exempt measures do not apply to USMCA goods; a measure
that applies switches off the layers it ``displaces``) reads from the table.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "src" / "allyshore" / "data" / "tariffs" / "us_layers.csv"
SHARED = ROOT.parent / "shared" / "data"
HEADER = (
    "measure_id,layer,importer,hts_prefix,origin,origin_except,rate_ad_valorem,rate_specific_usd,effective_from,"
    "effective_to,enabled,usmca_exempt,displaces,value_basis,ch99,verified,source,source_date,note,rate_text,rate_known"
)
LAYERS = {"section_232", "ieepa_fentanyl", "ieepa_reciprocal", "section_122", "section_201"}
D = dt.date.fromisoformat

# -- dates and rates of the law, with their source --------------------------------------------------------------------
IEEPA_LAST_DAY = D("2026-02-19")  # Learning Resources, Inc. v. Trump, decided 20 Feb 2026: no IEEPA duty from that day
# Fentanyl, China and Hong Kong: HTSUS U.S. note 2(s) (9903.01.20, 10%, 4 Feb-3 Mar 2025); EO 14228 (20% from
# 4 Mar 2025); note 2(u) (9903.01.24, 10% from 10 Nov 2025).
FENTANYL_CN = [(D("2025-02-04"), 0.10), (D("2025-03-04"), 0.20), (D("2025-11-10"), 0.10)]
# Canada: EO 14193 25%, paused to 4 Mar 2025 (EO 14197); 35% from 1 Aug 2025 (EO 14325, 9903.01.10); energy 10%
# (9903.01.13); USMCA goods exempt from 7 Mar 2025 (EO 14231, 9903.01.14). Mexico: 25% (EO 14194/14198,
# 9903.01.01), USMCA goods exempt from 7 Mar 2025 (EO 14232, 9903.01.04), potash 10% (9903.01.05).
FENTANYL_CA = [(D("2025-03-04"), 0.25), (D("2025-08-01"), 0.35)]
FENTANYL_MX = [(D("2025-03-04"), 0.25)]
USMCA_FENTANYL_EXEMPT_FROM = D("2025-03-07")
# Reciprocal: 10% baseline from 5 Apr 2025 (EO 14257, 9903.01.25); Annex I rates on 9 Apr 2025 only (9903.01.43-.76,
# paused by EO 14266); China 84% on 9 Apr (EO 14259), 125% 10 Apr-13 May (EO 14266), back to the 10% baseline
# from 14 May 2025 (EO 14298); Phase 2 country rates from 7 Aug 2025 (EO 14326, 9903.02.xx).
RECIPROCAL_START = D("2025-04-05")
PHASE1_DAY = D("2025-04-09")
PHASE2_START = D("2025-08-07")
PHASE1 = {"VN": 0.46, "DE": 0.20}  # 9903.01.72 (Vietnam +46%), 9903.01.50 (EU +20%)
PHASE2 = {"VN": 0.20, "TW": 0.20, "GB": 0.10}  # 9903.02.69, 9903.02.60, 9903.02.66
CHINA = [(D("2025-04-05"), 0.10), (D("2025-04-09"), 0.84), (D("2025-04-10"), 1.25), (D("2025-05-14"), 0.10)]
# India: 25% (9903.02.26) plus 25% from 27 Aug 2025 (EO 14329, 9903.01.84) until 6 Feb 2026.
INDIA = [(D("2025-08-07"), 0.25), (D("2025-08-27"), 0.50), (D("2026-02-07"), 0.25)]
BRAZIL = [(D("2025-08-06"), 0.50)]  # 9903.01.77 +40% (from 6 Aug 2025) and 9903.02.09 +10%
# Floors: "15%" (9903.02.20 EU, 9903.02.73 Japan from 7 Aug 2025; 9903.02.80 Korea, .83 Switzerland from
# 14 Nov 2025): the additional duty is 15% less the column 1 rate. Before: Korea +15% (9903.02.56), Switzerland
# +39% (9903.02.58).
FLOOR = 0.15
FLOOR_FROM = {
    "DE": D("2025-08-07"),
    "FR": D("2025-08-07"),
    "JP": D("2025-08-07"),
    "KR": D("2025-11-14"),
    "CH": D("2025-11-14"),
}
SURCHARGE_BEFORE_FLOOR = {"KR": 0.15, "CH": 0.39}
# Section 122: 10% (9903.03.01) from 24 Feb 2026 for 150 days (last day 23 Jul 2026); USMCA goods exempt (9903.03.07/.08).
S122 = (D("2026-02-24"), D("2026-07-23"), 0.10)
# Section 232.
STEEL_ARTICLES = [
    ("720610", "721650"),
    ("721699", "730110"),
    ("730210", "730210"),
    ("730240", "730290"),
    ("730410", "730690"),
]  # Proc. 9705 cl. 1
STEEL = [(D("2018-03-23"), 0.25), (D("2025-06-04"), 0.50)]  # Proc. 9705; Proc. 10947 (9903.81.87 +50%)
STEEL_UK_FROM_JUNE_2025 = 0.25  # 9903.81.94
STEEL_EXEMPT_UNTIL_12_MAR_2025 = {
    "AR",
    "AU",
    "BR",
    "KR",
    "CA",
    "MX",
    "DE",
    "FR",
    "JP",
    "GB",
    "UA",
}  # Proc. 10896 ended them
ALUMINIUM_RUSSIA = 2.00  # Proc. 10522, 9903.85.67 +200%
ALUMINIUM_ARTICLES = ("7601", "7604", "7605", "7606", "7607", "7608", "7609", "7616995160", "7616995170")  # Proc. 9704
# From 6 Apr 2026 a primary steel or aluminium article, or a chapter 73 article, that no annex lists is in annex I-A
# (the tracker's reading, policy_params.yaml section_232_annexes: annex_1a chapters 72, 73, 76, 74).
AUTOS_FROM, AUTO_PARTS_FROM = D("2025-04-03"), D("2025-05-03")  # Proc. 10908: 25% (9903.94.01, 9903.94.05)
# Note 33(h)(ii): an article of a 33(g) provision that is not a part of a car or light truck (a laptop of 8471)
# enters under 9903.94.06 without the duty.
NOT_AN_AUTO_PART = ("8471",)
# Wood products (Proclamation of 29 Sep 2025, from 14 Oct 2025): HTSUS 2026 9903.76.01 softwood +10%, .02 upholstered
# furniture +25%, .03 kitchen cabinets +25%; .20 UK +10%, .21-.23 Japan, EU, Korea "15%" (furniture and cabinets).
WOOD_FROM = D("2025-10-14")
WOOD_FLOOR_FROM = {"DE": WOOD_FROM, "JP": WOOD_FROM, "KR": D("2025-11-14")}
AUTO_FLOOR_FROM = {"DE": D("2025-08-01"), "JP": D("2025-09-16"), "KR": D("2025-11-01")}  # 9903.94.41/.51/.61 "15%"
UK_CAR_RATE = 0.075  # 9903.94.31 +7.5% (in quota)
COPPER_FROM = D("2025-08-01")  # 9903.78.01: 50% of the copper content
MHD_FROM = D("2025-11-01")  # Proc. 10984: trucks +25% (9903.74.01), buses +10% (9903.74.02)
INCLUSIONS_FROM = D("2025-08-18")  # 90 FR 40326: derivative inclusions, 50% of the metal content
ANNEX_FROM = D("2026-04-06")  # metals annexes: I-A 50%, I-B 25%, III 15% including column 1, II out of scope
SOLAR_YEAR8 = (D("2025-02-07"), D("2026-02-06"), 0.14)  # HTSUS U.S. note 18(h): modules 14% in year 8
SOLAR_EXCLUDED = {"KH", "CA"}  # note 18(b) developing countries (Cambodia) and 9903.45.27 (Canada)


# -- the table and an independent reading of it ----------------------------------------------------------------------


@cache
def table() -> tuple[dict[str, str], ...]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


@cache
def by_layer() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in table():
        if row["enabled"] == "true":
            out[row["layer"]].append(row)
    return out


def chosen(hts: str, origin: str, day: dt.date) -> dict[str, dict[str, str]]:
    """Per layer, the most specific enabled measure in force for (hts, origin) on ``day``."""
    iso = day.isoformat()
    picked: dict[str, dict[str, str]] = {}
    for layer, rows in by_layer().items():
        best: tuple[int, int, str] | None = None
        for row in rows:
            if row["effective_from"] > iso or (row["effective_to"] and row["effective_to"] < iso):
                continue
            if not hts.startswith(row["hts_prefix"]):
                continue
            if row["origin"] == "*":
                if origin in row["origin_except"].split(";"):
                    continue
                named = 0
            elif origin in row["origin"].split(";"):
                named = 1
            else:
                continue
            key = (len(row["hts_prefix"]), named, row["effective_from"])
            if best is None or key > best:
                best, picked[layer] = key, row
    return picked


def duties(hts: str, origin: str, day: dt.date, usmca: bool = False) -> dict[str, float]:
    """Rate per layer after USMCA exemptions and displacement (layers without a measure are 0)."""
    rows = chosen(hts, origin, day)
    applies = {layer: row for layer, row in rows.items() if not (usmca and row["usmca_exempt"] == "true")}
    displaced = {d for row in applies.values() for d in row["displaces"].split(";") if d}
    return {
        layer: (float(applies[layer]["rate_ad_valorem"]) if layer in applies and layer not in displaced else 0.0)
        for layer in sorted(LAYERS)
    }


# -- the sources, read here -------------------------------------------------------------------------------------------


def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent: the golden tariff cases need the source lists beside the repository")
    return SHARED


@cache
def lines(name: str) -> tuple[str, ...]:
    return tuple(
        line.strip() for line in (shared() / "us_tariff_layers" / name).read_text().splitlines() if line.strip()
    )


@cache
def wood_lines() -> dict[str, tuple[str, ...]]:
    """The note 37 product lines as the tracker lists them (policy_params.yaml, section_232_headings)."""
    import yaml

    params = yaml.safe_load(
        (shared().parent / "reference" / "us-tariff-methodology" / "policy_params.yaml").read_text()
    )
    heads = params["section_232_headings"]
    return {key: tuple(heads[key]["prefixes"]) for key in ("softwood", "wood_furniture", "kitchen_cabinets")}


@cache
def csv_rows(name: str) -> tuple[dict[str, str], ...]:
    with (shared() / "us_tariff_layers" / name).open(encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


@cache
def column1(year: int) -> dict[str, str]:
    out: dict[str, str] = {}
    with (shared() / "us_hts_basic_edition" / f"hts_{year}_basic_edition.csv").open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            code = row["HTS Number"].replace(".", "")
            if len(code) in (8, 10) and row["General Rate of Duty"].strip() and code[:8] not in out:
                out[code[:8]] = row["General Rate of Duty"].strip()
    return out


def mfn(hts: str, day: dt.date) -> float:
    text = column1(2025 if day.year < 2026 else 2026)[hts[:8]]
    if text.lower().startswith("free"):
        return 0.0
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%", text)
    assert match, f"golden cases use lines with an ad valorem column 1 rate, not {text!r}"
    return float(match.group(1)) / 100


def listed(hts: str, prefixes: tuple[str, ...] | list[str]) -> bool:
    return any(hts.startswith(p) for p in prefixes)


def ieepa_exempt(hts: str) -> bool:
    return hts in {r["hts10"][:10] for r in csv_rows("ieepa_exempt_products.csv")}


def s122_exempt(hts: str) -> bool:
    text = (ROOT / "scripts" / "data" / "s122_exempt_products.txt").read_text()
    codes = [line.split(",")[0] for line in text.splitlines() if line and not line.startswith("#")]
    return listed(hts, codes)


def annex(hts: str) -> str:
    """The 2026 annex of a line (the most specific listing), '' when not listed."""
    matches = [
        r
        for r in csv_rows("s232_annex_products.csv")
        if hts.startswith(r["hts_prefix"]) and not (len(r["hts_prefix"]) == 4 and r["hts_prefix"][:2] != "76")
    ]
    return max(matches, key=lambda r: len(r["hts_prefix"]))["annex"] if matches else ""


def step(schedule: list[tuple[dt.date, float]], day: dt.date, last: dt.date = dt.date.max) -> float:
    rate = 0.0
    for start, value in schedule:
        if day >= start:
            rate = value
    return rate if day <= last else 0.0


def steel_article(hts: str) -> bool:
    return any(low <= hts[:6] <= high for low, high in STEEL_ARTICLES)


def primary_metal_article(hts: str) -> bool:
    return steel_article(hts) or hts.startswith("73") or hts.startswith(ALUMINIUM_ARTICLES)


# -- the law for the golden cases (independent of the table) ----------------------------------------------------------


def law(hts: str, origin: str, day: dt.date, usmca: bool = False) -> dict[str, float]:
    out = dict.fromkeys(sorted(LAYERS), 0.0)
    ieepa = day <= IEEPA_LAST_DAY
    # fentanyl
    if ieepa and origin in ("CN", "HK"):
        out["ieepa_fentanyl"] = step(FENTANYL_CN, day)
    if ieepa and origin in ("CA", "MX") and not (usmca and day >= USMCA_FENTANYL_EXEMPT_FROM):
        rate = step(FENTANYL_CA if origin == "CA" else FENTANYL_MX, day)
        carve = {r["category"] for r in csv_rows("fentanyl_carveout_products.csv") if hts.startswith(r["hts8"])}
        if rate and (
            (origin == "CA" and "energy_ca" in carve)
            or (origin == "MX" and "potash_mx" in carve and day >= USMCA_FENTANYL_EXEMPT_FROM)
        ):
            rate = 0.10
        out["ieepa_fentanyl"] = rate
    # reciprocal
    if ieepa and day >= RECIPROCAL_START and origin not in ("CA", "MX", "RU") and not ieepa_exempt(hts):
        rate = 0.10
        if origin in ("CN", "HK"):
            rate = step(CHINA, day)
        elif day == PHASE1_DAY and origin in PHASE1:
            rate = PHASE1[origin]
        if day >= PHASE2_START and origin in PHASE2:
            rate = PHASE2[origin]
        if origin == "IN":
            rate = step(INDIA, day) or rate
        if origin == "BR":
            rate = step(BRAZIL, day) or rate
        if origin in SURCHARGE_BEFORE_FLOOR and PHASE2_START <= day < FLOOR_FROM[origin]:
            rate = SURCHARGE_BEFORE_FLOOR[origin]
        if origin in FLOOR_FROM and day >= FLOOR_FROM[origin]:
            rate = max(0.0, FLOOR - mfn(hts, day))
        out["ieepa_reciprocal"] = rate
    # Section 122
    start, end, rate = S122
    if start <= day <= end and not s122_exempt(hts) and not (usmca and origin in ("CA", "MX")):
        out["section_122"] = rate
    # Section 201
    start, end, rate = SOLAR_YEAR8
    if hts.startswith("8541430010") and start <= day <= end and origin not in SOLAR_EXCLUDED:
        out["section_201"] = rate
    # Section 232, highest precedence first (EO 14289, the autos and MHD proclamations)
    s232, displaces = 0.0, set()
    vehicle_lines = (
        "87032201",
        "87032301",
        "87032401",
        "87033101",
        "87033201",
        "87033301",
        "87034000",
        "87035000",
        "87036000",
        "87037000",
        "87038000",
        "87039001",
        "87042101",
        "87043101",
        "87044100",
        "87045100",
        "87046000",
    )  # note 33(b)
    if listed(hts, vehicle_lines) and day >= AUTOS_FROM:
        s232 = 0.25
        if origin == "GB" and day >= D("2025-06-30"):
            s232 = UK_CAR_RATE
        if origin in AUTO_FLOOR_FROM and day >= AUTO_FLOOR_FROM[origin]:
            s232 = max(0.0, FLOOR - mfn(hts, day))
        displaces = {"ieepa_reciprocal", "section_122"} | ({"ieepa_fentanyl"} if origin in ("CA", "MX") else set())
    elif listed(hts, lines("s232_auto_parts.txt")) and day >= AUTO_PARTS_FROM and not hts.startswith(NOT_AN_AUTO_PART):
        s232 = 0.0 if usmca and origin in ("CA", "MX") else 0.25
        if origin in AUTO_FLOOR_FROM and day >= AUTO_FLOOR_FROM[origin]:
            s232 = max(0.0, FLOOR - mfn(hts, day))
        if s232 or not usmca:
            displaces = {"ieepa_reciprocal", "section_122"} | ({"ieepa_fentanyl"} if origin in ("CA", "MX") else set())
    elif day >= WOOD_FROM and hts.startswith(sum(wood_lines().values(), ())):
        soft = hts.startswith(wood_lines()["softwood"])
        s232 = 0.10 if soft else 0.25
        if not soft and origin == "GB":
            s232 = 0.10
        if not soft and origin in WOOD_FLOOR_FROM and day >= WOOD_FLOOR_FROM[origin]:
            s232 = max(0.0, FLOOR - mfn(hts, day))
        displaces = {"ieepa_reciprocal", "section_122"}
    elif hts.startswith(("87012100", "8702103")) and day >= MHD_FROM:  # note 38(b) tractor, 38(c) bus
        s232 = 0.25 if hts.startswith("8701") else 0.10
        displaces = {"ieepa_reciprocal", "section_122"}
    elif day >= ANNEX_FROM:
        tier = annex(hts) or ("1a" if primary_metal_article(hts) else "")
        s232 = {"1a": 0.50, "1b": 0.25, "3": max(0.0, FLOOR - mfn(hts, day))}.get(tier, 0.0)
        if origin == "GB" and tier == "1a" and not hts.startswith("74"):
            s232 = 0.25
        if origin == "RU" and hts.startswith("76") and tier:
            s232 = ALUMINIUM_RUSSIA
        displaces = {"ieepa_reciprocal", "section_122"} if s232 else set()
    elif steel_article(hts):
        s232 = step(STEEL, day)
        if day < D("2025-03-12") and origin in STEEL_EXEMPT_UNTIL_12_MAR_2025:
            s232 = 0.0
        if origin == "GB" and day >= D("2025-06-04"):
            s232 = STEEL_UK_FROM_JUNE_2025
        if day >= D("2025-03-12"):
            displaces = {"ieepa_reciprocal", "section_122"} | ({"ieepa_fentanyl"} if origin in ("CA", "MX") else set())
    elif hts.startswith("76") and origin == "RU" and day >= D("2023-03-10"):
        s232 = ALUMINIUM_RUSSIA
    out["section_232"] = s232
    for layer in displaces:
        out[layer] = 0.0
    return out


@dataclass(frozen=True)
class Case:
    hts: str
    origin: str
    day: str
    usmca: bool = False
    why: str = ""


GOLDEN = [
    # steel, Section 232 (Proc. 9705 scope; Proc. 10896; Proc. 10947)
    Case("7208510030", "JP", "2025-03-01", why="Japan steel in the TRQ, before the 12 Mar 2025 end of arrangements"),
    Case("7208510030", "JP", "2025-04-01", why="25% for all countries from 12 Mar 2025"),
    Case("7208510030", "JP", "2025-07-01", why="50% from 4 Jun 2025, reciprocal displaced"),
    Case("7208510030", "GB", "2025-07-01", why="UK keeps 25% (9903.81.94)"),
    Case("7208510030", "CN", "2025-07-01", why="China fentanyl stacks on steel"),
    Case("7208510030", "CA", "2025-07-01", why="Canadian steel: 232 takes precedence over the CA IEEPA duty"),
    Case("7208510030", "CN", "2024-06-01", why="25% since 2018"),
    Case("7208510030", "BR", "2024-06-01", why="Brazil quota country, exempt before 12 Mar 2025"),
    Case("7616995160", "RU", "2024-06-01", why="Russian aluminium castings 200%"),
    # autos and parts (Proc. 10908; EO 14289; deals)
    Case("8703230190", "DE", "2025-05-01", why="car, 25%"),
    Case("8703230190", "DE", "2025-09-01", why="EU car, 15% including column 1"),
    Case("8703230190", "JP", "2025-09-01", why="Japan car before 16 Sep 2025: 25%"),
    Case("8703230190", "JP", "2025-10-01", why="Japan car, 15% including column 1"),
    Case("8703230190", "KR", "2025-11-05", why="Korea car, 15% including column 1 from 1 Nov 2025"),
    Case("8703230190", "GB", "2025-07-15", why="UK car in quota, 7.5%"),
    Case(
        "8703230190",
        "MX",
        "2025-06-01",
        usmca=True,
        why="USMCA car: no exemption from the auto duty, fentanyl displaced",
    ),
    Case("8708305090", "MX", "2025-06-01", why="Mexican auto part, not USMCA: 25%, fentanyl displaced"),
    Case("8708305090", "MX", "2025-06-01", usmca=True, why="USMCA-originating auto part: exempt, and fentanyl too"),
    Case("8708305090", "CN", "2025-06-01", why="Chinese auto part: 25% plus China fentanyl, reciprocal displaced"),
    Case("8708305090", "CN", "2025-04-15", why="auto parts start 3 May 2025"),
    Case("8708305090", "DE", "2025-09-01", why="EU auto part, 15% including column 1"),
    # medium and heavy vehicles, buses (Proc. 10984)
    Case("8701210000", "CN", "2025-12-01", why="road tractor 25%"),
    Case("8702103100", "CN", "2025-12-01", why="bus 10%"),
    # laptop: Annex II / ITA exempt from reciprocal, Section 122 exempt (note 2(aa)(ii))
    Case("8471300100", "CN", "2025-06-01", why="laptop: China fentanyl only"),
    Case("8471300100", "CN", "2026-02-01", why="laptop: fentanyl 10% from 10 Nov 2025"),
    Case("8471300100", "CN", "2026-02-20", why="laptop: no IEEPA duty from the ruling"),
    Case("8471300100", "CN", "2026-03-01", why="laptop: exempt from Section 122"),
    # a switch (8536.50.90, column 1 Free), reciprocal by country and date
    Case("8536509040", "CN", "2025-04-09", why="China 84%"),
    Case("8536509040", "CN", "2025-04-20", why="China 125%"),
    Case("8536509040", "CN", "2025-06-01", why="China back to 10% plus fentanyl 20%"),
    Case("8536509040", "CN", "2025-11-09", why="China fentanyl 20% until 9 Nov 2025"),
    Case("8536509040", "CN", "2025-11-10", why="China fentanyl 10% from 10 Nov 2025"),
    Case("8536509040", "CN", "2026-02-19", why="last day of IEEPA duties"),
    Case("8536509040", "CN", "2026-03-01", why="Section 122 10%"),
    Case("8536509040", "CN", "2026-08-01", why="Section 122 over after 150 days"),
    Case("8536509040", "VN", "2025-04-09", why="Vietnam Annex I 46% for one day"),
    Case("8536509040", "VN", "2025-04-15", why="paused: 10% baseline"),
    Case("8536509040", "VN", "2025-09-01", why="Vietnam 20% from 7 Aug 2025"),
    Case("8536509040", "DE", "2025-04-09", why="EU 20% for one day"),
    Case("8536509040", "DE", "2025-09-01", why="EU floor on a Free line: 15%"),
    Case("8536509040", "IN", "2025-09-01", why="India 25% + 25%"),
    Case("8536509040", "IN", "2026-02-10", why="India back to 25% from 7 Feb 2026"),
    Case("8536509040", "BR", "2025-09-01", why="Brazil 10% + 40%"),
    Case("8536509040", "CH", "2025-10-01", why="Switzerland 39%"),
    Case("8536509040", "CH", "2025-12-01", why="Switzerland 15% floor"),
    Case("8536509040", "RU", "2025-09-01", why="column 2 country, no reciprocal duty"),
    Case("8536509040", "MX", "2026-03-01", usmca=True, why="USMCA good: no Section 122"),
    Case("8536509040", "MX", "2026-03-01", why="non-USMCA Mexican good: Section 122 10%"),
    Case("8536509040", "MX", "2025-03-05", usmca=True, why="USMCA exemption from fentanyl starts 7 Mar 2025"),
    Case("8536509040", "MX", "2025-03-10", usmca=True, why="USMCA good exempt from fentanyl"),
    Case("8536509040", "CA", "2025-09-01", why="Canada 35%, no reciprocal"),
    # floors against a dutiable line (8501.10.40, column 1 4.4%) and a line above 15% (6109.10.00, 16.5%)
    Case("8501104020", "FR", "2025-09-01", why="EU floor: 15% less 4.4%"),
    Case("8501104020", "KR", "2025-10-01", why="Korea +15% before its floor"),
    Case("8501104020", "KR", "2025-12-01", why="Korea floor: 15% less 4.4%"),
    Case("8501104020", "JP", "2026-01-15", why="Japan floor with the 2026 column 1"),
    Case("6109100012", "DE", "2025-09-01", why="column 1 above 15%: no reciprocal duty"),
    # Canada energy carve-out (9903.01.13)
    Case("25041050", "CA", "2025-09-01", why="Canadian energy/critical minerals 10%"),
    # Section 201 solar modules (note 18)
    Case("8541430010", "CN", "2025-06-01", why="year 8 rate 14%"),
    Case("8541430010", "KH", "2025-06-01", why="developing country excluded"),
    Case("8541430010", "CA", "2025-06-01", why="Canada excluded (9903.45.27)"),
    Case("8541430010", "CN", "2026-03-01", why="safeguard expired after 6 Feb 2026"),
    # 2026 metals annexes
    Case("7301201000", "CN", "2026-05-01", why="annex I-A 50%"),
    Case("7301201000", "GB", "2026-05-01", why="UK annex I-A 25%"),
    Case("7601103000", "RU", "2026-05-01", why="Russian aluminium 200% under the annex"),
    Case("8419901000", "CN", "2026-05-01", why="annex I-B 25% (8419.90.10 listed)"),
    Case("8479899596", "CN", "2026-05-01", why="annex III: 15% less column 1"),
    Case("7208510030", "CN", "2026-12-01", why="a steel article no annex lists: annex I-A 50%"),
    # wood products (9903.76)
    Case("9401614011", "VN", "2025-11-15", why="upholstered wood furniture 25%, reciprocal displaced"),
    Case("9401614011", "VN", "2025-10-01", why="before the wood duty: reciprocal 20%"),
    Case("9403409060", "CN", "2025-11-15", why="kitchen cabinets 25% with 301 and China fentanyl"),
    Case("9401614011", "GB", "2026-03-15", why="UK furniture 10%, Section 122 displaced"),
    Case("9401614011", "DE", "2025-11-15", why="EU furniture 15% including column 1"),
    Case("4407110000", "CA", "2026-03-15", why="Canadian softwood lumber 10%"),
    Case("7208510030", "DE", "2026-05-01", why="annex I-A 50%, Section 122 displaced"),
    Case("7208510030", "GB", "2026-05-01", why="UK annex I-A 25%"),
    Case("7304191020", "CN", "2026-08-01", why="a steel pipe no annex lists: annex I-A 50%"),
    Case("7606123015", "JP", "2026-05-01", why="aluminium plate: heading 76.06 listed in annex I-A, 50%"),
]


def _golden_id(case: Case) -> str:
    return f"{case.hts}-{case.origin}-{case.day}{'-usmca' if case.usmca else ''}"


@pytest.mark.parametrize("case", GOLDEN, ids=_golden_id)
def test_golden_duties(case: Case) -> None:
    day = D(case.day)
    expected = law(case.hts, case.origin, day, case.usmca)
    got = duties(case.hts, case.origin, day, case.usmca)
    assert got == pytest.approx(expected, abs=1e-9), case.why


@pytest.mark.parametrize("case", GOLDEN, ids=_golden_id)
def test_golden_duties_through_the_engine(case: Case) -> None:
    """The same cases through the costing engine (``allyshore tariff``): its matching (longest prefix, named
    origin over ``*``, latest start), USMCA exemptions and displacement give the law's rate per layer.
    A metal-content share of 1 prices a measure on the metal content at the rate on the whole value."""
    from allyshore.cost import tariff_layers

    day = D(case.day)
    expected = law(case.hts, case.origin, day, case.usmca)
    result = tariff_layers(case.hts, case.origin, as_of=day, usmca_originating=case.usmca, metal_share=1.0)
    got = dict.fromkeys(sorted(LAYERS), 0.0)
    for line in result.layers:
        if line.layer in LAYERS:
            got[line.layer] += line.due_ad_valorem
    assert got == pytest.approx(expected, abs=1e-9), case.why
    assert not [u for u in result.unknown_duties if u.layer in LAYERS], case.why


def test_golden_cases_are_many_and_cover_every_layer() -> None:
    assert len(GOLDEN) >= 50
    shared()
    seen = defaultdict(set)
    for case in GOLDEN:
        for layer, rate in law(case.hts, case.origin, D(case.day), case.usmca).items():
            seen[layer].add(rate > 0)
    assert all(seen[layer] == {True, False} for layer in LAYERS)


def test_golden_anchor_values() -> None:
    """A few totals written out, so that a wrong law model above cannot hide a wrong table."""
    shared()
    assert duties("7208510030", "JP", D("2025-07-01"))["section_232"] == 0.5
    assert duties("7208510030", "JP", D("2025-03-01"))["section_232"] == 0.0
    assert sum(duties("8536509040", "CN", D("2025-04-20")).values()) == pytest.approx(1.45)
    assert sum(duties("8708305090", "MX", D("2025-06-01"), usmca=True).values()) == 0.0
    assert duties("8501104020", "FR", D("2025-09-01"))["ieepa_reciprocal"] == pytest.approx(0.106)
    assert duties("8541430010", "CN", D("2025-06-01"))["section_201"] == 0.14
    assert sum(duties("8471300100", "CN", D("2026-03-01")).values()) == 0.0


def test_metal_content_rows_name_their_basis_and_what_they_displace() -> None:
    """Derivatives outside chapters 72/73/76 pay on the metal content (90 FR 40326; 9903.85.08; 9903.78.01)."""
    shared()
    aluminium = next(
        r["hts_prefix"]
        for r in csv_rows("s232_derivative_products.csv")
        if r["ch99_code"] == "9903.85.08" and not r["effective_date"]
    )
    row = chosen(aluminium + "00", "CN", D("2025-09-01"))["section_232"]
    assert (row["rate_ad_valorem"], row["value_basis"]) == ("0.5", "metal_content")
    assert set(row["displaces"].split(";")) == {"ieepa_reciprocal", "section_122"}
    included = next(
        r["hts_prefix"]
        for r in csv_rows("s232_derivative_products.csv")
        if r["effective_date"] == INCLUSIONS_FROM.isoformat()
    )
    assert "section_232" not in chosen(included + "00", "CN", INCLUSIONS_FROM - dt.timedelta(days=1))
    assert chosen(included + "00", "CN", INCLUSIONS_FROM)["section_232"]["value_basis"] == "metal_content"
    copper = chosen("7408113000", "CN", COPPER_FROM)["section_232"]
    assert (copper["rate_ad_valorem"], copper["value_basis"]) == ("0.5", "metal_content")
    assert "section_232" not in chosen("7408113000", "CN", COPPER_FROM - dt.timedelta(days=1))


def test_general_use_auto_parts_are_off_by_default() -> None:
    """Note 33(h)(ii): a bearing or motor is an auto part only when it is one; those rows exist but are off."""
    rows = [r for r in table() if r["hts_prefix"] == "8471" and r["layer"] == "section_232"]
    assert rows and all(r["enabled"] == "false" for r in rows)


# -- schema ----------------------------------------------------------------------------------------------------------


def test_header_and_every_row_valid() -> None:
    assert TABLE.read_text(encoding="utf-8").splitlines()[0] == HEADER
    ids = set()
    for row in table():
        where = row["measure_id"]
        assert where not in ids, where
        ids.add(where)
        assert row["layer"] in LAYERS and row["importer"] == "US", where
        assert re.fullmatch(r"\d*", row["hts_prefix"]), where
        assert row["origin"] == "*" or re.fullmatch(r"[A-Z]{2}(;[A-Z]{2})*", row["origin"]), where
        assert row["origin_except"] == "" or (
            row["origin"] == "*" and re.fullmatch(r"[A-Z]{2}(;[A-Z]{2})*", row["origin_except"])
        ), where
        assert 0 <= float(row["rate_ad_valorem"]) <= 3 and row["rate_specific_usd"] == "0", where
        start = D(row["effective_from"])
        assert row["effective_to"] == "" or D(row["effective_to"]) >= start, where
        for flag in ("enabled", "usmca_exempt", "verified"):
            assert row[flag] in ("true", "false"), where
        assert all(d in LAYERS for d in row["displaces"].split(";") if d), where
        assert row["value_basis"] in ("full", "metal_content"), where
        assert re.fullmatch(r"9903\.\d\d\.\d\d(;9903\.\d\d\.\d\d)*", row["ch99"]), where
        assert row["source"] and D(row["source_date"]), where
        assert row["verified"] == "true" or row["note"], f"{where}: unverified rows carry a note"


def test_no_overlapping_periods_for_one_prefix_and_origin() -> None:
    """Within a layer, rows on one prefix overlap only as a named origin over '*' (the engine's intended rule)."""
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for row in table():
        groups[(row["layer"], row["hts_prefix"], row["enabled"])].append(row)

    def origins(row: dict[str, str]) -> tuple[bool, set[str]]:
        if row["origin"] == "*":
            return True, set(filter(None, row["origin_except"].split(";")))
        return False, set(row["origin"].split(";"))

    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                end_a, end_b = a["effective_to"] or "9999-12-31", b["effective_to"] or "9999-12-31"
                if a["effective_from"] > end_b or b["effective_from"] > end_a:
                    continue
                (all_a, set_a), (all_b, set_b) = origins(a), origins(b)
                if all_a != all_b:
                    continue
                overlap = True if all_a else bool(set_a & set_b)
                assert not overlap, (a["measure_id"], b["measure_id"])


def test_ieepa_rows_end_with_the_ruling_and_replace_the_old_hand_rows() -> None:
    for row in table():
        if row["layer"].startswith("ieepa"):
            assert row["effective_to"] and D(row["effective_to"]) <= IEEPA_LAST_DAY, row["measure_id"]
    from allyshore.cost.measures import shipped_measures

    old_ids = {"ieepa-cn-2025", "ieepa-mx-2025-a", "ieepa-mx-2025-b"}  # the hand-entered rows these replace
    assert not old_ids & set(shipped_measures().get_column("measure_id").to_list())
    assert {r["layer"] for r in table()} <= LAYERS  # no second "ieepa" layer beside the old rows


def test_meta_matches_the_table() -> None:
    meta = json.loads(TABLE.with_suffix(".meta.json").read_text())
    assert meta["rows"] == len(table())
    assert meta["verified_rows"] == sum(r["verified"] == "true" for r in table())


# -- rebuild ---------------------------------------------------------------------------------------------------------


def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_us_tariff_layers", ROOT / "scripts" / "build_us_tariff_layers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_shipped_table_equals_a_rebuild_from_the_sources() -> None:
    module = builder()
    rebuilt = module.build(shared())
    assert [tuple(r.values()) for r in rebuilt] == [tuple(r.values()) for r in table()]
    meta = module.meta(rebuilt, shared(), "ruling")
    assert meta == json.loads(TABLE.with_suffix(".meta.json").read_text())


def test_column1_parser_of_the_builder() -> None:
    parse: Callable[[str], tuple[float, bool]] = builder().column1_ad_valorem
    assert parse("Free") == (0.0, False)
    assert parse("2.5%") == (0.025, False)
    assert parse("4.4¢/kg + 2.8%") == (pytest.approx(0.028), True)
    assert parse("4.4¢/kg") == (0.0, True)


def test_brazils_forty_percent_on_a_generally_exempt_line_is_unknown() -> None:
    """EO 14323 (9903.01.77, +40% from 6 Aug 2025) has its own exemptions (note 2(x)), not the general Annex II
    list, and that list is not in the sources: on a generally exempt line the 40% is unknown, never 0; the 10%
    baseline is exempt."""
    from allyshore.cost import tariff_layers

    line = sorted(r["hts10"][:10] for r in csv_rows("ieepa_exempt_products.csv") if len(r["hts10"]) >= 10)[0]
    assert ieepa_exempt(line)
    result = tariff_layers(line, "BR", as_of=D("2025-11-15"))
    (reciprocal,) = [x for x in result.layers if x.layer == "ieepa_reciprocal"]
    assert reciprocal.status.startswith("unknown") and reciprocal.due_ad_valorem == 0.0
    assert [u.layer for u in result.unknown_duties] == ["ieepa_reciprocal"]
    before = tariff_layers(line, "BR", as_of=D("2025-08-01"))  # before EO 14323: the baseline only, exempt
    assert not before.unknown_duties


def test_a_floor_against_a_specific_column_1_rate_is_unknown() -> None:
    """9903.02.20 (EU): 15% less column 1; wine of 2204.21.50 has a specific column 1 rate (cents a litre,
    HTSUS 2025), whose ad valorem equivalent needs the value per litre: the reciprocal duty is unknown, not 15%."""
    from allyshore.cost import tariff_layers

    assert "¢" in column1(2025)["22042150"]
    result = tariff_layers("2204.21.50", "DE", as_of=D("2025-11-15"))
    (reciprocal,) = [x for x in result.layers if x.layer == "ieepa_reciprocal"]
    assert reciprocal.status.startswith("unknown") and reciprocal.due_ad_valorem == 0.0
