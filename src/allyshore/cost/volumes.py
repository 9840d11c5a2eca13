"""How many units move where: units a week of every node, units a year of every flow, the options a flow offers.

Every costing prices its options for these volumes: :func:`annual_flow_units` rolls the demand up the compiled
network (:mod:`allyshore.model.rollup`) to the units each active flow carries a year and the full need of each
(receiving site, item), which a candidate source would have to cover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.cost.kernel import FloatArray
from allyshore.model.graph import NodeGraph, compile_network
from allyshore.model.network import Network
from allyshore.model.rollup import Levels, calc_levels, calc_requirements


@dataclass(frozen=True, eq=False)
class FlowVolumes:
    """The compiled network and the units a week of each of its nodes under the network's demand."""

    graph: NodeGraph
    levels: Levels  # the graph's active edges by depth, for the roll-ups
    roots: NDArray[np.int64]  # demand nodes of the demand rows that have one
    volume: FloatArray  # units a week of every node


def flow_volumes(network: Network) -> FlowVolumes:
    """Compile ``network`` and roll its demand up to the units a week every node must supply."""
    graph = compile_network(network)
    levels = calc_levels(graph)
    ok = graph.demand_node >= 0
    roots = graph.demand_node[ok].astype(np.int64)
    demand = np.bincount(roots, weights=graph.demand_units[ok], minlength=graph.n_nodes).astype(np.float64)
    return FlowVolumes(graph, levels, roots, calc_requirements(levels, demand))


def annual_flow_units(network: Network, volumes: FlowVolumes | None = None) -> tuple[FloatArray, pl.DataFrame]:
    """Units a year on every flow row (0 for candidates) and the full need of each (to_site, item)."""
    v = volumes or flow_volumes(network)
    graph, volume = v.graph, v.volume
    flows_n = network.flows.height
    is_flow = graph.edge_flow >= 0
    consumer = graph.edge_consumer[is_flow]
    flow = graph.edge_flow[is_flow]
    full = volume[consumer] * graph.edge_qty[is_flow] * 52.0
    share = np.where(graph.edge_active[is_flow], graph.edge_share[is_flow], 0.0)
    per_flow: FloatArray = np.zeros(flows_n)
    if flows_n:
        per_flow = np.bincount(flow, weights=full * share, minlength=flows_n)[:flows_n].astype(np.float64)
    # The need of a site for an item counts every edge into it: flows and the site's own make (internal edges).
    consumer = graph.edge_consumer
    full = volume[consumer] * graph.edge_qty * 52.0
    to_site = np.asarray(graph.site_ids, dtype=object)[graph.node_site[consumer]]
    item = np.asarray(graph.item_ids, dtype=object)[graph.edge_item]
    need = (
        pl.DataFrame(
            {
                "to_site": pl.Series(to_site.tolist(), dtype=pl.String),
                "item_id": pl.Series(item.tolist(), dtype=pl.String),
                "consumer": consumer,
                "full": full,
            }
        )
        .group_by("to_site", "item_id", "consumer")
        .agg(pl.col("full").max())
        .group_by("to_site", "item_id")
        .agg(pl.col("full").sum().alias("need"))
    )
    return per_flow, need


def flow_options(flows: pl.DataFrame) -> pl.DataFrame:
    """The flow rows as costing options (:data:`allyshore.cost.options.OPTION_COLUMNS`), each with its row."""
    return flows.with_row_index("flow_row").select(
        pl.col("from_site").alias("source_site"),
        "to_site",
        "item_id",
        pl.col("status").fill_null("active"),
        "mode",
        pl.col("transit_days").cast(pl.Float64),
        pl.col("freight_per_unit").cast(pl.Float64),
        "crossing",
        pl.col("flow_row").cast(pl.Int64),
    )
