"""``allyshore exposure``: where the value of each finished good originates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from allyshore.cli import app
from allyshore.cli._common import CsvOption, JsonOption, NetworkArgument, PolicyOption, console, output

if TYPE_CHECKING:
    from allyshore.exposure import ExposureResult


def _shares(shares: dict[str, float] | object, limit: int = 6) -> str:
    items = list(shares.items()) if isinstance(shares, dict) else []
    text = ", ".join(f"{k} {v:.1%}" if v >= 0.0005 else f"{k} <0.1%" for k, v in items[:limit])
    return text + (f", +{len(items) - limit} more" if len(items) > limit else "")


@app.command()
def exposure(
    network_path: NetworkArgument,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
    policy: PolicyOption = None,
    choke_points: Annotated[
        int, typer.Option("--choke-points", min=0, help="How many choke-point sites to list.")
    ] = 25,
) -> None:
    """Map each finished good's value by country, trust tier and border crossing; list choke points."""
    from allyshore import catalog
    from allyshore.io import load_network

    options = catalog.ExposureOptions(choke_points=choke_points)
    result = cast("ExposureResult", catalog.exposure(load_network(network_path), options, policy=policy))
    output(result, lambda: _show(result), as_json=as_json, csv_dir=csv_dir)


def _show(result: ExposureResult) -> None:
    goods = Table(title=f"Exposure of {result.network}: value per unit of each finished good")
    for column in ("good", "units/week", "unit value USD", "by country", "by tier", "by crossing", "HHI", "depth"):
        goods.add_column(column, overflow="fold")
    for g in result.goods:
        goods.add_row(
            g.item_id,
            f"{g.units_per_week:,.0f}",
            f"{g.unit_value:,.2f}",
            _shares(dict(g.by_country)),
            _shares(dict(g.by_tier)),
            _shares(dict(g.by_crossing)),
            f"{g.hhi:.3f}",
            str(g.tier_depth),
        )
    console.print(goods)
    risky = Table(title="Single-source purchased items and untrusted-only items")
    for column in ("good", "single-source purchased items", "only adversary / non-aligned sources"):
        risky.add_column(column, overflow="fold")
    for g in result.goods:
        risky.add_row(g.item_id, ", ".join(g.single_source_items), ", ".join(g.untrusted_only_items))
    console.print(risky)
    console.print(
        f"{len(result.single_source_items)} single-source purchased item(s) (finished goods and in-house "
        f"sub-assemblies excluded); {len(result.untrusted_only_items)} item(s) with only untrusted sources."
    )
    chokes = Table(title="Choke points")
    for column in ("site", "country", "tier", "goods fed", "sole origin of", "value/week USD", "share of value"):
        chokes.add_column(column, overflow="fold")
    for c in result.choke_points:
        chokes.add_row(
            c.site_id,
            c.country,
            c.tier,
            str(c.goods),
            f"{c.sole_origin_items} item(s)",
            f"{c.value_per_week:,.2f}",
            f"{c.share_of_value:.1%}",
        )
    console.print(chokes)
    if result.findings:
        console.print(f"{len(result.findings)} data-quality finding(s):")
        for problem in result.findings[:20]:
            console.print(f"  - {problem}", markup=False)
        if len(result.findings) > 20:
            console.print("  (use --json or --csv for the full list)")
