"""The embedded sample networks: small, documented, ILLUSTRATIVE multi-tier supply chains.

They ship as package data (``allyshore/data/samples/<name>.json``, described in the README beside them)
and serve the demo report, the documentation and the tests.

>>> "infusion-pump" in sample_names()
True
>>> load_sample("infusion-pump").name
'infusion-pump'
>>> load_sample("toaster")
Traceback (most recent call last):
...
allyshore.errors.NotFoundError: no sample network named 'toaster'; samples: ...
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

from allyshore.errors import NotFoundError
from allyshore.model.network import Network
from allyshore.model.parse import parse_document
from allyshore.results import Result


def _folder() -> Traversable:
    return resources.files("allyshore").joinpath("data", "samples")


def sample_names() -> tuple[str, ...]:
    """Names of the embedded sample networks, sorted."""
    return tuple(sorted(p.name.removesuffix(".json") for p in _folder().iterdir() if p.name.endswith(".json")))


def load_sample(name: str) -> Network:
    """Load an embedded sample network by name (validated like any network file).

    Raises
    ------
    NotFoundError
        No sample has that name; the message lists the samples.
    """
    if name not in sample_names():
        raise NotFoundError(f"no sample network named '{name}'; samples: {', '.join(sample_names())}")
    document = json.loads(_folder().joinpath(f"{name}.json").read_text(encoding="utf-8"))
    network = parse_document(document, name=name)
    return network


@dataclass(frozen=True)
class SampleInfo(Result):
    """One line of the sample listing: name, description and table sizes."""

    name: str
    description: str
    counts: dict[str, int]
    tiers: int


def sample_info() -> tuple[SampleInfo, ...]:
    """Every sample with its description, row counts and depth (longest chain of nodes to a customer).

    >>> [(info.name, info.tiers) for info in sample_info()][:1]
    [('ev-battery-pack', 5)]
    """
    from allyshore.model.graph import compile_network

    out = []
    for name in sample_names():
        network = load_sample(name)
        depth = int(compile_network(network).depth.max()) if network.supply.height else 0
        out.append(SampleInfo(name, network.description, network.summary(), depth))
    return tuple(out)
