"""Stock in transit: the goods already on each lane when a disruption starts.

In the undisrupted plan every active flow carries ``f_e`` units a week: the
consumer's output needed for the demand (the demand rolled down every tier by
:func:`allyshore.model.rollup.calc_requirements`, in units per week) times the
BOM quantity and the flow's share. A lane whose door-to-door transit takes
``T_e = transit_days / 7`` weeks then holds ``f_e T_e`` units (Little's law), and
they keep arriving at the receiver at ``f_e`` a week for ``T_e`` weeks whatever
happens to the sender: by week ``t`` the receiver has ``f_e min(t, T_e)`` of them.

That is what the stress test counts (../shared/domain/resilience.md §4: a
disrupted node's own stock still ships unless destroyed; goods already on the
water or the road are no longer at the node at all). A border-crossing closure
holds the goods of the lanes through it for the whole scenario. A flow without
``transit_days`` carries no stock in transit (none is counted, and the result
says how many such flows there are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.model.graph import NodeGraph
from allyshore.model.rollup import calc_levels, calc_requirements

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DAYS_PER_WEEK = 7.0


@dataclass(frozen=True, eq=False)
class InTransit:
    """Stock in transit per graph edge: ``weekly`` units a week for ``weeks`` weeks (0 where none)."""

    weekly: FloatArray
    weeks: FloatArray
    flows_without_transit: int  # active flows with volume but no transit_days

    @property
    def units(self) -> FloatArray:
        """Units on each edge's lane at the start: ``f_e T_e``."""
        return self.weekly * self.weeks


def weekly_output(graph: NodeGraph) -> FloatArray:
    """Units per week each node makes or passes on in the undisrupted plan (demand rolled down the BOM)."""
    valid = np.flatnonzero((graph.demand_node >= 0) & (graph.demand_units > 0))
    if valid.size == 0:
        return np.zeros(graph.n_nodes)
    demand = np.bincount(graph.demand_node[valid], weights=graph.demand_units[valid], minlength=graph.n_nodes)
    return calc_requirements(calc_levels(graph), demand.astype(np.float64))


def in_transit(graph: NodeGraph) -> InTransit:
    """The stock in transit on every active edge that travels on a flow with ``transit_days``."""
    output = weekly_output(graph)
    weekly = np.where(graph.edge_active, output[graph.edge_consumer] * graph.edge_qty * graph.edge_share, 0.0)
    weekly = np.where(graph.edge_flow >= 0, weekly, 0.0)  # internal edges do not travel
    days = graph.network.flows.get_column("transit_days").cast(pl.Float64).to_numpy()
    on_flow = graph.edge_flow >= 0
    edge_days = np.full(graph.n_edges, np.nan)
    edge_days[on_flow] = days[graph.edge_flow[on_flow]] if days.size else np.nan
    missing = on_flow & (weekly > 0) & np.isnan(edge_days)
    weeks = np.where(np.isnan(edge_days), 0.0, edge_days) / DAYS_PER_WEEK
    weekly = np.where(weeks > 0, weekly, 0.0)
    return InTransit(
        weekly=weekly,
        weeks=np.where(weekly > 0, weeks, 0.0),
        flows_without_transit=int(np.unique(graph.edge_flow[missing]).size),
    )


def no_transit(graph: NodeGraph) -> InTransit:
    """No stock in transit anywhere (the stress test without it)."""
    zeros = np.zeros(graph.n_edges)
    return InTransit(weekly=zeros, weeks=zeros.copy(), flows_without_transit=0)
