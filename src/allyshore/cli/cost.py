"""``allyshore cost``: total landed cost of sourcing options, of the network, and its sensitivity."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import (
    CsvOption,
    JsonOption,
    NetworkArgument,
    PolicyOption,
    console,
    date_option,
    output,
    warn_unknown,
)

if TYPE_CHECKING:
    from allyshore.cost.results import CostComparison, NetworkCost, Sensitivity

cost_app = typer.Typer(
    help="Total landed cost: price, freight, duties and fees, inventory and risk, per source and per network.",
    no_args_is_help=True,
)
app.add_typer(cost_app, name="cost")

ItemOpt = Annotated[str, typer.Option("--item", help="Item id to source.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Receiving site (default: the one with the largest need).")]
AsOfOpt = Annotated[
    date | None, date_option("--as-of", "Evaluate tariff tables and fees on this date (default today).")
]
AssumptionsOpt = Annotated[
    Path | None, typer.Option("--assumptions", help="A TOML assumptions file overriding any default.")
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict-duties", help="A duty the tariff tables cannot determine is an error (exit 1), not 0."),
]
TariffsOpt = Annotated[
    list[Path] | None,
    typer.Option("--tariffs", help="Extra tariff measure rows, CSV or TOML (docs/tariffs.md; repeatable)."),
]
MonteCarloOpt = Annotated[
    int,
    typer.Option(
        "--monte-carlo",
        help="Price disruption from a Monte Carlo of this many simulated years "
        "(0: the country-risk default by trust tier).",
        min=0,
    ),
]


def _format_amount(value: float) -> str:
    return f"{value:,.2f}"


@cost_app.command("compare")
def compare(
    network: NetworkArgument,
    item: ItemOpt,
    to_site: ToOpt = None,
    as_of: AsOfOpt = None,
    policy: PolicyOption = None,
    assumptions: AssumptionsOpt = None,
    monte_carlo: MonteCarloOpt = 0,
    tariffs: TariffsOpt = None,
    strict_duties: StrictOpt = False,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Every active and candidate source of an item side by side, ranked by total landed cost."""
    from allyshore.cost import compare_sources
    from allyshore.cost.assumptions import load_assumptions
    from allyshore.io import load_network

    result = compare_sources(
        load_network(network),
        item,
        to_site,
        as_of=as_of,
        policy=policy,
        assumptions=load_assumptions(assumptions, tariffs=tariffs or ()),
        simulated_years=monte_carlo,
        strict_duties=strict_duties,
    )
    warn_unknown(result.unknown_duties)
    output(result, lambda: _show_comparison(result), as_json=as_json, csv_dir=csv_dir)


def _show_comparison(result: CostComparison) -> None:
    from allyshore.cost import FACTORS

    grid = Table(title=f"Landed cost of {result.item_id} into {result.to_site}, USD per unit (as of {result.as_of})")
    grid.add_column("factor")
    for option in result.options:
        grid.add_column(f"#{option.rank} {option.label} ({option.country}, {option.lane})", justify="right")
    for factor in FACTORS:
        values = [o.per_unit[factor] for o in result.options]
        if any(abs(v) > 0 for v in values):
            grid.add_row(factor, *(_format_amount(v) for v in values))
    grid.add_row("total", *(_format_amount(o.total) for o in result.options), style="bold")
    grid.add_row("per year", *(f"{o.total * o.annual_units:,.0f}" for o in result.options))
    grid.add_row(f"year {result.years}", *(_format_amount(o.projection[-1]) for o in result.options))
    console.print(grid)
    console.print(f"{len(result.assumptions)} shared assumptions; --json lists every assumption with its source.")


@cost_app.command("network")
def network_command(
    network: NetworkArgument,
    as_of: AsOfOpt = None,
    policy: PolicyOption = None,
    assumptions: AssumptionsOpt = None,
    tariffs: TariffsOpt = None,
    strict_duties: StrictOpt = False,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Landed cost of the finished goods delivered, per good and per year, and current vs best source per item."""
    from allyshore import catalog
    from allyshore.io import load_network

    options = catalog.CostOptions(as_of=as_of, strict_duties=strict_duties)
    result = cast(
        "NetworkCost",
        catalog.cost(
            load_network(network), options, policy=policy, assumptions=assumptions, tariffs=tuple(tariffs or ())
        ),
    )
    warn_unknown(result.unknown_duties)
    output(result, lambda: _show_network(result), as_json=as_json, csv_dir=csv_dir)


def _show_network(result: NetworkCost) -> None:
    goods = Table(title=f"Landed cost per finished good (USD, as of {result.as_of})")
    for column in ("site", "item", "units/yr", "per unit", "chain adders", "per year"):
        goods.add_column(column, justify="left" if column in ("site", "item") else "right")
    for row in result.goods.iter_rows(named=True):
        goods.add_row(
            row["site_id"],
            row["item_id"],
            f"{row['units_per_year']:,.0f}",
            _format_amount(row["landed_per_unit"]),
            _format_amount(row["chain_adders_per_unit"]),
            f"{row['landed_per_year']:,.0f}",
        )
    goods.add_row("", "finished goods delivered", "", "", "", f"{result.finished_goods_per_year:,.0f}", style="bold")
    console.print(goods)
    console.print(
        f"Landed cost of the finished goods delivered: USD {result.finished_goods_per_year:,.0f} a year. "
        f"Sum of every tier's landed cost: USD {result.sum_of_tiers_per_year:,.0f} a year "
        "(each flow at its own landed cost: a component counts again in the price of what it goes into)."
    )
    sourcing = Table(title="Current vs best source, landed cost per unit into each receiving site")
    for column in ("item", "into", "current", "USD/unit", "best", "USD/unit", "saving/yr"):
        sourcing.add_column(column, justify="right" if "USD" in column or "saving" in column else "left")
    for s in result.sourcing:
        sourcing.add_row(
            s.item_id,
            s.to_site,
            ", ".join(s.current_sources),
            _format_amount(s.current_per_unit),
            s.best_source,
            _format_amount(s.best_per_unit),
            f"{s.saving_per_year:,.0f}",
        )
    console.print(sourcing)


@cost_app.command("sensitivity")
def sensitivity_command(
    network: NetworkArgument,
    item: ItemOpt,
    to_site: ToOpt = None,
    as_of: AsOfOpt = None,
    policy: PolicyOption = None,
    assumptions: AssumptionsOpt = None,
    tariffs: TariffsOpt = None,
    strict_duties: StrictOpt = False,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Tornado data (each factor over its documented range) and break-even values where the ranking flips."""
    from allyshore.cost import sensitivity
    from allyshore.cost.assumptions import load_assumptions
    from allyshore.io import load_network

    book = load_assumptions(assumptions, tariffs=tariffs or ())
    result = sensitivity(
        load_network(network),
        item,
        to_site,
        as_of=as_of,
        policy=policy,
        assumptions=book,
        strict_duties=strict_duties,
    )
    warn_unknown(result.comparison.unknown_duties)
    output(result, lambda: _show_sensitivity(result), as_json=as_json, csv_dir=csv_dir)


def _show_sensitivity(result: Sensitivity) -> None:
    leader = result.comparison.best
    tornado = Table(title=f"Tornado for {leader.label} ({_format_amount(leader.total)} USD/unit)")
    for column in ("factor", "range", "low", "high", "why"):
        tornado.add_column(column, justify="right" if column in ("low", "high") else "left", overflow="fold")
    for s in result.swings:
        tornado.add_row(
            s.factor,
            f"{s.low_label} .. {s.high_label}",
            _format_amount(s.low[leader.label]),
            _format_amount(s.high[leader.label]),
            s.rationale,
        )
    console.print(tornado)
    flips = Table(title="Break-even values (the ranking flips)")
    for column in ("factor", "leader", "challenger", "now", "break-even", "unit"):
        flips.add_column(column)
    for b in result.break_evens:
        value: Any = "no flip" if b.break_even is None else f"{b.break_even:,.4f}"
        flips.add_row(b.factor, b.leader, b.challenger, f"{b.base_value:,.4f}", value, b.unit)
    console.print(flips)


@cost_app.command("defaults")
def defaults_command() -> None:
    """Print every default (parameters, lanes, country paths) with its source, as an assumptions file to edit."""
    from allyshore.cost.assumptions import defaults_toml

    print(defaults_toml(), end="")
