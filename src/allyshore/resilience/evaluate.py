"""Solving a chunk of stress-test scenarios: TTS, lost profit, with and without candidate sources.

A chunk runs on a fresh model in this process or on a Dask worker
(:mod:`allyshore.resilience.parallel`), so the numbers do not depend on where it
runs. Each scenario gets its TTS (:meth:`ResilienceModel.survive`), its loss over
its time to recover when TTS is shorter (:meth:`ResilienceModel.lose`), for a
line-stopper scenario the finished goods that lose demand once every stock has
run out (the steady-state loss), and, when candidate sources are used, the same
numbers from :class:`~allyshore.resilience.phased.PhasedModel`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from allyshore.model.graph import NodeGraph, compile_network
from allyshore.model.network import Network
from allyshore.resilience.candidates import CandidatePlan, CandidateTerms, candidate_plan
from allyshore.resilience.linear_programs import Binding, ResilienceModel
from allyshore.resilience.phased import PhasedModel
from allyshore.resilience.scenarios import Scenario, profit_per_demand_row
from allyshore.resilience.transit import InTransit, in_transit, no_transit


@dataclass(frozen=True)
class Options:
    """What every chunk of one stress test shares (sent once to each worker)."""

    network: Network
    inventory_destroyed: bool = False
    restrict: bool | None = None
    stock_in_transit: bool = True
    candidates: CandidateTerms | None = None  # None: candidate sources are not used


@dataclass(frozen=True)
class Outcome:
    """The numbers of one scenario."""

    tts_weeks: float
    lost_units: float
    lost_profit: float
    baseline_lost_profit: float
    binding: tuple[Binding, ...]
    stopped_demand_nodes: tuple[int, ...] = ()  # line stoppers: demand nodes short in the steady state
    steady_lost_units_per_week: float = 0.0
    tts_with_candidates: float | None = None
    lost_units_with_candidates: float | None = None
    lost_profit_with_candidates: float | None = None


def transit_of(graph: NodeGraph, stock_in_transit: bool) -> InTransit:
    return in_transit(graph) if stock_in_transit else no_transit(graph)


def plan_of(graph: NodeGraph, terms: CandidateTerms | None) -> CandidatePlan | None:
    return candidate_plan(graph, terms) if terms is not None else None


def evaluate_chunk(options: Options, scenarios: Sequence[Scenario]) -> list[Outcome]:
    """The outcome of each scenario, on a fresh model."""
    graph = compile_network(options.network)
    profit = profit_per_demand_row(graph)
    transit = transit_of(graph, options.stock_in_transit)
    model = ResilienceModel(graph, profit, restrict=options.restrict, transit=transit)
    plan = plan_of(graph, options.candidates)
    phased: PhasedModel | None = None
    destroyed = options.inventory_destroyed
    out: list[Outcome] = []
    for scenario in scenarios:
        nodes, cut, kept = scenario.node_array, scenario.edge_array, scenario.kept_array
        ttr = scenario.ttr_weeks
        survival = model.survive(nodes, cut, inventory_destroyed=destroyed, stock_kept=kept)
        tts = survival.tts_weeks
        if tts >= ttr:
            # Demand is met in full for TTS weeks, so over a horizon t <= TTS the TTS plan (rates times t)
            # loses nothing: L(t) = 0 without solving the TTR program (brief §9, loss curve). So is the
            # undisrupted network's loss (its TTS is at least the scenario's).
            units, lost, base = 0.0, 0.0, 0.0
        else:
            loss = model.lose(nodes, ttr, cut, inventory_destroyed=destroyed, stock_kept=kept)
            units, lost, base = loss.lost_units, loss.lost_profit, model.baseline_loss(ttr)
        with_c: tuple[float | None, float | None, float | None] = (None, None, None)
        if plan is not None:
            first = plan.first_start
            down = scenario.with_candidates_array
            if math.isinf(tts) or tts < first:
                # Before the first candidate comes on the phased program is this one: the same TTS.
                tts_c = tts
            else:
                phased = phased or PhasedModel(graph, profit, plan, transit)
                tts_c = phased.survive(down, cut, inventory_destroyed=destroyed, stock_kept=kept)
            if tts_c >= ttr:
                with_c = (tts_c, 0.0, 0.0)
            elif ttr <= first:
                with_c = (tts_c, units, lost)
            else:
                phased = phased or PhasedModel(graph, profit, plan, transit)
                loss_c = phased.lose(down, ttr, cut, inventory_destroyed=destroyed, stock_kept=kept)
                with_c = (tts_c, loss_c.lost_units, loss_c.lost_profit)
        out.append(
            Outcome(
                tts_weeks=tts,
                lost_units=units,
                lost_profit=lost,
                baseline_lost_profit=base,
                binding=survival.binding,
                tts_with_candidates=with_c[0],
                lost_units_with_candidates=with_c[1],
                lost_profit_with_candidates=with_c[2],
            )
        )
    # Line stoppers: the goods short once every stock has run out, beyond what the undisrupted network already
    # misses (the steady-state program, one baseline for the whole chunk).
    items = [k for k, sc in enumerate(scenarios) if sc.kind == "item" and not math.isinf(out[k].tts_weeks)]
    if items:
        before = model.lose(np.zeros(0, dtype=np.int64), 1.0, steady=True).lost_by_node
        margin = before + 1e-7 * np.maximum(1.0, model.demand[model.demand_nodes])
        for k in items:
            steady = model.lose(scenarios[k].node_array, 1.0, scenarios[k].edge_array, steady=True)
            short = model.demand_nodes[steady.lost_by_node > margin]
            out[k] = replace(
                out[k],
                stopped_demand_nodes=tuple(int(j) for j in short),
                steady_lost_units_per_week=steady.lost_units,
            )
    return out


def unavailable_stock(
    graph: NodeGraph, transit: InTransit, scenario: Scenario, inventory_destroyed: bool
) -> tuple[float, float]:
    """(units on hand destroyed, units in transit held) by a scenario.

    On-hand stock is destroyed at the disrupted nodes when ``inventory_destroyed`` (never at nodes stopped only
    because their goods are made in a disrupted country); stock in transit is held on the lanes through a cut
    crossing.
    """
    on_hand = 0.0
    if inventory_destroyed and scenario.nodes:
        nodes = np.setdiff1d(scenario.node_array, scenario.kept_array)
        stock = np.nan_to_num(graph.node_inventory[nodes], nan=0.0)
        on_hand = float(stock[graph.node_active[nodes]].sum())
    held = float(transit.units[scenario.edge_array].sum()) if scenario.cut_edges else 0.0
    return on_hand, held
