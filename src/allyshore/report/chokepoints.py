"""The choke-point and single-source section: the sites and items the network cannot easily do without.

Choke points, single-source and untrusted-only items come from
:func:`allyshore.exposure`; the active sources listed beside each item are read
from the network's ``supply`` table.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import polars as pl

from allyshore.countries import country_name
from allyshore.report.charts import Bar, Segment, stacked_bars
from allyshore.report.context import ReportContext
from allyshore.report.formatting import percent, tier_label
from allyshore.report.sections import Figure, Section

#: Choke points drawn in the chart (the table lists them all).
CHART_ROWS = 10
#: Axis lengths of the choke-point chart (quarters of each are round percentages).
NICE_AXES = (0.04, 0.08, 0.2, 0.4, 0.6, 0.8, 1.0)


def _sources(context: ReportContext) -> dict[str, list[str]]:
    """Active sources of every item: ``site (country)``, or ``site (country, made in XX)`` when the supply row
    names the maker's ``origin_country`` (a distributor's or stockist's part)."""
    supply = context.network.supply.filter(pl.col("status").fill_null("active") == "active")
    sites = context.network.sites.select("site_id", "country")
    origin = pl.col("origin_country") if "origin_country" in supply.columns else pl.lit(None, dtype=pl.String)
    joined = supply.select("site_id", "item_id", origin.alias("made_in")).join(sites, on="site_id", how="left")
    out: dict[str, list[str]] = defaultdict(list)
    for site, item, made_in, country in joined.iter_rows():
        maker = f", made in {made_in}" if made_in and made_in != country else ""
        out[item].append(f"{site} ({country}{maker})")
    return out


def build(context: ReportContext) -> Section | None:
    data = context.exposure_dict()
    chokes: list[dict[str, Any]] = sorted(
        data.get("choke_points", []), key=lambda c: -float(c.get("share_of_value") or 0.0)
    )
    goods: list[dict[str, Any]] = data.get("goods", [])
    if not chokes and not goods:
        return None
    colors = context.tier_colors
    items = context.network.items
    names = dict(zip(items.get_column("item_id"), items.get_column("name"), strict=True))
    hs = dict(zip(items.get_column("item_id"), items.get_column("hs_code"), strict=True))
    sources = _sources(context)

    by_item: dict[str, dict[str, Any]] = {}
    for good in goods:
        untrusted = set(good.get("untrusted_only_items", []))
        for item in [*good.get("single_source_items", []), *sorted(untrusted)]:
            entry = by_item.setdefault(
                item,
                {
                    "item_id": item,
                    "name": names.get(item) or "",
                    "hs_code": hs.get(item) or "",
                    "goods": [],
                    "single": False,
                    "untrusted": False,
                    "sources": sources.get(item, []),
                },
            )
            if good["item_id"] not in entry["goods"]:
                entry["goods"].append(good["item_id"])
            if item in good.get("single_source_items", []):
                entry["single"] = True
            if item in untrusted:
                entry["untrusted"] = True
    risky = sorted(
        by_item.values(), key=lambda e: (not e["untrusted"], not e["single"], -len(e["goods"]), e["item_id"])
    )

    rows = []
    for choke in chokes:
        tier = str(choke.get("tier") or context.tier_of(str(choke.get("country"))))
        rows.append(
            {
                **choke,
                "tier": tier,
                "color": colors.get(tier, "#888888"),
                "country_name": country_name(str(choke.get("country"))),
            }
        )
    bars = [
        Bar(
            f"{r['site_id']} · {r.get('name') or ''}".rstrip(" ·"),
            (
                Segment(
                    tier_label(r["tier"]),
                    float(r.get("share_of_value") or 0.0),
                    r["color"],
                    tip=f"{r['site_id']} ({r['country_name']}, {tier_label(r['tier'])})\n"
                    f"{percent(r.get('share_of_value'))} of all weekly finished-goods value\nfeeds {r.get('goods')} good(s)",
                ),
            ),
            note=percent(r.get("share_of_value")),
        )
        for r in rows[:CHART_ROWS]
    ]
    top_share = max([float(r.get("share_of_value") or 0.0) for r in rows] + [0.0])
    axis = next((n for n in NICE_AXES if n >= top_share * 1.02), 1.0)
    chart = (
        stacked_bars(bars, total=axis, chart_id="chart-chokepoints", label="Choke points by share of value")
        if bars
        else None
    )
    single_count = sum(1 for e in risky if e["single"])
    untrusted_count = sum(1 for e in risky if e["untrusted"])
    html = context.render("chokepoints.html.j2", rows=rows, chart=chart, risky=risky, chart_rows=CHART_ROWS)
    figures = (
        Figure(
            "Single-source purchased items",
            str(single_count),
            note="finished goods and in-house sub-assemblies excluded",
            tone="warn" if single_count else "good",
            headline=True,
        ),
        Figure(
            "Items sourced only from untrusted countries",
            str(untrusted_count),
            tone="bad" if untrusted_count else "good",
        ),
        Figure(
            "Largest choke point",
            str(rows[0]["site_id"]) if rows else "–",
            note=f"{percent(rows[0].get('share_of_value'))} of weekly value" if rows else "",
        ),
    )
    return Section(
        id="chokepoints",
        title="Choke points and single sources",
        lead="Sites through which much of the value passes, purchased items with only one origin, and items with "
        "only untrusted origins: the first candidates for a second, allied source. Finished goods and sub-assemblies "
        "made from their bill of materials at the network's own plants are not counted as single-source items.",
        html=html,
        figures=figures,
        sources=(
            "Choke points, single-source and untrusted-only items: allyshore.exposure; active sources: the network's supply table.",
        ),
    )
