"""The one place a report runs analyses: every result its sections draw, computed once, before any is drawn.

:func:`run_analyses` returns the :class:`~allyshore.report.context.ReportContext`
the section builders render; they never run an analysis themselves. Each
analysis module is imported when the report is built, so ``import
allyshore.report`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

import polars as pl

from allyshore.conventions import Progress, stepper
from allyshore.errors import AllyshoreError
from allyshore.report.context import (
    CostResults,
    ItemSensitivity,
    OriginResults,
    ReportContext,
    ReportOptions,
    StressResults,
)
from allyshore.report.cost import MAX_ITEMS
from allyshore.report.origin import MAX_PLANS, failing_goods

if TYPE_CHECKING:
    from allyshore.cost.results import NetworkCost
    from allyshore.model.network import Network
    from allyshore.origin.results import QualificationPlan
    from allyshore.resilience.results import StressResult
    from allyshore.trust import TrustPolicy

T = TypeVar("T")

#: Steps :func:`run_analyses` reports to ``progress``: trust, validation, exposure, cost, stress test, origin.
ANALYSIS_STEPS = 6


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

    ``progress(done, total)`` is called after each of the :data:`ANALYSIS_STEPS` analyses
    (:data:`~allyshore.conventions.Progress`). An analysis the network's data cannot support is kept
    as its error (its section says why); a policy file that cannot be read, and
    with ``options.strict_duties`` an unknown duty of the landed cost, raise.
    """
    from allyshore.exposure import exposure
    from allyshore.model.validate import check_network
    from allyshore.trust import assess_countries, load_policy

    options = options or ReportOptions()
    advance = stepper(progress, ANALYSIS_STEPS)

    def step() -> None:
        if advance is not None:
            advance()

    policy = load_policy(options.policy) if options.policy is not None else load_policy()
    trust = assess_countries(policy)
    step()
    validation = attempt(lambda: tuple(check_network(network)))
    step()
    exposure_map = attempt(lambda: exposure(network, policy=policy))
    step()
    given = policy if options.policy is not None else None  # the shipped policy: the analyses' own (cached) default
    cost = cost_results(network, policy=given, strict_duties=options.strict_duties)
    step()
    stress = attempt(lambda: stress_results(network))
    step()
    origin = attempt(lambda: origin_results(network, policy=given))
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
    )


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
