"""Build ``src/allyshore/data/capacity/hs6_naics.csv``: which NAICS industries make the goods of each HS code.

Source: the Congressional Budget Office's January 2023 commodity crosswalk (each US import HTS10 line assigned to
one 6-digit NAICS industry), as copied unchanged into the Yale Budget Lab's Tariff-ETRs repository and stored in
``../shared/data/hs_naics_concordance/hs10_naics.csv`` (see its PROVENANCE.md: 20,780 HS10 lines, 405 NAICS codes;
a U.S. federal work, public domain in the U.S. under 17 U.S.C. 105).

For every HS6 subheading, each NAICS code's weight is the share of the HS10 lines under the subheading that map to
it (``lines / total lines of the subheading``). Where a subheading is split among several NAICS codes, its HS8
lines are written too (same rule, level 8), so that an item coded at 8 or 10 digits gets the finer split. A
subheading mapped to one code needs no HS8 rows: every HS8 under it maps to that code.

The NAICS codes are kept as published, Census's aggregate codes with ``X`` (``31131X``) and its trade-only
pseudo-codes (``910000``-``990000``) included: :mod:`allyshore.capacity.concordance` decides how they meet
SCIAN.

Usage: ``python scripts/build_hs_scian.py [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "allyshore" / "data" / "capacity" / "hs6_naics.csv"
META = OUT.with_suffix(".meta.json")
SOURCE_SHA256 = "2957c0a16d65bc7c299f25a15c20ae9b626d3f770c752a70d706ca2716a7e5a5"


def _level(lines: pl.DataFrame, digits: int) -> pl.DataFrame:
    keyed = lines.with_columns(hs=pl.col("hs10").str.slice(0, digits))
    counts = keyed.group_by("hs", "naics").agg(lines=pl.len().cast(pl.Int64))
    return counts.with_columns(
        level=pl.lit(digits, pl.Int64),
        weight=(pl.col("lines") / pl.col("lines").sum().over("hs")).round(6),
    )


def build(data: Path) -> tuple[pl.DataFrame, dict[str, object]]:
    path = data / "hs_naics_concordance" / "hs10_naics.csv"
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"{path}: sha256 {digest} is not the one PROVENANCE.md records ({SOURCE_SHA256})")
    lines = pl.read_csv(raw, schema={"hs10": pl.String, "naics": pl.String})
    if lines.get_column("hs10").n_unique() != lines.height:
        raise SystemExit(f"{path}: an HS10 line maps to more than one NAICS code")
    hs6 = _level(lines, 6)
    split = hs6.group_by("hs").agg(pl.len().alias("codes")).filter(pl.col("codes") > 1).get_column("hs")
    hs8 = _level(lines.filter(pl.col("hs10").str.slice(0, 6).is_in(split.implode())), 8)
    frame = (
        pl.concat([hs6, hs8])
        .select("hs", "level", "naics", "lines", "weight")
        .sort("hs", pl.col("lines"), "naics", descending=[False, True, False])
    )
    meta: dict[str, object] = {
        "table": "hs6_naics.csv",
        "description": "HS6 subheadings (and the HS8 lines of the subheadings split among several industries) to "
        "6-digit NAICS industries, weighted by the share of the code's HS10 lines assigned to each.",
        "columns": {
            "hs": "HS code, 6 or 8 digits, text",
            "level": "digits of hs (6 or 8)",
            "naics": "NAICS code as published (Census trade codes: 'X' aggregates such as 31131X, pseudo-codes "
            "910000-990000 with no producing industry)",
            "lines": "HS10 lines under hs assigned to naics",
            "weight": "lines / all HS10 lines under hs (rounded to 6 decimals; the library recomputes it from lines)",
        },
        "source": "Congressional Budget Office, commodity crosswalk of January 2023 (HTS10 to NAICS), copied "
        "unchanged in github.com/Budget-Lab-Yale/Tariff-ETRs resources/hs10_naics_crosswalk.csv at commit "
        "ffc01053986e7d7c61e9922ed7deb16d5057ab0b; CBO's own publication URL [verify]",
        "source_sha256": digest,
        "source_date": "2023-01",
        "hs_vintage": "US HTS10 lines in use around January 2023 (HS 2022 based)",
        "naics_vintage": "not stated upstream; Census foreign-trade NAICS, apparently 2017-based [verify]",
        "licence": "U.S. federal government work (CBO), public domain in the U.S. (17 U.S.C. 105); the copying "
        "repository has no licence file and adds nothing to the mapping",
        "rows": frame.height,
        "hs6_codes": hs6.get_column("hs").n_unique(),
        "hs8_codes": hs8.get_column("hs").n_unique(),
        "built_by": "scripts/build_hs_scian.py",
    }
    return frame, meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    frame, meta = build(args.data)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(OUT)
    META.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {frame.height} rows ({meta['hs6_codes']} HS6, {meta['hs8_codes']} HS8)")


if __name__ == "__main__":
    main()
