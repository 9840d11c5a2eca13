"""The USMCA origin section: per finished good, the verdict, an RVC-vs-threshold gauge, the deciding
materials and, for goods that do not qualify, the advisor's least-cost re-sourcing plan.

Results come from :func:`allyshore.origin.from_network.determine_network` and
:func:`allyshore.advisor.advise_qualification`, run by
:func:`allyshore.report.analyses.origin_results`; the section shows only what
they return, with the assumptions they list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from allyshore.countries import USMCA_PARTIES
from allyshore.errors import AllyshoreError
from allyshore.report.context import ReportContext, ready
from allyshore.report.sections import Figure, Section

if TYPE_CHECKING:
    from allyshore.origin.results import GoodOrigin, NetworkOrigin, QualificationPlan

#: At most this many non-originating goods get an advisor plan in the report (each is one small MIP).
MAX_PLANS = 25
GOOD, BAD, GREY = "#2e7d32", "#c62828", "#9e9e9e"


def failing_goods(result: NetworkOrigin) -> list[GoodOrigin]:
    """The non-originating goods made in North America, in the result's order: those the advisor plans for."""
    return [g for g in result.goods if g.status == "not_originating" and g.country in USMCA_PARTIES]


def gauge(rvc: float | None, threshold: float | None, width: int = 180, height: int = 18) -> Markup:
    """An inline SVG bar: RVC filled from 0 to 100%, the threshold as a black tick.

    >>> str(gauge(62.4, 60)).startswith('<svg')
    True
    """
    if rvc is None or threshold is None:
        return Markup("")
    value = max(0.0, min(100.0, rvc))
    fill = GOOD if rvc >= threshold else BAD
    x_value = width * value / 100
    x_threshold = width * max(0.0, min(100.0, threshold)) / 100
    label = f"RVC {rvc:.1f}% against a threshold of {threshold:g}%"
    return Markup(
        '<svg class="rvc-gauge" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">'
        "<title>{label}</title>"
        '<rect x="0" y="3" width="{w}" height="{bar}" fill="#eeeeee"/>'
        '<rect x="0" y="3" width="{xv:.1f}" height="{bar}" fill="{fill}"/>'
        '<line x1="{xt:.1f}" x2="{xt:.1f}" y1="0" y2="{h}" stroke="#000" stroke-width="2"/>'
        "</svg>"
    ).format(w=width, h=height, bar=height - 6, xv=x_value, xt=x_threshold, fill=fill, label=label)


def _rows(
    result: NetworkOrigin, plans: Mapping[tuple[str, str], QualificationPlan | AllyshoreError]
) -> list[dict[str, Any]]:
    rows = []
    for g in result.goods:
        plan = plans.get((g.item_id, g.site_id))
        rows.append(
            {
                "good": g,
                "verdict": g.status.replace("_", " "),
                "tone": {"originating": "good", "not_originating": "bad"}.get(g.status, "warn"),
                "gauge": gauge(g.rvc, g.threshold),
                "deciding": [_material_label(g, m) for m in g.deciding_materials],
                "designation": _designation_note(g),
                "plan": plan,
            }
        )
    return rows


def _material_label(good: GoodOrigin, material_id: str) -> str:
    try:
        m = good.material(material_id)
    except AllyshoreError:
        return material_id
    origin = "originating" if m.originating else "non-originating"
    inside = material_id.rsplit("/", 1)[0].replace("/", " in ").split("@")[0] if "/" in material_id else ""
    where = f", in {inside}" if inside else ""
    return f"{m.item_id} from {m.source_site} ({m.country}, {origin}, ${m.value:,.2f}/unit{where})"


def _designation_note(good: GoodOrigin) -> str:
    """In-house sub-assemblies: the treatment applied and, where another decides the good differently, that one."""
    d = good.designation
    if d is None or not d.in_house:
        return ""
    applied = f"designating {', '.join(d.items)}" if d.items else f"looking through {', '.join(d.in_house)}"
    text = f"in-house sub-assemblies: {applied}"
    for a in good.alternatives:
        other = f"designating {', '.join(a.items)}" if a.items else "looking through them"
        rvc = "" if a.rvc is None else f", RVC {a.rvc:.1f}%"
        text += f"; {other}: {a.status.replace('_', ' ')}{rvc}"
    return text


def build(context: ReportContext) -> Section | None:
    results = ready(context.origin)
    result = results.network
    if not result.goods:
        return None
    plans = results.plans
    failing = failing_goods(result)
    counts = {s: sum(g.status == s for g in result.goods) for s in ("originating", "not_originating", "undetermined")}
    html = context.render(
        "origin.html.j2",
        rows=_rows(result, plans),
        result=result,
        max_plans=MAX_PLANS,
        too_many=len(failing) > MAX_PLANS,
    )
    figures: tuple[Figure, ...] = (
        Figure(
            "Goods USMCA-originating",
            f"{counts['originating']} of {len(result.goods)}",
            note=f"{counts['undetermined']} undetermined" if counts["undetermined"] else "",
            tone="good" if counts["originating"] == len(result.goods) else "warn",
            headline=True,
        ),
    )
    qualifying = [p for p in plans.values() if not isinstance(p, AllyshoreError) and p.qualifies and p.changes]
    if qualifying:
        figures += (
            Figure(
                "Cost to qualify the rest",
                f"${sum(p.added_cost_per_year for p in qualifying):,.0f}/yr",
                note=f"{len(qualifying)} good(s) by re-sourcing to candidates",
                tone="neutral",
            ),
        )
    return Section(
        id="origin",
        title="USMCA origin",
        html=html,
        lead="Whether each finished good qualifies for USMCA preference under its product-specific rule, "
        "how far its regional value content is from the threshold, which materials decide it, and the "
        "cheapest re-sourcing that would qualify it.",
        figures=figures,
        sources=(
            "CUSMA Rules of Origin Regulations, SOR/2020-155 (the Uniform Regulations): s.3, s.5, s.7, s.8.",
            "Product-specific rules: allyshore rules library (USMCA Annex 4-B / HTSUS General Note 11), "
            "or the item's origin_rule column.",
            *result.assumptions,
        ),
    )
