"""Match the parts of a network to the Mexican establishments that could make them, near the plant they feed.

For every item, its HS code gives SCIAN industries with weights (:mod:`allyshore.capacity.concordance`); the
establishments of those industries within ``within_km`` by road of the item's receiving site are ranked by a score
whose every part is shown:

``score = 0.4 x concordance + 0.2 x size + 0.3 x distance + 0.1 x park`` (the weights of :class:`ScoreWeights`)

* concordance: the weight of the establishment's industry for the item's HS code (0-1);
* size: the establishment's DENUE employment band, ``(band - 1) / 6`` (band 1, 0-5 persons, scores 0; band 7,
  251 and more, scores 1; no band scores 0);
* distance: ``1 - road_km / within_km`` (0 at the edge of the range, 1 at the plant), where ``road_km`` is the
  great-circle distance (:func:`allyshore.geography.great_circle_km`) times the road circuity factor the landed cost
  uses (``road_circuity`` of ``data/cost/parameters.csv``);
* park: 1 when DENUE places the unit in an industrial park, zone or corridor, else 0.

``score_parts`` holds each weighted part, so that they add up to the score. The receiving site of an item is the
site its flows go to (plants first; every such site, the nearest counting), or the one named by ``near``.
``min_employees`` keeps the establishments whose band's lower bound is at least that many persons (51 keeps bands
5-7: 51-100, 101-250, 251 and more).

The kernel is columnar: one class and size filter over the establishment table, one range search per receiving
site (a latitude/longitude box, then the exact great-circle distance of the units inside it), then for each item a
weight lookup, the score and a partial sort of the units in range. No Python loop runs over establishments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.capacity.concordance import HsClasses, hs_classes
from allyshore.capacity.results import Candidate, CapacityMatch, ItemMatch, ScoreWeights
from allyshore.errors import InputError
from allyshore.geography import EARTH_RADIUS_KM, great_circle_km
from allyshore.model.network import Network

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The establishment columns the match reads.
MATCH_COLUMNS = (
    "establishment_id",
    "name",
    "scian",
    "state",
    "municipality",
    "band",
    "employees_low",
    "employees_high",
    "in_industrial_park",
    "lat",
    "lon",
)
DEFAULT_WITHIN_KM = 300.0
DEFAULT_TOP = 10
DEFAULT_WEIGHTS = ScoreWeights()
#: The kinds of site an item may be received at, preferred first (a supplier when the part feeds a supplier of
#: the network; a customer receives finished goods, which are made in the network: those are matched only with
#: ``near``).
RECEIVING_KINDS = ("plant", "warehouse", "supplier")
_KM_PER_DEGREE = np.pi * EARTH_RADIUS_KM / 180.0


def road_circuity() -> float:
    """The road distance over the great-circle distance the landed cost uses (``data/cost/parameters.csv``)."""
    from allyshore.cost.assumptions import read_table

    rows = read_table("parameters").filter(pl.col("key") == "road_circuity")
    return float(rows.get_column("value")[0])


@dataclass(frozen=True)
class ItemQuery:
    """One item to match: its classes and the receiving sites to measure from."""

    item_id: str
    hs: HsClasses
    sites: tuple[str, ...]
    site_lat: FloatArray
    site_lon: FloatArray
    note: str = ""


def in_range(
    lat: FloatArray, lon: FloatArray, lat0: float, lon0: float, radius_km: float
) -> tuple[IntArray, FloatArray]:
    """The indices of the points within ``radius_km`` (great circle, inclusive) of ``(lat0, lon0)`` and their
    distances. A box of latitude and longitude that holds the circle is tested first; only the points inside it
    get the exact distance."""
    dlat = radius_km / _KM_PER_DEGREE * 1.0001
    cos0 = np.cos(np.radians(min(89.9, abs(lat0) + dlat)))
    dlon = 180.0 if radius_km >= np.pi * EARTH_RADIUS_KM / 2 else min(180.0, dlat / max(cos0, 1e-9))
    apart = np.abs(lon - lon0)  # degrees of longitude apart, either way round the antimeridian
    box = np.flatnonzero((np.abs(lat - lat0) <= dlat) & ((apart <= dlon) | (apart >= 360.0 - dlon)))
    km = great_circle_km(lat[box], lon[box], np.full(box.size, lat0), np.full(box.size, lon0))
    keep = km <= radius_km
    return box[keep].astype(np.int64), km[keep]


def score_parts(
    weight: FloatArray,
    band: FloatArray,
    road_km: FloatArray,
    park: FloatArray,
    within_km: float,
    weights: ScoreWeights,
) -> dict[str, FloatArray]:
    """The weighted parts of the score (see the module's docstring); ``band`` NaN where unknown (size 0)."""
    size = (band - 1.0) / 6.0
    size = np.clip(np.where(np.isnan(size), 0.0, size), 0.0, 1.0)
    return {
        "concordance": weights.concordance * weight,
        "size": weights.size * size,
        "distance": weights.distance * np.clip(1.0 - road_km / within_km, 0.0, 1.0),
        "park": weights.park * park,
    }


def top_order(score: FloatArray, road_km: FloatArray, row: IntArray, top: int) -> IntArray:
    """Indices of the ``top`` best: highest score first, then the nearest, then the earliest ``row``."""
    if score.size > top:
        kth = np.partition(score, score.size - top)[score.size - top]
        chosen = np.flatnonzero(score >= kth)
    else:
        chosen = np.arange(score.size)
    order = np.lexsort((row[chosen], road_km[chosen], -score[chosen]))
    return chosen[order][:top].astype(np.int64)


ROW = "_row"  # the row number of an establishment in the table the match was given


def _numeric_frame(frame: pl.LazyFrame | pl.DataFrame, keys: set[str], min_employees: int | None) -> pl.DataFrame:
    """The establishments of the classes ``keys`` (prefixes of 4 or 5 digits) with coordinates and enough
    persons: their row number, 5-digit industry, band, park flag and coordinates (no text but the industry)."""
    lazy = frame.lazy().with_row_index(ROW)
    code = pl.col("scian").cast(pl.Int64, strict=False)  # 6 digits as a number; anything else null, unmatched
    wanted = pl.lit(False)
    for digits in sorted({len(k) for k in keys}):
        group = sorted(int(k) for k in keys if len(k) == digits)
        wanted = wanted | (code // 10 ** (6 - digits)).is_in(group)
    lazy = lazy.filter(wanted & pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    if min_employees is not None and min_employees > 0:
        lazy = lazy.filter(pl.col("employees_low") >= min_employees)
    return lazy.select(
        ROW,
        (code // 10).alias("industry"),
        pl.col("band").cast(pl.Float64),
        pl.col("in_industrial_park").fill_null(False).cast(pl.Float64).alias("park"),
        pl.col("lat").cast(pl.Float64),
        pl.col("lon").cast(pl.Float64),
    ).collect()


@dataclass(frozen=True)
class _Range:
    """The establishments in range of one receiving site, ordered by industry: those of industry ``j`` are
    ``idx[bounds[j]:bounds[j + 1]]``."""

    idx: IntArray
    km: FloatArray
    bounds: IntArray


def _site_range(
    cls: IntArray, lat: FloatArray, lon: FloatArray, site: tuple[float, float], radius: float, n: int
) -> _Range:
    idx, km = in_range(lat, lon, site[0], site[1], radius)
    keys = cls[idx].astype(np.int16 if n < 2**15 else np.int32)  # radix sort for 16-bit keys
    order = np.argsort(keys, kind="stable")
    idx, km = idx[order], km[order]
    return _Range(idx, km, np.searchsorted(cls[idx], np.arange(n + 1)).astype(np.int64))


def _details(establishments: pl.LazyFrame | pl.DataFrame, rows: IntArray) -> dict[int, dict[str, Any]]:
    """The shown columns of the establishments at row numbers ``rows``, by row number."""
    if isinstance(establishments, pl.DataFrame):
        picked = establishments[rows].select(MATCH_COLUMNS).with_columns(pl.Series(ROW, rows))
    else:
        wanted = pl.Series(np.unique(rows)).implode()
        picked = (
            establishments.with_row_index(ROW).filter(pl.col(ROW).is_in(wanted)).select(ROW, *MATCH_COLUMNS).collect()
        )
    return {int(r[ROW]): r for r in picked.to_dicts()}


def match_items(
    queries: Sequence[ItemQuery],
    establishments: pl.LazyFrame | pl.DataFrame,
    *,
    within_km: float = DEFAULT_WITHIN_KM,
    min_employees: int | None = None,
    top: int = DEFAULT_TOP,
    circuity: float = 1.2,
    weights: ScoreWeights = DEFAULT_WEIGHTS,
) -> tuple[tuple[ItemMatch, ...], int]:
    """The ranked establishments of each item, and how many establishments passed the class and size filters."""
    if not within_km > 0:
        raise InputError(f"--within-km must be more than 0, not {within_km}")
    if top < 1:
        raise InputError(f"--top must be at least 1, not {top}")
    keys = {c.scian for q in queries for c in q.hs.classes}
    frame = _numeric_frame(establishments, keys, min_employees)
    lat = frame.get_column("lat").to_numpy()
    lon = frame.get_column("lon").to_numpy()
    band = frame.get_column("band").fill_null(np.nan).to_numpy()
    park = frame.get_column("park").to_numpy()
    row_of = frame.get_column(ROW).cast(pl.Int64).to_numpy()
    industry = frame.get_column("industry").to_numpy()  # 5-digit industries, 10000-99999
    present = np.zeros(100_000, dtype=bool)
    present[industry] = True
    uniq = np.flatnonzero(present)
    lookup = np.zeros(100_000, dtype=np.int64)
    lookup[uniq] = np.arange(uniq.size)
    cls: IntArray = lookup[industry]
    uniq_text = uniq.astype(str)
    radius = within_km / circuity  # great-circle km that is within_km by road
    ranges: dict[tuple[float, float], _Range] = {}
    chosen: list[tuple[ItemQuery, IntArray, FloatArray, IntArray, dict[str, list[float]], int]] = []
    for q in queries:
        if not q.hs.classes or not q.sites or q.note:
            chosen.append((q, np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), {}, 0))
            continue
        class_weight = np.zeros(uniq_text.size)
        for c in q.hs.classes:
            class_weight[np.char.startswith(uniq_text, c.scian)] += c.weight
        matched = np.flatnonzero(class_weight > 0)
        found = []
        for s, site_at in enumerate(zip(q.site_lat.tolist(), q.site_lon.tolist(), strict=True)):
            if site_at not in ranges:
                ranges[site_at] = _site_range(cls, lat, lon, site_at, radius, uniq_text.size)
            r = ranges[site_at]
            spans = [np.arange(r.bounds[j], r.bounds[j + 1]) for j in matched]
            sel = np.concatenate(spans) if spans else np.zeros(0, np.int64)
            found.append((r.idx[sel], r.km[sel], np.full(sel.size, s, dtype=np.int64)))
        idx = np.concatenate([f[0] for f in found])
        km = np.concatenate([f[1] for f in found])
        site = np.concatenate([f[2] for f in found])
        if len(found) > 1:  # the nearest receiving site of each unit
            order = np.lexsort((km, idx))
            first = np.ones(order.size, dtype=bool)
            first[1:] = idx[order][1:] != idx[order][:-1]
            pick = order[first]
            idx, km, site = idx[pick], km[pick], site[pick]
        road = km * circuity
        parts = score_parts(class_weight[cls[idx]], band[idx], road, park[idx], within_km, weights)
        score = parts["concordance"] + parts["size"] + parts["distance"] + parts["park"]
        best = top_order(score, road, row_of[idx], top)
        shown = {name: values[best].tolist() for name, values in parts.items()}
        shown["_score"], shown["_km"] = score[best].tolist(), km[best].tolist()
        chosen.append((q, idx[best], road[best], site[best], shown, int(idx.size)))
    picked = [rows for _, rows, *_ in chosen if rows.size]
    details = _details(establishments, row_of[np.concatenate(picked)]) if picked else {}
    out = []
    for q, rows, road, site, shown, count in chosen:
        if not q.hs.classes or not q.sites or q.note:
            out.append(ItemMatch(q.item_id, q.hs.hs_code or None, q.hs.classes, (), q.sites, 0, q.note or q.hs.note))
            continue
        candidates = tuple(
            _candidate(details[int(row_of[row])], float(road[k]), shown, k, q.sites[int(site[k])])
            for k, row in enumerate(rows)
        )
        note = q.hs.note
        if not candidates:
            note = "; ".join(filter(None, [note, f"no establishment of its classes within {within_km:g} km by road"]))
        out.append(ItemMatch(q.item_id, q.hs.hs_code, q.hs.classes, candidates, q.sites, count, note))
    return tuple(out), frame.height


def _candidate(r: dict[str, Any], road_km: float, parts: dict[str, list[float]], k: int, near: str) -> Candidate:
    return Candidate(
        establishment_id=str(r["establishment_id"]),
        name=str(r["name"] or ""),
        scian=str(r["scian"]),
        state=str(r["state"] or ""),
        municipality=str(r["municipality"] or ""),
        lat=float(r["lat"]),
        lon=float(r["lon"]),
        distance_km=road_km,
        employees_low=r["employees_low"],
        employees_high=r["employees_high"],
        score=parts["_score"][k],
        score_parts={name: parts[name][k] for name in ("concordance", "size", "distance", "park")},
        band=r["band"],
        in_industrial_park=r["in_industrial_park"],
        great_circle_km=parts["_km"][k],
        near_site=near,
    )


def item_queries(network: Network, near: str | None = None) -> list[ItemQuery]:
    """Every item of the network with its classes and receiving sites (``near`` for all when given)."""
    sites = network.sites
    where = {
        r["site_id"]: (r["lat"], r["lon"], r["kind"])
        for r in sites.select("site_id", "lat", "lon", "kind").iter_rows(named=True)
    }
    if near is not None and near not in where:
        raise InputError(
            f"{network.source_of('sites')}: --near {near!r} is not a site_id of the network; "
            f"choose one of {', '.join(sorted(where)[:8])}{' ...' if len(where) > 8 else ''}"
        )
    if near is not None and (where[near][0] is None or where[near][1] is None):
        raise InputError(
            f"{network.source_of('sites')}: --near {near!r} has no lat/lon; give the site coordinates "
            "(lat, lon columns of the sites table) or name a site that has them"
        )
    into: dict[str, list[str]] = {}
    for item_id, to_site in network.flows.select("item_id", "to_site").unique(maintain_order=True).iter_rows():
        into.setdefault(item_id, []).append(to_site)
    queries = []
    for item_id, hs_code in network.items.select("item_id", "hs_code").iter_rows():
        hs = hs_classes(hs_code)
        if near is not None:
            chosen = [near]
        else:
            targets = into.get(item_id, [])
            kinds = [[s for s in targets if where.get(s, (None, None, ""))[2] == kind] for kind in RECEIVING_KINDS]
            chosen = next((found for found in kinds if found), [])
        note = ""
        if not chosen and into.get(item_id):
            note = "shipped to customers only (a finished good): give --near SITE_ID to match it"
        elif not chosen:
            note = "no flow of this item into a site of the network: give --near SITE_ID to match it"
        located = [s for s in chosen if where[s][0] is not None and where[s][1] is not None]
        if chosen and not located:
            note = f"receiving site(s) {', '.join(chosen)} have no lat/lon: give them coordinates or --near SITE_ID"
        if hs.note and not hs.classes:
            note = hs.note
        queries.append(
            ItemQuery(
                item_id,
                hs,
                tuple(located) if located else tuple(chosen),
                np.asarray([where[s][0] for s in located], dtype=np.float64),
                np.asarray([where[s][1] for s in located], dtype=np.float64),
                note,
            )
        )
    return queries


def capacity_match(
    network: Network,
    establishments: pl.LazyFrame | pl.DataFrame | None = None,
    *,
    data: str | Path | None = None,
    within_km: float = DEFAULT_WITHIN_KM,
    near: str | None = None,
    min_employees: int | None = None,
    top: int = DEFAULT_TOP,
    weights: ScoreWeights = DEFAULT_WEIGHTS,
) -> CapacityMatch:
    """Match every item of ``network`` to the establishments (the edition in use of the data directory ``data``
    when none are given) that could make it, ranked (see the module's docstring).

    Raises
    ------
    allyshore.capacity.establishments.NoEditionError
        No establishments given and no DENUE edition imported.
    InputError
        ``near`` is not a site of the network, ``within_km`` or ``top`` out of range.
    """
    if min_employees is not None and min_employees < 0:
        raise InputError(f"--min-employees must be 0 or more, not {min_employees}")
    queries = item_queries(network, near)
    if establishments is None:
        from allyshore.capacity.establishments import scan_establishments

        establishments = scan_establishments(data, columns=MATCH_COLUMNS)
    circuity = road_circuity()
    items, count = match_items(
        queries,
        establishments,
        within_km=within_km,
        min_employees=min_employees,
        top=top,
        circuity=circuity,
        weights=weights,
    )
    assumptions = (
        f"road distance = great-circle distance x {circuity:g} (road_circuity of data/cost/parameters.csv)",
        "industries matched on the first 5 digits common to NAICS and SCIAN (4 for Census aggregates like 1123XX)",
        f"score = {weights.concordance:g} concordance + {weights.size:g} size + {weights.distance:g} distance + "
        f"{weights.park:g} park (docs/capacity.md)",
        "min-employees keeps the establishments whose DENUE band's lower bound is at least the number",
    )
    return CapacityMatch(
        network=network.name,
        within_km=within_km,
        min_employees=min_employees,
        top=top,
        road_circuity=circuity,
        weights=weights,
        items=items,
        establishments=count,
        assumptions=assumptions,
    )
