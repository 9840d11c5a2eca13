"""Build allyshore's country reference table from the public source files.

Reads the real files in ``../shared/data`` (see each folder's PROVENANCE.md) and
the default policy ``src/allyshore/data/policy_us.toml`` (the official lists),
and writes compact derived tables shipped as package data:

- ``countries.csv``: one row per ISO 3166-1 country (pycountry) plus Kosovo (XK,
  a user-assigned code in common use): codes, name, UN M49 region, US list
  memberships, Freedom House 2023 total and status, the UN General Assembly
  ideal point of the latest session in the data and its distance to the US.
- ``unga_ideal_points.csv``: ideal points of the last ``--sessions`` Assembly
  sessions (long format), so that a policy can average the UN distance over K
  sessions and measure it from a home country other than the US.
- ``countries.meta.json``: source, edition/year, licence and URL or DOI per
  column, input file hashes, and every source row that did not map to an ISO code.

The output is deterministic (no timestamps), so a test can rebuild it and
compare it byte for byte with the shipped files.

Usage::

    python scripts/build_countries.py [--data ../shared/data] [--out src/allyshore/data]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pycountry

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "src" / "allyshore" / "data"
POLICY = ROOT / "src" / "allyshore" / "data" / "policy_us.toml"

FH_FILE = "freedom_house/fiw_2006_2023_scores.csv"
FH_EDITION = 2023
UNGA_FILE = "unga_idealpoints/IdealpointestimatesAll_Jun2024.csv"
CC_FILE = "country_converter/country_data.tsv"

# Freedom House spellings that neither pycountry nor allyshore's aliases know.
FH_NAMES = {
    "Congo (Brazzaville)": "CG",
    "Congo (Kinshasa)": "CD",
    "Cote d'Ivoire": "CI",
    "St. Kitts and Nevis": "KN",
    "St. Lucia": "LC",
    "St. Vincent and the Grenadines": "VC",
    "The Gambia": "GM",
}

# Correlates-of-War codes whose ISO column (iso3c) names a dissolved state although a
# current state continues the code. COW 345 ("YUG" in the data) continues as Serbia
# from the 61st session (opened Sept. 2006), after Montenegro's separation (UN
# member 28 June 2006); earlier sessions (Yugoslavia, Serbia and Montenegro) stay unmapped.
COW_SUCCESSORS = {"345": ("RS", 61)}

# Kosovo is not in ISO 3166-1; XK is the code in common use (EU, IMF, Freedom House data users).
EXTRA_ROWS = [{"alpha2": "XK", "alpha3": "XKX", "numeric": "", "name": "Kosovo"}]
# Kosovo is not a UN member, so M49 assigns it no region; it lies in Southern Europe (the Balkans).
EXTRA_REGIONS = {"XKX": ("Europe", "Southern Europe")}

COLUMNS = [
    "alpha2",
    "alpha3",
    "numeric",
    "name",
    "region",
    "subregion",
    "us_fta",
    "usmca",
    "nato_joined",
    "us_treaty_ally",
    "us_mnna",
    "us_foreign_adversary",
    "fh_edition",
    "fh_total",
    "fh_status",
    "unga_session",
    "unga_ideal_point",
    "unga_distance_us",
]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resolve_name(name: str) -> str | None:
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    from allyshore.countries import resolve_country

    return FH_NAMES.get(name) or resolve_country(name)


def iso_rows() -> list[dict[str, str]]:
    rows = [
        {
            "alpha2": c.alpha_2,
            "alpha3": c.alpha_3,
            "numeric": c.numeric,
            "name": str(getattr(c, "common_name", None) or c.name),
        }
        for c in pycountry.countries
    ]
    rows += EXTRA_ROWS
    return sorted(rows, key=lambda r: r["alpha2"])


def regions(data: Path, unmapped: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """alpha-3 -> (continent, M49 sub-region) from country_converter's table."""
    out: dict[str, tuple[str, str]] = dict(EXTRA_REGIONS)
    with (data / CC_FILE).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            alpha3 = row["ISO3"].strip()
            if pycountry.countries.get(alpha_3=alpha3) is None:
                if alpha3 not in EXTRA_REGIONS:
                    unmapped.append({"source": CC_FILE, "name": row["name_short"], "code": alpha3})
                continue
            continent = "Americas" if row["continent"] == "America" else row["continent"]
            out[alpha3] = (continent, row["UNregion"])
    return out


def freedom_house(data: Path, unmapped: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with (data / FH_FILE).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if int(row["Edition"]) != FH_EDITION:
                continue
            name = row["Country/Territory"]
            alpha2 = _resolve_name(name)
            if alpha2 is None:
                unmapped.append(
                    {"source": FH_FILE, "name": name, "kind": "territory" if row["C/T?"] == "t" else "country"}
                )
                continue
            if alpha2 in out:
                raise SystemExit(f"Freedom House rows {out[alpha2]['name']!r} and {name!r} both map to {alpha2}")
            out[alpha2] = {"name": name, "total": row["Total"], "status": row["Status"]}
    return out


def unga(data: Path, unmapped: list[dict[str, Any]]) -> tuple[dict[str, dict[int, float]], int]:
    """alpha-2 -> {session: ideal point}; rows are keyed by the ISO column (iso3c), COW ccode as fallback."""
    points: dict[str, dict[int, float]] = {}
    seen_bad: set[tuple[str, str]] = set()
    latest = 0
    with (data / UNGA_FILE).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            session = int(row["session"])
            latest = max(latest, session)
            value = row["IdealPointAll"]
            if value in ("", "NA"):
                continue
            found = pycountry.countries.get(alpha_3=row["iso3c"]) if row["iso3c"] not in ("", "NA") else None
            successor = COW_SUCCESSORS.get(row["ccode"])
            if found is None and successor is not None and session >= successor[1]:
                found = pycountry.countries.get(alpha_2=successor[0])
            if found is None:
                key = (row["ccode"], row["iso3c"])
                if key not in seen_bad:
                    seen_bad.add(key)
                    unmapped.append(
                        {
                            "source": UNGA_FILE,
                            "name": row["Countryname"],
                            "code": row["iso3c"],
                            "cow_code": row["ccode"],
                            "reason": "no ISO 3166-1 code (state no longer exists)",
                            "sessions": "first seen in session " + row["session"],
                        }
                    )
                continue
            by_session = points.setdefault(found.alpha_2, {})
            if session in by_session:
                raise SystemExit(f"two UNGA rows map to {found.alpha_2} in session {session}")
            by_session[session] = float(value)
    return points, latest


def _num(value: float | None, digits: int = 6) -> str:
    return "" if value is None else f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")


def build(data: Path, out: Path, sessions: int = 10) -> dict[str, Any]:
    policy = tomllib.loads(POLICY.read_text(encoding="utf-8"))
    lists = policy["lists"]
    unmapped: list[dict[str, Any]] = []
    region_of = regions(data, unmapped)
    fh = freedom_house(data, unmapped)
    points, latest = unga(data, unmapped)
    us_point = points["US"][latest]
    treaty_lists = ["nato", "rio_treaty", "anzus", "us_bilateral_defense"]

    def members(list_id: str) -> set[str]:
        return set(lists[list_id]["members"])

    rows = []
    for base in iso_rows():
        a2 = base["alpha2"]
        continent, subregion = region_of.get(base["alpha3"], ("", ""))
        point = points.get(a2, {}).get(latest)
        treaties = [t for t in treaty_lists if a2 in members(t)]
        rows.append(
            {
                **base,
                "region": continent,
                "subregion": subregion,
                "us_fta": str(a2 in members("us_fta")).lower(),
                "usmca": str(a2 in members("usmca")).lower(),
                "nato_joined": str(lists["nato"]["joined"].get(a2, "")),
                "us_treaty_ally": ";".join(treaties),
                "us_mnna": str(a2 in members("us_mnna")).lower(),
                "us_foreign_adversary": str(a2 in members("us_foreign_adversaries")).lower(),
                "fh_edition": str(FH_EDITION) if a2 in fh else "",
                "fh_total": fh[a2]["total"] if a2 in fh else "",
                "fh_status": fh[a2]["status"] if a2 in fh else "",
                "unga_session": str(latest) if point is not None else "",
                "unga_ideal_point": _num(point),
                "unga_distance_us": _num(None if point is None else abs(point - us_point)),
            }
        )
    missing_region = [r["alpha2"] for r in rows if not r["region"]]

    known = {r["alpha2"] for r in rows}
    first = latest - sessions + 1
    history = sorted(
        (a2, s, v) for a2, by_session in points.items() if a2 in known for s, v in by_session.items() if s >= first
    )

    out.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (out / "countries.csv").write_text(buffer.getvalue(), encoding="utf-8")

    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    plain.writerow(["alpha2", "session", "ideal_point"])
    plain.writerows([a2, s, _num(v)] for a2, s, v in history)
    (out / "unga_ideal_points.csv").write_text(buffer.getvalue(), encoding="utf-8")

    meta = _meta(data, policy, latest, first, unmapped, missing_region, len(rows), len(history))
    (out / "countries.meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return meta


def _meta(
    data: Path,
    policy: dict[str, Any],
    latest: int,
    first: int,
    unmapped: list[dict[str, Any]],
    missing_region: list[str],
    n_rows: int,
    n_history: int,
) -> dict[str, Any]:
    lists = policy["lists"]

    def list_source(*ids: str) -> dict[str, Any]:
        return {
            "source": "; ".join(lists[i]["source"] for i in ids),
            "as_of": ", ".join(f"{i}: {lists[i]['as_of']}" for i in ids),
            "url": "; ".join(lists[i]["url"] for i in ids),
            "licence": "US government / treaty facts (public domain); list kept in src/allyshore/data/policy_us.toml",
        }

    iso = {
        "source": "ISO 3166-1 via the pycountry package",
        "edition": f"pycountry {pycountry_version()}",
        "licence": "LGPL-2.1 (package); codes are ISO 3166-1 facts",
        "url": "https://pypi.org/project/pycountry/",
    }
    fh = {
        "source": "Freedom House, Freedom in the World, aggregate category and subcategory scores (FIW 2003-2023 workbook)",
        "edition": FH_EDITION,
        "year": FH_EDITION - 1,
        "note": "Edition 2023 covers calendar year 2022. Total = Political Rights (0-40) + Civil Liberties (0-60). Status F / PF / NF.",
        "licence": "(c) Freedom House; use with attribution [verify terms]",
        "url": "https://freedomhouse.org/report/freedom-world",
    }
    unga_meta = {
        "source": "Bailey, Strezhnev & Voeten, 'Estimating Dynamic State Preferences from United Nations Voting Data', "
        "Journal of Conflict Resolution 61(2):430-456, 2017; ideal point estimates, June 2024 release (IdealPointAll)",
        "edition": "June 2024",
        "session": latest,
        "year": 1945 + latest,
        "note": f"Assembly session n opens in September of year 1945 + n; session {latest} opened in {1945 + latest}. "
        "Rows keyed by the data set's ISO column (iso3c); its COW code (ccode) is reported for rows that do not map.",
        "licence": "Harvard Dataverse, CC0 1.0 [verify]; cite the paper",
        "doi": "10.7910/DVN/LEJUQZ",
    }
    region = {
        "source": "UN M49 geographic regions (continent and sub-region), as tabulated in country_converter 1.3.2 country_data.tsv",
        "licence": "UN M49 region assignments are facts; the country_converter file is GPL-3 and is not redistributed",
        "url": "https://unstats.un.org/unsd/methodology/m49/",
        "note": "Kosovo (XK) is not in M49; assigned Europe / Southern Europe by allyshore.",
    }
    columns = {
        "alpha2": iso,
        "alpha3": iso,
        "numeric": iso,
        "name": iso,
        "region": region,
        "subregion": region,
        "us_fta": list_source("us_fta"),
        "usmca": list_source("usmca"),
        "nato_joined": list_source("nato"),
        "us_treaty_ally": {
            **list_source("nato", "rio_treaty", "anzus", "us_bilateral_defense"),
            "note": "semicolon-separated ids of the collective-defence lists the country is a party to",
        },
        "us_mnna": list_source("us_mnna"),
        "us_foreign_adversary": {
            **list_source("us_foreign_adversaries"),
            "note": "The 'Maduro Regime' entry of 15 CFR 791.4 is applied to Venezuela (VE). "
            "Hong Kong and Macau are covered as part of China through the policy's territories table; "
            "this column marks only the listed states.",
        },
        "fh_edition": fh,
        "fh_total": fh,
        "fh_status": fh,
        "unga_session": unga_meta,
        "unga_ideal_point": unga_meta,
        "unga_distance_us": {**unga_meta, "note": f"|ideal point - US ideal point| in session {latest}"},
    }
    files = [FH_FILE, UNGA_FILE, CC_FILE]
    return {
        "table": "countries.csv",
        "rows": n_rows,
        "description": "One row per ISO 3166-1 country (pycountry) plus Kosovo (XK, user-assigned code).",
        "columns": columns,
        "unga_ideal_points.csv": {
            **unga_meta,
            "rows": n_history,
            "sessions": [first, latest],
            "note": "Ideal points (IdealPointAll) per country and session for the last sessions in the data; "
            "a country absent from a session did not vote in it (e.g. Venezuela after losing its vote for arrears).",
        },
        "not_shipped": {
            "vdem": "V-Dem is not used: the available extract (vdem_demspaces, V-Dem v14) lacks v2x_polyarchy, and V-Dem's "
            "CC BY-SA 4.0 share-alike terms could bind a redistributed derived table. A user policy may weight "
            "Freedom House instead.",
        },
        "inputs": {f: _sha256(data / f) for f in files},
        "policy_lists_as_of": {k: str(v["as_of"]) for k, v in sorted(lists.items())},
        "unmapped_rows": unmapped,
        "rows_without_region": missing_region,
    }


def pycountry_version() -> str:
    from importlib.metadata import version

    return version("pycountry")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the public source files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write the derived tables into")
    parser.add_argument(
        "--sessions", type=int, default=10, help="UN Assembly sessions to keep in unga_ideal_points.csv"
    )
    args = parser.parse_args(argv)
    meta = build(args.data, args.out, args.sessions)
    print(f"wrote {meta['rows']} countries to {args.out}; {len(meta['unmapped_rows'])} source rows did not map:")
    for row in meta["unmapped_rows"]:
        print(f"  {row['source']}: {row.get('name')} ({row.get('code', row.get('kind', ''))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
