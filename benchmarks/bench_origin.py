"""Benchmark of USMCA origin determinations.

* **Single cases**: :func:`allyshore.origin.determine_origin` on single-level cases (no self-produced
  materials) with 10, 100 and 1,000 materials, a rule with a heading shift and both RVC methods; timed
  on already-parsed cases (the engine alone) and on case documents (validation + engine). Target:
  10,000 single-level determinations per second.
* **Whole network**: :func:`allyshore.origin.from_network.determine_network` on a network made by
  :func:`allyshore.generate.generate_network` with 10,000 finished goods: compile, case building from
  the network and one determination per good, sub-assemblies first.

The cases are synthetic (seeded random HS codes, values and origin flags), not trade data.

Usage: ``python benchmarks/bench_origin.py [--goods 10000] [--seconds 2]``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from typing import Any

from allyshore.origin import determine_origin, parse_case

HS_POOL = ("8536.50", "3926.90", "7326.90", "8544.42", "9018.90", "4016.93", "8481.80", "8413.70")
RULE = {
    "alternatives": [
        {"tariff_shift": {"level": "heading", "except_from": []}, "rvc": None},
        {"tariff_shift": None, "rvc": {"transaction_value": 60, "net_cost": 50}},
    ]
}
TARGET = 10_000


def synthetic_case(materials: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    values = [rng.randint(1, 40) for _ in range(materials)]
    return {
        "good": {"description": f"benchmark good {materials}", "hs": "9018.90"},
        "rule": RULE,
        "transaction_value": sum(values) * 2,
        "other_costs": {"product_costs": sum(values) // 2, "period_costs": sum(values) // 10},
        "excluded_costs": sum(values) // 20,
        "materials": [
            {"id": f"m{i}", "hs": rng.choice(HS_POOL), "value": v, "originating": rng.random() < 0.5}
            for i, v in enumerate(values)
        ],
    }


def rate(fn: Any, seconds: float) -> tuple[float, float]:
    """Calls of ``fn()`` per wall-clock second and per CPU second, over about ``seconds`` (at least 3 calls)."""
    fn()  # warm caches (rules, imports)
    count, start, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and count >= 3:
            return count / elapsed, count / max(time.process_time() - cpu, 1e-9)


def bench_cases(seconds: float) -> list[tuple[int, float, float, float]]:
    rows = []
    for materials in (10, 100, 1_000):
        document = synthetic_case(materials, seed=materials)
        parsed = parse_case(document)
        engine, engine_cpu = rate(lambda p=parsed: determine_origin(p), seconds)
        full, _ = rate(lambda d=document: determine_origin(d), seconds)
        rows.append((materials, engine, engine_cpu, full))
    return rows


def bench_network(goods: int) -> dict[str, Any] | None:
    try:
        from allyshore.generate import generate_network
    except ImportError:
        return None
    from allyshore.model.graph import compile_network
    from allyshore.origin.from_network import determine_network

    start = time.perf_counter()
    network = generate_network(finished_goods=goods, seed=1, validate=False)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    compile_network(network)
    compiled = time.perf_counter() - start
    from allyshore.origin.rules import find_rule

    finished = set(network.demand.get_column("item_id").to_list())
    hs_of = dict(zip(network.items.get_column("item_id"), network.items.get_column("hs_code"), strict=True))
    # The rules library where it has the good's rule; the single-case rule for the others.
    rules = {item: RULE for item in finished if not hs_of.get(item) or find_rule(hs_of[item]) is None}
    start = time.perf_counter()
    result = determine_network(network, rules=rules)
    elapsed = time.perf_counter() - start
    decided = sum(g.status != "undetermined" for g in result.goods)
    return {
        "rows": {name: frame.height for name, frame in network.tables.items()},
        "generated": generated,
        "compiled": compiled,
        "elapsed": elapsed,
        "goods": len(result.goods),
        "decided": decided,
        "originating": sum(g.originating for g in result.goods),
        "library_rules": len(finished) - len(rules),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goods", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    from _table import machine, versions, write_section  # benchmarks/ is on sys.path when run as a script

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    cases = bench_cases(args.seconds)
    lines = [
        "## USMCA origin determinations (`benchmarks/bench_origin.py`)",
        "",
        f"Machine: {machine()}; load average at start {load:.1f} (shared machine). "
        f"{versions('polars', 'numpy', 'scipy', 'pydantic', 'highspy')}.",
        "",
        "Single-level cases (no self-produced materials), synthetic values and HS codes; rule: a heading shift, "
        "or RVC 60% TV / 50% NC. *Engine* times `determine_origin` on a parsed case; *with parsing* on the "
        f"JSON-ready document (pydantic validation included). Target: {TARGET:,} single-level determinations/s.",
        "",
        "| materials per case | engine, per second | engine, per CPU second | with parsing, per second |",
        "|---:|---:|---:|---:|",
    ]
    for materials, engine, engine_cpu, full in cases:
        lines.append(f"| {materials:,} | {engine:,.0f} | {engine_cpu:,.0f} | {full:,.0f} |")
        print(
            f"{materials:>6} materials: {engine:,.0f}/s ({engine_cpu:,.0f}/CPU-s) engine, {full:,.0f}/s parsed",
            file=sys.stderr,
        )
    ten = cases[0]
    lines += [
        "",
        f"Target for 10-material single-level cases: {TARGET:,}/s; measured {ten[1]:,.0f}/s wall-clock and "
        f"{ten[2]:,.0f} per CPU second on this shared machine: target "
        + (
            "met."
            if ten[1] >= TARGET
            else f"{'met' if ten[2] >= TARGET else 'not met'} per CPU second, not wall-clock."
        ),
    ]
    network = bench_network(args.goods)
    lines.append("")
    if network is None:
        lines.append("Whole network: `allyshore.generate.generate_network` is not available in this build; not run.")
    else:
        rows = ", ".join(f"{k} {v:,}" for k, v in network["rows"].items())
        deciding = max(network["elapsed"] - network["compiled"], 1e-9)
        per_second = network["goods"] / deciding
        lines += [
            f"Whole generated network of {args.goods:,} finished goods ({rows}): `determine_network` decided "
            f"{network['decided']:,} of its {network['goods']:,} (finished good, plant) pairs "
            f"({network['originating']:,} originating) in {network['elapsed']:.2f} s, of which compiling the node "
            f"graph takes about {network['compiled']:.2f} s (timed alone): {per_second:,.0f} goods/s once compiled, "
            "sub-assemblies decided bottom-up included. "
            f"{network['library_rules']:,} of the {args.goods:,} finished goods have a rule in the rules library; the "
            f"others were decided under the rule above. Generating the network took {network['generated']:.2f} s.",
        ]
        print(f"network: {network}", file=sys.stderr)
    write_section("origin", "\n".join(lines))


if __name__ == "__main__":
    main()
