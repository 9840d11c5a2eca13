"""The one place a report runs analyses: every result its sections draw, computed once, before any is drawn.

:func:`run_analyses` returns the :class:`~allyshore.report.context.ReportContext`
the section builders render; they never run an analysis themselves. Each
analysis module is imported when the report is built, so ``import
allyshore.report`` stays light.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from allyshore.conventions import Progress, stepper
from allyshore.errors import AllyshoreError
from allyshore.report.context import (
    CostResults,
    ItemSensitivity,
    OriginResults,
    PlanResults,
    PlanSettings,
    ReportContext,
    ReportOptions,
    StressResults,
)
from allyshore.report.cost import MAX_ITEMS
from allyshore.report.origin import MAX_PLANS, failing_goods

if TYPE_CHECKING:
    from allyshore.cost.results import NetworkCost
    from allyshore.model.network import Network
    from allyshore.optimize import OptimizeResult, ParetoResult, PlanOptions
    from allyshore.origin.results import QualificationPlan
    from allyshore.resilience.results import StressResult
    from allyshore.trust import TrustPolicy

T = TypeVar("T")

#: Steps :func:`run_analyses` reports to ``progress``: trust, validation, exposure, cost, stress test, origin
#: (and the sourcing plan when the options ask for one: :func:`analysis_steps`).
ANALYSIS_STEPS = 6


def analysis_steps(options: ReportOptions | None = None) -> int:
    """Steps :func:`run_analyses` reports with ``options``: :data:`ANALYSIS_STEPS`, one more for a plan."""
    return ANALYSIS_STEPS + (1 if options is not None and options.plan is not None else 0)


def attempt(compute: Callable[[], T]) -> T | AllyshoreError:
    """The result of ``compute()``, or the :class:`AllyshoreError` it raised (the data cannot support it)."""
    try:
        return compute()
    except AllyshoreError as error:
        return error


def run_analyses(
    network: Network, options: ReportOptions | None = None, *, progress: Progress | None = None
) -> ReportContext:
    """Run every analysis the report shows on ``network`` and return the context its sections are drawn from.

    ``progress(done, total)`` is called after each of the :func:`analysis_steps` analyses
    (:data:`~allyshore.conventions.Progress`). An analysis the network's data cannot support is kept
    as its error (its section says why); a policy file that cannot be read, plan options or a sweep that are
    not valid, and with ``options.strict_duties`` an unknown duty of the landed cost, raise.

    With ``options.plan`` the sourcing plan (:func:`allyshore.optimize`) and its frontier
    (:func:`allyshore.pareto`) run last (:func:`plan_results`).
    """
    from allyshore.exposure import exposure
    from allyshore.model.validate import check_network
    from allyshore.trust import assess_countries

    options = options or ReportOptions()
    advance = stepper(progress, analysis_steps(options))

    def step() -> None:
        if advance is not None:
            advance()

    policy, custom, plan_values = read_policy(options.policy)
    plan_options = checked_plan_options(plan_values, options.plan) if options.plan is not None else None
    trust = assess_countries(policy)
    step()
    validation = attempt(lambda: tuple(check_network(network)))
    step()
    exposure_map = attempt(lambda: exposure(network, policy=policy))
    step()
    given = policy if custom else None  # the shipped policy: the analyses' own (cached) default
    cost = cost_results(network, policy=given, strict_duties=options.strict_duties)
    step()
    stress = attempt(lambda: stress_results(network))
    step()
    origin = attempt(lambda: origin_results(network, policy=given))
    step()
    plan: PlanResults | AllyshoreError | None = None
    if options.plan is not None and plan_options is not None:
        settings, chosen = options.plan, plan_options
        plan = attempt(lambda: plan_results(network, chosen, settings, policy=given))
        step()
    return ReportContext(
        network=network,
        policy=policy,
        trust=trust,
        exposure=exposure_map,
        validation=validation,
        cost=cost,
        stress=stress,
        origin=origin,
        options=options,
        plan=plan,
    )


def read_policy(path: Path | None) -> tuple[TrustPolicy, bool, dict[str, Any]]:
    """The report's trust policy, whether it is a user's (False: the shipped one), and the plan options of the
    file's ``[optimize]`` table ({} without one).

    The file may hold a trust policy, a plan's ``[optimize]`` table, or both, as ``allyshore optimize --policy``
    reads it: a file of only an ``[optimize]`` table leaves the shipped trust policy in force.
    """
    from allyshore.errors import PolicyError
    from allyshore.io.text import read_text_file
    from allyshore.trust import load_policy
    from allyshore.trust.policy import policy_from_dict

    if path is None:
        return load_policy(), False, {}
    try:
        data = tomllib.loads(read_text_file(path, "policy", error=PolicyError))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None
    if "optimize" not in data:
        return policy_from_dict(data, str(path)), True, {}
    from allyshore.optimize.options import read_plan_file

    values, rest = read_plan_file(path)
    if rest is None:
        return load_policy(), False, values
    return policy_from_dict(rest, str(path)), True, values


def checked_plan_options(values: Mapping[str, Any], settings: PlanSettings) -> PlanOptions:
    """The plan's options: the policy file's ``values``, then ``settings.options``; raises
    :class:`~allyshore.errors.InputError` for an unknown or bad option, a bad sweep or a negative count of
    points, before any analysis runs."""
    from allyshore.errors import InputError
    from allyshore.optimize import PlanOptions
    from allyshore.optimize.pareto import parse_sweep

    if settings.sweep is not None:
        parse_sweep(settings.sweep)
    if settings.points < 0:
        raise InputError(f"sweep points {settings.points}: give 0 (no frontier) or more")
    return PlanOptions().merged({**values, **settings.options})


# --- sourcing plan --------------------------------------------------------------------------------------------------


def default_sweep(result: OptimizeResult, options: PlanOptions, points: int) -> tuple[str | None, str]:
    """The report's default frontier, and why there is none when there is none: the minimum trusted share
    (of each good, or of the total value with ``trusted_scope = "total"``) in ``points`` even steps to 100%
    from the lowest of today's sourcing and of the plan (rounded down to 5%), so that the frontier spans both."""
    if points < 1:
        return None, ""
    planned = result.status != "infeasible" and math.isfinite(float(result.objective.get("total_per_year", math.nan)))
    sides = [result.before] + ([result.after] if planned else [])
    lows = []
    for side in sides:
        goods = [float(g["trusted_share"]) for g in side.get("goods", ()) if "trusted_share" in g]
        lows.append(float(side["trusted_share"]) if options.trusted_scope == "total" or not goods else min(goods))
    start = math.floor(round(min(lows) * 20, 9)) / 20
    if start >= 1.0:
        return None, "every finished good is wholly from trusted tiers already: there is no frontier to draw"
    if points == 1:
        return f"min-trusted-share={start:g}:{start:g}:1", ""
    # round steps (multiples of 5%) ending at 100%, starting at or below the lowest share
    step = math.ceil(round((1.0 - start) / (points - 1) * 20, 9)) / 20
    start = max(0.0, round(1.0 - step * (points - 1), 9))
    return f"min-trusted-share={start:g}:1:{points}", ""


def refined(network: Network, sweep: ParetoResult, options: PlanOptions, policy: TrustPolicy | None) -> ParetoResult:
    """``sweep`` with as many points again between its last feasible and its first infeasible minimum trusted
    share, when it has both (where the frontier ends), warm-started; ``sweep`` itself otherwise."""
    from allyshore.optimize import ParetoResult, pareto

    values = [(float(p["value"]), p["status"] != "infeasible") for p in sweep.frontier]
    feasible = [v for v, ok in values if ok]
    infeasible = [v for v, ok in values if not ok]
    if not feasible or not infeasible or max(feasible) > min(infeasible):
        return sweep
    low, high, count = max(feasible), min(infeasible), len(values)
    inner = pareto(network, sweep=f"min-trusted-share={low!r}:{high!r}:{count + 2}", policy=policy, options=options)
    known = {v for v, _ in values}
    extra = [p for p in inner.frontier if not any(math.isclose(float(p["value"]), v) for v in known)]
    points = sorted([*sweep.frontier, *extra], key=lambda p: float(p["value"]))
    notes = (*sweep.notes, f"refined with {len(extra)} points between {low:g} and {high:g}, where the frontier ends")
    return ParetoResult(sweep.parameter, tuple(points), as_of=sweep.as_of, notes=notes)


def plan_results(
    network: Network, options: PlanOptions, settings: PlanSettings, *, policy: TrustPolicy | None = None
) -> PlanResults:
    """The sourcing plan of ``network`` under ``options`` (the report's trust ``policy``) and its frontier
    (``settings.sweep``, or :func:`default_sweep` made finer where it ends: :func:`refined`), warm-started; a
    frontier that cannot be computed is kept as its error."""
    from allyshore.optimize import optimize, pareto

    result = optimize(network, policy=policy, options=options)
    sweep, note = (
        (settings.sweep, "") if settings.sweep is not None else default_sweep(result, options, settings.points)
    )
    if sweep is None:
        return PlanResults(result=result, frontier_note=note)
    frontier = attempt(lambda: pareto(network, sweep=sweep, policy=policy, options=options))
    if settings.sweep is None and not isinstance(frontier, AllyshoreError):
        first = frontier
        finer = attempt(lambda: refined(network, first, options, policy))
        frontier = first if isinstance(finer, AllyshoreError) else finer  # the coarse frontier stands
    return PlanResults(result=result, frontier=frontier, sweep=sweep)


# --- landed cost ----------------------------------------------------------------------------------------------------


def comparable_items(result: NetworkCost, limit: int | None = None) -> list[tuple[str, str]]:
    """(item, site) pairs with more than one source, largest current annual spend first (the candidates of the
    cost section: three times as many as it shows, to leave room for items it skips)."""
    limit = MAX_ITEMS if limit is None else limit
    flows = result.flows
    network_options = result.sourcing
    multi = [s for s in network_options if s.best_source not in s.current_sources or len(s.current_sources) > 1]
    spend = {
        (r["item_id"], r["to_site"]): r["total_per_year"]
        for r in flows.group_by("item_id", "to_site").agg(pl.col("total_per_year").sum()).iter_rows(named=True)
    }
    pairs = [(s.item_id, s.to_site) for s in network_options]
    chosen = [(s.item_id, s.to_site) for s in multi]
    chosen += [p for p in pairs if p not in chosen]
    return sorted(chosen, key=lambda p: -spend.get(p, 0.0))[: max(limit * 3, limit)]


def cost_results(
    network: Network, *, policy: TrustPolicy | None = None, strict_duties: bool = False
) -> CostResults | AllyshoreError | None:
    """The landed cost of ``network`` and the sensitivities its section may show; None without flows or demand.
    ``policy`` is the report's trust policy (the tiers of the country-risk default).

    The section shows at most :data:`~allyshore.report.cost.MAX_ITEMS` items (an item received by several sites
    with the same figures counts once): once that many items with a choice of sources are known, only further
    receiving sites of those items can still be shown, and the other candidates are not costed.
    """
    from allyshore.cost.network import network_cost
    from allyshore.cost.sensitivity import sensitivity

    if network.flows.height == 0 or network.demand.height == 0:
        return None
    if strict_duties:
        overall = network_cost(network, policy=policy, strict_duties=True)
    else:
        costed = attempt(lambda: network_cost(network, policy=policy))
        if isinstance(costed, AllyshoreError):
            return costed
        overall = costed
    items: list[ItemSensitivity] = []
    with_choice: set[str] = set()
    for item, site in comparable_items(overall):
        if len(with_choice) >= MAX_ITEMS and item not in with_choice:
            continue
        result = attempt(partial(sensitivity, network, item, site, policy=policy))
        items.append(ItemSensitivity(item, site, result))
        if not isinstance(result, AllyshoreError) and len(result.comparison.options) >= 2:
            with_choice.add(item)
    return CostResults(network=overall, items=tuple(items))


# --- resilience -----------------------------------------------------------------------------------------------------


def shocked_countries(network: Network, result: StressResult) -> list[str]:
    """Countries hosting a non-customer site of a scenario of ``result``, sorted: each is shocked whole."""
    sites = network.sites
    kinds = dict(zip(sites.get_column("site_id"), sites.get_column("kind"), strict=True))
    countries = dict(zip(sites.get_column("site_id"), sites.get_column("country"), strict=True))
    return sorted({str(countries[s]) for r in result.scenarios for s in r.scenario.sites if kinds[s] != "customer"})


def stress_results(network: Network) -> StressResults | None:
    """The stress test of every site and of every shocked country at once; None without demand."""
    from allyshore.resilience.stress import stress_test

    if network.demand.height == 0:
        return None
    sites = stress_test(network)
    codes = shocked_countries(network, sites) if sites.scenarios else []
    countries = stress_test(network, country=codes, line_stoppers=False) if codes else None
    return StressResults(sites=sites, countries=countries)


# --- USMCA origin ---------------------------------------------------------------------------------------------------


def origin_results(network: Network, *, policy: TrustPolicy | None = None) -> OriginResults:
    """USMCA origin of every finished good, and the advisor's plan for the first non-originating goods made in
    North America (:data:`~allyshore.report.origin.MAX_PLANS` of them; each plan is one small MIP, its landed
    cost under the report's trust ``policy``)."""
    from allyshore.advisor import advise_qualification
    from allyshore.origin.from_network import determine_network

    result = determine_network(network)
    plans: dict[tuple[str, str], QualificationPlan | AllyshoreError] = {}
    for good in failing_goods(result)[:MAX_PLANS]:
        plan = partial(advise_qualification, network, good.item_id, site=good.site_id, origin=result, policy=policy)
        plans[(good.item_id, good.site_id)] = attempt(plan)
    return OriginResults(network=result, plans=plans)
