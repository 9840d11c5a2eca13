"""How far the ranking of the sources of an item holds: the tornado of :data:`SWINGS` and the break-evens.

:func:`sensitivity` prices the options of :func:`allyshore.cost.compare.compare_sources` again with each factor
at the low and the high end of its documented range, and finds the extra tariff rate, the freight multiplier
and the wage inflation at which each challenger costs the same as the leader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from allyshore.conventions import AsOf, as_date
from allyshore.cost.assumptions import (
    AssumptionBook,
    Assumptions,
    as_book,
    policy_tiers,
)
from allyshore.cost.bridges import origin_map
from allyshore.cost.compare import build_with_lane_partners, comparison_of, option_labels, options_for, projected_totals
from allyshore.cost.kernel import CostInputs, FloatArray, landed_cost, price_path, total_of
from allyshore.cost.options import OptionInputs
from allyshore.cost.results import BreakEven, CostComparison, Sensitivity, Swing
from allyshore.cost.unknown import check_strict
from allyshore.model.network import Network

if TYPE_CHECKING:
    from allyshore.trust.policy import PolicySource


#: Documented swing ranges of the tornado: (low, high, how applied, why).
SWINGS: dict[str, tuple[float, float, str, str]] = {
    "unit_price": (0.9, 1.1, "x", "quotes and transfer prices +/-10%"),
    "freight": (0.5, 2.0, "x", "container spot rates: Drewry WCI Shanghai-LA USD 2,726 (Apr 2025) vs 10,621 (2021)"),
    "tariff_rate": (0.5, 0.25, "+", "all duty rates halved / an extra 25-point layer (a Section 301 list rate)"),
    "transit_days": (0.75, 1.5, "x", "lane transit -25% / +50% (port congestion, border peaks)"),
    "carrying_rate": (0.15, 0.35, "=", "carrying rate 15%-35% a year around the 20-30% common range"),
    "service_level": (0.9, 0.99, "=", "cycle service level 90%-99%"),
    "demand_cv": (0.1, 0.5, "=", "weekly demand variability, coefficient of variation 0.1-0.5"),
    "disruption": (0.0, 2.0, "x", "disruption expected cost: none / double the estimate"),
    "fx_rate": (0.85, 1.15, "x", "a 15% move of the local currency, on the share of the price fixed in it"),
}


def _swung(
    inputs: CostInputs, factor: str, value: float, how: str, local_share: FloatArray | None = None
) -> CostInputs:
    if factor == "unit_price":
        return inputs.with_values(unit_price=inputs.unit_price * value)
    if factor == "freight":
        return inputs.with_values(freight=inputs.freight * value)
    if factor == "tariff_rate":
        if how == "+":
            return inputs.with_values(rate_additional=inputs.rate_additional + value)
        return inputs.with_values(
            rate_mfn=inputs.rate_mfn * value,
            rate_301=inputs.rate_301 * value,
            rate_additional=inputs.rate_additional * value,
            rate_igi=inputs.rate_igi * value,
        )
    if factor == "transit_days":
        return inputs.with_values(transit_days=inputs.transit_days * value)
    if factor == "disruption":
        return inputs.with_values(
            disruption_rate=inputs.disruption_rate * value, disruption_per_unit=inputs.disruption_per_unit * value
        )
    if factor == "fx_rate":  # only the share of the price fixed in the local currency moves
        share = local_share if local_share is not None else np.zeros(inputs.size)
        return inputs.with_values(fx_rate=inputs.fx_rate * (1.0 + share * (value - 1.0)))
    return inputs.with_values(**{factor: value})


def sensitivity(
    network: Network,
    item: str,
    to_site: str | None = None,
    *,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    originating: Mapping[tuple[str, str], bool] | None = None,
    use_origin_engine: bool = True,
    strict_duties: bool = False,
) -> Sensitivity:
    """Tornado data (each factor of :data:`SWINGS` at its low and high end) and break-even values.

    Break-evens are computed against the leading option: the extra tariff rate on
    it, the multiplier on its freight, and the wage inflation of its country (over
    the projection horizon) at which each challenger costs the same. ``policy`` is the trust policy of the
    country-risk default, as for :func:`compare_sources`.
    """
    book = as_book(assumptions)
    when = as_date(as_of)
    options, site, annual, per_flow = options_for(network, item, to_site)
    given, notes = origin_map(network, when, originating, use_origin_engine)
    tiers, policy_notes = policy_tiers(policy)
    built = build_with_lane_partners(network, options, annual, per_flow, book, when, given, tiers=tiers)
    comparison = comparison_of(built, book, when, item, site, None, (*notes, *policy_notes))
    check_strict(comparison.unknown_duties, strict_duties, f"costing of {item} into {site}")
    inputs = built.inputs
    sites = option_labels(built.detail)
    local = np.where(
        built.detail.get_column("price_source").cast(pl.String).str.starts_with("supply price_local").to_numpy(),
        1.0,
        book.parameter("local_currency_share"),
    )
    swings = []
    for factor, (low, high, how, why) in SWINGS.items():
        lo_inputs = _swung(inputs, factor, low, "x" if how == "+" else how, local)
        hi_inputs = _swung(inputs, factor, high, how, local)
        lo = total_of(landed_cost(lo_inputs))
        hi = total_of(landed_cost(hi_inputs))
        labels = f"+{high:g}" if how == "+" else f"x{high:g}" if how == "x" else f"{high:g}"
        swings.append(
            Swing(
                factor=factor,
                low_label=f"x{low:g}" if how in ("x", "+") else f"{low:g}",
                high_label=labels,
                rationale=why,
                low=dict(zip(sites, lo.tolist(), strict=True)),
                high=dict(zip(sites, hi.tolist(), strict=True)),
            )
        )
    leader = comparison.best.label
    swings.sort(key=lambda s: -abs(s.high[leader] - s.low[leader]))
    return Sensitivity(comparison=comparison, swings=tuple(swings), break_evens=_break_evens(built, book, comparison))


def _break_evens(built: OptionInputs, book: AssumptionBook, comparison: CostComparison) -> tuple[BreakEven, ...]:
    if len(comparison.options) < 2:
        return ()
    inputs = built.inputs
    sites = option_labels(built.detail)
    lead = sites.index(comparison.best.label)
    one = inputs.take(np.asarray([lead]))
    base = float(total_of(landed_cost(one))[0])
    out: list[BreakEven] = []
    countries = built.detail.get_column("country").fill_null("").to_list()
    horizon = comparison.years
    proj = projected_totals(book, countries, inputs, horizon)[:, -1]
    for other in comparison.options[1:]:
        j = sites.index(other.label)
        gap = other.total - base
        # Tariff: an extra ad valorem layer on the leader's customs value (cost is linear in it).
        extra = float(total_of(landed_cost(one.with_values(rate_additional=one.rate_additional + 1.0)))[0]) - base
        tariff = gap / extra if extra > 0 else None
        out.append(
            BreakEven(
                "tariff_rate",
                comparison.best.label,
                other.label,
                0.0,
                tariff,
                "added ad valorem rate",
                "extra duty rate on the leader at which the challenger costs the same",
            )
        )
        # Freight: a multiplier on the leader's freight (cost is linear in it).
        slope = float(total_of(landed_cost(one.with_values(freight=one.freight * 2.0)))[0]) - base
        freight = 1.0 + gap / slope if slope > 0 else None
        out.append(
            BreakEven(
                "freight",
                comparison.best.label,
                other.label,
                1.0,
                freight,
                "x current freight",
                "multiple of the leader's freight at which the challenger costs the same",
            )
        )
        out.append(_wage_break_even(book, one, countries[lead], proj[j], comparison, other.label, horizon))
    return tuple(out)


def _wage_break_even(
    book: AssumptionBook,
    one: CostInputs,
    country: str,
    target: float,
    comparison: CostComparison,
    challenger: str,
    horizon: int,
) -> BreakEven:
    rows = {r["country"]: r for r in book.countries.iter_rows(named=True)}
    row = rows.get(country) or rows.get("*") or {}
    current = float(row.get("wage_inflation") or 0.0)

    def final_cost(w: float) -> float:
        path = price_path(
            horizon,
            np.asarray([book.parameter("labour_share")]),
            np.asarray([w]),
            np.asarray([float(row.get("other_inflation") or 0.0)]),
            np.asarray([float(row.get("fx_change_per_year") or 0.0)]),
            np.asarray([book.parameter("local_currency_share")]),
        )
        discount = (1.0 + book.parameter("discount_rate")) ** -horizon
        inputs = one.with_values(unit_price=one.unit_price * path[:, -1])
        return float(total_of(landed_cost(inputs))[0]) * discount

    low, high = -0.5, 2.0
    value: float | None = None
    if horizon > 0 and final_cost(low) <= target <= final_cost(high):
        for _ in range(60):  # bisection on a monotone function of one scalar
            mid = (low + high) / 2
            if final_cost(mid) < target:
                low = mid
            else:
                high = mid
        value = (low + high) / 2
    return BreakEven(
        "wage_inflation",
        comparison.best.label,
        challenger,
        current,
        value,
        "per year",
        f"wage inflation in {country or 'the leader country'} at which the challenger costs the same in year {horizon}",
    )
