"""Criterion E: the goods of USMCA Table 2.10.1, originating when imported from another USMCA country.

SOR/2020-155 s.3(7) and Schedule 2; 19 U.S.C. 4531(c)(1)(E) and HTSUS General Note 11(p). Each
importing country lists the goods in its own tariff items (``schedule2.json``, built by
``scripts/derive_schedule2.py``): the US items of General Note 11(p) for imports into the US (the
default), the Canadian items of Schedule 2 for Canada, and, the Mexican items not being at hand,
the 6-digit subheadings for Mexico.

A code is *listed* when it falls under a list entry (a product condition such as "parts of LAN
equipment of subheading 8517.62" is then for the importer to attest), *not listed* when no entry
touches it, and *undetermined* when it is shorter than the entries it touches and covers tariff items
inside and outside the list (a bare 8504.40 covers every static converter, the list only computer
power supplies): the 8- or 10-digit tariff item decides.

>>> schedule_2_status("8471.30.01").status, schedule_2_status("8504.40").status
('listed', 'undetermined')
>>> schedule_2_status("8504.40.60.12").status, schedule_2_status("8504.40.95").status
('listed', 'not_listed')
>>> in_schedule_2("8471.70"), in_schedule_2("8471.90")
(True, False)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from allyshore.origin.hs_codes import dotted
from allyshore.results import Result

COUNTRIES = {"US": "US", "USA": "US", "CA": "CA", "CAN": "CA", "MX": "MX", "MEX": "MX"}
DEFAULT_IMPORTING_COUNTRY = "US"
NAMES = {"US": "the United States", "CA": "Canada", "MX": "Mexico"}
LIST_NAMES = {
    "US": "HTSUS General Note 11(p) (US tariff items)",
    "CA": "SOR/2020-155 Schedule 2 (Canadian tariff items)",
    "MX": "SOR/2020-155 Schedule 2 at 6 digits (Mexican tariff items not in the library)",
}


@dataclass(frozen=True, slots=True)
class Schedule2Entry:
    code: str  # digits: 6 or 8
    group: str  # A-G of Table 2.10.1
    description: str
    condition: str  # a product condition the importer must attest ("" when none)
    known: bool  # False: the list holds some tariff items under the code, which ones is not known
    source: str


@dataclass(frozen=True, slots=True)
class Schedule2Finding(Result):
    """Whether a code is on the importing country's list: ``listed``, ``not_listed`` or ``undetermined``."""

    status: Literal["listed", "not_listed", "undetermined"]
    country: str
    entries: tuple[Schedule2Entry, ...] = ()
    reason: str = ""

    @property
    def list_name(self) -> str:
        return LIST_NAMES[self.country]

    @property
    def conditions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.condition for e in self.entries if e.condition))

    @property
    def derived(self) -> bool:
        """Some entry relied on is not from the text of the list itself (derived, or for HS 2022)."""
        return any("derived" in e.source or "HS 2022" in e.source or "not found" in e.source for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "importing_country": self.country,
            "list": self.list_name,
            "entries": [dotted(e.code) for e in self.entries],
            "conditions": list(self.conditions),
            "sources": sorted({e.source for e in self.entries}),
            "reason": self.reason,
        }


@lru_cache(maxsize=1)
def _lists() -> dict[str, tuple[tuple[Schedule2Entry, ...], dict[str, tuple[str, ...]]]]:
    data = json.loads(resources.files("allyshore.origin.rules").joinpath("schedule2.json").read_text("utf-8"))
    out = {}
    for country, lst in data["lists"].items():
        entries = tuple(
            Schedule2Entry(e["code"], e["group"], e["description"], e["condition"], e["known"], e["source"])
            for e in lst["entries"]
        )
        out[country] = (entries, {k: tuple(v) for k, v in lst["items"].items()})
    return out


def importing_country(country: str | None) -> str:
    """The list to use: the importing country's, the US list when none is given."""
    return COUNTRIES.get((country or DEFAULT_IMPORTING_COUNTRY).upper(), DEFAULT_IMPORTING_COUNTRY)


def schedule_2_status(hs: str, country: str | None = None) -> Schedule2Finding:
    """Whether ``hs`` is on the Table 2.10.1 list of the importing ``country`` (the US list when None)."""
    where = importing_country(country)
    code = "".join(ch for ch in hs if ch.isdigit())
    entries, items = _lists()[where]
    above = sorted(
        (e for e in entries if len(code) >= len(e.code) and code.startswith(e.code)), key=lambda e: -len(e.code)
    )
    if above:
        entry = above[0]
        if not entry.known:
            return Schedule2Finding(
                "undetermined",
                where,
                (entry,),
                f"the list for imports into {NAMES[where]} holds only some of the tariff items of "
                f"{dotted(entry.code)} ({entry.description.lower()}), and which ones is not in the library",
            )
        return Schedule2Finding("listed", where, (entry,))
    below = tuple(e for e in entries if len(e.code) > len(code) and e.code.startswith(code))
    if not below:
        return Schedule2Finding("not_listed", where)
    national = items.get(code, ()) if len(code) == 6 else ()
    if national and all(any(i.startswith(e.code) for e in below if e.known) for i in national):
        return Schedule2Finding("listed", where, below)
    inside = ", ".join(dotted(e.code) for e in below)
    return Schedule2Finding(
        "undetermined",
        where,
        below,
        f"HS {dotted(code)} covers tariff items on the list ({inside}) and others not on it; "
        "give the 8- or 10-digit tariff item",
    )


def in_schedule_2(hs: str, country: str | None = None) -> bool:
    """Whether ``hs`` is listed (an undetermined code is not)."""
    return schedule_2_status(hs, country).status == "listed"
