"""Frozen results of the landed-cost analyses, with ``to_dict`` (the JSON contract), ``to_frame`` and HTML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl
from markupsafe import Markup, escape

from allyshore.cost.assumptions import Assumption
from allyshore.cost.kernel import FACTORS
from allyshore.cost.unknown import UNKNOWN_SCHEMA, UnknownDuty, as_records
from allyshore.results import Result, record_frames

DIGITS = 6  # per-unit figures are kept to a millionth of a dollar; they sum to the total to the cent


def _round(value: float) -> float:
    return round(float(value), DIGITS)


@dataclass(frozen=True)
class CostOption(Result):
    """One sourcing option and its landed cost, per unit and per year, factor by factor."""

    source_site: str
    to_site: str
    item_id: str
    country: str
    lane: str  # lane type, e.g. ocean_asia_us_west
    mode: str
    status: str  # active | candidate
    annual_units: float
    per_unit: Mapping[str, float]  # every factor of FACTORS
    total: float
    projection: tuple[float, ...]  # total per unit in years 0..N
    assumptions: tuple[Assumption, ...]
    rank: int = 0
    flow_row: int = -1
    label: str = ""  # unique among the options of a comparison: the source site, with the lane when repeated
    unknown_duties: tuple[UnknownDuty, ...] = ()  # duties the tables cannot give, counted as 0

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.source_site)

    @property
    def per_year(self) -> dict[str, float]:
        return {k: v * self.annual_units for k, v in self.per_unit.items()}

    def to_dict(self) -> dict[str, Any]:
        per_unit = {"total": _round(self.total), **{k: _round(self.per_unit[k]) for k in FACTORS}}
        per_year = {"total": round(self.total * self.annual_units, 2)}
        per_year.update({k: round(v, 2) for k, v in self.per_year.items()})
        return {
            "rank": self.rank,
            "label": self.label,
            "source_site": self.source_site,
            "to_site": self.to_site,
            "item_id": self.item_id,
            "country": self.country,
            "lane": self.lane,
            "mode": self.mode,
            "status": self.status,
            "annual_units": self.annual_units,
            "per_unit": per_unit,
            "per_year": per_year,
            "projection": [_round(v) for v in self.projection],
            "assumptions": [a.to_dict() for a in self.assumptions],
            "unknown_duties": [u.to_dict() for u in self.unknown_duties],
        }


def _table_html(headers: list[str], rows: list[list[str]], caption: str) -> Markup:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return Markup(
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


@dataclass(frozen=True)
class CostComparison(Result):
    """Every source of one item into one receiving site, ranked by total landed cost per unit."""

    item_id: str
    to_site: str
    as_of: str
    options: tuple[CostOption, ...]  # in rank order
    assumptions: tuple[Assumption, ...]  # shared by every option (parameters, fee year)
    years: int

    @property
    def ranking(self) -> tuple[str, ...]:
        return tuple(o.source_site for o in self.options)

    @property
    def best(self) -> CostOption:
        return self.options[0]

    def option(self, source_site: str) -> CostOption:
        for o in self.options:
            if o.source_site == source_site:
                return o
        raise KeyError(source_site)

    @property
    def unknown_duties(self) -> tuple[UnknownDuty, ...]:
        """The unknown duties of every option (counted as 0 in their totals)."""
        return tuple(u for o in self.options for u in o.unknown_duties)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "to_site": self.to_site,
            "as_of": self.as_of,
            "years": self.years,
            "factors": list(FACTORS),
            "options": [o.to_dict() for o in self.options],
            "ranking": list(self.ranking),
            "assumptions": [a.to_dict() for a in self.assumptions],
            "unknown_duties": [u.to_dict() for u in self.unknown_duties],
        }

    def to_frame(self) -> pl.DataFrame:
        """One row per option: identity, total, and every factor per unit."""
        rows = [
            {
                "rank": o.rank,
                "source_site": o.source_site,
                "country": o.country,
                "lane": o.lane,
                "status": o.status,
                "annual_units": o.annual_units,
                "total": o.total,
                **{k: o.per_unit[k] for k in FACTORS},
            }
            for o in self.options
        ]
        return pl.DataFrame(rows)

    def frames(self) -> dict[str, pl.DataFrame]:
        """options (one row per option, the factors per unit), assumptions and unknown_duties."""
        return {
            "options": self.to_frame(),
            **record_frames(assumptions=self.assumptions, unknown_duties=self.unknown_duties),
        }

    def _repr_html_(self) -> str:
        headers = [
            "rank",
            "source",
            "country",
            "lane",
            "status",
            "total/unit",
            "price",
            "freight",
            "duties",
            "inventory",
        ]
        rows = []
        for o in self.options:
            u = o.per_unit
            duties = sum(u[k] for k in FACTORS if k.startswith(("duty_", "fee_")))
            carry = u["carry_pipeline"] + u["carry_cycle"] + u["carry_safety"]
            rows.append(
                [
                    str(o.rank),
                    o.source_site,
                    o.country,
                    o.lane,
                    o.status,
                    f"{o.total:,.2f}",
                    f"{u['price']:,.2f}",
                    f"{u['freight']:,.2f}",
                    f"{duties:,.2f}",
                    f"{carry:,.2f}",
                ]
            )
        return str(_table_html(headers, rows, f"Landed cost of {self.item_id} into {self.to_site} (USD per unit)"))


@dataclass(frozen=True)
class ItemSourcing(Result):
    """Current sourcing of an item into a site vs the best of all its candidate sources."""

    item_id: str
    to_site: str
    annual_units: float
    current_per_unit: float
    current_sources: tuple[str, ...]
    best_source: str
    best_per_unit: float

    @property
    def saving_per_year(self) -> float:
        return (self.current_per_unit - self.best_per_unit) * self.annual_units

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "to_site": self.to_site,
            "annual_units": self.annual_units,
            "current_per_unit": _round(self.current_per_unit),
            "current_sources": list(self.current_sources),
            "best_source": self.best_source,
            "best_per_unit": _round(self.best_per_unit),
            "saving_per_year": round(self.saving_per_year, 2),
        }


@dataclass(frozen=True, eq=False)
class NetworkCost(Result):
    """Landed cost of the finished goods delivered, of every active flow, and current vs best sourcing per item.

    The headline is :attr:`finished_goods_per_year`; :attr:`sum_of_tiers_per_year` (also
    ``total_per_year``) adds every tier's flows, counting a component again in what it goes into.
    """

    as_of: str
    flows: pl.DataFrame  # one row per active flow: identity, annual units, total and factors per unit, per year
    goods: pl.DataFrame  # one row per demand: site, item, units per year, landed cost per unit and per year
    sourcing_table: pl.DataFrame  # one row per (item, receiving site): current vs best per unit
    assumptions: tuple[Assumption, ...]
    unknown_table: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UNKNOWN_SCHEMA))

    @cached_property
    def unknown_duties(self) -> tuple[UnknownDuty, ...]:
        """Duties the tariff tables cannot give, counted as 0: one per (item, HTS line, origin, importer, layer)."""
        return as_records(self.unknown_table)

    @cached_property
    def sourcing(self) -> tuple[ItemSourcing, ...]:
        """Current vs best source per (item, receiving site), as objects (built on first use)."""
        return tuple(
            ItemSourcing(
                item_id=r["item_id"],
                to_site=r["to_site"],
                annual_units=float(r["annual_units"]),
                current_per_unit=float(r["current_per_unit"]),
                current_sources=tuple(r["current_sources"]),
                best_source=str(r["best_source"]),
                best_per_unit=float(r["best_per_unit"]),
            )
            for r in self.sourcing_table.iter_rows(named=True)
        )

    @property
    def total_per_year(self) -> float:
        """The sum of every tier's landed cost: each active flow at its landed cost times its annual units."""
        return float(self.flows.get_column("total_per_year").sum()) if self.flows.height else 0.0

    @property
    def sum_of_tiers_per_year(self) -> float:
        """:attr:`total_per_year` by its meaning: a component counts on its own flow and again in its parent."""
        return self.total_per_year

    @property
    def finished_goods_per_year(self) -> float:
        """Landed cost of the finished goods delivered in a year: each demand's units times the good's
        landed cost per unit rolled up through the BOM, delivered to the customer site (the headline)."""
        from allyshore.cost.figures import goods_per_year

        return goods_per_year(self.goods)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "finished_goods_landed_per_year": round(self.finished_goods_per_year, 2),
            "sum_of_tiers_per_year": round(self.sum_of_tiers_per_year, 2),
            "total_per_year": round(self.total_per_year, 2),
            "factors": list(FACTORS),
            "flows": self.flows.to_dicts(),
            "goods": self.goods.to_dicts(),
            "sourcing": self.sourcing_table.with_columns(
                pl.col("current_per_unit").round(DIGITS),
                pl.col("best_per_unit").round(DIGITS),
                ((pl.col("current_per_unit") - pl.col("best_per_unit")) * pl.col("annual_units"))
                .round(2)
                .alias("saving_per_year"),
            ).to_dicts(),
            "assumptions": [a.to_dict() for a in self.assumptions],
            "unknown_duties": [u.to_dict() for u in self.unknown_duties],
        }

    def to_frame(self) -> pl.DataFrame:
        return self.flows

    def frames(self) -> dict[str, pl.DataFrame]:
        """goods (the finished goods delivered), flows (every active flow), sourcing (current vs best per item
        and receiving site), assumptions and unknown_duties."""
        sourcing = self.sourcing_table.with_columns(
            ((pl.col("current_per_unit") - pl.col("best_per_unit")) * pl.col("annual_units")).alias("saving_per_year")
        )
        tables = {"goods": self.goods, "flows": self.flows, "sourcing": sourcing}
        return tables | record_frames(assumptions=self.assumptions, unknown_duties=self.unknown_duties)

    def _repr_html_(self) -> str:
        rows = [
            [
                s.item_id,
                s.to_site,
                ", ".join(s.current_sources),
                f"{s.current_per_unit:,.2f}",
                s.best_source,
                f"{s.best_per_unit:,.2f}",
                f"{s.saving_per_year:,.0f}",
            ]
            for s in self.sourcing
        ]
        headers = ["item", "into", "current", "USD/unit", "best", "USD/unit", "saving/yr"]
        caption = (
            f"Landed cost of the finished goods delivered: USD {self.finished_goods_per_year:,.0f} a year "
            f"(sum of every tier's landed cost: USD {self.sum_of_tiers_per_year:,.0f})"
        )
        return str(_table_html(headers, rows, caption))


@dataclass(frozen=True)
class Swing(Result):
    """One factor swung over its documented range: the total per unit of each option at the low and high end."""

    factor: str
    low_label: str
    high_label: str
    rationale: str
    low: Mapping[str, float]  # option label (the source site) -> total per unit
    high: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "low_label": self.low_label,
            "high_label": self.high_label,
            "rationale": self.rationale,
            "low": {k: _round(v) for k, v in self.low.items()},
            "high": {k: _round(v) for k, v in self.high.items()},
        }


@dataclass(frozen=True)
class BreakEven(Result):
    """The value of a factor on the leading option at which an alternative becomes as cheap (ranking flips)."""

    factor: str
    leader: str
    challenger: str
    base_value: float
    break_even: float | None  # None: the ranking does not flip within the searched range
    unit: str
    meaning: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "leader": self.leader,
            "challenger": self.challenger,
            "base_value": _round(self.base_value),
            "break_even": None if self.break_even is None else _round(self.break_even),
            "unit": self.unit,
            "meaning": self.meaning,
        }


@dataclass(frozen=True)
class Sensitivity(Result):
    """Tornado data for every option of an item and the break-even values of the key factors."""

    comparison: CostComparison
    swings: tuple[Swing, ...]  # sorted by the spread on the leading option, widest first
    break_evens: tuple[BreakEven, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.comparison.item_id,
            "to_site": self.comparison.to_site,
            "base": {o.label: _round(o.total) for o in self.comparison.options},
            "ranking": list(self.comparison.ranking),
            "tornado": [s.to_dict() for s in self.swings],
            "break_evens": [b.to_dict() for b in self.break_evens],
            "assumptions": [a.to_dict() for a in self.comparison.assumptions],
            "unknown_duties": [u.to_dict() for u in self.comparison.unknown_duties],
        }

    def to_frame(self) -> pl.DataFrame:
        rows = [
            {"factor": s.factor, "source_site": site, "low": s.low[site], "high": s.high[site]}
            for s in self.swings
            for site in s.low
        ]
        return pl.DataFrame(rows)

    def frames(self) -> dict[str, pl.DataFrame]:
        """tornado (each factor's low and high total per option), break_evens, and the comparison's tables."""
        return {
            "tornado": self.to_frame(),
            **record_frames(break_evens=self.break_evens),
            **self.comparison.frames(),
        }

    def _repr_html_(self) -> str:
        leader = self.comparison.best.label
        rows = [
            [s.factor, f"{s.low_label} .. {s.high_label}", f"{s.low[leader]:,.2f}", f"{s.high[leader]:,.2f}"]
            for s in self.swings
        ]
        return str(_table_html(["factor", "range", "low", "high"], rows, f"Tornado for {leader}"))
