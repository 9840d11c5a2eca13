"""Layered, dated tariff measures evaluated on a date, vectorised over many (HTS, origin, importer) keys.

A measure is a row of ``data/cost/tariff_measures.csv`` (or a user's row): a
``layer`` (``mfn``, ``section_301``, ``ieepa``, ``section_232``, ``additional``), the
importing country, an HTS prefix (blank = every line), an origin (``*`` = any),
an ad valorem rate and a specific rate per unit, effective dates, a default
switch and whether USMCA-originating goods are exempt.

Within a layer the most specific measure in force wins (longest HTS prefix, then
a named origin over ``*``, then the latest start date): a later action replaces an
earlier rate on the same line, as the Section 301 increases do. Layers add up.

>>> import datetime as dt
>>> from allyshore.cost.assumptions import default_assumptions
>>> book = default_assumptions()
>>> rates = duty_rates(book.tariffs, ["9403.60.80"], ["CN"], ["US"], dt.date(2019, 1, 1))
>>> float(rates.rate["section_301"][0])
0.1
>>> float(duty_rates(book.tariffs, ["9403.60.80"], ["CN"], ["US"], dt.date(2019, 6, 1)).rate["section_301"][0])
0.25
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.cost.assumptions import LAYERS

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class DutyRates:
    """Per key and layer: the ad valorem rate, the specific rate (USD/unit), the exemption flag and measure id."""

    rate: Mapping[str, FloatArray]
    specific: Mapping[str, FloatArray]
    usmca_exempt: Mapping[str, NDArray[np.bool_]]
    measure: Mapping[str, NDArray[np.object_]]
    used: pl.DataFrame  # the measures that applied to at least one key (for the assumption list)


def normalise_hts(codes: Sequence[str | None] | pl.Series) -> pl.Series:
    """HS/HTS codes as digits only ("8536.50.90" -> "85365090"); missing -> ""."""
    series = codes if isinstance(codes, pl.Series) else pl.Series("hts", list(codes), dtype=pl.String)
    return series.cast(pl.String).fill_null("").str.replace_all(r"[^0-9]", "").alias("hts")


def measures_in_force(tariffs: pl.DataFrame, as_of: dt.date, layers: Mapping[str, bool] | None = None) -> pl.DataFrame:
    """The measures in force on ``as_of`` whose layer is switched on (user switches override row defaults)."""
    switches = dict(layers or {})
    enabled = pl.col("enabled")
    for layer, on in switches.items():
        enabled = pl.when(pl.col("layer") == layer).then(pl.lit(on)).otherwise(enabled)
    return tariffs.filter(
        (pl.col("effective_from") <= as_of) & (pl.col("effective_to") >= as_of) & enabled.cast(pl.Boolean)
    )


def duty_rates(
    tariffs: pl.DataFrame,
    hts: Sequence[str | None] | pl.Series,
    origin: Sequence[str] | pl.Series,
    importer: Sequence[str] | pl.Series,
    as_of: dt.date,
    layers: Mapping[str, bool] | None = None,
) -> DutyRates:
    """Rates of every layer for each (hts, origin, importer) key, evaluated on ``as_of``."""
    keys = pl.DataFrame(
        {
            "hts": normalise_hts(hts),
            "origin": pl.Series(list(origin), dtype=pl.String).fill_null("").str.to_uppercase(),
            "importer": pl.Series(list(importer), dtype=pl.String).fill_null("").str.to_uppercase(),
        }
    ).with_row_index("position")
    n = keys.height
    unique = keys.select("hts", "origin", "importer").unique().with_row_index("key")
    active = measures_in_force(tariffs, as_of, layers).with_columns(
        pl.col("hts_prefix").str.len_chars().alias("prefix_len"),
        (pl.col("origin") != "*").alias("named_origin"),
    )
    matched = (
        unique.join(active, on="importer", how="inner", suffix="_m")
        .filter(
            pl.col("hts").str.starts_with(pl.col("hts_prefix"))
            & ((pl.col("origin_m") == "*") | (pl.col("origin_m") == pl.col("origin")))
        )
        .sort(
            ["key", "layer", "prefix_len", "named_origin", "effective_from"],
            descending=[False, False, True, True, True],
        )
        .group_by(["key", "layer"], maintain_order=True)
        .first()
    )
    positions = keys.join(unique, on=["hts", "origin", "importer"], how="left").sort("position").get_column("key")
    key_of_position = positions.to_numpy()
    rate: dict[str, FloatArray] = {}
    specific: dict[str, FloatArray] = {}
    exempt: dict[str, NDArray[np.bool_]] = {}
    measure: dict[str, NDArray[np.object_]] = {}
    for layer in LAYERS:
        part = matched.filter(pl.col("layer") == layer)
        by_key_rate = np.zeros(unique.height)
        by_key_specific = np.zeros(unique.height)
        by_key_exempt = np.zeros(unique.height, dtype=bool)
        by_key_measure = np.full(unique.height, "", dtype=object)
        if part.height:
            idx = part.get_column("key").to_numpy()
            by_key_rate[idx] = part.get_column("rate_ad_valorem").to_numpy()
            by_key_specific[idx] = part.get_column("rate_specific_usd").to_numpy()
            by_key_exempt[idx] = part.get_column("usmca_exempt").to_numpy()
            by_key_measure[idx] = np.asarray(part.get_column("measure_id").to_list(), dtype=object)
        rate[layer] = by_key_rate[key_of_position] if n else np.zeros(0)
        specific[layer] = by_key_specific[key_of_position] if n else np.zeros(0)
        exempt[layer] = by_key_exempt[key_of_position] if n else np.zeros(0, dtype=bool)
        measure[layer] = by_key_measure[key_of_position] if n else np.zeros(0, dtype=object)
    used_ids = matched.get_column("measure_id").unique().to_list() if matched.height else []
    used = tariffs.filter(pl.col("measure_id").is_in(used_ids))
    return DutyRates(rate=rate, specific=specific, usmca_exempt=exempt, measure=measure, used=used)


def mpf_limits(mpf: pl.DataFrame, as_of: dt.date) -> dict[str, float | str]:
    """The MPF rate, minimum and maximum of the US fiscal year containing ``as_of`` (latest year if beyond)."""
    frame = mpf.with_columns(
        pl.col("effective_from").str.to_date(),
        pl.col("effective_to").str.to_date(),
    ).sort("effective_from")
    row = frame.filter((pl.col("effective_from") <= as_of) & (pl.col("effective_to") >= as_of))
    if row.height == 0:
        row = frame.filter(pl.col("effective_from") <= as_of).tail(1)
        if row.height == 0:
            row = frame.head(1)
    record = row.row(0, named=True)
    return {
        "fiscal_year": str(record["fiscal_year"]),
        "rate": float(record["rate"]),
        "minimum": float(record["minimum_usd"]),
        "maximum": float(record["maximum_usd"]),
        "source": str(record["source"]),
        "date": str(record["source_date"]),
    }
