"""Resilience in the sourcing plan: time-to-survive rows per site and the priced risk of each source.

Not built yet: the functions raise until the resilience constraints exist.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from allyshore.model.network import Network
from allyshore.optimize.blocks import Choices, Rows


def resilience_rows(network: Network, choices: Choices, *, sites: Sequence[str] | None = None) -> tuple[Rows, ...]:
    """Rows that keep each named site's (every site's when None) time-to-survive at least its time-to-recover."""
    raise NotImplementedError("resilience constraints of the sourcing plan")


def risk_per_unit(network: Network, choices: Choices, *, policy: object = None) -> NDArray[np.float64]:
    """Expected annual disruption loss, USD per unit of need, of taking the whole need from each choice."""
    raise NotImplementedError("priced risk of the sourcing plan")
