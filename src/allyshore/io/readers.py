"""Read a network from a CSV folder, an XLSX workbook or a JSON file.

Reading is two steps. :func:`read_raw` turns a file into text tables that keep
the row numbers the user sees; :func:`allyshore.model.parse.parse_raw` coerces
them to typed tables and validates them. Either the whole network loads or a
:class:`~allyshore.errors.ValidationError` lists every problem: a network is
never half-loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from allyshore.errors import InputError, Problem, ValidationError
from allyshore.io.csv_cells import restore_formula_text
from allyshore.model.network import Network
from allyshore.model.parse import RawTable, cell_text, clean_text, parse_document, parse_raw, raw_from_document
from allyshore.model.schema import TABLES

__all__ = ["NOTE_PREFIX", "RawTable", "load_network", "parse_document", "parse_raw", "read_raw", "validate_path"]

NOTE_PREFIX = "#"


def _read_json(path: Path, problems: list[Problem]) -> dict[str, RawTable]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason})") from err
    return raw_from_document(document, path.name, problems)


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
        frame = restore_formula_text(frame)  # the apostrophe before a formula-like cell (allyshore.io.csv_cells)
        out[name] = RawTable(name, file.name, clean_text(frame), tuple(range(2, frame.height + 2)))
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
                cells = [cell_text(v) for v in values]
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
            out[name] = RawTable(name, f"{path.name} sheet '{sheet.title}'", clean_text(frame), tuple(rows))
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


def _name_of(path: Path) -> str:
    return path.name if path.is_dir() else path.stem


def load_network(path: str | Path) -> Network:
    """Read and validate a network from a CSV folder, an XLSX workbook or a JSON file, or load an embedded sample
    by name (``infusion-pump``, or ``sample:infusion-pump`` even where a file of that name exists).

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
    """Every problem (errors and warnings) of a network file, or of an embedded sample named as
    :func:`load_network` takes it; empty when it is clean."""
    from allyshore.samples import sample_file, sample_named, sample_names

    name = sample_named(path)
    if name is not None and name in sample_names():
        with sample_file(name) as document:
            return validate_path(document)
    problems: list[Problem] = []
    try:
        raw = read_raw(path, problems)
        parse_raw(raw, name=_name_of(Path(path)), source=str(path), problems=problems)
    except ValidationError as err:
        return list(err.problems)
    return problems
