"""The sourcing-plan section of the report: the frontier of cost against trusted share, the plan's changes, the
exposure by trust tier before and after, and the constraints that bind, in words.

The plan (:func:`allyshore.optimize`) and its frontier (:func:`allyshore.pareto`) come ready from
:func:`allyshore.report.analyses.plan_results`, when the report's options ask for them
(:class:`~allyshore.report.context.PlanSettings`); this module only draws them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from allyshore.errors import AllyshoreError
from allyshore.report.charts import Bar, Point, Segment, legend, scatter, stacked_bars
from allyshore.report.context import PlanResults, ReportContext, ready
from allyshore.report.formatting import percent, tier_label, usd
from allyshore.report.sections import Figure, Section

if TYPE_CHECKING:
    from allyshore.optimize import OptimizeResult, ParetoResult

#: Rows of the change list (largest move of share first); ``allyshore optimize --json`` lists them all.
CHANGE_ROWS = 60
#: Marks of the frontier chart: the frontier's plans, today's sourcing, the plan of the section.
FRONTIER_COLOR = "#4e79a7"
TODAY_COLOR = "#e15759"
PLAN_COLOR = "#59a14f"
#: Rows named per binding constraint (the others counted).
BINDING_ROWS = 3
#: The constraint every plan meets by construction: left out of the words (it always binds).
ALWAYS_BINDS = "demand met"
#: Plain words for the plan's status.
STATUS_WORDS = {
    "optimal": "optimal",
    "time_limit": "the best plan found within the time limit (not proven optimal)",
    "infeasible": "infeasible: no plan meets every constraint",
}


def build(context: ReportContext) -> Section | None:
    if context.plan is None:
        return None
    results: PlanResults = ready(context.plan)
    result = results.result
    countries = _site_countries(context)
    before, after = result.before, result.after
    cost_before = float(before["landed_cost_per_year"])
    cost_after = float(result.objective["total_per_year"])
    feasible = has_plan(result)
    frontier = frontier_view(results, result)
    tiers = tier_view(context, result) if feasible else None  # no plan: nothing after
    html = context.render(
        "sourcing_plan.html.j2",
        result=result,
        status=STATUS_WORDS.get(result.status, result.status),
        feasible=feasible,
        cost_before=cost_before,
        cost_after=cost_after,
        frontier=frontier,
        tiers=tiers,
        changes=change_rows(result, countries, context)[:CHANGE_ROWS],
        change_total=len(result.changes),
        change_rows=CHANGE_ROWS,
        binding=binding_words(result.constraints),
        loose=[c for c in result.constraints if not c["binding"]],
        conflicts=[str(c.get("detail", c)) for c in result.conflicts],
        unknown_costs=result.unknown_costs,
        notes=result.notes,
        model=result.model,
    )
    figures: list[Figure] = [Figure("Plan", result.status.replace("_", " "), tone="good" if feasible else "bad")]
    if feasible:
        delta = cost_after - cost_before
        figures += [
            Figure(
                "Cost a year, plan against today",
                ("+" if delta > 0 else "") + usd(delta),
                note=f"{usd(cost_after)} against {usd(cost_before)}",
                tone="good" if delta <= 0 else "warn",
                headline=True,
            ),
            Figure(
                "Trusted share of value",
                f"{percent(before['trusted_share'])} → {percent(after['trusted_share'])}",
                tone="good" if after["trusted_share"] >= before["trusted_share"] - 1e-9 else "warn",
            ),
            Figure(
                "Adversary share of value",
                f"{percent(before['adversary_share'])} → {percent(after['adversary_share'])}",
                tone="good" if after["adversary_share"] <= before["adversary_share"] + 1e-9 else "bad",
            ),
            Figure("Share changes", f"{len(result.changes):,}"),
        ]
    return Section(
        id="sourcing-plan",
        title="Sourcing plan",
        html=html,
        lead="Which sources, in what shares, give the lowest landed cost a year under the plan's constraints; "
        "what trust costs along the frontier; what changes; what binds.",
        figures=tuple(figures),
        sources=(
            f"allyshore.optimize (as of {result.as_of}; one MILP solved by HiGHS, gap {_gap(result.gap)})",
            "allyshore.pareto (each point warm-started from the previous one)",
            "allyshore.exposure (shares of value before and after, on today's and on the optimised network)",
        ),
    )


def has_plan(result: OptimizeResult) -> bool:
    """Whether ``result`` holds a plan (infeasible, or stopped by the time limit before finding one: none)."""
    return result.status != "infeasible" and math.isfinite(float(result.objective["total_per_year"]))


def _gap(gap: float) -> str:
    return "–" if math.isnan(gap) else f"{gap:.2%}"


def _site_countries(context: ReportContext) -> dict[str, str]:
    sites = context.network.sites
    return dict(zip(sites.get_column("site_id").to_list(), sites.get_column("country").to_list(), strict=True))


# --- frontier -------------------------------------------------------------------------------------------------------


def _value_text(parameter: str, value: Any) -> str:
    """A swept value as people read it: ``min-trusted-share`` 0.7 -> "minimum trusted share 70%"."""
    if parameter == "min-trusted-share":
        return f"minimum trusted share {_share(float(value))}"
    if parameter == "max-country-share":
        country, _, share = str(value).partition("=")
        return f"{country} at most {_share(float(share))}" if share else f"country cap {value}"
    return f"{parameter.replace('-', ' ')} {value:g}" if isinstance(value, float) else f"{parameter} {value}"


def _missing_words(missing: Sequence[tuple[str, Any]]) -> str:
    """The points of the frontier with no plan, in one phrase: "a minimum trusted share of 90% or 100%"."""
    if not missing:
        return ""
    if all(parameter == "min-trusted-share" for parameter, _ in missing):
        shares = [_share(float(value)) for _, value in missing]
        listed = shares[0] if len(shares) == 1 else ", ".join(shares[:-1]) + " or " + shares[-1]
        return f"a minimum trusted share of {listed}"
    return "; ".join(_value_text(parameter, value) for parameter, value in missing)


def _share(value: float) -> str:
    """A swept share: whole percents as such (70%), others to a tenth (81.7%)."""
    return percent(value, 0 if abs(value * 100 - round(value * 100)) < 1e-6 else 1)


def frontier_view(results: PlanResults, result: OptimizeResult) -> dict[str, Any]:
    """What the frontier part of the section shows: the chart (or why there is none) and the points' table."""
    view: dict[str, Any] = {"chart": None, "rows": [], "infeasible": [], "error": "", "note": results.frontier_note}
    view["refined"] = False
    view["missing"] = ""
    view["sweep"] = results.sweep or ""
    if results.frontier is None:
        return view
    if isinstance(results.frontier, AllyshoreError):
        view["error"] = str(results.frontier)
        return view
    sweep: ParetoResult = results.frontier
    view["refined"] = any(str(n).startswith("refined") for n in sweep.notes)
    before = result.before
    costs = [float(p.get("objective", {}).get("total_per_year", math.nan)) for p in sweep.frontier]
    cheapest = min((c for c in costs if math.isfinite(c)), default=math.nan)
    points: list[Point] = []
    line: list[tuple[float, float]] = []
    missing: list[tuple[str, Any]] = []
    for p in sweep.frontier:
        words = _value_text(p["parameter"], p["value"])
        cost = float(p.get("objective", {}).get("total_per_year", math.nan))
        if p["status"] == "infeasible" or not p.get("after") or not math.isfinite(cost):
            view["infeasible"].append(words)
            missing.append((p["parameter"], p["value"]))
            continue
        share = float(p["after"]["trusted_share"])
        row = {
            "words": words,
            "status": p["status"],
            "cost": cost,
            "extra": cost - cheapest,
            "trusted": share,
            "adversary": float(p["after"].get("adversary_share", math.nan)),
        }
        view["rows"].append(row)
        line.append((share, cost))
        points.append(
            Point(
                share,
                cost,
                FRONTIER_COLOR,
                tip=f"{words}\ncost {usd(cost)} a year ({'+' if row['extra'] > 0 else ''}{usd(row['extra'])} over the "
                f"cheapest point)\ntrusted share {percent(share)}, adversary share {percent(row['adversary'])}"
                + ("" if p["status"] == "optimal" else f"\n{p['status'].replace('_', ' ')}"),
            )
        )
    view["missing"] = _missing_words(missing)
    if not points:
        return view
    points.append(
        Point(
            float(before["trusted_share"]),
            float(before["landed_cost_per_year"]),
            TODAY_COLOR,
            label="today",
            radius=6.0,
            tip=f"Today's sourcing\nlanded cost {usd(before['landed_cost_per_year'])} a year\n"
            f"trusted share {percent(before['trusted_share'])}, adversary share {percent(before['adversary_share'])}",
        )
    )
    if has_plan(result):
        after = result.after
        points.append(
            Point(
                float(after["trusted_share"]),
                float(result.objective["total_per_year"]),
                PLAN_COLOR,
                label="this plan",
                radius=6.0,
                tip=f"The plan below\ncost {usd(result.objective['total_per_year'])} a year\n"
                f"trusted share {percent(after['trusted_share'])}, adversary share {percent(after['adversary_share'])}",
            )
        )
    view["chart"] = scatter(
        points,
        "Trusted share of the finished goods' value after the plan",
        "Cost a year (USD)",
        height=360.0,
        chart_id="chart-plan-frontier",
        label="Frontier of sourcing plans: cost a year against trusted share of value",
        from_zero=False,
        x_format="percent",
        y_format="usd",
        line=line,
    )
    keys = [("plans of the frontier", FRONTIER_COLOR), ("today's sourcing", TODAY_COLOR)]
    view["legend"] = legend(keys + ([("this plan", PLAN_COLOR)] if has_plan(result) else []))
    return view


# --- exposure by tier -----------------------------------------------------------------------------------------------


def _tier_bar(context: ReportContext, label: str, by_tier: Mapping[str, float], note: str) -> Bar:
    colors = context.tier_colors
    segments = tuple(
        Segment(tier_label(t), float(by_tier.get(t, 0.0)), colors.get(t, "#888888")) for t in context.tiers
    )
    return Bar(label, segments, note=note)


def tier_view(context: ReportContext, result: OptimizeResult) -> dict[str, Any]:
    """Bars of the value by trust tier today and after the plan (every finished good, weighted by its value a
    week), and each good's trusted and adversary shares before and after."""
    before, after = result.before, result.after
    bars = [
        _tier_bar(context, "Today", before.get("by_tier", {}), f"trusted {percent(before['trusted_share'])}"),
        _tier_bar(context, "Plan", after.get("by_tier", {}), f"trusted {percent(after['trusted_share'])}"),
    ]
    chart = stacked_bars(bars, chart_id="chart-plan-tiers", label="Value by trust tier, today and after the plan")
    used = [t for t in context.tiers if before.get("by_tier", {}).get(t, 0.0) or after.get("by_tier", {}).get(t, 0.0)]
    goods_after = {g["item_id"]: g for g in after.get("goods", ())}
    goods = [
        {
            "item_id": g["item_id"],
            "trusted_before": g.get("trusted_share"),
            "trusted_after": goods_after.get(g["item_id"], {}).get("trusted_share"),
            "adversary_before": g.get("adversary_share"),
            "adversary_after": goods_after.get(g["item_id"], {}).get("adversary_share"),
        }
        for g in before.get("goods", ())
    ]
    return {
        "chart": chart,
        "legend": legend([(tier_label(t), context.tier_colors.get(t, "#888888")) for t in used]),
        "goods": goods,
        "has_tiers": bool(before.get("by_tier") or after.get("by_tier")),
    }


# --- changes and constraints ----------------------------------------------------------------------------------------


def change_rows(result: OptimizeResult, countries: Mapping[str, str], context: ReportContext) -> list[dict[str, Any]]:
    """The shares that move, the largest move first: each with its source's country and tier, and whether the
    source is new to the (item, site) or dropped."""
    rows = []
    for c in result.changes:
        before, after = float(c["share_before"]), float(c["share_after"])
        country = countries.get(str(c["site_id"]), "")
        rows.append(
            {
                **c,
                "country": country,
                "tier": context.tier_of(country) if country else "",
                "delta": after - before,
                "kind": "new" if before <= 1e-9 < after else "dropped" if after <= 1e-9 < before else "",
            }
        )
    rows.sort(key=lambda r: (-abs(r["delta"]), str(r["item_id"]), str(r["to_site"]), str(r["site_id"])))
    return rows


def binding_words(constraints: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each binding constraint family in words (the demand rows, which always bind, left out): what it asks,
    the rows that bind, and what one unit more of its bound would change (its shadow price)."""
    out = []
    for c in constraints:
        if not c["binding"] or c["name"] == ALWAYS_BINDS:
            continue
        rows = [str(r["row"]) for r in c.get("binding_rows") or ()]
        count = int(c.get("binding_count", len(rows)))
        shown = rows[:BINDING_ROWS]
        price = c.get("shadow_price")
        effect = ""
        if price is not None and math.isfinite(float(price)) and abs(float(price)) > 1e-9:
            # a binding constraint of a minimum only costs: loosening it (a lower bound down, an upper bound up)
            # saves |shadow price| a year per unit of the bound, whichever the sign convention of the dual
            saving = abs(float(price))
            tightest = " at its tightest row" if count > 1 else ""
            if "share" in str(c["name"]):
                effect = (
                    f"Loosening it by one percentage point{tightest} would save about {usd(saving / 100)} a year "
                    f"(shadow price {usd(float(price))} a year per unit of share)."
                )
            else:
                effect = (
                    f"Loosening its bound by one unit{tightest} would save about {usd(saving)} a year "
                    f"(shadow price {usd(float(price))})."
                )
        elif price is not None:
            effect = "It costs nothing at the margin (shadow price 0)."
        out.append(
            {
                "name": c["name"],
                "title": str(c["name"])[:1].upper() + str(c["name"])[1:],
                "detail": c.get("detail", ""),
                "rows": shown,
                "more": max(count - len(shown), 0),
                "effect": effect,
            }
        )
    return out
