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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from allyshore.errors import NotFoundError
from allyshore.model.network import Network
from allyshore.model.parse import parse_document
from allyshore.results import Result, dumps


def _folder() -> Traversable:
    return resources.files("allyshore").joinpath("data", "samples")


def sample_names() -> tuple[str, ...]:
    """Names of the embedded sample networks, sorted."""
    return tuple(sorted(p.name.removesuffix(".json") for p in _folder().iterdir() if p.name.endswith(".json")))


def sample_named(path: str | Path, *, prefixed_only: bool = False) -> str | None:
    """The sample a network argument names instead of a file: ``sample:NAME``, or a bare sample name that is not
    an existing path (``prefixed_only``: only the ``sample:`` form); None when it names a file.

    >>> sample_named("infusion-pump"), sample_named("sample:toaster"), sample_named("network.xlsx")
    ('infusion-pump', 'toaster', None)
    """
    text = str(path)
    if text.startswith("sample:"):
        return text.removeprefix("sample:")
    if prefixed_only or Path(text).exists() or text not in sample_names():
        return None
    return text


@contextmanager
def sample_file(name: str) -> Iterator[Path]:
    """The path of a sample's JSON document while the block runs (:class:`NotFoundError` for an unknown name)."""
    if name not in sample_names():
        raise NotFoundError(f"no sample network named '{name}'; samples: {', '.join(sample_names())}")
    with resources.as_file(_folder().joinpath(f"{name}.json")) as path:
        yield path


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


@dataclass(frozen=True)
class SampleList(Result):
    """The sample listing. Its JSON is a list of :class:`SampleInfo` objects (the ``samples --json`` contract);
    ``to_dict`` holds the same list under ``samples``."""

    samples: tuple[SampleInfo, ...]

    def to_json(self, *, indent: int | None = 2) -> str:
        return dumps(list(self.samples), indent=indent)


def sample_list() -> SampleList:
    """:func:`sample_info` as a result (JSON, a table per :meth:`~allyshore.results.Result.frames`)."""
    return SampleList(sample_info())


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
