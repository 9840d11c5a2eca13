"""``allyshore tiva``: how much of the reporter's imports from each partner is its own value added."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import CsvOption, JsonOption, console, output, progress

if TYPE_CHECKING:
    from allyshore.tiva.results import TivaResult

TABLE_HELP = "Named world input-output table (wiod2013-2011), looked for in $ALLYSHORE_TIVA_DIR or DATA/tiva/."
DIR_HELP = "Folder of a table in the WIOD CSV layout (docs/tiva.md) or pymrio's text layout; overrides --table."


@app.command()
def tiva(
    table: Annotated[str, typer.Option("--table", help=TABLE_HELP)] = "wiod2013-2011",
    directory: Annotated[
        Path | None, typer.Option("--dir", metavar="DIR", envvar="ALLYSHORE_TIVA_DIR", help=DIR_HELP, show_envvar=False)
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year of the table in DIR (wiotYEAR_*.csv).")] = None,
    reporter: Annotated[str, typer.Option("--reporter", help="Importing region whose own value added is traced.")] = "USA",
    partners: Annotated[
        str, typer.Option("--partners", help="Comma-separated regions the reporter imports from.")
    ] = "MEX,CHN,CAN",
    top: Annotated[int, typer.Option("--top", min=1, help="Sectors shown per partner (all are in --json).")] = 8,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """The reporter's own value added in its imports from each partner (Leontief inverse of a world
    input-output table), by sector, beside the claim that 40% of US imports from Mexico is US content."""
    from allyshore.errors import InputError
    from allyshore.tiva.content import import_content
    from allyshore.tiva.wiot import TABLES, locate_table, read_table

    codes = [p.strip().upper() for p in partners.split(",") if p.strip()]
    if not codes:
        raise InputError("--partners: give at least one region code, e.g. MEX,CHN,CAN")
    folder = locate_table(table, directory)
    named = directory is None and table in TABLES
    if named and year is not None and year != TABLES[table][1]:
        raise InputError(f"--year {year}: the {table} table is for {TABLES[table][1]}; give --dir DIR for another year")
    with progress("Leontief inverse and value added", enabled=not as_json and csv_dir is None) as update:
        io_table = read_table(folder, year=year, name=table if named else None)
        result = import_content(io_table, reporter=reporter, partners=codes, progress=update)
    output(result, lambda: _show(result, top), as_json=as_json, csv_dir=csv_dir)


def _pct(value: float | None) -> str:
    return "unknown" if value is None or value != value else f"{value:.1%}"


def _show(result: TivaResult, top: int) -> None:
    year = f" {result.year}" if result.year else ""
    head = Table(title=f"{result.reporter} value added in {result.reporter} imports, {result.table}{year}")
    for column in (
        "partner",
        "gross imports",
        f"{result.reporter} VA share",
        "counted once",
        "manufactures",
        "partner VA",
        "third countries",
        "largest third countries",
    ):
        head.add_column(column, overflow="fold")
    for p in result.partners:
        head.add_row(
            p.partner,
            f"{p.gross_imports:,.0f}",
            _pct(p.reporter_va_share),
            _pct(p.reporter_va_share_extraction),
            _pct(p.reporter_va_share_manufacturing),
            _pct(p.partner_va_share),
            _pct(p.third_country_va_share),
            ", ".join(f"{k} {v:.1%}" for k, v in p.top_third_countries.items()),
        )
    console.print(head)
    claim = result.claim
    computed = claim.get("computed")
    console.print(
        f"Claim: \"{claim['text']}\" ({claim['value']:.0%}; {claim['source']}).\n"
        + (f"This table gives {computed:.1%} ({claim['computed_is']}).\n" if computed is not None else "")
        + f"Units: {result.method.get('unit')}. Definition: {result.definition}",
        markup=False,
        soft_wrap=True,
    )
    sectors = Table(title=f"By the partner's exporting sector (largest {top} by gross imports)")
    for column in ("partner", "sector", "name", "gross imports", f"{result.reporter} VA", "partner VA", "third"):
        sectors.add_column(column, overflow="fold")
    for p in result.partners:
        rows = sorted((s for s in result.by_sector if s.partner == p.partner), key=lambda s: -s.gross_imports)
        for s in rows[:top]:
            sectors.add_row(
                s.partner,
                s.sector,
                s.sector_name,
                f"{s.gross_imports:,.0f}",
                _pct(s.reporter_va_share),
                _pct(s.partner_va_share),
                _pct(s.third_country_va_share),
            )
    console.print(sectors)
    split = Table(title="Gross exports to the world split into value added (Koopman-Wang-Wei / Los-Timmer-de Vries)")
    for column in ("country", "gross exports", "VAX", "returned DVA", "domestic double counting", "foreign VA"):
        split.add_column(column, overflow="fold")
    for e in result.export_split:
        g = e.gross_exports
        split.add_row(
            e.country,
            f"{g:,.0f}",
            _pct(e.vax / g if g else None),
            _pct(e.returned_dva / g if g else None),
            _pct(e.domestic_double_counting / g if g else None),
            _pct(e.foreign_va_share),
        )
    console.print(split)
