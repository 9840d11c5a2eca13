"""IMMEX control: ``allyshore immex import | balances | discharges | deadlines | report``.

The sub-Typer ``immex_app`` is shared: other command modules add their commands to it with
``from allyshore.cli.immex import immex_app``.
"""

from __future__ import annotations

import typer

from allyshore.cli import app

immex_app = typer.Typer(
    name="immex",
    help="IMMEX temporary imports: the ledger by pedimento, FIFO discharge through the BOM, deadlines, Anexo 24.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(immex_app, name="immex")


# The ledger commands: import, balances, discharges (docs/immex.md). The deadline and report commands add
# themselves to immex_app from their own module.

from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Annotated  # noqa: E402

from allyshore.cli._common import CsvOption, DatabaseOption, JsonOption, console, date_option, output  # noqa: E402

if TYPE_CHECKING:
    from allyshore.immex.ledger import Ledger

LEDGER_HELP = (
    "Ledger: a folder of CSV files, a .zip of them, an .xlsx workbook (a sheet per table) or a .json file. "
    "Without it, the ledger imported into the store (--database-url)."
)
LedgerArgument = Annotated[Path | None, typer.Argument(metavar="[LEDGER]", help=LEDGER_HELP, show_default=False)]


def ledger_of(path: Path | None, database_url: str | None) -> Ledger:
    """The ledger a command reads: the file or folder given, else the store's."""
    from allyshore.immex.ledger import load_ledger, read_ledger

    return read_ledger(path) if path is not None else load_ledger(database_url)


@immex_app.command("import")
def import_command(
    ledger: Annotated[Path, typer.Argument(metavar="LEDGER", help=LEDGER_HELP.split(" Without")[0])],
    database_url: DatabaseOption = None,
) -> None:
    """Append a ledger's new records to the store (one transaction: an invalid ledger, or one that leaves an exit
    short, writes nothing)."""
    from allyshore.immex.ledger_store import import_ledger

    summary = import_ledger(ledger, database_url)
    added = ", ".join(f"{n} {t}" for t, n in summary.added.items()) or "nothing new"
    console.print(
        f"Imported {ledger} into {summary.database}: {added}; {summary.already_stored} record(s) already stored.",
        markup=False,
    )


@immex_app.command("balances")
def balances_command(
    ledger: LedgerArgument = None,
    as_of: Annotated[
        date | None, date_option("--as-of", "Balances after the exits up to this day (default today).")
    ] = None,
    value_mode: Annotated[
        bool, typer.Option("--value-mode", help="Discharge by value per tariff item instead of by quantity.")
    ] = False,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Balance of every lot (pedimento, sequence) as of a day, with its deadline and days left, and by material."""
    from allyshore.immex.discharge import balance_report, discharge

    book = ledger_of(ledger, database_url)
    day = as_of or date.today()
    result = balance_report(book, discharge(book, mode="value" if value_mode else "quantity"), day)
    output(result, lambda: _show_balances(result), as_json=as_json, csv_dir=csv_dir)


@immex_app.command("discharges")
def discharges_command(
    ledger: LedgerArgument = None,
    value_mode: Annotated[
        bool, typer.Option("--value-mode", help="Discharge by value per tariff item instead of by quantity.")
    ] = False,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Every exit discharged FIFO through the BOM in force on its date: the pedimento lines it draws on."""
    from allyshore.immex.discharge import discharge

    result = discharge(ledger_of(ledger, database_url), mode="value" if value_mode else "quantity")
    output(result, lambda: _show_discharges(result), as_json=as_json, csv_dir=csv_dir)


def _show_balances(result: object) -> None:
    from rich.table import Table

    from allyshore.immex.results import Balances

    assert isinstance(result, Balances)
    data = result.to_dict()
    table = Table(title=f"IMMEX lots as of {result.as_of.isoformat()}")
    for column in (
        "pedimento",
        "seq",
        "material",
        "imported",
        "discharged",
        "balance",
        "USD balance",
        "deadline",
        "days left",
    ):
        table.add_column(column, overflow="fold")
    for lot in data["lots"]:
        table.add_row(
            lot["pedimento"],
            str(lot["sequence"]),
            lot["material_id"],
            str(lot["imported"]),
            str(lot["discharged"]),
            str(lot["balance"]),
            str(lot["value_usd_balance"]),
            str(lot["deadline"] or "none"),
            "" if lot["days_left"] is None else str(lot["days_left"]),
        )
    console.print(table)
    if not data["lots"]:
        console.print("No lots imported by that day.", markup=False)


def _show_discharges(result: object) -> None:
    from rich.table import Table

    from allyshore.immex.results import Discharges

    assert isinstance(result, Discharges)
    rows = result.to_dict()["discharges"]
    table = Table(title=f"Discharges ({result.mode} mode)")
    for column in ("exit", "pedimento", "seq", "material", "quantity", "value USD"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["exit_id"],
            row["pedimento"],
            str(row["sequence"]),
            row["material_id"],
            str(row["quantity"]),
            str(row["value_usd"]),
        )
    console.print(table)
    if not rows:
        console.print("No exits to discharge.", markup=False)
