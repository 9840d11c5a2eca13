"""Unknown duties: the duties a costing could not determine, each with its item, HTS line, origin, layer and why.

An unknown duty is counted as 0 in the totals and listed in the result
(``unknown_duties`` in its JSON), in one warning line of the command line, and
in the report's data-quality section; ``strict_duties=True`` (``--strict-duties``)
makes it an error (:class:`~allyshore.errors.UnknownDutyError`).

>>> UnknownDuty("K", "853650", "CN", "MX", "mfn", "no Mexican IGI (TIGIE) rates are shipped").hs_dotted
'8536.50'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from allyshore.cost.measures import LAYERS
from allyshore.cost.tariffs import (
    DEPENDS,
    METAL_SHARE,
    NO_HS,
    NO_ROW,
    NO_TABLE,
    RATE_TEXT,
    SPECIFIC_UNIT,
    UNKNOWN,
    USMCA_RATE,
)
from allyshore.errors import UnknownDutyError
from allyshore.results import Result


def dotted(code: str) -> str:
    """8536509000 -> 8536.50.90.00 (the HTSUS way of writing a line)."""
    parts = [code[:4], code[4:6], code[6:8], code[8:10], code[10:]]
    return ".".join(p for p in parts if p)


@dataclass(frozen=True)
class UnknownDuty(Result):
    """One duty that could not be determined (counted as 0 in the totals)."""

    item_id: str
    hs_code: str  # digits as matched ("" when the item has none)
    origin: str
    importer: str
    layer: str  # a layer of LAYERS, or "all" when the item has no HS code
    reason: str
    source_site: str = ""
    to_site: str = ""
    measure_id: str = ""
    kind: str = ""  # a short name of UNKNOWN
    flows: int = 1  # how many options or flows share it

    json_keys = (
        "item_id", ("hs_code", "hs_dotted"), "origin", "importer", "layer", "kind", "reason", "source_site", "to_site",
        "measure_id", "flows",
    )  # fmt: skip

    @property
    def hs_dotted(self) -> str:
        return dotted(self.hs_code)

    def __str__(self) -> str:
        where = f"{self.source_site} -> {self.to_site}, " if self.source_site else ""
        hs = f"HTS {self.hs_dotted}" if self.hs_code else "no HS code"
        return f"{self.item_id} ({hs}, {where}from {self.origin} into {self.importer}) {self.layer}: {self.reason}"


def warning_line(unknown: Sequence[UnknownDuty], *, costing: bool = True) -> str:
    """The one line the command line prints on standard error when a costing (or, ``costing=False``, the
    layers of one line) has unknown duties."""
    items = len({u.item_id for u in unknown})
    layers = ", ".join(sorted({u.layer for u in unknown}))
    scope = f" for {items} item(s)" if any(u.item_id for u in unknown) else ""
    where = (
        "see unknown_duties in --json or the report's data quality; --strict-duties makes this an error."
        if costing
        else "see each layer's status, or unknown_duties in --json."
    )
    return f"Warning: {len(unknown)} duty(ies) unknown{scope} ({layers}), counted as 0: {where}"


def check_strict(unknown: Sequence[UnknownDuty], strict: bool, what: str = "costing") -> None:
    if strict and unknown:
        raise UnknownDutyError(unknown, what)


def _no_row_reason(tariffs: pl.DataFrame, hts: str, origin: str, importer: str, as_of: dt.date) -> str:
    prefixes = [hts[:k] for k in range(len(hts) + 1)]
    rows = tariffs.filter(
        (pl.col("layer") == "mfn") & (pl.col("importer") == importer) & pl.col("hts_prefix").is_in(prefixes)
    )
    if rows.height == 0:
        under = tariffs.filter(
            (pl.col("layer") == "mfn") & (pl.col("importer") == importer) & pl.col("hts_prefix").str.starts_with(hts)
        )
        if len(hts) < 8 and under.height == 0:
            return f"HS {dotted(hts)} is not a heading or subheading of the tariff schedule: check the code"
        if len(hts) < 8:
            return (
                f"{len(hts)}-digit code: the MFN rate depends on the 8-digit HTS line "
                "(its lines differ): give the full line"
            )
        return f"HTS {dotted(hts)} is not a line of the tariff schedule: check the code"
    live = rows.filter((pl.col("effective_from") <= as_of) & (pl.col("effective_to") >= as_of))
    if live.height == 0:
        first, last = str(rows.get_column("effective_from").min()), str(rows.get_column("effective_to").max())
        return f"no MFN rate in force on {as_of} (the shipped rows run {first} to {last}): add rows for that date"
    excepted = live.get_column("origin_except").to_list()
    return f"origin {origin} is outside the rows of HTS {dotted(hts)} (origin_except {excepted[0]}): add rows for it"


def describe_unknown(
    code: int,
    layer: str,
    hts: str,
    origin: str,
    importer: str,
    measure: dict[str, Any] | None,
    example: str,
    tariffs: pl.DataFrame,
    as_of: dt.date,
) -> str:
    text = (measure or {}).get("rate_text") or ""
    if code == NO_HS:
        return "the item has no HS code: no duty can be looked up (give its HTS line in items.hs_code)"
    if code == NO_TABLE:
        if importer == "MX":
            return (
                'no Mexican IGI (TIGIE) rates are shipped: add rows with importer = "MX" '
                "(docs/tariffs.md, --tariffs FILE)"
            )
        return f"no tariff table for imports into {importer} is shipped: add rows (docs/tariffs.md)"
    if code == NO_ROW:
        return _no_row_reason(tariffs, hts, origin, importer, as_of)
    if code == RATE_TEXT:
        return f"the {layer} rate '{text}' cannot be priced automatically: add a row with its ad valorem equivalent"
    if code == DEPENDS:
        return (
            f"the {layer} rate depends on the full line: longer lines under {dotted(hts)} differ "
            f"(e.g. {dotted(example)}): give the 8- or 10-digit line"
        )
    if code == SPECIFIC_UNIT:
        unit = (measure or {}).get("rate_specific_unit") or ""
        need = "the item's weight_kg" if unit in ("kg", "t") else f"an item counted in the rate's unit ({unit})"
        return f"the specific {layer} rate '{text}' is per {unit}: it needs {need}"
    if code == METAL_SHARE:
        return (
            f"the {layer} duty depends on the metal content (a measure on the steel, aluminium or copper content "
            "applies to this line): give items.metal_content_share (share of the value that is that metal)"
        )
    if code == USMCA_RATE:
        return f"the USMCA rate of this line is given by reference ({(measure or {}).get('usmca_rate')}): not priced"
    return UNKNOWN.get(code, "unknown")


UNKNOWN_SCHEMA: dict[str, Any] = {
    "item_id": pl.String,
    "hs_code": pl.String,
    "origin": pl.String,
    "importer": pl.String,
    "layer": pl.String,
    "kind": pl.String,
    "reason": pl.String,
    "source_site": pl.String,
    "to_site": pl.String,
    "measure_id": pl.String,
    "flows": pl.Int64,
}


def collect_table(
    trace: Any,
    tariffs: pl.DataFrame,
    as_of: dt.date,
    *,
    by_site: bool = True,
    options: Iterable[int] | None = None,
) -> pl.DataFrame:
    """The unknown duties of the options of a :class:`~allyshore.cost.options.DutyTrace` as a table
    (columns :data:`UNKNOWN_SCHEMA`), for all options or only ``options``.

    ``by_site`` keeps one row per source and receiving site; otherwise one per (item, HTS line,
    origin, importer, layer, reason) with the number of flows sharing it.
    """
    codes = np.stack([np.asarray(trace.unknown[layer]) for layer in LAYERS])
    if options is not None:
        chosen = np.zeros(codes.shape[1], dtype=bool)
        chosen[np.fromiter(options, dtype=np.int64)] = True
        codes = np.where(chosen[None, :], codes, 0)
    layer_idx, position = np.nonzero(codes)
    if position.size == 0:
        return pl.DataFrame(schema=UNKNOWN_SCHEMA)
    blank = pl.Series([""] * position.size, dtype=pl.String)
    frame = pl.DataFrame(
        {
            "layer": pl.Series(np.asarray(LAYERS, dtype=object)[layer_idx].tolist(), dtype=pl.String),
            "code": codes[layer_idx, position].astype(np.int64),
            "key": trace.key_of[position].astype(np.int64),
            "item_id": trace.item_id.gather(position).cast(pl.String),
            "source_site": trace.source_site.gather(position).cast(pl.String) if by_site else blank,
            "to_site": trace.to_site.gather(position).cast(pl.String) if by_site else blank,
        }
    ).with_columns(pl.when(pl.col("code") == NO_HS).then(pl.lit("all")).otherwise(pl.col("layer")).alias("layer"))
    grouped = frame.group_by("item_id", "source_site", "to_site", "key", "layer", "code").len()
    rates = trace.rates
    distinct = grouped.select("key", "layer", "code").unique().sort("key", "layer", "code")
    ids = {str(rates.measure["mfn" if layer == "all" else layer][k]) for k, layer, _ in distinct.iter_rows()}
    rows = {r["measure_id"]: r for r in tariffs.filter(pl.col("measure_id").is_in(sorted(ids))).iter_rows(named=True)}
    mfn = tariffs.filter(pl.col("layer") == "mfn")
    described = []
    for key, layer, code in distinct.iter_rows():  # one reason per distinct (tariff key, layer, code)
        lookup = "mfn" if layer == "all" else layer
        measure_id = str(rates.measure[lookup][key])
        hts, origin, importer = trace.key_hts[key], trace.key_origin[key], trace.key_importer[key]
        reason = describe_unknown(
            code, layer, hts, origin, importer, rows.get(measure_id), str(rates.example[lookup][key]), mfn, as_of
        )
        described.append((key, layer, code, hts, origin, importer, UNKNOWN[code], reason, measure_id))
    names = ["key", "layer", "code", "hs_code", "origin", "importer", "kind", "reason", "measure_id"]
    table = pl.DataFrame(described, schema=names, orient="row").with_columns(
        pl.col("key").cast(pl.Int64), pl.col("code").cast(pl.Int64)
    )
    return (
        grouped.join(table, on=["key", "layer", "code"], how="left")
        .rename({"len": "flows"})
        .with_columns(pl.col("flows").cast(pl.Int64))
        .sort(
            "item_id",
            "source_site",
            "to_site",
            "hs_code",
            "layer",
            "origin",
            "importer",
            "kind",
            "reason",
            nulls_last=True,
        )
        .select(list(UNKNOWN_SCHEMA))
    )


def as_records(table: pl.DataFrame) -> tuple[UnknownDuty, ...]:
    """The rows of an unknown-duty table as :class:`UnknownDuty` records."""
    return tuple(UnknownDuty(**row) for row in table.iter_rows(named=True))


def collect(
    trace: Any,
    tariffs: pl.DataFrame,
    as_of: dt.date,
    *,
    by_site: bool = True,
    options: Iterable[int] | None = None,
) -> tuple[UnknownDuty, ...]:
    """The unknown duties of a :class:`~allyshore.cost.options.DutyTrace` as records (see :func:`collect_table`)."""
    return as_records(collect_table(trace, tariffs, as_of, by_site=by_site, options=options))
