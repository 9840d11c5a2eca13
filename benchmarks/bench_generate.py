"""Benchmark of the network generator: seconds to generate, and to check, networks of 10k, 100k and 1M rows.

Times :func:`allyshore.generate.generate_network` with ``edges=N`` and ``validate=False`` (generation alone),
then :func:`allyshore.model.validate.check_network` on the result (what ``validate=True`` adds), median of
``--repeat`` runs, and writes the ``generate`` section of ``docs/benchmarks.md``.

Usage: ``python benchmarks/bench_generate.py [--sizes 10000 100000 1000000] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from allyshore.generate import expected_edges, generate_network
from allyshore.model.validate import check_network


def timed(function: object, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tiers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from _table import machine, versions, write_section  # benchmarks/ is on sys.path when run as a script

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = []
    for size in args.sizes:
        generated, network = timed(
            lambda s=size: generate_network(edges=s, tiers=args.tiers, seed=args.seed, validate=False), args.repeat
        )
        checked, problems = timed(lambda n=network: check_network(n), max(1, min(args.repeat, 3)))
        counts = network.summary()  # type: ignore[attr-defined]
        edges = counts["bom"] + counts["flows"]
        errors = sum(p.severity == "error" for p in problems)  # type: ignore[attr-defined]
        rows.append((size, edges, counts, generated, checked, errors))
        print(f"{size:>9,}: {edges:,} rows, generate {generated:.2f} s, check {checked:.2f} s", file=sys.stderr)
    lines = [
        "## Network generator (`benchmarks/bench_generate.py`)",
        "",
        f"Machine: {machine()}; load average at start {load:.1f} (shared machine). "
        f"{versions('numpy', 'polars', 'scipy', 'networkx')}.",
        "",
        f"`generate_network(edges=N, tiers={args.tiers}, seed={args.seed}, validate=False)`, median of {args.repeat} "
        "runs; *check* is `check_network` on the result (what the default validation adds up to 200,000 rows), "
        "median of up to 3 runs. *Expected* is `expected_edges` for the item count chosen.",
        "",
        "| target | bom+flow rows | expected | items | sites | supply | generate s | check s | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, edges, counts, generated, checked, errors in rows:
        expected = expected_edges(counts["items"], args.tiers)
        lines.append(
            f"| {size:,} | {edges:,} | {expected:,} | {counts['items']:,} | {counts['sites']:,} | "
            f"{counts['supply']:,} | {generated:.3f} | {checked:.3f} | {errors} |"
        )
    write_section("generate", "\n".join(lines))


if __name__ == "__main__":
    main()
