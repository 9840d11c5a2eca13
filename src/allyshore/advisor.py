"""The qualification advisor at landed cost: the origin advisor's plan, each re-sourcing priced by the landed cost.

A workflow over two analyses: the advisor of :mod:`allyshore.origin.advise` finds the cheapest re-sourcing
that makes a finished good USMCA-originating, and the landed-cost engine (:mod:`allyshore.cost`) prices
each source (:class:`allyshore.cost.source_costs.LandedCosts`). The landed cost asks the origin engine
whether a good is originating, so cost imports origin; this module composes the two from above, and origin
never imports cost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from allyshore.conventions import AsOf
from allyshore.cost.source_costs import LandedCosts
from allyshore.errors import InputError
from allyshore.model.network import Network
from allyshore.origin.advise import COST_BASES, CostsAsOf, QualificationPlan, plan_qualification
from allyshore.origin.from_network import NetworkOrigin

if TYPE_CHECKING:
    from allyshore.trust.policy import PolicySource


def advise_qualification(
    network: Network,
    good: str,
    *,
    site: str | None = None,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Any = None,
    rules: Mapping[str, Any] | None = None,
    time_limit_seconds: float = 30.0,
    origin: NetworkOrigin | None = None,
    designate: str = "given",
    cost_basis: str = "landed",
) -> QualificationPlan:
    """Find which materials of ``good``, at any in-house BOM level, re-sourced to which candidate sources,
    qualify it at the least added landed cost (:func:`allyshore.origin.advise.plan_qualification`).

    ``origin``, the result of :func:`~allyshore.origin.from_network.determine_network` on the same
    network (and ``designate`` mode), saves deciding the network again (the report advises on many goods).
    ``assumptions`` is passed to the landed-cost engine (a TOML path or an assumption book), with ``policy``, the
    trust policy of its country-risk default (a policy or its TOML file; the shipped US policy by default).
    ``cost_basis="price"`` prices at price + freight instead of the landed cost.

    Raises
    ------
    NotFoundError
        ``good`` is not a finished good made at a plant (at ``site``, when given), or has no rule.
    InputError
        ``cost_basis`` is neither ``landed`` nor ``price``, or the good is made outside the region.
    """
    if cost_basis not in COST_BASES:
        raise InputError(f"cost_basis must be 'landed' or 'price', not {cost_basis!r}")
    costs = _landed_costs(network, assumptions, policy) if cost_basis == "landed" else None
    return plan_qualification(
        network,
        good,
        site=site,
        as_of=as_of,
        rules=rules,
        time_limit_seconds=time_limit_seconds,
        origin=origin,
        designate=designate,
        costs=costs,
    )


def _landed_costs(network: Network, assumptions: Any, policy: PolicySource) -> CostsAsOf:
    """The landed-cost engine's costs of ``network``, as of the date the advisor decides the good's origin on."""

    def costs(as_of: dt.date | None) -> LandedCosts:
        return LandedCosts(network, as_of, assumptions, policy)

    return costs


__all__ = ["advise_qualification"]
