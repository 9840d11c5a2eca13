"""The product-specific rules of origin library: one JSON file per HS chapter, validated on first use.

Each file ``chNN.json`` holds::

    {"chapter": "84", "hs_edition": "HS 2017", "rules": [
       {"hs": "8414.59", "scope": "", "valid_from": null, "valid_to": null,
        "text": "<exact legal text>", "source": "<where the text comes from>", "verified": true,
        "alternatives": [{"tariff_shift": {"level": "heading", "except_from": []}, "rvc": null}],
        "other_requirements": []}]}

``hs`` is a code (``"84.14"``, ``"8414.59"``) or a range (``"8701.30-8701.90"``); the most specific
rule valid on the date asked for wins. A rule whose text could not be checked against its
source carries ``"verified": false``; every determination that uses it says so.

Adding rules: put a new ``chNN.json`` file (or new entries) in this folder, keep the exact
legal text and its source beside the structured form, then run
``allyshore origin rule HS`` to see it parsed; ``tests/test_origin_rules.py`` validates every file.

>>> rule = lookup_rule("8703.23", as_of=date(2024, 1, 1))
>>> rule.alternatives[0].rvc.net_cost, rule.scope
(Fraction(75, 1), 'passenger vehicle')
>>> find_rule("0000.00") is None
True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from allyshore.errors import NotFoundError, Problem, ValidationError
from allyshore.origin.case import Rule, RuleIn, _hs, rule_from_model
from allyshore.origin.hs_codes import HS_CODE_HINT, dotted, error_hint, normalise_hs_entry

if TYPE_CHECKING:
    from allyshore.origin.results import RuleEntries


class LibraryRuleIn(RuleIn):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hs: str = Field(description="Code or range the rule applies to; dots allowed, '8708.99.aa' placeholders too.")
    scope: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    verified: bool = False
    note: str = ""

    @field_validator("hs")
    @classmethod
    def _valid_hs(cls, value: str) -> str:
        try:
            normalise_hs_entry(value, national=True)
        except ValueError as exc:
            raise PydanticCustomError("hs_code", "{reason}", {"reason": str(exc), "hint": HS_CODE_HINT}) from None
        return value.strip()


class ChapterFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    chapter: str
    hs_edition: str
    description: str = ""
    rules: list[LibraryRuleIn]


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    low: str
    high: str
    scope: str
    valid_from: date | None
    valid_to: date | None
    rule: Rule
    hs_edition: str
    code: str


def _range(code: str) -> tuple[str, str]:
    if "-" in code:
        low, high = (c.strip() for c in code.split("-", 1))
        return _hs(low), _hs(high)
    return _hs(code), _hs(code)


def _located(err: dict[str, Any], raw: Any, source: str) -> Problem:
    """A validation error of a rules file, located by rule index and field, naming the rule's code."""
    loc = tuple(err["loc"])
    column = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    message = str(err["msg"])
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = raw.get("rules") if isinstance(raw, dict) else None
        rule = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        code = rule.get("hs") if isinstance(rule, dict) else None
        message = f"rule {loc[1]}" + (f" (hs {code})" if code else "") + f": {message}"
        value = err.get("input")
        if isinstance(value, str) and repr(value) not in message:
            message += f" (value {value!r})"
    return Problem("rules", message, column=column, hint=error_hint(err), source=source)


def read_rules_file(name: str, text: str) -> tuple[list[LibraryEntry], list[Problem]]:
    """The entries of one rules file (JSON text), or the located problems that stop it being used."""
    try:
        raw = json.loads(text)
        data = ChapterFileIn.model_validate(raw)
    except json.JSONDecodeError as exc:
        return [], [Problem("rules", exc.msg, row=exc.lineno, source=name)]
    except pydantic.ValidationError as exc:
        return [], [_located(dict(err), raw, name) for err in exc.errors(include_url=False)]
    entries: list[LibraryEntry] = []
    problems: list[Problem] = []
    for i, r in enumerate(data.rules):
        low, high = _range(r.hs)
        if not low.startswith(data.chapter) and not high.startswith(data.chapter):
            problems.append(
                Problem(
                    "rules",
                    f"rule {i} (hs {r.hs}) is not in chapter {data.chapter}",
                    column=f"rules[{i}].hs",
                    source=name,
                )
            )
        rule = rule_from_model(r, r.hs, r.source)
        rule = Rule(rule.alternatives, low, r.text, r.source, r.verified, r.scope)
        entries.append(LibraryEntry(low, high, r.scope, r.valid_from, r.valid_to, rule, data.hs_edition, r.hs))
    return entries, problems


@lru_cache(maxsize=1)
def load_library() -> tuple[LibraryEntry, ...]:
    """Read and validate every rules file once; a broken file raises a located ValidationError."""
    entries: list[LibraryEntry] = []
    problems: list[Problem] = []
    folder = resources.files(__name__)
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.startswith("ch") and item.name.endswith(".json"):
            found, wrong = read_rules_file(item.name, item.read_text(encoding="utf-8"))
            entries += found
            problems += wrong
    if problems:
        raise ValidationError(problems, what="rules library")
    return tuple(entries)


def _matches(entry: LibraryEntry, hs: str) -> bool:
    width = len(entry.low)
    part = hs[:width]
    return len(part) == width and entry.low <= part <= entry.high.ljust(width, "9")[:width]


def find_rules(hs: str, as_of: date | None = None, scope: str | None = None) -> list[LibraryEntry]:
    """Every library entry applying to ``hs`` on ``as_of`` (all dates when None), most specific first."""
    code = _hs(hs)
    out = [
        e
        for e in load_library()
        if _matches(e, code)
        and (
            as_of is None
            or ((e.valid_from is None or e.valid_from <= as_of) and (e.valid_to is None or as_of <= e.valid_to))
        )
        and (scope is None or e.scope == scope)
    ]
    out.sort(key=lambda e: (-len(e.low), e.low != e.high, e.scope != "", e.valid_from or date.min))
    return out


DEFAULT_SCOPES = ("", "passenger vehicle", "light truck", "other vehicles and aftermarket", "other goods")


@dataclass(frozen=True, slots=True)
class RuleChoice:
    """The rule chosen for a code, the end use it is for, and the named goods that have rules of their own.

    ``good`` is the named good whose rule applies ("" when the rule is not limited to a named good);
    ``goods`` lists every good named under that end use (SOR s.13 names some in heading 87.08).
    """

    rule: Rule | None
    end_use: str = ""
    good: str = ""
    goods: tuple[str, ...] = ()
    asked: str | None = None


def split_scope(scope: str) -> tuple[str, str]:
    """``"other vehicles and aftermarket; gear boxes"`` -> (end use, good)."""
    end_use, _, good = scope.partition(";")
    return end_use.strip(), good.strip()


def _words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return frozenset(
        w[:-2] if w.endswith("xes") else w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in words
    )


def match_good(asked: str, goods: tuple[str, ...]) -> str | None:
    """The good of ``goods`` that ``asked`` names: exactly, or by its words (singular or plural), preferring
    goods that add no "parts", no leading "other" and the fewest other words; None when it names none, or
    several equally.

    >>> match_good("steering columns", ("steering wheels, steering columns or steering boxes",
    ...                                 "parts of steering wheels, steering columns or steering boxes"))
    'steering wheels, steering columns or steering boxes'
    >>> match_good("McPherson strut", ("McPherson struts", "suspension systems (including shock absorbers)"))
    'McPherson struts'
    """
    wanted = asked.strip().lower()
    exact = [g for g in goods if g.lower() == wanted]
    if exact:
        return exact[0]
    words = _words(asked)
    compact = re.sub(r"[^a-z0-9]", "", wanted)
    found = [g for g in goods if words <= _words(g) or (compact and compact in re.sub(r"[^a-z0-9]", "", g.lower()))]
    if not found:
        return None

    def score(good: str) -> tuple[bool, bool, int]:
        extra = _words(good) - words
        return ("part" in extra, good.lower().startswith("other ") and "other" not in words, len(extra))

    best = min(score(g) for g in found)
    chosen = [g for g in found if score(g) == best]
    return chosen[0] if len(chosen) == 1 else None


@lru_cache(maxsize=8192)
def _select(hs: str, as_of: date | None, scopes: tuple[str, ...], asked: str | None) -> RuleChoice:
    found = find_rules(hs, as_of)
    if not found:
        return RuleChoice(None, asked=asked)
    width = len(found[0].low)
    found = [e for e in found if len(e.low) == width]

    def pick(entries: list[LibraryEntry]) -> LibraryEntry:
        return entries[-1] if as_of is None else entries[0]

    for pref in scopes:
        group = [e for e in found if split_scope(e.scope)[0] == pref]
        if not group:
            continue
        goods = tuple(dict.fromkeys(g for e in group if (g := split_scope(e.scope)[1])))
        if asked and goods and asked.strip().lower() not in ("any other good", "other"):
            name = match_good(asked, goods)
            if name is None:
                raise ValidationError(
                    [
                        Problem(
                            "case",
                            f"rule_scope {asked!r} names none, or more than one, of the goods of HS {dotted(hs)} "
                            f"that have their own rule for {pref or 'this end use'}",
                            column="rule_scope",
                            hint="one of: " + "; ".join(goods) + " (or leave it out for any other good)",
                        )
                    ],
                    what="origin case",
                )
            return RuleChoice(
                pick([e for e in group if split_scope(e.scope)[1] == name]).rule, pref, name, goods, asked
            )
        generic = [e for e in group if not split_scope(e.scope)[1]]
        chosen = pick(generic or group)
        return RuleChoice(chosen.rule, pref, split_scope(chosen.scope)[1], goods, asked)
    chosen = pick(found)
    return RuleChoice(chosen.rule, *split_scope(chosen.scope), (), asked)


@lru_cache(maxsize=1)
def _end_uses() -> dict[str, str]:
    return {e.lower(): e for e in (split_scope(x.scope)[0] for x in load_library()) if e}


def select_rule(
    hs: str, as_of: date | None = None, scope: str | tuple[str, ...] | None = None, good: str | None = None
) -> RuleChoice:
    """The rule for ``hs`` on ``as_of`` with how it was chosen (see :func:`find_rule`).

    ``good`` names the good when the Regulations give separate rules for goods named inside one
    subheading (``"McPherson struts"``, ``"steering columns"``, ``"mounted brake linings"``); it may be
    preceded by the end use and ``;`` (``"original equipment, heavy truck; gear boxes"``).

    Raises
    ------
    ValidationError
        ``good`` names none (or several) of the goods that have their own rule for the end use.
    """
    scopes = DEFAULT_SCOPES if scope is None else ((scope,) if isinstance(scope, str) else tuple(scope))
    ends = []
    for pref in scopes:
        end_use, named = split_scope(pref)
        ends.append(end_use)
        good = good or named or None
    if good and ";" in good:
        end_use, good = split_scope(good)
        ends.insert(0, end_use)
    elif good and good.strip().lower() in _end_uses():
        ends.insert(0, _end_uses()[good.strip().lower()])
        good = None
    return _select(_hs(hs), as_of, tuple(dict.fromkeys(ends)), good or None)


def find_rule(
    hs: str, as_of: date | None = None, scope: str | tuple[str, ...] | None = None, good: str | None = None
) -> Rule | None:
    """The most specific rule for ``hs`` on ``as_of`` (None when the library has none).

    ``scope`` names the end use when one code has several rules (``"original equipment, heavy truck"``);
    a tuple gives preferences in order. Without it, the general rule is preferred. ``good`` names the
    good when one subheading has rules for named goods (see :func:`select_rule`); without it the rule
    for any other good of the subheading applies.
    """
    return select_rule(hs, as_of, scope, good).rule


def lookup_rule(
    hs: str, as_of: date | None = None, scope: str | tuple[str, ...] | None = None, good: str | None = None
) -> Rule:
    """The product-specific rule of origin for ``hs``, valid on ``as_of`` (latest when None).

    Raises
    ------
    NotFoundError
        When the library has no rule for the code.
    """
    rule = find_rule(hs, as_of, scope, good)
    if rule is None:
        raise NotFoundError(
            f"no product-specific rule for HS {hs} in the rules library; give the rule in the case "
            "('rule') or add it to src/allyshore/origin/rules/ (see its README)"
        )
    return rule


def rule_entries(hs: str) -> RuleEntries:
    """Every entry of the rules library for ``hs`` (all dates and scopes), as a result: ``allyshore origin rule``.

    Raises
    ------
    NotFoundError
        The library holds no product-specific rule for ``hs``.
    """
    from allyshore.origin.results import RuleEntries

    entries = library_as_dicts(hs)
    if not entries:
        raise NotFoundError(f"no product-specific rule for HS {hs} in the rules library")
    return RuleEntries(hs, tuple(entries))


def library_as_dicts(hs: str) -> list[dict[str, Any]]:
    """Every entry for ``hs`` (all dates and scopes) as JSON-ready dicts, for `allyshore origin rule`."""
    from allyshore.origin.results import rule_to_dict

    out = []
    for e in find_rules(hs):
        d = rule_to_dict(e.rule)
        d.update(
            {
                "hs": e.code,
                "scope": e.scope,
                "valid_from": e.valid_from.isoformat() if e.valid_from else None,
                "valid_to": e.valid_to.isoformat() if e.valid_to else None,
                "hs_edition": e.hs_edition,
            }
        )
        out.append(d)
    return out
