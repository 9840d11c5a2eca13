"""Disruption scenarios: which nodes stop producing, which edges are cut, and for how long.

Families (brief §8): every non-customer site alone (the classic sweep), every
node alone, one set of sites down together, every site of one country, every
flow through one border crossing. A scenario's time to recover is the longest
TTR among its disrupted nodes (the brief's conservative option (a)), or the
value the user gives for all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from allyshore.countries import resolve_country
from allyshore.errors import InputError, NotFoundError
from allyshore.model.graph import KIND_CODES, NodeGraph

_SINK = KIND_CODES.index("sink")


@dataclass(frozen=True)
class Scenario:
    """One disruption: ``nodes`` produce nothing and ``cut_edges`` carry nothing for ``ttr_weeks``.

    ``ttr_source`` says where the horizon came from: ``data`` (the longest TTR
    of the disrupted nodes), ``option`` (given by the user) or ``assumed`` (no
    TTR in the data for these nodes: the longest TTR anywhere in the network).
    """

    kind: str  # site | node | sites | country | crossing
    label: str
    sites: tuple[str, ...]
    nodes: tuple[int, ...]
    cut_edges: tuple[int, ...] = ()
    ttr_weeks: float = math.nan
    ttr_source: str = "data"
    node_labels: tuple[str, ...] = ()

    @property
    def node_array(self) -> np.ndarray:
        return np.asarray(self.nodes, dtype=np.int64)

    @property
    def edge_array(self) -> np.ndarray:
        return np.asarray(self.cut_edges, dtype=np.int64)


def _customer_sites(graph: NodeGraph) -> np.ndarray:
    kinds = graph.network.sites.get_column("kind").to_numpy()
    return np.asarray(kinds == "customer")


def _scenario(
    graph: NodeGraph, kind: str, label: str, nodes: np.ndarray, cut: Sequence[int] = (), sites: Iterable[str] = ()
) -> Scenario:
    nodes = np.sort(np.asarray(nodes, dtype=np.int64))
    site_list = tuple(sites) or tuple(dict.fromkeys(graph.site_ids[s] for s in graph.node_site[nodes]))
    return Scenario(
        kind=kind,
        label=label,
        sites=site_list,
        nodes=tuple(int(n) for n in nodes),
        cut_edges=tuple(int(e) for e in cut),
        node_labels=tuple(graph.node_label(int(n)) for n in nodes),
    )


def site_scenarios(graph: NodeGraph) -> list[Scenario]:
    """Every non-customer site with at least one active node, alone."""
    customer = _customer_sites(graph)
    nodes = np.flatnonzero(graph.node_active & (graph.node_kind != _SINK) & ~customer[graph.node_site])
    out: list[Scenario] = []
    if nodes.size == 0:
        return out
    order = np.argsort(graph.node_site[nodes], kind="stable")
    nodes = nodes[order]
    sites, starts = np.unique(graph.node_site[nodes], return_index=True)
    for site, group in zip(sites, np.split(nodes, starts[1:]), strict=True):
        site_id = graph.site_ids[int(site)]
        out.append(_scenario(graph, "site", site_id, group, sites=(site_id,)))
    return out


def node_scenarios(graph: NodeGraph) -> list[Scenario]:
    """Every active node of a non-customer site, alone."""
    customer = _customer_sites(graph)
    nodes = np.flatnonzero(graph.node_active & (graph.node_kind != _SINK) & ~customer[graph.node_site])
    return [_scenario(graph, "node", graph.node_label(int(n)), np.array([n])) for n in nodes]


def sites_scenario(graph: NodeGraph, site_ids: Sequence[str]) -> Scenario:
    """The given sites down together (all their nodes)."""
    index = {s: i for i, s in enumerate(graph.site_ids)}
    unknown = [s for s in site_ids if s not in index]
    if unknown:
        raise NotFoundError(f"unknown site id(s): {', '.join(unknown)} (hint: use the site_id column of sites)")
    wanted = np.array([index[s] for s in site_ids], dtype=np.int64)
    nodes = np.flatnonzero(np.isin(graph.node_site, wanted) & graph.node_active)
    return _scenario(graph, "sites", "+".join(site_ids), nodes, sites=tuple(site_ids))


def country_scenario(graph: NodeGraph, country: str) -> Scenario:
    """Every non-customer site of one country down together (a country-wide shock)."""
    code = resolve_country(country)
    if code is None:
        raise NotFoundError(f"unknown country '{country}' (hint: an ISO code such as CN or a name such as China)")
    customer = _customer_sites(graph)
    in_country = np.flatnonzero((graph.site_country == code) & ~customer)
    if in_country.size == 0:
        raise NotFoundError(f"no non-customer site of the network is in {code}")
    nodes = np.flatnonzero(np.isin(graph.node_site, in_country) & graph.node_active)
    return _scenario(graph, "country", code, nodes, sites=tuple(graph.site_ids[int(s)] for s in in_country))


def crossing_scenario(graph: NodeGraph, crossing: str) -> Scenario:
    """Every flow through one border crossing cut (matched without regard to case)."""
    flows = graph.network.flows
    names = flows.get_column("crossing").fill_null("").str.strip_chars().str.to_lowercase().to_numpy()
    hit = np.flatnonzero(names == crossing.strip().lower())
    if hit.size == 0:
        known = sorted({c for c in flows.get_column("crossing").drop_nulls().to_list() if c})
        raise NotFoundError(
            f"no flow crosses at '{crossing}'" + (f" (crossings in the network: {', '.join(known)})" if known else "")
        )
    edges = np.flatnonzero(np.isin(graph.edge_flow, hit))
    return _scenario(graph, "crossing", crossing, np.zeros(0, dtype=np.int64), cut=edges.tolist(), sites=())


def with_recovery_times(graph: NodeGraph, scenarios: Sequence[Scenario], ttr_weeks: float | None) -> list[Scenario]:
    """Give each scenario its horizon: ``ttr_weeks`` for all, else the longest TTR of its nodes.

    A scenario none of whose nodes has a TTR in the data (a border crossing has
    none) takes the longest TTR anywhere in the network, marked ``assumed``.

    Raises
    ------
    InputError
        When a scenario needs an assumed TTR and the network gives none.
    """
    from dataclasses import replace

    if ttr_weeks is not None:
        if not math.isfinite(ttr_weeks) or ttr_weeks < 0:
            raise InputError("--ttr-weeks must be a number of weeks >= 0")
        return [replace(s, ttr_weeks=float(ttr_weeks), ttr_source="option") for s in scenarios]
    ttr = graph.node_ttr_weeks
    known = ttr[graph.node_active & ~np.isnan(ttr)]
    fallback = float(known.max()) if known.size else math.nan
    out: list[Scenario] = []
    for s in scenarios:
        values = ttr[s.node_array] if s.nodes else np.zeros(0)
        values = values[~np.isnan(values)]
        if values.size:
            out.append(replace(s, ttr_weeks=float(values.max()), ttr_source="data"))
        elif math.isnan(fallback):
            raise InputError(
                f"scenario '{s.label}': no time to recover in the data (hint: fill ttr_weeks in sites or supply, "
                "or give --ttr-weeks)"
            )
        else:
            out.append(replace(s, ttr_weeks=fallback, ttr_source="assumed"))
    return out


def profit_per_demand_row(graph: NodeGraph) -> np.ndarray:
    """``f_j`` per demand row: the demand's own profit_per_unit, else the item's (nan when neither)."""
    network = graph.network
    item_profit = dict(
        zip(
            network.items.get_column("item_id").to_list(),
            network.items.get_column("profit_per_unit").to_list(),
            strict=True,
        )
    )
    demand = network.demand.select(
        pl.col("item_id"), pl.col("profit_per_unit").cast(pl.Float64).alias("own")
    ).with_columns(pl.col("item_id").replace_strict(item_profit, default=None, return_dtype=pl.Float64).alias("item"))
    profit = demand.select(pl.coalesce("own", "item")).to_series().fill_null(np.nan).to_numpy()
    return np.asarray(profit, dtype=np.float64)
