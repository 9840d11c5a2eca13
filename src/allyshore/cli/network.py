"""Commands on network files: validate, convert, template."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allyshore.cli import _common, app
from allyshore.cli._common import NETWORK_HELP, CsvOption, JsonOption

if TYPE_CHECKING:
    from allyshore.model.validate import Validation


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(metavar="NETWORK", help=NETWORK_HELP)],
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> int:
    """Check a network and report every problem with file, row, column and a hint."""
    from allyshore.io import validate_path
    from allyshore.model.validate import Validation

    checked = Validation(tuple(validate_path(path)))
    _common.output(checked, lambda: _report_problems(path, checked), as_json=as_json, csv_dir=csv_dir)
    return 0 if checked.valid else 1


def _report_problems(path: Path, checked: Validation) -> None:
    problems, errors = checked.problems, checked.errors
    if not problems:
        print(f"{path}: valid network.")  # plain: the common case needs no Rich
        return
    out = _common.err_console if errors else _common.console
    summary = f"{path}: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)"
    if not out.is_terminal:
        # Plain lines when piped: one problem per line, easy to grep.
        print(summary, file=out.file)
        for p in problems:
            print(f"{'ERROR' if p.severity == 'error' else 'warning'}: {p}", file=out.file)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(summary), show_lines=False)
    for column in ("", "where", "row", "column", "problem", "hint"):
        table.add_column(column, overflow="fold")
    for p in problems:
        table.add_row(
            "ERROR" if p.severity == "error" else "warn",
            escape(p.source or p.table),
            "" if p.row is None else str(p.row),
            escape(p.column or ""),
            escape(p.message),
            escape(p.hint or ""),
        )
    out.print(table)


@app.command()
def convert(
    source: Annotated[
        Path, typer.Argument(help="Network to read (CSV folder, .zip of CSV files, .xlsx or .json), or a sample name.")
    ],
    target: Annotated[
        Path, typer.Argument(help="Where to write it; the format follows the suffix (.json, .xlsx, else a CSV folder).")
    ],
) -> None:
    """Convert a network between the CSV-folder, XLSX and JSON formats, losslessly."""
    from allyshore.io import load_network, write_network

    network = load_network(source)
    write_network(network, target)
    _common.console.print(f"Wrote {target}")


@app.command()
def template(
    target: Annotated[Path, typer.Argument(help="The .xlsx file to write.")],
) -> None:
    """Write an empty network workbook with headers, a notes row and drop-down lists."""
    if target.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the template is an .xlsx workbook", param_hint="TARGET")
    from allyshore.io.workbook import write_template

    write_template(target)
    _common.console.print(f"Wrote {target}")
