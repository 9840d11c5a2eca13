"""The resilience section of the report: TTS against TTR per site, REI ranking, country shocks, mitigation list,
the line stoppers (purchased items ranked by time to survive without them) and which scenarios destroy inventory.

The stress test of every site, and of every country hosting a non-customer site
(all its sites down at once), come ready from
:func:`allyshore.report.analyses.stress_results`; this module only draws them.
"""

from __future__ import annotations

import math
from typing import Any

from allyshore.countries import country_name
from allyshore.report.charts import Bar, Point, Segment, scatter, stacked_bars
from allyshore.report.context import ReportContext, ready
from allyshore.report.formatting import tier_label, usd
from allyshore.report.sections import Figure, Section

#: Colours of the marks: survives its recovery (TTS >= TTR) or needs mitigation.
SAFE_COLOR = "#59a14f"
AT_RISK_COLOR = "#e15759"
#: Scenarios drawn in the REI chart (the table lists every mitigation case).
REI_ROWS = 15
#: Mitigation cases named on the scatter chart (worst lost profit first).
LABELLED = 6
#: Purchased items listed in the line-stopper table (shortest time to survive first).
LINE_STOPPER_ROWS = 25


def build(context: ReportContext) -> Section | None:
    results = ready(context.stress)
    if results is None or not results.sites.scenarios:
        return None
    result, by_country = results.sites, results.countries

    # The chart shows TTS up to 1.5 x the longest TTR: anything above (infinite included) survives with room
    # to spare and sits on the top edge; the hover text gives its value. Only the worst cases are labelled.
    ceiling = max([s.ttr_weeks for s in result.scenarios] + [1.0]) * 1.5
    labelled = {s.scenario.label for s in result.mitigation[:LABELLED]}
    points = []
    for s in result.scenarios:
        infinite = math.isinf(s.tts_weeks)
        tts_text = "survives indefinitely" if infinite else f"{s.tts_weeks:,.2f} weeks"
        points.append(
            Point(
                x=s.ttr_weeks,
                y=min(s.tts_weeks, ceiling),
                color=AT_RISK_COLOR if s.needs_mitigation else SAFE_COLOR,
                label=s.scenario.label if s.scenario.label in labelled else "",
                tip=f"{s.scenario.label}\nTTR {s.ttr_weeks:,.2f} weeks ({s.scenario.ttr_source})\nTTS {tts_text}\n"
                f"lost profit {usd(s.lost_profit)}",
            )
        )
    tts_chart = scatter(
        points,
        "Time to recover, TTR (weeks)",
        "Time to survive, TTS (weeks)",
        diagonal=True,
        chart_id="chart-tts-ttr",
        label="Time to survive against time to recover, per site",
    )
    ranked = sorted(result.scenarios, key=lambda s: (-s.rei, s.scenario.label))[:REI_ROWS]
    rei_chart = stacked_bars(
        [
            Bar(
                s.scenario.label,
                (
                    Segment(
                        "REI",
                        s.rei,
                        AT_RISK_COLOR if s.needs_mitigation else "#4e79a7",
                        tip=f"{s.scenario.label}: REI {s.rei:.2f}, lost profit {usd(s.lost_profit)}",
                    ),
                ),
                note=f"{s.rei:.2f}",
            )
            for s in ranked
        ],
        total=1.0,
        chart_id="chart-rei",
        label="Risk Exposure Index by site",
    )
    country_rows: list[dict[str, Any]] = []
    country_chart = None
    if by_country is not None:
        for s in sorted(by_country.scenarios, key=lambda s: -s.lost_profit):
            code = s.scenario.label
            country_rows.append(
                {
                    "code": code,
                    "name": country_name(code),
                    "tier": context.tier_of(code),
                    "sites": len(s.scenario.sites),
                    "ttr": s.ttr_weeks,
                    "tts": None if math.isinf(s.tts_weeks) else s.tts_weeks,
                    "lost_profit": s.lost_profit,
                }
            )
        colors = context.tier_colors
        country_chart = stacked_bars(
            [
                Bar(
                    f"{r['name']} ({r['code']})",
                    (
                        Segment(
                            tier_label(r["tier"]),
                            r["lost_profit"],
                            colors.get(r["tier"], "#888888"),
                            tip=f"All {r['sites']} site(s) in {r['name']} down for {r['ttr']:,.1f} weeks: "
                            f"{usd(r['lost_profit'])} lost",
                        ),
                    ),
                    note=usd(r["lost_profit"]),
                )
                for r in country_rows
            ],
            total=None,
            value_format="usd",
            chart_id="chart-country-shocks",
            label="Lost profit if every site of a country goes down",
        )
    mitigation = [
        {
            "label": s.scenario.label,
            "ttr": s.ttr_weeks,
            "ttr_source": s.scenario.ttr_source,
            "tts": s.tts_weeks,
            "lost_profit": s.lost_profit,
            "rei": s.rei,
            "binding": [b.to_dict() for b in s.binding],
        }
        for s in result.mitigation
    ]
    stoppers = [
        {
            "item": ls.item,
            "name": ls.name,
            "tts": None if math.isinf(ls.tts_weeks) else ls.tts_weeks,
            "ttr": ls.ttr_weeks,
            "ttr_source": ls.ttr_source,
            "goods": list(ls.finished_goods),
            "sources": list(ls.sources),
            "countries": list(ls.source_countries),
            "at_risk": ls.tts_weeks < ls.ttr_weeks,
        }
        for ls in result.line_stoppers[:LINE_STOPPER_ROWS]
    ]
    every = [*result.scenarios, *(by_country.scenarios if by_country is not None else ())]
    destroying = [
        {
            "label": s.scenario.label,
            "on_hand": s.inventory_destroyed_units,
            "in_transit": s.in_transit_held_units,
        }
        for s in every
        if s.destroys_inventory
    ]
    html = context.render(
        "resilience.html.j2",
        stoppers=stoppers,
        stopper_total=len(result.line_stoppers),
        destroying=destroying,
        scenario_count=len(every),
        stock_in_transit=result.stock_in_transit,
        tts_chart=tts_chart,
        rei_chart=rei_chart,
        country_chart=country_chart,
        country_rows=country_rows,
        mitigation=mitigation,
        result=result,
        rei_rows=REI_ROWS,
    )
    worst = max(result.scenarios, key=lambda s: s.lost_profit)
    figures: tuple[Figure, ...] = (
        Figure(
            "Sites with TTS < TTR",
            f"{len(result.mitigation)} of {len(result.scenarios)}",
            tone="bad" if result.mitigation else "good",
            headline=True,
        ),
        Figure("Worst single-site outage", worst.scenario.label, note=f"{usd(worst.lost_profit)} lost profit"),
        Figure(
            "Worst country shock",
            country_rows[0]["code"] if country_rows else "–",
            note=usd(country_rows[0]["lost_profit"]) if country_rows else "",
        ),
    )
    if result.line_stoppers:
        first = result.line_stoppers[0]
        tts_text = "never runs dry" if math.isinf(first.tts_weeks) else f"line dry in {first.tts_weeks:,.1f} weeks"
        figures += (
            Figure(
                "First line stopper",
                first.item,
                note=f"{tts_text}; stops {len(first.finished_goods)} finished good(s)",
                tone="bad" if first.tts_weeks < first.ttr_weeks else "neutral",
            ),
        )
    return Section(
        id="resilience",
        title="Resilience: time to survive and time to recover",
        lead="For each site going down, how long demand is still met in full (TTS) against how long the site needs "
        "to recover (TTR), and the profit lost meanwhile; sites above the diagonal survive their outage.",
        html=html,
        figures=figures,
        sources=(
            "Method: Simchi-Levi, Schmidt & Wei, HBR 2014 (TTR, REI); Simchi-Levi et al., Interfaces 45(5) 2015; "
            "Simchi-Levi, HBR 2015 (TTS). Linear programs solved with HiGHS.",
            *result.assumptions,
            *result.warnings,
        ),
    )
