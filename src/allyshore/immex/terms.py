"""How long a temporary import may stay in Mexico, and the day its term ends.

Placeholder interface: the ledger asks :func:`deadline` for every lot; the full rules (terms by class and
pedimento key, months counted as CFF art. 12 says, non-business days and configurable holidays) replace
the body below.
"""

from __future__ import annotations

import calendar
from datetime import date

#: Months a lot may stay, by material class (Ley Aduanera art. 108; docs/immex.md).
TERM_MONTHS: dict[str, int | None] = {"input": 18, "packaging": 18, "container": 24, "fixed_asset": None}


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months; a day missing in the later month falls on that month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def deadline(
    clock_start: date,
    material_class: str,
    pedimento_key: str,
    *,
    program_valid_to: date | None = None,
) -> date | None:
    """The last day the lot may stay under the temporary regime, or None when it has no fixed term."""
    months = TERM_MONTHS.get(material_class, 18)
    if months is None:
        return program_valid_to
    return add_months(clock_start, months)
