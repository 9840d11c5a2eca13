"""Random but realistic supply networks of any size, for tests and benchmarks.

:func:`generate_network` builds a layered multi-tier network, all in numpy and polars (no per-row
Python loops), so that networks with a million BOM + flow rows take seconds:

* **items** in ``tiers`` tiers: tier 0 holds the finished goods, each lower tier ``growth`` times as
  many items (default 3); tier ``tiers - 1`` holds raw materials. Every item of tiers 0..T-2 has 2 to 5
  BOM children in the next tier (every item of the next tier is used at least once), so the BOM is a DAG
  by construction. HS codes are real HS 2022 subheadings typical of each tier.
* **sources**: each item is made at 1, 2 or 3 sites (40/40/20%), at distinct sites of its tier; finished
  goods at plants, parts at suppliers. Supplier countries are drawn with each economy's share of the
  world's exports of manufactured intermediates (WIOD 2013 release, 2011; ``data/trade_weights.csv``,
  built by ``scripts/build_trade_weights.py``); plants sit in the US, Mexico and Canada in proportion to
  the same weights. A quarter of the parts (``candidate_share``) also get a *candidate* source in Mexico,
  the US or Canada (``status=candidate`` on supply and flows), priced 5-30% above the item's price.
* **flows**: every site making a parent receives each BOM child from every active source of the child,
  with the child's sourcing shares (random, rounded to 0.001, summing to exactly 1 per receiving site and
  item); candidate sources get candidate flows to the same sites. Plants ship finished goods to customers
  in North America, where the demand sits. Mode, transit days, freight and the border crossing follow the
  geography (:func:`allyshore.lane_rules.lane_defaults`): Mexico-US lanes cross at Laredo, Otay Mesa,
  El Paso, ... in proportion to their truck crossings.
* **numbers**: raw-material prices are log-normal around USD 2; each parent costs its BOM plus an 8-45%
  markup; weights roll up likewise. Capacities are 1.1-1.8 x each node's weekly requirement (demand rolled
  down the BOM), inventories 0-6 weeks of it, TTRs 1-26 weeks (longer for raw materials and plants).

Sizes. With ``f`` finished goods, ``g`` = growth and ``T`` tiers, there are ``f (1 + g + ... + g^(T-1))``
items; about ``3.5 f (1 + ... + g^(T-2))`` BOM rows, and about ``(1.8^2 + 0.25 x 1.8) = 3.7`` flows per BOM
row (every node of the parent times every source of the child, plus candidate flows), so
``edges ~ 4.7 x BOM rows`` (:func:`expected_edges`). :func:`items_for_edges` inverts it, and
``generate_network(edges=1_000_000)`` picks the size itself.

Validation. By default networks of up to 200,000 BOM + flow rows are checked with
:func:`allyshore.model.validate.check_network` (a :class:`~allyshore.errors.ValidationError` on any error);
larger ones skip the check, being valid by construction (the tests check it over many seeds at small sizes).
``validate=True`` forces the check, ``validate=False`` (benchmarks) skips it. ``benchmarks/bench_generate.py``
times both: on a shared 2-core machine 1M rows generate in about 1 s (up to 3 s in a cold process) and take
about 5 s more to check.

>>> net = generate_network(items=60, tiers=3, seed=7)
>>> net.summary()["items"], sorted(set(net.sites["kind"].to_list()))
(65, ['customer', 'plant', 'supplier'])
>>> generate_network(items=60, tiers=3, seed=7).flows.equals(net.flows)
True
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.errors import InputError, ValidationError
from allyshore.geography import NORTH_AMERICA
from allyshore.lane_rules import CROSSING_NAMES, lane_defaults
from allyshore.model.network import Network, table_dtype
from allyshore.model.schema import MODES, TABLES

GROWTH = 3.0
CHILDREN = (2, 5)
SOURCE_COUNTS = (1, 2, 3)
SOURCE_PROBABILITIES = (0.4, 0.4, 0.2)
CANDIDATE_SHARE = 0.25
ITEMS_PER_SUPPLIER = 4
VALIDATE_UP_TO = 200_000  # BOM + flow rows checked by default
_MEAN_CHILDREN = 3.5
_MEAN_SOURCES = float(np.dot(SOURCE_COUNTS, SOURCE_PROBABILITIES))

#: One industrial city per economy (and a few per large one): (country, city, region, lat, lon).
#: Coordinates from GeoNames (geonames.org), rounded to 0.01 degree.
CITIES: tuple[tuple[str, str, str, float, float], ...] = (
    ("AU", "Melbourne", "Victoria", -37.81, 144.96),
    ("AT", "Linz", "Upper Austria", 48.31, 14.29),
    ("BE", "Antwerp", "Flanders", 51.22, 4.40),
    ("BG", "Plovdiv", "Plovdiv", 42.15, 24.75),
    ("BR", "Sao Paulo", "Sao Paulo", -23.55, -46.63),
    ("CA", "Windsor", "Ontario", 42.30, -83.02),
    ("CA", "Mississauga", "Ontario", 43.59, -79.64),
    ("CA", "Montreal", "Quebec", 45.51, -73.59),
    ("CN", "Shenzhen", "Guangdong", 22.54, 114.06),
    ("CN", "Suzhou", "Jiangsu", 31.30, 120.58),
    ("CN", "Ningbo", "Zhejiang", 29.87, 121.54),
    ("CN", "Tianjin", "Tianjin", 39.14, 117.18),
    ("CY", "Limassol", "Limassol", 34.68, 33.04),
    ("CZ", "Brno", "South Moravia", 49.20, 16.61),
    ("DE", "Stuttgart", "Baden-Wuerttemberg", 48.78, 9.18),
    ("DE", "Nuremberg", "Bavaria", 49.45, 11.08),
    ("DE", "Dortmund", "North Rhine-Westphalia", 51.51, 7.47),
    ("DK", "Aarhus", "Central Denmark", 56.16, 10.20),
    ("ES", "Zaragoza", "Aragon", 41.65, -0.88),
    ("EE", "Tallinn", "Harju", 59.44, 24.75),
    ("FI", "Tampere", "Pirkanmaa", 61.50, 23.79),
    ("FR", "Lyon", "Auvergne-Rhone-Alpes", 45.76, 4.84),
    ("GB", "Birmingham", "England", 52.49, -1.89),
    ("GR", "Thessaloniki", "Central Macedonia", 40.64, 22.94),
    ("HU", "Gyor", "Gyor-Moson-Sopron", 47.68, 17.63),
    ("ID", "Bekasi", "West Java", -6.24, 106.99),
    ("IN", "Pune", "Maharashtra", 18.52, 73.86),
    ("IN", "Chennai", "Tamil Nadu", 13.08, 80.27),
    ("IE", "Cork", "Munster", 51.90, -8.47),
    ("IT", "Turin", "Piedmont", 45.07, 7.69),
    ("IT", "Brescia", "Lombardy", 45.54, 10.22),
    ("JP", "Nagoya", "Aichi", 35.18, 136.91),
    ("JP", "Osaka", "Osaka", 34.69, 135.50),
    ("KR", "Ulsan", "Ulsan", 35.54, 129.31),
    ("KR", "Suwon", "Gyeonggi", 37.26, 127.03),
    ("LT", "Kaunas", "Kaunas", 54.90, 23.90),
    ("LU", "Esch-sur-Alzette", "Esch-sur-Alzette", 49.50, 5.98),
    ("LV", "Riga", "Riga", 56.95, 24.11),
    ("MX", "Monterrey", "Nuevo Leon", 25.67, -100.31),
    ("MX", "Tijuana", "Baja California", 32.53, -117.02),
    ("MX", "Ciudad Juarez", "Chihuahua", 31.69, -106.42),
    ("MX", "Queretaro", "Queretaro", 20.59, -100.39),
    ("MX", "Saltillo", "Coahuila", 25.42, -101.00),
    ("MT", "Birkirkara", "Central Region", 35.90, 14.46),
    ("NL", "Eindhoven", "North Brabant", 51.44, 5.48),
    ("PL", "Wroclaw", "Lower Silesia", 51.11, 17.03),
    ("PT", "Porto", "Norte", 41.15, -8.61),
    ("RO", "Pitesti", "Arges", 44.86, 24.87),
    ("RU", "Kaluga", "Kaluga Oblast", 54.51, 36.26),
    ("SK", "Zilina", "Zilina", 49.22, 18.74),
    ("SI", "Maribor", "Drava", 46.55, 15.65),
    ("SE", "Gothenburg", "Vastra Gotaland", 57.71, 11.97),
    ("TR", "Bursa", "Bursa", 40.19, 29.06),
    ("TW", "Hsinchu", "Hsinchu", 24.80, 120.97),
    ("TW", "Taichung", "Taichung", 24.15, 120.67),
    ("US", "Detroit", "Michigan", 42.33, -83.05),
    ("US", "Chicago", "Illinois", 41.88, -87.63),
    ("US", "Houston", "Texas", 29.76, -95.37),
    ("US", "Greenville", "South Carolina", 34.85, -82.40),
    ("US", "San Jose", "California", 37.34, -121.89),
    ("US", "Columbus", "Ohio", 39.96, -83.00),
    ("VN", "Bien Hoa", "Dong Nai", 10.94, 106.82),
)

#: Real HS 2022 subheadings typical of each tier (finished goods, components, raw materials),
#: checked against the HS 2022 nomenclature in the tests.
HS_BY_TIER: tuple[tuple[str, ...], ...] = (
    ("9018.90", "8471.30", "8504.40", "8708.99", "8507.60", "8516.60", "8528.52", "9027.89"),
    ("8501.10", "8534.00", "8542.31", "8536.50", "8544.42", "8708.29", "8483.40", "8481.80", "8413.70",
     "8473.30", "8529.90", "3926.90", "7318.15", "8482.10", "9032.89"),
    ("3901.10", "3902.10", "3907.40", "4002.59", "7208.51", "7606.12", "7408.11", "2804.61", "2836.91",
     "2901.21", "7019.12", "8541.10", "2818.20", "4011.10"),
)  # fmt: skip


@lru_cache(maxsize=1)
def trade_weights() -> tuple[tuple[str, ...], NDArray[np.float64]]:
    """Countries and their share of world intermediate exports (``data/trade_weights.csv``)."""
    text = resources.files("allyshore").joinpath("data", "trade_weights.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    codes = tuple(r["country"] for r in rows)
    weights = np.array([float(r["weight"]) for r in rows])
    return codes, weights / weights.sum()


def tier_sizes(finished_goods: int, tiers: int, growth: float = GROWTH) -> list[int]:
    """Items per tier: ``finished_goods * growth**t`` for t = 0..tiers-1 (at least 2 below tier 0)."""
    return [max(round(finished_goods * growth**t), 1 if t == 0 else 2) for t in range(tiers)]


def expected_edges(items: int, tiers: int = 4, growth: float = GROWTH) -> int:
    """Approximate BOM + flow rows of a network of ``items`` items in ``tiers`` tiers.

    >>> expected_edges(1000, tiers=4)
    5335
    """
    weights = [growth**t for t in range(tiers)]
    parents = items * sum(weights[:-1]) / sum(weights)
    bom = _MEAN_CHILDREN * parents
    flows = bom * (_MEAN_SOURCES**2 + CANDIDATE_SHARE * _MEAN_SOURCES)
    return round(bom + flows)


def items_for_edges(edges: int, tiers: int = 4, growth: float = GROWTH) -> int:
    """The number of items whose network has about ``edges`` BOM + flow rows (inverse of :func:`expected_edges`).

    >>> items_for_edges(1_000_000, tiers=4)
    187441
    """
    return max(round(edges * 1000 / expected_edges(1000, tiers, growth)), 2 * tiers)


def _series(name: str, values: Any, dtype: Any) -> pl.Series:
    """A typed column; empty strings and NaN become null."""
    if isinstance(values, pl.Series):
        return values.alias(name).cast(dtype)
    if dtype == pl.String:
        series = pl.Series(name, np.asarray(values).astype(str))
        return series.set(series == "", None)
    series = pl.Series(name, np.asarray(values, dtype=np.float64))
    return series.fill_nan(None).cast(dtype)


def _typed(table: str, data: dict[str, Any]) -> pl.DataFrame:
    """A table with every schema column, in schema order, typed (null where ``data`` has none)."""
    height = len(next(iter(data.values())))
    columns = []
    for column in TABLES[table].columns:
        dtype = table_dtype(column)
        if column.name in data:
            columns.append(_series(column.name, data[column.name], dtype))
        else:
            columns.append(pl.repeat(None, height, dtype=dtype, eager=True).alias(column.name))
    return pl.DataFrame(columns)


def generate_network(
    items: int | None = None,
    tiers: int = 4,
    seed: int = 0,
    *,
    edges: int | None = None,
    finished_goods: int | None = None,
    growth: float = GROWTH,
    candidate_share: float = CANDIDATE_SHARE,
    validate: bool | None = None,
    name: str | None = None,
) -> Network:
    """A random, realistic, valid multi-tier network (see the module documentation).

    Parameters
    ----------
    items : int, optional
        Total items over all tiers (default 200 when neither ``edges`` nor ``finished_goods`` is given).
    tiers : int
        BOM levels, finished goods to raw materials (2 to 8).
    seed : int
        Seed of the random generator: the same arguments give the same network.
    edges : int, optional
        Target number of BOM + flow rows instead of ``items`` (about; see :func:`expected_edges`).
    finished_goods : int, optional
        Items of tier 0 instead of ``items``; lower tiers grow by ``growth``.
    growth : float
        Items in tier t+1 per item in tier t.
    candidate_share : float
        Share of items (below tier 0) with a candidate source in North America.
    validate : bool, optional
        Check the result with :func:`allyshore.model.validate.check_network` (on the typed tables, not the
        slower text path of files). Default: check networks of up to 200,000 BOM + flow rows (under half a
        second) and skip larger ones, which are valid by construction (the tests check it over many seeds);
        benchmarks pass ``False`` to time generation alone (1M rows: about 1-3 s to generate, 5 s more to check).
    name : str, optional
        Name of the network (default ``generated-<items>x<tiers>-s<seed>``).

    Raises
    ------
    InputError
        Sizes out of range.
    """
    if not 2 <= tiers <= 8:
        raise InputError(f"tiers must be between 2 and 8, not {tiers}")
    if growth < 1:
        raise InputError(f"growth must be at least 1, not {growth}")
    if edges is not None:
        items = items_for_edges(edges, tiers, growth)
    weights = [growth**t for t in range(tiers)]
    if finished_goods is None:
        total = 200 if items is None else items
        if total < 2 * tiers:
            raise InputError(f"items must be at least {2 * tiers} for {tiers} tiers, not {total}")
        finished_goods = max(round(total / sum(weights)), 1)
    if finished_goods < 1:
        raise InputError(f"finished_goods must be at least 1, not {finished_goods}")
    rng = np.random.default_rng(seed)
    sizes = tier_sizes(finished_goods, tiers, growth)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n_items = int(starts[-1])
    item_tier = np.repeat(np.arange(tiers), sizes)
    width = len(str(n_items))

    # ------------------------------------------------------------------ BOM: children in the next tier
    parents_list, children_list = [], []
    for t in range(tiers - 1):
        n_parent, n_child = sizes[t], sizes[t + 1]
        counts = np.minimum(rng.integers(CHILDREN[0], CHILDREN[1] + 1, n_parent), n_child)
        slots = int(counts.sum())
        picks = rng.integers(0, n_child, slots)
        cover = rng.permutation(n_child)[: min(slots, n_child)]  # every child used at least once
        picks[rng.permutation(slots)[: cover.size]] = cover
        parents_list.append(np.repeat(np.arange(starts[t], starts[t + 1]), counts))
        children_list.append(starts[t + 1] + picks)
    bom = pl.DataFrame(
        {
            "parent": np.concatenate(parents_list) if parents_list else np.zeros(0, np.int64),
            "child": np.concatenate(children_list) if children_list else np.zeros(0, np.int64),
        }
    ).unique(maintain_order=True)
    qty_draw = rng.choice(np.array([1.0, 1.0, 1.0, 2.0, 2.0, 4.0, 0.5, 0.25]), bom.height)
    bom = bom.with_columns(quantity=pl.Series(qty_draw))

    # ------------------------------------------------------------------ prices and weights, bottom-up
    price = np.zeros(n_items)
    weight = np.zeros(n_items)
    raw = item_tier == tiers - 1
    price[raw] = np.round(np.exp(rng.normal(math.log(2.0), 0.9, int(raw.sum()))), 2) + 0.05
    weight[raw] = np.round(np.exp(rng.normal(math.log(0.05), 1.0, int(raw.sum()))), 4) + 0.001
    b_parent = bom.get_column("parent").to_numpy()
    b_child = bom.get_column("child").to_numpy()
    b_qty = bom.get_column("quantity").to_numpy()
    for t in range(tiers - 2, -1, -1):
        mask = item_tier[b_parent] == t
        cost = np.bincount(b_parent[mask], weights=b_qty[mask] * price[b_child[mask]], minlength=n_items)
        mass = np.bincount(b_parent[mask], weights=b_qty[mask] * weight[b_child[mask]], minlength=n_items)
        level = item_tier == t
        price[level] = np.round(cost[level] * rng.uniform(1.08, 1.45, int(level.sum())), 2)
        weight[level] = np.round(mass[level] * rng.uniform(1.0, 1.1, int(level.sum())), 4)

    # ------------------------------------------------------------------ sites
    countries, country_weights = trade_weights()
    cities = pl.DataFrame(CITIES, schema=["country", "city", "region", "lat", "lon"], orient="row")
    city_country = cities.get_column("country").to_numpy()
    na = np.isin(np.asarray(countries), NORTH_AMERICA)
    na_codes = np.asarray(countries)[na]
    na_weights = country_weights[na] / country_weights[na].sum()
    known = np.isin(np.asarray(countries), city_country)
    world_codes = np.asarray(countries)[known]
    world_weights = country_weights[known] / country_weights[known].sum()

    source_count = rng.choice(np.array(SOURCE_COUNTS), n_items, p=np.array(SOURCE_PROBABILITIES))
    n_nodes_tier = np.bincount(item_tier, weights=source_count, minlength=tiers)
    # Site pools per tier: plants (tier 0), suppliers (each lower tier), candidates and customers.
    pool_size = [max(math.ceil(n_nodes_tier[t] / ITEMS_PER_SUPPLIER), 4) for t in range(tiers)]
    pool_size[0] = max(math.ceil(n_nodes_tier[0] / 3), 4)
    n_candidate_sites = [max(math.ceil(sizes[t] * candidate_share / ITEMS_PER_SUPPLIER), 3) for t in range(tiers)]
    n_customers = max(math.ceil(sizes[0] / 4), 2)
    pool_start = np.concatenate([[0], np.cumsum(pool_size)]).astype(np.int64)
    cand_start = pool_start[-1] + np.concatenate([[0], np.cumsum(n_candidate_sites)]).astype(np.int64)
    customer_start = int(cand_start[-1])
    n_sites = customer_start + n_customers
    site_tier = np.concatenate(
        [
            np.repeat(np.arange(tiers), pool_size),
            np.repeat(np.arange(tiers), n_candidate_sites),
            np.full(n_customers, -1),
        ]
    )
    site_country = np.empty(n_sites, dtype=object)
    site_country[: pool_size[0]] = rng.choice(na_codes, pool_size[0], p=na_weights)
    site_country[pool_size[0] : pool_start[-1]] = rng.choice(
        world_codes, int(pool_start[-1]) - pool_size[0], p=world_weights
    )
    site_country[pool_start[-1] : customer_start] = rng.choice(
        na_codes, customer_start - int(pool_start[-1]), p=na_weights
    )
    site_country[customer_start:] = rng.choice(np.array(["US", "CA", "MX"]), n_customers, p=np.array([0.8, 0.1, 0.1]))
    site_country = site_country.astype(str)
    # A city of the site's country, jittered by up to 0.3 degree.
    city_frame = cities.with_row_index("city_row")
    per_country = city_frame.group_by("country", maintain_order=True).agg(
        pl.col("city_row").min().alias("first"), pl.len().alias("count")
    )
    lookup = pl.DataFrame({"country": site_country}).join(per_country, on="country", how="left", maintain_order="left")
    city_row = lookup.get_column("first").to_numpy() + (
        rng.random(n_sites) * lookup.get_column("count").to_numpy()
    ).astype(np.int64)
    city_name = cities.get_column("city").to_numpy()[city_row]
    site_lat = np.round(cities.get_column("lat").to_numpy()[city_row] + rng.uniform(-0.3, 0.3, n_sites), 3)
    site_lon = np.round(cities.get_column("lon").to_numpy()[city_row] + rng.uniform(-0.3, 0.3, n_sites), 3)
    kind = np.where(site_tier == -1, "customer", np.where(site_tier == 0, "plant", "supplier"))
    kind[pool_start[-1] : cand_start[1]] = "plant"  # candidate sites of tier 0 are plants
    site_prefix = np.where(kind == "customer", "C", np.where(kind == "plant", "P", "S"))
    sid = pl.Series(site_prefix) + pl.Series(np.arange(n_sites)).cast(pl.String).str.zfill(len(str(n_sites)))
    label = np.where(kind == "customer", "Distribution centre", np.where(kind == "plant", "Assembly plant", "Supplier"))
    site_name = pl.Series(label) + " " + sid + " (" + pl.Series(city_name) + ")"
    country_names = tuple(np.unique(site_country).tolist())
    site_country_code = np.searchsorted(np.asarray(country_names), site_country)
    site_in_na = np.isin(site_country, NORTH_AMERICA)
    site_ttr = np.where(kind == "customer", np.nan, np.round(rng.uniform(2, 16, n_sites)))

    # ------------------------------------------------------------------ supply: sources per item
    node_item = np.repeat(np.arange(n_items), source_count)
    rank = np.arange(node_item.size) - np.repeat(np.cumsum(source_count) - source_count, source_count)
    tier_of_node = item_tier[node_item]
    pool = np.asarray(pool_size)[tier_of_node]
    first = rng.integers(0, pool, node_item.size)
    first = np.repeat(first[np.cumsum(source_count) - source_count], source_count)
    step = np.repeat(rng.integers(1, np.maximum(np.asarray(pool_size)[item_tier] // 3, 2)), source_count)
    node_site = pool_start[tier_of_node] + (first + rank * step) % pool
    raw_share = rng.gamma(2.0, 1.0, node_item.size)
    share = raw_share / np.bincount(node_item, weights=raw_share)[node_item]
    share = np.maximum(np.round(share, 3), 0.001)  # no active source below 0.1%
    # The rounding residual goes to each item's largest share, so every share stays positive.
    order = np.lexsort((-share, node_item))
    largest = order[np.r_[True, node_item[order][1:] != node_item[order][:-1]]]
    residual = 1.0 - np.bincount(node_item, weights=share, minlength=n_items)
    share[largest] = np.round(share[largest] + residual[node_item[largest]], 3)
    # Candidates: items below tier 0 (and some goods), one North American site each.
    has_candidate = rng.random(n_items) < candidate_share
    cand_item = np.flatnonzero(has_candidate)
    cand_site = cand_start[item_tier[cand_item]] + rng.integers(0, np.asarray(n_candidate_sites)[item_tier[cand_item]])

    # Weekly requirement per item: demand rolled down the BOM, tier by tier.
    demand_goods = np.arange(sizes[0])
    customers_per_good = rng.integers(1, 3, sizes[0])
    d_item = np.repeat(demand_goods, customers_per_good)
    d_rank = np.arange(d_item.size) - np.repeat(np.cumsum(customers_per_good) - customers_per_good, customers_per_good)
    d_site = customer_start + (rng.integers(0, n_customers, sizes[0])[d_item] + d_rank) % n_customers
    d_units = np.round(np.exp(rng.normal(math.log(150.0), 0.8, d_item.size)))
    need = np.bincount(d_item, weights=d_units, minlength=n_items)
    for t in range(tiers - 1):
        mask = item_tier[b_parent] == t
        need += np.bincount(b_child[mask], weights=b_qty[mask] * need[b_parent[mask]], minlength=n_items)
    node_need = need[node_item] * share
    status_code = np.concatenate([np.zeros(node_item.size, np.int64), np.ones(cand_item.size, np.int64)])
    s_item = np.concatenate([node_item, cand_item])
    s_site = np.concatenate([node_site, cand_site])
    cand_need = need[cand_item] * rng.uniform(0.2, 0.6, cand_item.size)
    s_need = np.concatenate([node_need, cand_need])
    s_price = np.round(
        price[s_item]
        * np.concatenate([rng.uniform(0.92, 1.08, node_item.size), rng.uniform(1.05, 1.3, cand_item.size)]),
        2,
    )
    s_tier = item_tier[s_item]
    ttr_scale = np.where(s_tier == tiers - 1, 10.0, np.where(s_tier == 0, 8.0, 5.0))
    certifies = np.where(site_in_na[s_site], np.where(rng.random(s_item.size) < 0.7, 1, 2), 0)
    item_ids = pl.Series(np.where(item_tier == 0, "G", np.where(item_tier == tiers - 1, "R", "C"))) + pl.Series(
        np.arange(n_items)
    ).cast(pl.String).str.zfill(width)
    supply = _typed(
        "supply",
        {
            "site_id": sid.gather(s_site),
            "item_id": item_ids.gather(s_item),
            "unit_price": s_price,
            "capacity_per_week": np.ceil(s_need * rng.uniform(1.1, 1.8, s_item.size)),
            "inventory": np.where(status_code == 0, np.round(s_need * rng.uniform(0, 6, s_item.size)), 0.0),
            "ttr_weeks": np.clip(np.round(rng.gamma(2.0, ttr_scale / 2)), 1, 26),
            "lead_time_days": np.round(rng.uniform(5, 45, s_item.size)),
            "status": pl.Series(["active", "candidate"]).gather(status_code),
            "supplier_certifies_origin": pl.Series([None, True, False], dtype=pl.Boolean).gather(certifies),
        },
    )

    # ------------------------------------------------------------------ flows
    nodes = pl.DataFrame({"site": node_site, "item": node_item, "share": share})
    cands = pl.DataFrame({"site": cand_site, "item": cand_item})
    bom_idx = pl.DataFrame({"parent": b_parent, "child": b_child})
    consumers = (
        nodes.select("site", pl.col("item").alias("parent"))
        .join(bom_idx, on="parent")
        .select(pl.col("site").alias("to"), pl.col("child").alias("item"))
        .unique(maintain_order=True)
    )
    active_flows = consumers.join(
        nodes.rename({"site": "from"}), on="item", how="inner", maintain_order="left"
    ).with_columns(status=pl.lit("active"))
    candidate_flows = consumers.join(cands.rename({"site": "from"}), on="item", how="inner", maintain_order="left")
    candidate_flows = candidate_flows.with_columns(share=pl.lit(None, dtype=pl.Float64), status=pl.lit("candidate"))
    # Finished goods to the customers that demand them.
    demand_frame = pl.DataFrame({"to": d_site, "item": d_item})
    to_customers = demand_frame.join(nodes.rename({"site": "from"}), on="item", how="inner", maintain_order="left")
    to_customers = to_customers.with_columns(status=pl.lit("active"))
    # Candidate plants of finished goods quote to the same customers.
    candidate_to_customers = demand_frame.join(
        cands.rename({"site": "from"}), on="item", how="inner", maintain_order="left"
    ).with_columns(share=pl.lit(None, dtype=pl.Float64), status=pl.lit("candidate"))
    flows = pl.concat(
        [
            active_flows.select("from", "to", "item", "share", "status"),
            candidate_flows.select("from", "to", "item", "share", "status"),
            to_customers.select("from", "to", "item", "share", "status"),
            candidate_to_customers.select("from", "to", "item", "share", "status"),
        ]
    )
    f_from = flows.get_column("from").to_numpy()
    f_to = flows.get_column("to").to_numpy()
    f_item = flows.get_column("item").to_numpy()
    air = (price[f_item] > 150.0) & (weight[f_item] < 2.0) & (rng.random(flows.height) < 0.5)
    lanes = lane_defaults(
        site_lat[f_from],
        site_lon[f_from],
        site_lat[f_to],
        site_lon[f_to],
        site_country_code[f_from],
        site_country_code[f_to],
        weight[f_item],
        air=air,
        draw=rng.random(flows.height),
        countries=country_names,
    )
    flow_table = _typed(
        "flows",
        {
            "from_site": sid.gather(f_from),
            "to_site": sid.gather(f_to),
            "item_id": item_ids.gather(f_item),
            "share": flows.get_column("share"),
            "mode": pl.Series(MODES).gather(lanes["mode_code"]),
            "transit_days": lanes["transit_days"],
            "freight_per_unit": lanes["freight_per_unit"],
            "crossing": pl.Series([None, *CROSSING_NAMES[1:]], dtype=pl.String).gather(lanes["crossing_code"]),
            "status": flows.get_column("status"),
        },
    )

    # ------------------------------------------------------------------ the other tables
    hs_pool = [0 if t == 0 else (2 if t == tiers - 1 else 1) for t in range(tiers)]
    hs_start = np.cumsum([0, *(len(codes) for codes in HS_BY_TIER)])
    hs_index = np.concatenate(
        [hs_start[hs_pool[t]] + rng.integers(0, len(HS_BY_TIER[hs_pool[t]]), sizes[t]) for t in range(tiers)]
    )
    hs_codes = pl.Series([code for codes in HS_BY_TIER for code in codes]).gather(hs_index)
    tier_label = np.where(item_tier == 0, "Finished good", np.where(item_tier == tiers - 1, "Raw material", "Part"))
    items_table = _typed(
        "items",
        {
            "item_id": item_ids,
            "name": pl.Series(tier_label) + " " + item_ids,
            "hs_code": hs_codes,
            "unit": pl.Series(["ea"]).gather(np.zeros(n_items, np.int64)),
            "unit_cost": price,
            "weight_kg": weight,
            "profit_per_unit": np.where(item_tier == 0, np.round(price * rng.uniform(0.1, 0.35, n_items), 2), np.nan),
        },
    )
    sites_table = _typed(
        "sites",
        {
            "site_id": sid,
            "name": site_name,
            "country": site_country,
            "kind": kind,
            "region": cities.get_column("region").to_numpy()[city_row],
            "lat": site_lat,
            "lon": site_lon,
            "ttr_weeks": site_ttr,
        },
    )
    bom_table = _typed(
        "bom", {"parent_id": item_ids.gather(b_parent), "child_id": item_ids.gather(b_child), "quantity": b_qty}
    )
    demand_table = _typed(
        "demand", {"site_id": sid.gather(d_site), "item_id": item_ids.gather(d_item), "units_per_week": d_units}
    )
    network = Network(
        tables={
            "sites": sites_table,
            "items": items_table,
            "bom": bom_table,
            "supply": supply,
            "flows": flow_table,
            "demand": demand_table,
        },
        name=name or f"generated-{n_items}x{tiers}-s{seed}",
        description=f"Generated network: {n_items} items in {tiers} tiers, seed {seed} (allyshore.generate).",
        source=None,
    )
    if validate or (validate is None and bom_table.height + flow_table.height <= VALIDATE_UP_TO):
        from allyshore.model.validate import check_network

        problems = check_network(network)
        if any(p.severity == "error" for p in problems):
            raise ValidationError(problems, what="generated network")
    return network


#: The source countries of :func:`sourcing_network`: each with the price level of its factory-gate quotes
#: relative to the item's reference price, and its chance of being today's (active) source. Illustrative levels
#: (lower-cost Asian and Mexican suppliers, dearer US, Canadian, German and Japanese ones), not measured prices;
#: the tariffs, freight and duties the landed-cost engine adds decide which source is cheapest landed.
SOURCING_COUNTRIES: tuple[tuple[str, float, float], ...] = (
    ("CN", 0.78, 0.45), ("VN", 0.84, 0.08), ("IN", 0.86, 0.05), ("MX", 0.95, 0.10), ("US", 1.12, 0.12),
    ("CA", 1.10, 0.03), ("DE", 1.15, 0.05), ("JP", 1.08, 0.04), ("KR", 0.98, 0.04), ("TW", 0.96, 0.04),
)  # fmt: skip
#: US HTS lines of the finished goods of :func:`sourcing_network`, each with the line of its own parts ("" for
#: none), and of the other purchased parts: full lines whose duties the tariff tables know for every source
#: country (a 6-digit code whose lines differ is unknown). A good's own parts (pump parts in a pump, 8413.91 in
#: 8413.70) make no change of heading, so under USMCA the good is originating through them only with the regional
#: value content its rule's other alternative asks (Annex 4-B: heading 8413, subheadings 9032.89 and 8507.60);
#: the other parts change heading.
SOURCING_GOODS_HS: tuple[tuple[str, str], ...] = (
    ("8413.70.20", "8413.91.10"),
    ("9032.89.60", "9032.90.61"),
    ("8507.60.00", "8507.90.80"),
    ("8504.40.95", ""),
    ("9018.90.80", ""),
)
SOURCING_PARTS_HS: tuple[str, ...] = (
    "8501.10.40", "8534.00.00", "8536.50.90", "8536.10.00", "8481.80.90", "3926.90.99", "8529.90.99", "8483.40.50",
    "8544.42.90", "7318.15.80",
)  # fmt: skip
#: Share of a good's parts that are its own parts, where it has a line for them.
OWN_PARTS_SHARE = 0.2


def sourcing_network(
    purchased: int = 2000,
    sources: int = 10,
    *,
    goods: int | None = None,
    plants: int = 4,
    seed: int = 0,
    countries: tuple[tuple[str, float, float], ...] = SOURCING_COUNTRIES,
    validate: bool | None = None,
    name: str | None = None,
) -> Network:
    """A sourcing-choice network: ``purchased`` parts, each quoted by ``sources`` suppliers in different countries
    (one ``active`` today, the others ``candidate``), assembled at ``plants`` plants (at most one per good) into ``goods`` finished goods.

    Every part belongs to the BOM of one finished good (about ``purchased / goods`` parts each, default 50), and
    every supplier quoting it ships to that good's plant: ``purchased * sources`` flows into the plants, one
    (part, plant) need each part. The sources of a part are in distinct countries of ``countries`` (while
    ``sources`` is at most their number) and at distinct sites; today's source is drawn by the countries' weights.
    A quote is the part's reference price (log-normal around USD 8) times the country's price level times 0.95-1.05;
    lanes (mode, transit, freight, border crossing) follow the geography as in :func:`generate_network`.
    Plants sit in the US (whose tariff tables the cost engine has), goods ship to two US distribution centres.
    HTS lines: :data:`SOURCING_GOODS_HS` and :data:`SOURCING_PARTS_HS` (a fifth of a good's parts its own parts,
    where its line has them). Capacities: today's
    source 1.2-2 x the plant's weekly need of the part, a candidate 0.3-1.5 x, so that some plans split a part.

    >>> net = sourcing_network(purchased=20, sources=4, goods=2, plants=2, seed=1)
    >>> net.flows.height, net.flows.filter(pl.col("status") == "candidate").height
    (82, 60)
    """
    if purchased < 1 or sources < 1 or plants < 1:
        raise InputError(f"purchased, sources and plants must be at least 1, not {purchased}, {sources}, {plants}")
    n_goods = max(purchased // 50, 1) if goods is None else goods
    if not 1 <= n_goods <= purchased:
        raise InputError(f"goods must be between 1 and the number of purchased parts ({purchased}), not {n_goods}")
    plants = min(plants, n_goods)  # no plant without a good to make
    rng = np.random.default_rng(seed)
    codes = np.asarray([c for c, _, _ in countries])
    level = np.asarray([p for _, p, _ in countries])
    weight_active = np.asarray([w for _, _, w in countries], dtype=np.float64)
    weight_active = weight_active / weight_active.sum()
    n_c = codes.size

    # ------------------------------------------------------------------ items and BOM
    good_of = rng.permutation(purchased) % n_goods  # every good gets parts
    quantity = rng.choice(np.array([1.0, 1.0, 1.0, 2.0, 2.0, 4.0, 0.5]), purchased)
    base = np.round(np.exp(rng.normal(math.log(8.0), 1.0, purchased)), 2) + 0.05
    part_kg = np.round(np.exp(rng.normal(math.log(0.2), 1.0, purchased)), 4) + 0.001
    width = len(str(max(purchased, n_goods)))
    good_ids = "G" + pl.Series(np.arange(n_goods)).cast(pl.String).str.zfill(width)
    part_ids = "C" + pl.Series(np.arange(purchased)).cast(pl.String).str.zfill(width)

    # ------------------------------------------------------------------ sources: distinct countries, active first
    active_country = rng.choice(n_c, purchased, p=weight_active)
    keys = rng.random((purchased, n_c))
    keys[np.arange(purchased), active_country] = -1.0
    order = np.argsort(keys, axis=1)
    if sources > n_c:  # more sources than countries: the extra ones anywhere
        order = np.hstack([order, rng.integers(0, n_c, (purchased, sources - n_c))])
    src_country = order[:, :sources].ravel()  # (part, rank) in row-major order, rank 0 = today's source
    src_part = np.repeat(np.arange(purchased), sources)
    src_rank = np.tile(np.arange(sources), purchased)
    # Supplier sites: a pool per country, each supplier quoting about 8 parts; a part's sources at distinct sites.
    pool = np.maximum(np.ceil(np.bincount(src_country, minlength=n_c) / 8.0).astype(np.int64), sources + 1)
    pool_start = np.concatenate([[0], np.cumsum(pool)]).astype(np.int64)
    offset = rng.integers(0, pool.max(), purchased)
    src_site = pool_start[src_country] + (offset[src_part] + src_rank) % pool[src_country]
    n_suppliers = int(pool_start[-1])

    # ------------------------------------------------------------------ sites: suppliers, plants, customers
    plant_country = np.full(plants, "US")
    n_sites = n_suppliers + plants + 2
    site_country = np.concatenate([np.repeat(codes, pool), plant_country, np.array(["US", "US"])])
    kind = np.concatenate([np.full(n_suppliers, "supplier"), np.full(plants, "plant"), np.full(2, "customer")])
    cities = pl.DataFrame(CITIES, schema=["country", "city", "region", "lat", "lon"], orient="row")
    per_country = (
        cities.with_row_index("city_row")
        .group_by("country", maintain_order=True)
        .agg(pl.col("city_row").min().alias("first"), pl.len().alias("count"))
    )
    lookup = pl.DataFrame({"country": site_country}).join(per_country, on="country", how="left", maintain_order="left")
    if lookup.get_column("first").null_count():
        missing = sorted(set(site_country) - set(cities.get_column("country").to_list()))
        raise InputError(f"no city for the source countries {', '.join(missing)}: use countries of CITIES")
    city_row = lookup.get_column("first").to_numpy() + (
        rng.random(n_sites) * lookup.get_column("count").to_numpy()
    ).astype(np.int64)
    site_lat = np.round(cities.get_column("lat").to_numpy()[city_row] + rng.uniform(-0.3, 0.3, n_sites), 3)
    site_lon = np.round(cities.get_column("lon").to_numpy()[city_row] + rng.uniform(-0.3, 0.3, n_sites), 3)
    prefix = np.where(kind == "customer", "C", np.where(kind == "plant", "P", "S"))
    sid = pl.Series(prefix) + pl.Series(np.arange(n_sites)).cast(pl.String).str.zfill(len(str(n_sites)))
    label = np.where(kind == "customer", "Distribution centre", np.where(kind == "plant", "Assembly plant", "Supplier"))
    city_name = cities.get_column("city").to_numpy()[city_row]
    plant_of_good = n_suppliers + np.arange(n_goods) % plants
    customer_of_good = n_suppliers + plants + np.arange(n_goods) % 2

    # ------------------------------------------------------------------ weekly needs, quotes, capacities
    units = np.round(np.exp(rng.normal(math.log(100.0), 0.7, n_goods)))
    need = units[good_of] * quantity  # units a week of each part at its good's plant
    quote = np.round(base[src_part] * level[src_country] * rng.uniform(0.95, 1.05, src_part.size), 2)
    active = src_rank == 0
    cap_factor = np.where(active, rng.uniform(1.2, 2.0, src_part.size), rng.uniform(0.3, 1.5, src_part.size))
    bom_cost = np.bincount(good_of, weights=quantity * quote[active], minlength=n_goods)
    good_price = np.round(bom_cost * rng.uniform(1.25, 1.6, n_goods), 2)
    good_kg = np.round(np.bincount(good_of, weights=quantity * part_kg, minlength=n_goods) * 1.05, 4)
    sup_site = np.concatenate([src_site, plant_of_good])
    supply = _typed(
        "supply",
        {
            "site_id": sid.gather(sup_site),
            "item_id": pl.concat([part_ids.gather(src_part), good_ids]),
            "unit_price": np.concatenate([quote, good_price]),
            "capacity_per_week": np.ceil(np.concatenate([need[src_part] * cap_factor, units * 1.5])),
            "inventory": np.concatenate([np.where(active, np.round(need[src_part] * 2), 0.0), units * 2]),
            "ttr_weeks": np.clip(np.round(rng.gamma(2.0, 3.0, sup_site.size)), 1, 26),
            "lead_time_days": np.round(rng.uniform(5, 45, sup_site.size)),
            "status": pl.Series(["active", "candidate"]).gather(np.concatenate([~active, np.zeros(n_goods, bool)])),
            "supplier_certifies_origin": pl.Series([None, True], dtype=pl.Boolean).gather(
                np.isin(site_country[sup_site], NORTH_AMERICA).astype(np.int64)
            ),
        },
    )

    # ------------------------------------------------------------------ flows: every quote to its plant, goods out
    f_from = np.concatenate([src_site, plant_of_good])
    f_to = np.concatenate([plant_of_good[good_of[src_part]], customer_of_good])
    f_kg = np.concatenate([part_kg[src_part], good_kg])
    country_names = tuple(sorted(set(site_country.tolist())))
    country_code = np.searchsorted(np.asarray(country_names), site_country)
    lanes = lane_defaults(
        site_lat[f_from],
        site_lon[f_from],
        site_lat[f_to],
        site_lon[f_to],
        country_code[f_from],
        country_code[f_to],
        f_kg,
        draw=rng.random(f_from.size),
        countries=country_names,
    )
    f_active = np.concatenate([active, np.ones(n_goods, bool)])
    flows = _typed(
        "flows",
        {
            "from_site": sid.gather(f_from),
            "to_site": sid.gather(f_to),
            "item_id": pl.concat([part_ids.gather(src_part), good_ids]),
            "share": np.where(f_active, 1.0, np.nan),
            "mode": pl.Series(MODES).gather(lanes["mode_code"]),
            "transit_days": lanes["transit_days"],
            "freight_per_unit": lanes["freight_per_unit"],
            "crossing": pl.Series([None, *CROSSING_NAMES[1:]], dtype=pl.String).gather(lanes["crossing_code"]),
            "status": pl.Series(["active", "candidate"]).gather((~f_active).astype(np.int64)),
        },
    )

    # ------------------------------------------------------------------ the other tables
    good_hs = rng.integers(0, len(SOURCING_GOODS_HS), n_goods)
    own_line = np.asarray([own for _, own in SOURCING_GOODS_HS])[good_hs[good_of]]
    other_line = np.asarray(SOURCING_PARTS_HS)[rng.integers(0, len(SOURCING_PARTS_HS), purchased)]
    part_hs = np.where((own_line != "") & (rng.random(purchased) < OWN_PARTS_SHARE), own_line, other_line)
    items = _typed(
        "items",
        {
            "item_id": pl.concat([good_ids, part_ids]),
            "name": pl.concat(["Finished good " + good_ids, "Part " + part_ids]),
            "hs_code": np.concatenate([np.asarray([g for g, _ in SOURCING_GOODS_HS])[good_hs], part_hs]),
            "unit": pl.Series(["ea"]).gather(np.zeros(n_goods + purchased, np.int64)),
            "unit_cost": np.concatenate([good_price, quote[active]]),
            "weight_kg": np.concatenate([good_kg, part_kg]),
            "profit_per_unit": np.concatenate([np.round(good_price * 0.2, 2), np.full(purchased, np.nan)]),
        },
    )
    sites = _typed(
        "sites",
        {
            "site_id": sid,
            "name": pl.Series(label) + " " + sid + " (" + pl.Series(city_name) + ")",
            "country": site_country,
            "kind": kind,
            "region": cities.get_column("region").to_numpy()[city_row],
            "lat": site_lat,
            "lon": site_lon,
            "ttr_weeks": np.where(kind == "customer", np.nan, np.round(rng.uniform(2, 16, n_sites))),
        },
    )
    bom = _typed("bom", {"parent_id": good_ids.gather(good_of), "child_id": part_ids, "quantity": quantity})
    demand = _typed("demand", {"site_id": sid.gather(customer_of_good), "item_id": good_ids, "units_per_week": units})
    network = Network(
        tables={"sites": sites, "items": items, "bom": bom, "supply": supply, "flows": flows, "demand": demand},
        name=name or f"sourcing-{purchased}x{sources}-s{seed}",
        description=(
            f"Generated sourcing network: {purchased} purchased parts with {sources} sources each, {n_goods} finished"
            f" goods at {plants} plants, seed {seed} (allyshore.generate.sourcing_network)."
        ),
        source=None,
    )
    if validate or (validate is None and bom.height + flows.height <= VALIDATE_UP_TO):
        from allyshore.model.validate import check_network

        problems = check_network(network)
        if any(p.severity == "error" for p in problems):
            raise ValidationError(problems, what="generated network")
    return network
