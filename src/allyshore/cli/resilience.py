"""Commands for resilience: the TTR/TTS stress test and the Monte Carlo of disruptions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import JSON_HELP, console, emit_json, err_console, load, progress

NETWORK_HELP = "Network (CSV folder, .xlsx, .json) or a sample name."


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


@app.command()
def stress(
    network_path: Annotated[Path, typer.Argument(metavar="NETWORK", help=NETWORK_HELP)],
    by: Annotated[
        str, typer.Option("--by", help="Sweep every non-customer site (site) or every node (node).")
    ] = "site",
    sites: Annotated[
        list[str] | None, typer.Option("--sites", help="One scenario with these sites down together (A1,A2).")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="One scenario with every site of a country down (CN).")
    ] = None,
    crossing: Annotated[
        list[str] | None, typer.Option("--crossing", help="One scenario with every flow through a crossing cut.")
    ] = None,
    ttr_weeks: Annotated[
        float | None, typer.Option("--ttr-weeks", help="Time to recover for every scenario, weeks.")
    ] = None,
    inventory_destroyed: Annotated[
        bool, typer.Option("--inventory-destroyed", help="Disrupted sites lose their inventory too.")
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler (tcp://host:port) or 'synchronous'; default: automatic."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Worker processes of a local cluster.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Stress test: time to survive vs time to recover, lost profit and REI per scenario."""
    from allyshore.model.graph import compile_network
    from allyshore.resilience.stress import build_scenarios, stress_test

    if by not in ("site", "node"):
        raise typer.BadParameter("choose site or node", param_hint="--by")
    network = load(network_path)
    site_list, countries, crossings = _split(sites), _split(country), _split(crossing)
    total = len(
        build_scenarios(compile_network(network), by=by, sites=site_list, country=countries, crossing=crossings)  # type: ignore[arg-type]
    )
    with progress("Stress test", total, enabled=not as_json) as advance:
        result = stress_test(
            network,
            by=by,  # type: ignore[arg-type]
            sites=site_list,
            country=countries,
            crossing=crossings,
            ttr_weeks=ttr_weeks,
            inventory_destroyed=inventory_destroyed,
            progress=advance,
            scheduler=scheduler,
            workers=workers,
        )
    if as_json:
        emit_json(result.to_dict())
        return
    table = Table(title=f"Stress test of {result.network} (REI on {result.rei_basis})")
    for column in ("scenario", "TTR wk", "TTS wk", "lost units", "lost profit", "REI", ""):
        table.add_column(column, justify="left" if column in ("scenario", "") else "right")
    for s in sorted(result.scenarios, key=lambda s: (-s.rei, s.scenario.label)):
        tts = "∞" if math.isinf(s.tts_weeks) else f"{s.tts_weeks:,.2f}"
        table.add_row(
            s.scenario.label,
            f"{s.ttr_weeks:,.2f}" + ("*" if s.scenario.ttr_source == "assumed" else ""),
            tts,
            f"{s.lost_units:,.0f}",
            f"{s.lost_profit:,.0f}",
            f"{s.rei:.2f}",
            "mitigate" if s.needs_mitigation else "",
        )
    console.print(table)
    if any(s.scenario.ttr_source == "assumed" for s in result.scenarios):
        console.print("* no TTR in the data for these sites: the longest TTR in the network is assumed.")
    for s in result.mitigation[:20]:
        reasons = "; ".join(f"{b.kind}: {b.detail}" for b in s.binding[:4]) or "no binding constraint identified"
        console.print(
            f"[bold]{s.scenario.label}[/bold]: TTS {s.tts_weeks:,.2f} < TTR {s.ttr_weeks:,.2f} weeks — {reasons}"
        )
    for warning in result.warnings:
        err_console.print(f"Warning: {warning}", markup=False)


@app.command()
def simulate(
    network_path: Annotated[Path, typer.Argument(metavar="NETWORK", help=NETWORK_HELP)],
    runs: Annotated[int, typer.Option("--runs", min=1, help="Number of simulated years.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same result.")] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://host:port); default a local cluster."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Worker processes of the local cluster.")
    ] = None,
    assumptions: Annotated[
        Path | None, typer.Option("--assumptions", help="TOML file overriding disruption frequencies and durations.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Monte Carlo of site and country disruptions: annual lost profit (mean, P95, CVaR95) and contributions."""
    from allyshore.resilience.montecarlo import simulate as run

    network = load(network_path)
    with progress("Simulating", None, enabled=not as_json):
        result = run(network, runs=runs, seed=seed, scheduler=scheduler, workers=workers, assumptions=assumptions)
    if as_json:
        emit_json(result.to_dict())
        return
    s = result.summary
    console.print(
        f"{result.runs:,} simulated years of {result.network} (seed {result.seed}): annual lost profit "
        f"mean {s['mean']:,.0f} ± {s['mean_standard_error']:,.0f}, P95 {s['p95']:,.0f}, CVaR95 {s['cvar95']:,.0f}; "
        f"P(any loss) {s['probability_of_loss']:.1%}"
    )
    table = Table(title="Contribution to expected annual lost profit")
    for column in ("source", "kind", "country", "events/year", "expected loss", "share"):
        table.add_column(column, justify="left" if column in ("source", "kind", "country") else "right")
    for row in result.contributions[:25]:
        table.add_row(
            row.source,
            row.kind,
            row.country,
            f"{row.events_per_year:.3f}",
            f"{row.expected_loss:,.0f}",
            f"{row.share:.1%}",
        )
    console.print(table)
    for note in result.notes:
        err_console.print(f"Note: {note}", markup=False)
