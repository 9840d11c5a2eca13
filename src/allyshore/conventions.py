"""The calling convention every analysis follows, and the types it names.

An analysis takes the network first (or the one thing it decides: an HS line, a
case), then what it is about (an item, a good), then keyword-only options,
always under these names and types when it has them:

``as_of: date | str | None``
    The date tariff tables, fees and rules are read at (:data:`AsOf`; text as
    ``YYYY-MM-DD``; ``None`` for today), read by :func:`as_date`.
``policy: TrustPolicy | str | Path | None``
    The trust policy behind every trust tier the analysis uses (a policy, or
    its TOML file; ``None`` for the shipped US policy); see
    :func:`allyshore.trust.resolve_policy`.
``assumptions``
    The analysis's assumptions file (TOML path) or object; ``None`` for the
    shipped defaults.
``progress: Progress | None``
    Called as the work advances (:data:`Progress`).

>>> as_date("2026-03-01")
datetime.date(2026, 3, 1)
>>> as_date("2026-13-01")
Traceback (most recent call last):
...
allyshore.errors.InputError: as_of '2026-13-01' is not a date (YYYY-MM-DD)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeAlias

from allyshore.errors import InputError

__all__ = ["AsOf", "Progress", "as_date", "progress_part", "stepper"]

#: A date option: a date, ISO text (``YYYY-MM-DD``), or None for today.
AsOf: TypeAlias = dt.date | str | None

#: The one progress callback of every analysis: ``progress(done, total)``, steps done so far out of ``total``,
#: called each time some of the work finishes (``total`` does not change during one run).
Progress: TypeAlias = Callable[[int, int], None]


def as_date(value: AsOf, *, name: str = "as_of") -> dt.date:
    """The date an :data:`AsOf` option names: a date as it is, ISO text parsed, None today.

    Raises
    ------
    InputError
        The text is not a date; the message names the option (``name``) and the format.
    """
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"{name} '{value}' is not a date (YYYY-MM-DD)") from None


def stepper(progress: Progress | None, total: int) -> Callable[[], None] | None:
    """An ``advance()`` callable that reports one more of ``total`` steps to ``progress`` each time it is called
    (None without ``progress``): for work that counts its steps one by one.

    >>> seen = []
    >>> advance = stepper(lambda done, total: seen.append((done, total)), 2)
    >>> advance(); advance(); seen
    [(1, 2), (2, 2)]
    """
    if progress is None:
        return None
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        progress(done, total)

    return advance


def progress_part(progress: Progress | None, start: int, total: int) -> Progress | None:
    """The ``progress`` of one part of a larger run of ``total`` steps, ``start`` of them done before it: the part
    reports ``(done, part_total)`` as it would alone, and ``progress`` hears ``(start + done, total)`` (None without
    ``progress``).

    >>> seen = []
    >>> second = progress_part(lambda done, total: seen.append((done, total)), 2, 5)
    >>> second(1, 3); second(3, 3); seen
    [(3, 5), (5, 5)]
    """
    if progress is None:
        return None

    def part(done: int, _part_total: int) -> None:
        progress(start + done, total)

    return part
