"""Benchmark of the exposure roll-up against a straightforward networkx recursive roll-up.

Generates layered multi-tier networks with about 10k, 100k and 1M BOM + flow
rows, then times, in the same run and on the same network (file I/O excluded):

* ``compile``: :func:`allyshore.model.graph.compile_network` (tables -> node graph, on integer codes);
* ``exposure``: :func:`allyshore.exposure.exposure_of_graph` on the compiled
  graph (unit value, by country, by tier, by crossing, single-source items,
  choke points, findings);
* ``networkx``: a memoised recursive roll-up over a networkx DiGraph of the same
  nodes and edges, computing unit value, value by country and value by crossing
  per finished good (the figures both must agree on; checked to 1e-9).

Usage: ``python benchmarks/bench_rollup.py [--sizes 10000 100000 1000000] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import polars as pl

from allyshore.exposure import ExposureResult, exposure_of_graph
from allyshore.generate import generate_network
from allyshore.model.graph import NodeGraph, compile_network
from allyshore.model.network import Network, empty_table
from allyshore.model.rollup import calc_value_added
from allyshore.model.schema import TABLES

sys.setrecursionlimit(100_000)

# Country mix of the synthetic suppliers (illustrative weights, not trade statistics).
COUNTRIES = ("US", "MX", "CA", "CN", "DE", "JP", "KR", "VN", "TW", "IN", "MY", "TH", "IT", "FR", "GB", "BR")
WEIGHTS = np.array([20, 14, 6, 18, 6, 5, 4, 4, 4, 4, 3, 3, 2, 2, 2, 2], dtype=float)
# Crossing of a flow by (from, to) country pair: land border crossings US-MX and US-CA, and one port of entry.
CROSSINGS = {("MX", "US"): ("Laredo", "Otay Mesa", "Nogales"), ("CA", "US"): ("Detroit", "Buffalo")}
OCEAN_PORT = "Long Beach"


def _frame(table: str, data: dict[str, Any]) -> pl.DataFrame:
    """A table with every schema column of ``table`` (null where ``data`` has none)."""
    empty = empty_table(TABLES[table])
    height = len(next(iter(data.values())))
    columns = [
        pl.Series(name, data[name], dtype=dtype) if name in data else pl.Series(name, [None] * height, dtype=dtype)
        for name, dtype in empty.schema.items()
    ]
    return pl.DataFrame(columns)


def _prices(
    rng: np.random.Generator, nodes: pl.DataFrame, tiers: int, starts: Any, bom: pl.DataFrame, flows: pl.DataFrame
) -> np.ndarray:
    """Node prices built bottom-up: raw materials 1-10 USD; each node sells at a 5-50% markup on the cost of
    what it receives (internal node or share-weighted flows); 0.5% of nodes are then priced at half, which the
    roll-up clips and reports as negative margins."""
    nodes = nodes.with_row_index("node")
    tier_of = np.searchsorted(np.asarray(starts), nodes.get_column("item").to_numpy(), side="right") - 1
    nodes = nodes.with_columns(tier=pl.Series(tier_of))
    normalised = flows.with_columns(share=pl.col("share") / pl.col("share").sum().over("to", "item"))
    price = np.zeros(nodes.height)
    for t in range(tiers - 1, -1, -1):
        layer = nodes.filter(pl.col("tier") == t)
        idx = layer.get_column("node").to_numpy()
        if t == tiers - 1:
            price[idx] = rng.uniform(1.0, 10.0, idx.size)
            continue
        below = nodes.with_columns(price=pl.Series(price)).filter(pl.col("tier") == t + 1)
        internal = below.select(pl.col("site"), pl.col("item"), pl.col("price").alias("received"))
        shipped = (
            normalised.join(below.select(pl.col("site").alias("from"), "item", "price"), on=["from", "item"])
            .group_by("to", "item")
            .agg((pl.col("share") * pl.col("price")).sum().alias("received"))
            .rename({"to": "site"})
            .join(internal, on=["site", "item"], how="anti")
        )
        received = pl.concat([internal, shipped])
        cost = (
            layer.join(bom.rename({"parent_id": "item"}), on="item")
            .join(received.rename({"item": "child_id"}), on=["site", "child_id"])
            .group_by("node")
            .agg((pl.col("quantity") * pl.col("received")).sum().alias("cost"))
        )
        price[cost.get_column("node").to_numpy()] = cost.get_column("cost").to_numpy()
        price[idx] *= rng.uniform(1.05, 1.5, idx.size)
    price[rng.random(price.size) < 0.005] *= 0.5
    return price


def synthetic_network(goods: int, seed: int = 7, tiers: int = 5, children: int = 4, growth: int = 3) -> Network:
    """A layered network: tier t has ``goods * growth**t`` items, each made at 2 sites; each parent item has
    ``children`` BOM children in the next tier, received from every node of the child (no validation)."""
    rng = np.random.default_rng(seed)
    sizes = [goods * growth**t for t in range(tiers)]
    starts = np.cumsum([0, *sizes])
    n_items = int(starts[-1])
    n_sites = max(10, n_items // 4)
    site_country = rng.choice(len(COUNTRIES), size=n_sites, p=WEIGHTS / WEIGHTS.sum())
    item_ids = np.array([f"I{i}" for i in range(n_items)])
    site_ids = np.array([f"S{i}" for i in range(n_sites)])

    # Nodes: two distinct sites per item.
    first = rng.integers(0, n_sites, n_items)
    second = (first + rng.integers(1, n_sites, n_items)) % n_sites
    node_item = np.repeat(np.arange(n_items), 2)
    node_site = np.column_stack([first, second]).ravel()

    # BOM: parents in tiers 0..T-2, children drawn from the next tier.
    parent, child = [], []
    for t in range(tiers - 1):
        parents = np.arange(starts[t], starts[t + 1])
        picks = starts[t + 1] + rng.integers(0, sizes[t + 1], (parents.size, children))
        parent.append(np.repeat(parents, children))
        child.append(picks.ravel())
    bom = pl.DataFrame({"parent_id": np.concatenate(parent), "child_id": np.concatenate(child)}).unique(
        maintain_order=True
    )
    bom = bom.with_columns(quantity=pl.lit(rng.choice([1.0, 2.0, 4.0, 0.5], bom.height)))

    nodes = pl.DataFrame({"item": node_item, "site": node_site})
    # Flows: for each parent node and child, one flow from each node of the child at another site.
    flows = (
        nodes.join(bom.select(pl.col("parent_id").alias("item"), pl.col("child_id")), on="item")
        .join(nodes.rename({"item": "child_id", "site": "from"}), on="child_id")
        .filter(pl.col("from") != pl.col("site"))
        .select(pl.col("from"), pl.col("site").alias("to"), pl.col("child_id").alias("item"))
        .unique(maintain_order=True)
    )
    from_country = np.asarray(COUNTRIES)[site_country[flows.get_column("from").to_numpy()]]
    to_country = np.asarray(COUNTRIES)[site_country[flows.get_column("to").to_numpy()]]
    crossing = np.full(flows.height, None, dtype=object)
    for (a, b), names in CROSSINGS.items():
        pair = ((from_country == a) & (to_country == b)) | ((from_country == b) & (to_country == a))
        crossing[pair] = np.asarray(names, dtype=object)[rng.integers(0, len(names), int(pair.sum()))]
    overseas = ~np.isin(from_country, ("US", "MX", "CA")) & (to_country == "US")
    crossing[overseas] = OCEAN_PORT
    flow_share = rng.uniform(0.2, 1.0, flows.height)
    node_price = _prices(rng, nodes, tiers, starts, bom, flows.with_columns(share=pl.Series(flow_share)))
    goods_nodes = np.flatnonzero(node_item < sizes[0])
    tables = {
        "sites": _frame(
            "sites",
            {
                "site_id": site_ids,
                "name": site_ids,
                "country": np.asarray(COUNTRIES)[site_country],
                "kind": np.full(n_sites, "plant"),
            },
        ),
        "items": _frame("items", {"item_id": item_ids}),
        "bom": _frame(
            "bom",
            {
                "parent_id": item_ids[bom.get_column("parent_id").to_numpy()],
                "child_id": item_ids[bom.get_column("child_id").to_numpy()],
                "quantity": bom.get_column("quantity").to_numpy(),
            },
        ),
        "supply": _frame(
            "supply",
            {
                "site_id": site_ids[node_site],
                "item_id": item_ids[node_item],
                "unit_price": node_price,
                "status": np.full(node_item.size, "active"),
            },
        ),
        "flows": _frame(
            "flows",
            {
                "from_site": site_ids[flows.get_column("from").to_numpy()],
                "to_site": site_ids[flows.get_column("to").to_numpy()],
                "item_id": item_ids[flows.get_column("item").to_numpy()],
                "share": flow_share,
                "crossing": crossing.tolist(),
                "status": np.full(flows.height, "active"),
            },
        ),
        "demand": _frame(
            "demand",
            {
                "site_id": site_ids[node_site[goods_nodes]],
                "item_id": item_ids[node_item[goods_nodes]],
                "units_per_week": rng.integers(10, 1000, goods_nodes.size).astype(float),
            },
        ),
    }
    return Network(tables=tables, name=f"synthetic-{goods}")


# --------------------------------------------------------------------------- networkx baseline


def networkx_rollup(graph: NodeGraph, memoised: bool = False) -> dict[str, dict[str, Any]]:
    """Recursive roll-up over a networkx DiGraph: per good, unit value, value by country and by crossing.

    ``memoised=False`` is the straightforward BOM explosion: for each demand node,
    recurse down every path, multiplying quantities and shares and noting the
    crossings passed. ``memoised=True`` caches each node's value by country (and
    its value avoiding each crossing), a stronger baseline.
    Both use the same node value added (prices are an input, not the thing timed)
    and the same active edges as the vectorised kernel, but walk one node at a time.
    """
    margin, _, _ = calc_value_added(graph)
    value_added = np.maximum(margin, 0.0)
    crossing_of_flow = graph.network.flows.get_column("crossing").to_list()
    dg = nx.DiGraph()
    for n in range(graph.n_nodes):
        dg.add_node(n, va=float(value_added[n]), country=str(graph.node_country[n]))
    weight = graph.edge_qty * graph.edge_share
    for e in np.flatnonzero(graph.edge_active).tolist():
        flow = int(graph.edge_flow[e])
        crossing = crossing_of_flow[flow] if flow >= 0 else None
        consumer, supplier = int(graph.edge_consumer[e]), int(graph.edge_supplier[e])
        if dg.has_edge(consumer, supplier):  # two flows between the same pair of nodes: keep both
            dg[consumer][supplier]["parts"].append((float(weight[e]), crossing))
        else:
            dg.add_edge(consumer, supplier, parts=[(float(weight[e]), crossing)])
    crossings = sorted({c for _, _, d in dg.edges(data=True) for _, c in d["parts"] if c})

    by_country_memo: dict[int, dict[str, float]] = {}

    def by_country(n: int) -> dict[str, float]:
        if n in by_country_memo:
            return by_country_memo[n]
        out = {dg.nodes[n]["country"]: dg.nodes[n]["va"]}
        for s in dg.successors(n):
            w = sum(q for q, _ in dg[n][s]["parts"])
            for c, v in by_country(s).items():
                out[c] = out.get(c, 0.0) + w * v
        by_country_memo[n] = out
        return out

    def avoiding(x: str) -> Callable[[int], float]:
        memo: dict[int, float] = {}

        def value(n: int) -> float:
            if n in memo:
                return memo[n]
            total = dg.nodes[n]["va"]
            for s in dg.successors(n):
                w = sum(q for q, c in dg[n][s]["parts"] if c != x)
                if w:
                    total += w * value(s)
            memo[n] = total
            return total

        return value

    avoid = {x: avoiding(x) for x in crossings}

    def explode(root: int) -> tuple[dict[str, float], dict[str, float]]:
        countries: dict[str, float] = {}
        crossed = dict.fromkeys(crossings, 0.0)

        def walk(n: int, units_needed: float, passed: frozenset[str]) -> None:
            value = units_needed * dg.nodes[n]["va"]
            country = dg.nodes[n]["country"]
            countries[country] = countries.get(country, 0.0) + value
            for x in passed:
                crossed[x] += value
            for s in dg.successors(n):
                for q, x in dg[n][s]["parts"]:
                    walk(s, units_needed * q, passed | {x} if x else passed)

        walk(root, 1.0, frozenset())
        return countries, crossed

    goods: dict[str, dict[str, Any]] = {}
    demand_items = graph.network.demand.get_column("item_id").to_list()
    units = graph.demand_units
    rows_of: dict[str, list[int]] = {}
    for row, item in enumerate(demand_items):
        rows_of.setdefault(item, []).append(row)
    for item, rows in rows_of.items():
        total_units = sum(units[r] for r in rows)
        countries: dict[str, float] = {}
        masked = dict.fromkeys(crossings, 0.0)
        for r in rows:
            w = units[r] / total_units
            node = int(graph.demand_node[r])
            if memoised:
                for c, v in by_country(node).items():
                    countries[c] = countries.get(c, 0.0) + w * v
                for x in crossings:
                    masked[x] += w * avoid[x](node)
            else:
                exploded, crossed = explode(node)
                for c, v in exploded.items():
                    countries[c] = countries.get(c, 0.0) + w * v
                for x in crossings:
                    masked[x] += w * (sum(exploded.values()) - crossed[x])
        value = sum(countries.values())
        goods[item] = {
            "unit_value": value,
            "by_country": {c: v / value for c, v in countries.items() if v > 0},
            "by_crossing": {x: 1 - m / value for x, m in masked.items() if 1 - m / value > 1e-9},
        }
    return goods


def check_same(result: ExposureResult, baseline: dict[str, dict[str, Any]]) -> None:
    assert len(result.goods) == len(baseline), (len(result.goods), len(baseline))
    for good in result.goods:
        other = baseline[good.item_id]
        assert np.isclose(good.unit_value, other["unit_value"], rtol=1e-9), good.item_id
        for attr in ("by_country", "by_crossing"):
            mine, theirs = dict(getattr(good, attr)), other[attr]
            assert mine.keys() == theirs.keys(), (good.item_id, attr, mine, theirs)
            for k, v in mine.items():
                assert abs(v - theirs[k]) < 1e-9, (good.item_id, attr, k, v, theirs[k])


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, _, out = timed_runs(fn, repeat)
    return statistics.median(times), out


def timed_runs(fn: Callable[[], Any], repeat: int) -> tuple[list[float], list[float], Any]:
    """Wall-clock and CPU time (this process, all its threads) of each of ``repeat`` runs of ``fn``, and its
    last output."""
    times, cpu_times, out = [], [], None
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    return times, cpu_times, out


# Goods per target size: tiers of goods * 3**t items, 4 children, 2 nodes per item -> ~20 rows per parent item.
SIZES = {10_000: 12, 100_000: 125, 1_000_000: 1250}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument(
        "--generator",
        choices=("allyshore", "synthetic"),
        default="allyshore",
        help="allyshore.generate.generate_network (validation off above 100k rows) or this script's layered network",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--slow-after", type=float, default=60.0, help="run the explosion baseline once when one run takes longer (s)"
    )
    args = parser.parse_args(argv)
    from _table import machine, versions, write_section

    load_at_start = os.getloadavg()[0]
    rows = []
    for size in args.sizes:
        if args.generator == "allyshore":
            network = generate_network(edges=size, seed=args.seed, validate=size <= 100_000)
        else:
            network = synthetic_network(SIZES.get(size, max(1, size // 800)), seed=args.seed)
        n_rows = network.bom.height + network.flows.height
        exposure_of_graph(compile_network(network))  # warm-up: imports and the trust table (cached per process)
        compile_times, kernel_times, our_cpu = [], [], []
        for _ in range(args.repeat):  # a fresh graph each time, so cached graph properties are not reused
            start, cpu_start = time.perf_counter(), time.process_time()
            graph = compile_network(network)
            compile_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = exposure_of_graph(graph)
            kernel_times.append(time.perf_counter() - start)
            our_cpu.append(time.process_time() - cpu_start)
        t_compile, t_kernel = statistics.median(compile_times), statistics.median(kernel_times)
        best_ours = min(c + k for c, k in zip(compile_times, kernel_times, strict=True))
        memo_times, memo_cpu, memo = timed_runs(lambda graph=graph: networkx_rollup(graph, memoised=True), args.repeat)
        t_memo, best_memo = statistics.median(memo_times), min(memo_times)
        check_same(result, memo)
        start = time.perf_counter()
        naive = networkx_rollup(graph)
        first = time.perf_counter() - start
        check_same(result, naive)
        naive_runs = 1 if first > args.slow_after else args.repeat
        t_nx = statistics.median(
            [first] + [median_time(lambda graph=graph: networkx_rollup(graph), 1)[0] for _ in range(naive_runs - 1)]
        )
        row = {
            "target": size,
            "bom+flow rows": n_rows,
            "nodes": graph.n_nodes,
            "graph edges": int(graph.edge_active.sum()),
            "goods": len(result.goods),
            "crossings": len({x for g in result.goods for x in g.by_crossing}),
            "findings": len(result.findings),
            "compile s": t_compile,
            "exposure s": t_kernel,
            "compile+exposure s": t_compile + t_kernel,
            "networkx explosion s": t_nx,
            "explosion runs": naive_runs,
            "networkx memoised s": t_memo,
            "speed-up vs explosion": t_nx / t_kernel,
            "speed-up vs memoised": t_memo / t_kernel,
            "speed-up vs memoised (compile+exposure)": t_memo / (t_compile + t_kernel),
            "best compile+exposure s": best_ours,
            "best networkx memoised s": best_memo,
            "speed-up vs memoised, best runs (compile+exposure)": best_memo / best_ours,
            "best CPU compile+exposure s": min(our_cpu),
            "best CPU networkx memoised s": min(memo_cpu),
            "speed-up vs memoised, CPU (compile+exposure)": min(memo_cpu) / min(our_cpu),
        }
        print(row, flush=True)
        rows.append(row)
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{v:,.3f}" if isinstance(v, float) and v < 100 else f"{v:,.0f}" for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(
        [
            f"## Exposure roll-up (`benchmarks/bench_rollup.py --generator {args.generator}`)",
            "",
            f"Machine: {machine()}; load average {load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at the end "
            "(shared machine). "
            f"Versions: {versions('allyshore', 'numpy', 'scipy', 'polars', 'networkx')}.",
            f"Median of {args.repeat} runs each (wall clock, file I/O excluded; the explosion baseline runs once where "
            f"one run exceeds {args.slow_after:.0f} s, see `explosion runs`); the `best` columns take the fastest of "
            f"the {args.repeat} runs on each side (compile and exposure timed together per run), which other "
            "processes on a shared machine disturb least; the `CPU` columns the least CPU time of the process over "
            "those runs (all its threads: polars sorts on two), which is about what a run takes on a quiet machine "
            "(compile and exposure run on one thread, apart from polars). All roll-ups run on the same compiled "
            "network in the same process; their unit values, country shares and crossing shares agree to 1e-9.",
            "",
            "- `compile`: `compile_network` (tables to node graph, ids as integer codes), reported separately;",
            "- `exposure`: the roll-up kernel on the compiled graph, `exposure_of_graph` (value added, units per "
            "good, by country, tier and crossing, single-source and untrusted-only items, choke points, findings);",
            "- `networkx explosion`: the straightforward recursive BOM explosion over a networkx DiGraph of the same "
            "graph, one walk per demand node down every path (unit value, by country, by crossing);",
            "- `networkx memoised`: the same recursion caching each node's value by country and its value avoiding "
            "each crossing (a stronger baseline than the brief asks for).",
            "",
            (
                f"Networks: `allyshore.generate.generate_network(edges=N, seed={args.seed})` (validation off above "
                "100k rows)."
                if args.generator == "allyshore"
                else "Networks: `synthetic_network` in the script (5 tiers, goods x 3^t items in tier t, 4 BOM "
                "children per item, 2 sites per item, flows from every source of a child; illustrative country mix; "
                "prices built bottom-up with 5-50% markups and 0.5% deliberately underpriced nodes)."
            ),
            "",
            *lines,
        ]
    )
    print(text)
    if not args.no_write:
        write_section("rollup" if args.generator == "allyshore" else "rollup-synthetic", text)


if __name__ == "__main__":
    main()
