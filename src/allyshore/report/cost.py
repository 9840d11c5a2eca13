"""The landed-cost section of the report: breakdown bars per option, tornado, 5-year projection, break-evens.

The section compares the sources of the items that have more than one (active or
candidate) source into a site, the largest annual spend first. An item received by several
sites with the same options and figures is shown once, with the list of its receivers.
The landed cost and the sensitivities come ready from
:func:`allyshore.report.analyses.cost_results`; this module only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from allyshore.report.charts import PALETTE, Bar, Segment, TornadoBar, legend, stacked_bars, tornado
from allyshore.report.context import ReportContext, ready
from allyshore.report.formatting import usd
from allyshore.report.sections import Figure, Section

if TYPE_CHECKING:
    from allyshore.cost.results import Sensitivity

#: Items compared in the report (largest annual spend first).
MAX_ITEMS = 4

#: Factor groups drawn as segments of the breakdown bars.
BAR_GROUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("price and packaging", ("price", "packaging"), PALETTE[0]),
    ("freight and insurance", ("freight", "insurance"), PALETTE[1]),
    ("duties", ("duty_mfn", "duty_section_301", "duty_additional", "duty_mx_igi"), PALETTE[3]),
    ("fees, broker, crossing", ("fee_mpf", "fee_hmf", "broker_crossing"), PALETTE[5]),
    ("inventory carrying", ("carry_pipeline", "carry_cycle", "carry_safety"), PALETTE[2]),
    (
        "other hard costs, risks, strategic",
        ("travel_audit", "quality_rework", "ip_risk", "warranty", "disruption", "opportunity", "strategic"),
        PALETTE[6],
    ),
)


@dataclass(frozen=True)
class ItemView:
    item_id: str
    to_site: str
    bars: Markup
    tornado: Markup
    projection: Markup
    break_evens: list[dict[str, Any]]
    leader: str
    receivers: tuple[str, ...] = ()  # every receiving site shown by this block (identical figures)

    @property
    def signature(self) -> tuple[str, str, str, str, str]:
        """What the block shows, receiving site aside: identical blocks are drawn once."""
        return (self.item_id, str(self.bars), str(self.tornado), str(self.projection), repr(self.break_evens))

    @property
    def into(self) -> str:
        """The receiving site, or the receivers of a grouped block ("3 sites: A, B, C")."""
        sites = self.receivers or (self.to_site,)
        return sites[0] if len(sites) == 1 else f"{len(sites)} sites: {', '.join(sites)}"


def group_identical(views: list[ItemView]) -> list[ItemView]:
    """One view per distinct block: views of the same item with the same options and figures are merged,
    their receiving sites listed, in the order first seen."""
    out: dict[tuple[str, str, str, str, str], ItemView] = {}
    for view in views:
        key = view.signature
        if key in out:
            first = out[key]
            out[key] = replace(first, receivers=(*(first.receivers or (first.to_site,)), view.to_site))
        else:
            out[key] = view
    return list(out.values())


def _bars(result: Sensitivity) -> Markup:
    bars = []
    for option in result.comparison.options:
        segments = []
        for label, factors, color in BAR_GROUPS:
            value = sum(option.per_unit[f] for f in factors)
            if value > 0:
                parts = ", ".join(f"{f} {usd(option.per_unit[f])}" for f in factors if option.per_unit[f] > 0)
                tip = f"{option.label} ({option.country}, {option.lane}): {label} {usd(value)} ({parts})"
                segments.append(Segment(label, value, color, tip=tip))
        bars.append(
            Bar(
                f"#{option.rank} {option.label}",
                tuple(segments),
                note=f"{usd(option.total)} / unit",
                sublabel=f"{option.country} · {option.status}",
            )
        )
    return stacked_bars(
        bars, total=None, value_format="usd", label="Landed cost per unit by factor group", chart_id="cost-bars"
    )


def _tornado(result: Sensitivity) -> Markup:
    leader = result.comparison.best
    swings = [
        TornadoBar(
            s.factor.replace("_", " "),
            s.low[leader.label],
            s.high[leader.label],
            tip=f"{s.factor}: {s.low_label} .. {s.high_label} ({s.rationale})",
        )
        for s in result.swings
    ]
    return tornado(swings, base=leader.total, label=f"Tornado of {leader.label}", chart_id="cost-tornado")


def _projection(result: Sensitivity, width: float = 1150.0, height: float = 260.0) -> Markup:
    """A small line chart of the total per unit of each option, year 0..N (inline SVG)."""
    options = result.comparison.options
    years = len(options[0].projection) - 1
    values = [v for o in options for v in o.projection]
    lo, hi = min(values), max(values)
    span = (hi - lo) or max(hi, 1.0)
    lo, hi = lo - 0.1 * span, hi + 0.1 * span
    left, right, top, bottom = 90.0, 190.0, 14.0, 30.0

    def sx(year: float) -> float:
        return left + (width - left - right) * (year / max(years, 1))

    def sy(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - lo) / (hi - lo))

    parts = [
        f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape("Projected landed cost per unit by year")}">'
    ]
    for year in range(years + 1):
        parts.append(
            f'<text x="{sx(year):.1f}" y="{height - 8:.1f}" font-size="11" text-anchor="middle" fill="#5f6b7a">'
            f"year {year}</text>"
        )
    for tick in (lo + 0.1 * span, (lo + hi) / 2, hi - 0.1 * span):
        parts.append(
            f'<text x="{left - 8:.1f}" y="{sy(tick) + 4:.1f}" font-size="11" text-anchor="end" fill="#5f6b7a">'
            f"{escape(usd(tick))}</text>"
            f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{sy(tick):.1f}" y2="{sy(tick):.1f}" '
            f'stroke="#e3e8ee"/>'
        )
    for i, option in enumerate(options):
        color = PALETTE[i % len(PALETTE)]
        points = " ".join(f"{sx(y):.1f},{sy(v):.1f}" for y, v in enumerate(option.projection))
        tip = "; ".join(f"year {y}: {usd(v)}" for y, v in enumerate(option.projection))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.2" '
            f'data-tip="{escape(option.label + ": " + tip)}"/>'
            f'<text x="{sx(years) + 6:.1f}" y="{sy(option.projection[-1]) + 4:.1f}" font-size="11" fill="{color}">'
            f"{escape(option.label)} {escape(usd(option.projection[-1]))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _break_evens(result: Sensitivity) -> list[dict[str, Any]]:
    rows = []
    for b in result.break_evens:
        if b.break_even is None:
            text = "no flip in range"
        elif b.factor == "tariff_rate":
            text = f"+{b.break_even * 100:.1f} points"
        elif b.factor == "freight":
            text = f"x{b.break_even:.2f}"
        else:
            text = f"{b.break_even * 100:.1f}% a year"
        now = f"{b.base_value * 100:.1f}% a year" if b.factor == "wage_inflation" else f"{b.base_value:g}"
        rows.append({"factor": b.factor, "challenger": b.challenger, "now": now, "flip": text, "meaning": b.meaning})
    return rows


def build(context: ReportContext) -> Section | None:
    results = ready(context.cost)
    if results is None:
        return None
    overall = results.network
    views: list[ItemView] = []
    for entry in results.items:
        item, site = entry.item_id, entry.to_site
        distinct = group_identical(views)
        if len(distinct) >= MAX_ITEMS and item not in {v.item_id for v in distinct}:
            continue  # only another receiver of an item already shown can still join a block
        result = ready(entry.result)
        if len(result.comparison.options) < 2:
            continue
        views.append(
            ItemView(
                item_id=item,
                to_site=site,
                bars=_bars(result),
                tornado=_tornado(result),
                projection=_projection(result),
                break_evens=_break_evens(result),
                leader=result.comparison.best.label,
            )
        )
        if len(group_identical(views)) > MAX_ITEMS:
            views.pop()
    views = group_identical(views)
    saving = sum(max(s.saving_per_year, 0.0) for s in overall.sourcing)
    html = context.render(
        "cost.html.j2",
        overall=overall,
        views=views,
        legend=legend([(label, color) for label, _, color in BAR_GROUPS]),
        saving=saving,
    )
    sources = tuple(sorted({f"{a.key}: {a.source}" for a in overall.assumptions if a.source}))[:40]
    return Section(
        id="cost",
        title="Landed cost",
        html=html,
        lead="What each source really costs, delivered: price, freight, duties and fees, inventory and risk, "
        "with the sensitivity of the ranking and a five-year projection.",
        figures=(
            Figure(
                "Landed cost of the finished goods delivered",
                usd(overall.finished_goods_per_year) + " a year",
                note="annual demand x landed cost per unit of each good, rolled up through its BOM, delivered",
                headline=True,
            ),
            Figure(
                "Sum of every tier's landed cost",
                usd(overall.sum_of_tiers_per_year) + " a year",
                note="every active flow at its own landed cost: a component counts again in what it goes into",
            ),
            Figure(
                "Saving from the best candidate sources", usd(saving) + " a year", tone="good" if saving else "neutral"
            ),
        ),
        sources=sources,
    )
