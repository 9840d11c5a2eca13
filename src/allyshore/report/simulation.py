"""The Monte Carlo section: the distribution of annual lost profit over the simulated years (mean, P95, P99,
CVaR95, the chance of any loss) and the hazard sources it comes from, as a bar chart and a table.

It draws a ready :class:`~allyshore.resilience.results.SimulationResult` (``context.simulation``, the stored
result of an ``allyshore simulate`` run of the platform): it runs no analysis.
"""

from __future__ import annotations

from allyshore.report.charts import Bar, Segment, stacked_bars
from allyshore.report.context import ReportContext
from allyshore.report.formatting import percent, usd
from allyshore.report.sections import Figure, Section

#: Hazard sources shown in the chart and the table, largest expected loss first (``--json`` lists them all).
SOURCE_ROWS = 15
SITE_COLOR, COUNTRY_COLOR = "#4e79a7", "#e15759"


def build(context: ReportContext) -> Section | None:
    result = context.simulation
    if result is None:
        return None
    summary = result.summary
    rows = sorted(result.contributions, key=lambda c: -c.expected_loss)[:SOURCE_ROWS]
    chart = (
        stacked_bars(
            [
                Bar(
                    c.source,
                    (Segment(c.kind, c.expected_loss, SITE_COLOR if c.kind == "site" else COUNTRY_COLOR),),
                    note=percent(c.share),
                )
                for c in rows
                if c.expected_loss > 0
            ],
            total=None,
            value_format="usd",
            chart_id="simulation-sources",
            label="Expected annual lost profit by hazard source",
        )
        if any(c.expected_loss > 0 for c in rows)
        else None
    )
    with_candidates = result.summary_with_candidates
    figures = [
        Figure("Mean annual lost profit", usd(summary["mean"]), f"± {usd(summary['mean_standard_error'])}"),
        Figure("P95 year", usd(summary["p95"])),
        Figure("CVaR95", usd(summary["cvar95"]), "mean of the worst 5% of years"),
        Figure("Chance of any loss", percent(summary["probability_of_loss"])),
    ]
    if with_candidates is not None:
        figures.append(Figure("Mean with candidate sources", usd(with_candidates["mean"])))
    html = context.render(
        "simulation.html.j2",
        result=result,
        summary=summary,
        with_candidates=with_candidates,
        rows=rows,
        more=len(result.contributions) - len(rows),
        chart=chart,
    )
    return Section(
        id="simulation",
        title="Monte Carlo disruptions",
        html=html,
        lead=f"Annual lost profit over {result.runs:,} simulated years (seed {result.seed}), and where it comes from.",
        figures=tuple(figures),
        sources=tuple(result.notes),
    )
