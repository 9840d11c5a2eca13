"""The shipped country reference table (built by ``scripts/build_countries.py``).

>>> table = country_table()
>>> row = table.frame.filter(table.frame["alpha2"] == "MX").row(0, named=True)
>>> row["name"], row["region"], row["fh_total"], row["fh_status"]
('Mexico', 'Americas', 60, 'PF')
>>> table.source_of("fh_total")["edition"]
2023
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import polars as pl

_SCHEMA = {
    "alpha2": pl.String,
    "alpha3": pl.String,
    "numeric": pl.String,
    "name": pl.String,
    "region": pl.String,
    "subregion": pl.String,
    "us_fta": pl.Boolean,
    "usmca": pl.Boolean,
    "nato_joined": pl.Int64,
    "us_treaty_ally": pl.String,
    "us_mnna": pl.Boolean,
    "us_foreign_adversary": pl.Boolean,
    "fh_edition": pl.Int64,
    "fh_total": pl.Int64,
    "fh_status": pl.String,
    "unga_session": pl.Int64,
    "unga_ideal_point": pl.Float64,
    "unga_distance_us": pl.Float64,
}


@dataclass(frozen=True)
class CountryTable:
    """Countries (one row per ISO 3166-1 code plus Kosovo), UN ideal points per session, and their sources."""

    frame: pl.DataFrame
    ideal_points: pl.DataFrame  # alpha2, session, ideal_point (long)
    meta: dict[str, Any]

    def source_of(self, column: str) -> dict[str, Any]:
        """Source, edition/year, licence and URL or DOI of a column of the table."""
        return dict(self.meta["columns"][column])

    @property
    def unga_source(self) -> dict[str, Any]:
        return dict(self.meta["unga_ideal_points.csv"])

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.frame["alpha2"].to_list())


def _read(name: str) -> str:
    return (files("allyshore") / "data" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def country_table() -> CountryTable:
    """The shipped country table (read once, then cached)."""
    frame = pl.read_csv(io.StringIO(_read("countries.csv")), schema=_SCHEMA)
    points = pl.read_csv(
        io.StringIO(_read("unga_ideal_points.csv")),
        schema={"alpha2": pl.String, "session": pl.Int64, "ideal_point": pl.Float64},
    )
    return CountryTable(frame=frame, ideal_points=points, meta=json.loads(_read("countries.meta.json")))
