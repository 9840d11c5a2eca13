"""HS codes in rules of origin: one normal form (digits only), and a clear error for anything else.

A rule's code lists (``except_from``, ``also_from``, ``group``) and the ``hs`` key of a library rule
may be written as people write tariff numbers: ``"85.36"``, ``"8536.50"``, ``"8536 50 90"``, or a
range ``"8482.10-8482.80"`` (also ``"8482.10 through 8482.80"``). Inside the engine every code is
digits only, so that prefix tests compare like with like (SOR/2020-155 s.1(3): Chapter = 2 digits,
heading = 4, subheading = 6, tariff item = 8; 10 for a US statistical suffix).

>>> normalise_hs_entry("85.36"), normalise_hs_entry("8536 50 90"), normalise_hs_entry("8482.10 - 8482.80")
('8536', '85365090', '848210-848280')
>>> normalise_hs_entry("85.3x")
Traceback (most recent call last):
...
ValueError: '85.3x' is not an HS code: only digits, dots and spaces are allowed
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

#: Digit counts of a valid code: Chapter, heading, subheading, tariff item, statistical line.
HS_LENGTHS = (2, 4, 6, 8, 10)
HS_CODE_HINT = (
    'write a code as digits, with or without dots or spaces ("85.36", "8536.50", "8536 50 90"), '
    'or a range of two codes with the same number of digits ("8482.10-8482.80")'
)
_RANGE = re.compile(r"\s*(?:-|–|—|\bthrough\b)\s*")
_CHARS = re.compile(r"^[0-9. ]+$")
_NATIONAL = re.compile(r"^(.*\d)[. ]?([a-z]{2})$")


def normalise_hs_code(code: str, *, national: bool = False) -> str:
    """One code as digits; ``national`` also allows the letter placeholders of SOR s.13 (``8708.99.aa``).

    Raises
    ------
    ValueError
        The code is empty, holds other characters than digits, dots and spaces, or has a digit
        count other than 2, 4, 6, 8 or 10.
    """
    text = code.strip().lower()
    suffix = ""
    if national and (m := _NATIONAL.match(text)) is not None:
        text, suffix = m.group(1), m.group(2)
    if not text:
        raise ValueError("the HS code is empty")
    if not _CHARS.match(text):
        raise ValueError(f"{code!r} is not an HS code: only digits, dots and spaces are allowed")
    digits = text.replace(".", "").replace(" ", "")
    if suffix and len(digits) != 6:
        raise ValueError(f"{code!r}: a national tariff item placeholder such as 8708.99.aa has 6 digits and 2 letters")
    if len(digits) not in HS_LENGTHS:
        raise ValueError(
            f"{code!r} has {len(digits)} digits; an HS code has 2 (Chapter), 4 (heading), 6 (subheading), "
            "8 or 10 (tariff item)"
        )
    return digits + suffix


def normalise_hs_entry(entry: str, *, national: bool = False) -> str:
    """A code or a range ``LOW-HIGH`` as digits (see :func:`normalise_hs_code`).

    Raises
    ------
    ValueError
        Either end is malformed, the ends differ in length, or the range ends before it starts.
    """
    parts = _RANGE.split(entry.strip())
    if len(parts) == 1:
        return normalise_hs_code(parts[0], national=national)
    if len(parts) != 2:
        raise ValueError(f"{entry!r} is neither a code nor a range of two codes")
    low, high = (normalise_hs_code(p, national=national) for p in parts)
    if len(low) != len(high):
        raise ValueError(f"the two ends of the range {entry!r} have different numbers of digits")
    if low > high:
        raise ValueError(f"the range {entry!r} ends before it starts")
    return f"{low}-{high}"


def dotted(entry: str) -> str:
    """A normalised code or range written the usual way: ``"848210-848280"`` -> ``"8482.10-8482.80"``.

    >>> dotted("8536"), dotted("85365090"), dotted("870899aa"), dotted("848210-848280")
    ('85.36', '8536.50.90', '8708.99.aa', '8482.10-8482.80')
    """
    if "-" in entry:
        return "-".join(dotted(part) for part in entry.split("-", 1))
    if len(entry) == 4 and entry.isdigit():
        return f"{entry[:2]}.{entry[2:]}"
    if len(entry) <= 4:
        return entry
    return ".".join([entry[:4], *(entry[i : i + 2] for i in range(4, len(entry), 2))])


def _checked(value: str, *, national: bool = False) -> str:
    try:
        return normalise_hs_entry(value, national=national)
    except ValueError as exc:
        raise PydanticCustomError("hs_code", "{reason}", {"reason": str(exc), "hint": HS_CODE_HINT}) from None


def _checked_national(value: str) -> str:
    return _checked(value, national=True)


#: A code or range of a rule's code list, validated and normalised to digits on reading.
HsEntry = Annotated[str, AfterValidator(_checked)]
#: The same, allowing the ``8708.99.aa`` placeholders (the ``hs`` key of a library rule).
HsKey = Annotated[str, AfterValidator(_checked_national)]


def error_hint(error: dict[str, Any]) -> str | None:
    """The hint carried by a pydantic error raised here (None for other errors)."""
    ctx = error.get("ctx") or {}
    hint = ctx.get("hint")
    return str(hint) if hint else None
