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
the peer's also counts the costing of the flows (``build_choices``), as allyshore's does, and is shown split,
but not the origin analysis its origin rows are read from (allyshore's model, built untimed).
The two objectives must agree within the gap.

Run: ``.venv/bin/python benchmarks/bench_optimize.py [--items N] [--sources K] [--quick] [--no-peer]
[--no-pareto] [--no-write]``; a full run writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _table import machine, versions, write_section
from allyshore.generate import SOURCING_GOODS_HS, sourcing_network
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


def cpu_seconds() -> float:
    """CPU time of this process (every thread, HiGHS's included) and of its finished children (CBC)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def benchmark_network(items: int, sources: int, seed: int = SEED) -> Network:
    """The benchmark's network (see the module docstring)."""
    return sourcing_network(purchased=items, sources=sources, seed=seed, validate=items <= 200)


def required_goods(network: Network) -> tuple[str, ...]:
    """The goods that must become USMCA-originating: those whose line has parts of its own (a pump and its pump
    parts), which qualify through those parts only with the regional value content of their rule."""
    own = {good for good, part in SOURCING_GOODS_HS if part}
    goods = network.items.filter(pl.col("item_id").is_in(network.demand.get_column("item_id").implode()))
    return tuple(goods.filter(pl.col("hs_code").is_in(sorted(own))).get_column("item_id").sort().to_list())


def origin_rows_available() -> bool:
    """Whether this version of the optimiser has the USMCA origin rows."""
    from allyshore.optimize.origin_rows import originating_goods

    try:
        originating_goods(sourcing_network(purchased=2, sources=1, seed=0), as_of=AS_OF)
    except NotImplementedError:
        return False
    return True


def plan_options(network: Network, *, origin: bool, trusted_share: float | None = TRUSTED_SHARE) -> dict[str, Any]:
    """The options of the plan, as keywords of :func:`allyshore.optimize`."""
    options: dict[str, Any] = {
        "max_country_share": dict(COUNTRY_CAPS),
        "qualification_cost": QUALIFICATION,
        "mip_gap": GAP,
    }
    if trusted_share is not None:
        options["min_trusted_share"] = trusted_share
    if origin:
        options["require_originating"] = required_goods(network)
    else:
        options["keep_originating"] = False
    return options


# -- the peer: the same plan as an analyst writes it in PuLP ------------------------------------------------

Key = tuple[str, str, str]  # (item, plant, supplier)


@dataclass
class OriginRow:
    """One origin row as data: coefficients on shares (by key) and on the row's own variables, and its bounds."""

    shares: dict[Key, float]
    own: dict[str, float]
    lower: float
    upper: float


@dataclass
class AnalystData:
    """The plain dicts an analyst builds the model from."""

    keys: list[Key]
    need: dict[Key, float]  # units a year
    cost: dict[Key, float]  # landed cost per unit
    price: dict[Key, float]
    country: dict[Key, str]
    tier: dict[Key, str]
    candidate: list[Key]
    capacity: dict[Key, float]  # units a week the supplier can ship of the item
    groups: dict[tuple[str, str], list[Key]]
    goods: dict[str, dict[str, Any]]  # good -> {plant, country, tier, value, inputs: [(key, qty)]}
    qualification_per_year: float
    origin_rows: list[OriginRow]
    origin_vars: dict[str, tuple[float, float, bool]]  # name -> (lower, upper, integer)


def analyst_data(network: Network, frame: pl.DataFrame, model: Any) -> AnalystData:
    """The analyst's dicts from the costed flows (allyshore's choices), the network's tables and the origin rows of
    the plan's model (each required good's RVC and tariff-shift conditions per source), in Python loops."""
    rows = frame.select(
        "item_id", "to_site", "from_site", "status_before", "need_per_year", "cost_per_unit", "price_per_unit",
        "country", "tier", "supply_row",
    ).rows()  # fmt: skip
    caps = network.supply.get_column("capacity_per_week").to_list()
    keys: list[Key] = []
    need: dict[Key, float] = {}
    cost: dict[Key, float] = {}
    price: dict[Key, float] = {}
    country: dict[Key, str] = {}
    tier: dict[Key, str] = {}
    capacity: dict[Key, float] = {}
    candidate: list[Key] = []
    groups: dict[tuple[str, str], list[Key]] = defaultdict(list)
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
    made_at: dict[str, tuple[str, float]] = {}
    for site, item, unit_price, status in network.supply.select("site_id", "item_id", "unit_price", "status").rows():
        if status in (None, "active"):
            made_at.setdefault(item, (site, unit_price))
    plant_tiers = tiers_of(sorted({site_country[made_at[g][0]] for g in network.demand.get_column("item_id")}))
    goods: dict[str, dict[str, Any]] = {}
    for good in network.demand.get_column("item_id").unique(maintain_order=True).to_list():
        plant, value = made_at[good]
        plant_country = site_country[plant]
        goods[good] = {"plant": plant, "country": plant_country, "tier": plant_tiers[plant_country], "value": value}
        goods[good]["inputs"] = []
    for parent, child, qty in network.bom.select("parent_id", "child_id", "quantity").rows():
        if parent in goods:
            goods[parent]["inputs"] += [(key, qty) for key in groups.get((child, goods[parent]["plant"]), [])]
    origin_rows: list[OriginRow] = []
    origin_vars: dict[str, tuple[float, float, bool]] = {}
    n = len(keys)
    for block in model.blocks:
        if not block.rows.name.startswith("origin"):
            continue
        rows_ = block.rows
        own_names = [f"{rows_.name}:{name}" for name in rows_.extra_names]
        for k, name in enumerate(own_names):
            origin_vars[name] = (
                float(rows_.extra_lower[k]), float(rows_.extra_upper[k]), bool(rows_.extra_integer[k])
            )  # fmt: skip
        matrix = rows_.matrix.tocsr()
        for r in range(matrix.shape[0]):
            cols = matrix.indices[matrix.indptr[r] : matrix.indptr[r + 1]].tolist()
            vals = matrix.data[matrix.indptr[r] : matrix.indptr[r + 1]].tolist()
            row = OriginRow({}, {}, float(rows_.lower[r]), float(rows_.upper[r]))
            for col, val in zip(cols, vals, strict=True):
                if col < n:
                    row.shares[keys[col]] = val
                else:
                    row.own[own_names[col - n]] = val
            origin_rows.append(row)
    return AnalystData(
        keys, need, cost, price, country, tier, candidate, capacity, dict(groups), goods,
        QUALIFICATION / model.years, origin_rows, origin_vars,
    )  # fmt: skip


def tiers_of(countries: list[str]) -> dict[str, str]:
    """Trust tier of each country under the shipped policy."""
    from allyshore.optimize.choices import country_tiers

    tiers = country_tiers(countries, None)
    return {c: tiers.get(c, "non_aligned") for c in countries}


@dataclass
class PeerRun:
    status: str
    objective: float | None
    build_s: float
    solve_s: float
    rows: int
    columns: int
    integers: int


def pulp_plan(
    data: AnalystData, trusted_share: float, caps: Mapping[str, float], time_limit: float, gap: float = GAP
) -> PeerRun:
    """The plan in PuLP (see the module docstring), solved by CBC to the relative ``gap`` (0.5%)."""
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
        trusted = pulp.lpSum(qty * data.price[k] * x[k] for k, qty in g["inputs"] if data.tier[k] in TRUSTED_TIERS)
        plant_part = (value - inputs) if g["tier"] in TRUSTED_TIERS else 0
        prob += plant_part + trusted >= trusted_share * value, f"trusted_{good}"
        for ctry, cap in caps.items():
            from_country = pulp.lpSum(qty * data.price[k] * x[k] for k, qty in g["inputs"] if data.country[k] == ctry)
            plant_part = (value - inputs) if g["country"] == ctry else 0
            prob += plant_part + from_country <= cap * value, f"cap_{ctry}_{good}"
    own = {
        name: pulp.LpVariable(
            f"origin_{i}", lowBound=lo, upBound=hi, cat=pulp.LpBinary if integer and lo == 0 and hi == 1 else None
        )
        for i, (name, (lo, hi, integer)) in enumerate(data.origin_vars.items())
    }
    for i, row in enumerate(data.origin_rows):
        expr = pulp.lpSum(c * x[k] for k, c in row.shares.items()) + pulp.lpSum(c * own[v] for v, c in row.own.items())
        if row.lower == row.upper:
            prob += expr == row.lower, f"origin_{i}"
            continue
        if math.isfinite(row.lower):
            prob += expr >= row.lower, f"origin_{i}_lo"
        if math.isfinite(row.upper):
            prob += expr <= row.upper, f"origin_{i}_hi"
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    status = prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=gap, timeLimit=time_limit))
    solve_s = time.perf_counter() - start
    found = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = float(pulp.value(prob.objective)) if found else None
    name = "optimal" if prob.sol_status == pulp.LpSolutionOptimal else pulp.LpStatus[status].lower()
    if prob.sol_status == pulp.LpSolutionIntegerFeasible:
        name = "time_limit"
    integers = sum(1 for v in prob.variables() if v.cat == pulp.LpInteger)
    return PeerRun(name, objective, build_s, solve_s, len(prob.constraints), len(prob.variables()), integers)


# -- the run ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000, help="purchased parts (default 2000)")
    parser.add_argument("--sources", type=int, default=10, help="sources per part (default 10)")
    parser.add_argument("--quick", action="store_true", help="a small smoke size (150 parts x 4 sources)")
    parser.add_argument("--no-peer", action="store_true", help="skip PuLP + CBC")
    parser.add_argument("--no-pareto", action="store_true", help="skip the frontier")
    parser.add_argument("--no-origin", action="store_true", help="leave out the USMCA origin rows")
    parser.add_argument("--peer-time-limit", type=float, default=1800.0, help="CBC time limit, s (default 1800)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side, the fastest kept (default 2)")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    if args.quick:
        args.items, args.sources, args.repeat = 150, 4, 1
    load_start = os.getloadavg()
    start = time.perf_counter()
    network = benchmark_network(args.items, args.sources)
    generate_s = time.perf_counter() - start
    print(f"network: {network.summary()} in {generate_s:.2f} s", flush=True)
    origin = not args.no_origin and origin_rows_available()
    options = plan_options(network, origin=origin)

    import allyshore
    from allyshore.optimize.choices import build_choices
    from allyshore.optimize.model import build_model, solve_model
    from allyshore.optimize.options import PlanOptions
    from allyshore.optimize.plan import assemble

    # Warm-up on a small network (imports, the tariff tables, the origin rules): one-off costs of a process that
    # neither side should carry.
    small = benchmark_network(40, 3)
    allyshore.optimize(small, as_of=AS_OF, **plan_options(small, origin=origin))
    ours_s = ours_cpu = math.inf
    for _ in range(args.repeat):  # the best of the runs: the machine is shared
        start, cpu = time.perf_counter(), cpu_seconds()
        result = allyshore.optimize(network, as_of=AS_OF, **options)
        wall, used = time.perf_counter() - start, cpu_seconds() - cpu
        ours_s, ours_cpu = (wall, used) if wall < ours_s else (ours_s, ours_cpu)
    ours = result.to_dict()
    print(f"allyshore.optimize: {ours['status']}, gap {ours['gap']:.4%}, total {ours['objective']['total_per_year']:,.0f}"
          f" in {ours_s:.2f} s", flush=True)  # fmt: skip

    # The same plan stage by stage (the costing is the peer's first step too); its model gives the size and the
    # peer's origin rows.
    stages: dict[str, float] = {}
    start, cpu = time.perf_counter(), cpu_seconds()
    choice_set = build_choices(network, as_of=AS_OF)
    stages["costing"], costing_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if choice_set.frame.get_column("unknown_cost").any():
        raise SystemExit("flows of the benchmark network have an unknown landed cost: the generator must avoid them")
    start = time.perf_counter()
    model = build_model(network, choice_set, PlanOptions().merged(options), as_of=AS_OF)
    stages["model"] = time.perf_counter() - start
    solution = solve_model(model)
    stages["solve"] = time.perf_counter() - start - stages["model"]
    start = time.perf_counter()
    assemble(network, model, solution, as_of=AS_OF.isoformat(), policy=None)
    stages["report"] = time.perf_counter() - start
    costing_s = stages["costing"]
    size = size_of(model)
    print(f"model: {size.text()}; stages " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()), flush=True)

    peer: PeerRun | None = None
    prep_s = peer_cpu = 0.0
    if not args.no_peer:
        best = math.inf
        for _ in range(args.repeat):
            start, cpu = time.perf_counter(), cpu_seconds()
            data = analyst_data(network, choice_set.frame, model)
            prep = time.perf_counter() - start
            run_ = pulp_plan(data, TRUSTED_SHARE, COUNTRY_CAPS, args.peer_time_limit)
            used = cpu_seconds() - cpu
            if prep + run_.build_s + run_.solve_s < best:
                best, peer, prep_s, peer_cpu = prep + run_.build_s + run_.solve_s, run_, prep, used
        assert peer is not None
        print(f"PuLP + CBC: {peer.status}, objective {peer.objective}, data {prep_s:.2f} s, build {peer.build_s:.2f}"
              f" s, solve {peer.solve_s:.2f} s", flush=True)  # fmt: skip

    pareto_s = float("nan")
    frontier: list[dict[str, Any]] = []
    if not args.no_pareto:
        start = time.perf_counter()
        swept = allyshore.pareto(
            network, sweep=SWEEP, as_of=AS_OF, **plan_options(network, origin=origin, trusted_share=None)
        )
        pareto_s = time.perf_counter() - start
        frontier = swept.to_dict()["frontier"]
        print(f"pareto ({SWEEP}): {pareto_s:.2f} s", flush=True)
    run = Run(args, network, origin, ours, ours_s, costing_s, size, peer, prep_s, pareto_s, frontier, generate_s)
    run.cpu = (ours_cpu, costing_cpu, peer_cpu)
    run.stages = stages
    report(run, load_start)


@dataclass
class Size:
    """Rows, columns and integer columns of the plan's model, and its origin rows."""

    rows: int
    columns: int
    integers: int
    origin_rows: int
    origin_goods: int
    origin_integers: int

    def text(self) -> str:
        origin = (
            f" (origin: {self.origin_rows} rows for {self.origin_goods} goods, {self.origin_integers} binaries)"
            if self.origin_rows
            else ""
        )
        return f"{self.rows:,} rows, {self.columns:,} columns, {self.integers:,} integers{origin}"


def size_of(model: Any) -> Size:
    origin = [b for b in model.blocks if b.rows.name.startswith("origin")]
    return Size(
        model.matrix.shape[0],
        model.matrix.shape[1],
        int(model.integer.sum()),
        sum(len(b.rows.labels) for b in origin),
        len(origin),
        sum(int(b.rows.extra_integer.sum()) for b in origin),
    )


@dataclass
class Run:
    args: argparse.Namespace
    network: Network
    origin: bool
    ours: dict[str, Any]
    ours_s: float
    costing_s: float
    size: Size
    peer: PeerRun | None
    prep_s: float
    pareto_s: float
    frontier: list[dict[str, Any]]
    generate_s: float
    cpu: tuple[float, float, float] = (0.0, 0.0, 0.0)  # CPU s: allyshore, the costing, the peer after the costing
    stages: dict[str, float] = field(default_factory=dict)  # s: costing, model, solve, report (a second run)


def report(run: Run, load_start: tuple[float, float, float]) -> None:
    args, ours, peer, st = run.args, run.ours, run.peer, run.stages
    total = ours["objective"]["total_per_year"]
    required = required_goods(run.network)
    origin_text = (
        f"USMCA origin rows (the {len(required)} goods whose parts include their own parts must become originating"
        " (RVC), those originating today stay so)"
        if run.origin
        else "no USMCA origin rows (not available in this version, or `--no-origin`)"
    )
    lines = [
        "## Sourcing plan (`benchmarks/bench_optimize.py`)",
        "",
        f"Network: `sourcing_network(purchased={args.items}, sources={args.sources}, seed={SEED})`: "
        f"{run.network.flows.height:,} flows into {run.network.demand.height} goods' plants, generated in"
        f" {run.generate_s:.2f} s. Plan on {AS_OF}: landed cost a year plus USD {QUALIFICATION:,.0f} per source"
        f" brought into use (annualised); each good's value >= {TRUSTED_SHARE:.0%} from trusted tiers, "
        + ", ".join(f"<= {v:.0%} from {c}" for c, v in COUNTRY_CAPS.items())
        + f"; supplier capacities; {origin_text}; MIP gap {GAP:.1%}.",
        f"Model: {run.size.text()}. HiGHS starts its search from the relaxation rounded up"
        " (`allyshore.optimize.start`). *costing*: `build_choices` (every flow's landed cost), counted on both"
        " sides; *model*: `build_model`, or the peer's dicts and PuLP problem (its origin rows' coefficients read"
        " from allyshore's model, whose origin analysis is not counted for it); *result*: `assemble` (plan, changes,"
        " constraints, exposure and origin before and after). The stage-by-stage row is a second run; both follow a"
        f" warm-up on a 40-part network (imports, tariff tables, origin rules). Each end-to-end time is the"
        f" fastest of {args.repeat} runs, CPU seconds those of that run.",
        "",
        "| run | status | gap | objective (USD/year) | costing (s) | model (s) | solve (s) | result (s) | total (s) |"
        " CPU (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| `allyshore.optimize` (HiGHS) | {ours['status']} | {ours['gap']:.3%} | {total:,.0f} | | | | |"
        f" {run.ours_s:.2f} | {run.cpu[0]:.1f} |",
        f"| the same, stage by stage | | | | {st['costing']:.2f} | {st['model']:.2f} | {st['solve']:.2f} |"
        f" {st['report']:.2f} | {sum(st.values()):.2f} | |",
    ]
    if peer is not None:
        peer_total = run.costing_s + run.prep_s + peer.build_s + peer.solve_s
        objective = "-" if peer.objective is None else f"{peer.objective:,.0f}"
        lines.append(
            f"| PuLP + CBC | {peer.status} | | {objective} | {run.costing_s:.2f} | {run.prep_s + peer.build_s:.2f} |"
            f" {peer.solve_s:.2f} | | {peer_total:.2f} | {run.cpu[1] + run.cpu[2]:.1f} |"
        )
        differ = "" if peer.objective is None else abs(peer.objective - total) / max(abs(total), 1.0)
        verdict = "" if isinstance(differ, str) else ("within" if differ <= GAP else "**outside**")
        alike = st["costing"] + st["model"] + st["solve"]
        lines += [
            "",
            f"Speed-up: **{peer_total / run.ours_s:.1f}x** end to end (target >= 5x: `allyshore.optimize` also"
            f" measures the exposure and origin before and after, *result*); {peer_total / alike:.1f}x costing, model"
            f" and solve against the same ({(peer_total - run.costing_s) / (alike - st['costing']):.1f}x without the"
            f" shared costing); in CPU time, end to end, {(run.cpu[1] + run.cpu[2]) / max(run.cpu[0], 1e-9):.1f}x"
            " (HiGHS runs on both cores, CBC on one). PuLP model:"
            f" {peer.rows:,} constraints, {peer.columns:,} variables, {peer.integers:,} binaries (no 'used' binary"
            " for today's sources, which cost nothing)."
            + ("" if isinstance(differ, str) else f" Objectives differ by {differ:.3%}: {verdict} the gap."),
        ]
    if run.frontier:
        lines += [
            "",
            f"Pareto `{SWEEP}`, warm-started: **{run.pareto_s:.1f} s** for {len(run.frontier)} points"
            " (target < 120 s).",
            "",
            "| min trusted share | status | total (USD/year) | trusted share after |",
            "|---:|---|---:|---:|",
        ]
        for p in run.frontier:
            cost = p["objective"].get("total_per_year")
            after = p.get("after", {}).get("trusted_share")
            lines.append(
                f"| {p['value']:g} | {p['status']} | {'-' if cost is None or math.isnan(cost) else f'{cost:,.0f}'} |"
                f" {'-' if after is None else f'{after:.3f}'} |"
            )
    load_end = os.getloadavg()
    lines += [
        "",
        f"Machine: {machine()}, shared: load average (1, 5, 15 min, as `uptime` shows it)"
        f" {', '.join(f'{v:.2f}' for v in load_start)} at the start, {', '.join(f'{v:.2f}' for v in load_end)} at"
        f" the end; wall-clock times grow with the load, the ratio of the two runs less so."
        f" {versions('highspy', 'pulp', 'numpy', 'scipy', 'polars')}.",
    ]
    text = "\n".join(lines)
    print(text)
    if not (args.quick or args.no_write):
        write_section("optimize", text)


if __name__ == "__main__":
    main()
