"""The stress test: time to survive against time to recover, lost profit and the Risk Exposure Index.

For each scenario (a site, a node, a set of sites, a country, a border crossing)
the TTS model gives how long demand is still met in full and the TTR model how
much profit is lost while the disrupted nodes are down for their time to
recover (Simchi-Levi, Schmidt & Wei, HBR 2014; Simchi-Levi et al., Interfaces
45(5), 2015; Simchi-Levi, HBR 2015). REI_n = L_n / max_m L_m over the scenarios
run (HBR 2014), 0 for all when nothing is lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl
from markupsafe import Markup, escape

from allyshore.errors import InputError
from allyshore.model.graph import NodeGraph, compile_network
from allyshore.model.network import Network
from allyshore.resilience.model import Binding, ResilienceModel
from allyshore.resilience.parallel import SYNCHRONOUS, executor
from allyshore.resilience.scenarios import (
    Scenario,
    country_scenario,
    crossing_scenario,
    node_scenarios,
    profit_per_demand_row,
    site_scenarios,
    sites_scenario,
    with_recovery_times,
)

#: Scenarios per Dask task (fixed, so results do not depend on the number of workers). Each task compiles the
#: network and solves the undisrupted programs once (about a second at 10,000 nodes), about as long as 100
#: restricted scenario solves: 250 keeps that cost small and still gives 2 workers ten tasks at 10,000 nodes.
SCENARIOS_PER_TASK = 250
#: Sweeps whose scenarios x nodes exceed this run on Dask by default.
PARALLEL_ABOVE = 2_000_000

ASSUMPTIONS = (
    "Negligible lead times, rerouting and changeover costs: live alternates ramp to full capacity at once.",
    "Time-aggregated: late output may cover early demand, so losses are understated against a time-phased model.",
    "Capacities are those available to this network; fixed BOM proportions; lost sales, not backlog; linear profit.",
    "Flows say which links exist; while sites are down volumes may re-balance among active links (shares are not "
    "constraints).",
    "A scenario's horizon is the longest TTR among its disrupted nodes (conservative option (a) of the brief).",
    "A disrupted node still ships its inventory unless inventory_destroyed is set.",
)


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome of one scenario."""

    scenario: Scenario
    tts_weeks: float  # math.inf when the network survives indefinitely
    lost_units: float
    lost_profit: float
    lost_profit_net: float  # net of what the undisrupted network loses over the same horizon
    rei: float
    binding: tuple[Binding, ...]

    @property
    def ttr_weeks(self) -> float:
        return self.scenario.ttr_weeks

    @property
    def needs_mitigation(self) -> bool:
        """TTS shorter than TTR (HBR 2015)."""
        return self.tts_weeks < self.scenario.ttr_weeks

    def to_dict(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "disrupted": list(s.sites),
            "kind": s.kind,
            "label": s.label,
            "nodes": list(s.node_labels),
            "crossing": s.label if s.kind == "crossing" else None,
            "ttr_weeks": s.ttr_weeks,
            "ttr_source": s.ttr_source,
            "tts_weeks": None if math.isinf(self.tts_weeks) else self.tts_weeks,
            "survives_indefinitely": math.isinf(self.tts_weeks),
            "lost_units": self.lost_units,
            "lost_profit": self.lost_profit,
            "lost_profit_net_of_baseline": self.lost_profit_net,
            "rei": self.rei,
            "needs_mitigation": self.needs_mitigation,
        }


@dataclass(frozen=True)
class StressResult:
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
            "assumptions": list(self.assumptions),
            "warnings": list(self.warnings),
        }

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
            },
        )

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


Outcome = tuple[float, float, float, float, tuple[Binding, ...]]


def _evaluate_chunk(shared: tuple[Network, bool, bool | None], scenarios: Sequence[Scenario]) -> list[Outcome]:
    """(TTS, lost units, lost profit, baseline lost profit, binding) of each scenario, on a fresh model."""
    network, inventory_destroyed, restrict = shared
    graph = compile_network(network)
    model = ResilienceModel(graph, profit_per_demand_row(graph), restrict=restrict)
    out: list[Outcome] = []
    for scenario in scenarios:
        nodes, cut = scenario.node_array, scenario.edge_array
        survival = model.survive(nodes, cut, inventory_destroyed=inventory_destroyed)
        if survival.tts_weeks >= scenario.ttr_weeks:
            # Demand is met in full for TTS weeks, so over a horizon t <= TTS the TTS plan (rates times t)
            # loses nothing: L(t) = 0 without solving the TTR program (brief §9, loss curve). So is the
            # undisrupted network's loss (its TTS is at least the scenario's).
            out.append((survival.tts_weeks, 0.0, 0.0, 0.0, survival.binding))
            continue
        loss = model.lose(nodes, scenario.ttr_weeks, cut, inventory_destroyed=inventory_destroyed)
        out.append(
            (
                survival.tts_weeks,
                loss.lost_units,
                loss.lost_profit,
                model.baseline_loss(scenario.ttr_weeks),
                survival.binding,
            )
        )
    return out


def build_scenarios(
    graph: NodeGraph,
    *,
    by: Literal["site", "node"] = "site",
    sites: Sequence[str] | None = None,
    country: str | Sequence[str] | None = None,
    crossing: str | Sequence[str] | None = None,
    ttr_weeks: float | None = None,
) -> list[Scenario]:
    """The scenarios asked for: the named ones if any, else the sweep ``by`` site or node."""
    chosen: list[Scenario] = []
    if sites:
        chosen.append(sites_scenario(graph, list(sites)))
    for code in [country] if isinstance(country, str) else list(country or ()):
        chosen.append(country_scenario(graph, code))
    for name in [crossing] if isinstance(crossing, str) else list(crossing or ()):
        chosen.append(crossing_scenario(graph, name))
    if not chosen:
        if by == "site":
            chosen = site_scenarios(graph)
        elif by == "node":
            chosen = node_scenarios(graph)
        else:
            raise InputError(f"--by must be 'site' or 'node', not '{by}'")
    return with_recovery_times(graph, chosen, ttr_weeks)


def stress_test(
    network: Network,
    *,
    by: Literal["site", "node"] = "site",
    sites: Sequence[str] | None = None,
    country: str | Sequence[str] | None = None,
    crossing: str | Sequence[str] | None = None,
    ttr_weeks: float | None = None,
    inventory_destroyed: bool = False,
    progress: Callable[[int], None] | None = None,
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
    sites, country, crossing
        Instead of the sweep, one scenario with these sites down together, one
        with every non-customer site of the country down, one with every flow
        through the border crossing cut (several may be given).
    ttr_weeks
        Time to recover for every scenario; by default the longest TTR among its disrupted nodes.
    inventory_destroyed
        Disrupted nodes lose their inventory too (by default they still ship it).
    progress
        Called with the number of scenarios done as each chunk of them finishes.
    scheduler, workers
        Where the scenarios run: small sweeps in this process; larger ones (scenarios x nodes above
        :data:`PARALLEL_ABOVE`) on a Dask LocalCluster of ``workers`` processes, or on the scheduler at this
        address (``tcp://host:8786``); ``"synchronous"`` forces this process.
    restrict
        Solve each scenario on the part of the network it can affect, certified optimal for the whole network
        (see :class:`~allyshore.resilience.model.ResilienceModel`); by default on networks of
        :data:`~allyshore.resilience.model.RESTRICT_FROM_NODES` nodes or more. The answers do not depend on it.

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
    """
    graph = compile_network(network)
    scenarios = build_scenarios(graph, by=by, sites=sites, country=country, crossing=crossing, ttr_weeks=ttr_weeks)
    profit = profit_per_demand_row(graph)
    model = ResilienceModel(graph, profit)
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
    priced = model.profit[model.demand_nodes]
    basis: Literal["profit", "units"] = "profit" if (priced > 0).any() or not model.demand_nodes.size else "units"
    if basis == "units":
        warnings.append("no demanded good has a profit per unit: REI is computed on lost units")
    baseline_tts = model.survive(model.demand_nodes[:0], explain=False).tts_weeks

    # Evaluate in order of recovery time (the TTR program changes horizon as rarely as possible), in chunks
    # fixed by the scenario list alone, each on a fresh model: the same numbers on one process or many.
    order = sorted(range(len(scenarios)), key=lambda i: (scenarios[i].ttr_weeks, i))
    chunks = [
        [scenarios[i] for i in order[a : a + SCENARIOS_PER_TASK]] for a in range(0, len(order), SCENARIOS_PER_TASK)
    ]
    if scheduler is None and len(scenarios) * graph.n_nodes < PARALLEL_ABOVE:
        scheduler = SYNCHRONOUS
    sizes = [len(c) for c in chunks]
    with executor(scheduler, workers) as run_map:
        outcomes = run_map(
            _evaluate_chunk,
            chunks,
            (network, inventory_destroyed, restrict),
            (lambda i: progress(sizes[i])) if progress is not None else None,
        )
    flat = [o for chunk in outcomes for o in chunk]
    by_index = {i: flat[k] for k, i in enumerate(order)}
    results: list[tuple[Scenario, float, float, float, float, tuple[Binding, ...]]] = []
    for i, scenario in enumerate(scenarios):
        tts, units, lost, base, binding = by_index[i]
        results.append((scenario, tts, units, lost, base, binding if tts < scenario.ttr_weeks else ()))
    measure = [r[3] if basis == "profit" else r[2] for r in results]
    worst = max(measure, default=0.0)
    out = tuple(
        ScenarioResult(
            scenario=s,
            tts_weeks=tts,
            lost_units=units,
            lost_profit=lost,
            lost_profit_net=max(lost - base, 0.0),
            rei=min(max(m / worst, 0.0), 1.0) if worst > 0 else 0.0,
            binding=binding,
        )
        for (s, tts, units, lost, base, binding), m in zip(results, measure, strict=True)
    )
    if not math.isinf(baseline_tts):
        warnings.append(
            f"baseline shortfall: even with nothing disrupted demand is met in full for only {baseline_tts:.2f} weeks"
        )
    return StressResult(
        network=network.name,
        scenarios=out,
        rei_basis=basis,
        baseline_tts_weeks=baseline_tts,
        inventory_destroyed=inventory_destroyed,
        warnings=tuple(warnings),
    )
