"""Benchmark: the IMMEX discharge of 50,000 lots and 1,000,000 exits through a 3-level BOM.

The ledger is generated in memory (typed frames, micro-units, as :func:`allyshore.immex.ledger.read_ledger`
gives them): 2,000 materials; 10,000 pedimentos of 5 lines each (50,000 lots), 60% of each material's quantity
with its clock started in 2024, 40% starting between January and March 2025; 400 finished products, each made of
one of 100 sub-assemblies and 2 materials (with waste and scrap), each sub-assembly of 3 materials, its BOM in two
versions (the second from 2025-07-01); 1,000,000 exits of finished products over 2025 (5 materials each, so
5,000,000 requirements), 0.5% citing a pedimento that holds one of their materials.

Timed: :func:`allyshore.immex.discharge.discharge` (explosion, FIFO kernel, values of the pieces) and
:func:`allyshore.immex.discharge.balances` as of 2025-12-31. Peer: a straightforward per-event Python FIFO
(below, :func:`peer_fifo`): exits in (date, exit) order, each exploded through the BOM (memoised per product and
day), each requirement taken from its material's lots in FIFO order from a pointer past the exhausted ones, the
cited pedimento's lots first, in Python integers. Both must give every lot the same discharged quantity.

Run: ``.venv/bin/python benchmarks/bench_immex.py [--quick]`` (``--quick``: 5,000 lots, 100,000 exits).
"""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from allyshore.immex.discharge import balances, discharge
from allyshore.immex.ledger import Ledger
from allyshore.immex.schema import SCALE

sys.path.insert(0, os.path.dirname(__file__))
from _table import machine, versions, write_section

MATERIALS = 2000
LINES_PER_PEDIMENTO = 5
FINISHED = 400
SUBASSEMBLIES = 100
CITING_SHARE = 0.005
NEW_BOM = date(2025, 7, 1)
RUNS = 2


def generate(lots: int, exits: int, seed: int = 15) -> Ledger:
    rng = np.random.default_rng(seed)
    materials = [f"M{i:04d}" for i in range(MATERIALS)]
    subs = [f"S{i:03d}" for i in range(SUBASSEMBLIES)]
    finished = [f"F{i:03d}" for i in range(FINISHED)]
    bom_rows: list[tuple[str, str, int, int, int, date | None, date | None]] = []
    sub_parts = rng.integers(0, MATERIALS, size=(SUBASSEMBLIES, 3))
    fin_parts = rng.integers(0, MATERIALS, size=(FINISHED, 2))
    fin_sub = rng.integers(0, SUBASSEMBLIES, size=FINISHED)
    for i, s in enumerate(subs):
        for m in sub_parts[i]:
            bom_rows.append((s, materials[m], 2 * SCALE, 0, 0, None, NEW_BOM - timedelta(days=1)))
            bom_rows.append((s, materials[m], 2 * SCALE + SCALE // 4, 0, 0, NEW_BOM, None))
    for i, f in enumerate(finished):
        bom_rows.append((f, subs[fin_sub[i]], SCALE, 0, 0, None, None))
        for m in fin_parts[i]:
            bom_rows.append((f, materials[m], 3 * SCALE, 2 * SCALE, SCALE // 2, None, None))
    # Exits: finished products over 2025.
    exit_product = rng.integers(0, FINISHED, size=exits)
    exit_day = rng.integers(0, 365, size=exits)
    exit_qty = rng.integers(1, 20, size=exits) * SCALE
    # Demand per material (upper bound: the later BOM version), to size the lots with room to spare.
    need = np.zeros(MATERIALS)
    units = np.bincount(exit_product, weights=exit_qty / SCALE, minlength=FINISHED)
    for i in range(FINISHED):
        np.add.at(need, fin_parts[i], units[i] * 3 * 1.025)
        np.add.at(need, sub_parts[fin_sub[i]], units[i] * 2.25)
    # The first 2,000 lots hold one of each material, in pedimentos whose clock starts in 2024.
    lot_material = np.concatenate([np.arange(MATERIALS), rng.integers(0, MATERIALS, size=lots - MATERIALS)])
    n_ped = lots // LINES_PER_PEDIMENTO
    lot_ped = np.arange(lots) // LINES_PER_PEDIMENTO
    late_ped = rng.random(n_ped) < 0.4
    late_ped[: MATERIALS // LINES_PER_PEDIMENTO] = False
    late = late_ped[lot_ped]
    count_early = np.bincount(lot_material[~late], minlength=MATERIALS).clip(1)
    raw_late = np.bincount(lot_material[late], minlength=MATERIALS)
    count_late = raw_late.clip(1)
    early_share = np.where(raw_late > 0, 0.75, 1.3)[lot_material]
    share = np.where(late, 0.55 / count_late[lot_material], early_share / count_early[lot_material])
    lot_qty = (np.ceil(need[lot_material] * share) + 1).astype(np.int64) * SCALE
    lot_price = rng.integers(1, 50, size=lots)
    lot_value = lot_qty // SCALE * lot_price * SCALE
    ped_numbers = [f"25073430{i:07d}" for i in range(n_ped)]
    ped_day = np.sort(rng.integers(0, 366, size=n_ped))
    base = date(2024, 1, 1)
    # A pedimento's lines are lots in a row; a late lot's pedimento starts its clock in 2025 (Jan-Mar).
    clock = np.where(late_ped, 366 + rng.integers(0, 90, size=n_ped), ped_day)
    pedimentos = pl.DataFrame(
        {
            "pedimento": ped_numbers,
            "key": ["IN"] * n_ped,
            "regime": ["ITE"] * n_ped,
            "date": [base + timedelta(days=int(d)) for d in np.minimum(ped_day, clock)],
            "clock_start": [base + timedelta(days=int(d)) for d in clock],
            "exchange_rate": pl.Series([None] * n_ped, dtype=pl.Int64),
            "rectifies": pl.Series([None] * n_ped, dtype=pl.String),
        }
    )
    lines = pl.DataFrame(
        {
            "pedimento": [ped_numbers[p] for p in lot_ped],
            "sequence": (np.arange(lots) % LINES_PER_PEDIMENTO + 1).astype(np.int64),
            "material_id": [materials[m] for m in lot_material],
            "quantity": lot_qty,
            "value_usd": lot_value,
            "tariff_item": [f"39{m:06d}" for m in lot_material],
            "origin_country": ["CN"] * lots,
        }
    )
    # Citing exits: the pedimento of a lot of their first material.
    lots_of: dict[int, list[int]] = defaultdict(list)
    for index, m in enumerate(lot_material.tolist()):
        lots_of[m].append(index)
    cites: list[str | None] = [None] * exits
    for e in np.flatnonzero(rng.random(exits) < CITING_SHARE).tolist():
        options = lots_of[int(fin_parts[exit_product[e]][0])]
        cites[e] = ped_numbers[lot_ped[options[rng.integers(0, len(options))]]]
    start = date(2025, 1, 1)
    exits_frame = pl.DataFrame(
        {
            "exit_id": [f"E{i:07d}" for i in range(exits)],
            "kind": ["return"] * exits,
            "date": pl.Series([start + timedelta(days=int(d)) for d in exit_day], dtype=pl.Date),
            "pedimento": pl.Series(cites, dtype=pl.String),
            "product_id": [finished[p] for p in exit_product],
            "material_id": pl.Series([None] * exits, dtype=pl.String),
            "quantity": exit_qty.astype(np.int64),
        }
    )
    bom = pl.DataFrame(
        bom_rows,
        schema={
            "product_id": pl.String,
            "material_id": pl.String,
            "quantity": pl.Int64,
            "waste_pct": pl.Int64,
            "scrap_pct": pl.Int64,
            "effective_from": pl.Date,
            "effective_to": pl.Date,
        },
        orient="row",
    )
    return Ledger(
        programs=pl.DataFrame({"rfc": ["ABC010101AB1"], "program_number": ["IMMEX 1"]}),
        materials=pl.DataFrame(
            {
                "material_id": materials,
                "tariff_item": [f"39{m:06d}" for m in range(MATERIALS)],
                "tariff_unit_factor": [SCALE] * MATERIALS,
                "class": ["input"] * MATERIALS,
            }
        ),
        products=pl.DataFrame({"product_id": subs + finished}),
        bom=bom,
        pedimentos=pedimentos,
        pedimento_lines=lines,
        exits=exits_frame,
    )


def _round(numerator: int, denominator: int) -> int:
    q, r = divmod(numerator, denominator)
    return q + (1 if 2 * r > denominator or (2 * r == denominator and q % 2) else 0)


def peer_fifo(ledger: Ledger) -> dict[tuple[str, int], int]:
    """A straightforward per-event FIFO in Python: (pedimento, sequence) -> quantity discharged (micro-units)."""
    clock = dict(ledger.pedimentos.select("pedimento", "clock_start").iter_rows())
    by_material: dict[str, list[list[Any]]] = defaultdict(list)
    for ped, seq, material, qty in ledger.pedimento_lines.select(
        "pedimento", "sequence", "material_id", "quantity"
    ).iter_rows():
        by_material[material].append([clock[ped], ped, seq, qty])
    for lots in by_material.values():
        lots.sort()
    pointer: dict[str, int] = defaultdict(int)
    bom: dict[str, list[tuple[str, int, int, date, date]]] = defaultdict(list)
    for parent, child, qty, waste, scrap, lo, hi in ledger.bom.iter_rows():
        bom[parent].append(
            (child, qty * (100 * SCALE + waste + scrap), 100 * SCALE * SCALE, lo or date.min, hi or date.max)
        )
    products = set(bom)
    memo: dict[tuple[str, date], dict[str, tuple[int, int]]] = {}

    def explode(product: str, day: date) -> dict[str, tuple[int, int]]:
        key = (product, day)
        if key not in memo:
            from fractions import Fraction

            out: dict[str, Fraction] = defaultdict(Fraction)
            for child, num, den, lo, hi in bom[product]:
                if lo <= day <= hi:
                    if child in products:
                        for m, (n2, d2) in explode(child, day).items():
                            out[m] += Fraction(num, den) * Fraction(n2, d2)
                    else:
                        out[child] += Fraction(num, den)
            memo[key] = {m: (f.numerator, f.denominator) for m, f in out.items()}
        return memo[key]

    done: dict[tuple[str, int], int] = defaultdict(int)
    for _, day, cited, product, quantity in (
        ledger.exits.select("exit_id", "date", "pedimento", "product_id", "quantity")
        .sort("date", "exit_id")
        .iter_rows()
    ):
        for material, (num, den) in sorted(explode(product, day).items()):
            need = _round(quantity * num, den)
            lots = by_material[material]
            if cited is not None:
                for lot in lots:
                    if need == 0:
                        break
                    if lot[1] == cited and lot[0] <= day and lot[3] > 0:
                        take = min(need, lot[3])
                        lot[3] -= take
                        need -= take
                        done[(lot[1], lot[2])] += take
            i = pointer[material]
            while i < len(lots) and lots[i][3] == 0:
                i += 1
            pointer[material] = i
            j = i
            while need and j < len(lots) and lots[j][0] <= day:
                lot = lots[j]
                take = min(need, lot[3])
                if take:
                    lot[3] -= take
                    need -= take
                    done[(lot[1], lot[2])] += take
                j += 1
            if need:
                raise RuntimeError(f"peer: shortfall of {material} on {day}")
    return dict(done)


def main() -> None:
    quick = "--quick" in sys.argv
    n_lots, n_exits = (5_000, 100_000) if quick else (50_000, 1_000_000)
    load_start = os.getloadavg()
    t0 = time.perf_counter()
    ledger = generate(n_lots, n_exits)
    generated = time.perf_counter() - t0
    discharge(generate(5_000, 50_000, seed=1))  # warm-up (imports, polars kernels)

    # Best of RUNS runs on each side (the machine is shared: the best run is the least disturbed one).
    ours = ours_balances = ours_cpu = peer_time = float("inf")
    for _ in range(RUNS):
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        result = discharge(ledger)
        t1 = time.perf_counter()
        table = balances(ledger, result, date(2025, 12, 31))
        t2 = time.perf_counter()
        if t1 - t0 < ours:
            ours, ours_balances, ours_cpu = t1 - t0, t2 - t1, time.process_time() - cpu0
        t0 = time.perf_counter()
        peer = peer_fifo(ledger)
        peer_time = min(peer_time, time.perf_counter() - t0)

    mine = {
        (p, s): q
        for p, s, q in result.frame.group_by("pedimento", "sequence").agg(pl.col("quantity").sum()).iter_rows()
    }
    assert mine == peer, "the kernel and the peer disagree"
    pieces = result.frame.height
    ratio = peer_time / ours
    load_end = os.getloadavg()
    print(
        f"generated in {generated:.1f} s; discharge {ours:.2f} s, balances {ours_balances:.2f} s; peer {peer_time:.1f} s"
    )
    print(f"pieces {pieces:,}; lots {table.height:,}; ratio {ratio:.1f}x")
    if quick:
        return
    text = f"""## IMMEX discharge (`benchmarks/bench_immex.py`)

Ledger generated in memory in {generated:.1f} s: {n_lots:,} lots (10,000 pedimentos of 5 lines) of 2,000 materials,
40% of them with a clock starting in 2025; {n_exits:,} exits of 400 finished products over 2025 through a 3-level
BOM (finished product -> sub-assembly -> material, waste and scrap, the sub-assemblies' BOM in two versions),
5 materials per exit ({pieces:,} discharge pieces); 0.5% of exits cite a pedimento. Exact integer micro-units on
both sides; both give every lot the same discharged quantity (checked).

Each time is the best of {RUNS} runs, the two sides alternating.

| run | time (s) |
|---|---:|
| `discharge` (explosion, FIFO, values) | {ours:.2f} |
| `balances` as of 2025-12-31 | {ours_balances:.2f} |
| per-event Python FIFO (peer, quantities only) | {peer_time:.2f} |

Speed-up of `discharge` over the peer: **{ratio:.1f}x** (target >= 10x); `discharge` + `balances` in
{ours + ours_balances:.1f} s (target < 30 s), CPU {ours_cpu:.1f} s.

Machine: {machine()}, shared: load average {load_start[0]:.2f}, {load_start[1]:.2f}, {load_start[2]:.2f} at the start,
{load_end[0]:.2f}, {load_end[1]:.2f}, {load_end[2]:.2f} at the end. {versions("numpy", "polars")}.
"""
    write_section("immex", text)


if __name__ == "__main__":
    main()
