"""Monte Carlo of disruptions: how often, and how much profit a year (brief §11).

Each simulated year draws, for every hazard source (a site, or a country as a
common shock), a Poisson number of events, their start times and lognormal
durations (:mod:`allyshore.resilience.assumptions`). Overlapping events merge into
one (the union of their sites, down for the span of the overlap), and each event
costs the TTR model's lost profit ``L_S(tau)`` (§4).

Work runs as independent Dask tasks: the years are drawn in batches (each year
from its own child of ``SeedSequence(seed)``, so the draws never depend on how
the batches land on workers), then the distinct sets of sites that go down are
solved in fixed chunks, each chunk on a fresh model, so the result is the same
whatever the number of workers. A set that recurs gets its loss curve tabulated
once on a grid of durations (exact zero up to its TTS, then linear interpolation,
an upper bound since ``L_S`` is convex); a set seen rarely is solved exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from markupsafe import Markup, escape
from numpy.typing import NDArray

from allyshore.errors import InputError
from allyshore.model.graph import KIND_CODES, compile_network
from allyshore.model.network import Network
from allyshore.resilience.assumptions import DisruptionAssumptions, Hazard, load_assumptions, risk_multiplier
from allyshore.resilience.model import ResilienceModel
from allyshore.resilience.parallel import executor
from allyshore.resilience.scenarios import profit_per_demand_row

FloatArray = NDArray[np.float64]

WEEKS_PER_YEAR = 52.0
RUNS_PER_TASK = 1000
LPS_PER_TASK = 400
GRID_POINTS = 8
MIN_RECURRENCE_FOR_CURVE = 4

SiteSet = tuple[int, ...]
# One merged event: (run, sites down, duration in weeks, components as (hazard, duration)).
Event = tuple[int, SiteSet, float, tuple[tuple[int, float], ...]]


@dataclass(frozen=True)
class Contribution:
    """Expected annual lost profit attributed to one hazard source."""

    source: str
    kind: str  # site | country
    country: str
    expected_loss: float
    share: float
    events_per_year: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "country": self.country,
            "expected_annual_loss": self.expected_loss,
            "share": self.share,
            "events_per_year": self.events_per_year,
        }


@dataclass(frozen=True, eq=False)
class SimulationResult:
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

    @property
    def summary(self) -> dict[str, float]:
        """mean (± its standard error σ/√R), P95, P99, CVaR95, P(any loss), worst year."""
        x = self.annual_losses
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

    def to_dict(self) -> dict[str, Any]:
        return {
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
            "assumptions": list(self.notes),
        }

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


# -- hazards ------------------------------------------------------------------------------------------------


def build_hazards(network: Network, assumptions: DisruptionAssumptions) -> list[Hazard]:
    """One hazard per non-customer site with an active node, and one per country hosting such sites."""
    graph = compile_network(network)
    kinds = network.sites.get_column("kind").to_numpy()
    producing = graph.node_active & (graph.node_kind != KIND_CODES.index("sink"))
    sites = sorted({int(s) for s in graph.node_site[producing] if kinds[s] != "customer"})
    ttr = graph.node_ttr_weeks
    out: list[Hazard] = []
    by_country: dict[str, list[int]] = {}
    for site in sites:
        site_id = graph.site_ids[site]
        country = str(graph.site_country[site])
        by_country.setdefault(country, []).append(site)
        values = ttr[(graph.node_site == site) & producing]
        values = values[~np.isnan(values)]
        median = assumptions.site.duration_median_weeks
        if assumptions.site.use_site_ttr and values.size and values.max() > 0:
            median = float(values.max())
        rate = assumptions.site.rate_per_year * risk_multiplier(country, assumptions)
        sigma = assumptions.site.duration_sigma
        override = assumptions.sites.get(site_id)
        if override is not None:
            rate = override.rate_per_year if override.rate_per_year is not None else rate
            median = override.duration_median_weeks or median
            sigma = override.duration_sigma if override.duration_sigma is not None else sigma
        out.append(Hazard("site", site_id, country, (site,), rate, median, sigma))
    for country, members in sorted(by_country.items()):
        rate = assumptions.country.rate_per_year * risk_multiplier(country, assumptions)
        median = assumptions.country.duration_median_weeks
        sigma = assumptions.country.duration_sigma
        override = assumptions.countries.get(country)
        if override is not None:
            rate = override.rate_per_year if override.rate_per_year is not None else rate
            median = override.duration_median_weeks or median
            sigma = override.duration_sigma if override.duration_sigma is not None else sigma
        out.append(Hazard("country", country, country, tuple(members), rate, median, sigma))
    unknown = set(assumptions.sites) - {h.name for h in out if h.kind == "site"}
    if unknown:
        raise InputError(f"assumptions name unknown or customer site(s): {', '.join(sorted(unknown))}")
    return out


# -- phase 1: draw the years (pure, one task per batch of runs) ----------------------------------------------


def draw_events(
    seed: int,
    runs: range,
    rates: FloatArray,
    mus: FloatArray,
    sigmas: FloatArray,
    hazard_sites: Sequence[SiteSet],
) -> list[Event]:
    """Draw and merge the events of the years in ``runs``; year r uses child r of ``SeedSequence(seed)``."""
    out: list[Event] = []
    n_hazards = rates.size
    for run in runs:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(run,)))
        counts = rng.poisson(rates)
        m = int(counts.sum())
        if m == 0:
            continue
        hazard = np.repeat(np.arange(n_hazards), counts)
        start = rng.uniform(0.0, WEEKS_PER_YEAR, m)
        duration = rng.lognormal(mus[hazard], sigmas[hazard])
        order = np.argsort(start, kind="stable")
        group_sites: set[int] = set()
        group_start = group_end = -1.0
        parts: list[tuple[int, float]] = []
        for i in order:
            s, d, h = float(start[i]), float(duration[i]), int(hazard[i])
            if parts and s <= group_end:
                group_sites.update(hazard_sites[h])
                group_end = max(group_end, s + d)
                parts.append((h, d))
                continue
            if parts:
                out.append((run, tuple(sorted(group_sites)), group_end - group_start, tuple(parts)))
            group_sites, group_start, group_end, parts = set(hazard_sites[h]), s, s + d, [(h, d)]
        out.append((run, tuple(sorted(group_sites)), group_end - group_start, tuple(parts)))
    return out


# -- phase 2: solve the distinct sets (one task per chunk, a fresh model per task) --------------------------

# A work item: (site set, "curve" | "exact", durations). Curves return losses at their grid, exact at each duration.
WorkItem = tuple[SiteSet, str, tuple[float, ...]]


def solve_chunk(network: Network, items: Sequence[WorkItem]) -> list[tuple[float, FloatArray, FloatArray]]:
    """For each item: (TTS, durations evaluated, lost profit at each). A fresh model keeps results reproducible."""
    graph = compile_network(network)
    model = ResilienceModel(graph, profit_per_demand_row(graph))
    nodes_by_site: dict[int, np.ndarray] = {}
    producing = np.flatnonzero(graph.node_active)
    for site in {s for sites, _, _ in items for s in sites}:
        nodes_by_site[site] = producing[graph.node_site[producing] == site]
    out: list[tuple[float, FloatArray, FloatArray]] = []
    for sites, how, durations in items:
        down = np.concatenate([nodes_by_site[s] for s in sites]) if sites else np.zeros(0, dtype=np.int64)
        if how == "exact":
            times = np.asarray(durations, dtype=np.float64)
            losses = np.array([model.lose(down, t, direct=True).lost_profit for t in times])
            out.append((math.nan, times, losses))
            continue
        tts = model.survive(down, explain=False).tts_weeks
        longest = float(max(durations))
        if math.isinf(tts) or longest <= tts:
            out.append((tts, np.array([0.0, max(longest, 0.0)]), np.zeros(2)))
            continue
        grid = tts + (longest - tts) * np.linspace(0.0, 1.0, GRID_POINTS + 1)
        losses = np.zeros(grid.size)
        losses[1:] = [model.lose(down, t, direct=True).lost_profit for t in grid[1:]]
        out.append((tts, np.concatenate([[0.0], grid]), np.concatenate([[0.0], losses])))
    return out


def _chunks(items: Sequence[WorkItem]) -> list[list[WorkItem]]:
    """Split work into chunks of about LPS_PER_TASK solves, independent of the number of workers."""
    out: list[list[WorkItem]] = []
    current: list[WorkItem] = []
    size = 0
    for item in items:
        cost = len(item[2]) if item[1] == "exact" else GRID_POINTS + 1
        if current and size + cost > LPS_PER_TASK:
            out.append(current)
            current, size = [], 0
        current.append(item)
        size += cost
    if current:
        out.append(current)
    return out


# -- execution ---------------------------------------------------------------------------------------------


def _draw_task(shared: tuple[int, FloatArray, FloatArray, FloatArray, list[SiteSet]], runs: range) -> list[Event]:
    seed, rates, mus, sigmas, sites = shared
    return draw_events(seed, runs, rates, mus, sigmas, sites)


def simulate(
    network: Network,
    *,
    runs: int = 1000,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    assumptions: str | Path | DisruptionAssumptions | None = None,
) -> SimulationResult:
    """Simulate ``runs`` years of site and country disruptions and price each with the TTR model.

    Parameters
    ----------
    network
        The supply network.
    runs
        Number of simulated years.
    seed
        Seed of the ``numpy.random.SeedSequence``; the same seed gives the same result whatever the workers.
    scheduler
        Address of a Dask scheduler (``tcp://host:port``); default a LocalCluster of ``workers`` processes;
        ``"synchronous"`` runs in this process.
    workers
        Worker processes of the local cluster (default 2, or 1 on a one-core machine).
    assumptions
        An assumptions file (TOML) or object; default :data:`~allyshore.resilience.assumptions.DEFAULT_ASSUMPTIONS`.

    Examples
    --------
    >>> import allyshore
    >>> net = allyshore.Network.from_dict({
    ...     "sites": [{"site_id": "S", "country": "CN", "kind": "supplier", "ttr_weeks": 6},
    ...               {"site_id": "P", "country": "MX", "kind": "plant", "ttr_weeks": 1}],
    ...     "items": [{"item_id": "G", "profit_per_unit": 10.0}, {"item_id": "K"}],
    ...     "bom": [{"parent_id": "G", "child_id": "K", "quantity": 1}],
    ...     "supply": [{"site_id": "S", "item_id": "K", "inventory": 40}, {"site_id": "P", "item_id": "G"}],
    ...     "flows": [{"from_site": "S", "to_site": "P", "item_id": "K"}],
    ...     "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 10}]})
    >>> result = simulate(net, runs=200, seed=7, scheduler="synchronous")
    >>> result.summary["mean"] > 0, result.runs
    (True, 200)
    """
    if runs < 1:
        raise InputError("--runs must be at least 1")
    chosen = assumptions if isinstance(assumptions, DisruptionAssumptions) else load_assumptions(assumptions)
    hazards = build_hazards(network, chosen)
    rates = np.array([h.rate_per_year for h in hazards], dtype=np.float64)
    mus = np.array([h.mu for h in hazards], dtype=np.float64)
    sigmas = np.array([h.duration_sigma for h in hazards], dtype=np.float64)
    hazard_sites = [h.sites for h in hazards]
    batches = [range(a, min(a + RUNS_PER_TASK, runs)) for a in range(0, runs, RUNS_PER_TASK)]

    with executor(scheduler, workers) as run_map:
        drawn = run_map(_draw_task, batches, (seed, rates, mus, sigmas, hazard_sites), None)
        events: list[Event] = [e for batch in drawn for e in batch]

        # Which sets get a tabulated curve: every hazard's own set, and any set that recurs.
        counts: dict[SiteSet, int] = {}
        for _, sites, _, _ in events:
            counts[sites] = counts.get(sites, 0) + 1
        curve_sets = {h.sites for h in hazards} | {s for s, c in counts.items() if c >= MIN_RECURRENCE_FOR_CURVE}
        longest: dict[SiteSet, float] = {}
        exact: dict[SiteSet, list[float]] = {}
        for _, sites, span, parts in events:
            if sites in curve_sets:
                longest[sites] = max(longest.get(sites, 0.0), span)
            else:
                exact.setdefault(sites, []).append(span)
            for h, d in parts:
                key = hazard_sites[h]
                longest[key] = max(longest.get(key, 0.0), d)
        items: list[WorkItem] = [(s, "curve", (longest[s],)) for s in sorted(longest)]
        items += [(s, "exact", tuple(sorted(set(exact[s])))) for s in sorted(exact)]
        chunks = _chunks(items)
        solved = run_map(solve_chunk, chunks, network, None)
    results = {
        item[0]: res for chunk, out in zip(chunks, solved, strict=True) for item, res in zip(chunk, out, strict=True)
    }

    def loss(sites: SiteSet, duration: float) -> float:
        _, times, values = results[sites]
        if sites in curve_sets:
            return float(np.interp(duration, times, values))
        return float(values[np.searchsorted(times, duration)])

    annual = np.zeros(runs)
    attributed = np.zeros(len(hazards))
    occurrences = np.zeros(len(hazards))
    overlaps = 0
    for run, sites, span, parts in events:
        value = loss(sites, span)
        annual[run] += value
        standalone = np.array([loss(hazard_sites[h], d) for h, d in parts])
        weights = standalone / standalone.sum() if standalone.sum() > 0 else np.full(len(parts), 1.0 / len(parts))
        for (h, _), w in zip(parts, weights, strict=True):
            attributed[h] += value * w
            occurrences[h] += 1
        overlaps += len(parts) - 1
    total = attributed.sum()
    contributions = sorted(
        (
            Contribution(
                source=h.name,
                kind=h.kind,
                country=h.country,
                expected_loss=float(attributed[i] / runs),
                share=float(attributed[i] / total) if total > 0 else 0.0,
                events_per_year=float(occurrences[i] / runs),
            )
            for i, h in enumerate(hazards)
        ),
        key=lambda c: (-c.expected_loss, c.kind, c.source),
    )
    lp_solves = sum(len(d) if how == "exact" else GRID_POINTS + 1 for _, how, d in items)
    return SimulationResult(
        network=network.name,
        runs=runs,
        seed=seed,
        annual_losses=annual,
        contributions=tuple(contributions),
        events=sum(len(p) for *_, p in events),
        merged_events=len(events),
        overlaps=overlaps,
        sets_solved=len(items),
        lp_solves=lp_solves,
        notes=tuple(chosen.describe()),
    )
