"""Precision and recall of supplier resolution on labelled sets, at several thresholds.

Two sets, both from fixed seeds:

* **real names**: the 100 published DENUE rows of ``../shared/data/denue_sample`` (Aguascalientes, sector 31;
  see its PROVENANCE.md) plus 3,000 synthetic establishments placed in the same six municipalities, and three
  rounds of supplier variants of the 100 real rows (255 present, 45 absent);
* **synthetic**: 50,000 synthetic establishments in 200 municipalities and 2,000 suppliers (10% with
  coordinates, 30% with a SCIAN code).

Usage: ``python scripts/evaluate_resolve.py [--shared ../shared] [--csv OUT_FOLDER]`` prints one row per set and
threshold pair, and per variant kind at the default thresholds; ``--csv`` also writes the labelled real-name
set (suppliers.csv with expected ids, establishments.parquet) to try ``allyshore capacity resolve`` on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from allyshore.capacity.denue_validate import establishments_from_rows
from allyshore.capacity.resolve import default_thresholds, resolve_suppliers
from allyshore.capacity.resolve_eval import labelled_set, supplier_variants, synthetic_establishments
from allyshore.capacity.suppliers import canonical_suppliers

PAIRS = ((95.0, 80.0), (92.0, 75.0), (90.0, 75.0), (88.0, 75.0), (85.0, 70.0))


def _rows(label: str, table: pl.DataFrame, labelled: pl.DataFrame) -> None:
    listing = canonical_suppliers(labelled.drop("variant"))
    for accept, review in PAIRS:
        result = resolve_suppliers(listing, table, thresholds=default_thresholds(accept, review))
        ev = result.evaluation
        assert ev is not None
        print(
            f"| {label} | {accept:g} | {review:g} | {ev.precision:.3f} | {ev.recall:.3f} | "
            f"{ev.recall_with_review:.3f} | {ev.false_match_rate_on_negatives:.3f} | {result.count('review')} |"
        )
    result = resolve_suppliers(listing, table)
    decided = pl.DataFrame(
        {
            "variant": labelled.get_column("variant"),
            "status": [s.status for s in result.suppliers],
            "right": [
                s.establishment_id == e
                for s, e in zip(result.suppliers, labelled.get_column("expected_establishment_id"), strict=True)
            ],
        }
    )
    print(f"\n{label}, by variant at accept 90 / review 75 (matched = matched to the right establishment):")
    table_by = decided.group_by("variant").agg(
        pl.len().alias("rows"),
        ((pl.col("status") == "matched") & pl.col("right")).sum().alias("matched right"),
        ((pl.col("status") == "matched") & ~pl.col("right")).sum().alias("matched wrong"),
        (pl.col("status") == "review").sum().alias("review"),
        (pl.col("status") == "unmatched").sum().alias("unmatched"),
    )
    print(table_by.sort("variant"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--csv", type=Path, default=None)
    args = parser.parse_args()
    sample = args.shared / "data" / "denue_sample" / "denue_manufacturing_ags_sample.csv"
    real = establishments_from_rows(pl.read_csv(sample, infer_schema=False))
    table, labelled = labelled_set(real)
    print("| set | accept | review | precision | recall | recall with review | absent matched | to review |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    _rows("real names", table, labelled)
    synthetic = synthetic_establishments(50_000, municipalities=200, seed=3)
    _rows("synthetic", synthetic, supplier_variants(synthetic, 2_000, seed=5, with_points_share=0.1, scian_share=0.3))
    if args.csv is not None:
        args.csv.mkdir(parents=True, exist_ok=True)
        labelled.write_csv(args.csv / "suppliers.csv")
        table.write_parquet(args.csv / "establishments.parquet")


if __name__ == "__main__":
    main()
