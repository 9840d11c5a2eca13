"""Benchmark of the capacity map: seconds to aggregate the national manufacturing table by state and SCIAN.

Generates N establishments (default 657,000, DENUE's manufacturing count) in the columns of
:mod:`allyshore.capacity.schema` (random classes, bands, states, park flags, coordinates in Mexico's box), then
times, median of ``--repeat`` runs:

* ``build_map`` of every activity at the class level, and of the automotive sector at the rama level;
* the same state and class tables with a straightforward pandas ``groupby`` (the peer), checked equal;
* ``h3_cells`` at resolution 4 on every row (what ``--report`` adds).

Writes the ``capacity-map`` section of ``docs/benchmarks.md``.
Usage: ``python benchmarks/bench_capacity_map.py [--rows 657000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from allyshore.capacity.capacity_map import build_map, h3_cells
from allyshore.capacity.sectors import load_sectors

CLASSES = ("339112", "339113", "336390", "336310", "334410", "335920", "326199", "332710", "315229", "311812")
LOW = np.array([0, 6, 11, 31, 51, 101, 251])
HIGH = np.array([5, 10, 30, 50, 100, 250, 500])


def table(rows: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    band = rng.integers(0, 7, rows)
    return pl.DataFrame(
        {
            "scian": np.array(CLASSES)[rng.integers(0, len(CLASSES), rows)],
            "activity": "activity",
            "band": (band + 1).astype(np.int8),
            "employees_low": LOW[band].astype(np.int32),
            "employees_high": HIGH[band].astype(np.int32),
            "state": np.char.zfill(rng.integers(1, 33, rows).astype(str), 2),
            "state_name": "state",
            "in_industrial_park": rng.random(rows) < 0.2,
            "lat": rng.uniform(15.0, 32.0, rows),
            "lon": rng.uniform(-117.0, -87.0, rows),
        }
    )


def pandas_peer(frame: Any) -> tuple[Any, Any]:
    """The state and class tables of every activity with pandas, written plainly."""
    frame = frame.assign(mid=(frame.employees_low + frame.employees_high) / 2.0)
    aggregations = {
        "establishments": ("scian", "size"),
        "employees_low": ("employees_low", "sum"),
        "employees_mid": ("mid", "sum"),
        "employees_high": ("employees_high", "sum"),
        "in_parks": ("in_industrial_park", "sum"),
    }
    states = frame.groupby("state").agg(**aggregations).reset_index()
    classes = frame.groupby(["state", "scian"]).agg(**aggregations).reset_index()
    return states, classes


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=657_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from _table import machine, versions, write_section  # benchmarks/ is on sys.path when run as a script

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    frame = table(args.rows)
    automotive = load_sectors()["automotive"]
    every, result = timed(lambda: build_map(frame, level="class"), args.repeat)
    sector, _ = timed(lambda: build_map(frame, sector=automotive, level="rama"), args.repeat)
    as_pandas = frame.to_pandas()
    peer, (states, _) = timed(lambda: pandas_peer(as_pandas), args.repeat)
    mine = result.states.sort("state")
    assert mine.get_column("establishments").to_list() == states.sort_values("state")["establishments"].tolist()
    assert mine.get_column("employees_high").to_list() == states.sort_values("state")["employees_high"].tolist()
    cells, found = timed(lambda: h3_cells(frame, 4), 1)
    print(
        f"{args.rows:,} rows: every activity {every:.3f} s, automotive {sector:.3f} s, pandas {peer:.3f} s, "
        f"h3 {cells:.2f} s ({found.height:,} cells)",
        file=sys.stderr,
    )
    lines = [
        "## Capacity map (`benchmarks/bench_capacity_map.py`)",
        "",
        f"Machine: {machine()}; load average at start {load:.1f} (shared machine). {versions('polars', 'pandas', 'h3')}.",
        "",
        f"{args.rows:,} generated establishments in the shared establishment columns (10 SCIAN classes, 32 states, "
        f"7 bands). Median of {args.repeat} runs; h3 one run. The peer is a plain pandas `groupby` of the same "
        "state and state x class tables (without the unknown-bound and park-membership handling), checked equal.",
        "",
        "| work | seconds |",
        "|---|---:|",
        f"| `build_map`, every activity, class level (states, classes, totals, notes) | {every:.3f} |",
        f"| `build_map`, automotive (3361-3363), rama level | {sector:.3f} |",
        f"| pandas `groupby` peer, every activity (states and classes) | {peer:.3f} |",
        f"| ratio pandas / `build_map` every activity | {peer / every:.2f} |",
        f"| `h3_cells` resolution 4, every row ({found.height:,} cells; `--report` only) | {cells:.2f} |",
    ]
    write_section("capacity-map", "\n".join(lines))


if __name__ == "__main__":
    main()
