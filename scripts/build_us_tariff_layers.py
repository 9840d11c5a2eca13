"""Build ``src/allyshore/data/tariffs/us_layers.csv``: the US additional-duty layers other than MFN and Section 301.

Layers: ``section_232`` (steel, aluminium, derivatives, copper, autos and auto parts, medium/heavy vehicles and
buses, semiconductors, the April 2026 metals annex), ``ieepa_fentanyl``, ``ieepa_reciprocal``, ``section_122`` and
``section_201`` (solar modules), each row dated from start to end and carrying its Chapter 99 heading and source.

Inputs
- ``scripts/data/us_tariff_programs.csv``: one hand-curated row per programme and period (layer, heading, products,
  rate, dates, origins, USMCA treatment, what it displaces, citation, verified).
- ``scripts/data/us_tariff_product_sets.csv``, ``us_tariff_country_groups.csv``, ``s122_exempt_products.txt``:
  small product and country lists transcribed from the HTSUS notes and proclamations (each row cites its source).
- ``../shared/data/us_tariff_layers``: the tracker's product lists (Section 232 annexes, derivatives, auto and
  medium/heavy-vehicle parts, fentanyl carve-outs, IEEPA-exempt products).
- ``../shared/data/us_hts_basic_edition``: the 2025 and 2026 HTSUS Basic Editions, for the HTS code universe, the
  column 1 general rates behind the "15% including column 1" floors, and the Chapter 99 country headings of the
  reciprocal tariff (9903.01.43-.76 and 9903.02.02-.71), whose rates are read from the schedule itself.

The engine that reads the table picks, within a layer, the most specific measure in force (longest HTS prefix, a
named origin over ``*``, the latest start) and adds the layers. This script resolves every overlap between
programmes of one layer so that this rule yields the legal order of precedence (e.g. auto parts over the metals
duties, the Annex II exemption over a country's reciprocal rate): a programme with a higher ``priority`` removes
the dates and origins it covers from every lower-priority row at the same or a longer prefix. Rows whose rate is a
floor ("15% including column 1": EU, Japan, Korea, Switzerland and Liechtenstein, the autos deals, annex III) are
written per HTS line as ``max(0, floor - column 1 general rate)``, compressed along the HTS tree.

Usage: ``python scripts/build_us_tariff_layers.py [--data ../shared/data] [--ieepa-end ruling|cbp]``.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
CURATED = Path(__file__).resolve().parent / "data"
OUT = ROOT / "src" / "allyshore" / "data" / "tariffs" / "us_layers.csv"
HEADER = [
    "measure_id",
    "layer",
    "importer",
    "hts_prefix",
    "origin",
    "origin_except",
    "rate_ad_valorem",
    "rate_specific_usd",
    "effective_from",
    "effective_to",
    "enabled",
    "usmca_exempt",
    "displaces",
    "value_basis",
    "ch99",
    "verified",
    "source",
    "source_date",
    "note",
    "rate_text",
    "rate_known",
]
LAYERS = ("section_232", "ieepa_fentanyl", "ieepa_reciprocal", "section_122", "section_201")
# Learning Resources, Inc. v. Trump (S. Ct., 20 Feb 2026): no IEEPA duty from the day of the decision ("ruling");
# CBP kept collecting until 12:00 a.m. 24 Feb 2026 ("cbp").
IEEPA_END = {"ruling": dt.date(2026, 2, 19), "cbp": dt.date(2026, 2, 23)}
EDITION_SWITCH = dt.date(2026, 1, 1)  # 2025 Basic Edition before, 2026 Basic Edition from
FAR = dt.date(9999, 12, 31)
CURATED_INPUTS = (
    "us_tariff_programs.csv",
    "us_tariff_product_sets.csv",
    "us_tariff_country_groups.csv",
    "s122_exempt_products.txt",
)
SHARED_INPUTS = (
    "s232_annex_products.csv",
    "s232_derivative_products.csv",
    "s232_auto_parts.txt",
    "s232_mhd_parts.txt",
    "fentanyl_carveout_products.csv",
    "ieepa_exempt_products.csv",
)
CAMX = frozenset({"CA", "MX"})
# HTS provisions of the auto-parts (note 33(g)) and MHD-parts (note 38(i)) lists that are not specific to vehicles:
# the duty applies only when the article is a part of such a vehicle (notes 33(h)(ii), 38(l)), so these rows are off
# by default. allyshore classification from the HTS descriptions.
GENERAL_USE_PARTS = (
    "8425",
    "843110",
    "8471",
    "8482",
    "84831030",
    "8501",
    "850760",
    "850790",
    "852560",
    "8537",
    "9015",
    "9029",
)
NAME_ALIASES = {
    "south korea": "KR",
    "taiwan": "TW",
    "vietnam": "VN",
    "laos": "LA",
    "moldova": "MD",
    "syria": "SY",
    "brunei": "BN",
    "bolivia": "BO",
    "venezuela": "VE",
    "myanmar (burma)": "MM",
    "burma": "MM",
    "côte d’ivoire": "CI",
    "côte d`ivoire": "CI",
    "cote d'ivoire": "CI",
    "democratic republic of the congo": "CD",
    "falkland islands": "FK",
    "north macedonia": "MK",
    "philippines": "PH",
    "turkey": "TR",
    "iran": "IR",
    "russia": "RU",
    "tanzania": "TZ",
}


class BuildError(Exception):
    """The curated inputs are inconsistent (bad token, unknown country, overlapping rows of one priority)."""


# -- origins ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origins:
    """Every country except ``codes`` (``everyone``) or exactly ``codes``."""

    everyone: bool
    codes: frozenset[str]

    def minus(self, other: Origins) -> Origins | None:
        if self.everyone and other.everyone:
            result = Origins(False, other.codes - self.codes)
        elif self.everyone:
            result = Origins(True, self.codes | other.codes)
        elif other.everyone:
            result = Origins(False, self.codes & other.codes)
        else:
            result = Origins(False, self.codes - other.codes)
        return None if not result.everyone and not result.codes else result

    def intersect(self, other: Origins) -> Origins | None:
        if self.everyone and other.everyone:
            return Origins(True, self.codes | other.codes)
        if self.everyone:
            return other.intersect(self)
        kept = self.codes - other.codes if other.everyone else self.codes & other.codes
        return Origins(False, kept) if kept else None

    def overlaps(self, other: Origins) -> bool:
        return self.intersect(other) is not None

    def render(self) -> tuple[str, str]:
        if self.everyone:
            return "*", ";".join(sorted(self.codes))
        return ";".join(sorted(self.codes)), ""


def country_groups() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for row in read_csv(CURATED / "us_tariff_country_groups.csv"):
        groups[row["group"]].add(row["iso2"])
    return {name: frozenset(codes) for name, codes in groups.items()}


def parse_countries(text: str, groups: dict[str, frozenset[str]]) -> frozenset[str]:
    codes: set[str] = set()
    for token in filter(None, (t.strip() for t in text.split(";"))):
        if token.startswith("@"):
            if token[1:] not in groups:
                raise BuildError(f"unknown country group {token!r}")
            codes |= groups[token[1:]]
        elif re.fullmatch(r"[A-Z]{2}", token):
            codes.add(token)
        else:
            raise BuildError(f"bad country token {token!r}")
    return frozenset(codes)


def iso_of(name: str, groups: dict[str, frozenset[str]]) -> frozenset[str]:
    clean = re.sub(r"^the ", "", name.strip(), flags=re.IGNORECASE)
    if clean.lower() == "european union":
        return groups["EU27"]
    if clean.lower() in NAME_ALIASES:
        return frozenset({NAME_ALIASES[clean.lower()]})
    try:
        return frozenset({pycountry.countries.lookup(clean).alpha_2})
    except LookupError as error:
        raise BuildError(
            f"no ISO code for country name {name!r} in a Chapter 99 heading; add it to NAME_ALIASES"
        ) from error


# -- the HTS editions -------------------------------------------------------------------------------------------------


@dataclass
class Edition:
    year: int
    general: dict[str, str]  # HTS8 (chapters 01-97) -> column 1 general rate text
    hts10: dict[str, set[str]]  # HTS8 -> its statistical (10-digit) numbers
    chapter99: dict[str, tuple[str, str]]  # heading digits -> (description, column 1 general text)
    sorted_lines: list[str] = field(default_factory=list)

    def lines_under(self, prefix: str) -> list[str]:
        """The HTS8 lines (chapters 01-97) starting with ``prefix``."""
        if not self.sorted_lines:
            self.sorted_lines = sorted(self.general)
        low = bisect.bisect_left(self.sorted_lines, prefix)
        high = bisect.bisect_left(self.sorted_lines, prefix + "~")
        return self.sorted_lines[low:high]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def load_edition(path: Path, year: int) -> Edition:
    edition = Edition(year, {}, defaultdict(set), {})
    for row in read_csv(path):
        code = re.sub(r"\D", "", row["HTS Number"])
        rate = row["General Rate of Duty"].strip()
        if code.startswith("99"):
            edition.chapter99[code] = (row["Description"], rate)
        elif len(code) in (8, 10) and code[:2] < "98":
            if len(code) == 10:
                edition.hts10[code[:8]].add(code)
            if rate and code[:8] not in edition.general:
                edition.general[code[:8]] = rate
    return edition


def column1_ad_valorem(text: str) -> tuple[float, bool]:
    """Ad valorem part of a column 1 rate and whether the rate has a non-ad-valorem part ("2.5%" -> (0.025, False))."""
    text = text.strip()
    if text.lower().startswith("free"):
        return 0.0, False
    whole = re.fullmatch(r"(\d+(?:\.\d+)?)%", text)
    if whole:
        return float(whole.group(1)) / 100, False
    parts = re.findall(r"(\d+(?:\.\d+)?)%", text)
    return (float(parts[-1]) / 100 if parts else 0.0), True


# -- products ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    prefix: str
    start: dt.date | None = None  # a later inclusion date of this line
    tag: str = ""  # metal type of an annex line, or a remark


class Sources:
    def __init__(self, data: Path) -> None:
        self.layers = data / "us_tariff_layers"
        hts = data / "us_hts_basic_edition"
        self.editions = {
            2025: load_edition(hts / "hts_2025_basic_edition.csv", 2025),
            2026: load_edition(hts / "hts_2026_basic_edition.csv", 2026),
        }
        self.groups = country_groups()
        self.sets: dict[str, list[str]] = defaultdict(list)
        for row in read_csv(CURATED / "us_tariff_product_sets.csv"):
            self.sets[row["set_id"]].append(row["hts_prefix"])
        self.derivatives = read_csv(self.layers / "s232_derivative_products.csv")
        self.annex = clean_annex(read_csv(self.layers / "s232_annex_products.csv"))
        self.carveouts = read_csv(self.layers / "fentanyl_carveout_products.csv")
        self.lists = {
            name: [line.strip() for line in (self.layers / f"s232_{name}.txt").read_text().splitlines() if line.strip()]
            for name in ("auto_parts", "mhd_parts")
        }
        self.ieepa_exempt = sorted({r["hts10"][:10] for r in read_csv(self.layers / "ieepa_exempt_products.csv")})
        self.s122_exempt = sorted(
            line.split(",")[0]
            for line in (CURATED / "s122_exempt_products.txt").read_text().splitlines()
            if line and not line.startswith("#")
        )
        self.hts6 = sorted({c[:6] for e in self.editions.values() for c in e.general})
        self.universe10: dict[str, set[str]] = defaultdict(set)
        for edition in self.editions.values():
            for hts8 in edition.general:
                self.universe10[hts8] |= edition.hts10.get(hts8, {hts8 + "00"})

    def products(self, spec: str) -> list[Product]:
        out: list[Product] = []
        for part in spec.split("+"):
            out.extend(self._products(part))
        return out

    def _products(self, spec: str) -> list[Product]:
        kind, _, arg = spec.partition(":")
        if kind == "all":
            return [Product("")]
        if kind == "set":
            if arg not in self.sets:
                raise BuildError(f"unknown product set {arg!r}")
            return [Product(p) for entry in self.sets[arg] for p in self._expand_range(entry)]
        if kind == "derivatives":
            steel = {r["hts_prefix"] for r in self.derivatives if r["derivative_type"] == "steel"}
            alu = {r["hts_prefix"] for r in self.derivatives if r["derivative_type"] == "aluminum"}
            rows = [r for r in self.derivatives if r["ch99_code"] == arg]
            both = "steel_and_aluminium" if arg.startswith("9903.81") else ""
            return [
                Product(
                    r["hts_prefix"],
                    dt.date.fromisoformat(r["effective_date"]) if r["effective_date"] else None,
                    both if r["hts_prefix"] in steel and r["hts_prefix"] in alu else "",
                )
                for r in rows
            ]
        if kind == "annex":
            annex, _, metal = arg.partition(":")
            return [
                Product(r["hts_prefix"], None, r["metal_type"])
                for r in self.annex
                if annex in ("*", r["annex"]) and metal in ("", r["metal_type"])
            ]
        if kind == "annex_unlisted":  # lines of a product set that no annex of the 2026 proclamation lists
            return self._annex_unlisted(arg)
        if kind == "list":
            name, _, use = arg.partition(":")
            codes = self.lists[name]
            general = [c for c in codes if c.startswith(GENERAL_USE_PARTS)]
            return [Product(c) for c in (general if use == "general" else [c for c in codes if c not in general])]
        if kind == "fentanyl":
            return [Product(r["hts8"]) for r in self.carveouts if r["category"] == arg]
        if kind == "ieepa_exempt":
            return [Product(p) for p in self.cover(self.ieepa_exempt)]
        if kind == "s122_exempt":
            return [Product(p) for p in self.cover(self.s122_exempt)]
        raise BuildError(f"unknown product spec {spec!r}")

    def _annex_unlisted(self, sets: str) -> list[Product]:
        """The statistical lines of the product sets ``sets`` (ids joined by ``|``) that no annex row names or
        contains, as the shortest
        prefixes covering them, each tagged with the metal of its chapter. The 2026 annexes list the primary metal
        articles of chapters 72, 73 and 76 only in part; the tracker (policy_params.yaml, section_232_annexes,
        annex_1a chapters 72, 73, 76, 74) places the rest in annex I-A."""
        listed = [r["hts_prefix"] for r in self.annex]
        prefixes = [p.prefix for set_id in sets.split("|") for p in self._products(f"set:{set_id}")]
        lines = sorted(
            line
            for hts8, members in self.universe10.items()
            if any(hts8.startswith(p) for p in prefixes)
            for line in members
        )
        keep = [line for line in lines if not any(line.startswith(a) or a.startswith(line) for a in listed)]
        metal_of_chapter = {"72": "steel", "73": "steel", "74": "copper", "76": "aluminum"}
        return [Product(c, None, metal_of_chapter.get(c[:2], "")) for c in self.cover(keep)]

    def _expand_range(self, entry: str) -> list[str]:
        if not entry.startswith("range:"):
            return [entry]
        _, low, high = entry.split(":")
        return [c for c in self.hts6 if low <= c <= high]

    def cover(self, codes: Iterable[str]) -> list[str]:
        """Shortest prefixes whose every statistical line (2025 or 2026 edition) is in ``codes`` (8 or 10 digits)."""
        members: set[str] = set()
        loose: list[str] = []
        for code in codes:
            if len(code) == 8 and code in self.universe10:
                members |= self.universe10[code]
            elif len(code) == 10 and code[:8] in self.universe10:
                members.add(code)
            else:
                loose.append(code)  # not a line of either edition: kept as written
        universe = sorted(c for lines in self.universe10.values() for c in lines)
        by_prefix: dict[str, list[str]] = defaultdict(list)
        for code in universe:
            for length in (2, 4, 6, 8, 10):
                by_prefix[code[:length]].append(code)
        chosen: list[str] = []
        for code in sorted(members):
            if any(code.startswith(c) for c in chosen[-1:]):
                continue
            for length in (2, 4, 6, 8, 10):
                if all(c in members for c in by_prefix[code[:length]]):
                    chosen.append(code[:length])
                    break
        return sorted(set(chosen) | set(loose))

    def country_headings(self, first: str, last: str, skip: set[str]) -> Iterator[tuple[str, frozenset[str], float]]:
        """(heading, countries, rate) of the '+ N%' Chapter 99 country headings first..last of the 2026 edition."""
        low, high = first.replace(".", ""), last.replace(".", "")
        for code, (description, general) in sorted(self.editions[2026].chapter99.items()):
            heading = f"{code[:4]}.{code[4:6]}.{code[6:8]}"
            if not low <= code <= high or heading in skip:
                continue
            rate = re.search(r"\+\s*(\d+(?:\.\d+)?)%", general)
            names = re.search(r"articles the product of (.+?),? as provided for", description)
            if not rate or not names:
                raise BuildError(f"Chapter 99 heading {heading}: no '+ N%' rate or country in {description[:120]!r}")
            countries: set[str] = set()
            for name in re.split(r",\s*or\s+|,\s*|\s+or\s+", names.group(1)):
                countries |= iso_of(name, self.groups)
            yield heading, frozenset(countries), float(rate.group(1)) / 100


def clean_annex(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The tracker's annex list, less its parsing artefacts.

    Its parser took bare 4-digit numbers from the description column too ("machinery of headings 8426, 8429 or
    8430", "units thereof of heading 8471"): every 4-digit entry outside chapter 76 is such an artefact and is
    dropped (the annexes list chapter 76 aluminium by heading). Lines of chapters 72/73, 74 and 76 take the metal
    of their chapter (the list marks 7601-7609 as steel).
    """
    metal_of_chapter = {"72": "steel", "73": "steel", "74": "copper", "76": "aluminum"}
    cleaned = []
    for row in rows:
        prefix = row["hts_prefix"]
        if len(prefix) == 4 and not prefix.startswith("76"):
            continue
        cleaned.append({**row, "metal_type": metal_of_chapter.get(prefix[:2], row["metal_type"])})
    return cleaned


# -- rows -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    program: str
    layer: str
    prefix: str
    origins: Origins
    start: dt.date
    end: dt.date
    rate: float
    usmca: bool
    displaces: str
    basis: str
    ch99: str
    enabled: bool
    verified: bool
    source: str
    source_date: str
    note: str
    priority: int
    root: int = -1  # length of the listed product prefix this row comes from (floors: the compression root)
    rate_text: str = ""  # set: the rate cannot be priced from the sources (the row is an unknown duty, never 0)

    @property
    def rank(self) -> tuple[int, int]:
        """Precedence: the programme's priority, then the more specific product listing."""
        return self.priority, len(self.prefix) if self.root < 0 else self.root


def compress(values: dict[str, tuple[float, bool]], root: str) -> list[tuple[str, tuple[float, bool]]]:
    """Fewest (prefix, value) rows under ``root`` such that the longest matching prefix gives each line its value."""
    out: list[tuple[str, tuple[float, bool]]] = []

    def visit(prefix: str, codes: list[str], inherited: tuple[float, bool] | None) -> None:
        counts = Counter(values[c] for c in codes)
        best = min(counts, key=lambda v: (-counts[v], v))
        if best != inherited:
            out.append((prefix, best))
        if len(prefix) >= 8:
            return
        step = next(n for n in (2, 4, 6, 8) if n > len(prefix))
        groups: dict[str, list[str]] = defaultdict(list)
        for code in codes:
            groups[code[:step]].append(code)
        for sub in sorted(groups):
            visit(sub, groups[sub], best)

    visit(root, sorted(values), None)
    return out


def floor_values(edition: Edition, floor: float, lines: Iterable[str]) -> dict[str, tuple[float, bool]]:
    values = {}
    for line in lines:
        ad_valorem, specific = column1_ad_valorem(edition.general[line])
        values[line] = (round(max(0.0, floor - ad_valorem), 6), specific)
    return values


def split_by_edition(start: dt.date, end: dt.date) -> list[tuple[int, dt.date, dt.date]]:
    if end < EDITION_SWITCH:
        return [(2025, start, end)]
    if start >= EDITION_SWITCH:
        return [(2026, start, end)]
    return [(2025, start, EDITION_SWITCH - dt.timedelta(days=1)), (2026, EDITION_SWITCH, end)]


def program_rows(program: dict[str, str], sources: Sources, ieepa_end: dt.date) -> list[Row]:
    groups = sources.groups

    def day(text: str, default: dt.date) -> dt.date:
        if text == "IEEPA_END":
            return ieepa_end
        return dt.date.fromisoformat(text) if text else default

    start, end = day(program["start"], FAR), day(program["end"], FAR)
    origins = (
        Origins(True, parse_countries(program["origin_except"], groups))
        if program["origin"] == "*"
        else Origins(False, parse_countries(program["origin"], groups))
    )
    options = dict(o.split("=", 1) for o in program["options"].split("|") if o)
    base = Row(
        program=program["program_id"],
        layer=program["layer"],
        prefix="",
        origins=origins,
        start=start,
        end=end,
        rate=float(program["rate"] or 0),
        usmca=program["usmca_exempt"] == "true",
        displaces=program["displaces"],
        basis=program["value_basis"],
        ch99=program["ch99"],
        enabled=program["enabled"] == "true",
        verified=program["verified"] == "true",
        source=program["source"],
        source_date=program["source_date"],
        note=program["note"],
        priority=int(program["priority"]),
        rate_text=options.get("unknown", ""),
    )
    if base.layer not in LAYERS or base.basis not in ("full", "metal_content"):
        raise BuildError(f"{base.program}: bad layer or value basis")
    if program["ch99"].startswith("ch99:"):
        first, last = program["ch99"][5:].split("-")
        skip = set(options.get("skip", "").split("/"))
        return [
            replace(base, origins=Origins(False, countries), rate=rate, ch99=heading)
            for heading, countries, rate in sources.country_headings(first, last, skip)
        ]
    rows: list[Row] = []
    if program["rate_kind"] == "floor":
        rows = floor_rows(base, program["products"], sources)
    else:
        for product in sources.products(program["products"]):
            first_day = max(start, product.start or start)
            if first_day > end:
                continue
            note = base.note
            if product.tag == "steel_and_aluminium":
                note = (
                    (note + "; " if note else "")
                    + "also an aluminium derivative (9903.85.08): the rate applies to the steel and aluminium content together"
                )
            rows.append(replace(base, prefix=product.prefix, start=first_day, note=note))
    twin = base.origins.intersect(Origins(False, CAMX))
    if program["displaces_camx"] and twin is not None:
        rest = base.origins.minus(Origins(False, CAMX))
        rows = [
            variant
            for row in rows
            for variant in (
                *([replace(row, origins=rest)] if rest is not None else []),
                replace(row, origins=twin, displaces=program["displaces_camx"]),
            )
        ]
    if "GB" in options:  # the United Kingdom's own rate (Economic Prosperity Deal)
        rate, ch99, *flags = options["GB"].split("@")
        uk = Origins(False, frozenset({"GB"}))
        metal = {r["hts_prefix"]: r["metal_type"] for r in sources.annex}
        kept: list[Row] = []
        for row in rows:
            if not row.origins.overlaps(uk) or ("nocopper" in flags and metal.get(row.prefix) == "copper"):
                kept.append(row)
                continue
            rest = row.origins.minus(uk)
            kept += [replace(row, origins=rest)] if rest is not None else []
            basis = "full" if "full" in flags else row.basis
            kept.append(replace(row, origins=uk, rate=float(rate), ch99=ch99, basis=basis, priority=row.priority + 8))
        rows = kept
    return rows


def floor_rows(base: Row, spec: str, sources: Sources) -> list[Row]:
    """Rows of a '15% including column 1' measure: per HTS line max(0, floor - column 1 general), compressed."""
    rows: list[Row] = []
    inner = spec.removeprefix("floor:")
    for year, start, end in split_by_edition(base.start, base.end):
        edition = sources.editions[year]
        roots = [""] if inner == "all" else [p.prefix for p in sources.products(inner)]
        for root in roots:
            if len(root) > 8:
                if root[:8] not in edition.general:
                    continue
                pairs = [(root, floor_values(edition, base.rate, [root[:8]])[root[:8]])]
            else:
                lines = edition.lines_under(root)
                if not lines:
                    continue
                pairs = compress(floor_values(edition, base.rate, lines), root)
            for prefix, (rate, specific) in pairs:
                note = f"{base.rate:.0%} less column 1 general (HTSUS 2025/2026)"
                # A specific (or compound) column 1 rate counts by its ad valorem equivalent, which needs the value
                # per unit: the duty is unknown, not the upper bound the ad valorem part alone would give.
                rate_text = (
                    f"{base.rate:.0%} less the ad valorem equivalent of a specific column 1 rate" if specific else ""
                )
                if base.note:
                    note += f"; {base.note}"
                rows.append(
                    replace(
                        base,
                        prefix=prefix,
                        start=start,
                        end=end,
                        rate=rate,
                        root=len(root),
                        verified=base.verified and not specific,
                        note=note,
                        source=base.source,
                        rate_text=rate_text,
                    )
                )
    return rows


# -- precedence, merge, output ----------------------------------------------------------------------------------------


def subtract(row: Row, blocker: Row) -> list[Row]:
    """What remains of ``row`` outside the dates and origins of ``blocker``."""
    low, high = max(row.start, blocker.start), min(row.end, blocker.end)
    if low > high or not row.origins.overlaps(blocker.origins):
        return [row]
    pieces = []
    if row.start < low:
        pieces.append(replace(row, end=low - dt.timedelta(days=1)))
    if high < row.end:
        pieces.append(replace(row, start=high + dt.timedelta(days=1)))
    rest = row.origins.minus(blocker.origins)
    if rest is not None:
        pieces.append(replace(row, start=low, end=high, origins=rest))
    return pieces


def resolve(rows: list[Row]) -> list[Row]:
    """Apply programme precedence within each layer (see the module docstring)."""
    out: list[Row] = []
    for layer in LAYERS:
        accepted: dict[str, list[Row]] = defaultdict(list)
        ordered = sorted(
            (r for r in rows if r.layer == layer), key=lambda r: (-r.rank[0], -r.rank[1], r.program, r.prefix, r.start)
        )
        for row in ordered:
            pieces = [row]
            for length in range(len(row.prefix) + 1):
                prefix = row.prefix[:length]
                blockers = [
                    b for b in accepted.get(prefix, []) if b.rank > row.rank and (b.enabled or not row.enabled)
                ]  # a row switched off by default never hides one that is on
                for blocker in sorted(blockers, key=lambda b: not b.origins.everyone):
                    pieces = [
                        part
                        for piece in pieces
                        for part in (
                            [piece]  # at an equal prefix the engine already prefers the named origin
                            if prefix == row.prefix and piece.origins.everyone and not blocker.origins.everyone
                            else subtract(piece, blocker)
                        )
                    ]
            for piece in pieces:
                accepted[piece.prefix].append(piece)
                out.append(piece)
    return out


def merge(rows: list[Row]) -> list[Row]:
    """Join rows that differ only by contiguous dates."""
    groups: dict[Row, list[Row]] = defaultdict(list)
    for row in rows:
        groups[replace(row, start=dt.date.min, end=dt.date.min)].append(row)
    merged = []
    for members in groups.values():
        members.sort(key=lambda r: r.start)
        current = members[0]
        for row in members[1:]:
            if row.start <= current.end + dt.timedelta(days=1):
                current = replace(current, end=max(current.end, row.end))
            else:
                merged.append(current)
                current = row
        merged.append(current)
    return merged


def check_overlaps(rows: list[Row]) -> None:
    """Two enabled rows of one layer and prefix may overlap only as a named origin over ``*`` (the engine's rule)."""
    by_key: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        by_key[(row.layer, row.prefix)].append(row)
    for (layer, prefix), members in by_key.items():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if a.enabled != b.enabled or a.start > b.end or b.start > a.end:
                    continue
                if a.origins.everyone != b.origins.everyone or not a.origins.overlaps(b.origins):
                    continue
                raise BuildError(
                    f"{layer} {prefix or '(all)'}: {a.program} and {b.program} overlap ({a.start}..{b.end})"
                )


def fmt_rate(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def build(data: Path, ieepa_end: str = "ruling") -> list[dict[str, str]]:
    sources = Sources(data)
    rows: list[Row] = []
    for program in read_csv(CURATED / "us_tariff_programs.csv"):
        rows.extend(program_rows(program, sources, IEEPA_END[ieepa_end]))
    rows = merge(resolve(rows))
    check_overlaps(rows)
    rows.sort(key=lambda r: (LAYERS.index(r.layer), r.prefix, r.start, r.program, r.origins.render()))
    seen: Counter[str] = Counter()
    table = []
    for row in rows:
        stem = f"{row.program}:{row.prefix or 'all'}"
        seen[stem] += 1
        origin, origin_except = row.origins.render()
        table.append(
            {
                "measure_id": stem if seen[stem] == 1 else f"{stem}:{seen[stem]}",
                "layer": row.layer,
                "importer": "US",
                "hts_prefix": row.prefix,
                "origin": origin,
                "origin_except": origin_except,
                "rate_ad_valorem": fmt_rate(row.rate),
                "rate_specific_usd": "0",
                "effective_from": row.start.isoformat(),
                "effective_to": "" if row.end == FAR else row.end.isoformat(),
                "enabled": str(row.enabled).lower(),
                "usmca_exempt": str(row.usmca).lower(),
                "displaces": row.displaces,
                "value_basis": row.basis,
                "ch99": row.ch99,
                "verified": str(row.verified).lower(),
                "source": row.source,
                "source_date": row.source_date,
                "note": row.note,
                "rate_text": row.rate_text,
                "rate_known": "false" if row.rate_text else "true",
            }
        )
    return table


def meta(table: list[dict[str, str]], data: Path, ieepa_end: str) -> dict[str, object]:
    """What the table holds and what it was built from (inputs named by file and sha256)."""
    inputs = [
        *(CURATED / name for name in CURATED_INPUTS),
        *(data / "us_tariff_layers" / name for name in SHARED_INPUTS),
        *(data / "us_hts_basic_edition" / f"hts_{year}_basic_edition.csv" for year in (2025, 2026)),
    ]
    return {
        "table": "us_layers.csv",
        "description": "US additional duties other than MFN and Section 301: Section 232, IEEPA fentanyl and "
        "reciprocal, Section 122, Section 201, dated from start to end (docs/tariff-layers.md).",
        "built_by": "scripts/build_us_tariff_layers.py",
        "ieepa_end": f"{ieepa_end}: last day {IEEPA_END[ieepa_end].isoformat()}",
        "rows": len(table),
        "rows_by_layer": dict(sorted(Counter(r["layer"] for r in table).items())),
        "verified_rows": sum(r["verified"] == "true" for r in table),
        "inputs": {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in inputs},
    }


def write(table: list[dict[str, str]], info: dict[str, object], path: Path = OUT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    path.with_suffix(".meta.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--ieepa-end", choices=sorted(IEEPA_END), default="ruling")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    table = build(args.data, args.ieepa_end)
    write(table, meta(table, args.data, args.ieepa_end), args.out)
    counts = Counter(r["layer"] for r in table)
    print(f"{args.out}: {len(table)} rows", dict(counts))


if __name__ == "__main__":
    main()
