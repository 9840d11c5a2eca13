"""``allyshore immex deadlines`` and ``allyshore immex report anexo24 | html``: deadlines and what each way out
costs, the Anexo 24 reports and the IMMEX report page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table

from allyshore.cli._common import CsvOption, DatabaseOption, JsonOption, console, date_option, output
from allyshore.cli.immex import HolidaysOption, LedgerArgument, immex_app
from allyshore.cli.immex import ledger_of as _ledger

if TYPE_CHECKING:
    from allyshore.immex.costs import DeadlineAlerts

report_app = typer.Typer(
    name="report",
    help="IMMEX reports: the Anexo 24 tables (CSV/XLSX) and the IMMEX report page.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
immex_app.add_typer(report_app, name="report")

AsOf = Annotated[date | None, date_option("--as-of", "Day the balances and deadlines are taken at (default today).")]
RatesOption = Annotated[
    Path | None,
    typer.Option("--rates", metavar="FILE", help="TIGIE rates CSV: tariff_item,rate (percent). Missing: unknown."),
]
CostsOption = Annotated[
    Path | None,
    typer.Option("--costs", metavar="FILE", help="Cost settings TOML: exchange_rate, [inpc], recargos, freight."),
]


def _as_of(value: date | None) -> date:
    from allyshore.conventions import as_date

    return as_date(value)


@immex_app.command("deadlines")
def deadlines(
    ledger_path: LedgerArgument = None,
    as_of: AsOf = None,
    holidays: HolidaysOption = None,
    rates: RatesOption = None,
    costs: CostsOption = None,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """List the lots within 90 days of their deadline or past it, and what each option costs."""
    from allyshore.immex.costs import load_rates, load_settings
    from allyshore.immex.outlook import deadline_outlook
    from allyshore.immex.terms import load_calendar

    settings = load_settings(costs, load_rates(rates))
    result = deadline_outlook(
        _ledger(ledger_path, database_url), _as_of(as_of), calendar=load_calendar(holidays), settings=settings
    )
    output(result, lambda: _show(result), as_json=as_json, csv_dir=csv_dir)


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.2f}"


def _show(result: DeadlineAlerts) -> None:
    table = Table(title=f"IMMEX deadlines as of {result.as_of.isoformat()}: lots within 90 days or past")
    for column in ("level", "pedimento", "seq.", "material", "balance", "deadline", "days left", "options (USD)"):
        table.add_column(column, overflow="fold")
    for a in result.alerts:
        options = "; ".join(f"{o.action} {_money(o.cost_usd)}" for o in a.options)
        table.add_row(
            a.level, a.pedimento, str(a.sequence), a.material_id, f"{a.balance:,.6g}", a.deadline.isoformat(),
            str(a.days_left), options,
        )
    console.print(table)
    unknown = sum(1 for a in result.alerts for o in a.options if o.cost_usd is None)
    if not result.alerts:
        message = "No lot with a balance is within 90 days of its deadline."
    elif unknown:
        message = (
            f"{len(result.alerts)} lot(s) alerted; {unknown} option cost(s) unknown (--json says why; give --rates "
            "and --costs)."
        )
    else:
        message = f"{len(result.alerts)} lot(s) alerted; every option's cost is known."
    console.print(message, markup=False)


@report_app.command("anexo24")
def anexo24(
    ledger_path: LedgerArgument = None,
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder the reports are written to.")] = Path(
        "anexo24"
    ),
    fmt: Annotated[
        Literal["csv", "xlsx"], typer.Option("--format", help="csv: one file per report; xlsx: one workbook.")
    ] = "csv",
    as_of: AsOf = None,
    holidays: HolidaysOption = None,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Write the Anexo 24 reports: entries, exits, balances (by lot and tariff item), materials used.

    ``--json`` prints what was written (files and row counts), ``--csv DIR`` writes that summary's tables."""
    from allyshore.immex.anexo24 import write_anexo24
    from allyshore.immex.outlook import anexo24_report
    from allyshore.immex.terms import load_calendar

    report = anexo24_report(_ledger(ledger_path, database_url), _as_of(as_of), calendar=load_calendar(holidays))
    written = write_anexo24(report, out, fmt)

    def show() -> None:
        for name, frame in written.tables.items():
            console.print(f"{name}: {frame.height} row(s)", markup=False)
        console.print(f"Wrote {', '.join(Path(f).name for f in written.files)} to {out}", markup=False)

    output(written, show, as_json=as_json, csv_dir=csv_dir)


@report_app.command("html")
def html(
    ledger_path: LedgerArgument = None,
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder the page (index.html) goes to.")] = Path(
        "immex-report"
    ),
    as_of: AsOf = None,
    holidays: HolidaysOption = None,
    rates: RatesOption = None,
    costs: CostsOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write the IMMEX report page: balances, the deadline calendar with alerts, certification figures."""
    from allyshore.immex.costs import load_rates, load_settings
    from allyshore.immex.terms import load_calendar
    from allyshore.report.immex import report_data, write_immex_report

    data = report_data(
        _ledger(ledger_path, database_url),
        _as_of(as_of),
        calendar=load_calendar(holidays),
        settings=load_settings(costs, load_rates(rates)),
    )
    console.print(f"Wrote {write_immex_report(data, out)}", markup=False)
