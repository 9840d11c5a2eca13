"""The pieces the sourcing-plan model is assembled from: its decision variables and blocks of linear rows.

The plan chooses, for every (item, receiving site) with at least one flow, the share of the site's need taken
from each of its flows (active and candidate). Those shares are the model's first columns, one per row of
:attr:`Choices.frame`, in that order. Each capability that constrains the plan (trust and country shares, USMCA
origin, resilience, ...) hands the assembler a :class:`Rows` block: a sparse matrix over those columns, optionally
followed by columns of its own (auxiliary continuous or integer variables), with row bounds and one label per row.
The assembler stacks the blocks, appends their own columns, solves once through :mod:`allyshore._lp` and reports
every block by name: whether each row binds and its shadow price (LP rows) or none (rows of a MIP).

>>> import numpy as np, polars as pl, scipy.sparse as sp
>>> choices = Choices(pl.DataFrame({"item_id": ["X", "X"], "to_site": ["P", "P"], "from_site": ["A", "B"]}))
>>> block = Rows("cap:A", sp.csr_matrix([[1.0, 0.0]]), np.array([-np.inf]), np.array([0.5]), ("A at most half",))
>>> block.check(choices.n)
>>> block.n_extra, choices.n
(0, 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: The columns of :attr:`Choices.frame` the assembler fills (a builder may add more). One row per flow of the
#: network that can carry the item into the receiving site:
#:
#: * ``j``: the column of the share variable (0..n-1, the row order);
#: * ``flow_row``: the row of the flow in ``network.flows``;
#: * ``item_id``, ``to_site``, ``from_site``;
#: * ``group``: the index of the (item_id, to_site) pair, whose shares sum to 1 (demand met);
#: * ``country``: ISO alpha-2 country of origin of the goods on the flow (the supply row's ``origin_country``,
#:   else the shipping site's country);
#: * ``tier``: the trust tier of that country under the policy;
#: * ``status_before``: ``active`` or ``candidate``; ``share_before``: the flow's share today (0 for candidates);
#: * ``need_per_year``: units a year the receiving site needs of the item (the group's need);
#: * ``cost_per_unit``: landed cost per unit delivered (the landed-cost engine's total); null when unknown;
#: * ``price_per_unit``: the source's price per unit (its value, for value shares and RVC).
CHOICE_COLUMNS: tuple[str, ...] = (
    "j",
    "flow_row",
    "item_id",
    "to_site",
    "from_site",
    "group",
    "country",
    "tier",
    "status_before",
    "share_before",
    "need_per_year",
    "cost_per_unit",
    "price_per_unit",
)


@dataclass(frozen=True)
class Choices:
    """The share variables of a plan: one row of ``frame`` per flow that may carry an item into a site."""

    frame: pl.DataFrame

    @property
    def n(self) -> int:
        """Number of share variables."""
        return self.frame.height


@dataclass(frozen=True)
class Rows:
    """A block of linear rows ``lower <= matrix @ [shares, extra] <= upper`` named for what it enforces.

    ``matrix`` has ``n + n_extra`` columns: the share variables of :class:`Choices` first, then the block's own
    auxiliary variables, whose bounds, integrality and names ``extra_*`` give. ``labels`` name each row for the
    output (``"trusted share of PUMP >= 0.8"``); ``detail`` says in words what the block is.
    """

    name: str
    matrix: sp.csr_matrix
    lower: FloatArray
    upper: FloatArray
    labels: tuple[str, ...]
    detail: str = ""
    extra_lower: FloatArray = field(default_factory=lambda: np.zeros(0))
    extra_upper: FloatArray = field(default_factory=lambda: np.zeros(0))
    extra_integer: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    extra_names: tuple[str, ...] = ()
    extra_costs: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_extra(self) -> int:
        """Number of the block's own auxiliary variables."""
        return len(self.extra_names)

    def check(self, n_shares: int) -> None:
        """Raise ValueError unless the block's shapes agree with ``n_shares`` share variables."""
        rows = len(self.labels)
        width = n_shares + self.n_extra
        if self.matrix.shape != (rows, width):
            raise ValueError(f"{self.name}: matrix is {self.matrix.shape}, expected {(rows, width)}")
        if len(self.lower) != rows or len(self.upper) != rows:
            raise ValueError(f"{self.name}: {rows} rows but bounds of {len(self.lower)} and {len(self.upper)}")
        extras = (self.extra_lower, self.extra_upper, self.extra_integer, self.extra_costs)
        if any(len(a) != self.n_extra for a in extras):
            raise ValueError(f"{self.name}: extra columns disagree with extra_names")
