"""How long a temporary import may stay in Mexico, and the day its term ends.

Terms (docs/immex.md, "Deadlines"):

* inputs, parts, packaging and labels: 18 months (Ley Aduanera art. 108 fr. I; Decreto IMMEX art. 4 fr. I);
* shipping containers and trailer boxes: 2 years (LA art. 108 fr. II; Decreto IMMEX art. 4 fr. II);
* machinery, equipment and other fixed assets: while the programme is in force (LA art. 108 fr. III;
  Decreto IMMEX art. 4 fr. III), i.e. ``program_valid_to``; unknown (None) when it is not given;
* goods received by virtual transfer (pedimento key V1): 6 months counted from the transfer itself, not
  from the original import; 18 months when the transfer came from a national supplier without a programme
  (Decreto IMMEX art. 4, last paragraph, as quoted by a secondary source; LA art. 108, current to DOF 27 Dec
  2025, sets no term of its own for them) [verify against the current Decreto text].

Months are counted as the Código Fiscal de la Federación art. 12 says: a term in months ends on the same day
of the later calendar month; when that day does not exist in that month, the term ends on the *first business
day of the following month*; when the last day is a non-business day, the term runs to the next business day.
(The law, not "the last day of the month" as a simpler reading would have it.) Non-business days are the
weekends and the official rest days of CFF art. 12 (:func:`official_rest_days`), plus whatever a holidays TOML
file adds (:func:`load_calendar`).
"""

from __future__ import annotations

import calendar as _calendar
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from allyshore.errors import InputError

__all__ = [
    "MEXICO",
    "TERM_MONTHS",
    "BusinessCalendar",
    "add_months",
    "add_months_cff",
    "deadline",
    "load_calendar",
    "official_rest_days",
    "term_months",
]

#: Months a lot may stay, by material class (LA art. 108 fr. I-III); None: the programme's life.
TERM_MONTHS: dict[str, int | None] = {"input": 18, "packaging": 18, "container": 24, "fixed_asset": None}

#: Months goods received by virtual transfer may stay, counted from the transfer (Decreto IMMEX art. 4, last ¶).
VIRTUAL_TRANSFER_MONTHS = 6
#: The same, when the transfer came from a national supplier without a programme (same paragraph).
NATIONAL_SUPPLIER_MONTHS = 18
#: Pedimento keys of goods received by virtual transfer (Anexo 22, Apéndice 2).
VIRTUAL_TRANSFER_KEYS = frozenset({"V1"})
#: Pedimento keys of fixed assets (AF: IMMEX temporary import of fixed assets, Anexo 22 Apéndice 2).
FIXED_ASSET_KEYS = frozenset({"AF"})


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` (Monday 0) of the month."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


@lru_cache(maxsize=256)
def official_rest_days(year: int) -> frozenset[date]:
    """Mexico's official non-business days of ``year`` for tax terms (CFF art. 12, first paragraph):
    1 Jan; the first Monday of February; the third Monday of March; 1 and 5 May; 16 Sep; the third Monday
    of November; 25 Dec; and, every six years, the day the federal executive changes hands.

    CFF art. 12 (text current to DOF 9 Apr 2026) still names "el 1o. de diciembre de cada 6 años, cuando
    corresponda a la transmisión del Poder Ejecutivo"; since the reform of CPEUM art. 83 (DOF 10 Feb 2014) the
    President takes office on 1 October, so from 2024 1 December no longer corresponds to the change, and
    1 October is a mandatory rest day (LFT art. 74 fr. VII, DOF 30 Sep 2024) on which federal offices are
    closed, which extends a term ending on it (CFF art. 12, fifth paragraph). This list therefore uses
    1 December up to 2018 and 1 October from 2024 on. 5 May is a rest day for tax terms (CFF art. 12) although
    LFT art. 74 does not list it."""
    days = {
        date(year, 1, 1),
        _nth_weekday(year, 2, 0, 1),
        _nth_weekday(year, 3, 0, 3),
        date(year, 5, 1),
        date(year, 5, 5),
        date(year, 9, 16),
        _nth_weekday(year, 11, 0, 3),
        date(year, 12, 25),
    }
    if year >= 2024 and (year - 2024) % 6 == 0:
        days.add(date(year, 10, 1))
    elif year < 2024 and (year - 2018) % 6 == 0:
        days.add(date(year, 12, 1))
    return frozenset(days)


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days are business days: not a weekend day, not an official rest day (when ``official``), not an
    added holiday; a day in ``business`` is a business day whatever else says."""

    weekend: frozenset[int] = frozenset({5, 6})  # Monday 0 ... Sunday 6
    official: bool = True
    holidays: frozenset[date] = field(default_factory=frozenset)
    business: frozenset[date] = field(default_factory=frozenset)

    def is_business_day(self, day: date) -> bool:
        if day in self.business:
            return True
        if day.weekday() in self.weekend or day in self.holidays:
            return False
        return not (self.official and day in official_rest_days(day.year))

    def next_business_day(self, day: date) -> date:
        """``day`` itself when it is a business day, else the first business day after it."""
        for _ in range(400):
            if self.is_business_day(day):
                return day
            day += timedelta(days=1)
        raise InputError("the holidays calendar has no business day in 400 days; check its weekend and dates")

    def non_business_days(self, start: date, end: date) -> list[date]:
        """The non-business days from ``start`` to ``end`` inclusive (for a calendar chart)."""
        out, day = [], start
        while day <= end:
            if not self.is_business_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out


#: Weekends and CFF art. 12's official rest days (the default calendar).
MEXICO = BusinessCalendar()

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _dates(values: object, path: Path, key: str) -> frozenset[date]:
    if not isinstance(values, list):
        raise InputError(f"{path}: '{key}' must be a list of dates (YYYY-MM-DD), e.g. {key} = [2026-04-02]")
    out = set()
    for i, value in enumerate(values):
        if isinstance(value, date):
            out.add(value)
            continue
        try:
            out.add(date.fromisoformat(str(value)))
        except ValueError:
            raise InputError(f"{path}: {key}[{i}] = {value!r} is not a date; write it as YYYY-MM-DD") from None
    return frozenset(out)


def load_calendar(path: str | Path | None) -> BusinessCalendar:
    """The business-day calendar of a holidays TOML file (None: :data:`MEXICO`)::

    official = true                      # keep CFF art. 12's rest days (default true)
    weekend = ["sat", "sun"]             # default
    holidays = [2026-04-02, 2026-04-03]  # added non-business days (e.g. SAT's own, RMF rule 2.1.6)
    business = []                        # days that are business days whatever else says
    """
    if path is None:
        return MEXICO
    from allyshore.io.text import read_text_file

    path = Path(path)
    try:
        data = tomllib.loads(read_text_file(path, "holidays"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); see docs/immex.md") from None
    unknown = set(data) - {"official", "weekend", "holidays", "business"}
    if unknown:
        raise InputError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; use official, weekend, holidays, business"
        )
    official = data.get("official", True)
    if not isinstance(official, bool):
        raise InputError(f"{path}: 'official' must be true or false")
    weekend_names = data.get("weekend", ["sat", "sun"])
    if not isinstance(weekend_names, list) or any(str(w).lower()[:3] not in _WEEKDAYS for w in weekend_names):
        raise InputError(f'{path}: \'weekend\' must list day names, e.g. weekend = ["sat", "sun"]')
    return BusinessCalendar(
        weekend=frozenset(_WEEKDAYS[str(w).lower()[:3]] for w in weekend_names),
        official=official,
        holidays=_dates(data.get("holidays", []), path, "holidays"),
        business=_dates(data.get("business", []), path, "business"),
    )


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months; a day missing in the later month falls on that month's last day (plain
    calendar arithmetic; legal terms use :func:`add_months_cff`)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, _calendar.monthrange(year, month)[1]))


def add_months_cff(start: date, months: int, calendar: BusinessCalendar = MEXICO) -> date:
    """The day a term of ``months`` months begun on ``start`` ends, by CFF art. 12: the same day of the later
    month; if that month has no such day, the first business day of the month after; then, if that day is not
    a business day, the next business day.

    >>> add_months_cff(date(2024, 8, 31), 18)  # Feb 2026 has no 31st; 1 Mar 2026 is a Sunday
    datetime.date(2026, 3, 2)
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if start.day <= _calendar.monthrange(year, month)[1]:
        end = date(year, month, start.day)
    else:
        end = date(year + month // 12, month % 12 + 1, 1)
    return calendar.next_business_day(end)


def term_months(material_class: str, pedimento_key: str, *, national_supplier: bool = False) -> int | None:
    """Months a lot may stay (None: the programme's life), by pedimento key first, then material class."""
    key = (pedimento_key or "").strip().upper()
    if key in VIRTUAL_TRANSFER_KEYS:
        return NATIONAL_SUPPLIER_MONTHS if national_supplier else VIRTUAL_TRANSFER_MONTHS
    if key in FIXED_ASSET_KEYS:
        return None
    if material_class not in TERM_MONTHS:
        raise InputError(
            f"material class {material_class!r} has no term; use one of {', '.join(TERM_MONTHS)} (LA art. 108)"
        )
    return TERM_MONTHS[material_class]


def deadline(
    clock_start: date,
    material_class: str,
    pedimento_key: str,
    *,
    program_valid_to: date | None = None,
    calendar: BusinessCalendar = MEXICO,
    national_supplier: bool = False,
) -> date | None:
    """The last day the lot may stay under the temporary regime; None when it has no known end (a fixed
    asset without the programme's end date).

    ``clock_start`` is when the term begins (RGCE 4.3.1 / RLA: clearance complete; a consolidated pedimento's
    closing date); for a lot received by virtual transfer (key V1), the transfer's date.
    """
    months = term_months(material_class, pedimento_key, national_supplier=national_supplier)
    if months is None:
        return program_valid_to
    return add_months_cff(clock_start, months, calendar)


def deadlines(
    clock_starts: Iterable[date],
    classes: Iterable[str],
    keys: Iterable[str],
    *,
    program_valid_to: date | None = None,
    calendar: BusinessCalendar = MEXICO,
) -> list[date | None]:
    """:func:`deadline` of many lots; the distinct (start, term) pairs are computed once each."""
    memo: dict[tuple[date, int | None], date | None] = {}
    out: list[date | None] = []
    for start, cls, key in zip(clock_starts, classes, keys, strict=True):
        months = term_months(cls, key)
        pair = (start, months)
        if pair not in memo:
            memo[pair] = program_valid_to if months is None else add_months_cff(start, months, calendar)
        out.append(memo[pair])
    return out
