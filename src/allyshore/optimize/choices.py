"""The share variables of a plan built from a network: one per flow row, priced by the landed-cost engine.

Every row of ``network.flows`` (active and ``candidate``) is a way to bring its item into its receiving site; the
plan chooses the share of the site's need each one carries. :func:`build_choices` gives each flow its landed cost
per unit on ``as_of`` (:func:`allyshore.cost.network.flow_costs`: the same kernel, factors, tariff layers and IMMEX
treatment as ``allyshore cost network``), the need a year of its (item, receiving site), the country the goods
come from (the supply row's ``origin_country``, else the shipping site's country) and its trust tier.

Unknown is not zero: a flow whose duty the tariff tables cannot give, or whose source has no price, is flagged
``unknown_cost`` and listed in the result's ``unknown_costs``. Its ``cost_per_unit`` is null; ``cost_known_part``
holds what is known (the unknown duty or price counted as 0). The model keeps an active flow at its known part
(flagged); a candidate flow with an unknown cost carries a penalty, so that it is chosen only when no plan
without it meets the constraints (the penalty is not part of any reported figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from allyshore.conventions import as_date
from allyshore.cost.bridges import origin_engine
from allyshore.cost.network import FlowCosts, flow_costs
from allyshore.model.graph import flow_shares
from allyshore.model.network import Network
from allyshore.optimize.blocks import CHOICE_COLUMNS, Choices

if TYPE_CHECKING:
    from allyshore.conventions import AsOf
    from allyshore.cost.assumptions import Assumptions
    from allyshore.trust.policy import PolicySource


@dataclass(frozen=True, eq=False)
class ChoiceSet:
    """The choices of a plan and what they were built from."""

    choices: Choices
    costs: FlowCosts
    tiers: dict[str, str]  # country -> trust tier under the policy
    unknown_costs: tuple[dict[str, Any], ...]

    @property
    def frame(self) -> pl.DataFrame:
        return self.choices.frame


def country_tiers(countries: list[str], policy: PolicySource) -> dict[str, str]:
    """Trust tier of each country under ``policy`` (unknown codes are ``non_aligned``, as in the exposure map)."""
    from allyshore.trust import assess_countries, resolve_policy

    table = assess_countries(resolve_policy(policy))
    return {c: table.tier_of(c) for c in countries if c}


def build_choices(
    network: Network,
    *,
    as_of: AsOf = None,
    policy: PolicySource = None,
    assumptions: Assumptions = None,
    required: Sequence[str] = (),
) -> ChoiceSet:
    """One share variable per flow row of ``network`` (see the module docstring); columns as
    :data:`allyshore.optimize.blocks.CHOICE_COLUMNS` plus ``disruption_per_unit`` (the landed cost's own
    disruption allowance, inside ``cost_per_unit``), ``cost_known_part``, ``unknown_cost``, ``unknown_reason``,
    ``supply_row`` and ``lane_type``. The goods ``required`` to become originating are priced as originating
    where they are shipped on (their preference is what the plan buys); every other good at today's origin."""
    originating = _originating_after(network, as_of, required) if required else None
    costs = flow_costs(
        network, as_of=as_of, policy=policy, assumptions=assumptions, originating=originating, idle_at_need=True
    )
    flows = network.flows
    supply = (
        network.supply.with_row_index("supply_row")
        .select(
            pl.col("site_id").alias("from_site"),
            "item_id",
            pl.col("supply_row").cast(pl.Int64),
            pl.col("origin_country").cast(pl.String).str.strip_chars().str.to_uppercase().alias("origin_country"),
        )
        .unique(["from_site", "item_id"], keep="first", maintain_order=True)
    )
    sites = network.sites.select(pl.col("site_id").alias("from_site"), pl.col("country").alias("site_country"))
    share_before = flow_shares(flows) if flows.height else np.zeros(0)
    cost = costs.frame
    unknown = cost.get_column("unknown_duty") | cost.get_column("unknown_price")
    frame = (
        flows.select("item_id", "to_site", "from_site", pl.col("status").fill_null("active").alias("status_before"))
        .with_row_index("flow_row")
        .with_columns(pl.col("flow_row").cast(pl.Int64))
        .join(supply, on=["from_site", "item_id"], how="left", maintain_order="left")
        .join(sites, on="from_site", how="left", maintain_order="left")
        .join(
            costs.need.rename({"need": "need_per_year"}), on=["to_site", "item_id"], how="left", maintain_order="left"
        )
        .with_columns(
            pl.Series("share_before", share_before, dtype=pl.Float64),
            pl.col("need_per_year").fill_null(0.0),
            pl.coalesce(pl.when(pl.col("origin_country") != "").then(pl.col("origin_country")), pl.col("site_country"))
            .fill_null("")
            .alias("country"),
            pl.Series("cost_known_part", cost.get_column("total_per_unit").to_numpy(), dtype=pl.Float64),
            pl.Series("unknown_cost", unknown.to_numpy(), dtype=pl.Boolean),
            pl.Series("price_per_unit", cost.get_column("price").to_numpy(), dtype=pl.Float64),
            pl.Series("disruption_per_unit", cost.get_column("disruption").to_numpy(), dtype=pl.Float64),
            pl.Series("lane_type", cost.get_column("lane_type").cast(pl.String).to_list(), dtype=pl.String),
            pl.when(cost.get_column("unknown_duty") & cost.get_column("unknown_price"))
            .then(pl.lit("duty and price unknown"))
            .when(cost.get_column("unknown_duty"))
            .then(pl.lit("duty unknown"))
            .when(cost.get_column("unknown_price"))
            .then(pl.lit("price unknown"))
            .otherwise(None)
            .alias("unknown_reason"),
        )
    )
    frame = frame.with_columns(
        pl.when(pl.col("unknown_cost")).then(None).otherwise(pl.col("cost_known_part")).alias("cost_per_unit"),
        (pl.struct("item_id", "to_site").rank("dense").cast(pl.Int64) - 1).alias("group"),
    )
    countries = sorted(set(frame.get_column("country").to_list()) - {""})
    tiers = country_tiers(countries, policy)
    frame = frame.with_columns(
        pl.col("country").replace_strict(tiers, default="non_aligned", return_dtype=pl.String).alias("tier"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("j"),
    )
    frame = frame.select(
        *CHOICE_COLUMNS,
        "disruption_per_unit",
        "cost_known_part",
        "unknown_cost",
        "unknown_reason",
        "supply_row",
        "lane_type",
    )
    flagged = frame.filter(pl.col("unknown_cost")).select(
        "item_id",
        "to_site",
        pl.col("from_site").alias("site_id"),
        "country",
        "status_before",
        pl.col("unknown_reason").alias("reason"),
        "cost_known_part",
        pl.when(pl.col("status_before") == "candidate")
        .then(pl.lit("candidate: chosen only when no plan without it meets the constraints"))
        .otherwise(pl.lit("active: costed at its known part"))
        .alias("treatment"),
    )
    return ChoiceSet(Choices(frame), costs, tiers, tuple(flagged.to_dicts()))


def _originating_after(network: Network, as_of: AsOf, required: Sequence[str]) -> dict[tuple[str, str], bool]:
    """The origin engine's (site, item) -> originating map with every good in ``required`` originating wherever
    it is made: the plan's origin rows make it so, and its flows onward are priced with the preference."""
    decided, _ = origin_engine(network, as_date(as_of))
    wanted = set(required)
    made = network.supply.filter(pl.col("item_id").is_in(wanted)).select("site_id", "item_id").unique()
    return {**decided, **dict.fromkeys(made.iter_rows(), True)}
