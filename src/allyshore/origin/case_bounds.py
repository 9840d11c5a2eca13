"""Bounds of the origin case format: every number and every nesting level is checked before exact arithmetic.

The engine computes with exact :class:`fractions.Fraction` values. A number such as ``1e-999999999``
is 15 characters in a file but a fraction whose denominator has a billion digits, and a 5,000-digit
amount cannot even be printed (Python limits integer-to-text conversion). So a case is refused, with the
place of each offending value, when a number

* is not finite (``NaN``, ``Infinity``),
* is written with more than :data:`MAX_NUMBER_CHARS` characters,
* has more than :data:`MAX_DIGITS` significant digits,
* is larger in magnitude than :data:`MAX_MAGNITUDE` (a quadrillion: money per unit, weights, percentages),
* or has a non-zero digit beyond :data:`MAX_DECIMALS` decimal places,

and when the document nests deeper than :data:`MAX_DEPTH` levels (a good's materials, their own
materials, ... stay far below it). The checks use :class:`decimal.Decimal` views of the numbers, whose
size is that of the text, never the exact value.

>>> number_problem(Decimal("1e-999999999"))
'more than 12 decimal places (1E-999999999); amounts are exact to 12 decimal places at most'
>>> number_problem(12.5) is None
True
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from allyshore.errors import Problem

#: Characters a number may take as written (sign, digits, point, exponent).
MAX_NUMBER_CHARS = 40
#: Significant digits of a number.
MAX_DIGITS = 24
#: Largest magnitude of any number in a case.
MAX_MAGNITUDE = Decimal(10) ** 15
_MAX_INT = 10**15
#: Decimal places of the smallest non-zero digit.
MAX_DECIMALS = 12
#: Nesting of JSON objects and arrays (the document itself is level 1).
MAX_DEPTH = 64
#: Problems listed before the rest are summarised.
MAX_PROBLEMS = 50

_SURROGATE = re.compile("[\ud800-\udfff]")
_FIX = "write the amount in plain decimal notation, per unit, e.g. 1234.56"


@dataclass(frozen=True, slots=True)
class UnreadNumber:
    """A number left unconverted by the JSON reader because it is too long or not finite; never a value."""

    text: str
    reason: str


def _shown(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}...{text[-6:]} ({len(text)} characters)"


def number_problem(value: int | float | Decimal) -> str | None:
    """What is wrong with a number for a case (None when it is within bounds); constant time in its value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) > _MAX_INT:
            return f"larger than 10^15 ({value.bit_length()} bits); {_FIX}"
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"not a finite number ({value}); give a number"
        value = Decimal(repr(value))
    if not value.is_finite():
        return f"not a finite number ({value}); give a number"
    _, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    digits = "".join(map(str, digit_tuple))
    core = digits.rstrip("0")
    stripped = core.lstrip("0")
    if not stripped:
        return None  # zero, whatever its exponent
    lowest = exponent + len(digits) - len(core)  # power of ten of the last non-zero digit
    highest = exponent + len(digits) - 1  # power of ten of the first digit
    if len(stripped) > MAX_DIGITS:
        return f"more than {MAX_DIGITS} significant digits ({_shown(str(value))}); {_FIX}"
    if highest > 15 or (highest == 15 and value.copy_abs() > MAX_MAGNITUDE):  # abs() would round
        return f"larger than 10^15 ({_shown(str(value))}); {_FIX}"
    if lowest < -MAX_DECIMALS:
        return (
            f"more than {MAX_DECIMALS} decimal places ({_shown(str(value))}); "
            f"amounts are exact to {MAX_DECIMALS} decimal places at most"
        )
    return None


def _bounded(value: Any) -> Any:
    """Pydantic before-validator of every case number: refuse what :func:`number_problem` refuses."""
    if isinstance(value, UnreadNumber):
        raise PydanticCustomError("number_bounds", "{reason}", {"reason": value.reason, "hint": _FIX})
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_CHARS:
            reason = f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS})"
            raise PydanticCustomError("number_bounds", "{reason}", {"reason": reason, "hint": _FIX})
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            return value  # pydantic reports that it is not a number
        problem = number_problem(parsed)
    elif isinstance(value, int | float | Decimal):
        problem = number_problem(value)
    else:
        return value
    if problem is not None:
        raise PydanticCustomError("number_bounds", "{reason}", {"reason": problem, "hint": _FIX})
    return value


#: A number of the case format: a :class:`~decimal.Decimal` within the bounds above.
Number = Annotated[Decimal, BeforeValidator(_bounded)]


def read_number(text: str) -> int | float | str | UnreadNumber:
    """JSON reader hook for integers and reals: the number, its exact text when a float would round it, or a
    marker when it is out of bounds."""
    if len(text) > MAX_NUMBER_CHARS:
        return UnreadNumber(text[:40], f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS})")
    parsed = Decimal(text)
    problem = number_problem(parsed)
    if problem is not None:
        return UnreadNumber(text, problem)
    if parsed.as_tuple().exponent == 0 and "e" not in text.lower() and "." not in text:
        return int(text)
    real = float(text)
    if Decimal(repr(real)) == parsed:
        return real
    return text  # more digits than a float keeps: the exact text (a decimal string is a number of the format)


def read_constant(text: str) -> UnreadNumber:
    """JSON reader hook for ``NaN``, ``Infinity`` and ``-Infinity``: never a value of a case."""
    return UnreadNumber(text, f"not a finite number ({text}); give a number")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def document_problems(data: Any, source: str | None = None) -> list[Problem]:
    """Problems of a case document that must be found before it is validated field by field.

    Walks the whole document (also the keys the format ignores, since the document is kept with a
    saved determination): numbers out of bounds or not finite, nesting deeper than :data:`MAX_DEPTH`,
    keys that are not text, text that cannot be written as UTF-8 (unpaired surrogates). The walk
    is iterative, so no document can exhaust the interpreter's stack.
    """
    out: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    more = 0

    def add(message: str, path: str, hint: str | None = None) -> None:
        nonlocal more
        if len(out) < MAX_PROBLEMS:
            out.append(Problem("case", message, column=path or "(document)", hint=hint, source=source))
        else:
            more += 1

    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list | tuple):
            if depth > MAX_DEPTH:
                add(
                    f"nested more than {MAX_DEPTH} levels deep",
                    path,
                    "a case nests its materials a few levels at most: check the structure",
                )
                continue
            if isinstance(value, dict):
                items: list[tuple[str | int, Any]] = []
                for key, item in value.items():
                    if not isinstance(key, str):
                        add(f"a key must be text, not {type(key).__name__} ({key!r:.40})", path)
                        continue
                    items.append((key, item))
            else:
                items = list(enumerate(value))
            stack.extend((item, _join(path, key), depth + 1) for key, item in reversed(items))
            for key, _ in items:
                if isinstance(key, str) and _SURROGATE.search(key):
                    add("a key holds an unpaired surrogate (not text UTF-8 can write)", path)
        elif isinstance(value, UnreadNumber):
            add(value.reason, path, _FIX)
        elif isinstance(value, bool) or value is None or isinstance(value, date):
            continue
        elif isinstance(value, int | float | Decimal):
            problem = number_problem(value)
            if problem is not None:
                add(problem, path, _FIX)
        elif isinstance(value, str) and _SURROGATE.search(value):
            add(
                "the text holds an unpaired surrogate (an escape such as \\ud800 alone), not text UTF-8 can write",
                path,
                "remove the escape or write the character itself",
            )
    if more:
        out.append(Problem("case", f"... and {more} more problem(s) of the same kinds", source=source))
    return out


def material_list_problems(data: dict[str, Any], source: str | None, known: set[str | None]) -> list[Problem]:
    """Problems the models cannot see, found on the raw document so that one run reports them all."""
    out: list[Problem] = []
    materials = data.get("materials")
    if not isinstance(materials, list):
        return out
    ids = Counter(m.get("id") for m in materials if isinstance(m, dict) and isinstance(m.get("id"), str))
    for dup in sorted(str(i) for i, n in ids.items() if n > 1 and i is not None):
        out.append(Problem("case", f"material id '{dup}' appears more than once", column="materials", source=source))
    for i, m in enumerate(materials):
        if not isinstance(m, dict):
            continue
        path = f"materials[{i}]"
        if "value" not in m and not m.get("self_produced") and f"{path}.value" not in known:
            out.append(
                Problem(
                    "case",
                    "a material needs a 'value' unless it is self-produced",
                    column=f"{path}.value",
                    source=source,
                )
            )
        if not m.get("hs") and not m.get("indirect") and f"{path}.hs" not in known:
            out.append(Problem("case", "a material needs its HS code 'hs'", column=f"{path}.hs", source=source))
    return out


def cost_problems(prefix: str, total: Fraction | None, excluded: Fraction) -> list[Problem]:
    """Excluded costs that leave no net cost (SOR/2020-155 s.7(11), (13): NC = total cost − excluded costs)."""
    if total is None or not excluded or excluded < total:
        return []
    message = (
        f"the excluded costs ({fmt_amount(excluded)}) are not less than the total cost ({fmt_amount(total)}): "
        "the net cost (total cost − excluded costs, SOR/2020-155 s.7(11), (13)) must be positive"
    )
    hint = "excluded costs are part of the total cost (s.1(1)); give both per unit"
    return [Problem("case", message, column=f"{prefix}excluded_costs", hint=hint)]


def fmt_amount(value: Fraction) -> str:
    """An exact amount as plain decimal text when it has one (``Fraction(5, 2)`` -> ``'2.5'``)."""
    if value.denominator == 1:
        return str(value.numerator)
    return str(Decimal(value.numerator) / Decimal(value.denominator))
