"""``allyshore capacity match``: the Mexican establishments that could make each part, near the plant it feeds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from allyshore.cli._common import CsvOption, JsonOption, NetworkArgument, console, output
from allyshore.cli.capacity import DataDirOption, capacity_app

if TYPE_CHECKING:
    from allyshore.capacity.results import CapacityMatch


@capacity_app.command("match")
def match(
    network_path: NetworkArgument,
    within_km: Annotated[
        float, typer.Option("--within-km", help="Road distance (km, approximated) from the receiving plant.")
    ] = 300.0,
    near: Annotated[
        str | None, typer.Option("--near", metavar="SITE_ID", help="Measure from this site for every item.")
    ] = None,
    min_employees: Annotated[
        int | None,
        typer.Option(
            "--min-employees",
            min=0,
            help="Keep establishments whose DENUE band starts at this many persons or more (51: bands 51-100 and up).",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Establishments listed per item.")] = 10,
    data_dir: DataDirOption = None,
    write_candidates: Annotated[
        Path | None,
        typer.Option(
            "--write-candidates",
            metavar="OUT",
            help="Write a copy of the network with the listed establishments as candidate sources "
            "(format by OUT's suffix: .json, .xlsx, else a CSV folder).",
        ),
    ] = None,
    price_factor: Annotated[
        float,
        typer.Option(
            "--mexico-price-factor",
            min=0.0,
            help="With --write-candidates: a candidate's unit price = the current source's x this factor.",
        ),
    ] = 1.0,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Rank the establishments of the SCIAN classes of each item's HS code near its receiving plant."""
    from allyshore import catalog
    from allyshore.io import load_network

    network = load_network(network_path)
    options = catalog.CapacityMatchOptions(within_km=within_km, near=near, min_employees=min_employees, top=top)
    result = cast("CapacityMatch", catalog.capacity_match(network, options, data_dir=data_dir))
    if write_candidates is not None:
        from allyshore.capacity.candidates import with_candidates
        from allyshore.io import write_network

        written = with_candidates(network, result, price_factor=price_factor)
        write_network(written.network, write_candidates)
        from allyshore.cli._common import err_console

        err_console.print(
            f"Wrote {write_candidates}: {written.sites} candidate site(s), {written.supply} supply and "
            f"{written.flows} flow row(s). Assumption: {written.assumption}",
            markup=False,
            soft_wrap=True,
        )
    output(result, lambda: _show(result), as_json=as_json, csv_dir=csv_dir)


def _show(result: CapacityMatch) -> None:
    from allyshore.capacity.schema import BANDS

    console.print(
        f"{result.network}: {result.establishments:,} establishments of the items' classes; within "
        f"{result.within_km:g} km by road (great circle x {result.road_circuity:g}), top {result.top} per item",
        markup=False,
    )
    for item in result.items:
        classes = ", ".join(f"{c.scian} {c.weight:.0%}" for c in item.classes) or "none"
        title = (
            f"{item.item_id} (HS {item.hs_code or '-'}): classes {classes}; to {', '.join(item.receiving_sites) or '-'}"
        )
        if not item.candidates:
            console.print(f"{title}: no candidates. {item.note}", markup=False)
            continue
        table = Table(title=title, title_justify="left")
        for column in (
            "establishment",
            "SCIAN",
            "state",
            "municipality",
            "km",
            "persons",
            "park",
            "score",
            "parts c/s/d/p",
        ):
            table.add_column(column, overflow="fold")
        for c in item.candidates:
            # the open band "251 y más": DENUE gives no upper bound (employees_high is the import's calibration)
            open_band = c.employees_high is None or c.band == max(BANDS)
            persons = f"{c.employees_low}+" if open_band else f"{c.employees_low}-{c.employees_high}"
            parts = "/".join(f"{c.score_parts[k]:.2f}" for k in ("concordance", "size", "distance", "park"))
            table.add_row(
                f"{c.name} ({c.establishment_id})",
                c.scian,
                c.state,
                c.municipality,
                f"{c.distance_km:,.0f}",
                persons,
                "yes" if c.in_industrial_park else "",
                f"{c.score:.3f}",
                parts,
            )
        console.print(table)
        if item.note:
            console.print(f"  note: {item.note}", markup=False)
