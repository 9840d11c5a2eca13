"""The landed cost's bridges to the other analyses: USMCA origin from the origin engine, disruption cost from the
Monte Carlo of :mod:`allyshore.resilience`.

The landed cost asks :func:`allyshore.origin.from_network.determine_network` whether each good made in the network
is USMCA-originating (its duty preference, :func:`origin_engine`), and may take the expected disruption cost of each
source from a Monte Carlo result (:func:`disruption_from_monte_carlo`). The dependency points one way: cost imports
origin and resilience, never the other way round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from allyshore.cost.assumptions import Assumption
from allyshore.cost.volumes import annual_flow_units
from allyshore.model.network import Network

if TYPE_CHECKING:
    from allyshore.resilience.results import SimulationResult


def disruption_from_monte_carlo(network: Network, simulation: SimulationResult) -> dict[str, float]:
    """Expected disruption cost per unit shipped, per source site, from a stress-test Monte Carlo.

    ``simulation`` is a :class:`allyshore.resilience.results.SimulationResult`: its expected
    annual lost profit attributed to a site, plus the site's share (by units shipped) of
    what is attributed to its country, divided by the units the site ships a year on
    active flows. Sites that ship nothing today get no figure (the country-risk default applies).
    """
    per_flow, _ = annual_flow_units(network)
    flows = network.flows.select("from_site").with_columns(pl.Series("units", per_flow))
    shipped = flows.group_by("from_site").agg(pl.col("units").sum())
    sites = network.sites.select("site_id", "country")
    frame = sites.join(shipped.rename({"from_site": "site_id"}), on="site_id", how="left").with_columns(
        pl.col("units").fill_null(0.0)
    )
    frame = frame.with_columns(pl.col("units").sum().over("country").alias("country_units"))
    site_loss = {c.source: c.expected_loss for c in simulation.contributions if c.kind == "site"}
    country_loss = {c.source: c.expected_loss for c in simulation.contributions if c.kind == "country"}
    out: dict[str, float] = {}
    for row in frame.filter(pl.col("units") > 0).iter_rows(named=True):  # one row per shipping site
        share = row["units"] / row["country_units"] if row["country_units"] > 0 else 0.0
        loss = site_loss.get(row["site_id"], 0.0) + share * country_loss.get(row["country"], 0.0)
        out[row["site_id"]] = loss / row["units"]
    return out


def origin_engine(network: Network, as_of: dt.date) -> tuple[dict[tuple[str, str], bool], Assumption]:
    """USMCA origin of the network's finished goods by :func:`allyshore.origin.from_network.determine_network`.

    Returns the (site, item) -> originating map of every good the engine decided
    (undetermined goods are left out) and an assumption recording how origin was set.
    A network the engine cannot read falls back to the ``usmca_originating`` column.
    """
    from allyshore.errors import AllyshoreError

    try:
        from allyshore.origin.from_network import determine_network
    except ImportError:  # pragma: no cover - the origin engine ships with allyshore
        return {}, Assumption("origin", "column", "supply.usmca_originating (origin engine not installed)")
    try:
        result = determine_network(network, as_of=as_of)
    except AllyshoreError as error:
        note = f"origin engine could not decide this network ({error}); supply.usmca_originating used"
        return {}, Assumption("origin", "column", note, origin="network")
    decided = {(g.site_id, g.item_id): g.originating for g in result.goods if g.status != "undetermined"}
    summary = ", ".join(f"{s}/{i}: {'originating' if v else 'not originating'}" for (s, i), v in decided.items())
    return decided, Assumption(
        "origin",
        summary or "no finished good decided",
        "allyshore.origin determine_network (USMCA rules of origin); purchased inputs: supplier_certifies_origin",
        as_of.isoformat(),
        origin="origin engine",
    )


def origin_map(
    network: Network, as_of: dt.date, given: Mapping[tuple[str, str], bool] | None, use_engine: bool
) -> tuple[Mapping[tuple[str, str], bool] | None, tuple[Assumption, ...]]:
    """The (site, item) -> originating map a costing uses, and the assumption saying where it came from: the map
    ``given`` by the caller, else the origin engine's (``use_engine``), else None (the supply columns decide)."""
    if given is not None:
        return given, (Assumption("origin", "given", "originating map passed by the caller", origin="argument"),)
    if not use_engine:
        return None, (Assumption("origin", "column", "supply.usmca_originating / supplier_certifies_origin"),)
    decided, note = origin_engine(network, as_of)
    return decided, (note,)
