"""The data-quality section: validation warnings of the network and the findings of the analyses.

Each finding is located (file or table, row, column) and carries a hint, as
:class:`allyshore.errors.Problem` does everywhere in allyshore.
"""

from __future__ import annotations

from typing import Any

from allyshore.errors import AllyshoreError, Problem
from allyshore.report.context import ReportContext, ready
from allyshore.report.sections import Figure, Section

_ORDER = {"error": 0, "warning": 1, "info": 2}

#: Optional columns the analyses read, with what a blank means for them.
COMPLETENESS: tuple[tuple[str, str, str], ...] = (
    ("sites", "lat", "map: the site is drawn at its country's label point"),
    ("sites", "lon", "map: the site is drawn at its country's label point"),
    ("sites", "ttr_weeks", "stress test: no time to recover unless the supply row gives one"),
    ("items", "hs_code", "USMCA origin and duties: the item cannot be classified"),
    ("items", "weight_kg", "landed cost: freight by weight falls back to defaults"),
    ("supply", "unit_price", "exposure and landed cost: the item's unit_cost is used, else no value"),
    ("supply", "capacity_per_week", "stress test: blank means unlimited capacity"),
    ("supply", "inventory", "stress test: blank means no stock on hand"),
    ("flows", "mode", "landed cost: the lane's mode is guessed from geography"),
    ("flows", "transit_days", "landed cost and inventory in transit: lane defaults are used"),
    ("flows", "share", "exposure: blank means an equal split among active flows"),
)


def network_problems(context: ReportContext) -> list[Problem]:
    """Validation problems of the network (a loaded network has no errors; warnings remain)."""
    return list(ready(context.validation))


def analysis_findings(context: ReportContext) -> list[Problem]:
    """Findings the exposure map reports about the data it rolled up (missing prices, clipped margins, ...)."""
    return [f for f in ready(context.exposure).findings if isinstance(f, Problem)]


#: Items named in one grouped finding before "and N more".
_NAMED = 8


def duty_findings(context: ReportContext) -> list[Problem]:
    """The duties the landed-cost analysis could not determine (counted as 0 there): one finding per item, or
    one per (layer, importer, reason) for the duties that share a reason (79 inputs into Mexico with no TIGIE
    make one finding, not 79)."""
    if context.cost is None:
        return []  # no flows or no demand: nothing is costed
    if isinstance(context.cost, AllyshoreError):
        return []  # the cost section says why it could not be computed
    rows = {item: i + 2 for i, item in enumerate(context.network.items.get_column("item_id").to_list())}
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for unknown in context.cost.network.unknown_duties:
        groups.setdefault((unknown.layer, unknown.importer, unknown.reason), []).append(unknown)
    out = []
    for (layer, importer, reason), members in groups.items():
        first = members[0]
        items = list(dict.fromkeys(u.item_id for u in members))
        flows = sum(u.flows for u in members)
        if len(items) == 1:
            hs = f"HTS {first.hs_dotted}" if first.hs_code else "no HS code"
            what = f"item {first.item_id} ({hs}) from {', '.join(dict.fromkeys(u.origin for u in members))}"
        else:
            named = ", ".join(items[:_NAMED]) + (f" and {len(items) - _NAMED} more" if len(items) > _NAMED else "")
            what = f"{len(items)} items ({named})"
        out.append(
            Problem(
                table="items",
                row=rows.get(first.item_id),
                column="hs_code",
                message=f"{layer} duty unknown for {what} into {importer}, counted as 0 in the landed cost "
                f"({len(members)} duty(ies), {flows} flow(s))",
                hint=reason,
                severity="warning",
            )
        )
    return out


def unknown_count(context: ReportContext) -> int:
    """How many duties of the landed cost are unknown."""
    if context.cost is None or isinstance(context.cost, AllyshoreError):
        return 0
    return len(context.cost.network.unknown_duties)


def completeness(context: ReportContext) -> list[dict[str, Any]]:
    """How many rows fill each optional column the analyses read."""
    out = []
    for table, column, meaning in COMPLETENESS:
        frame = context.network.tables[table]
        if column not in frame.columns or frame.height == 0:
            continue
        filled = frame.height - frame.get_column(column).null_count()
        out.append(
            {"table": table, "column": column, "filled": filled, "rows": frame.height,
             "share": filled / frame.height, "meaning": meaning}
        )  # fmt: skip
    return out


def build(context: ReportContext) -> Section:
    rows: list[dict[str, Any]] = []
    checks = (
        ("validation", network_problems(context)),
        ("exposure", analysis_findings(context)),
        ("landed cost: unknown duties", duty_findings(context)),
    )
    for origin, problems in checks:
        for problem in problems:
            rows.append({"origin": origin, "problem": problem})
    rows.sort(key=lambda r: (_ORDER.get(r["problem"].severity, 3), r["origin"]))
    warnings = sum(1 for r in rows if r["problem"].severity in ("error", "warning"))
    figures = (
        Figure("Findings", str(len(rows)), tone="warn" if warnings else "good"),
        Figure("From validation", str(sum(1 for r in rows if r["origin"] == "validation"))),
        Figure("From the exposure roll-up", str(sum(1 for r in rows if r["origin"] == "exposure"))),
        Figure(
            "Unknown duties",
            str(unknown_count(context)),
            note="counted as 0 in the landed cost",
        ),
    )
    return Section(
        id="quality",
        title="Data quality",
        lead="What the checks found in the network data: each finding names the table, row and column "
        "and how to fix it. Figures above rest on the data as given; a duty the tariff tables cannot give "
        "is listed here and counted as 0 in the landed cost.",
        html=context.render("quality.html.j2", rows=rows, completeness=completeness(context)),
        figures=figures,
    )
