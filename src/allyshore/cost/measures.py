"""The tariff measure table: its columns, the shipped tables, and user rows (CSV or TOML), checked and typed.

A *measure* is one dated duty of one layer on the goods of an HTS prefix from an
origin into an importing country. The shipped measures are every CSV file of
``allyshore/data/tariffs/`` (built by the scripts in ``scripts/``) plus the
A user adds rows
in the assumptions file (``[[tariff]]``, ``tariff_files``) or with ``--tariffs FILE``;
a user row with the ``measure_id`` of a shipped row replaces it. docs/tariffs.md
documents every column (:data:`TARIFF_COLUMNS`).

>>> frame = measures_from_rows([{"layer": "mfn", "importer": "MX", "hts_prefix": "8536.50",
...                              "rate_ad_valorem": 0.05, "source": "TIGIE 8536.50.99"}], "example")
>>> frame.row(0, named=True)["hts_prefix"], frame.row(0, named=True)["origin"], frame.row(0, named=True)["verified"]
('853650', '*', False)
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl

from allyshore.errors import PolicyError
from allyshore.io.text import read_text_file
from allyshore.model.schema import FALSE_WORDS, TRUE_WORDS

#: The tariff layers, in the order they are reported. Layers add up; a measure may switch others off (``displaces``).
LAYERS = (
    "mfn",
    "section_301",
    "section_232",
    "ieepa_fentanyl",
    "ieepa_reciprocal",
    "section_122",
    "section_201",
    "additional",
)
VALUE_BASES = ("full", "metal_content")
#: Units a specific rate may be given in (``rate_specific_unit``); blank = per unit of the item as costed.
SPECIFIC_UNITS = ("kg", "liter", "each", "pair", "dozen", "gross", "thousand", "t", "bbl", "m", "m2", "m3")

#: Every column of a measure row, typed, in file order.
TARIFF_COLUMNS: dict[str, Any] = {
    "measure_id": pl.String,
    "layer": pl.String,
    "importer": pl.String,
    "hts_prefix": pl.String,
    "origin": pl.String,
    "origin_except": pl.String,
    "rate_ad_valorem": pl.Float64,
    "rate_specific_usd": pl.Float64,
    "rate_specific_unit": pl.String,
    "effective_from": pl.Date,
    "effective_to": pl.Date,
    "enabled": pl.Boolean,
    "usmca_exempt": pl.Boolean,
    "verified": pl.Boolean,
    "ch99": pl.String,
    "displaces": pl.String,
    "value_basis": pl.String,
    "source": pl.String,
    "source_date": pl.String,
    "note": pl.String,
    "rate_text": pl.String,
    "rate_known": pl.Boolean,
    "usmca_rate": pl.String,
    "special": pl.String,
    "unit_of_quantity": pl.String,
}
REQUIRED = ("layer", "importer", "rate_ad_valorem", "source")
_TEXT_DEFAULTS = {
    "origin": "*",
    "origin_except": "",
    "rate_specific_unit": "",
    "ch99": "",
    "displaces": "",
    "value_basis": "full",
    "source_date": "",
    "note": "",
    "rate_text": "",
    "usmca_rate": "",
    "special": "",
    "unit_of_quantity": "",
}
_BOOL_DEFAULTS = {"enabled": True, "usmca_exempt": False, "verified": False, "rate_known": True}
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(9999, 12, 31)


def _fail(where: str, row: int | None, column: str, message: str, fix: str) -> PolicyError:
    place = f"{where}, row {row}" if row is not None else where
    return PolicyError(f"{place}, column '{column}': {message} ({fix})")


def measure_frame(raw: pl.DataFrame, where: str, *, first_row: int = 2, id_prefix: str = "user") -> pl.DataFrame:
    """Measure rows given as text (a CSV read as strings, or TOML rows) checked and typed.

    ``first_row`` is the number the user sees for the first row (2 in a CSV file with a header,
    1 for the first ``[[tariff]]`` table). Blank optional cells take their defaults.

    Raises
    ------
    PolicyError
        A row lacks a required value, or a value is not of its column's kind; the message names the
        file, row and column and how to fix it.
    """
    unknown = [c for c in raw.columns if c not in TARIFF_COLUMNS]
    if unknown:
        raise PolicyError(
            f"{where}: column(s) {', '.join(unknown)} are not measure columns "
            f"(known: {', '.join(TARIFF_COLUMNS)}; see docs/tariffs.md)"
        )
    n = raw.height
    frame = raw.with_columns(
        *(pl.lit(None, dtype=pl.String).alias(c) for c in TARIFF_COLUMNS if c not in raw.columns)
    ).select(pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c) for c in TARIFF_COLUMNS)
    rows = pl.Series("row", range(first_row, first_row + n))

    def first_bad(mask: pl.Series) -> int | None:
        hits = rows.filter(mask.fill_null(False))
        return int(hits[0]) if hits.len() else None

    for column in REQUIRED:
        bad = first_bad(frame.get_column(column).is_null())
        if bad is not None:
            fix = "every row needs its source" if column == "source" else "give a value"
            raise _fail(where, bad, column, "missing", fix)
    bad = first_bad(~frame.get_column("layer").is_in(LAYERS))
    if bad is not None:
        raise _fail(where, bad, "layer", f"'{frame['layer'][bad - first_row]}' is not a layer", ", ".join(LAYERS))
    hts = frame.get_column("hts_prefix").fill_null("").str.replace_all(r"[.\s]", "")
    bad = first_bad(~hts.str.contains(r"^[0-9]*$"))
    if bad is not None:
        raise _fail(where, bad, "hts_prefix", "an HTS prefix is digits (dots allowed)", "e.g. 8536.50.90")
    texts = {c: frame.get_column(c).fill_null(d) for c, d in _TEXT_DEFAULTS.items()}
    for column in ("origin", "origin_except"):
        codes = texts[column].str.to_uppercase().str.replace_all(r"\s", "")
        ok = (
            codes.str.contains(r"^(\*|([A-Z]{2}(;[A-Z]{2})*))$")
            if column == "origin"
            else codes.str.contains(r"^([A-Z]{2}(;[A-Z]{2})*)?$")
        )
        bad = first_bad(~ok)
        if bad is not None:
            raise _fail(where, bad, column, "not a ';'-separated list of ISO alpha-2 codes", "e.g. CN or CN;HK, or *")
        texts[column] = codes
    bad = first_bad(~texts["value_basis"].is_in(VALUE_BASES))
    if bad is not None:
        raise _fail(where, bad, "value_basis", "unknown value basis", " or ".join(VALUE_BASES))
    bad = first_bad(~texts["rate_specific_unit"].is_in(["", *SPECIFIC_UNITS]))
    if bad is not None:
        raise _fail(where, bad, "rate_specific_unit", "unknown unit", f"blank or one of {', '.join(SPECIFIC_UNITS)}")
    displaced = texts["displaces"].str.replace_all(r"\s", "")
    parts = displaced.str.split(";").list.eval(pl.element().filter(pl.element() != ""))
    bad = first_bad(~parts.list.eval(pl.element().is_in(LAYERS)).list.all())
    if bad is not None:
        raise _fail(where, bad, "displaces", "not a ';'-separated list of layers", ", ".join(LAYERS))
    numbers = {}
    for column, default in (("rate_ad_valorem", None), ("rate_specific_usd", 0.0)):
        text = frame.get_column(column)
        value = text.cast(pl.Float64, strict=False)
        bad = first_bad(text.is_not_null() & (value.is_null() | (value < 0)))
        if bad is not None:
            raise _fail(where, bad, column, f"'{text[bad - first_row]}' is not a number >= 0", "e.g. 0.25 for 25%")
        numbers[column] = value if default is None else value.fill_null(default)
    dates = {}
    for column, bound in (("effective_from", EARLIEST), ("effective_to", LATEST)):
        text = frame.get_column(column)
        value = text.str.to_date("%Y-%m-%d", strict=False)
        bad = first_bad(text.is_not_null() & value.is_null())
        if bad is not None:
            raise _fail(where, bad, column, f"'{text[bad - first_row]}' is not a date", "YYYY-MM-DD")
        dates[column] = value.fill_null(bound)
    bad = first_bad(dates["effective_from"] > dates["effective_to"])
    if bad is not None:
        raise _fail(where, bad, "effective_to", "ends before effective_from", "swap or fix the dates")
    bools = {}
    for column, default in _BOOL_DEFAULTS.items():
        text = frame.get_column(column).str.to_lowercase()
        bad = first_bad(text.is_not_null() & ~text.is_in([*TRUE_WORDS, *FALSE_WORDS]))
        if bad is not None:
            raise _fail(where, bad, column, f"'{frame[column][bad - first_row]}' is not true/false", "true or false")
        bools[column] = (
            pl.DataFrame({"t": text})
            .select(pl.when(pl.col("t").is_null()).then(pl.lit(default)).otherwise(pl.col("t").is_in(TRUE_WORDS)))
            .to_series()
        )
    ids = (
        pl.DataFrame({"id": frame.get_column("measure_id"), "row": rows})
        .select(pl.col("id").fill_null(pl.lit(f"{id_prefix}-") + pl.col("row").cast(pl.String)))
        .to_series()
    )
    out = pl.DataFrame(
        {
            "measure_id": ids,
            "layer": frame.get_column("layer"),
            "importer": frame.get_column("importer").str.to_uppercase(),
            "hts_prefix": hts,
            "origin": texts["origin"],
            "origin_except": texts["origin_except"],
            "rate_ad_valorem": numbers["rate_ad_valorem"],
            "rate_specific_usd": numbers["rate_specific_usd"],
            "rate_specific_unit": texts["rate_specific_unit"],
            "effective_from": dates["effective_from"],
            "effective_to": dates["effective_to"],
            **{c: bools[c] for c in ("enabled", "usmca_exempt", "verified")},
            "ch99": texts["ch99"],
            "displaces": displaced,
            "value_basis": texts["value_basis"],
            "source": frame.get_column("source"),
            **{c: texts[c] for c in ("source_date", "note", "rate_text")},
            "rate_known": bools["rate_known"],
            **{c: texts[c] for c in ("usmca_rate", "special", "unit_of_quantity")},
        }
    )
    return out.select(pl.col(c).cast(t) for c, t in TARIFF_COLUMNS.items())


def measures_from_rows(rows: Sequence[Mapping[str, Any]], where: str, id_prefix: str = "user") -> pl.DataFrame:
    """Measure rows given as mappings (``[[tariff]]`` tables of a TOML file), checked and typed."""
    columns = list(dict.fromkeys(k for row in rows for k in row)) or ["layer"]
    text = {c: [None if row.get(c) is None else _text(row.get(c)) for row in rows] for c in columns}
    raw = pl.DataFrame(text, schema=dict.fromkeys(columns, pl.String))
    return measure_frame(raw, where, first_row=1, id_prefix=id_prefix)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_measures_csv(text: str, where: str, id_prefix: str = "user") -> pl.DataFrame:
    """Measure rows of a CSV text (header row, any subset of :data:`TARIFF_COLUMNS`)."""
    if not text.strip():
        return empty_measures()
    raw = pl.read_csv(text.encode("utf-8"), infer_schema=False, truncate_ragged_lines=False)
    return measure_frame(raw, where, id_prefix=id_prefix)


def read_measures_file(path: str | Path) -> pl.DataFrame:
    """A user's measure table: a CSV file, or a TOML file of ``[[tariff]]`` tables (docs/tariffs.md).

    Raises
    ------
    PolicyError
        The file cannot be read, is not CSV or TOML, or a row is wrong (named by row and column).
    """
    file = Path(path)
    text = read_text_file(file, "tariff table", error=PolicyError)
    if file.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{file} is not valid TOML: {exc}") from exc
        rows = data.get("tariff")
        if not isinstance(rows, list) or set(data) - {"tariff"}:
            raise PolicyError(f"{file}: a TOML tariff table holds only [[tariff]] tables (see docs/tariffs.md)")
        return measures_from_rows(rows, str(file), id_prefix=file.stem)
    try:
        return read_measures_csv(text, str(file), id_prefix=file.stem)
    except pl.exceptions.PolarsError as exc:
        raise PolicyError(f"{file} is not a readable CSV file: {exc}") from exc


def empty_measures() -> pl.DataFrame:
    return pl.DataFrame(schema=TARIFF_COLUMNS)


def combine(base: pl.DataFrame, extra: pl.DataFrame) -> pl.DataFrame:
    """``base`` with the rows of ``extra`` added; an ``extra`` row replaces the ``base`` row of the same id."""
    if extra.height == 0:
        return base
    ids = extra.get_column("measure_id")
    if ids.is_duplicated().any():
        raise PolicyError(f"measure_id '{ids.filter(ids.is_duplicated())[0]}' is given twice in the added rows")
    return pl.concat([base.filter(~pl.col("measure_id").is_in(ids.implode())), extra], how="vertical")


def shipped_measures() -> pl.DataFrame:
    """Every shipped measure: each CSV of ``data/tariffs/``."""
    return _shipped().clone()


@cache
def _shipped() -> pl.DataFrame:
    root = files("allyshore") / "data"
    folder = root / "tariffs"
    parts = [
        read_measures_csv(entry.read_text("utf-8"), f"data/tariffs/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".csv")
    ]
    frame = pl.concat(parts, how="vertical")
    ids = frame.get_column("measure_id")
    if ids.is_duplicated().any():
        raise PolicyError(f"shipped tariff tables: measure_id '{ids.filter(ids.is_duplicated())[0]}' is duplicated")
    return frame
