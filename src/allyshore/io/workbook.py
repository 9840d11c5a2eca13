"""The Excel workbook form of a network: one sheet per table, a notes row, data validation.

Row 1 holds the column names, row 2 a note per column (starting with ``#``, so
readers skip it), data from row 3. Enumerated columns get a drop-down list.
The core columns come first, then the optional columns an analysis reads (a note
says which: "optional, read by USMCA origin. ..."); the template offers them all,
a written network those it fills.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from allyshore.errors import InputError
from allyshore.io.readers import NOTE_PREFIX
from allyshore.io.writers import columns_to_write
from allyshore.model.network import Network
from allyshore.model.schema import TABLES

_HEADER = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_REQUIRED_FILL = PatternFill("solid", fgColor="9C2A00")
_OPTIONAL_FILL = PatternFill("solid", fgColor="5B7F9F")  # optional columns read by one analysis
_NOTE = Font(italic=True, color="555555")
_ROWS_VALIDATED = 5000
CELL_CHARS = 32_767  # the most characters an Excel cell holds
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f]"  # characters XML 1.0 (so XLSX) cannot hold


def check_cell_text(network: Network, path: Path) -> None:
    """Raise :class:`InputError` at the first text cell an XLSX workbook cannot hold: a control character
    (XML 1.0 has none but tab, line feed and carriage return) or more than :data:`CELL_CHARS` characters."""
    for table in TABLES:
        frame = network.tables[table]
        for name, dtype in frame.schema.items():
            if dtype != pl.String:
                continue
            values = frame.get_column(name)
            control = values.str.contains(_CONTROL).fill_null(False)
            long = (values.str.len_chars() > CELL_CHARS).fill_null(False)
            for bad, why, fix in (
                (control, "holds a control character", "remove it"),
                (long, f"is longer than the {CELL_CHARS:,} characters an Excel cell holds", "shorten it"),
            ):
                if bad.any():
                    index = int(bad.arg_true()[0])
                    raise InputError(
                        f"{path}: cannot write {network.source_of(table)} row {network.row_of(table, index)}, "
                        f"column '{name}': the text {why}; {fix}, or write a .json file or a CSV folder, "
                        "which keep any text"
                    )


def write_workbook(network: Network | None, path: Path) -> None:
    """Write ``network`` (or, for ``None``, an empty template) as an XLSX workbook."""
    book = Workbook()
    book.remove(book.worksheets[0])
    for table in TABLES.values():
        sheet = book.create_sheet(table.name)
        frame = network.tables[table.name] if network is not None else None
        names = list(table.column_names)
        if frame is not None:
            names += [c for c in frame.columns if c not in names]
            written = set(columns_to_write(table.name, frame))
            names = [c for c in names if c in written]
        for col, name in enumerate(names, start=1):
            spec = table.column(name) if name in table.column_names else None
            cell = sheet.cell(row=1, column=col, value=name)
            cell.font = _HEADER
            if spec is not None and spec.required:
                cell.fill = _REQUIRED_FILL
            else:
                cell.fill = _OPTIONAL_FILL if spec is not None and spec.used_by else _HEADER_FILL
            doc = spec.doc if spec is not None else "user column"
            note = f"{NOTE_PREFIX}{spec.note if spec is not None else doc}"  # as allyshore.io.tables expects it
            cell.comment = Comment(spec.note if spec is not None else doc, "allyshore")
            note_cell = sheet.cell(row=2, column=col, value=note)
            note_cell.font = _NOTE
            note_cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(name) + 6))
            if spec is not None and spec.choices:
                letter = get_column_letter(col)
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(spec.choices) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=name,
                    error=f"{name} must be one of: {', '.join(spec.choices)}",
                )
                validation.add(f"{letter}3:{letter}{_ROWS_VALIDATED}")
                sheet.add_data_validation(validation)
            elif spec is not None and spec.type == "float":
                letter = get_column_letter(col)
                validation = DataValidation(
                    type="decimal",
                    operator="greaterThanOrEqual",
                    formula1="0" if (spec.non_negative or spec.positive) else "-1e308",
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=name,
                    error=f"{name} must be a number ({spec.doc})",
                )
                validation.add(f"{letter}3:{letter}{_ROWS_VALIDATED}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A3"
        if frame is not None:
            # Text starting with "=" would be stored as a formula (lost on reading, or run by a spreadsheet):
            # such cells are marked as text.
            as_text = [
                i
                for i, name in enumerate(names)
                if frame.schema[name] == pl.String and bool(frame.get_column(name).str.starts_with("=").any())
            ]
            for row in frame.select(names).iter_rows():
                sheet.append(list(row))
                for i in as_text:
                    if isinstance(row[i], str) and row[i].startswith("="):
                        sheet.cell(row=sheet.max_row, column=i + 1).data_type = "s"
    book.save(path)


def write_template(path: str | Path) -> Path:
    """Write an empty network workbook with headers, notes and drop-down lists."""
    from allyshore.io.writers import atomic_path

    target = Path(path)
    with atomic_path(target) as tmp:
        write_workbook(None, tmp)
    return target
