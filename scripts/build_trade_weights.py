"""Build ``src/allyshore/data/trade_weights.csv``: each economy's share of world exports of manufactured intermediates.

Source: the WIOD 2013 release world input-output table for 2011 (Timmer, Dietzenbacher, Los, Stehrer and
de Vries (2015), "An Illustrated User Guide to the World Input-Output Database: the Case of Global Automotive
Production", Review of International Economics 23: 575-605), as stored in ``../shared/data/wiod2013_wiot_2011``
(intermediate-use matrix Z, 1,435 x 1,435, current USD millions, labels ``<ISO3>_c<N>``).

For each of the 40 named WIOD economies, the exports of intermediates are the sum of Z over rows of that
economy's manufacturing industries (c3..c16, NACE Rev.1.1 15-37) and columns of every *other* economy
(RoW included as a buyer). RoW as a seller is an aggregate of the rest of the world and cannot be drawn as one
country: its share is written to the meta file and left out of the weights, which are renormalised over the
40 economies. ``allyshore.generate`` draws supplier countries with these weights.

Usage: ``python scripts/build_trade_weights.py [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import polars as pl
import pycountry

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "allyshore" / "data" / "trade_weights.csv"
META = OUT.with_suffix(".meta.json")
MANUFACTURING = {f"c{n}" for n in range(3, 17)}  # WIOD c3..c16 = NACE Rev.1.1 15-37


def build(data: Path) -> tuple[pl.DataFrame, dict[str, object]]:
    folder = data / "wiod2013_wiot_2011"
    z = pl.read_csv(folder / "wiot2011_Z_intermediate.csv.gz", infer_schema_length=0)
    labels = z.get_column(z.columns[0]).to_list()
    matrix = z.drop(z.columns[0]).cast(pl.Float64).to_numpy()
    row_country = np.array([label.split("_")[0] for label in labels])
    row_industry = np.array([label.split("_")[1] for label in labels])
    col_country = np.array([label.split("_")[0] for label in z.columns[1:]])
    manufacturing = np.isin(row_industry, sorted(MANUFACTURING))
    foreign = row_country[:, None] != col_country[None, :]
    exports = (matrix * foreign).sum(axis=1) * manufacturing
    economies = sorted(set(row_country.tolist()))
    by_economy = {e: float(exports[row_country == e].sum()) for e in economies}
    world = sum(by_economy.values())
    rest = by_economy.pop("RoW")
    named = sum(by_economy.values())
    rows = []
    for iso3, value in sorted(by_economy.items(), key=lambda kv: -kv[1]):
        code = "RO" if iso3 == "ROM" else pycountry.countries.get(alpha_3=iso3).alpha_2  # WIOD spells Romania ROM
        rows.append({"country": code, "wiod_code": iso3, "exports_usd_mn": round(value), "weight": value / named})
    frame = pl.DataFrame(rows)
    meta: dict[str, object] = {
        "table": "trade_weights.csv",
        "description": "Share of each WIOD economy in the world's cross-border exports of manufactured intermediate "
        "goods (WIOD industries c3-c16, NACE Rev.1.1 15-37), 2011, renormalised over the 40 named economies.",
        "columns": {
            "country": "ISO 3166-1 alpha-2",
            "wiod_code": "WIOD economy code (ISO alpha-3; ROM = Romania)",
            "exports_usd_mn": "intermediate exports of manufacturing industries to other economies, USD million, 2011",
            "weight": "exports_usd_mn / total over the 40 named economies",
        },
        "rest_of_world_share": rest / world,
        "source": "World Input-Output Database, 2013 release, world input-output table 2011 (Timmer et al. 2015, "
        "Review of International Economics 23:575-605), via the R package bquast/wiod "
        "(commit 59a28ac22fbd7751ea84c0f33722b5246b0af46d, data/wiot_2011.RData)",
        "year": 2011,
        "licence": "WIOD data: free to use with citation",
        "built_by": "scripts/build_trade_weights.py",
    }
    return frame, meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    frame, meta = build(args.data)
    frame.write_csv(OUT, float_precision=6)
    META.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({frame.height} economies; RoW share {meta['rest_of_world_share']:.3f})")


if __name__ == "__main__":
    main()
