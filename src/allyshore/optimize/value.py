"""The value of each finished good made in a set of countries, as a linear function of the plan's shares.

The exposure map (:mod:`allyshore.exposure.analysis`) splits the unit value of good ``g`` over the nodes that make
it: ``V_S(g) = sum_n M[g, n] VA_n [n made in S]``, with ``M`` the units of node ``n`` per unit of ``g`` and ``VA``
the value added at each node. The shares ``x_j`` of the flows enter ``M`` and ``VA`` multiplicatively; the plan
uses the first-order expansion around today's plan, exact when no choice sits below another one:

    V_S(g; x) = V_S(g; x0) + sum_j a_S[g, j] (x_j - x0_j)
    a_S[g, j] = sum over the edges e of flow j:  M[g, c_e] q_e (E_S[s_e] - p_{s_e} [c_e priced and made in S])

where ``c_e`` is the receiving node of the edge, ``s_e`` its source node, ``q_e`` the BOM quantity, ``E_S[s]`` the
value made in ``S`` that one unit of ``s`` embodies (rolled up below it with today's shares) and ``p_s`` its price
(what the receiving node's own value added is net of). The units of every node per unit of good (``M``) are held
at today's roll-up, and so is the good's unit value, the denominator of every share.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from allyshore.cost.volumes import FlowVolumes
from allyshore.model.rollup import calc_embodied, calc_requirement_matrix, calc_value_added

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class ValueModel:
    """Today's value roll-up of the finished goods and the linear value of each good in a set of countries."""

    volumes: FlowVolumes
    n_choices: int
    share_before: FloatArray  # x0, one per choice (= flow row)

    @cached_property
    def _rollup(self) -> tuple[FloatArray, FloatArray, BoolArray]:
        margin, price, priced = calc_value_added(self.volumes.graph, self.volumes.levels)
        return np.maximum(margin, 0.0), price, priced

    @cached_property
    def goods(self) -> tuple[NDArray[np.int64], FloatArray, sp.csr_matrix]:
        """(item number of each good, units per week of each good, units of every node per unit of good)."""
        graph = self.volumes.graph
        node, units = graph.demand_node, graph.demand_units
        ok = node >= 0
        node, units = node[ok], units[ok]
        goods, good_of_row = np.unique(graph.node_item[node], return_inverse=True)
        total = np.bincount(good_of_row, weights=units, minlength=goods.shape[0]).astype(np.float64)
        count = np.bincount(good_of_row, minlength=goods.shape[0])
        safe = np.where(total > 0, total, 1.0)
        weight = np.where(total[good_of_row] > 0, units / safe[good_of_row], 1.0 / count[good_of_row])
        seed = sp.csr_matrix((weight, (good_of_row, node)), shape=(goods.shape[0], graph.n_nodes))
        per_good = calc_requirement_matrix(self.volumes.levels, seed)
        return goods.astype(np.int64), total, sp.csr_matrix(per_good)

    @property
    def good_ids(self) -> list[str]:
        ids = self.volumes.graph.item_ids
        return [ids[i] for i in self.goods[0].tolist()]

    @cached_property
    def unit_value(self) -> FloatArray:
        """Unit value of each good today (USD per unit, the exposure map's)."""
        va = self._rollup[0]
        return np.asarray(self.goods[2] @ va, dtype=np.float64)

    @cached_property
    def maker_in(self) -> tuple[tuple[str, ...], NDArray[np.int64]]:
        """Countries and, per node, the country its own value is made in (the exposure map's)."""
        return self.volumes.graph.maker_country_codes

    def nodes_in(self, countries: set[str]) -> BoolArray:
        names, code = self.maker_in
        chosen = np.asarray([c in countries for c in names], dtype=bool)
        return chosen[code] if chosen.size else np.zeros(code.shape[0], dtype=bool)

    def linear(self, in_set: BoolArray) -> tuple[sp.csr_matrix, FloatArray]:
        """``(A, C)`` with the value of each good made in the node set ``in_set`` = ``A @ x + C`` (USD per unit of
        good; goods x choices and goods), the first-order expansion of the module docstring."""
        graph, levels = self.volumes.graph, self.volumes.levels
        va, price, priced = self._rollup
        own = va * in_set
        embodied = calc_embodied(levels, own)
        per_good = self.goods[2]
        on_flow = np.flatnonzero(graph.edge_flow >= 0)
        consumer = graph.edge_consumer[on_flow]
        source = graph.edge_supplier[on_flow]
        qty = graph.edge_qty[on_flow]
        deduct = priced[consumer] & in_set[consumer]
        data = qty * (embodied[source] - np.where(deduct, price[source], 0.0))
        d = sp.csr_matrix(
            (data, (consumer, graph.edge_flow[on_flow])), shape=(graph.n_nodes, self.n_choices), dtype=np.float64
        )
        a = sp.csr_matrix(per_good @ d)
        a.eliminate_zeros()
        today = np.asarray(per_good @ own, dtype=np.float64)
        constant = today - np.asarray(a @ self.share_before, dtype=np.float64)
        return a, constant
