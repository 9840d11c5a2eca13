"""What a report is rendered from: the network, the options and the ready-made results of every analysis.

A :class:`ReportContext` holds results, never the means to compute them: the
analyses run once, before any section is drawn, in
:func:`allyshore.report.analyses.run_analyses`; a report can as well be rendered
from results stored earlier (build the context from them directly). Section
builders only read it.

An analysis that cannot run on a network (its data cannot support it) is kept
as the :class:`~allyshore.errors.AllyshoreError` it raised, in place of its
result: the sections that need it call :func:`ready`, which raises the error
again, and :func:`~allyshore.report.sections.build_sections` shows a section
that says so instead of breaking the whole report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup

from allyshore.errors import AllyshoreError, Problem

if TYPE_CHECKING:
    from allyshore.capacity.results import CapacityMatch
    from allyshore.cost.results import NetworkCost, Sensitivity
    from allyshore.cost.unknown import UnknownDuty
    from allyshore.exposure import ExposureResult
    from allyshore.model.network import Network
    from allyshore.optimize.results import OptimizeResult, ParetoResult
    from allyshore.origin.results import NetworkOrigin, QualificationPlan
    from allyshore.resilience.results import SimulationResult, StressResult
    from allyshore.trust import TrustPolicy, TrustTable

T = TypeVar("T")


def ready(outcome: T | AllyshoreError) -> T:
    """The result of an analysis, or the error it raised raised again (the section then says why it is missing)."""
    if isinstance(outcome, AllyshoreError):
        raise outcome
    return outcome


#: Points of the report's default frontier: the minimum trusted share of each good, in round steps to 100% from
#: the lowest of today's sourcing and of the plan.
SWEEP_POINTS = 5


@dataclass(frozen=True)
class PlanSettings:
    """The sourcing plan a report shows (its "Sourcing plan" section) and the frontier drawn with it.

    ``options`` are plan options by name (:class:`allyshore.optimize.PlanOptions`, e.g.
    ``{"min_trusted_share": 0.8}``), over those of the report's policy file's ``[optimize]`` table.
    ``sweep`` is a frontier as ``allyshore optimize pareto --sweep`` takes it (``"min-trusted-share=0.5:1.0:6"``);
    None sweeps the minimum trusted share of each good in ``points`` round steps to 100% from the lowest of
    today's sourcing and of the plan, then as many again where the frontier ends
    (:func:`allyshore.report.analyses.default_sweep`, :func:`~allyshore.report.analyses.refined`);
    ``points=0`` draws no frontier.
    """

    options: Mapping[str, Any] = field(default_factory=dict)
    sweep: str | None = None
    points: int = SWEEP_POINTS


@dataclass(frozen=True)
class ReportOptions:
    """What the user chose for the report."""

    title: str | None = None
    policy: Path | None = None  # a trust policy file (TOML), which may hold a plan's [optimize] table too
    extra: Mapping[str, object] = field(default_factory=dict)  # options of later sections, by name
    strict_duties: bool = False  # an unknown duty of the landed cost stops the report before anything is written
    plan: PlanSettings | None = None  # the sourcing plan and its frontier; None: no plan section


@dataclass(frozen=True)
class ItemSensitivity:
    """The sensitivity of one item's sources into one receiving site (or why it could not be computed)."""

    item_id: str
    to_site: str
    result: Sensitivity | AllyshoreError


@dataclass(frozen=True)
class CostResults:
    """The landed cost of the network, and the sensitivity of each item the cost section may show, in the order
    the section considers them (largest annual spend first)."""

    network: NetworkCost
    items: tuple[ItemSensitivity, ...] = ()


@dataclass(frozen=True)
class StressResults:
    """The stress test of every single site, and of every site of a country at once (the countries hosting a
    non-customer site of a single-site scenario; None when there is none)."""

    sites: StressResult
    countries: StressResult | None = None


@dataclass(frozen=True)
class OriginResults:
    """USMCA origin of the finished goods, and the advisor's re-sourcing plan (or why there is none) of each
    non-originating good the report plans for, by (item, site)."""

    network: NetworkOrigin
    plans: Mapping[tuple[str, str], QualificationPlan | AllyshoreError] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanResults:
    """The sourcing plan of the network, and the frontier of plans drawn with it (None: no frontier asked for,
    or none to draw, ``frontier_note`` says why), with the sweep that made it."""

    result: OptimizeResult
    frontier: ParetoResult | AllyshoreError | None = None
    sweep: str | None = None
    frontier_note: str = ""


@dataclass(frozen=True, eq=False)
class ReportContext:
    """Everything a section builder may use: the network, the options and the results of the analyses.

    ``trust`` is the country assessment of :mod:`allyshore.trust` under ``policy``;
    ``context.tier_of(code)`` gives a country's trust tier. ``cost`` is None when
    the network has no flows or no demand, ``stress`` when it has no demand, ``plan`` when the options ask
    for no sourcing plan.
    """

    network: Network
    policy: TrustPolicy
    trust: TrustTable
    exposure: ExposureResult | AllyshoreError
    validation: tuple[Problem, ...] | AllyshoreError
    cost: CostResults | AllyshoreError | None
    stress: StressResults | AllyshoreError | None
    origin: OriginResults | AllyshoreError
    options: ReportOptions = field(default_factory=ReportOptions)
    plan: PlanResults | AllyshoreError | None = None  # None unless the options ask for a plan
    simulation: SimulationResult | None = None  # a Monte Carlo simulation run's result (the platform's runs)
    capacity_match: CapacityMatch | None = None  # a capacity match run's result (the platform's runs)

    @cached_property
    def _exposure_json(self) -> dict[str, Any]:
        return ready(self.exposure).to_dict()

    def exposure_dict(self) -> dict[str, Any]:
        """The exposure map as :meth:`~allyshore.exposure.ExposureResult.to_dict` gives it (made once)."""
        return self._exposure_json

    def tier_of(self, country: str) -> str:
        return str(self.trust.tier_of(country))

    @property
    def unknown_duties(self) -> tuple[UnknownDuty, ...]:
        """The duties the landed cost of the report could not determine (counted as 0), or none."""
        cost = self.cost
        return () if cost is None or isinstance(cost, AllyshoreError) else cost.network.unknown_duties

    @cached_property
    def tiers(self) -> tuple[str, ...]:
        from allyshore.trust import TIERS

        return tuple(TIERS)

    @cached_property
    def tier_colors(self) -> dict[str, str]:
        from allyshore.trust import TIER_COLORS

        return dict(TIER_COLORS)

    def render(self, template: str, **values: Any) -> Markup:
        """Render a template of ``report/templates`` (autoescaped) to a safe HTML fragment."""
        from allyshore.report.sections import environment

        return Markup(environment().get_template(template).render(context=self, **values))
