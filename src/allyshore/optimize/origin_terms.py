"""The terms of a good's origin rows: its materials' sources as share variables, with their values and origin.

For every finished good made at a plant of the network (a root of the origin analysis,
:func:`allyshore.origin.from_network.analyse_network`), the inputs its plant consumes are matched to the share
variables of :class:`~allyshore.optimize.blocks.Choices` by one join on the flow row: a graph edge from a source to
the good's node travels one flow, and a share variable is one flow. Per source the frame carries what the origin
engine would use if that source supplied the whole need (:meth:`allyshore.origin.bom.Bom.lines`):

* ``value``: the material's value per unit of the good at a share of 1, ``quantity x (unit price at the source +
  lane freight)`` (SOR/2020-155 s.8(1)); null when the source has no price;
* ``originating``: the engine's verdict on the source node (certified in the region, or made there by a supplier
  and qualifying itself, or passed through from originating sources only);
* ``in_house``: the source is an in-house sub-assembly (a plant of the network in the region), which the engine
  looks through rather than values as one material;
* ``undecided``: a candidate source that a supplier makes (or passes through) in the region without certifying
  it: the engine decides its origin only once it supplies, so it counts as non-originating here.

Inputs that travel no flow (made at the good's own site) are fixed lines of the good at their value today.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from allyshore.model.graph import KIND_CODES
from allyshore.optimize.blocks import Choices
from allyshore.origin.from_network import NetworkAnalysis

FloatArray = NDArray[np.float64]
_SOURCE_COLUMNS = (
    "j", "group", "value", "originating", "hs", "in_house", "undecided", "from_site", "material", "share_before",
)  # fmt: skip


@dataclass(frozen=True)
class GoodTerms:
    """The sources of one good's materials (one row per share variable) and its fixed lines."""

    node: int
    sources: pl.DataFrame  # j, group, value, originating, hs, in_house, from_site, material, share_before
    fixed_value: FloatArray  # inputs on no flow: value per unit of the good today
    fixed_originating: NDArray[np.bool_]
    fixed_hs: tuple[str, ...]
    fixed_in_house: bool
    unmatched: tuple[str, ...]  # share variables of the good's material groups that reach no edge of the good


def good_terms(analysis: NetworkAnalysis, choices: Choices, roots: list[int]) -> dict[int, GoodTerms]:
    """The terms of every good at ``roots`` (nodes of the analysed graph), by one join of edges and choices."""
    data = analysis.data
    graph = data.graph
    every = np.flatnonzero(np.isin(graph.edge_consumer, np.asarray(roots, dtype=np.int64)))
    supplier = graph.edge_supplier[every]
    item = graph.edge_item[every]
    price = graph.node_price[supplier] + data.edge_freight[every]
    in_house = analysis.in_house[supplier] if analysis.in_house is not None else np.zeros(every.size, dtype=bool)
    # A candidate made (or passed through) in the region by a supplier is decided by the engine only once it
    # supplies: until then it counts as non-originating unless certified (conservative).
    kind = graph.node_kind[supplier]
    undecided = (
        ~graph.edge_active[every]
        & ((kind == KIND_CODES.index("make")) | (kind == KIND_CODES.index("pass")))
        & analysis.in_region[supplier]
        & ~analysis.originating[supplier]
        & ~in_house
    )
    hs = np.asarray(data.hs, dtype=object)[item] if every.size else np.zeros(0, dtype=object)
    frame = pl.DataFrame(
        {
            "edge": every.astype(np.int64),
            "node": graph.edge_consumer[every].astype(np.int64),
            "flow_row": graph.edge_flow[every].astype(np.int64),
            "material": np.asarray(graph.item_ids, dtype=object)[item].astype(str) if every.size else [],
            "hs": hs.astype(str) if every.size else [],
            "value": graph.edge_qty[every] * price,
            "today": data.edge_value[every],
            "active": graph.edge_active[every],
            "originating": analysis.originating[supplier],
            "in_house": in_house,
            "undecided": undecided,
        },
        schema_overrides={"material": pl.String, "hs": pl.String},
    ).with_columns(pl.col("value").fill_nan(None))
    share = choices.frame.select(
        pl.col("j").cast(pl.Int64),
        pl.col("flow_row").cast(pl.Int64),
        pl.col("group").cast(pl.Int64),
        pl.col("from_site"),
        pl.col("share_before").cast(pl.Float64),
    )
    matched = frame.filter(pl.col("flow_row") >= 0).join(share, on="flow_row", how="inner")
    fixed = frame.filter((pl.col("flow_row") < 0) & pl.col("active"))
    # Every share variable of a group the good draws on must reach the good: otherwise its share would be missed.
    groups = matched.select("node", "group").unique()
    whole = groups.join(share.select("group", "j", "from_site"), on="group")
    missing = whole.join(matched.select("node", "j"), on=["node", "j"], how="anti")
    out: dict[int, GoodTerms] = {}
    by_node = {int(k[0]): g for k, g in matched.sort("j").partition_by("node", as_dict=True).items()}
    fixed_by = {int(k[0]): g for k, g in fixed.partition_by("node", as_dict=True).items()}
    miss_by = {int(k[0]): g for k, g in missing.partition_by("node", as_dict=True).items()}
    empty_fixed = fixed.clear()
    for node in roots:
        src = by_node.get(node, matched.clear())
        fx = fixed_by.get(node, empty_fixed)
        miss = miss_by.get(node)
        out[node] = GoodTerms(
            node=node,
            sources=src.select(*_SOURCE_COLUMNS),
            fixed_value=fx.get_column("today").to_numpy().astype(np.float64),
            fixed_originating=fx.get_column("originating").to_numpy().astype(bool),
            fixed_hs=tuple(fx.get_column("hs").to_list()),
            fixed_in_house=bool(fx.get_column("in_house").any()) if fx.height else False,
            unmatched=() if miss is None else tuple(sorted(set(miss.get_column("from_site").to_list()))),
        )
    return out
