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


def duty_findings(context: ReportContext) -> list[Problem]:
    """The duties the landed-cost analysis could not determine (counted as 0 there), one finding each."""
    if context.cost is None:
        return []  # no flows or no demand: nothing is costed
    if isinstance(context.cost, AllyshoreError):
        return []  # the cost section says why it could not be computed
    rows = {item: i + 2 for i, item in enumerate(context.network.items.get_column("item_id").to_list())}
    out = []
    for unknown in context.cost.network.unknown_duties:
        hs = f"HTS {unknown.hs_dotted}" if unknown.hs_code else "no HS code"
        out.append(
            Problem(
                table="items",
                row=rows.get(unknown.item_id),
                column="hs_code",
                message=f"{unknown.layer} duty unknown for item {unknown.item_id} ({hs}) from {unknown.origin} "
                f"into {unknown.importer}, counted as 0 in the landed cost ({unknown.flows} flow(s))",
                hint=unknown.reason,
                severity="warning",
            )
        )
    return out


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
            str(sum(1 for r in rows if r["origin"].startswith("landed cost"))),
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
