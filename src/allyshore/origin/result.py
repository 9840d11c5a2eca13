"""The result of an origin determination: a frozen value with ``to_dict`` in the issue 3 contract shape."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from allyshore.origin.case import Rule
from allyshore.results import Result


def fmt(value: Fraction, places: int = 1) -> str:
    """Round half-up to ``places`` decimals, as the regulations' examples report RVC (brief s.10).

    >>> fmt(Fraction(48, 88) * 100)
    '54.5'
    >>> fmt(Fraction(1, 8), 2)
    '0.13'
    """
    scale = 10**places
    num, den = value.numerator * scale, value.denominator
    n = (2 * abs(num) + den) // (2 * den)  # half-up on the magnitude
    sign = "-" if num < 0 and n else ""
    whole, frac = divmod(n, scale)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def format_money(value: Fraction) -> str:
    """An amount of money written with two decimals, as the reasons of a determination show it."""
    return fmt(value, 2)


@dataclass(frozen=True, slots=True)
class RvcOutcome(Result):
    method: str  # "transaction_value" | "net_cost"
    value: Fraction  # percent, exact
    threshold: Fraction
    base: Fraction  # TV or NC
    vnm: Fraction

    @property
    def met(self) -> bool:
        return self.value >= self.threshold  # "not less than" (s.7, Schedule 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "value": float(self.value),
            "threshold": float(self.threshold),
            self.method: float(self.base),
            "vnm": float(self.vnm),
        }


@dataclass(frozen=True, slots=True)
class ShiftOutcome(Result):
    passed: bool
    failing_materials: tuple[str, ...]
    de_minimis_applied: bool
    de_minimis_share: Fraction | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failing_materials": list(self.failing_materials),
            "de_minimis": {
                "applied": self.de_minimis_applied,
                "share": None if self.de_minimis_share is None else float(self.de_minimis_share),
            },
        }


@dataclass(frozen=True, slots=True)
class OriginResult(Result):
    """Whether a good is originating under USMCA, by which criterion and alternative, and why.

    ``explanation`` holds one sentence per step, each citing the section of SOR/2020-155
    (the Uniform Regulations) it applies. ``failed_requirements`` names the requirements
    that failed (for example ``"rvc"``, ``"tariff_shift"``, ``"lvc"``, ``"steel_aluminum"``).
    ``cautions`` holds what a reader must know before relying on the verdict: a rule supplied by
    the user (``rule_source`` ``"user"``) or marked unverified, or a self-produced material decided
    under such a rule; a certificate of origin repeats them.
    """

    originating: bool
    criterion: str | None
    alternative: int | None
    rvc: RvcOutcome | None
    tariff_shift: ShiftOutcome | None
    explanation: tuple[str, ...]
    hs: str = ""
    description: str = ""
    rule_source: str | None = None
    rule_verified: bool | None = None
    failed_requirements: tuple[str, ...] = ()
    attestations: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    rule_scope: str = ""
    rule_citation: str = ""
    cautions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of issue 3 (``--json``), plus optional keys."""
        return {
            "originating": self.originating,
            "criterion": self.criterion,
            "alternative": self.alternative,
            "rvc": None if self.rvc is None else self.rvc.to_dict(),
            "tariff_shift": None if self.tariff_shift is None else self.tariff_shift.to_dict(),
            "explanation": list(self.explanation),
            "good": {"hs": self.hs, "description": self.description},
            "rule": {
                "source": self.rule_source,
                "verified": self.rule_verified,
                **({"scope": self.rule_scope} if self.rule_scope else {}),
                **({"citation": self.rule_citation} if self.rule_citation else {}),
            },
            "failed_requirements": list(self.failed_requirements),
            "attestations": list(self.attestations),
            "cautions": list(self.cautions),
            **({"details": self.details} if self.details else {}),
        }

    def to_frame(self) -> Any:
        import polars as pl

        return pl.DataFrame(
            {
                "hs": [self.hs],
                "originating": [self.originating],
                "criterion": [self.criterion],
                "alternative": [self.alternative],
                "rvc_method": [None if self.rvc is None else self.rvc.method],
                "rvc": [None if self.rvc is None else float(self.rvc.value)],
                "threshold": [None if self.rvc is None else float(self.rvc.threshold)],
            }
        )

    def _repr_html_(self) -> str:
        verdict = "originating" if self.originating else "not originating"
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.explanation)
        crit = f" (criterion {self.criterion})" if self.criterion else ""
        return f"<div><strong>HS {html.escape(self.hs)}: {verdict}{crit}</strong><ol>{items}</ol></div>"


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "text": rule.text,
        "source": rule.source,
        "verified": rule.verified,
        **({"scope": rule.scope} if rule.scope else {}),
        **({"citation": rule.citation} if rule.citation else {}),
        "alternatives": [
            {
                "tariff_shift": None
                if a.tariff_shift is None
                else {
                    "level": a.tariff_shift.level,
                    "except_from": list(a.tariff_shift.except_from),
                    **({"also_from": list(a.tariff_shift.also_from)} if a.tariff_shift.also_from else {}),
                    **({"group": a.tariff_shift.group} if a.tariff_shift.group else {}),
                },
                "rvc": None
                if a.rvc is None
                else {
                    k: float(v)
                    for k, v in (("transaction_value", a.rvc.transaction_value), ("net_cost", a.rvc.net_cost))
                    if v is not None
                },
                **({"other_requirements": list(a.other_requirements)} if a.other_requirements else {}),
            }
            for a in rule.alternatives
        ],
    }
