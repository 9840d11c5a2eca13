"""Mexico's industrial capacity: ``allyshore capacity import | download | map | match | resolve``.

The sub-Typer ``capacity_app`` is shared: other command modules add their commands to it with
``from allyshore.cli.capacity import capacity_app``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import CsvOption, DatabaseOption, JsonOption, console, output, progress

if TYPE_CHECKING:
    from allyshore.capacity.import_results import EditionsResult, ImportResult

capacity_app = typer.Typer(
    name="capacity",
    help="Mexico's industrial capacity from INEGI's DENUE: import, map by state and sector, match parts to establishments.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(capacity_app, name="capacity")


# ----------------------------------------------------------------------------- import, download, editions

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="ALLYSHORE_DATA_DIR",
        show_envvar=False,
        help="Data directory holding the imported DENUE editions (default: $ALLYSHORE_DATA_DIR, else the "
        "per-user data folder).",
    ),
]
SkipBadOption = Annotated[
    bool,
    typer.Option(
        "--skip-bad-rows",
        help="Leave out rows that fail the checks (they are counted and the first listed) instead of stopping.",
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Import again a file already imported (same SHA-256).")]
SectorOption = Annotated[
    str | None,
    typer.Option("--sector", help="Keep only these SCIAN sectors or code prefixes, e.g. 31-33 or 336,3391."),
]


@capacity_app.command("import")
def import_command(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="DENUE bulk ZIP, the CSV inside it, or DENUE API JSON.")
    ],
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
    skip_bad_rows: SkipBadOption = False,
    force: ForceOption = False,
    sector: SectorOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Import INEGI DENUE file(s) as the edition in use: checked, contact fields dropped, Parquet by state."""
    from allyshore.capacity.denue_import import import_denue, parse_sectors

    with progress("Importing DENUE", enabled=not as_json and csv_dir is None) as update:
        result = import_denue(
            files, data=data_dir, database_url=database_url, skip_bad_rows=skip_bad_rows, force=force,
            sectors=parse_sectors(sector), progress=update,
        )  # fmt: skip
    output(result, lambda: _show_import(result), as_json=as_json, csv_dir=csv_dir)


@capacity_app.command("download")
def download_command(
    state: Annotated[str | None, typer.Option("--state", help="State code 01-32 (e.g. 19 Nuevo León).")] = None,
    sector: Annotated[
        str | None, typer.Option("--sector", help="SCIAN sector as INEGI names its files, e.g. 31-33.")
    ] = None,
    url_base: Annotated[
        str, typer.Option("--url-base", help="Where the DENUE files are (default INEGI's bulk-download folder).")
    ] = "https://www.inegi.org.mx/contenidos/masiva/denue/",
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
    skip_bad_rows: SkipBadOption = False,
    force: ForceOption = False,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Download INEGI's DENUE file for a state and/or sector and import it (needs internet)."""
    from allyshore.capacity.denue_download import download_denue

    with progress("Importing DENUE", enabled=not as_json and csv_dir is None) as update:
        result = download_denue(
            state=state, sector=sector, url_base=url_base, data=data_dir, database_url=database_url,
            skip_bad_rows=skip_bad_rows, force=force, progress=update,
        )  # fmt: skip
    output(result, lambda: _show_import(result), as_json=as_json, csv_dir=csv_dir)


@capacity_app.command("editions")
def editions_command(
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """List the imported DENUE editions and the one in use."""
    from allyshore.capacity.denue_import import list_editions

    result = list_editions(data=data_dir, database_url=database_url)
    output(result, lambda: _show_editions(result), as_json=as_json, csv_dir=csv_dir)


def _show_import(result: ImportResult) -> None:
    if result.already_imported:
        console.print(
            f"Already imported as edition {result.edition_id} ({result.rows:,} establishments"
            f"{', in use' if result.current else ', not in use'}); use --force to import it again.",
            markup=False,
        )
        return
    files = Table(title=f"DENUE edition {result.edition_id}")
    for column in ("file", "format", "encoding", "rows read", "rows kept"):
        files.add_column(column, overflow="fold")
    for s in result.sources:
        shown = f"{s.file} ({s.member})" if s.member else s.file
        files.add_row(shown, s.file_format, s.encoding, f"{s.rows_read:,}", f"{s.rows:,}")
    console.print(files)
    console.print(
        f"{result.rows:,} establishments in {len(result.rows_by_state)} state(s) stored in {result.data_path}; "
        f"{result.skipped_rows:,} bad row(s) skipped, {result.filtered_rows:,} outside the sector filter. "
        f"Newest entry {result.edition_date or 'unknown'}. Contact fields dropped: "
        f"{', '.join(result.contacts_dropped)}.",
        markup=False,
    )
    console.print(f"Employment: {result.open_band_method}.", markup=False)
    if result.problems:
        console.print(f"{result.problem_count:,} problem(s) in skipped rows; the first:", markup=False)
        for problem in result.problems:
            console.print(f"  - {problem}", markup=False, soft_wrap=True)


def _show_editions(result: EditionsResult) -> None:
    table = Table(title=f"DENUE editions (data directory {result.data_dir})")
    for column in ("edition", "in use", "imported", "source", "encoding", "rows", "skipped", "newest entry", "folder"):
        table.add_column(column, overflow="fold")
    for e in result.editions:
        table.add_row(
            e["edition_id"], "yes" if e["current"] else "", e["imported_at"][:19], e["source"], e["encoding"],
            f"{e['rows']:,}", f"{e['skipped_rows']:,}", e["edition_date"] or "", "present" if e["present"] else "missing",
        )  # fmt: skip
    console.print(table)
    if not result.editions:
        console.print("No edition imported: run `allyshore capacity import FILE`.", markup=False)
