"""Benchmark of ``allyshore capacity import`` on a generated national manufacturing file at its real size.

Generates a DENUE bulk CSV of ``--rows`` rows (default 657,000, the manufacturing establishments of DENUE,
sectors 31-33) in the 42-column schema, Windows-1252, with :func:`allyshore.capacity.synthetic.write_denue_csv`
(not timed), then imports it in a fresh process (``python -m allyshore capacity import FILE --json``) and
reads the process's wall time and peak resident memory (max RSS from ``wait4``). The peer, in the same run
and the same kind of process: the straightforward load, pandas ``read_csv(encoding="cp1252", dtype=str)``
of the whole file and ``to_parquet(partition_cols=["cve_ent"])`` (no checks, no mapping). A second import of
``--projection-rows`` (default 1,000,000) rows projects the whole DENUE (5.8 million rows): time in
proportion to rows, memory as the 1M-row peak plus the 16 bytes per row that the duplicate check keeps.
Targets: national manufacturing file under 20 s and 2 GB. Writes the ``capacity-import`` section of
docs/benchmarks.md.

Usage: ``python benchmarks/bench_capacity_import.py [--rows 657000] [--projection-rows 1000000]``
(small sizes while developing: ``--rows 20000 --projection-rows 30000 --no-write``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
DENUE_ROWS = 5_800_000  # the whole DENUE, about (issue 13; INEGI publishes ~5.8 million establishments)
KEY_BYTES_PER_ROW = 16  # two 64-bit hashes per row kept by the duplicate check (SeenKeys)

PEER = """
import sys
import pandas as pd
frame = pd.read_csv(sys.argv[1], encoding="cp1252", dtype=str, keep_default_na=False)
frame.to_parquet(sys.argv[2], partition_cols=["cve_ent"])
print(len(frame))
"""


def measured(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (``wait4``) and standard output of a child process running ``argv``."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "160"}
    out_path = cwd / "stdout.txt"
    start = time.perf_counter()
    with open(out_path, "wb") as out, open(cwd / "stderr.txt", "wb") as err:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv[:5])} failed:\n{(cwd / 'stderr.txt').read_text()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, out_path.read_text()  # ru_maxrss is in KiB on Linux


def import_once(path: Path, work: Path) -> dict[str, float]:
    data, store = work / f"data-{path.stem}", work / f"store-{path.stem}.db"
    seconds, peak, out = measured(
        [sys.executable, "-m", "allyshore", "capacity", "import", str(path), "--data-dir", str(data),
         "--database-url", str(store), "--json"],
        work,
    )  # fmt: skip
    result = json.loads(out)
    shutil.rmtree(data, ignore_errors=True)
    return {"wall": seconds, "import": result["seconds"], "peak": peak, "rows": result["rows"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=657_000)
    parser.add_argument("--projection-rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, help="where to write the files (default: a temp folder)")
    parser.add_argument("--no-peer", action="store_true", help="skip the pandas peer")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    from _table import machine, versions, write_section  # benchmarks/ is on sys.path when run as a script
    from allyshore.capacity.synthetic import write_denue_csv

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-capacity-"))
    work.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()[0]
    national = write_denue_csv(work / "denue_inegi_31-33_.csv", args.rows, seed=13, sectors=("31", "32", "33"))
    size_mb = national.stat().st_size / 1e6
    ours = import_once(national, work)
    peer: dict[str, float] | None = None
    if not args.no_peer:
        seconds, peak, out = measured([sys.executable, "-c", PEER, str(national), str(work / "peer")], work)
        peer = {"wall": seconds, "peak": peak, "rows": float(out.strip() or 0)}
        shutil.rmtree(work / "peer", ignore_errors=True)
    national.unlink()
    big = write_denue_csv(work / "denue_1m.csv", args.projection_rows, seed=17, sectors=("31", "32", "33"))
    big_mb = big.stat().st_size / 1e6
    one_m = import_once(big, work)
    big.unlink()
    load_end = os.getloadavg()[0]
    scale = DENUE_ROWS / args.projection_rows
    projected_s = (one_m["wall"] - one_m["import"]) + one_m["import"] * scale
    projected_mb = one_m["peak"] + KEY_BYTES_PER_ROW * (DENUE_ROWS - args.projection_rows) / 2**20

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines = [
        "## DENUE import (`benchmarks/bench_capacity_import.py`)",
        "",
        f"Machine: {machine()}; load average {load_start:.1f} at start, {load_end:.1f} at the end (shared "
        f"machine: other processes ran at the same time, so the times are upper bounds). "
        f"{versions('polars', 'pyarrow', 'pandas')}.",
        "",
        f"Input: a generated DENUE bulk CSV, 42 columns, Windows-1252 "
        f"(`write_denue_csv(rows, seed=13, sectors=31-33)`), {args.rows:,} rows = {size_mb:,.0f} MB. Each run is "
        "a fresh process; *wall* includes start-up and opening the store, *import* is the import's own clock; "
        "*peak RSS* is the process's maximum resident set size (`wait4`).",
        "",
        "| run | rows | wall s | import s | peak RSS MB | target |",
        "|---|---:|---:|---:|---:|---|",
        f"| `allyshore capacity import` (checks, mapping, Parquet by state) | {ours['rows']:,.0f} | {ours['wall']:.1f} "
        f"| {ours['import']:.1f} | {ours['peak']:,.0f} | < 20 s: {verdict(ours['wall'] < 20)}; "
        f"< 2 GB: {verdict(ours['peak'] < 2048)} |",
    ]
    if peer is not None:
        lines.append(
            f"| peer: pandas `read_csv(cp1252, dtype=str)` + `to_parquet` (no checks) | {peer['rows']:,.0f} | "
            f"{peer['wall']:.1f} | | {peer['peak']:,.0f} | |"
        )
    lines += [
        f"| `allyshore capacity import`, {args.projection_rows:,} rows ({big_mb:,.0f} MB) | {one_m['rows']:,.0f} | "
        f"{one_m['wall']:.1f} | {one_m['import']:.1f} | {one_m['peak']:,.0f} | |",
        f"| projected: the whole DENUE, {DENUE_ROWS:,} rows | | {projected_s:.0f} | | {projected_mb:,.0f} | "
        f"< 2 GB: {verdict(projected_mb < 2048)} |",
        "",
        f"Projection: start-up (wall less import) + import time x {scale:.1f} (the import streams, so its time is "
        f"linear in rows), memory = the "
        f"{args.projection_rows:,}-row peak + {KEY_BYTES_PER_ROW} bytes per further row (the hashes of `id` and "
        "`clee` kept to find duplicates; the batch buffers do not grow with the file).",
    ]
    if peer is not None:
        lines.append(
            f"Against the peer: the import takes {ours['wall'] / peer['wall']:.2f}x the peer's wall time and "
            f"{ours['peak'] / peer['peak']:.2f}x its peak memory (the peer holds the whole file in memory and "
            "checks nothing)."
        )
    text = "\n".join(lines)
    if args.no_write:
        print(text)
    else:
        write_section("capacity-import", text)
        print(text)


if __name__ == "__main__":
    main()
