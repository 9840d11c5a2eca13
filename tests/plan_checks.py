"""Independent checks of sourcing plans: tiny random networks, every single-source plan, and each constraint of a plan
re-checked by the engines allyshore already has (landed cost, exposure, USMCA origin, the stress test).

Nothing here asks the optimiser how it models a plan. A plan is a network: the shares of its flows and which sources
are active. :func:`plan_network` writes one, :func:`evaluate` reads it back with the engines, :func:`violations`
says which constraint of a :class:`PlanPolicy` it breaks and by how much.

The random networks (:func:`tiny_networks`) are built so that the landed cost of a single-source plan is the sum of
the engine's cost of each chosen flow at the receiving site's full need: every supplier site makes one item (it may
ship it to both plants, from one supply row and capacity, but no two flows share a lane, so no customs entry is
shared between choices) and the plants and the customer are in the United States (the finished goods cross no border, so their cost does not depend on where the inputs
come from). :func:`option_costs` prices every flow that way with the landed-cost engine, a few calls per network;
the tests confirm the sum against a full costing of the plans they compare.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import polars as pl
from hypothesis import strategies as st

from allyshore.cost import network_cost
from allyshore.cost.volumes import annual_flow_units
from allyshore.exposure import exposure
from allyshore.model.network import Network
from allyshore.model.validate import check_network
from allyshore.origin.from_network import determine_network
from allyshore.trust.results import TIERS, TRUSTED_TIERS

AS_OF = "2026-06-01"

#: Countries of the suppliers, one or more per trust tier of the default US policy: domestic (US), usmca (MX, CA),
#: ally (DE, JP), non_aligned (VN) and adversary (CN).
COUNTRIES: tuple[str, ...] = ("US", "MX", "CA", "DE", "JP", "VN", "CN")
TIER_OF: dict[str, str] = {
    "US": "domestic",
    "MX": "usmca",
    "CA": "usmca",
    "DE": "ally",
    "JP": "ally",
    "VN": "non_aligned",
    "CN": "adversary",
}
#: HTS codes of the purchased items: 8-digit lines the shipped US tables give a rate for, on Section 301 lists.
HS_CODES: tuple[str, ...] = ("8536.50.90", "3926.90.99", "7318.15.20", "8481.80.10", "8544.42.90", "9403.60.80")
CROSSING = {"MX": "Laredo", "CA": "Detroit"}
#: Every duty of a drawn network is in the shipped tables (US imports on 8-digit lines): a duty the engine cannot
#: give is an error in the checks, not a silent 0.
STRICT_DUTIES = True

Choice = dict[tuple[str, str], str]  # (item_id, to_site) -> the source site taking the whole need


@dataclass(frozen=True)
class Group:
    """An (item, receiving plant) and the supplier sites that can ship it there, in the order drawn."""

    item_id: str
    to_site: str
    sources: tuple[str, ...]
    shares_before: tuple[float, ...]  # share of each source today (0 for candidates)


@dataclass(frozen=True)
class Drawn:
    """A generated network with what the checks need to know about it."""

    document: dict[str, Any]
    groups: tuple[Group, ...]
    goods: tuple[tuple[str, str], ...]  # (good, plant making it)
    country: Mapping[str, str]  # site -> country

    @property
    def network(self) -> Network:
        return Network.from_dict(json.loads(json.dumps(self.document)), name="tiny")

    def plans(self) -> Iterator[Choice]:
        """Every single-source plan: one source per (item, plant)."""
        keys = [(g.item_id, g.to_site) for g in self.groups]
        for pick in product(*(g.sources for g in self.groups)):
            yield dict(zip(keys, pick, strict=True))

    @property
    def n_plans(self) -> int:
        return math.prod(len(g.sources) for g in self.groups)


def _money(draw: Any, low: float, high: float) -> float:
    return float(draw(st.integers(int(low * 100), int(high * 100)))) / 100.0


@st.composite
def tiny_networks(draw: Any, max_plans: int = 24) -> Drawn:
    """1-2 finished goods at 1-2 US plants, 2-4 purchased items, 1-3 sources per (item, plant), active or
    candidate, in countries of every trust tier; random prices, freight, shipments and demand; always valid.

    Each good's price is above the dearest possible cost of its materials, so no plan leaves a plant a negative
    margin (exposure would clip it). At most ``max_plans`` single-source plans, so they can all be evaluated.
    """
    n_plants = draw(st.integers(1, 2))
    plants = [f"P{i + 1}" for i in range(n_plants)]
    n_goods = draw(st.integers(1, 2))
    goods = [(f"G{i + 1}", plants[i % n_plants]) for i in range(n_goods)]
    n_items = draw(st.integers(2, 4))
    items = [f"K{i + 1}" for i in range(n_items)]
    # Each item goes into at least one good: item k into good k mod n, plus random extra uses.
    bom: dict[str, dict[str, int]] = {g: {} for g, _ in goods}
    for k, item in enumerate(items):
        bom[goods[k % n_goods][0]][item] = draw(st.integers(1, 3))
    for good, _ in goods:
        for item in items:
            if item not in bom[good] and draw(st.booleans()):
                bom[good][item] = draw(st.integers(1, 3))
    pairs = sorted({(item, plant) for good, plant in goods for item in bom[good]})
    weekly = {good: float(draw(st.integers(20, 400))) for good, _ in goods}
    need = {pair: sum(weekly[g] * bom[g].get(pair[0], 0) for g, p in goods if p == pair[1]) for pair in pairs}

    sites: list[dict[str, Any]] = [
        {"site_id": p, "name": p, "country": "US", "kind": "plant", "ttr_weeks": 2} for p in plants
    ]
    sites.append({"site_id": "C", "name": "Customer", "country": "US", "kind": "customer"})
    supply: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    groups: list[Group] = []
    country: dict[str, str] = {s["site_id"]: s["country"] for s in sites}
    dearest: dict[tuple[str, str], float] = {}
    budget = max_plans
    n_site = 0
    for item, plant in pairs:
        # The product of the counts stays within max_plans.
        n_sources = draw(st.integers(1, max(1, min(3, budget))))
        budget = max(1, budget // n_sources)
        names: list[str] = []
        rows_of: dict[str, dict[str, Any]] = {}  # a supplier of the item to another plant, shipping here too
        for _ in range(n_sources):
            earlier = [r for r in supply if r["item_id"] == item and r["site_id"] not in names]
            if earlier and draw(st.booleans(), label="shared supplier"):
                row = draw(st.sampled_from(earlier), label="which")
                names.append(row["site_id"])
                rows_of[row["site_id"]] = row
                continue
            n_site += 1
            site = f"S{n_site}"
            where = draw(st.sampled_from(COUNTRIES))
            names.append(site)
            country[site] = where
            sites.append(
                {
                    "site_id": site,
                    "name": site,
                    "country": where,
                    "kind": "supplier",
                    "ttr_weeks": draw(st.integers(1, 12)),
                }
            )
        # Today: one active source with the whole need, or two splitting it.
        n_active = 1 if n_sources == 1 else draw(st.integers(1, 2))
        first = draw(st.integers(0, n_sources - 1))
        active = [first] if n_active == 1 else [first, (first + 1) % n_sources]
        split = 1.0 if n_active == 1 else draw(st.sampled_from([0.25, 0.5, 0.7]))
        shares = [0.0] * n_sources
        shares[active[0]] = split
        if n_active == 2:
            shares[active[1]] = round(1.0 - split, 10)
        worst = 0.0
        for j, site in enumerate(names):
            where = country[site]
            freight = _money(draw, 0.0, 3.0)
            status = "active" if shares[j] > 0 else "candidate"
            if site in rows_of:  # a shared supplier: its supply row (price, capacity) serves both plants
                row = rows_of[site]
                worst = max(worst, row["unit_price"] + freight)
                if status == "active":
                    row["status"] = "active"
            else:
                price = _money(draw, 1.0, 40.0)
                worst = max(worst, price + freight)
                row = {
                    "site_id": site,
                    "item_id": item,
                    "unit_price": price,
                    "inventory": float(draw(st.integers(0, 2000))),
                    "status": status,
                }
                # Some sources cannot carry the plant's whole need: capacity a week as a fraction of it.
                fraction = draw(st.none() | st.sampled_from([0.4, 0.6, 1.0, 1.5]), label="capacity")
                if fraction is not None:
                    row["capacity_per_week"] = round(fraction * need[(item, plant)], 3)
                if where in ("US", "MX", "CA"):
                    row["supplier_certifies_origin"] = draw(st.booleans())
                supply.append(row)
            overland = where in ("US", "MX", "CA")
            flow: dict[str, Any] = {
                "from_site": site,
                "to_site": plant,
                "item_id": item,
                "mode": "truck" if overland else "ocean",
                "transit_days": float(draw(st.integers(1, 5)) if overland else draw(st.integers(18, 40))),
                "freight_per_unit": freight,
                "shipments_per_year": float(draw(st.sampled_from([12, 26, 52]))),
                "status": status,
            }
            if status == "active":
                flow["share"] = shares[j]
            if where in CROSSING:
                flow["crossing"] = CROSSING[where]
            flows.append(flow)
        dearest[(item, plant)] = worst
        groups.append(Group(item, plant, tuple(names), tuple(shares)))

    items_rows: list[dict[str, Any]] = []
    for good, _plant in goods:
        method = draw(st.sampled_from(["transaction_value", "net_cost"]))
        threshold = draw(st.sampled_from([35, 50, 60]))
        rule = {"alternatives": [{"tariff_shift": None, "rvc": {method: threshold}}]}
        items_rows.append(
            {
                "item_id": good,
                "name": good,
                "hs_code": "9018.90.80",
                "origin_rule": json.dumps(rule),
                "profit_per_unit": float(draw(st.integers(5, 60))),
            }
        )
    for k, item in enumerate(items):
        items_rows.append({"item_id": item, "name": item, "hs_code": HS_CODES[k % len(HS_CODES)]})
    bom_rows = [{"parent_id": g, "child_id": k, "quantity": float(q)} for g, row in bom.items() for k, q in row.items()]
    demand: list[dict[str, Any]] = []
    for good, plant in goods:
        materials = sum(q * dearest[(k, plant)] for k, q in bom[good].items())
        other = _money(draw, 5.0, 40.0)
        price = math.ceil((materials + other) * draw(st.sampled_from([1.2, 1.5, 2.0])))
        supply.append(
            {
                "site_id": plant,
                "item_id": good,
                "unit_price": float(price),
                "other_costs_per_unit": other,
                "inventory": float(draw(st.integers(0, 500))),
            }
        )
        flows.append(
            {
                "from_site": plant,
                "to_site": "C",
                "item_id": good,
                "share": 1.0,
                "mode": "truck",
                "transit_days": 2.0,
                "freight_per_unit": 1.0,
            }
        )
        demand.append({"site_id": "C", "item_id": good, "units_per_week": weekly[good]})
    document = {
        "sites": sites,
        "items": items_rows,
        "bom": bom_rows,
        "supply": supply,
        "flows": flows,
        "demand": demand,
    }
    drawn = Drawn(document, tuple(groups), tuple(goods), country)
    problems = [p for p in check_network(drawn.network) if p.severity == "error"]
    assert not problems, problems  # Network.from_dict validates too: a drawn network is always valid
    return drawn


# --------------------------------------------------------------------------- plans as networks


def plan_network(network: Network, shares: Mapping[tuple[str, str, str], float], name: str = "plan") -> Network:
    """``network`` with the flows into each (item, site) of ``shares`` set to them: a flow with a share is active
    and so is its supply row; every other flow of those (item, site) pairs is a candidate with no share, and so is
    its supply row unless the site still ships the item elsewhere. ``shares`` maps (item, to_site, from_site)."""
    groups = {(i, t) for i, t, _ in shares}
    flows = network.flows
    wanted = pl.DataFrame(
        {
            "item_id": [k[0] for k in shares],
            "to_site": [k[1] for k in shares],
            "from_site": [k[2] for k in shares],
            "new_share": [float(v) for v in shares.values()],
        },
        schema={"item_id": pl.String, "to_site": pl.String, "from_site": pl.String, "new_share": pl.Float64},
    )
    in_group = pl.struct("item_id", "to_site").is_in(
        pl.DataFrame({"item_id": [g[0] for g in groups], "to_site": [g[1] for g in groups]}).to_struct().implode()
    )
    joined = flows.with_row_index("_row").join(wanted, on=["item_id", "to_site", "from_site"], how="left")
    joined = joined.sort("_row")
    used = pl.col("new_share").fill_null(0.0) > 0
    new_flows = joined.with_columns(
        pl.when(in_group)
        .then(pl.when(used).then(pl.col("new_share")).otherwise(None))
        .otherwise(pl.col("share"))
        .alias("share"),
        pl.when(in_group)
        .then(pl.when(used).then(pl.lit("active")).otherwise(pl.lit("candidate")))
        .otherwise(pl.col("status"))
        .alias("status"),
    ).select(flows.columns)
    # A supply row is active when one of its site's flows of the item is active (or it ships nothing at all).
    shipping = new_flows.select(pl.col("from_site").alias("site_id"), "item_id", "status")
    live = shipping.group_by("site_id", "item_id").agg((pl.col("status") == "active").any().alias("live"))
    supply = network.supply.with_row_index("_row").join(live, on=["site_id", "item_id"], how="left").sort("_row")
    new_supply = supply.with_columns(
        pl.when(pl.col("live").is_null())
        .then(pl.col("status"))
        .when(pl.col("live"))
        .then(pl.lit("active"))
        .otherwise(pl.lit("candidate"))
        .alias("status")
    ).select(network.supply.columns)
    tables = dict(network.tables)
    tables["flows"] = new_flows
    tables["supply"] = new_supply
    return Network(tables=tables, name=name)


def choice_shares(choice: Choice) -> dict[tuple[str, str, str], float]:
    return {(item, site, source): 1.0 for (item, site), source in choice.items()}


def current_shares(drawn: Drawn) -> dict[tuple[str, str, str], float]:
    return {(g.item_id, g.to_site, s): v for g in drawn.groups for s, v in zip(g.sources, g.shares_before, strict=True)}


def shares_of(network: Network) -> dict[tuple[str, str, str], float]:
    """(item, to_site, from_site) -> share of every active flow (blank shares split equally, as the roll-up does)."""
    active = network.flows.filter(pl.col("status").fill_null("active") != "candidate")
    counts = active.group_by("item_id", "to_site").agg(pl.len().alias("n"))
    active = active.join(counts, on=["item_id", "to_site"]).with_columns(
        pl.col("share").fill_null(1.0 / pl.col("n")).alias("share")
    )
    return {(r["item_id"], r["to_site"], r["from_site"]): float(r["share"]) for r in active.iter_rows(named=True)}


# --------------------------------------------------------------------------- the engines' view of a plan


@dataclass(frozen=True)
class Figures:
    """A plan read back by the engines."""

    cost_per_year: float  # every active flow at its landed cost (network_cost), USD a year
    input_cost_per_year: float  # the flows into plants only (the purchased items)
    trusted: Mapping[str, float]  # good -> share of its value from the trusted tiers (exposure)
    by_country: Mapping[str, Mapping[str, float]]  # good -> country -> share (exposure)
    by_tier: Mapping[str, Mapping[str, float]]  # good -> tier -> share (exposure)
    value_per_week: Mapping[str, float]  # good -> value a week (exposure)
    originating: frozenset[str]  # goods the origin engine finds originating
    shares: Mapping[tuple[str, str, str], float] = field(default_factory=dict)
    over_capacity: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (site, item) -> units a week over
    tier_of: Mapping[str, str] = field(default_factory=dict)  # site -> trust tier of its country (exposure's)

    def total_share(self, shares_by_good: Mapping[str, Mapping[str, float]], key: str) -> float:
        """Share of all goods' value a week in ``key`` (a country or a tier)."""
        total = sum(self.value_per_week.values())
        if total <= 0:
            return 0.0
        return sum(self.value_per_week[g] * shares_by_good[g].get(key, 0.0) for g in self.value_per_week) / total

    @property
    def trusted_total(self) -> float:
        return self.trusted_total_at("ally")

    def trusted_at(self, level: str) -> dict[str, float]:
        """good -> share of its value from the tiers at or above ``level``."""
        tiers = TIERS[: TIERS.index(level) + 1]
        return {g: sum(v for t, v in shares.items() if t in tiers) for g, shares in self.by_tier.items()}

    def trusted_total_at(self, level: str) -> float:
        """Share of all goods' value a week from the tiers at or above ``level``."""
        total = sum(self.value_per_week.values())
        trusted = self.trusted_at(level)
        return sum(self.value_per_week[g] * trusted[g] for g in trusted) / total if total > 0 else 0.0


def landed_costs(network: Network, plants: Sequence[str], *, strict: bool = True) -> tuple[float, float]:
    """Landed cost a year of every active flow, and of those into ``plants``, by the landed-cost engine
    (``strict``: a duty the tables cannot give is an error, else counted as 0 as the engine lists it)."""
    flows = network_cost(network, as_of=AS_OF, strict_duties=strict and STRICT_DUTIES).flows
    into = flows.filter(pl.col("to_site").is_in(list(plants)))
    return float(flows.get_column("total_per_year").sum()), float(into.get_column("total_per_year").sum())


def evaluate(network: Network, plants: Sequence[str], *, cost: bool = True, strict: bool = True) -> Figures:
    """The engines' figures of a plan network (``cost=False`` skips the landed cost, the slowest engine)."""
    total, inputs = landed_costs(network, plants, strict=strict) if cost else (math.nan, math.nan)
    result = exposure(network)
    trusted = {g.item_id: sum(v for t, v in g.by_tier.items() if t in TRUSTED_TIERS) for g in result.goods}
    origin = determine_network(network, as_of=AS_OF)
    per_flow, _ = annual_flow_units(network)
    shipped = (
        network.flows.select(pl.col("from_site").alias("site_id"), "item_id")
        .with_columns(pl.Series("units", per_flow / 52.0))
        .group_by("site_id", "item_id")
        .agg(pl.col("units").sum())
        .join(network.supply.select("site_id", "item_id", "capacity_per_week"), on=["site_id", "item_id"])
        .filter(pl.col("capacity_per_week").is_not_null())
    )
    over = {
        (r["site_id"], r["item_id"]): r["units"] - r["capacity_per_week"]
        for r in shipped.iter_rows(named=True)
        if r["units"] > r["capacity_per_week"] * (1 + SHARE_TOL) + SHARE_TOL
    }
    return Figures(
        cost_per_year=total,
        input_cost_per_year=inputs,
        trusted=trusted,
        by_country={g.item_id: dict(g.by_country) for g in result.goods},
        by_tier={g.item_id: dict(g.by_tier) for g in result.goods},
        value_per_week={g.item_id: g.value_per_week for g in result.goods},
        originating=frozenset(g.item_id for g in origin.goods if g.originating),
        shares=shares_of(network),
        over_capacity=over,
        tier_of={r["site_id"]: result.tiers.get(r["country"], "") for r in network.sites.iter_rows(named=True)},
    )


def option_costs(drawn: Drawn, network: Network) -> tuple[dict[tuple[str, str, str], float], float]:
    """Landed cost a year of each flow into a plant carrying the plant's whole need, and of the finished goods'
    flows, by the landed-cost engine: one costing per rotation of the sources (plan r takes source r mod n of every
    (item, plant)), so every flow is costed once as the sole active source."""
    plants = sorted({g.to_site for g in drawn.groups})
    out: dict[tuple[str, str, str], float] = {}
    finished = math.nan
    for r in range(max(len(g.sources) for g in drawn.groups)):
        choice = {(g.item_id, g.to_site): g.sources[r % len(g.sources)] for g in drawn.groups}
        flows = network_cost(
            plan_network(network, choice_shares(choice)), as_of=AS_OF, strict_duties=STRICT_DUTIES
        ).flows
        for row in flows.iter_rows(named=True):
            if row["to_site"] in plants:
                out[(row["item_id"], row["to_site"], row["source_site"])] = float(row["total_per_year"])
        finished = float(flows.filter(~pl.col("to_site").is_in(plants)).get_column("total_per_year").sum())
    return out, finished


# --------------------------------------------------------------------------- policies and their checks


@dataclass(frozen=True)
class PlanPolicy:
    """The constraints a plan is drawn against (None / empty: not asked)."""

    min_trusted_share: float | None = None  # every good's value share from the trusted tiers
    trusted_level: str = "ally"  # the tiers at or above it are trusted
    trusted_scope: str = "goods"  # the share of each good's value, of all goods' value a week ("total"), or both
    no_adversary_items: tuple[str, ...] = ()  # no adversary source for these items (all with no_adversary)
    max_source_share: float | None = None  # of an (item, site) with several sources, from any one of them
    max_country_share: Mapping[str, float] = field(default_factory=dict)  # country -> largest share of a good
    no_adversary: bool = False
    keep_originating: bool = True  # goods originating today stay so
    require_originating: tuple[str, ...] = ()
    min_sources: int | None = None
    max_changes: int | None = None
    resilience: bool = False  # time to survive at least time to recover at every site

    @property
    def origin(self) -> bool:
        """Whether the policy asks anything of USMCA origin."""
        return self.keep_originating or bool(self.require_originating)

    def options(self) -> dict[str, Any]:
        """The options as keywords of the optimiser (names per its documented signature)."""
        out: dict[str, Any] = {}
        out["trusted_level"] = self.trusted_level  # also what the reported trusted shares count
        out["trusted_scope"] = self.trusted_scope
        if self.min_trusted_share is not None:
            out["min_trusted_share"] = self.min_trusted_share
        if self.no_adversary_items:
            out["no_adversary_items"] = list(self.no_adversary_items)
        if self.max_source_share is not None:
            out["max_source_share"] = self.max_source_share
        if self.max_country_share:
            out["max_country_share"] = dict(self.max_country_share)
        if self.no_adversary:
            out["no_adversary"] = True
        out["keep_originating"] = self.keep_originating
        if self.require_originating:
            out["require_originating"] = list(self.require_originating)
        if self.min_sources is not None:
            out["min_sources"] = self.min_sources
        if self.max_changes is not None:
            out["max_changes"] = self.max_changes
        if self.resilience:
            out["resilience"] = True
        return out


#: Slack on shares re-read from a written network: the solver's feasibility tolerance (HiGHS 1e-7) on rows whose
#: coefficients are unit values of a few hundred dollars, and shares written to the file as decimals.
SHARE_TOL = 1e-6


#: The least share a source carries to count towards ``min_sources`` (the optimiser's documented default).
MIN_SHARE_COUNTED = 0.05


def changes(before: Mapping[tuple[str, str, str], float], after: Mapping[tuple[str, str, str], float]) -> int:
    """Flows whose share moved (a source added, dropped or re-weighted)."""
    keys = set(before) | set(after)
    return sum(abs(after.get(k, 0.0) - before.get(k, 0.0)) > SHARE_TOL for k in keys)


def violations(
    figures: Figures,
    policy: PlanPolicy,
    originating_before: frozenset[str],
    before: Mapping[tuple[str, str, str], float],
) -> list[tuple[str, float]]:
    """Each constraint of ``policy`` the plan breaks, with the amount (0 < amount) by which it misses."""
    out: list[tuple[str, float]] = []
    floor = policy.min_trusted_share
    if floor is not None and policy.trusted_scope in ("goods", "both"):
        for good, share in sorted(figures.trusted_at(policy.trusted_level).items()):
            if share < floor - SHARE_TOL:
                out.append((f"trusted share of {good}", floor - share))
    if floor is not None and policy.trusted_scope in ("total", "both"):
        share = figures.trusted_total_at(policy.trusted_level)
        if share < floor - SHARE_TOL:
            out.append(("trusted share of all goods", floor - share))
    for country, cap in sorted(policy.max_country_share.items()):
        for good, shares in sorted(figures.by_country.items()):
            if shares.get(country, 0.0) > cap + SHARE_TOL:
                out.append((f"{country} share of {good}", shares[country] - cap))
    if policy.no_adversary:
        for good, tiers in sorted(figures.by_tier.items()):
            if tiers.get("adversary", 0.0) > SHARE_TOL:
                out.append((f"adversary share of {good}", tiers["adversary"]))
    for item, site, source in sorted(figures.shares):
        if item in policy.no_adversary_items and figures.tier_of.get(source) == "adversary":
            out.append((f"{item} from {source} into {site} (adversary)", figures.shares[(item, site, source)]))
    if policy.max_source_share is not None:
        several = {(i, t) for (i, t, _) in before if sum(1 for k in before if k[:2] == (i, t)) > 1}
        for (item, site, source), share in sorted(figures.shares.items()):
            if (item, site) in several and share > policy.max_source_share + SHARE_TOL:
                out.append((f"share of {source} in {item} into {site}", share - policy.max_source_share))
    for (site, item), excess in sorted(figures.over_capacity.items()):
        out.append((f"capacity of {site}/{item}", excess))
    keep = originating_before if policy.keep_originating else frozenset()
    for good in sorted(keep | set(policy.require_originating)):
        if good not in figures.originating:
            out.append((f"{good} originating", 1.0))
    if policy.min_sources is not None:
        # Sources carrying at least MIN_SHARE_COUNTED of the need, in every (item, site) with that many choices.
        choices: dict[tuple[str, str], int] = {}
        for item, site, _ in before:
            choices[(item, site)] = choices.get((item, site), 0) + 1
        for pair, n_choices in sorted(choices.items()):
            used = sum(
                1 for (i, t, _), v in figures.shares.items() if (i, t) == pair and v >= MIN_SHARE_COUNTED - SHARE_TOL
            )
            if n_choices >= policy.min_sources and used < policy.min_sources:
                out.append((f"sources of {pair[0]} into {pair[1]}", float(policy.min_sources - used)))
    if policy.max_changes is not None:
        moved = changes(before, {k: v for k, v in figures.shares.items() if k[1] != "C"})
        if moved > policy.max_changes:
            out.append(("changes", float(moved - policy.max_changes)))
    return out


@dataclass(frozen=True)
class Enumeration:
    """Every single-source plan of a network with its landed cost (the engine's sum) and its engine figures."""

    plans: tuple[tuple[Choice, float, Figures], ...]  # (plan, landed cost a year of the flows into plants, figures)
    finished_goods_per_year: float  # landed cost a year of the finished goods' flows (the same in every plan)
    before: Figures  # the network as drawn
    shares_before: Mapping[tuple[str, str, str], float]

    def feasible(self, policy: PlanPolicy) -> list[tuple[Choice, float]]:
        """The plans that break no constraint of ``policy``, with their cost."""
        return [
            (choice, cost)
            for choice, cost, figures in self.plans
            if not violations(figures, policy, self.before.originating, self.shares_before)
        ]

    def best(self, policy: PlanPolicy) -> tuple[Choice, float] | None:
        """The cheapest feasible plan (None when none is)."""
        return min(self.feasible(policy), key=lambda p: p[1], default=None)


def enumerate_plans(drawn: Drawn) -> Enumeration:
    """Cost every single-source plan of ``drawn`` and read its shares and origin with the engines."""
    network = drawn.network
    plants = sorted({g.to_site for g in drawn.groups})
    costs, finished = option_costs(drawn, network)
    plans = []
    for choice in drawn.plans():
        figures = evaluate(plan_network(network, choice_shares(choice)), plants, cost=False)
        cost = sum(costs[(item, site, source)] for (item, site), source in choice.items())
        plans.append((choice, cost, figures))
    before = evaluate(network, plants, cost=False)
    return Enumeration(tuple(plans), finished, before, current_shares(drawn))


@st.composite
def policies(draw: Any, drawn: Drawn, enumeration: Enumeration, origin: bool = True) -> PlanPolicy:
    """A policy whose bounds sit where the single-source plans put them (often exactly on one), so that some are
    feasible, some not, and the bounds bind."""
    level = draw(st.sampled_from(["ally", "usmca", "aligned"]), label="trusted_level")
    scope = draw(st.sampled_from(["goods", "total", "both"]), label="trusted_scope")
    lowest = sorted({round(min(f.trusted_at(level).values()), 12) for _, _, f in enumeration.plans})
    cn = sorted({round(max(s.get("CN", 0.0) for s in f.by_country.values()), 12) for _, _, f in enumeration.plans})
    min_trusted = draw(st.none() | st.sampled_from(lowest) | st.floats(0.5, 1.0), label="min_trusted_share")
    cap = draw(st.none() | st.sampled_from(cn) | st.floats(0.0, 0.3), label="CN cap")
    goods = [g for g, _ in drawn.goods]
    items = sorted({g.item_id for g in drawn.groups})
    require = tuple(g for g in goods if origin and draw(st.booleans(), label=f"require {g}"))
    everywhere = draw(st.booleans(), label="no_adversary")
    return PlanPolicy(
        min_trusted_share=min_trusted,
        trusted_level=level,
        trusted_scope=scope,
        max_country_share={} if cap is None else {"CN": cap},
        no_adversary=everywhere,
        no_adversary_items=()
        if everywhere
        else tuple(i for i in items if draw(st.booleans(), label=f"no adversary {i}")),
        keep_originating=origin,
        require_originating=require,
        max_changes=draw(st.none() | st.integers(0, 4), label="max_changes"),
        min_sources=draw(st.none() | st.just(2), label="min_sources"),
        max_source_share=draw(st.none() | st.sampled_from([0.5, 0.8]), label="max_source_share"),
    )
