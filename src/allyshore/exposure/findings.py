"""Data-quality findings of the exposure map: nodes without a price, margins clipped to 0, goods without value."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from allyshore.errors import Problem
from allyshore.exposure.results import GoodExposure
from allyshore.model.graph import BoolArray, FloatArray, NodeGraph
from allyshore.model.network import Network

#: Relative tolerance under which a negative margin or a crossing share is rounding, not a finding or a share.
REL_TOL = 1e-9

__all__ = ["REL_TOL", "findings"]


def findings(
    graph: NodeGraph,
    reached_by_good: sp.csr_matrix,
    margin: FloatArray,
    price: FloatArray,
    priced: BoolArray,
    passing: BoolArray,
    goods: list[GoodExposure],
) -> tuple[Problem, ...]:
    """Data-quality findings on the nodes the finished goods reach."""
    network = graph.network
    reached = np.bincount(reached_by_good.indices, minlength=graph.n_nodes) > 0
    out: list[Problem] = []
    unpriced = np.flatnonzero(reached & ~priced & ~passing)
    labels = graph.node_labels(unpriced)
    item_ids = network.items.get_column("item_id")
    for node, label in zip(unpriced.tolist(), labels, strict=True):
        item = item_ids[int(graph.node_item[node])]
        out.append(
            _finding(
                network,
                graph,
                node,
                f"no price for {label}: its own value added is unknown and counted as 0",
                f"give unit_price in supply or unit_cost for item '{item}' in items",
            )
        )
    inputs = price - margin
    negative = reached & (margin < -REL_TOL * np.maximum(np.abs(inputs), 1.0))
    clipped = np.flatnonzero(negative)
    for node, label in zip(clipped.tolist(), graph.node_labels(clipped), strict=True):
        out.append(
            _finding(
                network,
                graph,
                node,
                f"price {price[node]:.2f} USD at {label} is below the cost of its inputs "
                f"({inputs[node]:.2f} USD): value added clipped to 0",
                "check the unit prices, BOM quantities and units of measure",
            )
        )
    for good in goods:
        if good.unit_value <= 0:
            out.append(
                Problem(
                    "demand",
                    f"finished good '{good.item_id}' has no value to decompose (no prices in its supply tree)",
                    column="item_id",
                    hint="give unit_price in supply or unit_cost in items",
                    source=network.source_of("demand"),
                    severity="warning",
                )
            )
    return tuple(out)


def _finding(network: Network, graph: NodeGraph, node: int, message: str, hint: str) -> Problem:
    row = int(graph.node_supply_row[node])
    if row < 0:
        return Problem("demand", message, hint=hint, source=network.source_of("demand"), severity="warning")
    return Problem(
        "supply",
        message,
        row=network.row_of("supply", row),
        column="unit_price",
        hint=hint,
        source=network.source_of("supply"),
        severity="warning",
    )
