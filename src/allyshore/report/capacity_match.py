"""The capacity match section: for each item of the network, its SCIAN classes and the best Mexican
establishments that could make it (distance by road, size band, score), as a bar chart of the establishments in
range per item and a table of the best candidates.

It draws a ready :class:`~allyshore.capacity.results.CapacityMatch` (``context.capacity_match``, the stored result
of an ``allyshore capacity match`` run of the platform): it runs no analysis.
"""

from __future__ import annotations

from typing import Any

from allyshore.report.charts import Bar, Segment, stacked_bars
from allyshore.report.context import ReportContext
from allyshore.report.formatting import number
from allyshore.report.sections import Figure, Section

#: Candidates listed per item (``--json`` gives the run's ``top``).
CANDIDATE_ROWS = 5
BAR_COLOR = "#59a14f"


def _employees(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return "unknown"
    if high is None:
        return f"{low}+"
    return f"{low}-{high}"


def build(context: ReportContext) -> Section | None:
    match = context.capacity_match
    if match is None:
        return None
    items = match.items
    rows: list[dict[str, Any]] = [
        {
            "item": item.item_id,
            "rank": rank,
            "name": c.name,
            "scian": c.scian,
            "place": f"{c.municipality}, {c.state}",
            "distance_km": c.distance_km,
            "employees": _employees(c.employees_low, c.employees_high),
            "score": c.score,
            "near": c.near_site,
        }
        for item in items
        for rank, c in enumerate(item.candidates[:CANDIDATE_ROWS], start=1)
    ]
    bars = [
        Bar(item.item_id, (Segment("in range", float(item.in_range), BAR_COLOR),), note=f"{item.in_range:,}")
        for item in items
        if item.in_range > 0
    ]
    chart = (
        stacked_bars(
            bars,
            total=None,
            value_format="number",
            chart_id="capacity-match-in-range",
            label="Establishments in range per item",
        )
        if bars
        else None
    )
    matched = sum(1 for item in items if item.candidates)
    html = context.render(
        "capacity_match.html.j2",
        match=match,
        rows=rows,
        chart=chart,
        unmatched=[item for item in items if not item.candidates],
        per_item=CANDIDATE_ROWS,
    )
    return Section(
        id="capacity-match",
        title="Mexican capacity for each item",
        html=html,
        lead=f"Establishments within {number(match.within_km, 0)} km by road that could make each item, best first.",
        figures=(
            Figure("Items with a candidate", f"{matched} of {len(items)}"),
            Figure("Establishments read", f"{match.establishments:,}"),
        ),
        sources=tuple(match.assumptions),
    )
