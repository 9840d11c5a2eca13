"""Benchmark: landed cost of every flow of generated networks of 10k and 1M flows.

Uses :func:`allyshore.generate.generate_network` when it exists (sized by edges), else the
generator below: finished goods of 10 components each, every component made at 4 supplier
sites in 12 countries (one active source, three candidates), each source shipping to
the plant by ocean (from Asia) or truck, a fifth of them without freight or transit
(lane defaults apply), customers in the US.

Two timings per size: the whole :func:`allyshore.cost.network_cost` (compiling the
node graph, annual units from demand, tariffs, the kernel, per-good roll-up and the
current-vs-best table; origin engine off) and the costing pass alone
(:func:`allyshore.cost.options.build_inputs` plus :func:`allyshore.cost.landed_cost`
on given annual units), which is the 1M-flows-under-2-s target.

Run: ``.venv/bin/python benchmarks/bench_cost.py [--quick]``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from typing import Any

import numpy as np
import polars as pl

from allyshore.cost import default_assumptions, landed_cost, network_cost, total_of
from allyshore.cost.options import build_inputs, country_tiers
from allyshore.cost.volumes import annual_flow_units, flow_options
from allyshore.model.network import Network, table_dtype
from allyshore.model.schema import TABLES

sys.path.insert(0, os.path.dirname(__file__))
from _table import machine, versions, write_section

COUNTRIES = np.asarray(["CN", "MX", "US", "CA", "DE", "JP", "KR", "VN", "TW", "IN", "MY", "TH"])
ASIA = {"CN", "JP", "KR", "VN", "TW", "IN", "MY", "TH"}
HS = np.asarray(
    ["8536.50.90", "8536.10.00", "8507.60.00", "9403.60.80", "8541.10.00", "6109.10.00", "8534.00.00", "8708.99.81"]
)
SOURCES = 4
COMPONENTS_PER_GOOD = 10


def _frame(name: str, columns: dict[str, Any]) -> pl.DataFrame:
    table = TABLES[name]
    n = len(next(iter(columns.values())))
    data = {}
    for column in table.columns:
        dtype = table_dtype(column)
        data[column.name] = (
            pl.Series(column.name, columns[column.name], dtype=dtype)
            if column.name in columns
            else (pl.Series(column.name, [None] * n, dtype=dtype))
        )
    return pl.DataFrame(data)


def cost_network(n_flows: int, seed: int = 0) -> Network:
    """A generated network with about ``n_flows`` flows (see the module docstring)."""
    rng = np.random.default_rng(seed)
    goods = max(n_flows // (SOURCES * COMPONENTS_PER_GOOD + 1), 1)
    components = goods * COMPONENTS_PER_GOOD
    plants = max(goods // 25, 1)
    suppliers = max(components // 5, 10)
    customers = max(plants // 4, 1)
    plant_ids = np.char.add("P", np.arange(plants).astype(str))
    supplier_ids = np.char.add("S", np.arange(suppliers).astype(str))
    customer_ids = np.char.add("C", np.arange(customers).astype(str))
    supplier_country = COUNTRIES[rng.integers(0, COUNTRIES.size, suppliers)]
    plant_country = np.where(rng.random(plants) < 0.6, "MX", "US")
    sites = _frame(
        "sites",
        {
            "site_id": np.concatenate([plant_ids, supplier_ids, customer_ids]).tolist(),
            "country": np.concatenate([plant_country, supplier_country, np.full(customers, "US")]).tolist(),
            "kind": ["plant"] * plants + ["supplier"] * suppliers + ["customer"] * customers,
        },
    )
    good_ids = np.char.add("G", np.arange(goods).astype(str))
    comp_ids = np.char.add("K", np.arange(components).astype(str))
    items = _frame(
        "items",
        {
            "item_id": np.concatenate([good_ids, comp_ids]).tolist(),
            "hs_code": HS[rng.integers(0, HS.size, goods + components)].tolist(),
            "unit_cost": rng.uniform(5, 500, goods + components).round(2),
            "weight_kg": rng.uniform(0.05, 20, goods + components).round(3),
        },
    )
    comp_good = np.repeat(np.arange(goods), COMPONENTS_PER_GOOD)
    bom = _frame(
        "bom",
        {
            "parent_id": good_ids[comp_good].tolist(),
            "child_id": comp_ids.tolist(),
            "quantity": rng.integers(1, 5, components).astype(float),
        },
    )
    good_plant = rng.integers(0, plants, goods)
    src_comp = np.repeat(np.arange(components), SOURCES)
    src_site = rng.integers(0, suppliers, components * SOURCES)
    status = np.where(np.arange(components * SOURCES) % SOURCES == 0, "active", "candidate")
    supply = _frame(
        "supply",
        {
            "site_id": np.concatenate([supplier_ids[src_site], plant_ids[good_plant]]).tolist(),
            "item_id": np.concatenate([comp_ids[src_comp], good_ids]).tolist(),
            "unit_price": np.concatenate([rng.uniform(5, 200, src_comp.size), rng.uniform(300, 3000, goods)]).round(2),
            "lead_time_days": rng.integers(0, 30, src_comp.size + goods).astype(float),
            "status": np.concatenate([status, np.full(goods, "active")]).tolist(),
        },
    )
    # Duplicate (site, item) supply rows would be ambiguous nodes: keep the first of each.
    supply = supply.unique(subset=["site_id", "item_id"], keep="first", maintain_order=True)
    rows = supply.filter(pl.col("item_id").str.starts_with("K"))
    k_index = rows.get_column("item_id").str.slice(1).cast(pl.Int64).to_numpy()
    to_plant = plant_ids[good_plant[comp_good[k_index]]]
    country = sites.select("site_id", "country").to_dict(as_series=False)
    country_of = dict(zip(country["site_id"], country["country"], strict=True))
    from_country = np.asarray([country_of[s] for s in rows.get_column("site_id").to_list()])
    ocean = np.isin(from_country, list(ASIA))
    n = rows.height
    known = rng.random(n) > 0.2
    transit = np.where(ocean, rng.uniform(20, 40, n), rng.uniform(1, 6, n))
    freight = np.where(ocean, rng.uniform(0.2, 3, n), rng.uniform(0.1, 1.5, n))
    customer_of_plant = customer_ids[np.arange(plants) % customers]
    flows = _frame(
        "flows",
        {
            "from_site": rows.get_column("site_id").to_list() + plant_ids[good_plant].tolist(),
            "to_site": to_plant.tolist() + customer_of_plant[good_plant].tolist(),
            "item_id": rows.get_column("item_id").to_list() + good_ids.tolist(),
            "mode": np.where(ocean, "ocean", "truck").tolist() + ["truck"] * goods,
            "transit_days": np.concatenate([np.where(known, transit, np.nan), np.full(goods, 3.0)]),
            "freight_per_unit": np.concatenate([np.where(known, freight, np.nan), np.full(goods, 2.0)]),
            "status": rows.get_column("status").to_list() + ["active"] * goods,
        },
    ).with_columns(pl.col("transit_days").fill_nan(None), pl.col("freight_per_unit").fill_nan(None))
    demand = _frame(
        "demand",
        {
            "site_id": customer_of_plant[good_plant].tolist(),
            "item_id": good_ids.tolist(),
            "units_per_week": rng.uniform(10, 500, goods).round(1),
        },
    )
    tables = {"sites": sites, "items": items, "bom": bom, "supply": supply, "flows": flows, "demand": demand}
    return Network(tables=tables, name=f"cost-bench-{n_flows}")


def generated(n_flows: int) -> tuple[Network, str]:
    """A network of about ``n_flows`` flows from :func:`allyshore.generate.generate_network`, else the local one."""
    try:
        from allyshore.generate import generate_network
    except ImportError:
        return cost_network(n_flows), "bench_cost.cost_network"
    # generate_network sizes by edges; flows are about 0.79 of the edges (3.7 flows per BOM row of 4.7 edges)
    return generate_network(edges=int(n_flows / 0.787), seed=0, validate=False), "allyshore.generate_network"


def best_of(repeats: int, function: Any) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = [10_000] if quick else [10_000, 1_000_000]
    book = default_assumptions()
    when = dt.date(2026, 1, 15)
    rows = []
    for size in sizes:
        start = time.perf_counter()
        network, generator = generated(size)
        build_s = time.perf_counter() - start
        flows = network.flows.height
        tiers = country_tiers(sorted(set(network.sites.get_column("country").to_list())))
        annual, _ = annual_flow_units(network)
        options = flow_options(network.flows)
        units = np.maximum(annual, 1.0)

        def costing(
            network: Network = network, options: pl.DataFrame = options, units: Any = units, tiers: Any = tiers
        ) -> None:
            built = build_inputs(network, options, units, book, when, None, None, tiers, brief=True)
            total_of(landed_cost(built.inputs))

        repeats = 3 if size <= 100_000 else 2
        cost_s = best_of(repeats, costing)

        def whole(network: Network = network) -> None:
            network_cost(network, as_of=when, use_origin_engine=False)

        whole_s = best_of(1 if size > 100_000 else 3, whole)
        rows.append((size, flows, build_s, cost_s, whole_s, generator))
        print(f"{flows:>9,} flows: generate {build_s:.2f} s, costing {cost_s:.3f} s, network_cost {whole_s:.2f} s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    table = [
        "## Landed cost (`bench_cost.py`)",
        "",
        "Landed cost of every flow (active and candidate) of generated networks"
        " (`allyshore.generate_network`: multi-tier, real HS codes, WIOD-weighted supplier countries, lanes by geography).",
        "*costing* = tariff look-up on the as-of date, lane and crossing defaults, origin flags and the 21-factor"
        " kernel for every flow, given annual units (target: 1M flows < 2 s); *network_cost* adds compiling the node"
        " graph, annual units from demand, the per-good roll-up and current-vs-best per item (origin engine off).",
        "",
        "| flows | generator | generate (s) | costing (s) | flows/s | network_cost (s) |",
        "|---:|---|---:|---:|---:|---:|",
        *(
            f"| {flows:,} | {gen} | {build:.2f} | {cost:.3f} | {flows / cost:,.0f} | {whole:.2f} |"
            for _, flows, build, cost, whole, gen in rows
        ),
        "",
        f"Machine: {machine()}; load average {load:.1f} at the end (shared machine). {versions('numpy', 'polars', 'scipy')}.",
    ]
    if not quick:
        write_section("cost", "\n".join(table))
    print("\n".join(table))


if __name__ == "__main__":
    main()
