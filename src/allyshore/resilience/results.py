"""What the resilience analyses return: the stress test's scenarios, line stoppers and result, and the Monte Carlo's
distribution of annual lost profit with the contribution of each hazard source.

Each is a frozen dataclass mixing in :class:`allyshore.results.Result` (JSON, flat tables, a notebook view);
:func:`allyshore.resilience.stress.stress_test` returns a :class:`StressResult`,
:func:`allyshore.resilience.montecarlo.simulate` a :class:`SimulationResult`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl
from markupsafe import Markup, escape
from numpy.typing import NDArray

from allyshore.resilience.candidates import CandidateTerms
from allyshore.resilience.linear_programs import Binding
from allyshore.resilience.scenarios import Scenario
from allyshore.results import Result, flat_frame, record_frames

FloatArray = NDArray[np.float64]

#: What the stress test assumes, stated in every result.
ASSUMPTIONS = (
    "Negligible lead times, rerouting and changeover costs: live alternates ramp to full capacity at once.",
    "Time-aggregated: late output may cover early demand, so losses are understated against a time-phased model.",
    "Capacities are those available to this network; fixed BOM proportions; lost sales, not backlog; linear profit.",
    "Flows say which links exist; while sites are down volumes may re-balance among active links (shares are not "
    "constraints).",
    "A scenario's horizon is the longest TTR among its disrupted nodes (conservative option (a) of the brief).",
    "A disrupted node still ships its inventory unless inventory_destroyed is set.",
)


# -- the stress test -----------------------------------------------------------------------------------------------


def _weeks(value: float | None) -> float | None:
    """A TTS for JSON: ``None`` when infinite (with a separate flag)."""
    return None if value is None or math.isinf(value) else value


@dataclass(frozen=True)
class ScenarioResult(Result):
    """The outcome of one scenario (the ``*_with_candidates`` numbers only when candidates were used)."""

    scenario: Scenario
    tts_weeks: float  # math.inf when the network survives indefinitely
    lost_units: float
    lost_profit: float
    lost_profit_net: float  # net of what the undisrupted network loses over the same horizon
    rei: float
    binding: tuple[Binding, ...]
    inventory_destroyed_units: float = 0.0  # on-hand stock destroyed at the disrupted nodes
    in_transit_held_units: float = 0.0  # stock in transit held at a closed crossing
    tts_with_candidates: float | None = None
    lost_units_with_candidates: float | None = None
    lost_profit_with_candidates: float | None = None

    @property
    def ttr_weeks(self) -> float:
        return self.scenario.ttr_weeks

    @property
    def needs_mitigation(self) -> bool:
        """TTS shorter than TTR (HBR 2015)."""
        return self.tts_weeks < self.scenario.ttr_weeks

    @property
    def destroys_inventory(self) -> bool:
        """Stock on hand is destroyed or stock in transit held (unavailable for the whole scenario)."""
        return self.inventory_destroyed_units > 0 or self.in_transit_held_units > 0

    def to_dict(self) -> dict[str, Any]:
        s = self.scenario
        out: dict[str, Any] = {
            "disrupted": list(s.sites),
            "kind": s.kind,
            "label": s.label,
            "nodes": list(s.node_labels),
            "crossing": s.label if s.kind == "crossing" else None,
            "countries": list(s.countries),
            "stopped_by_origin": [lab for n, lab in zip(s.nodes, s.node_labels, strict=True) if n in s.stock_kept],
            "ttr_weeks": s.ttr_weeks,
            "ttr_source": s.ttr_source,
            "tts_weeks": _weeks(self.tts_weeks),
            "survives_indefinitely": math.isinf(self.tts_weeks),
            "lost_units": self.lost_units,
            "lost_profit": self.lost_profit,
            "lost_profit_net_of_baseline": self.lost_profit_net,
            "rei": self.rei,
            "needs_mitigation": self.needs_mitigation,
            "destroys_inventory": self.destroys_inventory,
            "inventory_destroyed_units": self.inventory_destroyed_units,
            "in_transit_held_units": self.in_transit_held_units,
        }
        if self.tts_with_candidates is not None:
            out |= {
                "tts_weeks_with_candidates": _weeks(self.tts_with_candidates),
                "survives_indefinitely_with_candidates": math.isinf(self.tts_with_candidates),
                "lost_units_with_candidates": self.lost_units_with_candidates,
                "lost_profit_with_candidates": self.lost_profit_with_candidates,
                "needs_mitigation_with_candidates": self.tts_with_candidates < s.ttr_weeks,
            }
        return out


@dataclass(frozen=True)
class LineStopper(Result):
    """One purchased item with every current source down: how long the network lasts and what it stops.

    ``finished_goods`` are the demanded items that lose demand once every stock (on hand and in transit) has run
    out, beyond what the undisrupted network already misses; ``lost_units_per_week`` is then their shortfall.
    """

    item: str
    name: str
    sources: tuple[str, ...]  # node labels
    source_countries: tuple[str, ...]
    tts_weeks: float
    ttr_weeks: float
    ttr_source: str
    finished_goods: tuple[str, ...]
    lost_units_per_week: float
    tts_with_candidates: float | None = None

    @property
    def rank_key(self) -> tuple[float, int, str]:
        """Shortest time to survive first, then the most finished goods stopped (never the item's value)."""
        return (self.tts_weeks, -len(self.finished_goods), self.item)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "item": self.item,
            "name": self.name,
            "sources": list(self.sources),
            "source_countries": list(self.source_countries),
            "tts_weeks": _weeks(self.tts_weeks),
            "survives_indefinitely": math.isinf(self.tts_weeks),
            "ttr_weeks": self.ttr_weeks,
            "ttr_source": self.ttr_source,
            "needs_mitigation": self.tts_weeks < self.ttr_weeks,
            "finished_goods_stopped": len(self.finished_goods),
            "finished_goods": list(self.finished_goods),
            "lost_units_per_week": self.lost_units_per_week,
        }
        if self.tts_with_candidates is not None:
            out["tts_weeks_with_candidates"] = _weeks(self.tts_with_candidates)
            out["survives_indefinitely_with_candidates"] = math.isinf(self.tts_with_candidates)
        return out


@dataclass(frozen=True)
class StressResult(Result):
    """Every scenario of a stress test, the baseline and the mitigation list.

    ``rei_basis`` is ``profit`` (REI on lost profit), or ``units`` when no
    demanded good has a profit per unit.
    """

    network: str
    scenarios: tuple[ScenarioResult, ...]
    rei_basis: Literal["profit", "units"]
    baseline_tts_weeks: float
    inventory_destroyed: bool = False
    assumptions: tuple[str, ...] = ASSUMPTIONS
    warnings: tuple[str, ...] = field(default_factory=tuple)
    line_stoppers: tuple[LineStopper, ...] = ()  # ranked (LineStopper.rank_key)
    stock_in_transit: bool = True
    candidate_terms: CandidateTerms | None = None  # None: candidate sources not used
    candidates: tuple[dict[str, Any], ...] = ()

    @property
    def with_candidates(self) -> bool:
        return self.candidate_terms is not None

    @property
    def destroying(self) -> tuple[ScenarioResult, ...]:
        """Scenarios that destroy stock on hand or hold stock in transit."""
        return tuple(s for s in self.scenarios if s.destroys_inventory)

    @property
    def mitigation(self) -> tuple[ScenarioResult, ...]:
        """Scenarios whose TTS is shorter than their TTR, worst lost profit first."""
        return tuple(
            sorted(
                (s for s in self.scenarios if s.needs_mitigation),
                key=lambda s: (-s.lost_profit, -s.lost_units, s.scenario.label),
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "rei_basis": self.rei_basis,
            "inventory_destroyed": self.inventory_destroyed,
            "baseline": {
                "tts_weeks": None if math.isinf(self.baseline_tts_weeks) else self.baseline_tts_weeks,
                "shortfall": not math.isinf(self.baseline_tts_weeks),
            },
            "scenarios": [s.to_dict() for s in self.scenarios],
            "mitigation": [
                {
                    "disrupted": list(s.scenario.sites),
                    "label": s.scenario.label,
                    "nodes": list(s.scenario.node_labels),
                    "ttr_weeks": s.ttr_weeks,
                    "tts_weeks": s.tts_weeks,
                    "lost_profit": s.lost_profit,
                    "binding": [b.to_dict() for b in s.binding],
                }
                for s in self.mitigation
            ],
            "line_stoppers": [ls.to_dict() for ls in self.line_stoppers],
            "stock_in_transit": self.stock_in_transit,
            "with_candidates": None
            if self.candidate_terms is None
            else {
                "qualification_weeks": self.candidate_terms.qualification_weeks,
                "ramp_up_weeks": self.candidate_terms.ramp_up_weeks,
                "candidates": list(self.candidates),
            },
            "assumptions": list(self.assumptions),
            "warnings": list(self.warnings),
        }

    def line_stopper_frame(self) -> pl.DataFrame:
        """The line-stopper list, one row per purchased item, in rank order."""
        rows = [ls.to_dict() for ls in self.line_stoppers]
        return pl.DataFrame(
            {
                "item": [r["item"] for r in rows],
                "name": [r["name"] for r in rows],
                "tts_weeks": [r["tts_weeks"] for r in rows],
                "ttr_weeks": [r["ttr_weeks"] for r in rows],
                "finished_goods_stopped": [r["finished_goods_stopped"] for r in rows],
                "finished_goods": [";".join(r["finished_goods"]) for r in rows],
                "sources": [";".join(r["sources"]) for r in rows],
                "source_countries": [";".join(r["source_countries"]) for r in rows],
            },
            schema={
                "item": pl.String,
                "name": pl.String,
                "tts_weeks": pl.Float64,
                "ttr_weeks": pl.Float64,
                "finished_goods_stopped": pl.Int64,
                "finished_goods": pl.String,
                "sources": pl.String,
                "source_countries": pl.String,
            },
        )

    def to_frame(self) -> pl.DataFrame:
        """One row per scenario (TTS is null when the network survives indefinitely)."""
        rows = self.to_dict()["scenarios"]
        return pl.DataFrame(
            {
                "label": [r["label"] for r in rows],
                "kind": [r["kind"] for r in rows],
                "disrupted": [";".join(r["disrupted"]) for r in rows],
                "ttr_weeks": [r["ttr_weeks"] for r in rows],
                "ttr_source": [r["ttr_source"] for r in rows],
                "tts_weeks": [r["tts_weeks"] for r in rows],
                "lost_units": [r["lost_units"] for r in rows],
                "lost_profit": [r["lost_profit"] for r in rows],
                "rei": [r["rei"] for r in rows],
                "needs_mitigation": [r["needs_mitigation"] for r in rows],
                "destroys_inventory": [r["destroys_inventory"] for r in rows],
                "tts_weeks_with_candidates": [r.get("tts_weeks_with_candidates") for r in rows],
                "lost_profit_with_candidates": [r.get("lost_profit_with_candidates") for r in rows],
            },
            schema={
                "label": pl.String,
                "kind": pl.String,
                "disrupted": pl.String,
                "ttr_weeks": pl.Float64,
                "ttr_source": pl.String,
                "tts_weeks": pl.Float64,
                "lost_units": pl.Float64,
                "lost_profit": pl.Float64,
                "rei": pl.Float64,
                "needs_mitigation": pl.Boolean,
                "destroys_inventory": pl.Boolean,
                "tts_weeks_with_candidates": pl.Float64,
                "lost_profit_with_candidates": pl.Float64,
            },
        )

    def frames(self) -> dict[str, pl.DataFrame]:
        """scenarios (one row per scenario), line_stoppers, and the mitigation list."""
        tables = {"scenarios": self.to_frame(), "line_stoppers": self.line_stopper_frame()}
        return tables | record_frames(mitigation=self.to_dict()["mitigation"])

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{h}</th>" for h in ("scenario", "TTR (weeks)", "TTS (weeks)", "lost units", "lost profit", "REI")
        )
        body = []
        for s in sorted(self.scenarios, key=lambda s: -s.rei)[:50]:
            tts = "∞" if math.isinf(s.tts_weeks) else f"{s.tts_weeks:,.2f}"
            flag = ' style="color:#b00"' if s.needs_mitigation else ""
            body.append(
                f"<tr{flag}><td>{escape(s.scenario.label)}</td><td>{s.ttr_weeks:,.2f}</td><td>{tts}</td>"
                f"<td>{s.lost_units:,.0f}</td><td>{s.lost_profit:,.0f}</td><td>{s.rei:.3f}</td></tr>"
            )
        return str(
            Markup(
                f"<table><caption>Stress test of {escape(self.network)}: {len(self.scenarios)} scenario(s), "
                f"{len(self.mitigation)} need mitigation</caption><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>"
            )
        )


# -- the Monte Carlo ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution(Result):
    """Expected annual lost profit attributed to one hazard source."""

    source: str
    kind: str  # site | country
    country: str
    expected_loss: float
    share: float
    events_per_year: float

    json_keys = ("source", "kind", "country", ("expected_annual_loss", "expected_loss"), "share", "events_per_year")


def _summary(x: FloatArray) -> dict[str, float]:
    """mean (± its standard error σ/√R), P95, P99, CVaR95, P(any loss), worst year of annual losses ``x``."""
    n = x.size
    ordered = np.sort(x)
    tail = ordered[math.floor(0.95 * n) :] if n else ordered
    return {
        "mean": float(x.mean()) if n else 0.0,
        "mean_standard_error": float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
        "p95": float(np.quantile(x, 0.95)) if n else 0.0,
        "p99": float(np.quantile(x, 0.99)) if n else 0.0,
        "cvar95": float(tail.mean()) if tail.size else 0.0,
        "probability_of_loss": float((x > 0).mean()) if n else 0.0,
        "max": float(x.max()) if n else 0.0,
    }


@dataclass(frozen=True, eq=False)
class SimulationResult(Result):
    """Distribution of annual lost profit over the simulated years, and who contributes to it."""

    network: str
    runs: int
    seed: int
    annual_losses: FloatArray
    contributions: tuple[Contribution, ...]
    events: int
    merged_events: int
    overlaps: int
    sets_solved: int
    lp_solves: int
    notes: tuple[str, ...]
    annual_losses_with_candidates: FloatArray | None = None
    stock_in_transit: bool = True
    candidate_terms: CandidateTerms | None = None

    @property
    def summary(self) -> dict[str, float]:
        """mean (± its standard error σ/√R), P95, P99, CVaR95, P(any loss), worst year."""
        return _summary(self.annual_losses)

    @property
    def summary_with_candidates(self) -> dict[str, float] | None:
        """The same figures with candidate sources used (None when they were not)."""
        x = self.annual_losses_with_candidates
        return None if x is None else _summary(x)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "network": self.network,
            "runs": self.runs,
            "seed": self.seed,
            "annual_lost_profit": self.summary,
            "contributions": [c.to_dict() for c in self.contributions],
            "events": {
                "drawn": self.events,
                "after_merging": self.merged_events,
                "overlaps_merged": self.overlaps,
                "site_sets_solved": self.sets_solved,
                "lp_solves": self.lp_solves,
            },
            "stock_in_transit": self.stock_in_transit,
            "with_candidates": None
            if self.candidate_terms is None
            else {
                "qualification_weeks": self.candidate_terms.qualification_weeks,
                "ramp_up_weeks": self.candidate_terms.ramp_up_weeks,
            },
            "assumptions": list(self.notes),
        }
        if self.summary_with_candidates is not None:
            out["annual_lost_profit_with_candidates"] = self.summary_with_candidates
        return out

    def to_frame(self) -> pl.DataFrame:
        """The contributions, one row per hazard source."""
        return pl.DataFrame(
            [c.to_dict() for c in self.contributions],
            schema={
                "source": pl.String,
                "kind": pl.String,
                "country": pl.String,
                "expected_annual_loss": pl.Float64,
                "share": pl.Float64,
                "events_per_year": pl.Float64,
            },
        )

    def frames(self) -> dict[str, pl.DataFrame]:
        """summary (the loss distribution, events and assumptions, one row) and contributions (one per source)."""
        summary = {k: v for k, v in self.to_dict().items() if k != "contributions"}
        return {"summary": flat_frame([summary]), "contributions": self.to_frame()}

    def _repr_html_(self) -> str:
        s = self.summary
        rows = "".join(
            f"<tr><td>{escape(c.source)}</td><td>{escape(c.kind)}</td><td>{c.expected_loss:,.0f}</td>"
            f"<td>{c.share:.1%}</td></tr>"
            for c in self.contributions[:25]
        )
        return str(
            Markup(
                f"<p>{self.runs:,} simulated years: mean annual lost profit {s['mean']:,.0f} USD, "
                f"P95 {s['p95']:,.0f}, CVaR95 {s['cvar95']:,.0f}.</p><table><thead><tr><th>source</th><th>kind</th>"
                f"<th>expected loss</th><th>share</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        )
