"""Multi-tier exposure map: where the value of each finished good originates.

For every finished good (an item with demand) the bill of materials and the
sourcing shares are rolled down through every tier to the raw sources, on the
compiled node graph (:func:`allyshore.model.graph.compile_network`), level by
level with sparse matrices; no per-object recursion.

Decomposition
-------------
Let ``A[n, s]`` be the units of node ``s`` consumed per unit of node ``n`` (BOM
quantity times sourcing share, active edges only) and ``p_n`` the price of a
unit at node ``n`` (the supply row's ``unit_price``, else the item's
``unit_cost``). The value added at node ``n`` is::

    VA_n = max(p_n - sum_s A[n, s] * p_s, 0)

A negative margin is clipped to 0 and reported as a data-quality finding, as is
a missing price. A node without a price adds no value of its own and passes its
inputs' cost on (``p_n := sum_s A[n, s] p_s``); so does a stocking point
(warehouse) or a customer's receiving node without its own ``unit_price``.

With ``m_g`` the units of every node needed per unit of good ``g`` (the
multipliers ``M = sum_k (A^T)^k E``, demand nodes weighted by their units per
week), the contribution of node ``n`` is ``m_gn * VA_n`` and

* ``unit_value`` = ``sum_n m_gn VA_n`` (USD per unit; equals the good's price
  when no margin was clipped, because the sum telescopes);
* ``by_country[c]`` = contributions of nodes whose value is made in ``c`` / unit
  value (ISO alpha-2 keys, fractions summing to 1): the node's site country, or,
  for a raw source whose supply row names the maker's ``origin_country`` (a part
  bought from a distributor or stockist), that country
  (:attr:`NodeGraph.maker_country_codes`); ``by_tier`` likewise by the trust
  tier of the country (:func:`allyshore.trust.assess_countries`);
* ``by_crossing[X]`` = ``1 - v_X / v``, where ``v_X`` is the unit value rolled up
  with every edge travelling through border crossing ``X`` removed: the share of
  the good's value whose path crosses ``X`` at least once;
* ``hhi`` = ``sum_c by_country[c]^2`` (Herfindahl-Hirschman index, 0..1);
* ``single_source_items``: purchased items whose every unit in the good comes
  from one origin node (a node that makes or mines the item, looking through
  stocking points). Purchased means neither a finished good (an item with
  demand) nor an in-house sub-assembly (an item made from its BOM at a site of
  kind ``plant``); an item made at a supplier's site counts as purchased.
  ``untrusted_only_items``: items whose every origin's value is made in an
  ``adversary`` or ``non_aligned`` country (any item);
* ``tier_depth``: :attr:`NodeGraph.depth` of the good's demand node (number of
  nodes on the longest active chain down to a raw source, receiving node and
  stocking points included);
* per-week figures multiply by the good's demand in units per week.

Choke points are the sites (customer receiving nodes excluded) that feed at
least one finished good, ranked by ``max(goods fed / goods, share of all weekly
demanded value added at the site)``, then by value share, goods fed and id; each
also counts the (good, item) pairs for which the site is the only origin (the
goods and sub-assemblies a plant makes included). A choke point is a physical
site: its country is the site's, also for a distributor of foreign-made parts.

Computation
-----------
Everything is computed by the roll-up kernel (:mod:`allyshore.model.rollup`), on the
edges grouped by depth (:func:`~allyshore.model.rollup.calc_levels`): ``M`` top-down,
seeded with the goods' demand mixes (:func:`~allyshore.model.rollup.calc_requirement_matrix`,
one sparse row per good). The crossings use the adjoint, bottom-up form ``u = VA + A_X u``
(:func:`~allyshore.model.rollup.calc_embodied`) once, then per crossing only the nodes with
an edge through it somewhere below them are recomputed
(:func:`~allyshore.model.rollup.calc_embodied_without`): ``v_X`` of a good is its demand mix
of ``u`` at the demand nodes.
Origins per (good, item) are the entries of ``M`` at origin nodes, grouped by
item with one sort of each good's entries (how many, how many untrusted, which).

Example
-------
>>> import allyshore
>>> network = allyshore.Network.from_dict({
...     "sites": [{"site_id": "P", "country": "MX", "kind": "plant"},
...               {"site_id": "S", "country": "CA", "kind": "supplier"}],
...     "items": [{"item_id": "G"}, {"item_id": "K"}],
...     "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
...     "supply": [{"site_id": "P", "item_id": "G", "unit_price": 10},
...                {"site_id": "S", "item_id": "K", "unit_price": 3}],
...     "flows": [{"from_site": "S", "to_site": "P", "item_id": "K", "crossing": "Detroit"}],
...     "demand": [{"site_id": "P", "item_id": "G", "units_per_week": 5}],
... })
>>> good = exposure(network).goods[0]
>>> good.unit_value, good.by_country, good.by_crossing
(10.0, {'CA': 0.6, 'MX': 0.4}, {'Detroit': 0.6})
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import scipy.sparse as sp

from allyshore.exposure.chokepoints import choke_points, ranks
from allyshore.exposure.findings import REL_TOL, findings
from allyshore.exposure.results import ExposureResult, GoodExposure
from allyshore.model.graph import KIND_CODES, BoolArray, FloatArray, IntArray, NodeGraph, compile_network
from allyshore.model.network import Network
from allyshore.model.rollup import (
    Levels,
    calc_embodied,
    calc_embodied_without,
    calc_levels,
    calc_requirement_matrix,
    calc_value_added,
)
from allyshore.trust.results import UNTRUSTED_TIERS

if TYPE_CHECKING:
    from allyshore.trust.policy import PolicySource

__all__ = ["exposure", "exposure_of_graph"]


def _tier_lookup(countries: list[str], policy: PolicySource) -> dict[str, str]:
    """Trust tier of each country under ``policy`` (a policy, a TOML path, or None for the default)."""
    from allyshore.trust import assess_countries, resolve_policy

    assessment = assess_countries(resolve_policy(policy))
    return {code: assessment.tier_of(code) for code in countries}


def _good_weights(graph: NodeGraph) -> tuple[IntArray, IntArray, sp.csr_matrix, FloatArray]:
    """Finished goods (item numbers), root nodes, weights W (roots x goods) and units per week per good.

    A good's demand nodes are weighted by their units per week (equally when all are 0).
    """
    node = graph.demand_node
    units = graph.demand_units
    valid = node >= 0
    node, units = node[valid], units[valid]
    goods, good_of_row = np.unique(graph.node_item[node], return_inverse=True)
    roots, root_of_row = np.unique(node, return_inverse=True)
    total = np.bincount(good_of_row, weights=units, minlength=goods.shape[0]).astype(np.float64)
    count = np.bincount(good_of_row, minlength=goods.shape[0])
    safe_total = np.where(total > 0, total, 1.0)
    weight = np.where(total[good_of_row] > 0, units / safe_total[good_of_row], 1.0 / count[good_of_row])
    w = sp.csr_matrix((weight, (root_of_row, good_of_row)), shape=(roots.shape[0], goods.shape[0]))
    return goods.astype(np.int64), roots.astype(np.int64), w, total


def _pattern(matrix: sp.csr_matrix) -> sp.csr_matrix:
    out = matrix.copy()
    out.data = np.ones_like(out.data)
    return out


def _entry_crossings(graph: NodeGraph, levels: Levels) -> tuple[list[str], IntArray]:
    """Names of the crossings active entries travel through (sorted) and each entry's crossing number (-1: none)."""
    crossing = graph.network.flows.get_column("crossing").cast(pl.String)  # stripped, blanks null (io.readers)
    present = np.flatnonzero(crossing.is_not_null().to_numpy())  # most flows cross no border: coded alone
    given = crossing.gather(present)
    distinct = given.unique().sort()
    categories = distinct.to_list()
    codes = np.full(crossing.len() + 1, -1, dtype=np.int64)  # the last for the flow -1 (an internal edge)
    codes[present] = given.cast(pl.Enum(distinct)).to_physical().cast(pl.Int64).to_numpy()
    entry_code = codes[graph.edge_flow[levels.edge]]
    used = np.flatnonzero(np.bincount(entry_code + 1, minlength=len(categories) + 1)[1:])
    renumber = np.full(len(categories) + 1, -1, dtype=np.int64)  # the last slot maps "no crossing" (-1) to -1
    renumber[used] = np.arange(used.shape[0])
    return [categories[c] for c in used.tolist()], renumber[entry_code]


def _crossing_shares(
    graph: NodeGraph, levels: Levels, value_added: FloatArray, roots: IntArray, weights: sp.csr_matrix
) -> tuple[list[str], FloatArray]:
    """The crossings the goods' edges travel through and, per good, the share of its value that crosses each
    (goods x crossings): ``1 - v_X / v`` with ``u_X = VA + A_X u_X`` rolled up bottom-up without the crossing."""
    crossing_names, entry_crossing = _entry_crossings(graph, levels)
    full = calc_embodied(levels, value_added)
    base_good = np.asarray(weights.T @ full[roots], dtype=np.float64)
    crossing_share = np.zeros((int(weights.shape[1]), len(crossing_names)))
    for k in range(len(crossing_names)):
        masked = weights.T @ calc_embodied_without(levels, value_added, full, entry_crossing == k)[roots]
        with np.errstate(invalid="ignore", divide="ignore"):
            crossing_share[:, k] = np.where(base_good > 0, 1.0 - masked / base_good, 0.0)
    return crossing_names, np.clip(crossing_share, 0.0, 1.0)


def _ranked_shares(share: FloatArray, names: list[str], threshold: float) -> tuple[IntArray, list[str], list[float]]:
    """The entries of ``share`` (rows x names) above ``threshold``, each row largest first (ties in column order).

    Returns the row bounds into the flat lists, the names and the shares.
    """
    order = np.argsort(-share, axis=1, kind="stable")
    ranked = np.take_along_axis(share, order, axis=1)
    above = ranked > threshold  # a prefix of each row
    bounds = np.zeros(share.shape[0] + 1, dtype=np.int64)
    np.cumsum(above.sum(axis=1), out=bounds[1:])
    return bounds, np.asarray(names, dtype=object)[order[above]].tolist(), ranked[above].tolist()


def _names_by_row(row: IntArray, names: list[str], n_rows: int) -> list[tuple[str, ...]]:
    """``names`` (already in order within each row, rows ascending) split into one tuple per row."""
    bounds = np.searchsorted(row, np.arange(n_rows + 1)).tolist()
    return [tuple(names[bounds[r] : bounds[r + 1]]) for r in range(n_rows)]


def exposure(network: Network, *, policy: PolicySource = None, max_choke_points: int | None = 25) -> ExposureResult:
    """Exposure map of every finished good of ``network`` (see the module docstring).

    Parameters
    ----------
    network
        A validated network.
    policy
        Trust policy for the tiers: ``None`` (the default US policy), a
        :class:`~allyshore.trust.TrustPolicy` or the path of a TOML policy file.
    max_choke_points
        How many ranked choke-point sites to keep (``None``: every site that feeds a good).

    Returns
    -------
    ExposureResult
        One :class:`GoodExposure` per demanded item (sorted by item id), the ranked
        :class:`ChokePoint` sites and the data-quality findings (missing prices,
        negative margins, goods without value).
    """
    graph = compile_network(network)
    return exposure_of_graph(graph, policy=policy, max_choke_points=max_choke_points)


def exposure_of_graph(
    graph: NodeGraph, *, policy: PolicySource = None, max_choke_points: int | None = 25
) -> ExposureResult:
    """:func:`exposure` on an already compiled node graph."""
    with _gc_paused():  # tens of thousands of result dicts and tuples, no reference cycles
        return _exposure_of_graph(graph, policy, max_choke_points)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Suspend the cyclic garbage collector (restored on exit; reference counting still frees memory)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _country_tiers(graph: NodeGraph, policy: PolicySource) -> tuple[list[str], IntArray, dict[str, str]]:
    """The countries where node values are made (sorted), each node's country number and each country's tier."""
    country_names, node_country = graph.maker_country_codes
    countries = list(country_names)
    return countries, node_country, _tier_lookup(countries, policy)


def _item_order(items: pl.DataFrame) -> tuple[IntArray, IntArray]:
    """Alphabetical rank of each item number, and the item number of each rank."""
    item_rank = ranks(items.get_column("item_id"))
    by_rank = np.empty(item_rank.shape[0], dtype=np.int64)
    by_rank[item_rank] = np.arange(item_rank.shape[0], dtype=np.int64)
    return item_rank, by_rank


def _exposure_of_graph(graph: NodeGraph, policy: PolicySource, max_choke_points: int | None) -> ExposureResult:
    network = graph.network
    goods, roots, weights, units_per_week = _good_weights(graph)
    n_goods = int(goods.shape[0])
    countries, node_country, tiers = _country_tiers(graph, policy)
    item_rank, by_rank = _item_order(network.items)
    levels = calc_levels(graph)
    margin, price, priced = calc_value_added(graph, levels)
    value_added = np.maximum(margin, 0.0)

    # Units of every node per unit of each good: M^T (goods x nodes, one row per good), from the demand mixes.
    at_root = sp.csr_matrix(
        (np.ones(roots.shape[0]), (np.arange(roots.shape[0]), roots)), shape=(roots.shape[0], graph.n_nodes)
    )
    per_good = calc_requirement_matrix(levels, sp.csr_matrix(weights.T @ at_root))
    per_good.eliminate_zeros()  # one entry per (good, node) already
    reached = _pattern(per_good)  # 1 where a good uses a node
    unit_value = np.asarray(per_good @ value_added, dtype=np.float64)

    # Value by country: C[c, g] = sum over nodes n in c of VA_n * M[n, g], with c the country where the node's
    # value is made (its site's, or the maker's origin_country for a part bought from a distributor).
    # goods x countries, summed in the order of each good's entries (as the sparse product M^T VA_by_country).
    n_countries = len(countries)
    good_of_entry = np.repeat(np.arange(n_goods, dtype=np.int64), np.diff(per_good.indptr))
    value_by_country = np.bincount(
        good_of_entry * n_countries + node_country[per_good.indices],
        weights=per_good.data * value_added[per_good.indices],
        minlength=n_goods * n_countries,
    ).reshape(n_goods, n_countries)

    # Origins: nodes that make or mine their item (stocking points are looked through).
    entry_consumer = levels.consumer_of_entries()
    restocks = graph.edge_item[levels.edge] == graph.node_item[entry_consumer]
    passes_through = np.zeros(graph.n_nodes, dtype=bool)
    passes_through[entry_consumer[restocks]] = True
    is_sink = graph.node_kind == KIND_CODES.index("sink")
    origin = np.flatnonzero(~passes_through & ~is_sink)
    untrusted_country = np.isin(np.asarray([tiers[c] for c in countries], dtype=object), UNTRUSTED_TIERS)
    item_ids = network.items.get_column("item_id")  # items rows are in item number order
    n_items = item_ids.len()
    # Per (good, item), items in alphabetical order: the origins the good reaches (how many, how many in an
    # untrusted country, and the first), from the good's origin entries sorted by item once.
    is_origin = np.zeros(graph.n_nodes, dtype=bool)
    is_origin[origin] = True
    hit = is_origin[reached.indices]
    hit_node = reached.indices[hit]
    hit_indptr = np.concatenate(([0], np.cumsum(hit)))[reached.indptr]
    hit_item = item_rank[graph.node_item[hit_node]]
    by_item = sp.csr_matrix((np.arange(hit_node.shape[0]), hit_item, hit_indptr), shape=(n_goods, n_items))
    by_item.sort_indices()  # carries each entry's number along: by_item.data is the permutation
    hit_node = hit_node[by_item.data]
    count_row = np.repeat(np.arange(n_goods), np.diff(hit_indptr))
    first = np.ones(hit_node.shape[0], dtype=bool)  # the first entry of each (good, item)
    first[1:] = (by_item.indices[1:] != by_item.indices[:-1]) | (count_row[1:] != count_row[:-1])
    starts = np.flatnonzero(first)
    n_origins = np.diff(np.append(starts, hit_node.shape[0]))
    n_untrusted = np.add.reduceat(untrusted_country[node_country[hit_node]].astype(np.int64), starts)
    count_row, count_item = count_row[starts], by_item.indices[starts]
    is_single = n_origins == 1
    single_node = hit_node[starts[is_single]]  # every sole origin (choke points count them all)
    # Single-source items are purchased items only: not a finished good, and not made in-house.
    purchased = _purchased(graph)
    is_single[is_single] = purchased[single_node]
    single_good, single_item = count_row[is_single], count_item[is_single]
    only_untrusted = (n_untrusted == n_origins) & (n_origins > 0)
    single_items = _names_by_row(single_good, item_ids.gather(by_rank[single_item]).to_list(), n_goods)
    untrusted_items = _names_by_row(
        count_row[only_untrusted], item_ids.gather(by_rank[count_item[only_untrusted]]).to_list(), n_goods
    )

    root_depth = np.zeros(n_goods, dtype=np.int64)
    root_of, good_of = weights.nonzero()
    np.maximum.at(root_depth, good_of, graph.depth[roots[root_of]])

    good_names = network.items.get_column("name").gather(goods).to_list()  # items rows are in item_ids order
    # Shares per good, largest first (ties alphabetical: countries and crossings are sorted already).
    with np.errstate(invalid="ignore", divide="ignore"):
        country_share = np.where(unit_value[:, None] > 0, value_by_country / unit_value[:, None], 0.0)
    tier_names = sorted(set(tiers.values()), key=_tier_rank)
    country_tier = np.asarray([tier_names.index(tiers[c]) for c in countries], dtype=np.int64)
    tier_share = country_share @ (country_tier[:, None] == np.arange(len(tier_names))[None, :])
    hhi = np.where(unit_value > 0, (country_share**2).sum(axis=1), np.nan)
    # Per good, the shares above the threshold, largest first (ties alphabetical: countries and crossings are
    # sorted already), as flat plain lists split by good (no numpy scalars, no per-good array work).
    country_bounds, country_keys, country_values = _ranked_shares(country_share, countries, 0.0)
    country_usd = (np.asarray(country_values) * np.repeat(unit_value, np.diff(country_bounds))).tolist()
    country_bounds_list = country_bounds.tolist()
    # Border crossings: one masked roll-up per crossing (goods x crossings).
    crossing_names, crossing_share = _crossing_shares(graph, levels, value_added, roots, weights)
    crossing_bounds, crossing_keys, crossing_values = _ranked_shares(crossing_share, crossing_names, REL_TOL)
    crossing_bounds_list = crossing_bounds.tolist()
    tier_good, tier_col = np.nonzero(tier_share > 0)
    tier_bounds = np.searchsorted(tier_good, np.arange(n_goods + 1)).tolist()
    tier_keys = np.asarray(tier_names, dtype=object)[tier_col].tolist()
    tier_values = tier_share[tier_good, tier_col].tolist()
    unit_values = unit_value.tolist()
    units_list = units_per_week.tolist()
    hhi_list = hhi.tolist()
    depth_list = root_depth.tolist()
    good_ids = item_ids.gather(goods).to_list()
    chokes = choke_points(
        graph,
        per_good,
        reached,
        value_added,
        units_per_week,
        good_ids,
        single_node,
        is_sink,
        tiers,
        max_choke_points,
    )
    new_good = object.__new__
    good_results: list[GoodExposure] = []
    for g in range(n_goods):
        a, b = country_bounds_list[g], country_bounds_list[g + 1]
        c, d = crossing_bounds_list[g], crossing_bounds_list[g + 1]
        e, f = tier_bounds[g], tier_bounds[g + 1]
        # The fields set as GoodExposure(...) sets them (a frozen dataclass: no checks, no __post_init__), in one
        # update instead of one object.__setattr__ per field: a network has thousands of goods.
        good = new_good(GoodExposure)
        good.__dict__.update(
            item_id=good_ids[g],
            name=good_names[g],
            units_per_week=units_list[g],
            unit_value=unit_values[g],
            by_country=dict(zip(country_keys[a:b], country_values[a:b], strict=True)),
            by_tier=dict(zip(tier_keys[e:f], tier_values[e:f], strict=True)),
            by_crossing=dict(zip(crossing_keys[c:d], crossing_values[c:d], strict=True)),
            hhi=hhi_list[g],
            single_source_items=single_items[g],
            untrusted_only_items=untrusted_items[g],
            tier_depth=depth_list[g],
            value_by_country=dict(zip(country_keys[a:b], country_usd[a:b], strict=True)),
        )
        good_results.append(good)
    order = sorted(range(n_goods), key=lambda g: good_results[g].item_id)
    good_results = [good_results[g] for g in order]

    found = findings(graph, reached, margin, price, priced, passes_through | is_sink, good_results)
    return ExposureResult(
        network=network.name,
        goods=tuple(good_results),
        choke_points=chokes,
        findings=found,
        tiers={c: tiers[c] for c in countries if c},
    )


def _purchased(graph: NodeGraph) -> BoolArray:
    """Nodes whose item counts as purchased: not a finished good (an item with demand) and not an in-house
    sub-assembly (made from its BOM at a plant of the network)."""
    plant: BoolArray = (graph.network.sites.get_column("kind") == "plant").fill_null(False).to_numpy().astype(bool)
    in_house = (graph.node_kind == KIND_CODES.index("make")) & plant[graph.node_site]
    finished = np.zeros(graph.network.items.height, dtype=bool)
    finished[graph.node_item[graph.demand_node[graph.demand_node >= 0]]] = True
    purchased: BoolArray = ~in_house & ~finished[graph.node_item]
    return purchased


def _tier_rank(tier: str) -> tuple[int, str]:
    from allyshore.trust import TIERS

    return (TIERS.index(tier) if tier in TIERS else len(TIERS), tier)
