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

import json
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from allyshore.countries import resolve_country
from allyshore.errors import InputError, Problem, ValidationError
from allyshore.model.network import Network, empty_table, table_dtype
from allyshore.model.schema import FALSE_WORDS, LARGEST_NUMBER, TABLES, TRUE_WORDS, Column, Table

#: The longest text read as a number: 17 significant digits, a sign, a point and an exponent fit many times over;
#: a longer cell (a 400-digit integer) is refused before any conversion.
MAX_NUMBER_CHARS = 64
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00a0]")


def normalised_name(name: str) -> str:
    """A column name as compared for duplicates: NFKC, invisible characters removed, stripped, case folded."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", name)).strip().casefold()


def shown(value: object, limit: int = 40) -> str:
    """A cell value as quoted in a message: cut to ``limit`` characters."""
    text = str(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text)} characters)"


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
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _unencodable(values: list[str | None]) -> list[int]:
    """Positions of the texts that are not valid Unicode (lone surrogates, e.g. from a JSON "\\ud800")."""
    try:
        "\n".join(v for v in values if v is not None).encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return []
    out = []
    for i, v in enumerate(values):
        try:
            if v is not None:
                v.encode("utf-8")
        except UnicodeEncodeError:
            out.append(i)
    return out


def _safe_text(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


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
        for key in getattr(record, "duplicates", ()):
            problems.append(
                Problem(
                    name,
                    f"key '{shown(_safe_text(key))}' is given twice in this record",
                    row=position,
                    column=_safe_text(key),
                    source=source,
                    hint="keep one of the two values: a JSON reader would silently take the last",
                )
            )
        for key in record:
            columns.setdefault(str(key), None)
        good.append(record)
        rows.append(position)
    seen: dict[str, str] = {}
    for column in list(columns):
        key = normalised_name(column)
        bad_name = bool(_unencodable([column]))
        if key in seen or bad_name:
            first = next((i for i, r in enumerate(good) if column in (str(k) for k in r)), 0)
            message = (
                f"key '{shown(_safe_text(column))}' is not valid Unicode"
                if bad_name
                else f"keys '{seen[key]}' and '{column}' differ only in case, spaces or invisible letters"
            )
            problems.append(
                Problem(
                    name,
                    message,
                    row=rows[first],
                    column=_safe_text(column),
                    source=source,
                    hint="use one name per column, exactly as the format names it",
                )
            )
            del columns[column]
        else:
            seen[key] = column
    data = {c: [cell_text(r.get(c)) for r in good] for c in columns}
    for column, values in data.items():
        for i in _unencodable(values):
            problems.append(
                Problem(
                    name,
                    f"'{shown(_safe_text(values[i] or ''))}' is not valid Unicode (a lone surrogate)",
                    row=rows[i],
                    column=column,
                    source=source,
                    hint="write the text as plain UTF-8",
                )
            )
            values[i] = None
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String)) if columns else pl.DataFrame()
    if not columns and good:
        frame = pl.DataFrame({"__empty__": [None] * len(good)}, schema={"__empty__": pl.String}).drop("__empty__")
    return RawTable(name, source, clean_text(frame), tuple(rows))


def raw_from_document(
    document: Any,
    label: str,
    problems: list[Problem],
    tables: Collection[str] = TABLES,
    what: str = "network",
) -> dict[str, RawTable]:
    """The text tables of a document of record lists (one list per table of ``tables``, by default the network's);
    other keys are reported."""
    if not isinstance(document, dict):
        raise InputError(f"{label}: a {what} document is one JSON object with a list per table ({', '.join(tables)})")
    out: dict[str, RawTable] = {}
    for key in getattr(document, "duplicates", ()):
        problems.append(
            Problem(
                _safe_text(str(key)),
                f"'{shown(_safe_text(str(key)))}' is given twice in the document",
                source=label,
                hint="give each table once: a JSON reader would silently take the last",
            )
        )
    for key, records in document.items():
        if key not in tables:
            if key not in ("name", "description", "format_version", "meta"):
                problems.append(
                    Problem(
                        _safe_text(str(key)),
                        f"unknown table '{shown(_safe_text(str(key)))}' is ignored",
                        source=label,
                        severity="warning",
                        hint=f"tables are {', '.join(tables)}",
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
            near = [c for c in raw.frame.columns if normalised_name(c) == normalised_name(column.name)]
            problems.append(
                Problem(
                    raw.name,
                    f"required column '{column.name}' is missing",
                    row=1,
                    column=column.name,
                    source=raw.source,
                    hint=f"rename the column '{near[0]}' to '{column.name}' (names are exact)"
                    if near
                    else f"add a '{column.name}' column ({column.doc})",
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
                    message.format(value=shown(value), length=len(value or "")),
                    row=rows[index],
                    column=column.name,
                    source=raw.source,
                    hint=hint,
                )
            )

    if column.required:
        report(text.is_null(), "a value is required", column.doc)
    if column.type in ("float", "int"):
        return _coerce_number(raw, column, text, report)
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


def _coerce_number(raw: RawTable, column: Column, text: pl.Series, report: Any) -> pl.Series:
    """A number column: refused cell by cell when too long, not a number, not finite or out of the column's range;
    a refused cell is left blank in the (unused) result."""
    long = text.is_not_null() & (text.str.len_chars() > MAX_NUMBER_CHARS)
    report(long, "a number cannot have {length} characters", f"write at most {MAX_NUMBER_CHARS} characters")
    text = text.set(long, None) if bool(long.any()) else text
    whole = column.type == "int"
    values = text.cast(pl.Int64 if whole else pl.Float64, strict=False)
    word = "whole number" if whole else "number"
    report(
        text.is_not_null() & values.is_null(),
        "'{value}' is not a " + word,
        f"write a plain {word} such as 12{'' if whole else '.5'} ({column.doc})",
    )
    if not whole:
        bad = values.is_nan() | values.is_infinite()
        report(
            bad.fill_null(False),
            "'{value}' is not a finite number (NaN, infinity or beyond 1.8e308)",
            f"write a number, or leave the cell blank when it is unknown ({column.doc})",
        )
        values = values.set(bad.fill_null(False), None) if bool(bad.any()) else values
    low, high = column.bounds
    given = values.is_not_null()
    if column.positive:
        report(given & (values <= 0), "{value} must be greater than 0", column.doc)
    elif column.non_negative:
        report(given & (values < 0), "{value} must not be negative", column.doc)
    if low < 0 or (low > 0 and not column.positive):
        report(given & (values < low), "{value} is below the minimum " + f"{low:g}", column.doc)
    if high < LARGEST_NUMBER:
        report(given & (values > high), "{value} is above the maximum " + f"{high:g}", column.doc)
    else:
        report(
            given & (values > high),
            "{value} is above " + f"{LARGEST_NUMBER:g}, the largest number a network may hold",
            f"check the unit or the digits ({column.doc})",
        )
    outside = given & ((values < low) | (values > high))
    values = values.set(outside, None) if bool(outside.any()) else values
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
    known = {normalised_name(c): c for c in table.column_names}
    for name in extra:
        near = known.get(normalised_name(name))
        if near is not None and (near in raw.frame.columns or table.column(near).required):
            continue  # two columns of one name, or a required column missing: both reported as errors
        if near is not None:
            problems.append(
                Problem(
                    raw.name,
                    f"column '{shown(name)}' is kept as a column of your own, not read as '{near}'",
                    row=1,
                    column=name,
                    source=raw.source,
                    severity="warning",
                    hint=f"names are exact: rename it '{near}' for allyshore to read it",
                )
            )
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
    unread = frozenset(p.table for p in problems if p.severity == "error" and p.table in TABLES) - set(raw)
    unread |= {  # a table without one of its required columns cannot be referred to either
        t.name
        for t in TABLES.values()
        if t.name in raw
        and raw[t.name].frame.height
        and any(c.required and c.name not in raw[t.name].frame.columns for c in t.columns)
    }
    problems.extend(check_network(network, deep=typed_ok, unread=unread))
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
