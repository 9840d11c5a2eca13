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
Origin counts per (good, item) are the entries of ``M`` at origin nodes, keyed
by item and summed as integers.

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
import html
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore.errors import Problem
from allyshore.model.graph import KIND_CODES, BoolArray, FloatArray, IntArray, NodeGraph, compile_network
from allyshore.model.network import Network
from allyshore.model.rollup import (
    Levels,
    calc_embodied,
    calc_embodied_without,
    calc_levels,
    calc_requirement_matrix,
    calc_value_added,
    node_value_added,
    roll_up,
    roll_up_without,
    topological_levels,
)
from allyshore.results import Result
from allyshore.trust.assess import UNTRUSTED_TIERS

if TYPE_CHECKING:
    from allyshore.trust.policy import PolicySource

_REL_TOL = 1e-9
_COUNT_BASE = 2**20

__all__ = [
    "ChokePoint",
    "ExposureResult",
    "GoodExposure",
    "Levels",
    "exposure",
    "exposure_of_graph",
    "node_value_added",
    "roll_up",
    "roll_up_without",
    "topological_levels",
]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class GoodExposure(Result):
    """Exposure of one finished good (per unit unless the name says per week)."""

    item_id: str
    name: str | None
    units_per_week: float
    unit_value: float  # USD per unit
    by_country: Mapping[str, float]  # ISO alpha-2 -> share of unit value
    by_tier: Mapping[str, float]  # trust tier -> share
    by_crossing: Mapping[str, float]  # border crossing -> share of value crossing it
    hhi: float  # Herfindahl index of by_country, 0..1 (nan when the good has no value)
    single_source_items: tuple[str, ...]  # purchased items with one origin (finished goods, in-house excluded)
    untrusted_only_items: tuple[str, ...]
    tier_depth: int
    value_by_country: Mapping[str, float]  # USD per unit

    json_keys = (
        "item_id", "name", "unit_value", "by_country", "by_tier", "by_crossing", "hhi", "single_source_items",
        "untrusted_only_items", "tier_depth", "units_per_week", "value_per_week", "value_by_country",
    )  # fmt: skip

    @property
    def value_per_week(self) -> float:
        return self.unit_value * self.units_per_week


@dataclass(frozen=True)
class ChokePoint(Result):
    """A site that feeds finished goods, with the value it adds to weekly demand."""

    site_id: str
    name: str | None
    country: str
    tier: str
    goods: int  # finished goods fed
    good_ids: tuple[str, ...]
    sole_origin_items: int  # (good, item) pairs for which this site is the only origin
    value_per_week: float  # USD added at the site per week of demand
    share_of_value: float  # of all demanded value per week


@dataclass(frozen=True)
class ExposureResult(Result):
    """Exposure of every finished good of a network, its choke points and data-quality findings."""

    network: str
    goods: tuple[GoodExposure, ...]
    choke_points: tuple[ChokePoint, ...]
    findings: tuple[Problem, ...] = field(default=())
    tiers: Mapping[str, str] = field(default_factory=dict)  # country -> tier used

    json_keys = ("network", "goods", "choke_points", "findings", "single_source_items", "untrusted_only_items")

    def good(self, item_id: str) -> GoodExposure:
        for good in self.goods:
            if good.item_id == item_id:
                return good
        raise KeyError(item_id)

    @property
    def single_source_items(self) -> tuple[str, ...]:
        """Purchased items single-sourced in at least one finished good, sorted (see :class:`GoodExposure`)."""
        return tuple(sorted({item for good in self.goods for item in good.single_source_items}))

    @property
    def untrusted_only_items(self) -> tuple[str, ...]:
        """Items whose every origin, in at least one finished good, is adversary or non-aligned, sorted."""
        return tuple(sorted({item for good in self.goods for item in good.untrusted_only_items}))

    def to_frame(self) -> pl.DataFrame:
        """One row per finished good."""
        return self.frames()["goods"]

    def frames(self) -> dict[str, pl.DataFrame]:
        """The result as tables: goods, by_country, by_tier, by_crossing, choke_points, findings."""
        goods = pl.DataFrame(
            {
                "item_id": [g.item_id for g in self.goods],
                "name": [g.name for g in self.goods],
                "units_per_week": [g.units_per_week for g in self.goods],
                "unit_value": [g.unit_value for g in self.goods],
                "value_per_week": [g.value_per_week for g in self.goods],
                "hhi": [g.hhi for g in self.goods],
                "tier_depth": [g.tier_depth for g in self.goods],
                "single_source_items": [";".join(g.single_source_items) for g in self.goods],
                "untrusted_only_items": [";".join(g.untrusted_only_items) for g in self.goods],
            },
            schema={
                "item_id": pl.String,
                "name": pl.String,
                "units_per_week": pl.Float64,
                "unit_value": pl.Float64,
                "value_per_week": pl.Float64,
                "hhi": pl.Float64,
                "tier_depth": pl.Int64,
                "single_source_items": pl.String,
                "untrusted_only_items": pl.String,
            },
        )

        def long(attr: str, key: str, usd: bool) -> pl.DataFrame:
            rows: dict[str, list[Any]] = {"item_id": [], key: [], "share": []}
            if usd:
                rows["value_per_unit"] = []
            for g in self.goods:
                for k, share in getattr(g, attr).items():
                    rows["item_id"].append(g.item_id)
                    rows[key].append(k)
                    rows["share"].append(share)
                    if usd:
                        rows["value_per_unit"].append(share * g.unit_value)
            schema: dict[str, Any] = {"item_id": pl.String, key: pl.String, "share": pl.Float64}
            if usd:
                schema["value_per_unit"] = pl.Float64
            return pl.DataFrame(rows, schema=schema)

        chokes = pl.DataFrame(
            [{**c.to_dict(), "good_ids": ";".join(c.good_ids)} for c in self.choke_points],
            schema={
                "site_id": pl.String,
                "name": pl.String,
                "country": pl.String,
                "tier": pl.String,
                "goods": pl.Int64,
                "good_ids": pl.String,
                "sole_origin_items": pl.Int64,
                "value_per_week": pl.Float64,
                "share_of_value": pl.Float64,
            },
        )
        findings = pl.DataFrame(
            [p.to_dict() for p in self.findings],
            schema={
                "severity": pl.String,
                "table": pl.String,
                "source": pl.String,
                "row": pl.Int64,
                "column": pl.String,
                "message": pl.String,
                "hint": pl.String,
            },
        )
        return {
            "goods": goods,
            "by_country": long("by_country", "country", True),
            "by_tier": long("by_tier", "tier", True),
            "by_crossing": long("by_crossing", "crossing", False),
            "choke_points": chokes,
            "findings": findings,
        }

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [f"<h4>Exposure of {esc(self.network)}: {len(self.goods)} finished good(s)</h4>"]
        parts.append(
            "<table><thead><tr><th>good</th><th>unit value (USD)</th><th>by country</th><th>by tier</th>"
            "<th>by crossing</th><th>HHI</th><th>single-source items</th><th>tier depth</th></tr></thead><tbody>"
        )

        def fmt(shares: Mapping[str, float]) -> str:
            return ", ".join(f"{esc(k)} {v:.1%}" for k, v in shares.items())

        for g in self.goods:
            parts.append(
                f"<tr><td>{esc(g.item_id)}</td><td>{g.unit_value:,.2f}</td><td>{fmt(g.by_country)}</td>"
                f"<td>{fmt(g.by_tier)}</td><td>{fmt(g.by_crossing)}</td><td>{g.hhi:.3f}</td>"
                f"<td>{esc(', '.join(g.single_source_items))}</td><td>{g.tier_depth}</td></tr>"
            )
        parts.append("</tbody></table>")
        if self.choke_points:
            parts.append(
                "<table><thead><tr><th>site</th><th>country</th><th>tier</th><th>goods fed</th>"
                "<th>value per week (USD)</th><th>share of value</th></tr></thead><tbody>"
            )
            for c in self.choke_points:
                parts.append(
                    f"<tr><td>{esc(c.site_id)}</td><td>{esc(c.country)}</td><td>{esc(c.tier)}</td>"
                    f"<td>{c.goods}</td><td>{c.value_per_week:,.2f}</td><td>{c.share_of_value:.1%}</td></tr>"
                )
            parts.append("</tbody></table>")
        if self.findings:
            parts.append(f"<p>{len(self.findings)} data-quality finding(s):</p><ul>")
            parts += [f"<li>{esc(str(p))}</li>" for p in self.findings[:50]]
            parts.append("</ul>")
        return "".join(parts)


# --------------------------------------------------------------------------- kernels


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


def _ranks(names: tuple[str, ...]) -> IntArray:
    """Alphabetical rank of each name, from 0 (ids are unique)."""
    return pl.Series(names, dtype=pl.String).rank("ordinal").cast(pl.Int64).to_numpy() - 1


def _pattern(matrix: sp.csr_matrix) -> sp.csr_matrix:
    out = matrix.copy()
    out.data = np.ones_like(out.data)
    return out


def _entry_crossings(graph: NodeGraph, levels: Levels) -> tuple[list[str], IntArray]:
    """Names of the crossings active entries travel through (sorted) and each entry's crossing number (-1: none)."""
    crossing = graph.network.flows.get_column("crossing").cast(pl.String)  # stripped, blanks null (io.readers)
    distinct = crossing.drop_nulls().unique().sort()
    categories = distinct.to_list()
    codes = crossing.cast(pl.Enum(distinct)).to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
    entry_flow = graph.edge_flow[levels.edge]
    entry_code = np.full(entry_flow.shape[0], -1, dtype=np.int64)
    through = entry_flow >= 0
    entry_code[through] = codes[entry_flow[through]]
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


def _names_by_row(row: IntArray, names: NDArray[np.object_], n_rows: int) -> list[tuple[str, ...]]:
    """``names`` (already in order within each row, rows ascending) split into one tuple per row."""
    bounds = np.searchsorted(row, np.arange(n_rows + 1)).tolist()
    flat = names.tolist()
    return [tuple(flat[bounds[r] : bounds[r + 1]]) for r in range(n_rows)]


def _finding(network: Network, graph: NodeGraph, node: int, message: str, hint: str) -> Problem:
    row = int(graph.node_supply_row[node])
    if row < 0:
        return Problem("demand", message, hint=hint, source=network.source_of("demand"), severity="warning")
    return Problem(
        "supply",
        message,
        row=network.row_of("supply", row),
        column="unit_price",
        hint=hint,
        source=network.source_of("supply"),
        severity="warning",
    )


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


def _exposure_of_graph(graph: NodeGraph, policy: PolicySource, max_choke_points: int | None) -> ExposureResult:
    network = graph.network
    levels = calc_levels(graph)
    margin, price, priced = calc_value_added(graph, levels)
    value_added = np.maximum(margin, 0.0)

    goods, roots, weights, units_per_week = _good_weights(graph)
    n_goods = int(goods.shape[0])

    # Border crossings, in a second thread meanwhile (numpy lets go of the GIL): one masked roll-up per crossing.
    with ThreadPoolExecutor(max_workers=1) as pool:
        crossings = pool.submit(_crossing_shares, graph, levels, value_added, roots, weights)

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
        country_names, node_country = graph.maker_country_codes
        countries = list(country_names)
        tiers = _tier_lookup(countries, policy)
        # goods x countries, summed in the order of each good's entries (as the sparse product M^T VA_by_country).
        n_countries = len(countries)
        good_of_entry = np.repeat(np.arange(n_goods, dtype=np.int64), np.diff(per_good.indptr))
        value_by_country = np.bincount(
            good_of_entry * n_countries + node_country[per_good.indices],
            weights=per_good.data * value_added[per_good.indices],
            minlength=n_goods * n_countries,
        ).reshape(n_goods, n_countries)
        crossing_names, crossing_share = crossings.result()  # goods x crossings

    # Origins: nodes that make or mine their item (stocking points are looked through).
    entry_consumer = levels.consumer_of_entries()
    restocks = graph.edge_item[levels.edge] == graph.node_item[entry_consumer]
    passes_through = np.zeros(graph.n_nodes, dtype=bool)
    passes_through[entry_consumer[restocks]] = True
    is_sink = graph.node_kind == KIND_CODES.index("sink")
    origin = np.flatnonzero(~passes_through & ~is_sink)
    untrusted_country = np.isin(np.asarray([tiers[c] for c in countries], dtype=object), UNTRUSTED_TIERS)
    item_rank = _ranks(graph.item_ids)
    items_sorted = np.empty(len(graph.item_ids), dtype=object)
    items_sorted[item_rank] = graph.item_ids
    # Per (good, item), items in alphabetical order: the number of origins the good reaches + 2^20 * the number
    # of untrusted ones, and the sum of (origin + 1); integers, summed exactly.
    is_origin = np.zeros(graph.n_nodes, dtype=bool)
    is_origin[origin] = True
    hit = is_origin[reached.indices]
    hit_node = reached.indices[hit]
    hit_indptr = np.concatenate(([0], np.cumsum(hit)))[reached.indptr]
    hit_item = item_rank[graph.node_item[hit_node]]
    count_weight = np.where(untrusted_country[node_country[hit_node]], 1 + _COUNT_BASE, 1).astype(np.int64)
    counts = sp.csr_matrix((count_weight, hit_item, hit_indptr), shape=(n_goods, len(graph.item_ids)))
    node_sums = sp.csr_matrix((hit_node + 1, hit_item, hit_indptr), shape=(n_goods, len(graph.item_ids)))
    counts.sum_duplicates()
    node_sums.sum_duplicates()  # same pattern as counts
    count_row = np.repeat(np.arange(n_goods), np.diff(counts.indptr))
    n_origins = counts.data % _COUNT_BASE
    n_untrusted = counts.data // _COUNT_BASE
    is_single = n_origins == 1
    single_node = node_sums.data[is_single] - 1  # every sole origin (choke points count them all)
    # Single-source items are purchased items only: not a finished good, and not made in-house.
    purchased = _purchased(graph)
    is_single[is_single] = purchased[single_node]
    single_good, single_item = count_row[is_single], counts.indices[is_single]
    only_untrusted = (n_untrusted == n_origins) & (n_origins > 0)
    single_items = _names_by_row(single_good, items_sorted[single_item], n_goods)
    untrusted_items = _names_by_row(count_row[only_untrusted], items_sorted[counts.indices[only_untrusted]], n_goods)

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
    crossing_bounds, crossing_keys, crossing_values = _ranked_shares(crossing_share, crossing_names, _REL_TOL)
    crossing_bounds_list = crossing_bounds.tolist()
    tier_good, tier_col = np.nonzero(tier_share > 0)
    tier_bounds = np.searchsorted(tier_good, np.arange(n_goods + 1)).tolist()
    tier_keys = np.asarray(tier_names, dtype=object)[tier_col].tolist()
    tier_values = tier_share[tier_good, tier_col].tolist()
    unit_values = unit_value.tolist()
    units_list = units_per_week.tolist()
    hhi_list = hhi.tolist()
    depth_list = root_depth.tolist()
    good_ids = [graph.item_ids[i] for i in goods.tolist()]
    good_results: list[GoodExposure] = []
    for g in range(n_goods):
        a, b = country_bounds_list[g], country_bounds_list[g + 1]
        c, d = crossing_bounds_list[g], crossing_bounds_list[g + 1]
        e, f = tier_bounds[g], tier_bounds[g + 1]
        good_results.append(
            GoodExposure(
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
        )
    order = sorted(range(n_goods), key=lambda g: good_results[g].item_id)
    good_results = [good_results[g] for g in order]

    chokes = _choke_points(
        graph, per_good, reached, value_added, units_per_week, goods, single_node, is_sink, tiers, max_choke_points
    )
    findings = _findings(graph, reached, margin, price, priced, passes_through | is_sink, good_results)
    return ExposureResult(
        network=network.name,
        goods=tuple(good_results),
        choke_points=chokes,
        findings=findings,
        tiers={c: tiers[c] for c in countries if c},
    )


def _purchased(graph: NodeGraph) -> BoolArray:
    """Nodes whose item counts as purchased: not a finished good (an item with demand) and not an in-house
    sub-assembly (made from its BOM at a plant of the network)."""
    plant: BoolArray = (graph.network.sites.get_column("kind") == "plant").fill_null(False).to_numpy().astype(bool)
    in_house = (graph.node_kind == KIND_CODES.index("make")) & plant[graph.node_site]
    finished = np.zeros(len(graph.item_ids), dtype=bool)
    finished[graph.node_item[graph.demand_node[graph.demand_node >= 0]]] = True
    purchased: BoolArray = ~in_house & ~finished[graph.node_item]
    return purchased


def _tier_rank(tier: str) -> tuple[int, str]:
    from allyshore.trust import TIERS

    return (TIERS.index(tier) if tier in TIERS else len(TIERS), tier)


def _choke_points(
    graph: NodeGraph,
    per_good: sp.csr_matrix,
    reached: sp.csr_matrix,
    value_added: FloatArray,
    units_per_week: FloatArray,
    goods: IntArray,
    single_node: IntArray,
    is_sink: BoolArray,
    tiers: Mapping[str, str],
    limit: int | None,
) -> tuple[ChokePoint, ...]:
    """Sites ranked by max(share of goods fed, share of weekly value added), then value, goods and id."""
    n_goods = int(goods.shape[0])
    if n_goods == 0:
        return ()
    n_sites = len(graph.site_ids)
    weekly_units = np.asarray(per_good.T @ units_per_week, dtype=np.float64)
    feeding = np.flatnonzero(~is_sink)
    site_value = np.bincount(graph.node_site[feeding], weights=(value_added * weekly_units)[feeding], minlength=n_sites)
    # Distinct sites each good reaches (customer receiving nodes excluded): one sparse product, no sorting.
    feeds = ~is_sink
    site_indptr = np.zeros(graph.n_nodes + 1, dtype=np.int64)
    np.cumsum(feeds, out=site_indptr[1:])
    site_of = sp.csr_matrix(
        (np.ones(int(site_indptr[-1])), graph.node_site[feeds], site_indptr), shape=(graph.n_nodes, n_sites)
    )
    good_sites = sp.csr_matrix(reached @ site_of)  # goods x sites, one entry per (good, site) fed
    goods_fed = np.bincount(good_sites.indices, minlength=n_sites)
    sole = np.bincount(graph.node_site[single_node], minlength=n_sites)
    total_value = float(site_value.sum())
    value_share = site_value / total_value if total_value > 0 else np.zeros(n_sites)
    score = np.maximum(goods_fed / n_goods, value_share)
    # Rank by (-score, -value share, -goods fed, site id) among the sites that feed a good; with a limit, only
    # the sites scoring at least the limit-th best score can make the cut.
    candidates = np.flatnonzero(goods_fed > 0)
    if limit is not None and 0 < limit < candidates.size and not np.isnan(score[candidates]).any():
        cut = np.partition(score[candidates], candidates.size - limit)[candidates.size - limit]
        candidates = candidates[score[candidates] >= cut]
    site_rank = _ranks(tuple(graph.site_ids[s] for s in candidates.tolist()))
    order = np.lexsort((site_rank, -goods_fed[candidates], -value_share[candidates], -score[candidates]))
    ranked = candidates[order]
    if limit is not None:
        ranked = ranked[:limit]
    names = graph.network.sites.get_column("name").gather(ranked).to_list()
    good_row = np.repeat(np.arange(n_goods), np.diff(good_sites.indptr))
    is_ranked = np.zeros(n_sites, dtype=bool)
    is_ranked[ranked] = True
    picked = is_ranked[good_sites.indices]
    fed_site, fed_good = good_sites.indices[picked], good_row[picked]
    by_site = np.argsort(fed_site, kind="stable")
    fed_site, fed_good = fed_site[by_site], fed_good[by_site]
    out = []
    for s, name in zip(ranked.tolist(), names, strict=True):
        a, b = np.searchsorted(fed_site, [s, s + 1])
        fed = sorted(graph.item_ids[goods[g]] for g in fed_good[a:b].tolist())
        country = str(graph.site_country[s])
        out.append(
            ChokePoint(
                site_id=graph.site_ids[s],
                name=name,
                country=country,
                tier=tiers.get(country, "unknown"),
                goods=int(goods_fed[s]),
                good_ids=tuple(fed),
                sole_origin_items=int(sole[s]),
                value_per_week=float(site_value[s]),
                share_of_value=float(value_share[s]),
            )
        )
    return tuple(out)


def _findings(
    graph: NodeGraph,
    reached_by_good: sp.csr_matrix,
    margin: FloatArray,
    price: FloatArray,
    priced: BoolArray,
    passing: BoolArray,
    goods: list[GoodExposure],
) -> tuple[Problem, ...]:
    """Data-quality findings on the nodes the finished goods reach."""
    network = graph.network
    reached = np.bincount(reached_by_good.indices, minlength=graph.n_nodes) > 0
    out: list[Problem] = []
    for node in np.flatnonzero(reached & ~priced & ~passing).tolist():
        label = graph.node_label(node)
        item = graph.item_ids[graph.node_item[node]]
        out.append(
            _finding(
                network,
                graph,
                node,
                f"no price for {label}: its own value added is unknown and counted as 0",
                f"give unit_price in supply or unit_cost for item '{item}' in items",
            )
        )
    inputs = price - margin
    negative = reached & (margin < -_REL_TOL * np.maximum(np.abs(inputs), 1.0))
    for node in np.flatnonzero(negative).tolist():
        out.append(
            _finding(
                network,
                graph,
                node,
                f"price {price[node]:.2f} USD at {graph.node_label(node)} is below the cost of its inputs "
                f"({inputs[node]:.2f} USD): value added clipped to 0",
                "check the unit prices, BOM quantities and units of measure",
            )
        )
    for good in goods:
        if good.unit_value <= 0:
            out.append(
                Problem(
                    "demand",
                    f"finished good '{good.item_id}' has no value to decompose (no prices in its supply tree)",
                    column="item_id",
                    hint="give unit_price in supply or unit_cost in items",
                    source=network.source_of("demand"),
                    severity="warning",
                )
            )
    return tuple(out)
