"""``allyshore capacity map``: establishments and employment by state and SCIAN code, in one sector."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli._common import CsvOption, JsonOption, console, output
from allyshore.cli.capacity import DataDirOption, capacity_app

if TYPE_CHECKING:
    from allyshore.capacity.results import CapacityMap

#: Rows of the class table printed (--json or --csv give them all).
SHOWN_CLASSES = 40


@capacity_app.command("map")
def capacity_map_command(
    sector: Annotated[
        str | None,
        typer.Option(
            "--sector",
            help="A named sector (automotive, aerospace, electronics, electrical-equipment, medical-devices, "
            "plastics-rubber, metal-products, ppe-textiles, or one of --sectors); default every activity.",
        ),
    ] = None,
    sectors_file: Annotated[
        Path | None, typer.Option("--sectors", metavar="FILE", help="TOML file of your own sectors ([sectors.NAME] scian = [...]).")
    ] = None,
    level: Annotated[
        str, typer.Option("--level", help="SCIAN level of the class table: sector, subsector, rama, subrama or class.")
    ] = "class",
    state: Annotated[
        list[str] | None, typer.Option("--state", help="Only this state (2-digit INEGI code, e.g. 19); repeatable.")
    ] = None,
    data_dir: DataDirOption = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", metavar="OUT.html", help="Also write the map as a self-contained HTML page."),
    ] = None,
    map_by: Annotated[
        str, typer.Option("--map-by", help="What shades the report's states: establishments or employment.")
    ] = "establishments",
    cell_resolution: Annotated[
        int, typer.Option("--h3-resolution", min=0, max=9, help="h3 resolution of the report's hexagons.")
    ] = 4,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Map Mexico's establishments and employment by state and SCIAN code, in one sector."""
    from allyshore.capacity.capacity_map import capacity_map
    from allyshore.capacity.sectors import find_sector, read_sectors_file
    from allyshore.errors import InputError

    metrics = {"establishments": "establishments", "employment": "employees_mid"}
    if map_by not in metrics:
        raise InputError(f"--map-by '{map_by}': choose establishments or employment")
    if sectors_file is not None:
        read_sectors_file(sectors_file)  # a bad file is an error even without --sector
    chosen = find_sector(sector, sectors_file) if sector is not None else None
    result = capacity_map(
        data_dir, sector=chosen, level=level, states=state, cell_resolution=cell_resolution if report else None
    )
    if report is not None:
        from allyshore.report.capacity import write_capacity_page

        written = write_capacity_page(result, report, metrics[map_by])
        if not as_json and csv_dir is None:
            console.print(f"Wrote {written}", markup=False)
    output(result, lambda: _show(result), as_json=as_json, csv_dir=csv_dir)


def _number(value: float | int | None, digits: int = 0) -> str:
    return "unknown" if value is None else f"{value:,.{digits}f}"


def _show(result: CapacityMap) -> None:
    title = f"{result.sector_title}" + (f" (SCIAN {', '.join(result.scian_prefixes)})" if result.scian_prefixes else "")
    states = Table(title=f"{title}: by state, DENUE edition {result.edition}")
    for column in ("state", "name", "establishments", "employees low", "mid", "high", "in parks", "mid in parks"):
        states.add_column(column, justify="left" if column in ("state", "name") else "right")
    for row in result.states.iter_rows(named=True):
        states.add_row(
            row["state"],
            row["state_name"] or "",
            _number(row["establishments"]),
            _number(row["employees_low"]),
            _number(row["employees_mid"]),
            _number(row["employees_high"]),
            _number(row["in_parks"]),
            _number(row["employees_mid_in_parks"]),
        )
    t = result.totals
    states.add_row(
        "",
        "Mexico",
        _number(t["establishments"]),
        _number(t["employees_low"]),
        _number(t["employees_mid"]),
        _number(t["employees_high"]),
        _number(t["in_parks"]),
        _number(t["employees_mid_in_parks"]),
        style="bold",
    )
    console.print(states)
    classes = result.classes.sort("establishments", descending=True)
    table = Table(title=f"By state and SCIAN {result.level} (largest {min(SHOWN_CLASSES, classes.height)} of {classes.height})")
    for column in ("state", "scian", "activity", "establishments", "employees mid", "in parks"):
        table.add_column(column, justify="right" if column in ("establishments", "employees mid", "in parks") else "left")
    for row in classes.head(SHOWN_CLASSES).iter_rows(named=True):
        table.add_row(
            row["state"],
            row["scian"],
            row["activity"] or "",
            _number(row["establishments"]),
            _number(row["employees_mid"]),
            _number(row["in_parks"]),
        )
    console.print(table)
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)
    if not result.states.height:
        console.print("No establishment of this sector in the edition (or the states chosen).")
