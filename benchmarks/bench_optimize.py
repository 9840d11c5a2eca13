"""Benchmark: the sourcing plan (:func:`allyshore.optimize`) on 2,000 purchased parts x 10 sources, against the
same model written in PuLP and solved by CBC, and a 6-point Pareto frontier (:func:`allyshore.pareto`).

Network: :func:`allyshore.generate.sourcing_network` (``--items`` parts, ``--sources`` quotes each in distinct
countries, one active today, the rest candidates; 50 parts per finished good, 4 US plants, fixed seed).

Plan: minimise the landed cost a year (the landed-cost engine's per flow on ``AS_OF``) plus the qualification of
every candidate brought into use (``QUALIFICATION`` USD, annualised over the projection years: one binary per
source), with every good's value at least 80% from trusted tiers, at most 10% from China, USMCA origin rows
where the optimiser has them, and the suppliers' capacities; MIP gap 0.5%.

Peer: the same model as an analyst writes it in PuLP: ``LpVariable.dicts`` over (part, plant, supplier) keys,
``lpSum`` over dicts for the objective and every constraint, from the same coefficients: each flow's landed cost
per unit, need, price, country and tier as allyshore's choices give them (:func:`build_choices`), the BOM
quantities, the goods' values (the plants' prices) and, for the origin rows, the optimiser's coefficients per
(good, flow). Solved by PuLP's bundled CBC with ``gapRel=0.005``. Both times count the building of the model;
the peer's also counts the costing of the flows (``build_choices``), as allyshore's does, and is shown split.
The two objectives must agree within the gap.

Run: ``.venv/bin/python benchmarks/bench_optimize.py [--items N] [--sources K] [--quick] [--no-peer]
[--no-pareto] [--no-write]``; a full run writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import machine, versions, write_section
from allyshore.generate import sourcing_network
from allyshore.model.network import Network

AS_OF = dt.date(2026, 12, 1)
SEED = 12
GAP = 0.005
TRUSTED_SHARE = 0.8
COUNTRY_CAPS: dict[str, float] = {"CN": 0.10}
QUALIFICATION = 20_000.0  # USD per candidate source brought into use
TRUSTED_TIERS = ("domestic", "usmca", "ally")
SWEEP = "min-trusted-share=0.5:1.0:6"
WEEKS = 52.0


def benchmark_network(items: int, sources: int, seed: int = SEED) -> Network:
    """The benchmark's network (see the module docstring)."""
    return sourcing_network(purchased=items, sources=sources, seed=seed, validate=items <= 200)


def plan_options(trusted_share: float = TRUSTED_SHARE) -> dict[str, Any]:
    """The options of the plan, as keywords of :func:`allyshore.optimize`."""
    return {
        "min_trusted_share": trusted_share,
        "max_country_share": dict(COUNTRY_CAPS),
        "qualification_cost": QUALIFICATION,
        "mip_gap": GAP,
    }


# -- the coefficients both sides use ------------------------------------------------------------------------


def costed_choices(network: Network) -> pl.DataFrame:
    """One row per flow: item_id, to_site, from_site, status_before, need_per_year, cost_per_unit,
    price_per_unit, country, tier, supply_row (allyshore's choices, priced by the landed-cost engine)."""
    from allyshore.optimize.choices import build_choices

    frame = build_choices(network, as_of=AS_OF).frame
    unknown = frame.filter(pl.col("unknown_cost")).height
    if unknown:
        raise SystemExit(f"{unknown} flows of the benchmark network have an unknown landed cost: fix the generator")
    return frame


@dataclass
class AnalystData:
    """The plain dicts an analyst builds the model from."""

    keys: list[tuple[str, str, str]]  # (item, plant, supplier)
    need: dict[tuple[str, str, str], float]  # units a year
    cost: dict[tuple[str, str, str], float]  # landed cost per unit
    price: dict[tuple[str, str, str], float]
    country: dict[tuple[str, str, str], str]
    tier: dict[tuple[str, str, str], str]
    candidate: list[tuple[str, str, str]]
    capacity: dict[tuple[str, str, str], float]  # units a week the supplier can ship of the item
    groups: dict[tuple[str, str], list[tuple[str, str, str]]]
    goods: dict[str, dict[str, Any]]  # good -> {plant, country, tier, value, inputs: [(key, qty)]}
    qualification_per_year: float


def analyst_data(network: Network, frame: pl.DataFrame, projection_years: float) -> AnalystData:
    """The analyst's dicts from the costed flows and the network's tables (Python loops, as one writes them)."""
    rows = frame.select(
        "item_id", "to_site", "from_site", "status_before", "need_per_year", "cost_per_unit", "price_per_unit",
        "country", "tier", "supply_row",
    ).rows()  # fmt: skip
    caps = network.supply.get_column("capacity_per_week").to_list()
    keys: list[tuple[str, str, str]] = []
    need: dict[tuple[str, str, str], float] = {}
    cost: dict[tuple[str, str, str], float] = {}
    price: dict[tuple[str, str, str], float] = {}
    country: dict[tuple[str, str, str], str] = {}
    tier: dict[tuple[str, str, str], str] = {}
    capacity: dict[tuple[str, str, str], float] = {}
    candidate: list[tuple[str, str, str]] = []
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for item, to_site, from_site, status, n, c, p, ctry, tr, supply_row in rows:
        key = (item, to_site, from_site)
        keys.append(key)
        need[key], cost[key], price[key], country[key], tier[key] = n, c, p, ctry, tr
        if supply_row is not None and caps[supply_row] is not None:
            capacity[key] = caps[supply_row]
        if status == "candidate":
            candidate.append(key)
        groups[(item, to_site)].append(key)
    site_country = dict(network.sites.select("site_id", "country").rows())
    tier_of_country = dict(zip(frame["country"].to_list(), frame["tier"].to_list(), strict=True))
    made_at = {}
    for site, item, unit_price, status in network.supply.select("site_id", "item_id", "unit_price", "status").rows():
        if status in (None, "active"):
            made_at.setdefault(item, (site, unit_price))
    goods: dict[str, dict[str, Any]] = {}
    for good in network.demand.get_column("item_id").unique(maintain_order=True).to_list():
        plant, value = made_at[good]
        plant_country = site_country[plant]
        goods[good] = {
            "plant": plant,
            "country": plant_country,
            "tier": tier_of_country.get(plant_country) or _tier(plant_country),
            "value": value,
            "inputs": [],
        }
    for parent, child, qty in network.bom.select("parent_id", "child_id", "quantity").rows():
        if parent in goods:
            goods[parent]["inputs"] += [(key, qty) for key in groups.get((child, goods[parent]["plant"]), [])]
    return AnalystData(
        keys, need, cost, price, country, tier, candidate, capacity, dict(groups), goods,
        QUALIFICATION / projection_years,
    )  # fmt: skip


def _tier(country: str) -> str:
    from allyshore.optimize.choices import country_tiers

    return country_tiers([country], None).get(country, "non_aligned")


@dataclass
class PeerRun:
    status: str
    objective: float | None
    build_s: float
    solve_s: float
    rows: int
    columns: int
    integers: int


def pulp_plan(data: AnalystData, trusted_share: float, caps: Mapping[str, float], time_limit: float) -> PeerRun:
    """The plan in PuLP (see the module docstring), solved by CBC to a relative gap of 0.5%."""
    import pulp

    start = time.perf_counter()
    prob = pulp.LpProblem("sourcing_plan", pulp.LpMinimize)
    x = pulp.LpVariable.dicts("share", data.keys, lowBound=0, upBound=1)
    used = pulp.LpVariable.dicts("used", data.candidate, cat=pulp.LpBinary)
    prob += pulp.lpSum(data.need[k] * data.cost[k] * x[k] for k in data.keys) + pulp.lpSum(
        data.qualification_per_year * used[k] for k in data.candidate
    )
    for (item, plant), members in data.groups.items():
        prob += pulp.lpSum(x[k] for k in members) == 1, f"demand_{item}_{plant}"
    for k, cap in data.capacity.items():
        if data.need[k] > 0:
            prob += data.need[k] / WEEKS * x[k] <= cap, f"capacity_{'_'.join(k)}"
    for k in data.candidate:
        prob += x[k] <= used[k], f"used_{'_'.join(k)}"
    for good, g in data.goods.items():
        value = g["value"]
        inputs = pulp.lpSum(qty * data.price[k] * x[k] for k, qty in g["inputs"])
        # Value made in a set of countries: the plant's own value added (its price less its inputs) when the
        # plant is in the set, plus the inputs bought from the set.
        trusted_inputs = pulp.lpSum(
            qty * data.price[k] * x[k] for k, qty in g["inputs"] if data.tier[k] in TRUSTED_TIERS
        )
        plant_part = (value - inputs) if g["tier"] in TRUSTED_TIERS else 0
        prob += plant_part + trusted_inputs >= trusted_share * value, f"trusted_{good}"
        for ctry, cap in caps.items():
            from_country = pulp.lpSum(qty * data.price[k] * x[k] for k, qty in g["inputs"] if data.country[k] == ctry)
            plant_part = (value - inputs) if g["country"] == ctry else 0
            prob += plant_part + from_country <= cap * value, f"cap_{ctry}_{good}"
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    status = prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=GAP, timeLimit=time_limit))
    objective = pulp.value(prob.objective) if status == pulp.LpStatusOptimal or prob.sol_status > 0 else None
    solve_s = time.perf_counter() - start
    return PeerRun(
        pulp.LpStatus[status].lower(),
        None if objective is None else float(objective),
        build_s,
        solve_s,
        len(prob.constraints),
        len(prob.variables()),
        len(data.candidate),
    )


# -- the run ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000, help="purchased parts (default 2000)")
    parser.add_argument("--sources", type=int, default=10, help="sources per part (default 10)")
    parser.add_argument("--quick", action="store_true", help="a small smoke size (150 parts x 4 sources)")
    parser.add_argument("--no-peer", action="store_true", help="skip PuLP + CBC")
    parser.add_argument("--no-pareto", action="store_true", help="skip the frontier")
    parser.add_argument("--peer-time-limit", type=float, default=1800.0, help="CBC time limit, s (default 1800)")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    if args.quick:
        args.items, args.sources = 150, 4
    load_start = os.getloadavg()
    start = time.perf_counter()
    network = benchmark_network(args.items, args.sources)
    generate_s = time.perf_counter() - start
    print(f"network: {network.summary()} in {generate_s:.2f} s", flush=True)

    import allyshore

    start = time.perf_counter()
    result = allyshore.optimize(network, as_of=AS_OF, **plan_options())
    ours_s = time.perf_counter() - start
    ours = result.to_dict()
    print(f"allyshore.optimize: {ours['status']}, gap {ours['gap']:.4%}, total {ours['objective']['total_per_year']:,.0f}"
          f" in {ours_s:.2f} s", flush=True)  # fmt: skip

    # Model size (built again, untimed) and the coefficients of the peer.
    from allyshore.optimize.choices import build_choices
    from allyshore.optimize.model import _projection_years, build_model
    from allyshore.optimize.options import PlanOptions

    start = time.perf_counter()
    choice_set = build_choices(network, as_of=AS_OF)
    costing_s = time.perf_counter() - start
    model = build_model(network, choice_set, PlanOptions(**plan_options()), as_of=AS_OF)
    size = (model.matrix.shape[0], model.matrix.shape[1], int(model.integer.sum()))
    print(f"model: {size[0]:,} rows, {size[1]:,} columns, {size[2]:,} integers; costing alone {costing_s:.2f} s")

    peer: PeerRun | None = None
    prep_s = 0.0
    if not args.no_peer:
        start = time.perf_counter()
        data = analyst_data(network, choice_set.frame, _projection_years(choice_set))
        prep_s = time.perf_counter() - start
        peer = pulp_plan(data, TRUSTED_SHARE, COUNTRY_CAPS, args.peer_time_limit)
        print(f"PuLP + CBC: {peer.status}, objective {peer.objective}, data {prep_s:.2f} s, build {peer.build_s:.2f}"
              f" s, solve {peer.solve_s:.2f} s", flush=True)  # fmt: skip

    pareto_s = float("nan")
    frontier: list[dict[str, Any]] = []
    if not args.no_pareto:
        options = plan_options()
        options.pop("min_trusted_share")
        start = time.perf_counter()
        swept = allyshore.pareto(network, sweep=SWEEP, as_of=AS_OF, **options)
        pareto_s = time.perf_counter() - start
        frontier = swept.to_dict()["frontier"]
        print(f"pareto ({SWEEP}): {pareto_s:.2f} s", flush=True)
    report(args, network, ours, ours_s, costing_s, size, peer, prep_s, pareto_s, frontier, generate_s, load_start)


def report(
    args: argparse.Namespace,
    network: Network,
    ours: dict[str, Any],
    ours_s: float,
    costing_s: float,
    size: tuple[int, int, int],
    peer: PeerRun | None,
    prep_s: float,
    pareto_s: float,
    frontier: list[dict[str, Any]],
    generate_s: float,
    load_start: tuple[float, float, float],
) -> None:
    ours_total = ours["objective"]["total_per_year"]
    lines = [
        "## Sourcing plan (`benchmarks/bench_optimize.py`)",
        "",
        f"Network: `sourcing_network(purchased={args.items}, sources={args.sources}, seed={SEED})` "
        f"({network.flows.height:,} flows, {network.supply.height:,} supply rows; generated in {generate_s:.2f} s).",
        f"Plan: trusted share of each good's value >= {TRUSTED_SHARE}, "
        + ", ".join(f"{c} <= {v}" for c, v in COUNTRY_CAPS.items())
        + f", qualification USD {QUALIFICATION:,.0f} per new source, capacities, MIP gap {GAP:.1%}, as of {AS_OF}.",
        f"Model: {size[0]:,} rows, {size[1]:,} columns, {size[2]:,} integers.",
        "",
        "| run | status | gap | objective (USD/year) | build (s) | solve (s) | total (s) |",
        "|---|---|---:|---:|---:|---:|---:|",
        f"| allyshore.optimize (HiGHS) | {ours['status']} | {ours['gap']:.3%} | {ours_total:,.0f} |"
        f" {costing_s:.2f} (costing) | | {ours_s:.2f} |",
    ]
    if peer is not None:
        peer_total = costing_s + prep_s + peer.build_s + peer.solve_s
        agree = "" if peer.objective is None else f"{abs(peer.objective - ours_total) / max(abs(ours_total), 1):.3%}"
        lines.append(
            f"| PuLP + CBC | {peer.status} | | {peer.objective or float('nan'):,.0f} |"
            f" {costing_s:.2f} + {prep_s:.2f} + {peer.build_s:.2f} | {peer.solve_s:.2f} | {peer_total:.2f} |"
        )
        lines += [
            "",
            f"Speed-up: {peer_total / ours_s:.1f}x end to end; objectives differ by {agree}.",
        ]
    if frontier:
        lines += ["", f"Pareto `{SWEEP}`: {pareto_s:.2f} s for {len(frontier)} points.", ""]
        lines += ["| min trusted share | status | total (USD/year) |", "|---:|---|---:|"]
        for p in frontier:
            lines.append(
                f"| {p['value']} | {p['status']} | {p['objective'].get('total_per_year', float('nan')):,.0f} |"
            )
    load_end = os.getloadavg()
    lines += [
        "",
        f"Machine: {machine()}; load average {load_start[0]:.1f} at start, {load_end[0]:.1f} at the end (shared"
        f" machine). {versions('highspy', 'pulp', 'numpy', 'scipy', 'polars')}.",
    ]
    text = "\n".join(lines)
    print(text)
    if not (args.quick or args.no_write):
        write_section("optimize", text)


if __name__ == "__main__":
    main()
