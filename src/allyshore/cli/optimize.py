"""``allyshore optimize``: the sourcing plan (``allyshore optimize NETWORK``) and its frontier (``... pareto``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.table import Table
from typer.core import TyperGroup

from allyshore.cli import app
from allyshore.cli._common import CsvOption, JsonOption, NetworkArgument, console, date_option, output

if TYPE_CHECKING:
    from allyshore.optimize.results import OptimizeResult, ParetoResult


class _PlanGroup(TyperGroup):
    """The ``optimize`` group: a first word that is not one of its commands runs ``plan``, so that
    ``allyshore optimize NETWORK`` and ``allyshore optimize pareto NETWORK`` both work."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["plan", *args]
        result: list[str] = super().parse_args(ctx, args)
        return result


optimize_app = typer.Typer(
    cls=_PlanGroup,
    help="The ally-shoring plan: which sources, in what shares, balance landed cost, trust, USMCA origin and "
    "resilience. `allyshore optimize NETWORK` is `allyshore optimize plan NETWORK`.",
    no_args_is_help=True,
)
app.add_typer(optimize_app, name="optimize")

AsOfOpt = Annotated[
    date | None, date_option("--as-of", "Price tariffs and fees, and read the rules, on this date (default today).")
]
PlanPolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="A TOML file: a trust policy, a plan with an [optimize] table of these options, or both "
        "(options given here override the file's).",
    ),
]
AssumptionsOpt = Annotated[Path | None, typer.Option("--assumptions", help="A TOML landed-cost assumptions file.")]
TrustedOpt = Annotated[
    float | None, typer.Option("--min-trusted-share", help="Minimum share of each good's value from trusted tiers.")
]
LevelOpt = Annotated[
    str | None, typer.Option("--trusted-level", help="Tiers at or above this one are trusted (default ally).")
]
ScopeOpt = Annotated[
    str | None,
    typer.Option("--trusted-scope", help="goods (each good's value, default), total (all goods' value) or both."),
]
CountryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--max-country-share",
        metavar="CC=SHARE",
        help="Cap a country's share of each good's value, e.g. CN=0.10 (repeatable).",
    ),
]
NoAdversaryOpt = Annotated[bool, typer.Option("--no-adversary", help="No flow from an adversary-tier country.")]
NoAdversaryItemOpt = Annotated[
    list[str] | None,
    typer.Option("--no-adversary-item", metavar="ITEM", help="No flow of ITEM from an adversary country (repeatable)."),
]
MinSourcesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--min-sources",
        metavar="N|ITEM=N",
        help="At least N sources used per item and site (a bare N: "
        "where an item has N possible sources; ITEM=N: that item everywhere). Repeatable.",
    ),
]
MaxShareOpt = Annotated[
    float | None, typer.Option("--max-source-share", help="No source carries more than this share of an item.")
]
MinShareOpt = Annotated[
    float | None, typer.Option("--min-share-when-used", help="A source used carries at least this share.")
]
QualOpt = Annotated[
    float | None,
    typer.Option("--qualification-cost", help="USD to qualify a candidate source (annualised over the projection)."),
]
ChangesOpt = Annotated[int | None, typer.Option("--max-changes", help="At most K source shares change.")]
RiskOpt = Annotated[float | None, typer.Option("--risk-weight", help="Weight of the priced disruption risk.")]
KeepOpt = Annotated[
    bool | None,
    typer.Option(
        "--keep-originating/--no-keep-originating",
        help="Keep every good originating today USMCA-originating (default: when the origin data allows).",
    ),
]
RequireOpt = Annotated[
    list[str] | None,
    typer.Option("--require-originating", metavar="ITEM", help="A good that must become originating (repeatable)."),
]
ResilienceOpt = Annotated[
    bool, typer.Option("--resilience", help="Time-to-survive >= time-to-recover at every site after the plan.")
]
ResilienceSiteOpt = Annotated[
    list[str] | None,
    typer.Option("--resilience-site", metavar="SITE", help="... at this site only (repeatable)."),
]
UnknownOpt = Annotated[
    bool,
    typer.Option(
        "--allow-unknown-costs",
        help="Cost candidates whose duty or price is unknown at their known part (default: only when forced).",
    ),
]
CapacityOpt = Annotated[
    bool,
    typer.Option(
        "--require-capacity",
        help="Leave out candidate sources with no capacity_per_week on the supply row or the site (default: taken "
        "as unlimited, as the network format reads a blank, and listed in unknown_capacity).",
    ),
]
GapOpt = Annotated[float | None, typer.Option("--mip-gap", help="Relative MIP gap to stop at (default 0.005).")]
TimeOpt = Annotated[float | None, typer.Option("--time-limit", help="Stop after this many seconds.")]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", metavar="DIR", help="Write the optimised network (format v1, CSV files) to DIR."),
]
SweepOpt = Annotated[
    str,
    typer.Option(
        "--sweep",
        help="PARAMETER=START:STOP:COUNT: min-trusted-share=0.5:1.0:6, max-country-share=CN:0.3:0:4, "
        "risk-weight=0:2:5.",
    ),
]


@optimize_app.command("plan")
def plan_command(
    network: NetworkArgument,
    as_of: AsOfOpt = None,
    policy: PlanPolicyOpt = None,
    assumptions: AssumptionsOpt = None,
    min_trusted_share: TrustedOpt = None,
    trusted_level: LevelOpt = None,
    trusted_scope: ScopeOpt = None,
    max_country_share: CountryOpt = None,
    no_adversary: NoAdversaryOpt = False,
    no_adversary_item: NoAdversaryItemOpt = None,
    min_sources: MinSourcesOpt = None,
    max_source_share: MaxShareOpt = None,
    min_share_when_used: MinShareOpt = None,
    qualification_cost: QualOpt = None,
    max_changes: ChangesOpt = None,
    risk_weight: RiskOpt = None,
    keep_originating: KeepOpt = None,
    require_originating: RequireOpt = None,
    resilience: ResilienceOpt = False,
    resilience_site: ResilienceSiteOpt = None,
    allow_unknown_costs: UnknownOpt = False,
    require_capacity: CapacityOpt = False,
    mip_gap: GapOpt = None,
    time_limit: TimeOpt = None,
    out: OutOpt = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """The sourcing plan that minimises landed cost under the constraints given: shares, changes, binding
    constraints, exposure before and after."""
    from allyshore import catalog
    from allyshore.io import load_network

    options = catalog.OptimizeOptions(
        as_of=as_of,
        min_trusted_share=min_trusted_share,
        trusted_level=trusted_level,
        trusted_scope=trusted_scope,
        max_country_share=max_country_share or [],
        no_adversary=no_adversary,
        no_adversary_item=no_adversary_item or [],
        min_sources=min_sources or [],
        max_source_share=max_source_share,
        min_share_when_used=min_share_when_used,
        qualification_cost=qualification_cost,
        max_changes=max_changes,
        risk_weight=risk_weight,
        keep_originating=keep_originating,
        require_originating=require_originating or [],
        resilience=resilience,
        resilience_site=resilience_site or [],
        allow_unknown_costs=allow_unknown_costs,
        require_capacity=require_capacity,
        mip_gap=mip_gap,
        time_limit=time_limit,
    )
    result = cast(
        "OptimizeResult", catalog.optimize(load_network(network), options, policy=policy, assumptions=assumptions)
    )
    if out is not None and result.network is not None:
        result.write_network(out)
    output(result, lambda: _show_plan(result, out), as_json=as_json, csv_dir=csv_dir)


def _show_plan(result: OptimizeResult, out: Path | None) -> None:
    lines = result.describe()
    console.print(lines[0], markup=False)
    if result.status == "infeasible":
        for line in lines[1:]:
            console.print(line, markup=False)
        return
    for line in lines[1:3]:
        console.print(line, markup=False)
    moved = {(c["item_id"], c["to_site"]) for c in result.changes}
    grid = Table(title="Plan: share of each item's need into each site, where it changes")
    for column in ("item", "into", "source", "country", "share", "before"):
        grid.add_column(column, justify="right" if column == "share" else "left")
    for p in result.plan:
        if (p["item_id"], p["to_site"]) not in moved:
            continue
        for s in p["sources"]:
            grid.add_row(
                p["item_id"], p["to_site"], s["site_id"], s["country"], f"{s['share']:.1%}", s["status_before"]
            )
    if moved:
        console.print(grid)
    kept = len(result.plan) - len(moved)
    console.print(f"{kept} other (item, site) pair(s) keep today's sources and shares (--json lists every one).")
    if result.changes:
        changes = Table(title=f"{len(result.changes)} change(s)")
        for column in ("item", "into", "source", "share before", "share after"):
            changes.add_column(column, justify="right" if "share" in column else "left")
        for c in result.changes:
            changes.add_row(
                c["item_id"], c["to_site"], c["site_id"], f"{c['share_before']:.1%}", f"{c['share_after']:.1%}"
            )
        console.print(changes)
    else:
        console.print("No change: today's sourcing is already the best plan under these constraints.")
    for line in lines[3:]:
        console.print(line, markup=False)
    if result.unknown_costs:
        console.print(
            f"Warning: {len(result.unknown_costs)} flow(s) with an unknown duty or price (see unknown_costs in --json).",
            markup=False,
        )
    used = [u for u in result.unknown_capacity if u["share"]]
    if used:
        console.print(
            f"Warning: {len(used)} candidate source(s) with no capacity carry a share of the plan, taken as "
            "unlimited (see unknown_capacity in --json; --require-capacity leaves them out).",
            markup=False,
        )
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)
    if out is not None:
        console.print(f"Wrote the optimised network to {out}", markup=False)


@optimize_app.command("pareto")
def pareto_command(
    network: NetworkArgument,
    sweep: SweepOpt,
    as_of: AsOfOpt = None,
    policy: PlanPolicyOpt = None,
    assumptions: AssumptionsOpt = None,
    min_trusted_share: TrustedOpt = None,
    trusted_level: LevelOpt = None,
    trusted_scope: ScopeOpt = None,
    max_country_share: CountryOpt = None,
    no_adversary: NoAdversaryOpt = False,
    min_sources: MinSourcesOpt = None,
    max_source_share: MaxShareOpt = None,
    qualification_cost: QualOpt = None,
    risk_weight: RiskOpt = None,
    allow_unknown_costs: UnknownOpt = False,
    require_capacity: CapacityOpt = False,
    mip_gap: GapOpt = None,
    time_limit: TimeOpt = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """The frontier: one optimal plan per value of the swept parameter (warm-started)."""
    from allyshore import catalog
    from allyshore.io import load_network
    from allyshore.optimize import pareto

    values = catalog.optimize_values(
        catalog.OptimizeOptions(
            min_trusted_share=min_trusted_share,
            trusted_level=trusted_level,
            trusted_scope=trusted_scope,
            max_country_share=max_country_share or [],
            no_adversary=no_adversary,
            min_sources=min_sources or [],
            max_source_share=max_source_share,
            qualification_cost=qualification_cost,
            risk_weight=risk_weight,
            allow_unknown_costs=allow_unknown_costs,
            require_capacity=require_capacity,
            mip_gap=mip_gap,
            time_limit=time_limit,
        )
    )
    result = pareto(load_network(network), sweep=sweep, as_of=as_of, policy=policy, assumptions=assumptions, **values)
    output(result, lambda: _show_pareto(result), as_json=as_json, csv_dir=csv_dir)


def _show_pareto(result: ParetoResult) -> None:
    grid = Table(title=f"Frontier over {result.parameter} (as of {result.as_of})")
    for column in ("value", "status", "total USD/yr", "landed USD/yr", "trusted share", "adversary share"):
        grid.add_column(column, justify="left" if column in ("value", "status") else "right")
    for p in result.frontier:
        o, a = p["objective"], p["after"]
        ok = p["status"] != "infeasible"
        grid.add_row(
            str(p["value"]),
            p["status"],
            f"{o['total_per_year']:,.0f}" if ok else "-",
            f"{o['landed_cost_per_year']:,.0f}" if ok else "-",
            f"{a['trusted_share']:.1%}" if ok else "-",
            f"{a['adversary_share']:.1%}" if ok else "-",
        )
    console.print(grid)
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)
