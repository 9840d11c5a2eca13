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
"""

from __future__ import annotations

import importlib
from typing import Any

from allyshore.errors import AllyshoreError, InputError, NotFoundError, Problem, ValidationError
from allyshore.io import load_network, write_network
from allyshore.model import Network

__version__ = "0.1.0"

# Public functions of the capability modules, imported on first use so that
# `import allyshore` stays fast: name -> module that defines it.
_LAZY: dict[str, str] = {
    "load_sample": "allyshore.samples",
    "sample_names": "allyshore.samples",
    "generate_network": "allyshore.generate",
    "exposure": "allyshore.exposure_map",
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
    "advise_qualification": "allyshore.origin.advise",
    "certify": "allyshore.origin.certification",
    "open_store": "allyshore.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'allyshore' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AllyshoreError",
    "InputError",
    "Network",
    "NotFoundError",
    "Problem",
    "ValidationError",
    "__version__",
    "load_network",
    "write_network",
    *_LAZY,
]
