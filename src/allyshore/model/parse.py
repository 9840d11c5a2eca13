"""Typing a network: text tables (or one document of record lists) to the typed, validated :class:`Network`.

A network is read in two steps. A reader of :mod:`allyshore.io` (or
:func:`raw_from_document` for an in-memory document) gives :class:`RawTable` text
tables that keep the row numbers the user sees; :func:`parse_raw` coerces them to
typed tables (vectorised, with polars) and runs
:func:`allyshore.model.validate.check_network`. Either the whole network loads or
a :class:`~allyshore.errors.ValidationError` lists every problem: a network is
never half-loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from allyshore.countries import resolve_country
from allyshore.errors import InputError, Problem, ValidationError
from allyshore.model.network import Network, empty_table, table_dtype
from allyshore.model.schema import FALSE_WORDS, TABLES, TRUE_WORDS, Column, Table


@dataclass(frozen=True)
class RawTable:
    """A table as text, with the row number the user sees for each record."""

    name: str
    source: str
    frame: pl.DataFrame  # every column pl.String, empty strings as null
    rows: tuple[int, ...]


def clean_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as stripped text, blanks as null, column names stripped."""
    exprs = [pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(str(c).strip()) for c in frame.columns]
    return frame.select(exprs) if exprs else frame


def cell_text(value: Any) -> str | None:
    """A cell value as the text a user would have typed (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _from_records(name: str, source: str, records: list[Any], problems: list[Problem]) -> RawTable:
    columns: dict[str, None] = {}
    good: list[dict[str, Any]] = []
    rows: list[int] = []
    for position, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            problems.append(
                Problem(
                    name,
                    f"record is a {type(record).__name__}, not an object",
                    row=position,
                    source=source,
                    hint='write each row as {"column": value, ...}',
                )
            )
            continue
        for key in record:
            columns.setdefault(str(key), None)
        good.append(record)
        rows.append(position)
    data = {c: [cell_text(r.get(c)) for r in good] for c in columns}
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String)) if columns else pl.DataFrame()
    if not columns and good:
        frame = pl.DataFrame({"__empty__": [None] * len(good)}, schema={"__empty__": pl.String}).drop("__empty__")
    return RawTable(name, source, clean_text(frame), tuple(rows))


def raw_from_document(document: Any, label: str, problems: list[Problem]) -> dict[str, RawTable]:
    """The text tables of a document of record lists (one list per table); other keys are reported."""
    if not isinstance(document, dict):
        raise InputError(f"{label}: a network document is one JSON object with a list per table ({', '.join(TABLES)})")
    out: dict[str, RawTable] = {}
    for key, records in document.items():
        if key not in TABLES:
            if key not in ("name", "description", "format_version", "meta"):
                problems.append(
                    Problem(
                        str(key),
                        f"unknown table '{key}' is ignored",
                        source=label,
                        severity="warning",
                        hint=f"tables are {', '.join(TABLES)}",
                    )
                )
            continue
        if not isinstance(records, list):
            problems.append(Problem(key, f"'{key}' must be a list of records", source=label))
            continue
        out[key] = _from_records(key, f"{label} [{key}]", records, problems)
    return out


def _coerce_column(raw: RawTable, column: Column, problems: list[Problem]) -> pl.Series:
    n = raw.frame.height
    if column.name not in raw.frame.columns:
        if column.required and n:
            problems.append(
                Problem(
                    raw.name,
                    f"required column '{column.name}' is missing",
                    row=1,
                    column=column.name,
                    source=raw.source,
                    hint=f"add a '{column.name}' column ({column.doc})",
                )
            )
        return pl.repeat(column.default, n, dtype=table_dtype(column), eager=True).alias(column.name)
    text = raw.frame.get_column(column.name)
    rows = raw.rows

    def report(mask: pl.Series, message: str, hint: str) -> None:
        for index in mask.arg_true().to_list():
            value = text[index]
            problems.append(
                Problem(
                    raw.name,
                    message.format(value=value),
                    row=rows[index],
                    column=column.name,
                    source=raw.source,
                    hint=hint,
                )
            )

    if column.required:
        report(text.is_null(), "a value is required", column.doc)
    if column.type == "float":
        values = text.cast(pl.Float64, strict=False)
        bad = text.is_not_null() & values.is_null()
        report(bad, "'{value}' is not a number", f"write a plain number such as 12.5 ({column.doc})")
        finite = values.is_not_null()
        if column.positive:
            report(finite & (values <= 0), "{value} must be greater than 0", column.doc)
        elif column.non_negative:
            report(finite & (values < 0), "{value} must not be negative", column.doc)
        if column.maximum is not None:
            report(
                finite & (values > column.maximum), "{value} is above the maximum " + f"{column.maximum:g}", column.doc
            )
        return values.alias(column.name)
    if column.type == "int":
        values = text.cast(pl.Int64, strict=False)
        report(text.is_not_null() & values.is_null(), "'{value}' is not a whole number", column.doc)
        return values.alias(column.name)
    if column.type == "bool":
        words = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
        values = text.str.to_lowercase().replace_strict(words, default=None, return_dtype=pl.Boolean)
        report(text.is_not_null() & values.is_null(), "'{value}' is not yes or no", "write yes or no (true/false, 1/0)")
        return values.alias(column.name)
    values = text
    if column.choices:
        lowered = text.str.to_lowercase()
        report(
            lowered.is_not_null() & ~lowered.is_in(list(column.choices)),
            "'{value}' is not one of " + " | ".join(column.choices),
            f"use one of: {', '.join(column.choices)}",
        )
        values = lowered
    if column.default is not None:
        values = values.fill_null(str(column.default))
    return values.alias(column.name)


def _coerce_countries(raw: RawTable, series: pl.Series, problems: list[Problem]) -> pl.Series:
    """ISO alpha-2 codes of a country column; each unknown country reported where it is."""
    uniques = [u for u in series.unique().to_list() if u is not None]
    mapping = {u: resolve_country(u) for u in uniques}
    resolved = series.replace_strict(mapping, default=None, return_dtype=pl.String) if uniques else series
    bad = series.is_not_null() & resolved.is_null()
    for index in bad.arg_true().to_list():
        problems.append(
            Problem(
                raw.name,
                f"unknown country '{series[index]}'",
                row=raw.rows[index],
                column=series.name,
                source=raw.source,
                hint="use an ISO 3166 code (MX, MEX) or the English name (Mexico)",
            )
        )
    return resolved.alias(series.name)


def _coerce_table(table: Table, raw: RawTable | None, problems: list[Problem]) -> pl.DataFrame:
    if raw is None:
        return empty_table(table)
    columns = [_coerce_column(raw, c, problems) for c in table.columns]
    frame = pl.DataFrame(columns) if columns else empty_table(table)
    for column in table.columns:
        if column.country and column.name in raw.frame.columns:
            frame = frame.with_columns(_coerce_countries(raw, frame.get_column(column.name), problems))
    extra = [c for c in raw.frame.columns if c not in table.column_names]
    if extra:
        frame = frame.hstack(raw.frame.select(extra))
    return frame


def parse_raw(
    raw: Mapping[str, RawTable],
    name: str = "network",
    source: str | None = None,
    problems: list[Problem] | None = None,
    description: str = "",
) -> Network:
    """Type the raw tables and validate them; raise ValidationError listing every problem."""
    from allyshore.model.validate import check_network

    problems = [] if problems is None else problems
    tables = {t.name: _coerce_table(t, raw.get(t.name), problems) for t in TABLES.values()}
    network = Network(
        tables=tables,
        name=name,
        description=description,
        source=source,
        locations={k: v.rows for k, v in raw.items()},
        sources={k: v.source for k, v in raw.items()},
    )
    typed_ok = not any(p.severity == "error" for p in problems)
    problems.extend(check_network(network, deep=typed_ok))
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    return network


def parse_document(document: Mapping[str, Any], name: str = "network") -> Network:
    """Parse a network given as one JSON-like object of record lists."""
    problems: list[Problem] = []
    raw = raw_from_document(dict(document), name, problems)
    label = str(document.get("name", name)) if isinstance(document.get("name"), str) else name
    desc = document.get("description", "")
    return parse_raw(raw, name=label, problems=problems, description=desc if isinstance(desc, str) else "")
