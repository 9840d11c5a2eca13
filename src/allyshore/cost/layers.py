"""The tariff layers of one HTS line from one origin on one date: what applies, at what rate, on what authority.

:func:`tariff_layers` is the library side of ``allyshore tariff``: per layer the
measure that wins (rate ad valorem and specific, Chapter 99 heading, source,
verified flag, dated validity), whether it applies, is exempt for a
USMCA-originating good, was displaced by another layer, or is unknown (and why),
and the total ad valorem rate due.

>>> result = tariff_layers("8536.50.90", "CN", as_of="2026-12-01")
>>> [(line.layer, line.due_ad_valorem, line.ch99) for line in result.layers]
[('mfn', 0.0, ''), ('section_301', 0.25, '9903.88.01')]
>>> result.total_ad_valorem
0.25
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from allyshore.conventions import AsOf, as_date
from allyshore.cost.assumptions import AssumptionBook, load_assumptions
from allyshore.cost.measures import LAYERS
from allyshore.cost.tariffs import UNKNOWN, duty_rates, item_duties, normalise_hts
from allyshore.cost.unknown import UnknownDuty, describe_unknown, dotted
from allyshore.errors import InputError
from allyshore.results import Result


@dataclass(frozen=True)
class LayerLine(Result):
    """One layer of a line: the winning measure, its terms and what became of it (``status``)."""

    layer: str
    status: str  # applies | exempt | displaced | partly displaced | unknown
    explanation: str
    measure_id: str
    rate_ad_valorem: float
    rate_specific_usd: float
    rate_specific_unit: str
    rate_text: str
    due_ad_valorem: float  # share of the customs value due under this layer
    due_specific_usd: float  # USD per unit of the item due under this layer
    ch99: str
    source: str
    source_date: str
    verified: bool
    effective_from: str
    effective_to: str
    note: str
    displaced_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "status": self.status,
            "explanation": self.explanation,
            "measure_id": self.measure_id,
            "rate": {
                "ad_valorem": self.rate_ad_valorem,
                "specific_usd": self.rate_specific_usd,
                "specific_unit": self.rate_specific_unit,
                "text": self.rate_text,
            },
            "due": {"ad_valorem": self.due_ad_valorem, "specific_usd_per_unit": self.due_specific_usd},
            "ch99": self.ch99,
            "source": self.source,
            "source_date": self.source_date,
            "verified": self.verified,
            "valid": {"from": self.effective_from, "to": self.effective_to},
            "displaced_by": self.displaced_by,
            "note": self.note,
        }


@dataclass(frozen=True)
class TariffLayers(Result):
    """Every layer of one (HTS line, origin, importer) on a date, and the total due."""

    hts: str
    origin: str
    importer: str
    as_of: str
    usmca_originating: bool
    weight_kg: float | None
    unit: str
    metal_share: float | None
    layers: tuple[LayerLine, ...]
    unknown_duties: tuple[UnknownDuty, ...]

    json_keys = (
        ("hts", "hts_dotted"), "origin", "importer", "as_of", "usmca_originating", "weight_kg", "unit",
        ("metal_content_share", "metal_share"), "layers", "total_ad_valorem",
        ("total_specific_usd_per_unit", "total_specific_usd"), "unknown_duties",
    )  # fmt: skip

    @property
    def total_ad_valorem(self) -> float:
        """The ad valorem rates due, added up (unknown layers count as 0 and are listed)."""
        return round(sum(line.due_ad_valorem for line in self.layers), 10)

    @property
    def total_specific_usd(self) -> float:
        """The specific duties due in USD per unit of the item, added up."""
        return round(sum(line.due_specific_usd for line in self.layers), 10)

    @property
    def hts_dotted(self) -> str:
        return dotted(self.hts)


def _country(text: str, what: str) -> str:
    from allyshore.countries import resolve_country

    code = resolve_country(text)
    if code is None:
        raise InputError(f"{what} '{text}' is not a country (give an ISO code such as CN, MX, US, or a name)")
    return code


def tariff_layers(
    hts: str,
    origin: str,
    *,
    importer: str = "US",
    as_of: AsOf = None,
    usmca_originating: bool = False,
    weight_kg: float | None = None,
    unit: str = "ea",
    metal_share: float | None = None,
    assumptions: AssumptionBook | str | Path | None = None,
) -> TariffLayers:
    """The tariff layers of ``hts`` from ``origin`` into ``importer`` on ``as_of`` (default today).

    ``usmca_originating`` says the good qualifies for USMCA preference; ``weight_kg`` and ``unit``
    convert specific rates to USD per unit; ``metal_share`` prices a duty on the metal content.

    Raises
    ------
    InputError
        The HS code has no digits, a country is not known, or ``as_of`` is not a date.
    """
    book = assumptions if isinstance(assumptions, AssumptionBook) else load_assumptions(assumptions)
    digits = str(normalise_hts([hts])[0])
    if not digits:
        raise InputError(f"'{hts}' is not an HS code (give 6 to 10 digits, dots allowed: 8536.50.90)")
    where = _country(origin, "origin")
    into = _country(importer, "importer")
    when = as_date(as_of)
    rates = duty_rates(book.tariffs, [digits], [where], [into], when, book.layers, originating=[usmca_originating])
    weight = np.asarray([np.nan if weight_kg is None else float(weight_kg)])
    share = np.asarray([np.nan if metal_share is None else float(metal_share)])
    due = item_duties(rates, weight, [unit], share)
    ids = [str(rates.measure[layer][0]) for layer in LAYERS if rates.measure[layer][0]]
    rows = {r["measure_id"]: r for r in book.tariffs.filter(pl.col("measure_id").is_in(ids)).iter_rows(named=True)}
    mfn = book.tariffs.filter(pl.col("layer") == "mfn")
    lines: list[LayerLine] = []
    unknown: list[UnknownDuty] = []
    for layer in LAYERS:
        measure_id = str(rates.measure[layer][0])
        code = int(due.unknown[layer][0])
        if not measure_id and code == 0:
            continue
        row = rows.get(measure_id, {})
        displaced_by = str(rates.displaced_by[layer][0])
        if code:
            reason = describe_unknown(
                code, layer, digits, where, into, row or None, str(rates.example[layer][0]), mfn, when
            )
            status, explanation = "unknown", reason
            unknown.append(
                UnknownDuty("", digits, where, into, "all" if code == 1 else layer, reason, measure_id=measure_id,
                            kind=UNKNOWN[code])
            )  # fmt: skip
        elif bool(rates.exempted[layer][0]):
            status, explanation = "exempt", "USMCA-originating goods are exempt (usmca_exempt)"
        elif displaced_by and bool(rates.displaced_partly[layer][0]):
            status = "partly displaced"
            explanation = f"applies to the value outside the metal content; {displaced_by} covers the metal content"
        elif displaced_by:
            by = str(rates.measure[displaced_by][0])
            status, explanation = "displaced", f"switched off by {displaced_by} ({by}), which displaces it"
        else:
            status, explanation = "applies", ""
        lines.append(
            LayerLine(
                layer=layer,
                status=status,
                explanation=explanation,
                measure_id=measure_id,
                rate_ad_valorem=float(row.get("rate_ad_valorem") or 0.0),
                rate_specific_usd=float(row.get("rate_specific_usd") or 0.0),
                rate_specific_unit=str(row.get("rate_specific_unit") or ""),
                rate_text=str(row.get("rate_text") or ""),
                due_ad_valorem=round(float(due.rate[layer][0]), 10),
                due_specific_usd=round(float(due.specific_usd[layer][0]), 10),
                ch99=str(row.get("ch99") or ""),
                source=str(row.get("source") or ""),
                source_date=str(row.get("source_date") or ""),
                verified=bool(row.get("verified", False)),
                effective_from=_day(row.get("effective_from")),
                effective_to=_day(row.get("effective_to")),
                note=str(row.get("note") or ""),
                displaced_by=displaced_by,
            )
        )
    return TariffLayers(
        hts=digits,
        origin=where,
        importer=into,
        as_of=when.isoformat(),
        usmca_originating=usmca_originating,
        weight_kg=weight_kg,
        unit=unit,
        metal_share=metal_share,
        layers=tuple(lines),
        unknown_duties=tuple(unknown),
    )


def _day(value: Any) -> str:
    """A validity bound as text; the open ends of a row (1900-01-01, 9999-12-31) are blank."""
    if not isinstance(value, dt.date) or value.year in (1900, 9999):
        return ""
    return value.isoformat()
