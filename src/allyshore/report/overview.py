"""The overview section: what the network is, how big, what it sells, and the figures that matter most."""

from __future__ import annotations

from typing import Any

import polars as pl

from allyshore.model.network import Network
from allyshore.report.context import ReportContext
from allyshore.report.exposure import goods_of, maker_countries, weekly_share
from allyshore.report.formatting import percent, usd
from allyshore.report.sections import Figure, Section
from allyshore.trust import TRUSTED_TIERS

_KINDS = ("supplier", "plant", "warehouse", "customer")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _status_counts(frame: pl.DataFrame) -> tuple[int, int]:
    status = frame.get_column("status").fill_null("active")
    candidate = int((status == "candidate").sum())
    return frame.height - candidate, candidate


def _countries(network: Network) -> str:
    """Countries of the sites, and of the makers named in supply.origin_country (parts bought from distributors)."""
    sites = set(network.sites.get_column("country").drop_nulls().to_list())
    makers = set(maker_countries(network)) - sites
    if not makers:
        return str(len(sites))
    return f"{len(sites) + len(makers)} ({len(makers)} only as the maker's country of a distributor's part)"


def counts(context: ReportContext) -> list[tuple[str, str]]:
    """The size of the network as (label, value) pairs."""
    network = context.network
    kinds = network.sites.get_column("kind").value_counts()
    by_kind = dict(zip(kinds.get_column("kind"), kinds.get_column("count"), strict=True))
    supply_active, supply_candidate = _status_counts(network.supply)
    flows_active, flows_candidate = _status_counts(network.flows)
    return [
        ("Sites", f"{network.sites.height} ({', '.join(_plural(by_kind[k], k) for k in _KINDS if by_kind.get(k))})"),
        ("Countries", _countries(network)),
        ("Items", str(network.items.height)),
        ("Bill-of-materials lines", str(network.bom.height)),
        ("Sources (supply rows)", f"{supply_active} active, {supply_candidate} candidate"),
        ("Flows", f"{flows_active} active, {flows_candidate} candidate"),
        ("Border crossings named", str(network.flows.get_column("crossing").drop_nulls().n_unique())),
        ("Demand rows", str(network.demand.height)),
    ]


def build(context: ReportContext) -> Section:
    network = context.network
    goods: list[dict[str, Any]] = sorted(goods_of(context), key=lambda g: -float(g.get("value_per_week") or 0.0))
    items = network.items
    hs = dict(zip(items.get_column("item_id"), items.get_column("hs_code"), strict=True))
    total_value = sum(float(g.get("value_per_week") or 0.0) for g in goods)
    usmca = weekly_share(goods, ("domestic", "usmca"))
    trusted = weekly_share(goods, TRUSTED_TIERS)
    rows = []
    for good in goods:
        ranked = sorted(good["by_country"].items(), key=lambda kv: -kv[1])
        rows.append(
            {
                "good": good,
                "hs": hs.get(good["item_id"]) or "",
                "adversary": good["by_tier"].get("adversary", 0.0),
                "trusted": sum(good["by_tier"].get(t, 0.0) for t in TRUSTED_TIERS),
                "countries": ranked[:3],
            }
        )
    html = context.render(
        "overview.html.j2",
        network=network,
        counts=counts(context),
        rows=rows,
        home=context.policy.home,
        policy_name=context.policy.name,
    )
    figures = (
        Figure("Finished goods", str(len(goods)), headline=True),
        Figure("Demand value per week", usd(total_value), headline=True),
        Figure(
            "Value in domestic and USMCA countries",
            percent(usmca),
            note="weekly demand value, all goods",
            tone="good" if usmca is not None and usmca >= 0.5 else "neutral",
            headline=True,
        ),
        Figure("Value in trusted countries", percent(trusted), note="domestic, USMCA and allies", headline=True),
    )
    return Section(
        id="overview",
        title="Overview",
        lead=network.description or "",
        html=html,
        figures=figures,
        sources=(f"Network: {network.source or network.name}.",),
    )
