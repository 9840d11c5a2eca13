"""Commands that write the HTML report: ``report`` for any network, ``demo`` for the embedded sample."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allyshore.cli import app
from allyshore.cli._common import NETWORK_HELP, POLICY_HELP, console, progress, warn_unknown

if TYPE_CHECKING:
    from allyshore.model.network import Network
    from allyshore.report import PlanSettings

DEMO_SAMPLE = "infusion-pump"


StrictOpt = Annotated[
    bool,
    typer.Option("--strict-duties", help="Refuse to write the report if a duty of its landed cost is unknown."),
]


ReportPolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help=POLICY_HELP[:-1] + "; it may hold a plan's [optimize] table too (as `allyshore optimize --policy`), "
        "read with --optimize.",
    ),
]
OptimizeOpt = Annotated[
    bool,
    typer.Option(
        "--optimize",
        help="Add the sourcing plan (allyshore optimize) and its frontier of cost against trusted share; "
        "the plan's options come from an [optimize] table in the --policy file.",
    ),
]
SweepOpt = Annotated[
    str | None,
    typer.Option(
        "--sweep",
        metavar="PARAMETER=START:STOP:COUNT",
        help="The plan's frontier, as `allyshore optimize pareto --sweep` takes it (implies --optimize); default: "
        "the minimum trusted share of each good from today's and the plan's lowest to 100%.",
    ),
]
PointsOpt = Annotated[
    int | None,
    typer.Option(
        "--sweep-points",
        min=0,
        metavar="N",
        help="Points of the default frontier (implies --optimize; default 5; 0: no frontier).",
    ),
]


def plan_settings(optimize: bool, sweep: str | None, points: int | None) -> PlanSettings | None:
    """The sourcing plan the report's options ask for (None: no plan); a bad sweep is refused here."""
    from allyshore.optimize.pareto import parse_sweep
    from allyshore.report import PlanSettings
    from allyshore.report.context import SWEEP_POINTS

    if not (optimize or sweep is not None or points is not None):
        return None
    if sweep is not None:
        parse_sweep(sweep)
    return PlanSettings(sweep=sweep, points=SWEEP_POINTS if points is None else points)


def _write(
    network: Network,
    out: Path,
    policy: Path | None,
    title: str | None,
    strict: bool = False,
    plan: PlanSettings | None = None,
) -> Path:
    from allyshore.report import ReportOptions, analyse_and_write, check_target

    check_target(out)  # before the progress bar starts, so that a refusal prints cleanly
    options = ReportOptions(title=title, policy=policy, strict_duties=strict, plan=plan)
    with progress(f"Writing the report of {network.name}") as update:
        context, index = analyse_and_write(network, out, options, progress=update)
    warn_unknown(context.unknown_duties)  # the same line as `cost network`: the report's landed cost has it
    return index


@app.command()
def report(
    network: Annotated[Path, typer.Argument(metavar="NETWORK", help=NETWORK_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into (replaced whole).")],
    policy: ReportPolicyOpt = None,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    strict_duties: StrictOpt = False,
    optimize: OptimizeOpt = False,
    sweep: SweepOpt = None,
    sweep_points: PointsOpt = None,
) -> None:
    """Write the self-contained HTML report of a network (map, exposure, choke points, data quality; with
    --optimize the sourcing plan)."""
    from allyshore.io import load_network

    plan = plan_settings(optimize, sweep, sweep_points)
    index = _write(load_network(network), out, policy, title, strict_duties, plan)
    console.print(f"Wrote {index}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the demo report into.")] = Path("out"),
    sample: Annotated[str, typer.Option(help="Embedded sample network to report on.")] = DEMO_SAMPLE,
    strict_duties: StrictOpt = False,
    optimize: OptimizeOpt = False,
    sweep: SweepOpt = None,
    sweep_points: PointsOpt = None,
) -> None:
    """Write the report of an embedded sample network and print where it is."""
    import allyshore

    plan = plan_settings(optimize, sweep, sweep_points)
    index = _write(allyshore.load_sample(sample), out, None, None, strict_duties, plan)
    console.print(f"Demo report of the sample network '{sample}': {index.resolve()}", soft_wrap=True)
