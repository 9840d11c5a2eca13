"""allyshore: an ally-shoring workbench for multi-tier supply networks.

>>> import allyshore
>>> network = allyshore.Network.from_dict({
...     "sites": [{"site_id": "S", "country": "Mexico", "kind": "supplier"}],
...     "items": [{"item_id": "X"}],
...     "supply": [{"site_id": "S", "item_id": "X", "unit_price": 2.5}],
...     "demand": [{"site_id": "S", "item_id": "X", "units_per_week": 10}],
... })
>>> network.sites["country"].to_list()
['MX']

Only the exception tree is imported with the package; every other public name
is imported from its module on first use (:data:`_LAZY`), so that ``import
allyshore`` and the command line start fast. The ``TYPE_CHECKING`` imports
below mirror the table, so type checkers see the real signatures.

Every analysis takes the network first, then keyword-only ``as_of``, ``policy``,
``assumptions`` and ``progress`` where it has them (:mod:`allyshore.conventions`),
and returns a frozen result (:class:`Result`: ``to_dict``, ``to_json``,
``frames`` and a notebook view). A network argument may name an embedded sample:
``allyshore.load_network("infusion-pump")``.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from allyshore.errors import AllyshoreError, InputError, NotFoundError, Problem, ValidationError

if TYPE_CHECKING:
    from allyshore.advisor import advise_qualification
    from allyshore.conventions import AsOf, Progress
    from allyshore.cost import (
        CostComparison,
        NetworkCost,
        Sensitivity,
        TariffLayers,
        compare_sources,
        network_cost,
        sensitivity,
        tariff_layers,
    )
    from allyshore.exposure import ExposureResult, exposure
    from allyshore.generate import generate_network
    from allyshore.io import load_network, write_network
    from allyshore.model import Network
    from allyshore.model.validate import Validation
    from allyshore.optimize import OptimizeResult, ParetoResult, optimize, pareto
    from allyshore.origin import OriginResult, determine_origin, lookup_rule
    from allyshore.origin.certification import certify
    from allyshore.origin.from_network import determine_network
    from allyshore.origin.results import Certification, NetworkOrigin, QualificationPlan
    from allyshore.report import write_report
    from allyshore.resilience import SimulationResult, StressResult, simulate, stress_test
    from allyshore.results import Result
    from allyshore.samples import load_sample, sample_names
    from allyshore.store import DeterminationHistory, DeterminationRecord, open_store
    from allyshore.trust import PolicySource, TrustPolicy, TrustTable, assess_countries, load_policy

__version__ = "0.1.0"

# Public names imported on first use, so that `import allyshore` stays fast: name -> module that defines it.
_LAZY: dict[str, str] = {
    "Network": "allyshore.model",
    "load_network": "allyshore.io",
    "write_network": "allyshore.io",
    "load_sample": "allyshore.samples",
    "sample_names": "allyshore.samples",
    "generate_network": "allyshore.generate",
    "Validation": "allyshore.model.validate",
    # the analyses
    "exposure": "allyshore.exposure",
    "assess_countries": "allyshore.trust",
    "load_policy": "allyshore.trust",
    "write_report": "allyshore.report",
    "compare_sources": "allyshore.cost",
    "network_cost": "allyshore.cost",
    "sensitivity": "allyshore.cost",
    "tariff_layers": "allyshore.cost",
    "stress_test": "allyshore.resilience",
    "simulate": "allyshore.resilience",
    "determine_origin": "allyshore.origin",
    "lookup_rule": "allyshore.origin",
    "determine_network": "allyshore.origin.from_network",
    "advise_qualification": "allyshore.advisor",
    "optimize": "allyshore.optimize",
    "pareto": "allyshore.optimize",
    "certify": "allyshore.origin.certification",
    "open_store": "allyshore.store",
    # their results
    "Result": "allyshore.results",
    "ExposureResult": "allyshore.exposure",
    "TrustPolicy": "allyshore.trust",
    "TrustTable": "allyshore.trust",
    "CostComparison": "allyshore.cost",
    "NetworkCost": "allyshore.cost",
    "Sensitivity": "allyshore.cost",
    "TariffLayers": "allyshore.cost",
    "StressResult": "allyshore.resilience",
    "SimulationResult": "allyshore.resilience",
    "OriginResult": "allyshore.origin",
    "NetworkOrigin": "allyshore.origin.results",
    "QualificationPlan": "allyshore.origin.results",
    "Certification": "allyshore.origin.results",
    "OptimizeResult": "allyshore.optimize",
    "ParetoResult": "allyshore.optimize",
    "DeterminationRecord": "allyshore.store",
    "DeterminationHistory": "allyshore.store",
    # the calling convention's types
    "AsOf": "allyshore.conventions",
    "Progress": "allyshore.conventions",
    "PolicySource": "allyshore.trust",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'allyshore' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """The package's module: importing a subpackage named like a lazy public name (the package
    ``allyshore.exposure`` beside the function ``allyshore.exposure``) leaves the public name to the table,
    instead of binding the subpackage over it; ``from allyshore.exposure import ...`` reads the subpackage."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


# Written out (not built from _LAZY) so that type checkers see what the package exports; a test keeps them equal.
__all__ = [
    "AllyshoreError",
    "AsOf",
    "Certification",
    "CostComparison",
    "DeterminationHistory",
    "DeterminationRecord",
    "ExposureResult",
    "InputError",
    "Network",
    "NetworkCost",
    "NetworkOrigin",
    "NotFoundError",
    "OptimizeResult",
    "OriginResult",
    "ParetoResult",
    "PolicySource",
    "Problem",
    "Progress",
    "QualificationPlan",
    "Result",
    "Sensitivity",
    "SimulationResult",
    "StressResult",
    "TariffLayers",
    "TrustPolicy",
    "TrustTable",
    "Validation",
    "ValidationError",
    "__version__",
    "advise_qualification",
    "assess_countries",
    "certify",
    "compare_sources",
    "determine_network",
    "determine_origin",
    "exposure",
    "generate_network",
    "load_network",
    "load_policy",
    "load_sample",
    "lookup_rule",
    "network_cost",
    "open_store",
    "optimize",
    "pareto",
    "sample_names",
    "sensitivity",
    "simulate",
    "stress_test",
    "tariff_layers",
    "write_network",
    "write_report",
]
