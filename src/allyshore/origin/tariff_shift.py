"""Change in tariff classification, applied to non-originating materials only, and the de minimis rules.

* SOR/2020-155 s.3(2) and Schedule 1 General Interpretative Note (d): only non-originating
  materials must undergo the change; every one of them must.
* s.1(3): chapter = 2 digits, heading = 4, subheading = 6, tariff item = 8.
* s.5(1): failing non-originating materials worth not more than 10% of the adjusted
  transaction value or of the total cost do not stop the good (exceptions in s.5(3)).
* s.5(6)-(10): textiles by weight (Chapters 50-60 and 96.19; Chapters 61-63 on the
  component that determines classification), of which elastomeric content at most 7%.

>>> passes("8536", "9018", TariffShift("heading"))
True
>>> passes("848250", "870850", TariffShift("heading", except_from=("848210-848280",)))
False
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from allyshore.origin.case import TariffShift

LEVEL_DIGITS = {"chapter": 2, "heading": 4, "subheading": 6, "item": 8}
LEVEL_NAMES = {"chapter": "Chapter", "heading": "heading", "subheading": "subheading", "item": "tariff item"}
TEN_PERCENT = Fraction(1, 10)
SEVEN_PERCENT = Fraction(7, 100)


def code_in(code: str, entries: tuple[str, ...]) -> bool:
    """Whether an HS code falls under one of the prefixes or ranges ``"AAAA-BBBB"`` (both ends included)."""
    for entry in entries:
        if "-" in entry:
            low, high = entry.split("-", 1)
            width = max(len(low), len(high))
            part = code[:width]
            if len(part) == width and low.ljust(width, "0") <= part <= high.ljust(width, "9"):
                return True
        elif code.startswith(entry):
            return True
    return False


def may_be_in(code: str, entries: tuple[str, ...]) -> bool:
    """Whether some line of ``code`` may fall under ``entries``: :func:`code_in`, or a code too short to tell
    (heading 85.38 against an exception for 8538.90.10)."""
    if code_in(code, entries):
        return True
    for entry in entries:
        low, _, high = entry.partition("-")
        high = high or low
        if len(code) < max(len(low), len(high)) and low[: len(code)] <= code <= high[: len(code)]:
            return True
    return False


def passes(material_hs: str, good_hs: str, shift: TariffShift) -> bool:
    """Whether a non-originating material of ``material_hs`` satisfies ``shift`` for a good of ``good_hs``.

    ``passes(m) = m in also_from or (prefix(m) != prefix(good) [or outside group] and m not in except_from)``.
    """
    if shift.also_from and code_in(material_hs, shift.also_from):
        return True
    # A material whose code is too short to tell whether it is excepted (or in the group) fails: the producer must
    # show it is not (its full code decides).
    if shift.except_from and may_be_in(material_hs, shift.except_from):
        return False
    if shift.group:
        return not may_be_in(material_hs, (shift.group,))
    digits = LEVEL_DIGITS[shift.level]
    known = min(digits, len(material_hs))
    # A material classified to fewer digits than the level shifts only if it already differs there.
    return material_hs[:known] != good_hs[:known]


@dataclass(frozen=True, slots=True)
class Failing:
    """A non-originating material (or a supplier's or self-producer's input) that fails the shift."""

    id: str
    hs: str
    value: Fraction
    weight: Fraction | None
    elastomeric: bool


def chapter(hs: str) -> int:
    return int(hs[:2]) if hs[:2].isdigit() else 0


def is_textile(hs: str) -> bool:
    return 50 <= chapter(hs) <= 63 or hs.startswith("9619")


def is_apparel(hs: str) -> bool:
    return 61 <= chapter(hs) <= 63


# s.5(3)(a)-(j): non-originating materials (by HS prefix) that never benefit from de minimis in the
# listed goods. Keyed (material prefixes, good prefixes); the milk-solids and single-fruit conditions
# of (a)-(c) and (i) are not visible in HS codes, so the listed codes are applied as written.
DE_MINIMIS_EXCEPTIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("s.5(3)(a)", ("0401-0406", "190190", "210690"), ("0401-0406",)),
    (
        "s.5(3)(b)",
        ("0401-0406", "190190", "210690"),
        ("190110", "190120", "190190", "210690", "2105", "220299", "230990"),
    ),
    ("s.5(3)(c)", ("0805", "200911-200939"), ("200911-200939", "210690", "220299")),
    ("s.5(3)(d)", ("09",), ("210111",)),
    ("s.5(3)(e)", ("15",), ("1501-1508", "1512", "1514", "1515")),
    ("s.5(3)(f)", ("1701",), ("1701-1703",)),
    ("s.5(3)(g)", ("17", "1805"), ("180610",)),
    ("s.5(3)(h)", ("080830", "080910", "080930", "200840", "200850", "200870"), ("2008",)),
    ("s.5(3)(i)", ("2009",), ("200990", "21069092", "22029922")),
    ("s.5(3)(j)", ("2203-2208",), ("2207", "2208")),
)


def de_minimis_excluded(material_hs: str, good_hs: str) -> str | None:
    """The s.5(3) paragraph that denies de minimis to this material in this good, if any."""
    ch = chapter(good_hs)
    if 50 <= ch <= 63:
        return "s.5(3)(l)"
    for paragraph, materials, goods in DE_MINIMIS_EXCEPTIONS:
        if code_in(good_hs, goods) and code_in(material_hs, materials):
            return paragraph
    if 1 <= ch <= 27 and material_hs[:6] == good_hs[:6]:
        return "s.5(3)(k)"
    return None
