"""Frozen results of the trade-in-value-added analysis; ``to_dict`` is the JSON contract of ``allyshore tiva``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from allyshore.results import Result, record


@dataclass(frozen=True)
class PartnerContent(Result):
    """The reporter's own value added in its gross imports from one partner (all sectors)."""

    partner: str
    gross_imports: float  # the partner's gross exports to the reporter, intermediate and final, table units
    reporter_va: float  # the reporter's value added in them, source-based (double counting included)
    reporter_va_share: float  # reporter_va / gross_imports
    reporter_va_share_extraction: float  # the reporter's value added counted once (hypothetical extraction)
    partner_va_share: float  # the partner's own value added, source-based
    third_country_va_share: float  # every other region's value added
    top_third_countries: Mapping[str, float]  # the largest third-country shares, largest first
    manufacturing_imports: float | None  # gross imports of manufactures (None: the table's sectors are not known)
    reporter_va_share_manufacturing: float | None


@dataclass(frozen=True)
class SectorContent(Result):
    """The value-added origin of the reporter's gross imports from one partner's sector."""

    partner: str
    sector: str
    sector_name: str
    gross_imports: float
    reporter_va_share: float
    partner_va_share: float
    third_country_va_share: float


@dataclass(frozen=True)
class ExportSplit(Result):
    """A region's gross exports (to the world) split into value-added components, table units
    (Koopman, Wang & Wei 2014 terms regrouped with Los, Timmer & de Vries 2016; see docs/tiva.md)."""

    country: str
    gross_exports: float
    vax: float  # domestic value added absorbed abroad (terms 1-3)
    returned_dva: float  # domestic value added that comes back and is absorbed at home (terms 4-5)
    domestic_double_counting: float  # term 6
    foreign_va: float  # terms 7-9, foreign double counting included
    dva_share: float  # (vax + returned_dva) / gross_exports: domestic value added counted once
    foreign_va_share: float


@dataclass(frozen=True)
class TivaResult(Result):
    """Value added in trade: how much of the reporter's imports from each partner is the reporter's own value."""

    table: str
    year: int | None
    reporter: str
    definition: str
    claim: Mapping[str, Any]
    partners: tuple[PartnerContent, ...]
    by_sector: tuple[SectorContent, ...]
    export_split: tuple[ExportSplit, ...]
    method: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return record(
            self,
            ("table", "year", "reporter", "definition", "claim", "partners", "by_sector", "export_split", "method"),
        )

    def partner(self, code: str) -> PartnerContent:
        """The row of partner ``code``."""
        for p in self.partners:
            if p.partner == code:
                return p
        raise KeyError(code)
