"""Origin over a network: ``allyshore origin network`` decides every finished good of a network, ``allyshore origin
advise`` finds the least-cost re-sourcing that makes one originating.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.table import Table

from allyshore.cli._common import (
    CsvOption,
    DatabaseOption,
    JsonOption,
    NetworkArgument,
    PolicyOption,
    console,
    date_option,
    output,
)
from allyshore.cli.origin import origin_app

if TYPE_CHECKING:
    from allyshore.origin.results import NetworkOrigin, QualificationPlan

RulesDateOption = Annotated[date | None, date_option("--as-of", "Date the rules are read at (default: no date).")]

DESIGNATE_HELP = (
    "In-house sub-assemblies: 'given' (the items' designated_intermediate column; look-through where blank), "
    "'none' (look through every one, SOR/2020-155 s.7(5)(a)), 'all' (designate every one as an intermediate "
    "material, s.8(6)-(8)), 'auto' (per good, the better of look-through and designating those that qualify)."
)


class Designate(StrEnum):
    given = "given"
    none = "none"
    all = "all"
    auto = "auto"


@origin_app.command("network")
def network_origin(
    network: NetworkArgument,
    good: Annotated[str | None, typer.Option("--good", help="Only this finished good (item id).")] = None,
    as_of: RulesDateOption = None,
    designate: Annotated[Designate, typer.Option("--designate", help=DESIGNATE_HELP)] = Designate.given,
    save: Annotated[bool, typer.Option("--save", help="Save each determination as an immutable record.")] = False,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Decide USMCA origin for every finished good of a network: verdict, RVC, margin, deciding materials."""
    from allyshore import catalog
    from allyshore.io import load_network

    options = catalog.OriginOptions(good=good, as_of=as_of, designate=designate.value)
    result = cast("NetworkOrigin", catalog.origin(load_network(network), options))
    if save:
        from allyshore.store import open_store

        with open_store(database_url) as store:
            result = store.save_network_origin(result)
    output(result, lambda: _show_network(result), as_json=as_json, csv_dir=csv_dir)


def _show_network(result: NetworkOrigin) -> None:
    table = Table(title=f"USMCA origin of the finished goods of {result.network}")
    columns = ("good", "plant", "HS", "verdict", "crit.", "RVC %", "threshold", "margin", "designation")
    for column in (*columns, "deciding materials"):
        table.add_column(column, overflow="fold")
    for g in result.goods:
        table.add_row(
            g.item_id,
            g.site_id,
            g.hs,
            g.status.replace("_", " ") + (f" ({g.reason})" if g.reason and not g.originating else ""),
            g.criterion or "",
            "" if g.rvc is None else f"{g.rvc:.1f}",
            "" if g.threshold is None else f"{g.threshold:g}",
            "" if g.margin is None else f"{g.margin:+.1f}",
            _designation_words(
                g.designation.applied if g.designation else "", g.designation.items if g.designation else ()
            ),
            ", ".join(g.deciding_materials),
        )
    console.print(table)
    for g in result.goods:
        if g.designation is not None and (g.alternatives or g.designation.mode == "auto"):
            console.print(f"{g.item_id} @ {g.site_id}: {g.designation.explanation}", markup=False)
        for a in g.alternatives:
            rvc = "" if a.rvc is None else f", RVC {a.rvc:.1f}% (threshold {a.threshold:g}%)"
            section = "SOR/2020-155 s.8(6)-(8)" if a.items else "SOR/2020-155 s.7(5)(a)"
            console.print(
                f"  alternatively, {_designation_words(a.applied, a.items)} ({section}): "
                f"{a.status.replace('_', ' ')}{rvc}",
                markup=False,
            )
    if result.record_ids:
        console.print(f"Saved records {', '.join(str(i) for i in result.record_ids.values())}.", markup=False)


def _designation_words(applied: str, items: tuple[str, ...]) -> str:
    if not applied:
        return ""
    return f"designating {', '.join(items)}" if items else "look-through"


class CostBasis(StrEnum):
    landed = "landed"
    price = "price"


@origin_app.command("advise")
def advise(
    network: NetworkArgument,
    good: Annotated[str, typer.Option("--good", help="The finished good (item id) to qualify.")],
    site: Annotated[str | None, typer.Option("--site", help="The plant making it, when several do.")] = None,
    as_of: RulesDateOption = None,
    designate: Annotated[Designate, typer.Option("--designate", help=DESIGNATE_HELP)] = Designate.given,
    cost_basis: Annotated[
        CostBasis,
        typer.Option(
            "--cost-basis",
            help="'landed' (default): added landed cost of each change, duties and fees included; "
            "'price': price + freight only.",
        ),
    ] = CostBasis.landed,
    assumptions: Annotated[
        Path | None, typer.Option("--assumptions", help="Landed-cost assumptions TOML (see `cost defaults`).")
    ] = None,
    policy: PolicyOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Find the least-cost re-sourcing to candidate sources, at any in-house BOM level, that makes a good
    USMCA-originating (HiGHS MIP); the cost is the added landed cost."""
    from allyshore.advisor import advise_qualification
    from allyshore.io import load_network

    plan = advise_qualification(
        load_network(network),
        good,
        site=site,
        as_of=as_of,
        policy=policy,
        assumptions=assumptions,
        designate=designate.value,
        cost_basis=cost_basis.value,
    )
    output(plan, lambda: _show_plan(plan), as_json=as_json, csv_dir=csv_dir)


def _show_plan(plan: QualificationPlan) -> None:
    console.print(f"{plan.item_id} @ {plan.site_id}: {plan.message}", markup=False)
    if plan.changes:
        table = Table(title="Re-sourcing plan")
        columns = ("input", "at", "within", "from", "to", "country", "units/good", "value before", "after")
        for column in (*columns, "added landed", "originating"):
            table.add_column(column, overflow="fold")
        for c in plan.changes:
            table.add_row(
                c.item_id,
                c.at_site,
                " > ".join(c.within),
                ", ".join(c.from_sources),
                c.to_site,
                c.to_country,
                f"{c.quantity:g}",
                f"{c.value_before:,.2f}",
                f"{c.value_after:,.2f}",
                f"{c.added_cost_per_unit:+,.2f}",
                "yes" if c.originating_after else "no",
            )
        console.print(table)
    if plan.rvc_after is not None:
        before = "n/a" if plan.rvc_before is None else f"{plan.rvc_before:.1f}%"
        method = (plan.method_after or "").replace("_", " ")
        console.print(
            f"RVC ({method}): {before} -> {plan.rvc_after:.1f}% (threshold {plan.threshold_after:g}%)", markup=False
        )
    if plan.changes:
        console.print(
            f"Added cost ({plan.cost_basis}): {plan.added_cost_per_unit:+,.2f} USD per unit, "
            f"{plan.added_cost_per_year:+,.0f} USD per year ({plan.units_per_year:,.0f} units).",
            markup=False,
        )
    if plan.duty_saved_per_unit is not None and plan.duty_saved_per_year is not None:
        console.print(
            f"Duty saved on the finished good once originating: {plan.duty_saved_per_unit:,.2f} USD per unit, "
            f"{plan.duty_saved_per_year:,.0f} USD per year; net {plan.net_cost_per_year:+,.0f} USD per year.",
            markup=False,
        )
    for note in plan.cost_notes:
        console.print(f"Note: {note}", markup=False)
