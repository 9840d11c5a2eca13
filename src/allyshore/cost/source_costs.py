"""Landed costs for the qualification advisor (:class:`allyshore.origin.advise.SourceCosts`), from the landed-cost
engine's public functions.

The advisor prices a re-sourcing at what it costs delivered, not at its price: for each
(input item, receiving plant) it asks :func:`allyshore.cost.compare_sources` once for the
landed cost per unit of every active and candidate source (price, freight, insurance, the
duties and fees of every tariff layer in force, inventory carrying, risk), and for the
finished good it asks the same function twice per destination -- the good taken as
non-originating, then as USMCA-originating -- so that the import duties and fees the
preference avoids are known (``duty_saved``). Tariff tables are never read here directly.

:func:`allyshore.advisor.advise_qualification` hands these costs to the advisor of :mod:`allyshore.origin.advise`,
which defines what it needs (the protocol) and never imports cost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from allyshore.cost.compare import compare_sources
from allyshore.errors import AllyshoreError
from allyshore.model.network import Network


class LandedCosts:
    """Landed cost per unit of an item from a source into a site, looked up once per (item, site)."""

    def __init__(
        self, network: Network, as_of: date | None = None, assumptions: Any = None, policy: Any = None
    ) -> None:
        self.network, self.as_of, self.assumptions, self.policy = network, as_of, assumptions, policy
        self._comparisons: dict[tuple[Any, ...], Any] = {}
        self.notes: list[str] = []

    def _comparison(self, item: str, to_site: str, originating: Mapping[tuple[str, str], bool] | None = None) -> Any:
        key: tuple[Any, ...] = (item, to_site, *sorted((originating or {}).items()))
        if key not in self._comparisons:
            try:
                self._comparisons[key] = compare_sources(
                    self.network,
                    item,
                    to_site,
                    as_of=self.as_of,
                    policy=self.policy,
                    assumptions=self.assumptions,
                    originating=originating,
                    use_origin_engine=False,  # inputs: their supply columns; the good: the map given
                )
            except AllyshoreError as error:
                self.notes.append(f"landed cost of {item} into {to_site} unavailable ({error})")
                self._comparisons[key] = None
        return self._comparisons[key]

    def per_unit(self, item: str, to_site: str, source_site: str, candidate: bool) -> float | None:
        """Landed cost per unit of ``item`` from ``source_site`` into ``to_site`` (None when unknown)."""
        comparison = self._comparison(item, to_site)
        if comparison is None:
            return None
        status = "candidate" if candidate else "active"
        options = [o for o in comparison.options if o.source_site == source_site]
        preferred = [o for o in options if o.status == status] or options
        if not preferred:
            self.notes.append(f"no landed cost of {item} from {source_site} into {to_site}")
            return None
        total = float(preferred[0].total)
        if not math.isfinite(total):
            self.notes.append(f"landed cost of {item} from {source_site} into {to_site} is unknown (an unknown duty)")
            return None
        return total

    def duty_saved(self, good: str, plant: str, destinations: Mapping[str, float]) -> float | None:
        """Landed cost per unit of the good saved at its destinations when it is USMCA-originating:
        the import duties and fees the preference avoids, weighted by units to each destination."""
        weights = {site: w for site, w in destinations.items() if w > 0} or dict.fromkeys(destinations, 1.0)
        if not weights:
            self.notes.append(f"{good} leaves {plant} by no active flow: no import duty to save")
            return None
        saved = 0.0
        for site, weight in weights.items():
            totals = []
            for flag in (False, True):
                comparison = self._comparison(good, site, {(plant, good): flag})
                option = (
                    None
                    if comparison is None
                    else next((o for o in comparison.options if o.source_site == plant), None)
                )
                if option is None or not math.isfinite(float(option.total)):
                    self.notes.append(
                        f"landed cost of {good} from {plant} into {site} unavailable: duty saved not counted"
                    )
                    return None
                totals.append(float(option.total))
            saved += weight * (totals[0] - totals[1])
        return saved / sum(weights.values())
