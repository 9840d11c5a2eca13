"""Key figures of a network's landed cost: what the finished goods cost, delivered, per unit and per year.

The headline is the landed cost of the finished goods delivered in a year: for each demand row,
the annual units times the landed cost per unit of the good rolled up through its BOM and
delivered to the customer site. A unit's landed cost is the base price of the good where it is
made (its ``unit_price``, else the item's ``unit_cost``, else the sum of its BOM inputs' prices,
rolled down every level) plus every cost the flows of the company's own chain add per unit of
the good: freight, duties and fees, inventory carrying and risk, each times the units of that flow
one good needs (BOM quantities and sourcing shares).

The company's own chain is every flow received by one of its sites (``kind`` plant, warehouse or
customer), down through its own plants, and it stops at a supplier's site: what a supplier pays to
bring in its own materials is in the price it charges, so the flows into a supplier are not added
again (they stay in the per-flow costing and in the sum of every tier).

The sum of every tier's landed cost (each active flow at its own landed cost, ``total_per_year``)
is a different figure: a component is counted on its own flow and again inside the price of
what it goes into, so it overstates what the goods cost and may exceed revenue.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.cost.kernel import FloatArray
from allyshore.model.network import Network
from allyshore.model.rollup import Levels, calc_embodied, calc_prices


def rolled_up_prices(graph: Any, levels: Levels) -> FloatArray:
    """Price per unit of every node: its own when known, else the sum of its inputs' prices, down every level.

    A sink (a demand at a customer site) takes the price of what it receives. Unknown leaf prices count 0.
    """
    known = ~np.isnan(graph.node_price) & (graph.node_supply_row >= 0)
    price, _ = calc_prices(levels, graph.node_price, known)
    return price


def finished_goods(network: Network, adders_per_flow: FloatArray, volumes: Any) -> pl.DataFrame:
    """Landed cost per unit and per year of each demanded good, delivered: base price plus the chain's adders.

    ``adders_per_flow`` is the landed cost per unit of each flow row less its price; ``volumes``
    the compiled graph, its levels and the demand roots (:func:`allyshore.cost.volumes.flow_volumes`).
    """
    graph, roots = volumes.graph, volumes.roots
    ok = graph.demand_node >= 0
    if roots.size == 0:
        return pl.DataFrame(schema={"site_id": pl.String, "item_id": pl.String})
    own = own_nodes(network, graph)
    # Adders per unit of each node, rolled up its own chain only (an edge counts where its consumer is own).
    consumed_by_own = own[graph.edge_consumer]
    is_flow = (graph.edge_flow >= 0) & graph.edge_active & consumed_by_own
    weights = graph.edge_qty[is_flow] * graph.edge_share[is_flow] * adders_per_flow[graph.edge_flow[is_flow]]
    per_node = np.bincount(graph.edge_consumer[is_flow], weights=weights, minlength=graph.n_nodes).astype(np.float64)
    keep = consumed_by_own[volumes.levels.edge].astype(np.float64)
    adders = calc_embodied(volumes.levels, per_node, keep=keep)[roots]
    base = rolled_up_prices(graph, volumes.levels)[roots]
    units = graph.demand_units[ok] * 52.0
    demand = network.demand.filter(pl.Series(ok))
    return demand.select("site_id", "item_id").with_columns(
        pl.Series("units_per_year", units),
        pl.Series("base_price", base),
        pl.Series("chain_adders_per_unit", adders),
        pl.Series("landed_per_unit", base + adders),
        pl.Series("landed_per_year", (base + adders) * units),
    )


def own_nodes(network: Network, graph: Any) -> NDArray[np.bool_]:
    """Nodes at the company's own sites (plant, warehouse, customer; sinks included), not at a supplier's."""
    kinds = dict(
        zip(network.sites.get_column("site_id").to_list(), network.sites.get_column("kind").to_list(), strict=True)
    )
    supplier = np.asarray([kinds.get(site) == "supplier" for site in graph.site_ids], dtype=bool)
    own: NDArray[np.bool_] = ~supplier[graph.node_site]
    return own


def goods_per_year(goods: pl.DataFrame) -> float:
    """The headline: landed cost of the finished goods delivered in a year (USD)."""
    if goods.height == 0 or "landed_per_year" not in goods.columns:
        return 0.0
    return float(goods.get_column("landed_per_year").fill_nan(None).sum() or 0.0)
