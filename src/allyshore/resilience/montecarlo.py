"""Monte Carlo of disruptions: how often, and how much profit a year (brief §11).

Each simulated year draws, for every hazard source (a site, or a country as a
common shock), a Poisson number of events, their start times and lognormal
durations (:mod:`allyshore.resilience.assumptions`). Overlapping events merge into
one (the union of their nodes, down for the span of the overlap), and each event
costs the TTR model's lost profit ``L_S(tau)`` (§4). A country event stops every
node at its sites and every supply row whose ``origin_country`` is that country
(a distributor keeps shipping its stock but cannot restock); stock in transit is
counted as in the stress test.

With candidate sources (``with_candidates``) every event is also priced with the
candidates coming on after their qualification and ramp-up
(:mod:`allyshore.resilience.phased`), on the same draws (common random numbers),
so the two distributions compare the sourcing plans and nothing else.

Work runs as independent Dask tasks: the years are drawn in batches (each year
from its own child of ``SeedSequence(seed)``, so the draws never depend on how
the batches land on workers), then the distinct sets of nodes that go down are
solved in fixed chunks, each chunk on a fresh model, so the result is the same
whatever the number of workers. A set that recurs gets its loss curve tabulated
once on a grid of durations (exact zero up to its TTS, then linear interpolation,
an upper bound since ``L_S`` is convex; with candidates, convex between the weeks
candidates come on, which the grid then contains); a set seen rarely is solved
exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from allyshore.conventions import Progress
from allyshore.errors import InputError
from allyshore.model.graph import KIND_CODES, compile_network
from allyshore.model.network import Network
from allyshore.model.schema import WEEKS_PER_YEAR
from allyshore.resilience.assumptions import DisruptionAssumptions, Hazard, load_assumptions, risk_multiplier
from allyshore.resilience.candidates import CandidateTerms
from allyshore.resilience.evaluate import plan_of, transit_of
from allyshore.resilience.linear_programs import ResilienceModel
from allyshore.resilience.parallel import counter, executor
from allyshore.resilience.phased import PhasedModel
from allyshore.resilience.results import Contribution, SimulationResult
from allyshore.resilience.scenarios import origin_countries, profit_per_demand_row
from allyshore.resilience.stress import ORIGIN_ASSUMPTION, TRANSIT_ASSUMPTION

FloatArray = NDArray[np.float64]

RUNS_PER_TASK = 1000
LPS_PER_TASK = 400
GRID_POINTS = 8
MIN_RECURRENCE_FOR_CURVE = 4

NodeSet = tuple[int, ...]
# One merged event: (run, nodes down, duration in weeks, components as (hazard, duration)).
Event = tuple[int, NodeSet, float, tuple[tuple[int, float], ...]]


# -- hazards ------------------------------------------------------------------------------------------------


def build_hazards(network: Network, assumptions: DisruptionAssumptions) -> list[Hazard]:
    """One hazard per non-customer site with an active node, and one per country hosting such sites or the maker
    of a supply row (``origin_country``).

    A hazard's nodes are every supply node of its sites (candidates included: they stay down with their site when
    candidates are used) and, for a country, every supply row at another non-customer site made in that country.
    """
    graph = compile_network(network)
    kinds = network.sites.get_column("kind").to_numpy()
    customer = kinds == "customer"
    sink = graph.node_kind == KIND_CODES.index("sink")
    producing = graph.node_active & ~sink
    sites = sorted({int(s) for s in graph.node_site[producing] if not customer[s]})
    supply_nodes = np.flatnonzero(~sink & (graph.node_supply_row >= 0))
    origin = origin_countries(graph)
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
        nodes = tuple(int(j) for j in supply_nodes[graph.node_site[supply_nodes] == site])
        out.append(Hazard("site", site_id, country, (site,), rate, median, sigma, nodes))
    made_in = supply_nodes[(origin[supply_nodes] != "") & ~customer[graph.node_site[supply_nodes]]]
    for code in {str(origin[j]) for j in made_in if graph.node_active[j]}:
        by_country.setdefault(code, [])
    for country, members in sorted(by_country.items()):
        rate = assumptions.country.rate_per_year * risk_multiplier(country, assumptions)
        median = assumptions.country.duration_median_weeks
        sigma = assumptions.country.duration_sigma
        override = assumptions.countries.get(country)
        if override is not None:
            rate = override.rate_per_year if override.rate_per_year is not None else rate
            median = override.duration_median_weeks or median
            sigma = override.duration_sigma if override.duration_sigma is not None else sigma
        at_sites = np.isin(graph.node_site[supply_nodes], members)
        nodes = tuple(int(j) for j in np.union1d(supply_nodes[at_sites], made_in[origin[made_in] == country]))
        out.append(Hazard("country", country, country, tuple(members), rate, median, sigma, nodes))
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
    hazard_sites: Sequence[NodeSet],
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

# A work item: (node set, "curve" | "exact", durations). Curves return losses at their grid, exact at each duration.
WorkItem = tuple[NodeSet, str, tuple[float, ...]]
# (TTS, durations evaluated, lost profit at each); TTS is nan for exact items.
Curve = tuple[float, FloatArray, FloatArray]


@dataclass(frozen=True)
class SimulationOptions:
    """What every solving task shares."""

    network: Network
    stock_in_transit: bool = True
    candidates: CandidateTerms | None = None


def _curve(
    survive: Callable[[], float],
    lose: Callable[[float], float],
    how: str,
    durations: tuple[float, ...],
    breaks: FloatArray,
) -> Curve:
    """The loss at each duration (exact), or tabulated: 0 up to TTS, then a grid (with ``breaks`` in it) to the
    longest duration. The loss is convex between consecutive ``breaks``, so interpolating stays an upper bound."""
    if how == "exact":
        times = np.asarray(durations, dtype=np.float64)
        return (math.nan, times, np.array([lose(float(t)) for t in times]))
    tts = survive()
    longest = float(max(durations))
    if math.isinf(tts) or longest <= tts:
        return (tts, np.array([0.0, max(longest, 0.0)]), np.zeros(2))
    grid = tts + (longest - tts) * np.linspace(0.0, 1.0, GRID_POINTS + 1)
    grid = np.unique(np.concatenate([grid, breaks[(breaks > tts) & (breaks < longest)]]))
    losses = np.zeros(grid.size)
    losses[1:] = [lose(float(t)) for t in grid[1:]]
    return (tts, np.concatenate([[0.0], grid]), np.concatenate([[0.0], losses]))


def _solvers(
    model: ResilienceModel | PhasedModel, down: np.ndarray
) -> tuple[Callable[[], float], Callable[[float], float]]:
    """TTS and loss at a duration of the node set ``down``, from either model."""
    if isinstance(model, PhasedModel):
        phased = model
        return (lambda: phased.survive(down)), (lambda t: phased.lose(down, t).lost_profit)
    single = model
    return (lambda: single.survive(down, explain=False).tts_weeks), (
        lambda t: single.lose(down, t, direct=True).lost_profit
    )


def solve_chunk(options: SimulationOptions, items: Sequence[WorkItem]) -> list[tuple[Curve, Curve | None]]:
    """For each item its loss curve, and the one with candidates when they are used (a fresh model per task)."""
    graph = compile_network(options.network)
    profit = profit_per_demand_row(graph)
    transit = transit_of(graph, options.stock_in_transit)
    model = ResilienceModel(graph, profit, transit=transit)
    plan = plan_of(graph, options.candidates)
    phased = PhasedModel(graph, profit, plan, transit) if plan is not None else None
    none = np.zeros(0)
    out: list[tuple[Curve, Curve | None]] = []
    for nodes, how, durations in items:
        down = np.asarray(nodes, dtype=np.int64)
        base = _curve(*_solvers(model, down), how, durations, none)
        with_c = _curve(*_solvers(phased, down), how, durations, phased.breakpoints) if phased is not None else None
        out.append((base, with_c))
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


def _draw_task(shared: tuple[int, FloatArray, FloatArray, FloatArray, list[NodeSet]], runs: range) -> list[Event]:
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
    stock_in_transit: bool = True,
    with_candidates: bool | CandidateTerms = False,
    progress: Progress | None = None,
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
    stock_in_transit
        Count the stock on the lanes (:mod:`allyshore.resilience.transit`).
    with_candidates
        Also price every simulated year with the candidate sources coming on after their qualification and
        ramp-up (``True`` for the defaults, or :class:`~allyshore.resilience.candidates.CandidateTerms`), on the
        same draws.
    progress
        Called as ``progress(done, total)`` as the sets of sites down together are priced (after the draws).

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
    terms = (
        with_candidates
        if isinstance(with_candidates, CandidateTerms)
        else (CandidateTerms() if with_candidates else None)
    )
    hazards = build_hazards(network, chosen)
    rates = np.array([h.rate_per_year for h in hazards], dtype=np.float64)
    mus = np.array([h.mu for h in hazards], dtype=np.float64)
    sigmas = np.array([h.duration_sigma for h in hazards], dtype=np.float64)
    hazard_nodes = [h.nodes for h in hazards]
    batches = [range(a, min(a + RUNS_PER_TASK, runs)) for a in range(0, runs, RUNS_PER_TASK)]

    with executor(scheduler, workers) as run_map:
        drawn = run_map(_draw_task, batches, (seed, rates, mus, sigmas, hazard_nodes), None)
        events: list[Event] = [e for batch in drawn for e in batch]

        # Which sets get a tabulated curve: every hazard's own set, and any set that recurs.
        counts: dict[NodeSet, int] = {}
        for _, nodes, _, _ in events:
            counts[nodes] = counts.get(nodes, 0) + 1
        curve_sets = set(hazard_nodes) | {s for s, c in counts.items() if c >= MIN_RECURRENCE_FOR_CURVE}
        longest: dict[NodeSet, float] = {}
        exact: dict[NodeSet, list[float]] = {}
        for _, nodes, span, parts in events:
            if nodes in curve_sets:
                longest[nodes] = max(longest.get(nodes, 0.0), span)
            else:
                exact.setdefault(nodes, []).append(span)
            for h, d in parts:
                key = hazard_nodes[h]
                longest[key] = max(longest.get(key, 0.0), d)
        items: list[WorkItem] = [(s, "curve", (longest[s],)) for s in sorted(longest)]
        items += [(s, "exact", tuple(sorted(set(exact[s])))) for s in sorted(exact)]
        chunks = _chunks(items)
        options = SimulationOptions(network, stock_in_transit, terms)
        solved = run_map(solve_chunk, chunks, options, counter(progress, [len(c) for c in chunks]))
    results = {
        item[0]: res for chunk, out in zip(chunks, solved, strict=True) for item, res in zip(chunk, out, strict=True)
    }

    def loss(nodes: NodeSet, duration: float, candidates: bool = False) -> float:
        curve = results[nodes][1] if candidates else results[nodes][0]
        assert curve is not None
        _, times, values = curve
        if nodes in curve_sets:
            return float(np.interp(duration, times, values))
        return float(values[np.searchsorted(times, duration)])

    annual = np.zeros(runs)
    annual_c = np.zeros(runs) if terms is not None else None
    attributed = np.zeros(len(hazards))
    occurrences = np.zeros(len(hazards))
    overlaps = 0
    for run, nodes, span, parts in events:
        value = loss(nodes, span)
        annual[run] += value
        if annual_c is not None:
            annual_c[run] += loss(nodes, span, candidates=True)
        standalone = np.array([loss(hazard_nodes[h], d) for h, d in parts])
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
    notes = list(chosen.describe())
    if stock_in_transit:
        notes.append(TRANSIT_ASSUMPTION)
    notes.append(ORIGIN_ASSUMPTION)
    graph = compile_network(network) if terms is not None else None
    plan = plan_of(graph, terms) if graph is not None else None
    if plan is not None:
        notes += plan.describe()
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
        notes=tuple(notes),
        annual_losses_with_candidates=annual_c,
        stock_in_transit=stock_in_transit,
        candidate_terms=terms,
    )
