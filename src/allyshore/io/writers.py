"""Write a network as a folder of CSV files, an XLSX workbook or one JSON document.

Every writer writes to a temporary path and renames it into place
(:mod:`allyshore.io.atomic`), so a failure never leaves a half-written file behind and
the file gets the mode ``open()`` would give it. An optional column that an analysis
reads (``Column.used_by``) is written only when some row fills it: reading fills it back
as blank, so nothing is lost and a network that does not use it keeps its shape.

A number that is not finite (NaN, an infinity) is refused before anything is written:
JSON cannot hold it, and no reader would take it back. The JSON document is written a
slice of rows at a time, one record per line, so writing never holds the whole text in
memory. CSV text cells a spreadsheet would run as a formula are written with a leading
apostrophe (:mod:`allyshore.io.csv_cells`); the XLSX writer marks them as text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO

import polars as pl

from allyshore.errors import InputError
from allyshore.io.atomic import atomic_path
from allyshore.io.csv_cells import neutralize_formulas
from allyshore.model.network import Network
from allyshore.model.schema import FORMAT_VERSION, TABLES

__all__ = ["atomic_path", "check_finite", "columns_to_write", "write_network"]

JSON_SLICE_ROWS = 50_000  # rows of a table turned to JSON text at a time
_STRING = r'"(?:[^"\\]|\\.)*"'
# One record per line, written by polars: a null member after a comma, then one left first in its record.
# Inside a JSON string every quote is escaped, so ',"' and a line-initial '{"' only ever start a member.
_NULL_MEMBER = re.compile(f",{_STRING}:null(?=[,}}])")
_FIRST_NULL_MEMBER = re.compile(f"^\\{{{_STRING}:null(?:,|(?=\\}}))", re.MULTILINE)


def columns_to_write(table: str, frame: pl.DataFrame) -> list[str]:
    """The columns of ``frame`` to write: all but the analysis-only columns left blank in every row."""
    spec = TABLES[table]
    blank = {
        c.name
        for c in spec.columns
        if c.used_by and c.name in frame.columns and frame.get_column(c.name).null_count() == frame.height
    }
    return [c for c in frame.columns if c not in blank]


def check_finite(network: Network, path: Path) -> None:
    """Raise :class:`InputError` naming table, row and column at the first number that is NaN or infinite."""
    for name in TABLES:
        frame = network.tables[name]
        for column, dtype in frame.schema.items():
            if not dtype.is_float():
                continue
            values = frame.get_column(column)
            bad = (values.is_nan() | values.is_infinite()).fill_null(False)
            if bad.any():
                index = int(bad.arg_true()[0])
                raise InputError(
                    f"{path}: cannot write {network.source_of(name)} row {network.row_of(name, index)}, "
                    f"column '{column}': {values[index]} is not a number (NaN or infinite); "
                    "give a finite number or leave the cell blank"
                )


def _json_rows(frame: pl.DataFrame, out: IO[str]) -> None:
    """Write ``frame`` as the records of a JSON list, one per line, nulls left out, a slice at a time."""
    for start in range(0, frame.height, JSON_SLICE_ROWS):
        text = frame.slice(start, JSON_SLICE_ROWS).write_ndjson()
        text = _FIRST_NULL_MEMBER.sub("{", _NULL_MEMBER.sub("", text))
        lines = text.rstrip("\n").split("\n")
        out.write(",\n" if start else "\n")
        out.write("  " + ",\n  ".join(lines))


def _write_json(network: Network, path: Path) -> None:
    header: dict[str, object] = {"format_version": FORMAT_VERSION, "name": network.name}
    if network.description:
        header["description"] = network.description
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as out:
        out.write("{\n")
        for key, value in header.items():
            out.write(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        for index, name in enumerate(TABLES):
            out.write(f' "{name}": [')
            frame = network.tables[name]
            _json_rows(frame, out)
            out.write("\n ]" if frame.height else "]")
            out.write(",\n" if index < len(TABLES) - 1 else "\n")
        out.write("}\n")


def _write_csv(network: Network, path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder; a CSV network is a folder of CSV files")
    if path.is_dir():
        tables = {f"{name}.csv" for name in TABLES}
        others = sorted(p.name for p in path.iterdir() if p.name not in tables)
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            raise InputError(
                f"{path}: the folder holds files that are not network tables ({shown}); writing a CSV network "
                "replaces the whole folder: choose a new or empty folder"
            )
    if path.is_dir() and Path.cwd().is_relative_to(path.resolve()):
        raise InputError(
            f"{path}: is the current folder (or holds it); writing a CSV network replaces the whole folder: "
            "name a new folder"
        )
    with atomic_path(path, directory=True) as tmp:
        for name in TABLES:
            frame = network.tables[name]
            safe = neutralize_formulas(frame.select(columns_to_write(name, frame)))
            safe.write_csv(tmp / f"{name}.csv", float_precision=None)


def _write_xlsx(network: Network, path: Path) -> None:
    from allyshore.io.workbook import check_cell_text, write_workbook

    check_cell_text(network, path)
    with atomic_path(path) as tmp:
        write_workbook(network, tmp)


def write_network(network: Network, path: str | Path) -> Path:
    """Write ``network`` to ``path``; the format follows the suffix (.json, .xlsx, else a CSV folder).

    Raises
    ------
    InputError
        The format is unknown, a CSV target is an existing file, or a number is NaN or infinite (nothing is
        written then).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".xlsx", ".xlsm", "", ".csv") and not path.is_dir():
        raise InputError(f"{path}: unknown network format '{suffix}' (use a folder name, .xlsx or .json)")
    check_finite(network, path)
    if suffix == ".json":
        _write_json(network, path)
    elif suffix in (".xlsx", ".xlsm"):
        _write_xlsx(network, path)
    else:
        _write_csv(network, path)
    return path
