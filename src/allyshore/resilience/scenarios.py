"""Disruption scenarios: which nodes stop producing, which edges are cut, and for how long.

Families (brief §8): every non-customer site alone (the classic sweep), every
node alone, one set of sites down together, every site of one country or of a
group of countries (``CN+HK``), every country of one trust tier, every flow
through one border crossing, and every current source of one purchased item (the
line-stopper sweep). A scenario's time to recover is the longest TTR among its
disrupted nodes (the brief's conservative option (a)), or the value the user
gives for all.

Distributors: a supply row whose ``origin_country`` (the maker's country) is
among the countries of a country or tier scenario stops too, wherever its site
is: it can still ship the stock it holds (kept even when the scenario destroys
inventory, since its own site is not hit) but cannot restock. Candidate nodes at
the disrupted sites (or of a disrupted origin) are listed apart: they matter only
when candidates are used, and then they stay down with their site.
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
_MAKE = KIND_CODES.index("make")


@dataclass(frozen=True)
class Scenario:
    """One disruption: ``nodes`` produce nothing and ``cut_edges`` carry nothing for ``ttr_weeks``.

    ``ttr_source`` says where the horizon came from: ``data`` (the longest TTR
    of the disrupted nodes), ``option`` (given by the user) or ``assumed`` (no
    TTR in the data for these nodes: the longest TTR anywhere in the network).
    ``stock_kept``: nodes stopped only because their goods are made in a
    disrupted country (their own stock is never destroyed); ``candidate_nodes``:
    candidate sources that go down with the scenario when candidates are used.
    """

    kind: str  # site | node | sites | country | tier | crossing | item
    label: str
    sites: tuple[str, ...]
    nodes: tuple[int, ...]
    cut_edges: tuple[int, ...] = ()
    ttr_weeks: float = math.nan
    ttr_source: str = "data"
    node_labels: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    stock_kept: tuple[int, ...] = ()
    candidate_nodes: tuple[int, ...] = ()

    @property
    def node_array(self) -> np.ndarray:
        return np.asarray(self.nodes, dtype=np.int64)

    @property
    def edge_array(self) -> np.ndarray:
        return np.asarray(self.cut_edges, dtype=np.int64)

    @property
    def kept_array(self) -> np.ndarray:
        return np.asarray(self.stock_kept, dtype=np.int64)

    @property
    def with_candidates_array(self) -> np.ndarray:
        """The nodes down when candidates are used: ``nodes`` and ``candidate_nodes``."""
        return np.asarray(self.nodes + self.candidate_nodes, dtype=np.int64)


def _customer_sites(graph: NodeGraph) -> np.ndarray:
    kinds = graph.network.sites.get_column("kind").to_numpy()
    return np.asarray(kinds == "customer")


def _scenario(
    graph: NodeGraph,
    kind: str,
    label: str,
    nodes: np.ndarray,
    cut: Sequence[int] = (),
    sites: Iterable[str] = (),
    *,
    countries: Sequence[str] = (),
    stock_kept: np.ndarray | None = None,
    candidates: np.ndarray | None = None,
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
        countries=tuple(countries),
        stock_kept=tuple(int(n) for n in np.sort(stock_kept)) if stock_kept is not None else (),
        candidate_nodes=tuple(int(n) for n in np.sort(candidates)) if candidates is not None else (),
    )


def _candidates(graph: NodeGraph) -> np.ndarray:
    """Candidate supply nodes (inactive nodes with a supply row)."""
    return np.asarray(~graph.node_active & (graph.node_supply_row >= 0))


def origin_countries(graph: NodeGraph) -> np.ndarray:
    """The maker's country of each node: the supply row's ``origin_country``, else '' (alpha-2 codes)."""
    supply = graph.network.supply
    out = np.full(graph.n_nodes, "", dtype=object)
    if "origin_country" not in supply.columns or supply.height == 0:
        return out
    column = supply.get_column("origin_country").cast(pl.String).fill_null("").str.to_uppercase().to_numpy()
    rows = graph.node_supply_row
    real = rows >= 0
    out[real] = column[rows[real]]
    return out


def site_scenarios(graph: NodeGraph) -> list[Scenario]:
    """Every non-customer site with at least one active node, alone."""
    customer = _customer_sites(graph)
    nodes = np.flatnonzero(graph.node_active & (graph.node_kind != _SINK) & ~customer[graph.node_site])
    out: list[Scenario] = []
    if nodes.size == 0:
        return out
    order = np.argsort(graph.node_site[nodes], kind="stable")
    nodes = nodes[order]
    candidates = np.flatnonzero(_candidates(graph))
    sites, starts = np.unique(graph.node_site[nodes], return_index=True)
    for site, group in zip(sites, np.split(nodes, starts[1:]), strict=True):
        site_id = graph.site_ids[int(site)]
        here = candidates[graph.node_site[candidates] == site]
        out.append(_scenario(graph, "site", site_id, group, sites=(site_id,), candidates=here))
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
    at_sites = np.isin(graph.node_site, wanted)
    nodes = np.flatnonzero(at_sites & graph.node_active)
    candidates = np.flatnonzero(at_sites & _candidates(graph))
    return _scenario(graph, "sites", "+".join(site_ids), nodes, sites=tuple(site_ids), candidates=candidates)


def _countries_down(graph: NodeGraph, kind: str, label: str, codes: Sequence[str], what: str) -> Scenario:
    """Every non-customer site in ``codes`` down, and every node whose goods are made there."""
    customer = _customer_sites(graph)
    in_country = np.flatnonzero(np.isin(graph.site_country, list(codes)) & ~customer)
    at_sites = np.isin(graph.node_site, in_country)
    origin = np.isin(origin_countries(graph), list(codes)) & ~customer[graph.node_site] & ~at_sites
    origin &= graph.node_kind != _SINK
    if in_country.size == 0 and not (origin & graph.node_active).any():
        raise NotFoundError(f"no non-customer site of the network is in {what}, and no supply row is made there")
    nodes = np.flatnonzero((at_sites | origin) & graph.node_active)
    candidates = np.flatnonzero((at_sites | origin) & _candidates(graph))
    return _scenario(
        graph,
        kind,
        label,
        nodes,
        sites=tuple(graph.site_ids[int(s)] for s in in_country),
        countries=codes,
        stock_kept=np.flatnonzero(origin & graph.node_active),
        candidates=candidates,
    )


def country_scenario(graph: NodeGraph, country: str) -> Scenario:
    """Every non-customer site of one country, or of several joined by '+' (``CN+HK``), down together.

    Nodes at other sites whose ``origin_country`` is among them stop too (they keep shipping their stock).
    """
    codes: list[str] = []
    for part in country.split("+"):
        code = resolve_country(part.strip())
        if code is None:
            raise NotFoundError(
                f"unknown country '{part.strip()}' (hint: an ISO code such as CN or a name such as China; "
                "join several with '+', as in CN+HK)"
            )
        if code not in codes:
            codes.append(code)
    label = "+".join(codes)
    return _countries_down(graph, "country", label, codes, label)


def network_countries(graph: NodeGraph) -> list[str]:
    """Countries of the non-customer sites and of the makers named in ``origin_country``."""
    customer = _customer_sites(graph)
    sites = {str(c) for c in graph.site_country[~customer] if c}
    origins = {str(c) for c in origin_countries(graph)[~customer[graph.node_site]] if c}
    return sorted(sites | origins)


def tier_scenario(graph: NodeGraph, tier: str, tier_of: dict[str, str]) -> Scenario:
    """Every country of the network in one trust tier down together (``tier_of``: country -> tier)."""
    from allyshore.trust import TIERS

    if tier not in TIERS:
        raise InputError(f"unknown trust tier '{tier}' (hint: one of {', '.join(TIERS)})")
    codes = [c for c in network_countries(graph) if tier_of.get(c, "non_aligned") == tier]
    if not codes:
        raise NotFoundError(f"no non-customer site or maker of the network is in a country of tier {tier}")
    return _countries_down(graph, "tier", f"tier {tier} ({'+'.join(codes)})", codes, f"tier {tier}")


def item_scenarios(graph: NodeGraph) -> list[Scenario]:
    """The line-stopper sweep: for each purchased item, every current source of it down together.

    A purchased item is one that no node makes at a plant and no demand row sells (in-house sub-assemblies and
    finished goods are left out); its sources are the active nodes that make or mine it (raw and make nodes at
    non-customer sites). Stocking points (warehouses, a plant's own stock of the part) keep shipping what they
    hold, as does every source; candidate sources of the item are not disrupted.
    """
    network = graph.network
    customer = _customer_sites(graph)
    plant = np.asarray(network.sites.get_column("kind").to_numpy() == "plant")
    kind = graph.node_kind
    n_items = len(graph.item_ids)
    in_house = np.zeros(n_items, dtype=bool)
    in_house[graph.node_item[graph.node_active & (kind == _MAKE) & plant[graph.node_site]]] = True
    demanded = np.zeros(n_items, dtype=bool)
    item_index = {item: i for i, item in enumerate(graph.item_ids)}
    for item in network.demand.get_column("item_id").unique().to_list():
        if item in item_index:
            demanded[item_index[item]] = True
    sources = np.flatnonzero(
        graph.node_active & ((kind == _MAKE) | (kind == KIND_CODES.index("raw"))) & ~customer[graph.node_site]
    )
    sources = sources[~(in_house | demanded)[graph.node_item[sources]]]
    out: list[Scenario] = []
    if sources.size == 0:
        return out
    order = np.argsort(graph.node_item[sources], kind="stable")
    sources = sources[order]
    items, starts = np.unique(graph.node_item[sources], return_index=True)
    for item, group in zip(items, np.split(sources, starts[1:]), strict=True):
        out.append(_scenario(graph, "item", graph.item_ids[int(item)], group))
    return out


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
