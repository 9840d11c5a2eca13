"""Landed cost: what each source really costs, delivered, over five years.

Every factor is a named term (:data:`FACTORS`, documented in :data:`FACTOR_DOCS`):
price with FX, packaging, freight, insurance, layered and dated duties (MFN,
Section 301, 232, IEEPA, 122 and 201 layers with USMCA preference and stacking,
Mexican IGI on non-originating IMMEX inputs under LA 63-A; a duty the tables
cannot give is listed as unknown, never 0 in silence), the US merchandise processing and
harbor maintenance fees, broker and crossing fees, pipeline, cycle and safety
stock carrying costs, and the Reshoring Initiative TCO Estimator's other hard
costs, risks and strategic factors. The total is their exact sum.

Defaults ship in ``allyshore/data/cost`` with a source and date on every row; an
assumptions TOML file overrides any of them (:func:`load_assumptions`), and every
result lists the assumptions it used.

Public API: :func:`compare_sources`, :func:`network_cost`, :func:`sensitivity`,
:func:`tariff_layers` (the layers of one line), :func:`landed_cost` (the vectorised kernel),
:func:`load_assumptions`.
"""

from __future__ import annotations

from allyshore.cost.assumptions import Assumption, AssumptionBook, default_assumptions, load_assumptions
from allyshore.cost.bridges import disruption_from_monte_carlo
from allyshore.cost.compare import compare_sources
from allyshore.cost.kernel import FACTOR_DOCS, FACTORS, GROUPS, CostInputs, landed_cost, total_of
from allyshore.cost.layers import LayerLine, TariffLayers, tariff_layers
from allyshore.cost.network import network_cost
from allyshore.cost.results import BreakEven, CostComparison, CostOption, ItemSourcing, NetworkCost, Sensitivity, Swing
from allyshore.cost.sensitivity import SWINGS, sensitivity
from allyshore.cost.tariffs import duty_rates
from allyshore.cost.unknown import UnknownDuty

__all__ = [
    "FACTORS",
    "FACTOR_DOCS",
    "GROUPS",
    "SWINGS",
    "Assumption",
    "AssumptionBook",
    "BreakEven",
    "CostComparison",
    "CostInputs",
    "CostOption",
    "ItemSourcing",
    "LayerLine",
    "NetworkCost",
    "Sensitivity",
    "Swing",
    "TariffLayers",
    "UnknownDuty",
    "compare_sources",
    "default_assumptions",
    "disruption_from_monte_carlo",
    "duty_rates",
    "landed_cost",
    "load_assumptions",
    "network_cost",
    "sensitivity",
    "tariff_layers",
    "total_of",
]
