"""Benchmark of the trade-in-value-added arithmetic against pymrio on the same table, in the same run.

Tables: the WIOD 2013 table of 2011 (1,435 country-industries, from ../shared/data/wiod2013_wiot_2011 or
``--dir``), and a generated table of the size of the WIOD 2016 release (44 regions x 56 industries = 2,464).
Timed (file reading excluded, fastest of ``--repeat`` runs):

* ``allyshore``: :func:`allyshore.tiva.content.build_model` (x, A, L by one LU factorisation, v, gross trade)
  and then the whole :func:`~allyshore.tiva.content.import_content` (USA vs MEX, CHN, CAN: origin shares,
  three hypothetical extractions, the export split);
* ``pymrio``: ``pymrio.calc_x``, ``calc_A``, ``calc_L`` (``numpy.linalg.inv``) and ``calc_gross_trade`` on
  pandas frames of the same table (pymrio has no trade-in-value-added decomposition; the Leontief inverses of
  the two are checked to agree to 1e-8).

Usage: ``python benchmarks/bench_tiva.py [--dir DIR] [--repeat 3] [--no-write]``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from _table import machine, versions, write_section
from allyshore.tiva.content import build_model, import_content
from allyshore.tiva.wiot import IOTable, read_table

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wiod2013_wiot_2011"


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def generated(regions: int = 44, sectors: int = 56, seed: int = 7) -> IOTable:
    """A productive table of the given size: sparse non-negative flows, domestic blocks heavier."""
    rng = np.random.default_rng(seed)
    n = regions * sectors
    region = np.repeat(np.arange(regions), sectors)
    z = rng.exponential(1.0, size=(n, n)) * (rng.uniform(size=(n, n)) < 0.3)
    z[region[:, None] == region[None, :]] *= 20.0
    y = rng.uniform(50.0, 500.0, size=(n, regions * 5))
    codes = tuple(f"R{i:02d}" for i in range(regions))
    codes = ("USA", "MEX", "CHN", "CAN", *codes[4:])
    return IOTable(
        name=f"generated {regions}x{sectors}",
        year=None,
        unit="units",
        regions=codes,
        sectors=tuple(f"s{j}" for j in range(sectors)),
        Z=z,
        Y=y,
        y_region=np.repeat(np.arange(regions, dtype=np.intp), 5),
    )


def pymrio_run(table: IOTable) -> tuple[float, float, Any]:
    """pymrio's x, A, L and gross trade on pandas frames of ``table``: (seconds for L, total seconds, L)."""
    import pandas as pd
    import pymrio

    rows = pd.MultiIndex.from_product([table.regions, table.sectors], names=["region", "sector"])
    ycols = pd.MultiIndex.from_arrays(
        [[table.regions[r] for r in table.y_region], [f"fd{k}" for k in range(table.Y.shape[1])]],
        names=["region", "category"],
    )
    Z = pd.DataFrame(table.Z, index=rows, columns=rows)
    Y = pd.DataFrame(table.Y, index=rows, columns=ycols)
    start = time.perf_counter()
    x = pymrio.calc_x(Z, Y)
    A = pymrio.calc_A(Z, x)
    t_l = time.perf_counter()
    L = pymrio.calc_L(A)
    t_l = time.perf_counter() - t_l
    pymrio.calc_gross_trade(Z, Y)
    return t_l, time.perf_counter() - start, L


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=SHARED)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_start = os.getloadavg()
    rows: list[str] = []
    tables: list[tuple[str, IOTable]] = []
    if args.dir.is_dir():
        start = time.perf_counter()
        wiod = read_table(args.dir, name="wiod2013-2011")
        rows.append(f"Reading the WIOD 2011 CSV extract (Z 1,435 x 1,435, Y 1,435 x 205): {time.perf_counter() - start:.2f} s.")
        tables.append(("WIOD 2013 release, 2011 (41 x 35 = 1,435)", wiod))
    tables.append(("generated, WIOD 2016 size (44 x 56 = 2,464)", generated()))
    lines = [
        "| table | allyshore model (x, A, L, v, E) (s) | allyshore whole analysis (s) | pymrio L only (s) | "
        "pymrio x, A, L, gross trade (s) | ratio (pymrio / allyshore model) | max abs diff of L |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, table in tables:
        t_model, model = _best(lambda table=table: build_model(table), args.repeat)
        t_all, _ = _best(lambda table=table, model=model: import_content(table, model=model), args.repeat)
        best = (float("inf"), float("inf"), None)
        for _ in range(args.repeat):
            run = pymrio_run(table)
            if run[1] < best[1]:
                best = run
        diff = float(np.abs(best[2].to_numpy() - model.L).max())
        lines.append(
            f"| {label} | {t_model:.2f} | {t_model + t_all:.2f} | {best[0]:.2f} | {best[1]:.2f} | "
            f"{best[1] / t_model:.2f}x | {diff:.1e} |"
        )
        print(lines[-1], flush=True)
    load_end = os.getloadavg()
    text = "\n".join(
        [
            "## Trade in value added (`benchmarks/bench_tiva.py`)",
            "",
            "Leontief model of a world input-output table and the `allyshore tiva` analysis (USA vs MEX, CHN, CAN: "
            "origin shares by sector, three hypothetical extractions, the export split) against pymrio's "
            "`calc_x`, `calc_A`, `calc_L` and `calc_gross_trade` on pandas frames of the same table. "
            f"Fastest of {args.repeat} runs; file reading not timed. *whole analysis* = model + `import_content`.",
            "",
            *rows,
            "",
            *lines,
            "",
            f"Machine: {machine()}, shared: load average {', '.join(f'{v:.2f}' for v in load_start)} at the start, "
            f"{', '.join(f'{v:.2f}' for v in load_end)} at the end. {versions('numpy', 'scipy', 'pandas', 'pymrio')}.",
        ]
    )
    print(text)
    if not args.no_write:
        write_section("tiva", text)


if __name__ == "__main__":
    main()
