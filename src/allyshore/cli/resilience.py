"""Commands for resilience: the TTR/TTS stress test and the Monte Carlo of disruptions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import (
    CsvOption,
    JsonOption,
    NetworkArgument,
    console,
    err_console,
    output,
    progress,
)

if TYPE_CHECKING:
    from allyshore.resilience.results import SimulationResult, StressResult


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


CANDIDATES_HELP = (
    "Also use candidate sources (status candidate) after a qualification lead time and ramp-up, and show both "
    "numbers side by side."
)
QUALIFICATION_HELP = "Weeks before a candidate delivers (default 12; a row's qualification_weeks overrides it)."
RAMP_HELP = "Weeks from a candidate's first output to its full capacity (default 4; ramp_up_weeks overrides it)."


def _terms(with_candidates: bool, qualification: float | None, ramp: float | None) -> Any:
    """The candidate terms asked for (None when candidates are not used)."""
    from allyshore.resilience.candidates import DEFAULT_QUALIFICATION_WEEKS, DEFAULT_RAMP_UP_WEEKS, CandidateTerms

    if not with_candidates:
        if qualification is not None or ramp is not None:
            raise typer.BadParameter("needs --with-candidates", param_hint="--qualification-weeks/--ramp-up-weeks")
        return None
    return CandidateTerms(
        DEFAULT_QUALIFICATION_WEEKS if qualification is None else qualification,
        DEFAULT_RAMP_UP_WEEKS if ramp is None else ramp,
    )


def _tts(value: float | None) -> str:
    return "–" if value is None else "∞" if math.isinf(value) else f"{value:,.2f}"


@app.command()
def stress(
    network_path: NetworkArgument,
    by: Annotated[
        str, typer.Option("--by", help="Sweep every non-customer site (site) or every node (node).")
    ] = "site",
    sites: Annotated[
        list[str] | None, typer.Option("--sites", help="One scenario with these sites down together (A1,A2).")
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option("--country", help="One scenario with every site of a country down (CN), or of several (CN+HK)."),
    ] = None,
    tier: Annotated[
        list[str] | None,
        typer.Option("--tier", help="One scenario with every country of a trust tier down (adversary)."),
    ] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="Trust policy TOML file for --tier (default: the shipped policy).")
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
    stock_in_transit: Annotated[
        bool,
        typer.Option("--stock-in-transit/--no-stock-in-transit", help="Count the goods on the lanes (transit_days)."),
    ] = True,
    with_candidates: Annotated[bool, typer.Option("--with-candidates", help=CANDIDATES_HELP)] = False,
    qualification_weeks: Annotated[
        float | None, typer.Option("--qualification-weeks", min=0, help=QUALIFICATION_HELP)
    ] = None,
    ramp_up_weeks: Annotated[float | None, typer.Option("--ramp-up-weeks", min=0, help=RAMP_HELP)] = None,
    line_stoppers: Annotated[
        bool,
        typer.Option(
            "--line-stoppers/--no-line-stoppers",
            help="Also rank the purchased items by time to survive without them and finished goods stopped.",
        ),
    ] = True,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler (tcp://host:port) or 'synchronous'; default: automatic."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Worker processes of a local cluster.")
    ] = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Stress test: time to survive vs time to recover, lost profit and REI per scenario; line stoppers."""
    from allyshore import catalog
    from allyshore.io import load_network

    if by not in ("site", "node"):
        raise typer.BadParameter("choose site or node", param_hint="--by")
    _terms(with_candidates, qualification_weeks, ramp_up_weeks)  # usage errors before any work
    options = catalog.StressOptions(
        by=by,
        sites=_split(sites),
        country=_split(country),
        crossing=_split(crossing),
        tier=_split(tier),
        ttr_weeks=ttr_weeks,
        inventory_destroyed=inventory_destroyed,
        stock_in_transit=stock_in_transit,
        with_candidates=with_candidates,
        qualification_weeks=qualification_weeks,
        ramp_up_weeks=ramp_up_weeks,
        line_stoppers=line_stoppers,
    )
    network = load_network(network_path)
    with progress("Stress test", enabled=not as_json) as advance:
        result = cast(
            "StressResult",
            catalog.stress(
                network, options, policy=policy, progress=advance, scheduler=scheduler, workers=workers
            ),
        )
    output(result, lambda: _show_stress(result), as_json=as_json, csv_dir=csv_dir)


def _show_stress(result: StressResult) -> None:
    table = Table(title=f"Stress test of {result.network} (REI on {result.rei_basis})")
    columns = ["scenario", "TTR wk", "TTS wk", "lost units", "lost profit", "REI"]
    if result.with_candidates:
        columns += ["TTS wk w/ cand.", "lost profit w/ cand."]
    for column in [*columns, ""]:
        table.add_column(column, justify="left" if column in ("scenario", "") else "right")
    for s in sorted(result.scenarios, key=lambda s: (-s.rei, s.scenario.label)):
        row = [
            s.scenario.label,
            f"{s.ttr_weeks:,.2f}" + ("*" if s.scenario.ttr_source == "assumed" else ""),
            _tts(s.tts_weeks),
            f"{s.lost_units:,.0f}",
            f"{s.lost_profit:,.0f}",
            f"{s.rei:.2f}",
        ]
        if result.with_candidates:
            row += [_tts(s.tts_with_candidates), f"{s.lost_profit_with_candidates or 0.0:,.0f}"]
        flags = ["mitigate"] if s.needs_mitigation else []
        if s.inventory_destroyed_units > 0:
            flags.append("stock destroyed")
        if s.in_transit_held_units > 0:
            flags.append("stock in transit held")
        table.add_row(*row, ", ".join(flags))
    console.print(table)
    if any(s.scenario.ttr_source == "assumed" for s in result.scenarios):
        console.print("* no TTR in the data for these sites: the longest TTR in the network is assumed.")
    for s in result.mitigation[:20]:
        reasons = "; ".join(f"{b.kind}: {b.detail}" for b in s.binding[:4]) or "no binding constraint identified"
        console.print(
            f"[bold]{s.scenario.label}[/bold]: TTS {s.tts_weeks:,.2f} < TTR {s.ttr_weeks:,.2f} weeks — {reasons}"
        )
    if result.line_stoppers:
        stoppers = Table(title="Line stoppers: every current source of a purchased item down (by TTS, then goods)")
        heads = ["item", "TTS wk", "TTR wk", "goods stopped", "finished goods", "sources"]
        if result.with_candidates:
            heads.insert(2, "TTS wk w/ cand.")
        for column in heads:
            stoppers.add_column(column, justify="right" if "wk" in column or column == "goods stopped" else "left")
        for ls in result.line_stoppers[:30]:
            cells = [
                ls.item,
                _tts(ls.tts_weeks),
                f"{ls.ttr_weeks:,.2f}",
                str(len(ls.finished_goods)),
                ", ".join(ls.finished_goods[:5]) + (" ..." if len(ls.finished_goods) > 5 else ""),
                ", ".join(ls.sources[:3]) + (" ..." if len(ls.sources) > 3 else ""),
            ]
            if result.with_candidates:
                cells.insert(2, _tts(ls.tts_with_candidates))
            stoppers.add_row(*cells)
        console.print(stoppers)
        if len(result.line_stoppers) > 30:
            console.print(f"... and {len(result.line_stoppers) - 30} more purchased items (--json lists them all).")
    for warning in result.warnings:
        err_console.print(f"Warning: {warning}", markup=False)


@app.command()
def simulate(
    network_path: NetworkArgument,
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
    stock_in_transit: Annotated[
        bool,
        typer.Option("--stock-in-transit/--no-stock-in-transit", help="Count the goods on the lanes (transit_days)."),
    ] = True,
    with_candidates: Annotated[bool, typer.Option("--with-candidates", help=CANDIDATES_HELP)] = False,
    qualification_weeks: Annotated[
        float | None, typer.Option("--qualification-weeks", min=0, help=QUALIFICATION_HELP)
    ] = None,
    ramp_up_weeks: Annotated[float | None, typer.Option("--ramp-up-weeks", min=0, help=RAMP_HELP)] = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Monte Carlo of site and country disruptions: annual lost profit (mean, P95, CVaR95) and contributions."""
    from allyshore import catalog
    from allyshore.io import load_network

    _terms(with_candidates, qualification_weeks, ramp_up_weeks)  # usage errors before any work
    options = catalog.SimulateOptions(
        runs=runs,
        seed=seed,
        stock_in_transit=stock_in_transit,
        with_candidates=with_candidates,
        qualification_weeks=qualification_weeks,
        ramp_up_weeks=ramp_up_weeks,
    )
    network = load_network(network_path)
    with progress("Simulating", enabled=not as_json) as advance:
        result = cast(
            "SimulationResult",
            catalog.simulate(
                network, options, assumptions=assumptions, progress=advance, scheduler=scheduler, workers=workers
            ),
        )
    output(result, lambda: _show_simulation(result), as_json=as_json, csv_dir=csv_dir)


def _show_simulation(result: SimulationResult) -> None:
    s = result.summary
    console.print(
        f"{result.runs:,} simulated years of {result.network} (seed {result.seed}): annual lost profit "
        f"mean {s['mean']:,.0f} ± {s['mean_standard_error']:,.0f}, P95 {s['p95']:,.0f}, CVaR95 {s['cvar95']:,.0f}; "
        f"P(any loss) {s['probability_of_loss']:.1%}"
    )
    c = result.summary_with_candidates
    if c is not None:
        console.print(
            f"With candidate sources (same draws): mean {c['mean']:,.0f} ± {c['mean_standard_error']:,.0f}, "
            f"P95 {c['p95']:,.0f}, CVaR95 {c['cvar95']:,.0f}; P(any loss) {c['probability_of_loss']:.1%}"
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
