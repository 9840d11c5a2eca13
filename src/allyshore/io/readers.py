"""Read a network from a CSV folder, a .zip of CSV files, an XLSX workbook or a JSON file.

Reading is two steps. :func:`read_raw` turns a file into text tables that keep
the row numbers the user sees; :func:`allyshore.model.parse.parse_raw` coerces
them to typed tables and validates them. Either the whole network loads or a
:class:`~allyshore.errors.ValidationError` lists every problem: a network is
never half-loaded.

Every input ends in a network or in located problems (file, row, column, hint);
a file that cannot be read at all raises :class:`~allyshore.errors.InputError`.
Sizes, zip containers and JSON nesting are bounded first
(:class:`~allyshore.io.limits.ReadLimits`); encodings, delimiters, headers and the
notes row follow the rules of :mod:`allyshore.io.tables`.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import polars as pl

from allyshore.errors import InputError, Problem, ValidationError
from allyshore.io.limits import ReadLimits, check_file_size, check_zip
from allyshore.io.tables import NOTE_PREFIX, decode_text, table_from_csv, table_from_rows
from allyshore.model.network import Network
from allyshore.model.parse import MAX_NUMBER_CHARS, RawTable, cell_text, parse_document, parse_raw, raw_from_document
from allyshore.model.schema import TABLES

__all__ = [
    "NETWORK_TABLES",
    "NOTE_PREFIX",
    "RawTable",
    "ReadLimits",
    "TableSet",
    "load_network",
    "parse_document",
    "parse_raw",
    "read_raw",
    "read_tables",
    "validate_path",
]

@dataclass(frozen=True)
class TableSet:
    """The tables a format holds (name -> its column names) and what a document of them is called in messages.

    The network is one (:data:`NETWORK_TABLES`); other formats of record tables (the IMMEX ledger) are read by the
    same readers with their own :class:`TableSet` (:func:`read_tables`).
    """

    what: str
    tables: Mapping[str, tuple[str, ...]]


#: The network format's tables.
NETWORK_TABLES = TableSet("network", {name: spec.column_names for name, spec in TABLES.items()})

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys given twice (the last value wins in ``json``)."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    out = _Object(pairs)
    if len(out) != len(pairs):
        keys = [k for k, _ in pairs]
        out.duplicates = tuple(dict.fromkeys(k for k in keys if keys.count(k) > 1))
    return out


def _float(text: str) -> float | str:
    """A JSON number as a float; kept as its text (refused where it is typed) when too long or not finite."""
    if len(text) > MAX_NUMBER_CHARS:
        return text
    value = float(text)
    return value if math.isfinite(value) else text


def _int(text: str) -> int | str:
    return int(text) if len(text) <= MAX_NUMBER_CHARS else text


def _check_depth(text: str, path: Path, limit: int, what: str = "network") -> None:
    """Refuse a JSON text nested deeper than ``limit`` before parsing it (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub('""', text))
    steps = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    depth = np.cumsum(np.where((steps == 91) | (steps == 123), 1, -1), dtype=np.int64)
    if depth.size and int(depth.max()) > limit:
        raise InputError(
            f"{path}: JSON nested {int(depth.max())} levels deep, above the limit of {limit} "
            f"(a {what} document is an object of lists of records; ALLYSHORE_MAX_JSON_DEPTH)"
        )


def _read_json(
    path: Path, problems: list[Problem], limits: ReadLimits, spec: TableSet = NETWORK_TABLES
) -> tuple[dict[str, RawTable], str]:
    check_file_size(path, limits)
    text = decode_text(path.read_bytes(), "document", path.name, problems)
    if text is None:
        raise ValidationError(problems)
    _check_depth(text, path, limits.max_json_depth, spec.what)
    try:
        # Numbers too long or not finite (NaN, Infinity, 1e309) are kept as written and refused where they are typed.
        document = json.loads(text, parse_float=_float, parse_int=_int, parse_constant=str, object_pairs_hook=_object)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    except (RecursionError, ValueError) as err:
        raise InputError(f"{path}: cannot read the JSON ({type(err).__name__}: {err})") from err
    description = document.get("description", "") if isinstance(document, dict) else ""
    description = description if isinstance(description, str) else ""
    if description != description.encode("utf-8", "surrogatepass").decode("utf-8", "replace"):
        problems.append(
            Problem("description", "the description is not valid Unicode (a lone surrogate)", source=path.name)
        )
        description = ""
    return raw_from_document(document, path.name, problems, spec.tables, spec.what), description


def _csv_table(
    data: bytes, table: str, source: str, problems: list[Problem], limits: ReadLimits, spec: TableSet = NETWORK_TABLES
) -> RawTable | None:
    text = decode_text(data, table, source, problems)
    if text is None:
        return None
    return table_from_csv(text, table, source, spec.tables[table], problems, limits.max_columns)


def _read_csv_folder(
    path: Path, problems: list[Problem], limits: ReadLimits, spec: TableSet = NETWORK_TABLES
) -> dict[str, RawTable]:
    out: dict[str, RawTable] = {}
    found = False
    tables = spec.tables
    for name in tables:
        file = path / f"{name}.csv"
        if not file.exists():
            continue
        found = True
        check_file_size(file, limits)
        raw = _csv_table(file.read_bytes(), name, file.name, problems, limits, spec)
        if raw is not None:
            out[name] = raw
    if not found:
        raise InputError(
            f"{path}: no {spec.what} tables found (expected {', '.join(f'{t}.csv' for t in tables)})"
        )
    for other in sorted(path.glob("*.csv")) + sorted(path.glob("*.CSV")):
        if other.stem not in tables:
            problems.append(_ignored(other.stem, other.name, spec))
    return out


def _ignored(stem: str, source: str, spec: TableSet = NETWORK_TABLES) -> Problem:
    return Problem(
        stem,
        f"'{source}' is not a table of the {spec.what}: ignored",
        source=source,
        severity="warning",
        hint=f"tables are {', '.join(f'{t}.csv' for t in spec.tables)} (lower case)",
    )


def _read_zip(
    path: Path, problems: list[Problem], limits: ReadLimits, spec: TableSet = NETWORK_TABLES
) -> dict[str, RawTable]:
    check_zip(path, limits)
    out: dict[str, RawTable] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in archive.infolist():
                member = PurePosixPath(entry.filename)
                if entry.is_dir() or "__MACOSX" in member.parts or member.name.startswith("."):
                    continue
                if member.suffix.lower() != ".csv":
                    continue
                source = f"{path.name}/{entry.filename}"
                if member.stem not in spec.tables:
                    problems.append(_ignored(member.stem, source, spec))
                    continue
                if member.stem in out:
                    raise InputError(f"{path}: two entries for the table '{member.stem}' ({source})")
                raw = _csv_table(archive.read(entry), member.stem, source, problems, limits, spec)
                if raw is not None:
                    out[member.stem] = raw
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError) as err:
        raise InputError(f"{path}: cannot unpack ({err})") from err
    if not out and not any(p.severity == "error" for p in problems):
        raise InputError(
            f"{path}: no {spec.what} tables in the zip (expected {', '.join(f'{t}.csv' for t in spec.tables)})"
        )
    return out


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v\s*>")


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _formulas_without_values(xml: bytes) -> list[tuple[int, int, str]]:
    """(row, column index, cell) of each formula cell of a sheet's XML that has no saved value."""
    if not _FORMULA.search(xml):
        return []
    out: list[tuple[int, int, str]] = []
    for match in _CELL.finditer(xml):
        inner = match.group(2) or b""
        if not _FORMULA.search(inner) or _VALUE.search(inner):
            continue
        ref = _REF.search(match.group(1))
        if ref is not None:
            letters = ref.group(1).decode()
            out.append((int(ref.group(2)), _column_index(letters), f"{letters}{ref.group(2).decode()}"))
    return out


def _read_sheet(
    sheet: Any, name: str, source: str, problems: list[Problem], limits: ReadLimits, xml: bytes | None
) -> RawTable | None:
    sheet.reset_dimensions()  # the stored dimensions may claim a million rows: read the cells there are
    header: list[str | None] = []
    header_row = 0
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=limits.max_columns + 1), start=1):
        cells = [cell_text(v) for v in values]
        if any(c is not None and c.strip() for c in cells):
            header, header_row = cells, number
            break
    while header and (header[-1] is None or not header[-1].strip()):
        header.pop()
    if not header:
        return RawTable(name, source, pl.DataFrame(), ())
    if len(header) > limits.max_columns:
        return table_from_rows(name, source, header, pl.DataFrame(), [], problems, limits.max_columns, header_row)
    width = len(header) + 1  # one column more: data under no name is reported
    records: list[tuple[Any, ...]] = []
    rows: list[int] = []
    for number, values in enumerate(
        sheet.iter_rows(min_row=header_row + 1, max_col=width, values_only=True), start=header_row + 1
    ):
        if any(v is not None for v in values):
            records.append(values)
            rows.append(number)
    columns = {f"_{j}": [cell_text(r[j]) if j < len(r) else None for r in records] for j in range(width)}
    body = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    raw = table_from_rows(name, source, header, body, rows, problems, limits.max_columns, header_row)
    if raw is not None and xml is not None:
        for row, column, ref in _formulas_without_values(xml):
            if row > header_row and column < len(header) and (header[column] or "").strip():
                problems.append(
                    Problem(
                        name,
                        f"cell {ref} holds a formula with no saved value (it would read as blank)",
                        row=row,
                        column=(header[column] or "").strip(),
                        source=source,
                        hint="open and save the workbook in Excel or LibreOffice (that stores the computed values), "
                        "or type the value",
                    )
                )
    return raw


def _read_xlsx(
    path: Path, problems: list[Problem], limits: ReadLimits, spec: TableSet = NETWORK_TABLES
) -> dict[str, RawTable]:
    import openpyxl

    check_zip(path, limits)
    out: dict[str, RawTable] = {}
    titles: dict[str, str] = {}
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a bad file
        raise InputError(f"{path}: cannot open as an Excel workbook ({type(err).__name__}: {err})") from err
    try:
        with zipfile.ZipFile(path) as archive:
            for sheet in book.worksheets:
                name = sheet.title.strip().lower()
                if name not in spec.tables:
                    continue
                if name in titles:
                    raise InputError(
                        f"{path}: two sheets for the table '{name}' ('{titles[name]}' and '{sheet.title}'): "
                        "delete or rename one"
                    )
                titles[name] = sheet.title
                member = getattr(sheet, "_worksheet_path", None)
                xml = archive.read(member) if isinstance(member, str) and member in archive.namelist() else None
                raw = _read_sheet(sheet, name, f"{path.name} sheet '{sheet.title}'", problems, limits, xml)
                if raw is not None:
                    out[name] = raw
    except InputError:
        raise
    except Exception as err:  # a broken sheet is only met while reading it (read-only mode parses lazily)
        raise InputError(f"{path}: cannot read the workbook ({type(err).__name__}: {err})") from err
    finally:
        book.close()
    if not titles:
        raise InputError(f"{path}: no sheet named like a {spec.what} table ({', '.join(spec.tables)})")
    return out


def _read(
    path: Path, problems: list[Problem], limits: ReadLimits, spec: TableSet = NETWORK_TABLES
) -> tuple[dict[str, RawTable], str]:
    """The text tables of a network (or ``spec``) file or folder, and the description a JSON document gives."""
    what = spec.what
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    try:
        if path.is_dir():
            return _read_csv_folder(path, problems, limits, spec), ""
        suffix = path.suffix.lower()
        if suffix == ".json":
            return _read_json(path, problems, limits, spec)
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path, problems, limits, spec), ""
        if suffix == ".zip":
            return _read_zip(path, problems, limits, spec), ""
        if suffix == ".csv":
            raise InputError(f"{path}: a {what} is a folder of CSV files (or a .zip of them): give the folder")
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, RecursionError, UnicodeError) as err:
        raise InputError(f"{path}: cannot read ({type(err).__name__}: {str(err).splitlines()[0]})") from err
    except (IsADirectoryError, PermissionError) as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from err
    raise InputError(f"{path}: unknown {what} format '{suffix}' (use a folder of CSV files, .zip, .xlsx or .json)")


def read_raw(
    path: str | Path, problems: list[Problem] | None = None, *, limits: ReadLimits | None = None
) -> dict[str, RawTable]:
    """Read the text tables of a network file or folder, without typing them."""
    problems = [] if problems is None else problems
    return _read(Path(path), problems, limits or ReadLimits.from_env())[0]


def read_tables(
    path: str | Path, spec: TableSet, problems: list[Problem] | None = None, *, limits: ReadLimits | None = None
) -> dict[str, RawTable]:
    """The text tables of a file or folder of another format of record tables (``spec``), read by the network's
    conventions: a CSV folder, a .zip of CSV files, an XLSX workbook (a sheet per table) or one JSON object."""
    problems = [] if problems is None else problems
    return _read(Path(path), problems, limits or ReadLimits.from_env(), spec)[0]


def _name_of(path: Path) -> str:
    return path.name if path.is_dir() else path.stem


def load_network(path: str | Path, *, limits: ReadLimits | None = None) -> Network:
    """Read and validate a network from a CSV folder, a .zip of CSV files, an XLSX workbook or a JSON file, or
    load an embedded sample by name (``infusion-pump``, or ``sample:infusion-pump`` even where a file of that name
    exists). ``limits`` bounds the input (default: :meth:`ReadLimits.from_env`).

    Raises
    ------
    InputError
        The file cannot be read at all.
    NotFoundError
        ``sample:NAME`` names no sample.
    ValidationError
        The network has problems; ``.problems`` lists each with file, row and column.
    """
    from allyshore.samples import load_sample, sample_named

    name = sample_named(path)
    if name is not None:
        return load_sample(name)
    path = Path(path)
    problems: list[Problem] = []
    raw, description = _read(path, problems, limits or ReadLimits.from_env())
    return parse_raw(raw, name=_name_of(path), source=str(path), problems=problems, description=description)


def validate_path(path: str | Path, *, limits: ReadLimits | None = None) -> list[Problem]:
    """Every problem (errors and warnings) of a network file, or of an embedded sample named as
    :func:`load_network` takes it; empty when it is clean."""
    from allyshore.samples import sample_file, sample_named, sample_names

    name = sample_named(path)
    if name is not None and name in sample_names():
        with sample_file(name) as document:
            return validate_path(document, limits=limits)
    problems: list[Problem] = []
    try:
        raw, _ = _read(Path(path), problems, limits or ReadLimits.from_env())
        parse_raw(raw, name=_name_of(Path(path)), source=str(path), problems=problems)
    except ValidationError as err:
        return list(err.problems)
    return problems
