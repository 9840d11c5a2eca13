"""A copy of a network with matched Mexican establishments added as candidate sources.

Each establishment a match lists becomes a ``supplier`` site in Mexico (``MX-DENUE-<id>``, its DENUE name, state,
latitude and longitude); each (establishment, item) a ``supply`` row and a truck ``flows`` row to the item's
receiving site, both with status ``candidate``, so that the landed cost comparison, the origin advisor and the
optimiser consider them at once.

What DENUE cannot say is left as the network format's blank, never a made-up figure: capacity (the optimiser
lists every candidate with no capacity and the share it gets; ``--require-capacity`` leaves them out), transit days and freight (the landed cost estimates
them from the distance and its truck lane defaults when blank). The unit price is unknown too; it is taken as the
current source's price (the mean unit price of the active supply rows that ship the item to the receiving site,
else of every active supply row of the item, else the item's unit_cost) times ``price_factor``, an assumption
stated in the result. An item with no price anywhere gets a blank price.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from allyshore.capacity.results import CapacityMatch
from allyshore.model.network import Network

#: Prefix of the site ids of DENUE establishments added as candidates.
SITE_PREFIX = "MX-DENUE-"


@dataclass(frozen=True, eq=False)
class WithCandidates:
    """The network with candidates added, and what was added."""

    network: Network
    sites: int
    supply: int
    flows: int
    assumption: str
    unpriced: tuple[str, ...] = ()


def current_price(network: Network, item_id: str, to_site: str) -> float | None:
    """The mean unit price of the item's active sources into ``to_site``, else of all its active sources, else
    its unit_cost; None when none is known."""
    supply = network.supply.filter(
        (pl.col("item_id") == item_id)
        & (pl.col("status").fill_null("active") == "active")
        & pl.col("unit_price").is_not_null()
    )
    sources = network.flows.filter(
        (pl.col("item_id") == item_id)
        & (pl.col("to_site") == to_site)
        & (pl.col("status").fill_null("active") == "active")
    ).get_column("from_site")
    feeding = supply.filter(pl.col("site_id").is_in(sources.implode()))
    for frame in (feeding, supply):
        if frame.height:
            return float(frame.get_column("unit_price").mean())  # type: ignore[arg-type]
    cost = network.items.filter(pl.col("item_id") == item_id).get_column("unit_cost")
    return float(cost[0]) if cost.len() and cost[0] is not None else None


def with_candidates(network: Network, match: CapacityMatch, *, price_factor: float = 1.0) -> WithCandidates:
    """``network`` with every establishment listed by ``match`` added as a candidate source of its item."""
    document: dict[str, Any] = dict(network.to_dict())
    document["name"] = network.name
    if network.description:
        document["description"] = network.description
    taken = set(network.sites.get_column("site_id").to_list())
    added: dict[str, str] = {}  # establishment id -> site id
    supply_keys = {(r["site_id"], r["item_id"]) for r in document["supply"]}
    flow_keys = {(r["from_site"], r["to_site"], r["item_id"]) for r in document["flows"]}
    new_sites: list[dict[str, Any]] = []
    new_supply: list[dict[str, Any]] = []
    new_flows: list[dict[str, Any]] = []
    unpriced: list[str] = []
    for item in match.items:
        for c in item.candidates:
            site_id = added.get(c.establishment_id)
            if site_id is None:
                site_id = f"{SITE_PREFIX}{c.establishment_id}"
                while site_id in taken:
                    site_id += "-X"
                taken.add(site_id)
                added[c.establishment_id] = site_id
                new_sites.append(
                    {
                        "site_id": site_id,
                        "name": c.name,
                        "country": "MX",
                        "kind": "supplier",
                        "region": c.state,
                        "lat": c.lat,
                        "lon": c.lon,
                    }
                )
            if (site_id, item.item_id) not in supply_keys:
                price = current_price(network, item.item_id, c.near_site)
                row: dict[str, Any] = {"site_id": site_id, "item_id": item.item_id, "status": "candidate"}
                if price is None:
                    unpriced.append(item.item_id)
                else:
                    row["unit_price"] = price * price_factor
                supply_keys.add((site_id, item.item_id))
                new_supply.append(row)
            if (site_id, c.near_site, item.item_id) not in flow_keys:
                flow_keys.add((site_id, c.near_site, item.item_id))
                new_flows.append(
                    {
                        "from_site": site_id,
                        "to_site": c.near_site,
                        "item_id": item.item_id,
                        "mode": "truck",
                        "status": "candidate",
                    }
                )
    document["sites"] = [*document["sites"], *new_sites]
    document["supply"] = [*document["supply"], *new_supply]
    document["flows"] = [*document["flows"], *new_flows]
    assumption = (
        f"candidate unit price = the current source's unit price x {price_factor:g} (--mexico-price-factor); "
        "capacity, transit days and freight left blank (the landed cost estimates truck transit and freight "
        "from the distance)"
    )
    if unpriced:
        assumption += f"; no price known for {', '.join(sorted(set(unpriced)))}: left blank"
    return WithCandidates(
        Network.from_dict(document, name=network.name),
        len(new_sites),
        len(new_supply),
        len(new_flows),
        assumption,
        tuple(sorted(set(unpriced))),
    )
