"""Number formats of the report (Jinja2 filters and plain functions).

>>> percent(0.4567), percent(0.0004), percent(None)
('45.7%', '<0.1%', '–')
>>> usd(1234.4), usd(0.456), usd(216_000), usd(2_500_000)
('$1,234.40', '$0.46', '$216,000', '$2.50M')
>>> number(1234567), number(3.25)
('1,234,567', '3.25')
>>> tier_label("non_aligned")
'Non-aligned'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

DASH = "–"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage; tiny non-zero shares show as ``<0.1%``."""
    if _missing(value):
        return DASH
    assert value is not None
    scaled = value * 100
    floor = 10.0**-digits
    if 0 < abs(scaled) < floor:
        return f"<{floor:.{digits}f}%"
    return f"{scaled:.{digits}f}%"


def usd(value: float | None) -> str:
    """US dollars: cents below ten thousand, whole dollars below a million, then millions or billions.

    >>> usd(-0.0004), usd(-2.5), usd(12_345.6), usd(2_500_000)
    ('$0.00', '-$2.50', '$12,346', '$2.50M')
    """
    if _missing(value):
        return DASH
    assert value is not None
    magnitude = abs(value)
    sign = "-" if value < 0 and round(magnitude, 2) > 0 else ""  # no "-$0.00"
    if magnitude >= 1e9:
        return f"{sign}${magnitude / 1e9:,.2f}B"
    if magnitude >= 1e6:
        return f"{sign}${magnitude / 1e6:,.2f}M"
    if magnitude >= 1e4:
        return f"{sign}${magnitude:,.0f}"
    return f"{sign}${magnitude:,.2f}"


def usd_tick(value: float) -> str:
    """US dollars on a chart axis: as short as the round tick values allow.

    >>> usd_tick(0), usd_tick(2.5), usd_tick(50), usd_tick(250_000), usd_tick(1_250_000)
    ('$0', '$2.5', '$50', '$250k', '$1.25M')
    """
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, "")):
        if abs(value) >= scale or scale == 1.0:
            return f"{'-' if value < 0 else ''}${abs(value) / scale:,.2f}".rstrip("0").rstrip(".") + suffix
    raise AssertionError("unreachable")


def usd_whole(value: float | None) -> str:
    """US dollars for totals (value per week or year): whole dollars from $100, as :func:`usd` below.

    >>> usd_whole(5365.0), usd_whole(99.5), usd_whole(3_200_000)
    ('$5,365', '$99.50', '$3.20M')
    """
    if _missing(value) or abs(value or 0.0) < 100 or abs(value or 0.0) >= 1e6:
        return usd(value)
    assert value is not None
    return f"{'-' if value < 0 else ''}${abs(value):,.0f}"


def number(value: float | None, digits: int = 2) -> str:
    """A count or quantity with thousands separators; integers without decimals, no trailing zeros.

    >>> number(1999.92, 0), number(1999.92), number(12.5), number(2000.0)
    ('2,000', '1,999.92', '12.5', '2,000')
    """
    if _missing(value):
        return DASH
    assert value is not None
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def tier_label(tier: str) -> str:
    """A trust tier as people read it: ``usmca`` -> ``USMCA``, ``non_aligned`` -> ``Non-aligned``."""
    special = {"usmca": "USMCA"}
    return special.get(tier, tier.replace("_", "-").capitalize())


FILTERS: dict[str, Callable[..., str]] = {
    "percent": percent,
    "usd": usd,
    "usd_whole": usd_whole,
    "number": number,
    "tier_label": tier_label,
}
