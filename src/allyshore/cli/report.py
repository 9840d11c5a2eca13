"""Commands that write the HTML report: ``report`` for any network, ``demo`` for the embedded sample."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allyshore.cli import app
from allyshore.cli._common import NETWORK_HELP, PolicyOption, console, progress, warn_unknown

if TYPE_CHECKING:
    from allyshore.model.network import Network

DEMO_SAMPLE = "infusion-pump"


StrictOpt = Annotated[
    bool,
    typer.Option("--strict-duties", help="Refuse to write the report if a duty of its landed cost is unknown."),
]


def _write(network: Network, out: Path, policy: Path | None, title: str | None, strict: bool = False) -> Path:
    from allyshore.report import ReportOptions, analyse_and_write, check_target

    check_target(out)  # before the progress bar starts, so that a refusal prints cleanly
    options = ReportOptions(title=title, policy=policy, strict_duties=strict)
    with progress(f"Writing the report of {network.name}") as update:
        context, index = analyse_and_write(network, out, options, progress=update)
    warn_unknown(context.unknown_duties)  # the same line as `cost network`: the report's landed cost has it
    return index


@app.command()
def report(
    network: Annotated[Path, typer.Argument(metavar="NETWORK", help=NETWORK_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into (replaced whole).")],
    policy: PolicyOption = None,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    strict_duties: StrictOpt = False,
) -> None:
    """Write the self-contained HTML report of a network (map, exposure, choke points, data quality)."""
    from allyshore.io import load_network

    index = _write(load_network(network), out, policy, title, strict_duties)
    console.print(f"Wrote {index}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the demo report into.")] = Path("out"),
    sample: Annotated[str, typer.Option(help="Embedded sample network to report on.")] = DEMO_SAMPLE,
    strict_duties: StrictOpt = False,
) -> None:
    """Write the report of an embedded sample network and print where it is."""
    import allyshore

    index = _write(allyshore.load_sample(sample), out, None, None, strict_duties)
    console.print(f"Demo report of the sample network '{sample}': {index.resolve()}", soft_wrap=True)
