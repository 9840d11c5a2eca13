"""Choke points: the sites that feed finished goods, ranked by the share of goods they feed and of the weekly
value they add (see :mod:`allyshore.exposure.analysis`)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl
import scipy.sparse as sp

from allyshore.exposure.results import ChokePoint
from allyshore.model.graph import BoolArray, FloatArray, IntArray, NodeGraph

__all__ = ["choke_points", "ranks"]


def ranks(names: tuple[str, ...] | pl.Series) -> IntArray:
    """Alphabetical rank of each name, from 0 (ids are unique)."""
    series = names if isinstance(names, pl.Series) else pl.Series(names, dtype=pl.String)
    return series.rank("ordinal").cast(pl.Int64).to_numpy() - 1


def choke_points(
    graph: NodeGraph,
    per_good: sp.csr_matrix,
    reached: sp.csr_matrix,
    value_added: FloatArray,
    units_per_week: FloatArray,
    good_ids: list[str],
    single_node: IntArray,
    is_sink: BoolArray,
    tiers: Mapping[str, str],
    limit: int | None,
) -> tuple[ChokePoint, ...]:
    """Sites ranked by max(share of goods fed, share of weekly value added), then value, goods and id."""
    n_goods = len(good_ids)
    if n_goods == 0:
        return ()
    site_ids = graph.network.sites.get_column("site_id")
    n_sites = site_ids.len()
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
    site_rank = ranks(site_ids.gather(candidates))
    order = np.lexsort((site_rank, -goods_fed[candidates], -value_share[candidates], -score[candidates]))
    ranked = candidates[order]
    if limit is not None:
        ranked = ranked[:limit]
    names = graph.network.sites.get_column("name").gather(ranked).to_list()
    ranked_ids = site_ids.gather(ranked).to_list()
    good_row = np.repeat(np.arange(n_goods), np.diff(good_sites.indptr))
    is_ranked = np.zeros(n_sites, dtype=bool)
    is_ranked[ranked] = True
    picked = is_ranked[good_sites.indices]
    fed_site, fed_good = good_sites.indices[picked], good_row[picked]
    by_site = np.argsort(fed_site, kind="stable")
    fed_site, fed_good = fed_site[by_site], fed_good[by_site]
    out = []
    for s, site_id, name in zip(ranked.tolist(), ranked_ids, names, strict=True):
        a, b = np.searchsorted(fed_site, [s, s + 1])
        fed = sorted(good_ids[g] for g in fed_good[a:b].tolist())
        country = str(graph.site_country[s])
        out.append(
            ChokePoint(
                site_id=site_id,
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
