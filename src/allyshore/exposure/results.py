"""The results of the exposure map: one :class:`GoodExposure` per finished good, the ranked :class:`ChokePoint`
sites, and the :class:`ExposureResult` that holds them with the data-quality findings (see
:mod:`allyshore.exposure.analysis` for how each figure is made)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from allyshore.errors import Problem
from allyshore.model.validate import PROBLEM_SCHEMA
from allyshore.results import Result

__all__ = ["ChokePoint", "ExposureResult", "GoodExposure"]


@dataclass(frozen=True)
class GoodExposure(Result):
    """Exposure of one finished good (per unit unless the name says per week)."""

    item_id: str
    name: str | None
    units_per_week: float
    unit_value: float  # USD per unit
    by_country: Mapping[str, float]  # ISO alpha-2 -> share of unit value
    by_tier: Mapping[str, float]  # trust tier -> share
    by_crossing: Mapping[str, float]  # border crossing -> share of value crossing it
    hhi: float  # Herfindahl index of by_country, 0..1 (nan when the good has no value)
    single_source_items: tuple[str, ...]  # purchased items with one origin (finished goods, in-house excluded)
    untrusted_only_items: tuple[str, ...]
    tier_depth: int
    value_by_country: Mapping[str, float]  # USD per unit

    json_keys = (
        "item_id", "name", "unit_value", "by_country", "by_tier", "by_crossing", "hhi", "single_source_items",
        "untrusted_only_items", "tier_depth", "units_per_week", "value_per_week", "value_by_country",
    )  # fmt: skip

    @property
    def value_per_week(self) -> float:
        return self.unit_value * self.units_per_week


@dataclass(frozen=True)
class ChokePoint(Result):
    """A site that feeds finished goods, with the value it adds to weekly demand."""

    site_id: str
    name: str | None
    country: str
    tier: str
    goods: int  # finished goods fed
    good_ids: tuple[str, ...]
    sole_origin_items: int  # (good, item) pairs for which this site is the only origin
    value_per_week: float  # USD added at the site per week of demand
    share_of_value: float  # of all demanded value per week


@dataclass(frozen=True)
class ExposureResult(Result):
    """Exposure of every finished good of a network, its choke points and data-quality findings."""

    network: str
    goods: tuple[GoodExposure, ...]
    choke_points: tuple[ChokePoint, ...]
    findings: tuple[Problem, ...] = field(default=())
    tiers: Mapping[str, str] = field(default_factory=dict)  # country -> tier used

    json_keys = ("network", "goods", "choke_points", "findings", "single_source_items", "untrusted_only_items")

    def good(self, item_id: str) -> GoodExposure:
        for good in self.goods:
            if good.item_id == item_id:
                return good
        raise KeyError(item_id)

    @property
    def single_source_items(self) -> tuple[str, ...]:
        """Purchased items single-sourced in at least one finished good, sorted (see :class:`GoodExposure`)."""
        return tuple(sorted({item for good in self.goods for item in good.single_source_items}))

    @property
    def untrusted_only_items(self) -> tuple[str, ...]:
        """Items whose every origin, in at least one finished good, is adversary or non-aligned, sorted."""
        return tuple(sorted({item for good in self.goods for item in good.untrusted_only_items}))

    def to_frame(self) -> pl.DataFrame:
        """One row per finished good."""
        return self.frames()["goods"]

    def frames(self) -> dict[str, pl.DataFrame]:
        """The result as tables: goods, by_country, by_tier, by_crossing, choke_points, findings."""
        goods = pl.DataFrame(
            {
                "item_id": [g.item_id for g in self.goods],
                "name": [g.name for g in self.goods],
                "units_per_week": [g.units_per_week for g in self.goods],
                "unit_value": [g.unit_value for g in self.goods],
                "value_per_week": [g.value_per_week for g in self.goods],
                "hhi": [g.hhi for g in self.goods],
                "tier_depth": [g.tier_depth for g in self.goods],
                "single_source_items": [";".join(g.single_source_items) for g in self.goods],
                "untrusted_only_items": [";".join(g.untrusted_only_items) for g in self.goods],
            },
            schema={
                "item_id": pl.String,
                "name": pl.String,
                "units_per_week": pl.Float64,
                "unit_value": pl.Float64,
                "value_per_week": pl.Float64,
                "hhi": pl.Float64,
                "tier_depth": pl.Int64,
                "single_source_items": pl.String,
                "untrusted_only_items": pl.String,
            },
        )

        def long(attr: str, key: str, usd: bool) -> pl.DataFrame:
            rows: dict[str, list[Any]] = {"item_id": [], key: [], "share": []}
            if usd:
                rows["value_per_unit"] = []
            for g in self.goods:
                for k, share in getattr(g, attr).items():
                    rows["item_id"].append(g.item_id)
                    rows[key].append(k)
                    rows["share"].append(share)
                    if usd:
                        rows["value_per_unit"].append(share * g.unit_value)
            schema: dict[str, Any] = {"item_id": pl.String, key: pl.String, "share": pl.Float64}
            if usd:
                schema["value_per_unit"] = pl.Float64
            return pl.DataFrame(rows, schema=schema)

        chokes = pl.DataFrame(
            [{**c.to_dict(), "good_ids": ";".join(c.good_ids)} for c in self.choke_points],
            schema={
                "site_id": pl.String,
                "name": pl.String,
                "country": pl.String,
                "tier": pl.String,
                "goods": pl.Int64,
                "good_ids": pl.String,
                "sole_origin_items": pl.Int64,
                "value_per_week": pl.Float64,
                "share_of_value": pl.Float64,
            },
        )
        findings = pl.DataFrame([p.to_dict() for p in self.findings], schema=PROBLEM_SCHEMA)
        return {
            "goods": goods,
            "by_country": long("by_country", "country", True),
            "by_tier": long("by_tier", "tier", True),
            "by_crossing": long("by_crossing", "crossing", False),
            "choke_points": chokes,
            "findings": findings,
        }

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [f"<h4>Exposure of {esc(self.network)}: {len(self.goods)} finished good(s)</h4>"]
        parts.append(
            "<table><thead><tr><th>good</th><th>unit value (USD)</th><th>by country</th><th>by tier</th>"
            "<th>by crossing</th><th>HHI</th><th>single-source items</th><th>tier depth</th></tr></thead><tbody>"
        )

        def fmt(shares: Mapping[str, float]) -> str:
            return ", ".join(f"{esc(k)} {v:.1%}" for k, v in shares.items())

        for g in self.goods:
            parts.append(
                f"<tr><td>{esc(g.item_id)}</td><td>{g.unit_value:,.2f}</td><td>{fmt(g.by_country)}</td>"
                f"<td>{fmt(g.by_tier)}</td><td>{fmt(g.by_crossing)}</td><td>{g.hhi:.3f}</td>"
                f"<td>{esc(', '.join(g.single_source_items))}</td><td>{g.tier_depth}</td></tr>"
            )
        parts.append("</tbody></table>")
        if self.choke_points:
            parts.append(
                "<table><thead><tr><th>site</th><th>country</th><th>tier</th><th>goods fed</th>"
                "<th>value per week (USD)</th><th>share of value</th></tr></thead><tbody>"
            )
            for c in self.choke_points:
                parts.append(
                    f"<tr><td>{esc(c.site_id)}</td><td>{esc(c.country)}</td><td>{esc(c.tier)}</td>"
                    f"<td>{c.goods}</td><td>{c.value_per_week:,.2f}</td><td>{c.share_of_value:.1%}</td></tr>"
                )
            parts.append("</tbody></table>")
        if self.findings:
            parts.append(f"<p>{len(self.findings)} data-quality finding(s):</p><ul>")
            parts += [f"<li>{esc(str(p))}</li>" for p in self.findings[:50]]
            parts.append("</ul>")
        return "".join(parts)
