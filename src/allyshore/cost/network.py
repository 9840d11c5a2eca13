"""The landed cost of a whole network: every active flow, the finished goods delivered, current vs best source.

Every flow row is costed in one vectorised pass of the kernel (:mod:`allyshore.cost.kernel`); the finished goods
are rolled up through the BOM (:mod:`allyshore.cost.figures`), and :func:`network_cost` lists per item and
receiving site the landed cost of its current sources against the cheapest of all its flows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from allyshore.conventions import AsOf, as_date
from allyshore.cost.assumptions import (
    Assumption,
    Assumptions,
    as_book,
    global_assumptions,
    policy_tiers,
)
from allyshore.cost.bridges import origin_map
from allyshore.cost.figures import finished_goods
from allyshore.cost.kernel import FACTORS, FloatArray, landed_cost, total_of
from allyshore.cost.options import build_inputs
from allyshore.cost.results import NetworkCost
from allyshore.cost.unknown import as_records, check_strict, collect_table
from allyshore.cost.volumes import FlowVolumes, annual_flow_units, flow_options, flow_volumes
from allyshore.model.network import Network

if TYPE_CHECKING:
    from allyshore.trust.policy import PolicySource


@dataclass(frozen=True, eq=False)
class FlowCosts:
    """Landed cost per unit of every flow row of a network (active and candidate), in one vectorised pass.

    ``frame`` has one row per row of ``network.flows``, in order: ``flow_row``, ``source_site``, ``to_site``,
    ``item_id``, ``status``, ``country``, ``lane_type``, ``annual_units`` (the volume it was priced at),
    ``total_per_unit`` and every factor of :data:`~allyshore.cost.kernel.FACTORS`, ``unknown_duty`` (a duty of the
    flow the tariff tables cannot give, counted as 0 in its total) and ``unknown_price`` (no price for the source:
    the price factor is 0). ``need`` is the full need a year of each (to_site, item_id).
    """

    frame: pl.DataFrame
    need: pl.DataFrame
    per_flow_units: FloatArray  # units a year each flow carries today (0 for candidates)
    volumes: FlowVolumes
    unknown_table: pl.DataFrame | None
    assumptions: tuple[Assumption, ...]
    as_of: dt.date


def flow_costs(
    network: Network,
    *,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    originating: Mapping[tuple[str, str], bool] | None = None,
    use_origin_engine: bool = True,
    idle_at_need: bool = False,
    volumes: FlowVolumes | None = None,
) -> FlowCosts:
    """Landed cost per unit of every flow row: active flows priced at the units they carry a year, candidate flows
    at the full need of their receiving site (``idle_at_need``: an active flow that carries nothing today too).

    The same kernel, factors, tariffs on ``as_of`` and IMMEX treatment as :func:`network_cost`, which is built on it.
    """
    book = as_book(assumptions)
    when = as_date(as_of)
    volumes = volumes or flow_volumes(network)
    per_flow, need = annual_flow_units(network, volumes)
    options = flow_options(network.flows)
    active = (options.get_column("status") != "candidate").to_numpy()
    need_of = options.join(need, on=["to_site", "item_id"], how="left").get_column("need").fill_null(0.0).to_numpy()
    at_need = ~active | (idle_at_need & (per_flow <= 0.0))
    annual = np.where(at_need, need_of, per_flow)
    given, notes = origin_map(network, when, originating, use_origin_engine)
    tiers, policy_notes = policy_tiers(policy)
    built = build_inputs(network, options, np.maximum(annual, 1e-9), book, when, given, tiers=tiers, brief=True)
    factors = landed_cost(built.inputs)
    totals = total_of(factors)
    n = options.height
    unknown_duty = np.zeros(n, dtype=bool)
    if built.duties is not None:
        for codes in built.duties.unknown.values():
            unknown_duty |= np.asarray(codes)[:n] != 0
    frame = built.detail.select(
        pl.col("option").alias("flow_row"), "source_site", "to_site", "item_id", "status", "country", "lane_type"
    ).with_columns(
        pl.Series("annual_units", annual),
        pl.Series("total_per_unit", totals),
        *(pl.Series(k, factors[k]) for k in FACTORS),
        pl.Series("unknown_duty", unknown_duty),
        (~built.detail.get_column("price_known")).alias("unknown_price"),
    )
    unknown = collect_table(built.duties, book.tariffs, when, by_site=False) if built.duties else None
    return FlowCosts(
        frame=frame,
        need=need,
        per_flow_units=per_flow,
        volumes=volumes,
        unknown_table=unknown,
        assumptions=(*global_assumptions(book, when), *notes, *policy_notes),
        as_of=when,
    )


def network_cost(
    network: Network,
    *,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    originating: Mapping[tuple[str, str], bool] | None = None,
    use_origin_engine: bool = True,
    strict_duties: bool = False,
) -> NetworkCost:
    """Landed cost of the finished goods delivered, of every active flow, and current vs best source per item.

    Every flow row is costed in one vectorised pass (:func:`flow_costs`): active flows at their annual
    units, candidate flows at the full need of their receiving site (to find the
    best all-candidate alternative of each item). The headline is
    :attr:`NetworkCost.finished_goods_per_year` (each demanded good at its landed cost
    rolled up through the BOM, delivered, times its annual units; see
    :mod:`allyshore.cost.figures`); :attr:`NetworkCost.sum_of_tiers_per_year` adds every
    flow's landed cost, counting a component again in what it goes into.
    Duties the tariff tables cannot give are counted as 0 and listed in ``unknown_duties``;
    ``strict_duties`` makes them an error (:class:`~allyshore.errors.UnknownDutyError`). The country-risk
    disruption default takes each country's trust tier under ``policy`` (default: the shipped US policy).
    """
    costs = flow_costs(
        network,
        as_of=as_of,
        policy=policy,
        assumptions=assumptions,
        originating=originating,
        use_origin_engine=use_origin_engine,
    )
    frame = costs.frame.drop("unknown_duty", "unknown_price")
    frame = frame.with_columns(
        pl.when(pl.col("status") != "candidate")
        .then(pl.col("total_per_unit") * pl.col("annual_units"))
        .otherwise(0.0)
        .alias("total_per_year")
    )
    flows_out = frame.filter(pl.col("status") != "candidate")
    adders = (frame.get_column("total_per_unit") - frame.get_column("price")).to_numpy()
    goods = finished_goods(network, adders, costs.volumes)
    sourcing = _sourcing(frame)
    unknown = costs.unknown_table
    if strict_duties and unknown is not None and unknown.height:
        check_strict(as_records(unknown), strict_duties, "network costing")
    return NetworkCost(
        as_of=costs.as_of.isoformat(),
        flows=flows_out,
        goods=goods,
        sourcing_table=sourcing,
        assumptions=costs.assumptions,
        **({"unknown_table": unknown} if unknown is not None else {}),
    )


def _sourcing(frame: pl.DataFrame) -> pl.DataFrame:
    """Per (item, receiving site) with active flows: current landed cost per unit vs the cheapest of all its flows."""
    schema: dict[str, Any] = {
        "item_id": pl.String,
        "to_site": pl.String,
        "annual_units": pl.Float64,
        "current_per_unit": pl.Float64,
        "current_sources": pl.List(pl.String),
        "best_source": pl.String,
        "best_per_unit": pl.Float64,
    }
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    act = frame.filter(pl.col("status") != "candidate")
    current = act.group_by("to_site", "item_id").agg(
        (pl.col("total_per_unit") * pl.col("annual_units")).sum().alias("cost"),
        pl.col("annual_units").sum().alias("annual_units"),
        pl.col("source_site").unique().sort().alias("current_sources"),
    )
    best = (
        frame.sort("total_per_unit", "source_site")
        .group_by("to_site", "item_id", maintain_order=True)
        .first()
        .select(
            "to_site",
            "item_id",
            pl.col("source_site").alias("best_source"),
            pl.col("total_per_unit").alias("best_per_unit"),
        )
    )
    return (
        current.join(best, on=["to_site", "item_id"], how="left")
        .with_columns(
            pl.when(pl.col("annual_units") > 0)
            .then(pl.col("cost") / pl.col("annual_units"))
            .otherwise(0.0)
            .alias("current_per_unit")
        )
        .select(list(schema))
        .sort("item_id", "to_site")
    )
