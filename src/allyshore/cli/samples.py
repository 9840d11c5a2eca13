"""Commands on example networks: ``samples`` lists the embedded ones, ``generate`` writes a random one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import CsvOption, JsonOption, console, output

if TYPE_CHECKING:
    from allyshore.samples import SampleInfo


@app.command()
def samples(as_json: JsonOption = False, csv_dir: CsvOption = None) -> None:
    """List the embedded sample networks with a description and their sizes."""
    from allyshore.samples import sample_list

    listing = sample_list()
    output(listing, lambda: _show(listing.samples), as_json=as_json, csv_dir=csv_dir)


def _show(infos: tuple[SampleInfo, ...]) -> None:
    table = Table(title="Embedded sample networks (illustrative)")
    for column in ("name", "description", "sites", "items", "bom", "supply", "flows", "depth"):
        table.add_column(column, overflow="fold")
    for info in infos:
        c = info.counts
        table.add_row(
            info.name,
            info.description,
            *(str(c[k]) for k in ("sites", "items", "bom", "supply", "flows")),
            str(info.tiers),
        )
    console.print(table)


@app.command()
def generate(
    out: Annotated[
        Path, typer.Argument(help="Where to write it; the format follows the suffix (.json, .xlsx, else a CSV folder).")
    ],
    items: Annotated[int, typer.Option(help="Items over all tiers.")] = 200,
    tiers: Annotated[int, typer.Option(help="BOM tiers, finished goods to raw materials (2-8).")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same network.")] = 0,
    edges: Annotated[
        int | None, typer.Option(help="Target BOM + flow rows instead of --items (about; e.g. 1000000).")
    ] = None,
) -> None:
    """Write a random but realistic multi-tier network (valid, countries by real trade weights)."""
    from allyshore.generate import generate_network
    from allyshore.io import write_network

    network = generate_network(items=None if edges else items, tiers=tiers, seed=seed, edges=edges)
    write_network(network, out)
    counts = ", ".join(f"{k} {v}" for k, v in network.summary().items())
    console.print(f"Wrote {out} ({counts})")
