"""Country names and codes, resolved through pycountry (ISO 3166-1).

Alpha-2 and alpha-3 codes are checked against the shipped country table
(``data/countries.csv``, the ISO 3166-1 codes), so reading a network written with
codes does not load pycountry; names and numeric codes go through pycountry.

>>> resolve_country("Mexico"), resolve_country("MEX"), resolve_country("mx")
('MX', 'MX', 'MX')
>>> resolve_country("South Korea")
'KR'
>>> resolve_country("Atlantis") is None
True
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

#: The parties to USMCA, alpha-2: a material is originating only if produced in one of them.
USMCA_PARTIES: frozenset[str] = frozenset({"US", "MX", "CA"})

# Everyday English names that ISO 3166-1 spells otherwise. pycountry covers the
# official and common names; these are the short forms trade data use.
_ALIASES = {
    "USA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "UNITED STATES OF AMERICA": "US",
    "AMERICA": "US",
    "UK": "GB",
    "GREAT BRITAIN": "GB",
    "BRITAIN": "GB",
    "ENGLAND": "GB",
    "SOUTH KOREA": "KR",
    "KOREA": "KR",
    "REPUBLIC OF KOREA": "KR",
    "KOREA, SOUTH": "KR",
    "NORTH KOREA": "KP",
    "KOREA, NORTH": "KP",
    "DPRK": "KP",
    "RUSSIA": "RU",
    "VIETNAM": "VN",
    "TAIWAN": "TW",
    "IRAN": "IR",
    "SYRIA": "SY",
    "LAOS": "LA",
    "BOLIVIA": "BO",
    "VENEZUELA": "VE",
    "TANZANIA": "TZ",
    "MOLDOVA": "MD",
    "CZECH REPUBLIC": "CZ",
    "TURKEY": "TR",
    "TURKIYE": "TR",
    "IVORY COAST": "CI",
    "MACAU": "MO",
    "MACAO": "MO",
    "HONG KONG": "HK",
    "BRUNEI": "BN",
    "CAPE VERDE": "CV",
    "SWAZILAND": "SZ",
    "BURMA": "MM",
    "MICRONESIA": "FM",
    "PALESTINE": "PS",
    "VATICAN": "VA",
    "HOLY SEE": "VA",
    "KOSOVO": "XK",
    "EAST TIMOR": "TL",
    "DEMOCRATIC REPUBLIC OF THE CONGO": "CD",
    "DR CONGO": "CD",
    "CONGO-KINSHASA": "CD",
    "REPUBLIC OF THE CONGO": "CG",
    "CONGO-BRAZZAVILLE": "CG",
    "THE NETHERLANDS": "NL",
    "HOLLAND": "NL",
    "UAE": "AE",
    "SLOVAK REPUBLIC": "SK",
    "KYRGYZ REPUBLIC": "KG",
}

# Codes in use that ISO 3166-1 has not assigned (user-assigned by convention).
_EXTRA_NAMES = {"XK": "Kosovo"}


@lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    """Alpha-2 and alpha-3 codes of the shipped country table (its first two columns) -> alpha-2."""
    lines = (Path(__file__).parent / "data" / "countries.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")[:2]
    if header != ["alpha2", "alpha3"]:
        raise RuntimeError(f"data/countries.csv: expected alpha2,alpha3 first, found {header}")
    out: dict[str, str] = {}
    for line in lines[1:]:
        two, three = line.split(",", 2)[:2]
        out[two] = out[three] = two
    return out


@lru_cache(maxsize=4096)
def resolve_country(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for an alpha-2, alpha-3, numeric code or English name; None if unknown."""
    if text is None:
        return None
    key = " ".join(str(text).split())
    if not key:
        return None
    upper = key.upper()
    if upper in _EXTRA_NAMES:
        return upper
    if upper in _ALIASES:
        return _ALIASES[upper]
    if upper in _codes():
        return _codes()[upper]
    import pycountry

    try:
        found = pycountry.countries.lookup(key)
    except LookupError:
        return None
    return str(found.alpha_2)


def country_name(alpha2: str) -> str:
    """English short name of an alpha-2 code (the code itself when unknown)."""
    if alpha2 in _EXTRA_NAMES:
        return _EXTRA_NAMES[alpha2]
    import pycountry

    found = pycountry.countries.get(alpha_2=alpha2)
    if found is None:
        return alpha2
    return str(getattr(found, "common_name", None) or found.name)


def alpha3(alpha2: str) -> str | None:
    import pycountry

    found = pycountry.countries.get(alpha_2=alpha2)
    return None if found is None else str(found.alpha_3)
