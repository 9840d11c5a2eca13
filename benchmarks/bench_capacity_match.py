"""Benchmark of ``allyshore capacity match``: a 100-item network against 650,000 establishments, 300 km.

The establishments are synthetic, in the shared establishment columns (:mod:`allyshore.capacity.schema`),
drawn with numpy: 85% around 20 Mexican industrial cities (normal spread of 0.35 degrees), 15% spread over
Mexico's latitude/longitude box; SCIAN classes drawn from the manufacturing NAICS codes of the shipped
concordance; DENUE bands skewed to small units (band 1: 70% ... band 7: 1%); 12% in an industrial park.
The network has 100 purchased items, HS6 codes drawn from the concordance's manufacturing subheadings,
flowing into three plants (Monterrey, Queretaro, Tijuana).

Timed (best of ``--repeat`` runs after a warm-up, establishments already in memory as a polars frame):

* ``allyshore`` kernel: :func:`allyshore.capacity.match.match_items` (class and size filter, range search per
  receiving site, per-item scoring and top 10) on the items' queries;
* the same end to end: :func:`allyshore.capacity.match.capacity_match` (the items' HS -> SCIAN lookups too);
* peer 1, pandas, straightforward: per item, filter the establishments of its classes, haversine to its plant
  on all of them, keep those in range, score, ``nlargest`` (no spatial prefilter, no sharing between items);
* peer 2, a plain-Python row loop over the establishments (``math`` haversine per row), run on ``--loop-items``
  items and scaled to 100 (it is linear in the items).

Usage: ``python benchmarks/bench_capacity_match.py [--establishments 650000] [--items 100] [--write]``.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from typing import Any

import numpy as np
import polars as pl

from allyshore.capacity.concordance import hs_classes, hs_naics_table
from allyshore.capacity.match import MATCH_COLUMNS, capacity_match, item_queries, match_items, road_circuity
from allyshore.capacity.results import ScoreWeights
from allyshore.capacity.schema import BANDS
from allyshore.model.network import Network

CITIES = (  # (lat, lon) of industrial cities
    (25.67, -100.31), (25.42, -101.00), (20.67, -103.35), (19.43, -99.13), (20.59, -100.39),
    (32.51, -117.04), (31.69, -106.42), (21.12, -101.68), (19.04, -98.21), (28.63, -106.07),
    (21.88, -102.29), (22.15, -100.98), (20.97, -89.62), (25.54, -103.41), (26.08, -98.30),
    (19.29, -99.66), (18.92, -99.23), (24.80, -107.39), (29.07, -110.96), (27.48, -99.51),
)  # fmt: skip
PLANTS = {"PL-MTY": (25.67, -100.31), "PL-QRO": (20.59, -100.39), "PL-TIJ": (32.51, -117.04)}
BAND_SHARES = (0.70, 0.12, 0.10, 0.03, 0.025, 0.015, 0.01)
WITHIN_KM = 300.0
TOP = 10


def synthetic_establishments(n: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    manufacturing = sorted(
        {c for c in hs_naics_table().get_column("naics").to_list() if c[:2] in ("31", "32", "33") and c.isdigit()}
    )
    clustered = rng.random(n) < 0.85
    city = rng.integers(0, len(CITIES), n)
    centre = np.asarray(CITIES)[city]
    lat = np.where(clustered, centre[:, 0] + rng.normal(0, 0.35, n), rng.uniform(15.0, 32.5, n))
    lon = np.where(clustered, centre[:, 1] + rng.normal(0, 0.35, n), rng.uniform(-117.0, -87.0, n))
    band = rng.choice(np.arange(1, 8), size=n, p=BAND_SHARES).astype(np.int8)
    low = np.asarray([BANDS[b][1] for b in range(1, 8)], dtype=np.int32)[band - 1]
    high = np.asarray([BANDS[b][2] or 500 for b in range(1, 8)], dtype=np.int32)[band - 1]
    return pl.DataFrame(
        {
            "establishment_id": np.arange(n).astype(str),
            "name": pl.Series(np.char.add("Unit ", np.arange(n).astype(str))),
            "scian": np.asarray(manufacturing)[rng.integers(0, len(manufacturing), n)],
            "state": np.char.zfill((city % 32 + 1).astype(str), 2),
            "municipality": pl.Series(np.char.add("M", city.astype(str))),
            "band": band,
            "employees_low": low,
            "employees_high": high,
            "in_industrial_park": rng.random(n) < 0.12,
            "lat": lat,
            "lon": lon,
        }
    ).select(MATCH_COLUMNS)


def synthetic_network(items: int, seed: int = 11) -> Network:
    rng = np.random.default_rng(seed)
    table = hs_naics_table().filter((pl.col("level") == 6) & pl.col("naics").str.slice(0, 2).is_in(["31", "32", "33"]))
    codes = sorted(set(table.get_column("hs").to_list()))
    chosen = [codes[i] for i in rng.choice(len(codes), size=items, replace=False)]
    plants = list(PLANTS)
    document: dict[str, Any] = {
        "sites": [
            *({"site_id": p, "country": "MX", "kind": "plant", "lat": la, "lon": lo} for p, (la, lo) in PLANTS.items()),
            {"site_id": "CN-1", "country": "CN", "kind": "supplier", "lat": 31.23, "lon": 121.47},
        ],
        "items": [{"item_id": f"P{i:03d}", "hs_code": f"{hs[:4]}.{hs[4:]}"} for i, hs in enumerate(chosen)],
        "supply": [{"site_id": "CN-1", "item_id": f"P{i:03d}", "unit_price": 10.0} for i in range(items)],
        "flows": [
            {"from_site": "CN-1", "to_site": plants[i % len(plants)], "item_id": f"P{i:03d}", "mode": "ocean"}
            for i in range(items)
        ],
    }
    return Network.from_dict(document, name="bench-100")


CPU: dict[str, float] = {}  # the CPU seconds of each timed run's fastest repeat, by its name


def best_of(fn: Any, repeat: int, name: str = "") -> tuple[float, Any]:
    """The fastest wall-clock time of ``repeat`` runs after a warm-up (its CPU time kept in :data:`CPU`)."""
    out = fn()  # warm-up
    times = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    wall, CPU[name] = min(times)
    return wall, out


def pandas_peer(frame: Any, network: Network, circuity: float) -> dict[str, list[str]]:
    """Per item: the establishments of its classes, distance to its plant, in range, scored, the top 10."""
    w = ScoreWeights()
    frame = frame.assign(p5=frame["scian"].str[:5])
    plants = {r["site_id"]: (r["lat"], r["lon"]) for r in network.sites.iter_rows(named=True)}
    into = dict(network.flows.select("item_id", "to_site").iter_rows())
    out: dict[str, list[str]] = {}
    for item_id, hs in network.items.select("item_id", "hs_code").iter_rows():
        weights = {c.scian: c.weight for c in hs_classes(hs).classes}
        sub = frame[frame["p5"].isin(list(weights))].copy()
        la, lo = plants[into[item_id]]
        p1, p2 = np.radians(sub["lat"].to_numpy()), math.radians(la)
        a = (
            np.sin((p2 - p1) / 2) ** 2
            + np.cos(p1) * math.cos(p2) * np.sin(np.radians(lo - sub["lon"].to_numpy()) / 2) ** 2
        )
        sub["road"] = 2 * 6371.0 * np.arcsin(np.sqrt(a)) * circuity
        sub = sub[sub["road"] <= WITHIN_KM]
        sub["score"] = (
            w.concordance * sub["p5"].map(weights)
            + w.size * (sub["band"] - 1) / 6
            + w.distance * (1 - sub["road"] / WITHIN_KM)
            + w.park * sub["in_industrial_park"].astype(float)
        )
        out[item_id] = (
            sub.sort_values(["score", "road"], ascending=[False, True]).head(TOP)["establishment_id"].tolist()
        )
    return out


def loop_peer(rows: list[tuple[Any, ...]], network: Network, circuity: float, items: int) -> dict[str, list[str]]:
    """A plain-Python loop over the establishment rows for each of the first ``items`` items."""
    w = ScoreWeights()
    plants = {r["site_id"]: (r["lat"], r["lon"]) for r in network.sites.iter_rows(named=True)}
    into = dict(network.flows.select("item_id", "to_site").iter_rows())
    out: dict[str, list[str]] = {}
    for item_id, hs in network.items.select("item_id", "hs_code").head(items).iter_rows():
        weights = {c.scian: c.weight for c in hs_classes(hs).classes}
        la, lo = plants[into[item_id]]
        scored = []
        for est_id, _name, scian, _state, _mun, band, _low, _high, park, lat, lon in rows:
            weight = weights.get(scian[:5])
            if weight is None:
                continue
            p1, p2 = math.radians(lat), math.radians(la)
            a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo - lon) / 2) ** 2
            road = 2 * 6371.0 * math.asin(math.sqrt(a)) * circuity
            if road > WITHIN_KM:
                continue
            score = w.concordance * weight + w.size * (band - 1) / 6 + w.distance * (1 - road / WITHIN_KM)
            scored.append((-(score + w.park * park), road, est_id))
        out[item_id] = [e for _, _, e in sorted(scored)[:TOP]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=650_000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--loop-items", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()
    load_start = os.getloadavg()
    start = time.perf_counter()
    frame = synthetic_establishments(args.establishments)
    network = synthetic_network(args.items)
    generated = time.perf_counter() - start
    circuity = road_circuity()
    queries = item_queries(network)
    kernel, (items, read) = best_of(
        lambda: match_items(queries, frame, within_km=WITHIN_KM, top=TOP, circuity=circuity), args.repeat, "kernel"
    )
    whole, result = best_of(lambda: capacity_match(network, frame, within_km=WITHIN_KM, top=TOP), args.repeat, "whole")
    in_range = sum(i.in_range for i in items)
    ours = {i.item_id: [c.establishment_id for c in i.candidates] for i in items}
    peers: list[tuple[str, float, str]] = []
    try:
        import pandas as pd

        pdf = frame.to_pandas()
        peer_time, peer_out = best_of(lambda: pandas_peer(pdf, network, circuity), 1, "pandas")
        same = sum(peer_out[k] == ours[k] for k in ours)
        peers.append(
            (
                f"pandas {pd.__version__}, per item, no spatial prefilter",
                peer_time,
                CPU["pandas"],
                f"{same}/{len(ours)}",
            )
        )
    except ImportError:
        pass
    rows = frame.rows()
    start, cpu = time.perf_counter(), time.process_time()
    loop_out = loop_peer(rows, network, circuity, args.loop_items)
    loop_time = (time.perf_counter() - start) * args.items / args.loop_items
    loop_cpu = (time.process_time() - cpu) * args.items / args.loop_items
    same = sum(loop_out[k] == ours[k] for k in loop_out)
    peers.append(
        (f"plain-Python row loop, {args.loop_items} items x {args.items / args.loop_items:.1f}", loop_time,
         loop_cpu, f"{same}/{len(loop_out)}")
    )  # fmt: skip
    load_end = os.getloadavg()
    lines = [
        "## Matching parts to establishments (`benchmarks/bench_capacity_match.py`)",
        "",
        f"{args.items} items (HS6 codes drawn from the concordance's manufacturing subheadings) flowing into 3 plants "
        f"(Monterrey, Queretaro, Tijuana) against {args.establishments:,} synthetic establishments (85% around 20 "
        f"industrial cities, 15% anywhere in Mexico's box; manufacturing classes of the concordance; DENUE bands "
        f"skewed small), within {WITHIN_KM:g} km by road, top {TOP}; generated in {generated:.2f} s. "
        f"{read:,} establishments of the items' classes; {in_range:,} (item, establishment) pairs in range. "
        f"Best of {args.repeat} after a warm-up, establishments in memory as a polars frame "
        "(reading the Parquet edition is not counted).",
        "",
        "| run | time (s) | CPU (s) | same top 10 as allyshore | ratio (time) | ratio (CPU) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| `allyshore` kernel (`match_items`) | {kernel:.3f} | {CPU['kernel']:.3f} | | 1.0x | 1.0x |",
        f"| `capacity_match` end to end (HS -> SCIAN lookups too) | {whole:.3f} | {CPU['whole']:.3f} | | | |",
        *(
            f"| {name} | {t:.2f} | {c:.2f} | {same} | {t / kernel:.1f}x | {c / CPU['kernel']:.1f}x |"
            for name, t, c, same in peers
        ),
        "",
        f"Target < 0.5 s: **{'met' if kernel < 0.5 else 'missed'}** in wall-clock time ({kernel:.3f} s kernel, "
        f"{whole:.3f} s end to end), **{'met' if CPU['kernel'] < 0.5 else 'missed'}** in CPU time "
        f"({CPU['kernel']:.3f} s and {CPU['whole']:.3f} s, every thread counted). On a shared machine (load average "
        "above the 2 cores) the process gets a fraction of a core and its wall-clock time grows accordingly; on a "
        "quiet one it would approach the CPU time (not measured quietly here). The loop peer is timed on a few "
        "items and scaled linearly to all of them.",
        "",
        f"Machine: {machine_line()}, shared: load average {load_start[0]:.2f}, {load_start[1]:.2f}, "
        f"{load_start[2]:.2f} at the start, {load_end[0]:.2f}, {load_end[1]:.2f}, {load_end[2]:.2f} at the end.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        from _table import write_section  # benchmarks/ is on sys.path when run as a script

        write_section("capacity-match", text)
    del result


def machine_line() -> str:
    from _table import machine, versions  # benchmarks/ is on sys.path when run as a script

    return f"{machine()}; {versions('numpy', 'polars', 'pandas')}"


if __name__ == "__main__":
    main()
