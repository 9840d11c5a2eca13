"""Read a network from CSV, XLSX or JSON, coerce types and collect every problem.

Reading is two steps. :func:`read_raw` turns a file into text tables that keep
the row numbers the user sees; :func:`parse_raw` coerces them to typed tables
(vectorised, with polars) and runs :func:`allyshore.model.validate.check_network`.
Either the whole network loads or a :class:`~allyshore.errors.ValidationError`
lists every problem: a network is never half-loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from allyshore.countries import resolve_country
from allyshore.errors import InputError, Problem, ValidationError
from allyshore.model.network import Network, empty_table, table_dtype
from allyshore.model.schema import FALSE_WORDS, TABLES, TRUE_WORDS, Column, Table

NOTE_PREFIX = "#"


@dataclass(frozen=True)
class RawTable:
    """A table as text, with the row number the user sees for each record."""

    name: str
    source: str
    frame: pl.DataFrame  # every column pl.String, empty strings as null
    rows: tuple[int, ...]


def _clean_text(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = [pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(str(c).strip()) for c in frame.columns]
    return frame.select(exprs) if exprs else frame


def _text(value: Any) -> str | None:
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
    data = {c: [_text(r.get(c)) for r in good] for c in columns}
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String)) if columns else pl.DataFrame()
    if not columns and good:
        frame = pl.DataFrame({"__empty__": [None] * len(good)}, schema={"__empty__": pl.String}).drop("__empty__")
    return RawTable(name, source, _clean_text(frame), tuple(rows))


def _read_json(path: Path, problems: list[Problem]) -> dict[str, RawTable]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason})") from err
    return raw_from_document(document, path.name, problems)


def raw_from_document(document: Any, label: str, problems: list[Problem]) -> dict[str, RawTable]:
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


def _read_csv_folder(path: Path, problems: list[Problem]) -> dict[str, RawTable]:
    out: dict[str, RawTable] = {}
    found = False
    for name in TABLES:
        file = path / f"{name}.csv"
        if not file.exists():
            continue
        found = True
        try:
            frame = pl.read_csv(file, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=False)
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
            if isinstance(err, pl.exceptions.NoDataError) or "empty" in str(err).lower():
                frame = pl.DataFrame()
            else:
                problems.append(
                    Problem(
                        name,
                        f"cannot read CSV: {str(err).splitlines()[0]}",
                        source=file.name,
                        hint="save it as UTF-8 CSV with a header row and the same number of fields in every row",
                    )
                )
                continue
        frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
        out[name] = RawTable(name, file.name, _clean_text(frame), tuple(range(2, frame.height + 2)))
    if not found:
        raise InputError(f"{path}: no network tables found (expected {', '.join(f'{t}.csv' for t in TABLES)})")
    return out


def _read_xlsx(path: Path, problems: list[Problem]) -> dict[str, RawTable]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a bad file
        raise InputError(f"{path}: cannot open as an Excel workbook ({err})") from err
    out: dict[str, RawTable] = {}
    try:
        for sheet in book.worksheets:
            name = sheet.title.strip().lower()
            if name not in TABLES:
                continue
            header: list[str] | None = None
            records: list[list[str | None]] = []
            rows: list[int] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_text(v) for v in values]
                if header is None:
                    if not any(cells):
                        continue
                    header = [(c or "").strip() for c in cells]
                    continue
                filled = [c.strip() for c in cells if c is not None and c.strip()]
                if not filled:
                    continue
                if not records and not rows and all(c.startswith(NOTE_PREFIX) for c in filled):
                    continue  # the notes row under the header (see allyshore.io.workbook)
                records.append(cells)
                rows.append(number)
            header = header or []
            keep = [i for i, h in enumerate(header) if h]
            data = {header[i]: [r[i] if i < len(r) else None for r in records] for i in keep}
            frame = pl.DataFrame(data, schema={header[i]: pl.String for i in keep})
            out[name] = RawTable(name, f"{path.name} sheet '{sheet.title}'", _clean_text(frame), tuple(rows))
    finally:
        book.close()
    if not out:
        raise InputError(f"{path}: no sheet named like a network table ({', '.join(TABLES)})")
    return out


def read_raw(path: str | Path, problems: list[Problem] | None = None) -> dict[str, RawTable]:
    """Read the text tables of a network file or folder, without typing them."""
    problems = [] if problems is None else problems
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        return _read_csv_folder(path, problems)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path, problems)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, problems)
    raise InputError(f"{path}: unknown network format '{suffix}' (use a folder of CSV files, .xlsx or .json)")


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


def _name_of(path: Path) -> str:
    return path.name if path.is_dir() else path.stem


def load_network(path: str | Path) -> Network:
    """Read and validate a network from a CSV folder, an XLSX workbook or a JSON file.

    Raises
    ------
    InputError
        The file cannot be read at all.
    ValidationError
        The network has problems; ``.problems`` lists each with file, row and column.
    """
    path = Path(path)
    problems: list[Problem] = []
    raw = read_raw(path, problems)
    description = ""
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            description = str(document.get("description", "")) if isinstance(document, dict) else ""
        except (OSError, json.JSONDecodeError):
            description = ""
    return parse_raw(raw, name=_name_of(path), source=str(path), problems=problems, description=description)


def validate_path(path: str | Path) -> list[Problem]:
    """Every problem (errors and warnings) of a network file; empty when it is clean."""
    problems: list[Problem] = []
    try:
        raw = read_raw(path, problems)
        parse_raw(raw, name=_name_of(Path(path)), source=str(path), problems=problems)
    except ValidationError as err:
        return list(err.problems)
    return problems
