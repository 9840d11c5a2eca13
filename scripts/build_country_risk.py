"""Derive src/allyshore/data/country_risk.csv from the World Bank Worldwide Governance Indicators.

Input: ../shared/data/wgi_wjp_governance/data_2020_Worldwide_Governance_Indicators_1996-2019.csv
(tidy WGI, 2020 update, World Bank, CC BY 4.0; latin-1). For each economy we keep the latest
year of "Political Stability and Absence of Violence/Terrorism" (PV): the estimate (-2.5..2.5)
and the percentile rank (0..100). The resilience Monte Carlo scales country disruption rates
by this rank (see allyshore.resilience.assumptions).

Run: .venv/bin/python scripts/build_country_risk.py [path-to-shared-data]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
import pycountry

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
SOURCE = SHARED / "wgi_wjp_governance" / "data_2020_Worldwide_Governance_Indicators_1996-2019.csv"
OUT = ROOT / "src" / "allyshore" / "data" / "country_risk.csv"

# WGI codes that are not ISO 3166-1 alpha-3 (World Bank conventions).
WB_CODES = {"ADO": "AD", "ZAR": "CD", "ROM": "RO", "TMP": "TL", "KSV": "XK", "WBG": "PS", "ANT": "CW", "JEY": "JE"}


def alpha2(code: str) -> str | None:
    if code in WB_CODES:
        return WB_CODES[code]
    country = pycountry.countries.get(alpha_3=code)
    return None if country is None else str(country.alpha_2)


def main() -> None:
    frame = pl.read_csv(SOURCE, encoding="latin1", infer_schema_length=0)
    pv = (
        frame.filter(pl.col("Indicator") == "PoliticalStability")
        .select(
            pl.col("Code").alias("code"),
            pl.col("Year").cast(pl.Int64).alias("year"),
            pl.col("Estimate").cast(pl.Float64, strict=False).alias("estimate"),
            pl.col("Rank").cast(pl.Float64, strict=False).alias("rank"),
        )
        .drop_nulls(["estimate", "rank"])
        .sort("code", "year")
        .group_by("code", maintain_order=True)
        .last()
    )
    rows = []
    skipped = []
    for code, year, estimate, rank in pv.iter_rows():
        a2 = alpha2(code)
        if a2 is None:
            skipped.append(code)
            continue
        rows.append(
            {"alpha2": a2, "wgi_pv_estimate": round(estimate, 4), "wgi_pv_percentile": round(rank, 2), "year": year}
        )
    table = pl.DataFrame(rows).sort("alpha2").unique("alpha2", keep="first", maintain_order=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.write_csv(OUT)
    meta = {
        "table": OUT.name,
        "rows": table.height,
        "description": "Latest WGI Political Stability and Absence of Violence/Terrorism (PV) per economy.",
        "source": "World Bank, Worldwide Governance Indicators, 2020 update (data 1996-2019)",
        "url": "https://info.worldbank.org/governance/wgi/",
        "licence": "CC BY 4.0 (World Bank)",
        "derived_by": "scripts/build_country_risk.py from the tidy CSV of Global-Development-and-Politics-of-Data/"
        "Chapter12_Governance (commit 00f71366)",
        "columns": {
            "alpha2": "ISO 3166-1 alpha-2 (World Bank codes mapped)",
            "wgi_pv_estimate": "PV estimate, about -2.5 (weak) to 2.5 (strong)",
            "wgi_pv_percentile": "PV percentile rank among economies, 0 (lowest) to 100 (highest)",
            "year": "year of the estimate (latest available)",
        },
        "skipped_codes": skipped,
    }
    OUT.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {OUT} ({table.height} rows); skipped {skipped}")


if __name__ == "__main__":
    main()
