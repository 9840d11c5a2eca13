"""The stress test: time to survive against time to recover, lost profit and the Risk Exposure Index.

For each scenario (a site, a node, a set of sites, a country or group of
countries, a trust tier, a border crossing) the TTS model gives how long demand
is still met in full and the TTR model how much profit is lost while the
disrupted nodes are down for their time to recover (Simchi-Levi, Schmidt & Wei,
HBR 2014; Simchi-Levi et al., Interfaces 45(5), 2015; Simchi-Levi, HBR 2015).
REI_n = L_n / max_m L_m over the scenarios run (HBR 2014), 0 for all when nothing
is lost.

Stock in transit on the lanes reaches the receiver whatever happens to the sender
(:mod:`allyshore.resilience.transit`). With ``with_candidates`` every scenario is
also solved with the candidate sources coming on after their qualification and
ramp-up (:mod:`allyshore.resilience.candidates`), side by side. The line-stopper
list (:class:`~allyshore.resilience.results.LineStopper`) disrupts every current source of each purchased item
and ranks the items by time to survive and by how many finished goods they stop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from allyshore.conventions import Progress
from allyshore.errors import InputError
from allyshore.model.graph import NodeGraph, compile_network
from allyshore.model.network import Network
from allyshore.resilience.candidates import CandidateTerms
from allyshore.resilience.evaluate import Options, Outcome, evaluate_chunk, plan_of, transit_of, unavailable_stock
from allyshore.resilience.linear_programs import ResilienceModel
from allyshore.resilience.parallel import SYNCHRONOUS, counter, executor
from allyshore.resilience.phased import candidate_gaps
from allyshore.resilience.results import ASSUMPTIONS, LineStopper, ScenarioResult, StressResult
from allyshore.resilience.scenarios import (
    Scenario,
    country_scenario,
    crossing_scenario,
    item_scenarios,
    node_scenarios,
    profit_per_demand_row,
    site_scenarios,
    sites_scenario,
    tier_scenario,
    with_recovery_times,
)

if TYPE_CHECKING:
    from allyshore.trust.policy import PolicySource

#: Scenarios per Dask task (fixed, so results do not depend on the number of workers). Each task compiles the
#: network and solves the undisrupted programs once (about a second at 10,000 nodes), about as long as 100
#: restricted scenario solves: 250 keeps that cost small and still gives 2 workers ten tasks at 10,000 nodes.
SCENARIOS_PER_TASK = 250
#: Sweeps whose scenarios x nodes exceed this run on Dask by default.
PARALLEL_ABOVE = 2_000_000

#: Stated when stock in transit is counted (brief §4: stock shipped before the disruption is no longer at the node).
TRANSIT_ASSUMPTION = (
    "Stock in transit counted: each active flow holds its weekly volume in the undisrupted plan times "
    "transit_days / 7, and it keeps arriving at the receiver (at the weekly volume, until the lane is empty) "
    "whatever happens to the sender; a border-crossing closure holds the goods of the lanes through it; flows "
    "without transit_days hold none."
)
#: Stated for country and tier scenarios (distributors).
ORIGIN_ASSUMPTION = (
    "A country or tier scenario also stops every supply row whose origin_country (the maker's country) is among its "
    "countries: a distributor elsewhere still ships the stock it holds (never destroyed) but cannot restock."
)


def tiers_of(policy: PolicySource = None) -> dict[str, str]:
    """Country -> trust tier under ``policy`` (a TrustPolicy, a TOML path, or None for the default policy)."""
    from allyshore.trust import tiers_under

    return tiers_under(policy)


def _names(value: str | Sequence[str] | None) -> list[str]:
    return [value] if isinstance(value, str) else list(value or ())


def build_scenarios(
    graph: NodeGraph,
    *,
    by: Literal["site", "node"] = "site",
    sites: Sequence[str] | None = None,
    country: str | Sequence[str] | None = None,
    crossing: str | Sequence[str] | None = None,
    tier: str | Sequence[str] | None = None,
    policy: PolicySource = None,
    ttr_weeks: float | None = None,
) -> list[Scenario]:
    """The scenarios asked for: the named ones if any, else the sweep ``by`` site or node.

    ``country`` entries may join several countries with '+' (``CN+HK``: one scenario, all down together);
    ``tier`` names trust tiers (``adversary``: every country of the network in that tier under ``policy``).
    """
    chosen: list[Scenario] = []
    if sites:
        chosen.append(sites_scenario(graph, list(sites)))
    for code in _names(country):
        chosen.append(country_scenario(graph, code))
    tiers = _names(tier)
    if tiers:
        tier_of = tiers_of(policy)
        chosen += [tier_scenario(graph, name.strip().lower(), tier_of) for name in tiers]
    for name in _names(crossing):
        chosen.append(crossing_scenario(graph, name))
    if not chosen:
        if by == "site":
            chosen = site_scenarios(graph)
        elif by == "node":
            chosen = node_scenarios(graph)
        else:
            raise InputError(f"--by must be 'site' or 'node', not '{by}'")
    return with_recovery_times(graph, chosen, ttr_weeks)


def _line_stoppers(graph: NodeGraph, pairs: Sequence[tuple[Scenario, Outcome]]) -> tuple[LineStopper, ...]:
    names = dict(
        zip(
            graph.network.items.get_column("item_id").to_list(),
            graph.network.items.get_column("name").to_list(),
            strict=True,
        )
    )
    out = []
    for scenario, outcome in pairs:
        goods = sorted({graph.item_ids[graph.node_item[j]] for j in outcome.stopped_demand_nodes})
        countries = sorted({str(graph.site_country[graph.node_site[j]]) for j in scenario.nodes})
        out.append(
            LineStopper(
                item=scenario.label,
                name=names.get(scenario.label) or "",
                sources=scenario.node_labels,
                source_countries=tuple(countries),
                tts_weeks=outcome.tts_weeks,
                ttr_weeks=scenario.ttr_weeks,
                ttr_source=scenario.ttr_source,
                finished_goods=tuple(goods),
                lost_units_per_week=outcome.steady_lost_units_per_week,
                tts_with_candidates=outcome.tts_with_candidates,
            )
        )
    return tuple(sorted(out, key=lambda ls: ls.rank_key))


def stress_test(
    network: Network,
    *,
    by: Literal["site", "node"] = "site",
    sites: Sequence[str] | None = None,
    country: str | Sequence[str] | None = None,
    crossing: str | Sequence[str] | None = None,
    tier: str | Sequence[str] | None = None,
    policy: PolicySource = None,
    ttr_weeks: float | None = None,
    inventory_destroyed: bool = False,
    stock_in_transit: bool = True,
    with_candidates: bool | CandidateTerms = False,
    line_stoppers: bool = True,
    progress: Progress | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    restrict: bool | None = None,
) -> StressResult:
    """Time to survive and lost profit of every scenario (Simchi-Levi's TTR/TTS stress test).

    Parameters
    ----------
    network
        The supply network.
    by
        The default sweep: every non-customer site alone (``site``) or every node alone (``node``).
    sites, country, crossing, tier
        Instead of the sweep, one scenario with these sites down together, one with every non-customer site of
        the country (or of the countries joined by '+', ``CN+HK``) down, one with every flow through the border
        crossing cut, one with every country of the trust tier down (several may be given). Country and tier
        scenarios also stop the supply rows whose ``origin_country`` is among their countries.
    policy
        Trust policy for ``tier`` (a :class:`~allyshore.trust.TrustPolicy` or a TOML path; default policy).
    ttr_weeks
        Time to recover for every scenario; by default the longest TTR among its disrupted nodes.
    inventory_destroyed
        Disrupted nodes lose their inventory too (by default they still ship it).
    stock_in_transit
        Count the stock on the lanes (:mod:`allyshore.resilience.transit`); ``False`` leaves it out.
    with_candidates
        Also solve every scenario with the candidate sources coming on after their qualification lead time and
        ramp-up (``True`` for the defaults, or :class:`~allyshore.resilience.candidates.CandidateTerms`); the
        results then carry both numbers side by side.
    line_stoppers
        Also disrupt every current source of each purchased item, one item at a time (:class:`LineStopper`).
    progress
        Called as ``progress(done, total)`` each time a chunk of the scenarios (line stoppers included) finishes.
    scheduler, workers
        Where the scenarios run: small sweeps in this process; larger ones (scenarios x nodes above
        :data:`PARALLEL_ABOVE`) on a Dask LocalCluster of ``workers`` processes, or on the scheduler at this
        address (``tcp://host:8786``); ``"synchronous"`` forces this process.
    restrict
        Solve each scenario on the part of the network it can affect, certified optimal for the whole network
        (see :class:`~allyshore.resilience.linear_programs.ResilienceModel`); by default on networks of
        :data:`~allyshore.resilience.linear_programs.RESTRICT_FROM_NODES` nodes or more. The answers do not depend on it.

    Examples
    --------
    >>> import allyshore
    >>> net = allyshore.Network.from_dict({
    ...     "sites": [{"site_id": "S", "country": "CN", "kind": "supplier", "ttr_weeks": 6},
    ...               {"site_id": "P", "country": "MX", "kind": "plant", "ttr_weeks": 1}],
    ...     "items": [{"item_id": "G", "profit_per_unit": 10.0}, {"item_id": "K"}],
    ...     "bom": [{"parent_id": "G", "child_id": "K", "quantity": 1}],
    ...     "supply": [{"site_id": "S", "item_id": "K", "inventory": 40},
    ...                {"site_id": "P", "item_id": "G"}],
    ...     "flows": [{"from_site": "S", "to_site": "P", "item_id": "K"}],
    ...     "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 10}]})
    >>> result = stress_test(net)
    >>> [(s.scenario.label, s.tts_weeks, s.lost_profit) for s in result.scenarios]
    [('S', 4.0, 200.0), ('P', 0.0, 100.0)]
    >>> [(ls.item, ls.tts_weeks, ls.finished_goods) for ls in result.line_stoppers]
    [('K', 4.0, ('G',))]
    """
    graph = compile_network(network)
    scenarios = build_scenarios(
        graph,
        by=by,
        sites=sites,
        country=country,
        crossing=crossing,
        tier=tier,
        policy=policy,
        ttr_weeks=ttr_weeks,
    )
    items = with_recovery_times(graph, item_scenarios(graph), ttr_weeks) if line_stoppers else []
    profit = profit_per_demand_row(graph)
    transit = transit_of(graph, stock_in_transit)
    model = ResilienceModel(graph, profit, transit=transit)
    terms = (
        with_candidates
        if isinstance(with_candidates, CandidateTerms)
        else (CandidateTerms() if with_candidates else None)
    )
    plan = plan_of(graph, terms)
    warnings: list[str] = []
    if model.orphan_groups.size:
        labels = sorted(
            {
                f"{graph.node_label(int(model.req_node[g]))} needs {graph.item_ids[model.req_item[g]]}"
                for g in model.orphan_groups
            }
        )
        warnings.append(
            f"{len(labels)} material(s) have no active source, so their consumers make nothing: "
            + "; ".join(labels[:10])
            + (" ..." if len(labels) > 10 else "")
        )
    if transit.flows_without_transit:
        warnings.append(
            f"{transit.flows_without_transit} active flow(s) have no transit_days: no stock in transit is counted on "
            "them (fill transit_days to count it)"
        )
    if plan is not None and not plan.any:
        warnings.append("with candidates: the network has no candidate supply row or flow")
    gaps = candidate_gaps(graph, profit) if plan is not None else []
    if gaps:
        warnings.append(
            f"with candidates: {len(gaps)} candidate source(s) need a material nothing supplies, so they make "
            "nothing (add its supply and flow, or give the candidate no BOM): " + "; ".join(gaps[:10])
        )
    priced = model.profit[model.demand_nodes]
    basis: Literal["profit", "units"] = "profit" if (priced > 0).any() or not model.demand_nodes.size else "units"
    if basis == "units":
        warnings.append("no demanded good has a profit per unit: REI is computed on lost units")
    baseline_tts = model.survive(model.demand_nodes[:0], explain=False).tts_weeks

    # Evaluate in order of recovery time (the TTR program changes horizon as rarely as possible), in chunks
    # fixed by the scenario list alone, each on a fresh model: the same numbers on one process or many.
    everything = [*scenarios, *items]
    order = sorted(range(len(everything)), key=lambda i: (everything[i].ttr_weeks, i))
    chunks = [
        [everything[i] for i in order[a : a + SCENARIOS_PER_TASK]] for a in range(0, len(order), SCENARIOS_PER_TASK)
    ]
    if scheduler is None and len(everything) * graph.n_nodes < PARALLEL_ABOVE:
        scheduler = SYNCHRONOUS
    options = Options(network, inventory_destroyed, restrict, stock_in_transit, terms)
    with executor(scheduler, workers) as run_map:
        outcomes = run_map(evaluate_chunk, chunks, options, counter(progress, [len(c) for c in chunks]))
    flat: list[Outcome] = [o for chunk in outcomes for o in chunk]
    by_index = {i: flat[k] for k, i in enumerate(order)}
    found = [by_index[i] for i in range(len(scenarios))]
    measure = [o.lost_profit if basis == "profit" else o.lost_units for o in found]
    worst = max(measure, default=0.0)
    out = []
    for s, o, m in zip(scenarios, found, measure, strict=True):
        destroyed, held = unavailable_stock(graph, transit, s, inventory_destroyed)
        out.append(
            ScenarioResult(
                scenario=s,
                tts_weeks=o.tts_weeks,
                lost_units=o.lost_units,
                lost_profit=o.lost_profit,
                lost_profit_net=max(o.lost_profit - o.baseline_lost_profit, 0.0),
                rei=min(max(m / worst, 0.0), 1.0) if worst > 0 else 0.0,
                binding=o.binding if o.tts_weeks < s.ttr_weeks else (),
                inventory_destroyed_units=destroyed,
                in_transit_held_units=held,
                tts_with_candidates=o.tts_with_candidates,
                lost_units_with_candidates=o.lost_units_with_candidates,
                lost_profit_with_candidates=o.lost_profit_with_candidates,
            )
        )
    stoppers = _line_stoppers(graph, [(s, by_index[len(scenarios) + k]) for k, s in enumerate(items)])
    if not math.isinf(baseline_tts):
        warnings.append(
            f"baseline shortfall: even with nothing disrupted demand is met in full for only {baseline_tts:.2f} weeks"
        )
    assumptions = list(ASSUMPTIONS)
    if stock_in_transit:
        assumptions.append(TRANSIT_ASSUMPTION)
    if any(s.kind in ("country", "tier") for s in scenarios):
        assumptions.append(ORIGIN_ASSUMPTION)
    if plan is not None:
        assumptions += plan.describe()
    return StressResult(
        network=network.name,
        scenarios=tuple(out),
        rei_basis=basis,
        baseline_tts_weeks=baseline_tts,
        inventory_destroyed=inventory_destroyed,
        assumptions=tuple(assumptions),
        warnings=tuple(warnings),
        line_stoppers=stoppers,
        stock_in_transit=stock_in_transit,
        candidate_terms=terms,
        candidates=tuple(plan.to_list(graph)) if plan is not None else (),
    )
