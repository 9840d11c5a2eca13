"""The exposure section: where each finished good's value originates, by trust tier and by country.

Numbers come from :func:`allyshore.exposure` (see :mod:`allyshore.exposure.analysis`
for the roll-up); this module only draws them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from allyshore.countries import country_name
from allyshore.report.charts import OTHER_COLOR, Bar, Segment, legend, stacked_bars
from allyshore.report.context import ReportContext
from allyshore.report.formatting import percent, tier_label, usd
from allyshore.report.sections import Figure, Section
from allyshore.trust import UNTRUSTED_TIERS

if TYPE_CHECKING:
    from allyshore.model.network import Network

#: Finished goods drawn in the charts (the largest by weekly value; the table lists them all).
MAX_CHART_GOODS = 25
#: Countries drawn separately in a good's country bar; the rest are pooled as "other".
TOP_COUNTRIES = 8


def maker_countries(network: Network) -> dict[str, int]:
    """Makers' countries named by active supply rows (``origin_country``, e.g. a distributor's part) that differ
    from the row's site country: country -> number of such rows."""
    supply = network.supply
    if "origin_country" not in supply.columns:
        return {}
    rows = (
        supply.filter(pl.col("status").fill_null("active") == "active")
        .select("site_id", pl.col("origin_country").alias("made_in"))
        .drop_nulls("made_in")
        .join(network.sites.select("site_id", "country"), on="site_id", how="left")
        .filter(pl.col("made_in") != pl.col("country").fill_null(""))
    )
    counts = rows.get_column("made_in").value_counts()
    return dict(zip(counts.get_column("made_in").to_list(), counts.get_column("count").to_list(), strict=True))


def goods_of(context: ReportContext) -> list[dict[str, Any]]:
    goods: list[dict[str, Any]] = context.exposure_dict().get("goods", [])
    return goods


def weekly_share(goods: list[dict[str, Any]], tiers: tuple[str, ...]) -> float | None:
    """Share of all finished goods' weekly value originating in ``tiers`` (value-weighted over goods)."""
    total = sum(float(g.get("value_per_week") or 0.0) for g in goods)
    if total <= 0:
        return None
    part = sum(
        float(g.get("value_per_week") or 0.0) * sum(float(g["by_tier"].get(t, 0.0)) for t in tiers) for g in goods
    )
    return float(part / total)


def _good_label(good: dict[str, Any]) -> str:
    name = good.get("name") or ""
    return f"{good['item_id']} · {name}" if name and name != good["item_id"] else str(good["item_id"])


def tier_bars(context: ReportContext, goods: list[dict[str, Any]]) -> list[Bar]:
    colors = context.tier_colors
    bars = []
    for good in goods:
        segments = tuple(
            Segment(
                tier_label(tier),
                float(good["by_tier"].get(tier, 0.0)),
                colors.get(tier, OTHER_COLOR),
                tip=f"{_good_label(good)}\n{tier_label(tier)}: {percent(good['by_tier'].get(tier, 0.0))} of the unit value"
                f" ({usd(good['by_tier'].get(tier, 0.0) * float(good.get('unit_value') or 0.0))} per unit)",
            )
            for tier in context.tiers
        )
        bars.append(Bar(_good_label(good), segments, note=usd(good.get("unit_value")) + " / unit"))
    return bars


def country_bars(context: ReportContext, goods: list[dict[str, Any]]) -> list[Bar]:
    colors = context.tier_colors
    bars = []
    for good in goods:
        ranked = sorted(good["by_country"].items(), key=lambda kv: (-kv[1], kv[0]))
        shown, rest = ranked[:TOP_COUNTRIES], ranked[TOP_COUNTRIES:]
        segments = []
        for code, share in shown:
            tier = context.tier_of(code)
            segments.append(
                Segment(
                    code,
                    float(share),
                    colors.get(tier, OTHER_COLOR),
                    tip=f"{_good_label(good)}\n{country_name(code)} ({code}, {tier_label(tier)}): {percent(share)}",
                )
            )
        if rest:
            share = sum(v for _, v in rest)
            names = ", ".join(code for code, _ in rest)
            segments.append(
                Segment("other", share, OTHER_COLOR, tip=f"{_good_label(good)}\nOther ({names}): {percent(share)}")
            )
        bars.append(Bar(_good_label(good), tuple(segments), note=f"HHI {float(good.get('hhi') or 0):.2f}"))
    return bars


def build(context: ReportContext) -> Section | None:
    goods = goods_of(context)
    if not goods:
        return None
    goods = sorted(goods, key=lambda g: -float(g.get("value_per_week") or 0.0))
    adversary = weekly_share(goods, ("adversary",))
    untrusted = weekly_share(goods, UNTRUSTED_TIERS)
    worst = max(goods, key=lambda g: g["by_tier"].get("adversary", 0.0))
    rows = []
    for good in goods:
        crossings = sorted(good.get("by_crossing", {}).items(), key=lambda kv: -kv[1])
        rows.append(
            {
                "good": good,
                "label": _good_label(good),
                "adversary": good["by_tier"].get("adversary", 0.0),
                "untrusted": sum(good["by_tier"].get(t, 0.0) for t in UNTRUSTED_TIERS),
                "top": max(good["by_country"].items(), key=lambda kv: kv[1]) if good["by_country"] else None,
                "crossings": crossings,
            }
        )
    charted = goods[:MAX_CHART_GOODS]
    used = [t for t in context.tiers if any(g["by_tier"].get(t, 0.0) > 0 for g in goods)]
    html = context.render(
        "exposure.html.j2",
        tier_chart=stacked_bars(
            tier_bars(context, charted),
            chart_id="chart-tiers",
            note_width=120,
            label="Value by trust tier per finished good",
        ),
        country_chart=stacked_bars(
            country_bars(context, charted),
            chart_id="chart-countries",
            note_width=120,
            label="Value by country per finished good",
        ),
        tier_legend=legend([(tier_label(t), context.tier_colors.get(t, OTHER_COLOR)) for t in used]),
        rows=rows,
        top_countries=TOP_COUNTRIES,
        charted=len(charted),
        total_goods=len(goods),
    )
    figures = (
        Figure(
            "Value from adversary countries",
            percent(adversary),
            note="weekly demand value, all goods",
            tone="bad" if adversary and adversary > 0.05 else ("warn" if adversary else "good"),
            headline=True,
        ),
        Figure("Adversary or non-aligned", percent(untrusted), tone="warn" if untrusted else "good"),
        Figure(
            "Most exposed good",
            str(worst["item_id"]),
            note=f"{percent(worst['by_tier'].get('adversary', 0.0))} adversary",
            tone="bad" if worst["by_tier"].get("adversary", 0.0) > 0.05 else "neutral",
        ),
    )
    return Section(
        id="exposure",
        title="Exposure by trust tier and country",
        lead="Each finished good's unit value, rolled down its bill of materials and sourcing shares through every "
        "tier, split by the trust tier and the country where the value is added (for a part bought from a "
        "distributor or stockist, the maker's country when the supply row names it in origin_country).",
        html=html,
        figures=figures,
        sources=(
            "Roll-up: allyshore.exposure (value added per node, weighted by the units of each node in one unit of the good).",
            "Tiers: allyshore.trust under the report's policy; country shares are keyed by ISO 3166-1 alpha-2.",
        ),
    )
