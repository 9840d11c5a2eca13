"""``allyshore tariff``: the tariff layers of one HTS line from one origin on a date, with their sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import CsvOption, JsonOption, console, date_option, err_console, output

if TYPE_CHECKING:
    from allyshore.cost.layers import TariffLayers


def _percent(share: float) -> str:
    return f"{share * 100:.4g}%"


@app.command("tariff")
def tariff_command(
    hts: Annotated[str, typer.Argument(help="HTS code, 6 to 10 digits (dots allowed): 8536.50.90.")],
    origin: Annotated[str, typer.Option("--origin", help="Country of origin (ISO code or name).")],
    importer: Annotated[str, typer.Option("--importer", help="Importing country (default US).")] = "US",
    as_of: Annotated[date | None, date_option("--as-of", "Date the tariff tables are read at (default today).")] = None,
    usmca: Annotated[bool, typer.Option("--usmca", help="The good is USMCA-originating.")] = False,
    weight_kg: Annotated[
        float | None, typer.Option("--weight-kg", help="Weight per unit, kg (for rates per kg).", min=0)
    ] = None,
    unit: Annotated[str, typer.Option("--unit", help="Unit of the item (ea, kg, l, m2, pr, doz ...).")] = "ea",
    metal_share: Annotated[
        float | None,
        typer.Option("--metal-share", help="Share of the value that is steel, aluminium or copper.", min=0, max=1),
    ] = None,
    assumptions: Annotated[
        Path | None, typer.Option("--assumptions", help="A TOML assumptions file (its [[tariff]] rows apply).")
    ] = None,
    tariffs: Annotated[
        list[Path] | None, typer.Option("--tariffs", help="Extra measure rows, CSV or TOML (repeatable).")
    ] = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """The tariff layers of an HTS line from an origin: rates, Chapter 99 headings, sources and the total."""
    from allyshore.cost import tariff_layers
    from allyshore.cost.assumptions import load_assumptions
    from allyshore.cost.unknown import warning_line

    book = load_assumptions(assumptions, tariffs=tariffs or ())
    result = tariff_layers(
        hts, origin, importer=importer, as_of=as_of, usmca_originating=usmca, weight_kg=weight_kg, unit=unit,
        metal_share=metal_share, assumptions=book,
    )  # fmt: skip
    if result.unknown_duties:
        err_console.print(warning_line(result.unknown_duties, costing=False), markup=False)
    output(result, lambda: _show(result, hts, usmca), as_json=as_json, csv_dir=csv_dir)


def _show(result: TariffLayers, hts: str, usmca: bool) -> None:
    title = f"Tariff layers of {hts} from {result.origin} into {result.importer} on {result.as_of}"
    grid = Table(title=title + (" (USMCA-originating)" if usmca else ""))
    for column in ("layer", "rate", "due", "Ch. 99", "valid", "status", "verified", "source"):
        grid.add_column(column, overflow="fold", justify="right" if column in ("rate", "due") else "left")
    for line in result.layers:
        rate = line.rate_text or _percent(line.rate_ad_valorem)
        due = _percent(line.due_ad_valorem)
        if line.due_specific_usd:
            due += f" + {line.due_specific_usd:,.4f} USD/unit"
        valid = f"{line.effective_from or '...'} to {line.effective_to or '...'}"
        status = line.status + (f": {line.explanation}" if line.explanation else "")
        verified = "yes" if line.verified else "no"
        grid.add_row(line.layer, rate, due, line.ch99, valid, status, verified, line.source)
    console.print(grid)
    total = f"Total ad valorem due: {_percent(result.total_ad_valorem)}"
    if result.total_specific_usd:
        total += f" + {result.total_specific_usd:,.4f} USD per unit"
    if result.unknown_duties:
        total += f" (not counting {len(result.unknown_duties)} unknown layer(s))"
    console.print(total, markup=False)
