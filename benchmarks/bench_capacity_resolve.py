"""Benchmark of supplier resolution (``allyshore capacity resolve``) against an unblocked rapidfuzz loop.

Generates a synthetic DENUE-sized manufacturing table (default 650,000 establishments over 2,400 municipalities
in 32 states, skewed sizes; :func:`allyshore.capacity.resolve_eval.synthetic_establishments`), stores it as an
edition (Parquet by state) in a temporary data directory, and a labelled supplier list of 10,000 rows (variants
of establishment names, 15% absent; 10% with coordinates, 30% with a 4-digit SCIAN;
:func:`~allyshore.capacity.resolve_eval.supplier_variants`) as a CSV file. Then, in the same run:

* ``allyshore.capacity.resolve.resolve``: the command's library call, end to end (reading the CSV file and the
  edition's Parquet files, keys, exact pass, blocked scoring, decisions, the result with its evaluation);
* the peer, "unblocked rapidfuzz loop": for each supplier, ``rapidfuzz.process.extractOne`` over every
  establishment's trade name and legal name (``token_sort_ratio`` with rapidfuzz's default processor, the
  usual first implementation), on a random subset of suppliers; its time is scaled to the whole list and its
  precision and recall measured on the subset at the same accept threshold.

Usage: ``python benchmarks/bench_capacity_resolve.py [--establishments 650000] [--suppliers 10000]
[--peer-sample 20] [--write]`` (``--write`` puts the table in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process, utils

from allyshore.capacity.resolve import DEFAULT_ACCEPT, resolve
from allyshore.capacity.resolve_eval import supplier_variants, synthetic_establishments

try:
    from benchmarks._table import machine, versions, write_section
except ImportError:  # run as a script from the benchmarks folder
    from _table import machine, versions, write_section  # type: ignore[no-redef]


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def _store(table: pl.DataFrame, data: Path) -> None:
    for (state,), part in table.group_by("state"):
        folder = data / "denue" / "editions" / "bench" / f"state={state}"
        folder.mkdir(parents=True, exist_ok=True)
        part.write_parquet(folder / "part-0.parquet")
    (data / "denue" / "CURRENT").write_text("bench\n", encoding="utf-8")


def _peer(table: pl.DataFrame, listing: pl.DataFrame, sample: int, seed: int) -> tuple[float, float, float, int]:
    """CPU seconds per supplier, precision and recall of the unblocked loop on ``sample`` random suppliers
    (single-threaded: its CPU time is its time on a quiet machine)."""
    names = table.get_column("name").to_list()
    legals = table.get_column("legal_name").fill_null("").to_list()
    ids = table.get_column("establishment_id").to_list()
    picked = listing.sample(n=sample, seed=seed)
    correct = matched = positives = 0
    start = time.process_time()
    for row in picked.iter_rows(named=True):
        best_name = process.extractOne(
            row["name"], names, scorer=fuzz.token_sort_ratio, processor=utils.default_process
        )
        best_legal = process.extractOne(
            row["name"], legals, scorer=fuzz.token_sort_ratio, processor=utils.default_process
        )
        best = max((b for b in (best_name, best_legal) if b is not None), key=lambda b: b[1])
        expected = row["expected_establishment_id"]
        positives += expected is not None
        if best[1] >= DEFAULT_ACCEPT:
            matched += 1
            correct += ids[best[2]] == expected
    seconds = (time.process_time() - start) / sample
    return (
        seconds,
        correct / matched if matched else float("nan"),
        correct / positives if positives else float("nan"),
        sample,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=650_000)
    parser.add_argument("--municipalities", type=int, default=2_400)
    parser.add_argument("--suppliers", type=int, default=10_000)
    parser.add_argument("--peer-sample", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    load_start = _load()
    t0 = time.perf_counter()
    table = synthetic_establishments(args.establishments, municipalities=args.municipalities, seed=13)
    listing = supplier_variants(table, args.suppliers, seed=17, with_points_share=0.1, scian_share=0.3)
    generated = time.perf_counter() - t0
    sizes = table.group_by("municipality").len().get_column("len")
    print(f"generated {table.height:,} establishments, {listing.height:,} suppliers in {generated:.1f} s")

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        _store(table, data)
        csv = Path(folder) / "suppliers.csv"
        listing.drop("variant").write_csv(csv)
        t0, c0 = time.perf_counter(), time.process_time()
        result = resolve(csv, data, workers=args.workers)
        ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    ev = result.evaluation
    assert ev is not None
    summary = result.summary
    print(f"resolve: {ours:.2f} s wall, {ours_cpu:.2f} s CPU; {summary}; {ev}")

    per_supplier, peer_precision, peer_recall, sample = _peer(table, listing, args.peer_sample, seed=3)
    peer_total = per_supplier * listing.height
    print(f"peer: {per_supplier:.3f} s per supplier -> {peer_total:.0f} s for {listing.height:,}")
    load_end = _load()

    markdown = f"""
## Supplier resolution (`benchmarks/bench_capacity_resolve.py`)

Table: {table.height:,} synthetic establishments in {args.municipalities:,} municipalities of 32 states (skewed:
median {int(sizes.median() or 0):,}, largest {int(sizes.max() or 0):,} per municipality), stored as a Parquet edition by
state; supplier list: {listing.height:,} rows (CSV), variants of real-looking names ({ev.positives:,} present, {ev.negatives:,}
absent; 10% with coordinates, 30% with a 4-digit SCIAN), generated in {generated:.1f} s (not counted). Thresholds:
accept {result.thresholds.accept:g}, review {result.thresholds.review:g}; {args.workers} scoring thread(s).

| run | suppliers | wall (s) | CPU (s) | precision | recall | recall with review |
|---|---:|---:|---:|---:|---:|---:|
| `allyshore.capacity.resolve.resolve` (end to end, files read) | {listing.height:,} | **{ours:.1f}** | {ours_cpu:.1f} | {ev.precision:.3f} | {ev.recall:.3f} | {ev.recall_with_review:.3f} |
| unblocked rapidfuzz loop (`process.extractOne` over all names and legal names), {sample} suppliers | {sample} | | {per_supplier * sample:.1f} | {peer_precision:.3f} | {peer_recall:.3f} | |
| the same, scaled to the list | {listing.height:,} | | {peer_total:,.0f} (projected) | | | |

Target < 30 s for 10,000 suppliers. Scoring runs on one thread on both sides (rapidfuzz `workers=1`; polars
uses its own threads to read the files and build the keys). On this shared machine wall-clock time grows with
the load (below), so CPU time is the figure to compare. The unblocked loop matches a name to the best-scoring
establishment anywhere in Mexico, often a namesake in another municipality: hence its low precision. Speed-up over the
unblocked loop, in CPU time: **{peer_total / ours_cpu:,.0f}x** (projected from {sample} suppliers). Decisions: {summary["matched"]:,} matched ({summary["matched_exact"]:,} exact, {summary["matched_fuzzy"]:,} fuzzy),
{summary["review"]:,} to review, {summary["unmatched"]:,} unmatched; {summary["establishments_searched"]:,} establishments in some supplier's block.
The peer's precision and recall are on its {sample} suppliers only (a rough figure).

Machine: {machine()}, shared: load average {load_start} at the start, {load_end} at the end. {versions("rapidfuzz", "polars", "numpy", "h3")}.
"""
    print(markdown)
    if args.write:
        write_section("capacity-resolve", markdown)


if __name__ == "__main__":
    main()
