"""USMCA origin as rows of the sourcing plan: goods that must stay (or become) originating under their rule.

Not built yet: :func:`origin_rows` raises until the origin constraints exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from allyshore.conventions import AsOf
from allyshore.model.network import Network
from allyshore.optimize.blocks import Choices, Rows


@dataclass(frozen=True)
class OriginBlocks:
    """The origin rows of a plan and what they were built from."""

    rows: tuple[Rows, ...]
    originating_before: tuple[str, ...]  # item ids of the goods made in the network that originate today
    notes: tuple[str, ...] = ()


def origin_rows(
    network: Network,
    choices: Choices,
    *,
    as_of: AsOf = None,
    keep: bool = True,
    require: Sequence[str] = (),
) -> OriginBlocks:
    """Rows that keep every good originating today originating (``keep``) and make ``require`` originating."""
    raise NotImplementedError("origin constraints of the sourcing plan")


def originating_goods(network: Network, *, as_of: AsOf = None) -> tuple[str, ...]:
    """Item ids of the goods made in ``network`` that are USMCA-originating (the origin engine's verdict)."""
    raise NotImplementedError("origin constraints of the sourcing plan")
