"""Scenario solves restricted to the affected part of the network equal the full TTS/TTR programs.

:mod:`allyshore.resilience.restrict` solves each scenario on a region of the
network and accepts the answer only with a duality certificate for the whole
program. These tests run the same scenarios both ways (``restrict=True`` and
``restrict=False``) on the hand-built goldens of ``test_resilience``, the shipped
samples and generated networks, with shared site capacities that bind, cut
crossings and destroyed stock, and check that the restricted path was taken.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import allyshore
from allyshore.model import Network
from allyshore.model.graph import KIND_CODES, compile_network
from allyshore.resilience import ResilienceModel, stress_test
from allyshore.resilience.linear_programs import RESTRICT_FROM_NODES
from allyshore.resilience.scenarios import node_scenarios, profit_per_demand_row, site_scenarios, with_recovery_times
from allyshore.resilience.transit import in_transit
from test_resilience import chain, multi_tier, pass_through, shared_capacity, single_tier

REL = 1e-6


def close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= REL * max(1.0, abs(a), abs(b))


def both_ways(network: Network, *, by: str = "site", destroyed: bool = False, transit: bool = True) -> tuple[int, int]:
    """Solve every scenario restricted and in full; assert equal TTS, lost units and lost profit.

    With ``transit``, stock in transit is counted (its columns and rows in both programs). Returns the restricted
    model's solve counts (restricted, full).
    """
    graph = compile_network(network)
    profit = profit_per_demand_row(graph)
    scenarios = with_recovery_times(graph, (site_scenarios if by == "site" else node_scenarios)(graph), None)
    pipes = in_transit(graph) if transit else None
    full = ResilienceModel(graph, profit, restrict=False, transit=pipes)
    fast = ResilienceModel(graph, profit, restrict=True, transit=pipes)
    for s in sorted(scenarios, key=lambda s: s.ttr_weeks):
        nodes, cut = s.node_array, s.edge_array
        a = full.survive(nodes, cut, inventory_destroyed=destroyed)
        b = fast.survive(nodes, cut, inventory_destroyed=destroyed)
        assert close(a.tts_weeks, b.tts_weeks), (s.label, a.tts_weeks, b.tts_weeks)
        for weeks in (s.ttr_weeks, 2.5 * s.ttr_weeks + 1.0):
            la = full.lose(nodes, weeks, cut, inventory_destroyed=destroyed)
            lb = fast.lose(nodes, weeks, cut, inventory_destroyed=destroyed)
            assert close(la.lost_units, lb.lost_units), (s.label, weeks, la.lost_units, lb.lost_units)
            assert close(la.lost_profit, lb.lost_profit), (s.label, weeks, la.lost_profit, lb.lost_profit)
    assert full.solves["restricted"] == 0
    return fast.solves["restricted"], fast.solves["full"]


def same_results(network: Network, **options: Any) -> None:
    """stress_test restricted and in full: every scenario's numbers equal."""
    a = stress_test(network, restrict=False, **options)
    b = stress_test(network, restrict=True, **options)
    assert [s.scenario.label for s in a.scenarios] == [s.scenario.label for s in b.scenarios]
    for x, y in zip(a.scenarios, b.scenarios, strict=True):
        for field in ("tts_weeks", "lost_units", "lost_profit", "lost_profit_net", "rei"):
            assert close(getattr(x, field), getattr(y, field)), (x.scenario.label, field)
        assert x.needs_mitigation == y.needs_mitigation


@pytest.mark.parametrize("build", [single_tier, multi_tier, pass_through, shared_capacity])
def test_goldens_restricted_equal_full(build: Any) -> None:
    restricted, _ = both_ways(build())
    assert restricted > 0
    same_results(build())


def test_shared_site_capacity_grows_the_region() -> None:
    """P down: the region starts at P and customer C; Q's spare G needs Q's shared capacity, which H also uses.

    The certificate fails until Q's nodes (and H's customer D) join the region, then holds: TTS 2, lost 3 USD
    over TTR 3 (the golden of test_resilience).
    """
    graph = compile_network(shared_capacity())
    model = ResilienceModel(graph, profit_per_demand_row(graph), restrict=True)
    p = next(s for s in site_scenarios(graph) if s.label == "P")
    tts = model.survive(p.node_array)
    loss = model.lose(p.node_array, 3.0)
    assert tts.tts_weeks == pytest.approx(2.0)
    assert loss.lost_profit == pytest.approx(3.0)
    assert model.solves == {"restricted": 2, "full": 0}
    assert any(b.kind == "capacity" and b.site == "Q" for b in tts.binding)


def test_crossings_and_destroyed_stock_restricted(tiny_document: dict[str, Any]) -> None:
    network = Network.from_dict(tiny_document, name="tiny")
    both_ways(network, destroyed=True)
    both_ways(network, destroyed=True, transit=False)
    same_results(network, crossing="laredo")
    same_results(network, sites=["S1"], inventory_destroyed=True)
    # S1 down, its 20 K destroyed: PL's 30 G, the 80 x 32/7 K in transit to PL (= 182.86 G) and the 40 x 3/7 G
    # in transit to C: 30 + 182.86 + 17.14 = 230 G at 40 a week -> TTS 5.75 >= TTR 4, nothing lost.
    gone = stress_test(network, sites=["S1"], inventory_destroyed=True, restrict=True).scenarios[0]
    assert gone.tts_weeks == pytest.approx(5.75)
    assert gone.lost_profit == pytest.approx(0.0)
    # Without stock in transit: 30 G -> TTS 0.75, 130 G lost over 4 weeks = 5,200 USD.
    bare = stress_test(network, sites=["S1"], inventory_destroyed=True, restrict=True, stock_in_transit=False)
    assert bare.scenarios[0].tts_weeks == pytest.approx(0.75)
    assert bare.scenarios[0].lost_profit == pytest.approx(5200.0)


@pytest.mark.parametrize("name", ["infusion-pump", "ev-battery-pack", "nitrile-gloves"])
def test_samples_restricted_equal_full(name: str) -> None:
    network = allyshore.load_sample(name)
    restricted, _ = both_ways(network)
    assert restricted > 0
    both_ways(network, by="node", destroyed=True)


def capped(network: Network, factor: float) -> Network:
    """Give every producing site a shared capacity of ``factor`` x its output in an undisrupted optimum.

    With ``factor`` a little above 1 the undisrupted network still sustains demand (TTS infinite), and
    disruptions push alternates into their site's shared limit.
    """
    graph = compile_network(network)
    model = ResilienceModel(graph, profit_per_demand_row(graph), restrict=False)
    model.survive(np.zeros(0, dtype=np.int64), explain=False)
    assert model._tts_solution is not None
    rate = model._tts_solution.x[: graph.n_nodes] * (graph.node_kind != KIND_CODES.index("sink"))
    per_site = np.bincount(graph.node_site, weights=rate, minlength=len(graph.site_ids))
    limit = dict(zip(graph.site_ids, (per_site * factor).tolist(), strict=True))
    sites = network.sites.with_columns(
        pl.when(pl.col("kind") != "customer")
        .then(pl.col("site_id").replace_strict(limit, default=None, return_dtype=pl.Float64))
        .otherwise(pl.col("capacity_per_week"))
        .cast(network.sites.schema["capacity_per_week"])
        .alias("capacity_per_week")
    )
    return Network.from_dict({**network.to_dict(), "sites": sites.to_dicts()}, name=f"{network.name}-capped")


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_restricted_equal_full(seed: int) -> None:
    network = allyshore.generate_network(items=60, tiers=4, seed=seed)
    restricted, _ = both_ways(network)
    assert restricted > 0
    same_results(network)


@pytest.mark.parametrize("factor", [1.02, 1.3])
def test_generated_with_binding_site_capacity(factor: float) -> None:
    """Shared site capacities just above undisrupted output couple the goods made at one site; still equal."""
    network = capped(allyshore.generate_network(items=60, tiers=4, seed=3), factor)
    result = stress_test(network, restrict=False)
    assert math.isinf(result.baseline_tts_weeks)
    assert any(b.kind == "capacity" and "/" not in b.node for s in result.scenarios for b in s.binding)
    restricted, _ = both_ways(network)
    assert restricted > 0
    both_ways(network, by="node", destroyed=True)


def test_default_restricts_only_large_networks() -> None:
    small = compile_network(allyshore.generate_network(items=40, tiers=4, seed=1))
    assert small.n_nodes < RESTRICT_FROM_NODES
    assert not ResilienceModel(small, profit_per_demand_row(small)).restrict


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    inv=st.lists(st.floats(0, 200, allow_nan=False), min_size=4, max_size=4),
    cap=st.lists(st.floats(1, 300, allow_nan=False), min_size=4, max_size=4),
    demand=st.floats(1, 80),
)
def test_random_chains_restricted_equal_full(inv: list[float], cap: list[float], demand: float) -> None:
    network = chain(inv, cap, demand, 3.0)
    both_ways(network)
    both_ways(network, by="node", destroyed=True)


def test_region_is_downstream_closure() -> None:
    import scipy.sparse as sp

    from allyshore.resilience.restrict import downstream

    # 0 -> 1 -> 2, 3 -> 2, 4 alone.
    adjacency = sp.csr_matrix((np.ones(3), ([0, 1, 3], [1, 2, 2])), shape=(5, 5))
    assert downstream(adjacency, np.array([0])).tolist() == [True, True, True, False, False]
    assert downstream(adjacency, np.array([3, 4])).tolist() == [False, False, True, True, True]
