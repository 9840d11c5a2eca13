"""A plan the optimiser returns, re-checked from the network it writes: each constraint by the engines
(:func:`plan_checks.violations`), its landed cost by the landed-cost engine within what a linear model cannot see
(:func:`linear_gap`), its figures before and after by exposure and origin, and the statuses of format v1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from allyshore.model.network import Network
from plan_checks import (
    AS_OF,
    SHARE_TOL,
    Drawn,
    Enumeration,
    PlanPolicy,
    evaluate,
    landed_costs,
    shares_of,
    violations,
)


@dataclass(frozen=True)
class Fees:
    """The cost parameters that make a flow's landed cost per unit depend on its volume (the shipped defaults)."""

    per_entry: float  # broker fee + truck arrival fee + the MPF maximum, USD per customs entry
    carrying_rate: float


def fees() -> Fees:
    from allyshore.cost.assumptions import as_book

    book = as_book(None)
    mpf = book.mpf.filter(pl.col("effective_from").cast(pl.String) <= AS_OF).sort("effective_from").tail(1)
    per_entry = (
        book.parameter("broker_fee_per_entry")
        + book.parameter("truck_arrival_fee")
        + float(mpf.get_column("maximum_usd")[0])
    )
    return Fees(per_entry, book.parameter("carrying_rate"))


def linear_gap(
    network: Network, priced_at: Mapping[tuple[str, str, str], float], used: Mapping[tuple[str, str, str], float]
) -> float:
    """How far apart a linear model's landed cost and the engine's may be on a plan, USD a year.

    The engine prices a flow at the volume it carries; a linear model prices every unit of a flow at one rate, the
    engine's for some volume (here: ``priced_at``, the flow's share of its receiving site's need it was priced at,
    and ``used``, the share the plan gives it). Per unit, price, freight, insurance, duties, the harbor fee and the
    carrying costs do not depend on the volume (cycle and safety stock scale with it: ``carry_cycle`` is
    v·h ÷ (2 × shipments) once a shipment holds a unit or more). The fees per customs entry do: broker and
    crossing fees per shipment and the merchandise processing fee, clamped to a minimum and maximum per entry
    (19 CFR 24.23(b)(1)). With E shipments a year, a flow's entry fees a year F(u) lie between 0 and E·(b + c +
    MPF maximum) = E·f at any volume u; a rate taken at volume v and applied to volume u gives (u/v)·F(v). So the
    two differ by at most max(u/v, 1)·E·f, and not at all when u = v. A shipment of under one unit adds at most
    half a unit's value times h a year. A flow carrying the volume it was priced at has no gap, so a single-source
    plan priced at the whole need of each site costs the same both ways.
    """
    f = fees()
    prices = {(r["site_id"], r["item_id"]): r["unit_price"] or 0.0 for r in network.supply.iter_rows(named=True)}
    gap = 0.0
    for row in network.flows.iter_rows(named=True):
        key = (row["item_id"], row["to_site"], row["from_site"])
        u, v = used.get(key, 0.0), priced_at.get(key, 1.0)
        if u <= SHARE_TOL or abs(u - v) <= SHARE_TOL:
            continue
        shipments = row["shipments_per_year"] or 12.0
        owned = prices.get((row["from_site"], row["item_id"]), 0.0) + (row["freight_per_unit"] or 0.0)
        gap += max(u / max(v, SHARE_TOL), 1.0) * shipments * f.per_entry + owned * f.carrying_rate / 2.0
    return gap


def priced_at(enumeration: Enumeration) -> dict[tuple[str, str, str], float]:
    """The share each flow is priced at by a linear model that takes the landed-cost engine's rate of the network as
    given: its share today when it carries some of the need, else the whole need (a candidate's costing)."""
    return {k: (v if v > SHARE_TOL else 1.0) for k, v in enumeration.shares_before.items()}


def check_returned_plan(
    result: Mapping[str, Any],
    drawn: Drawn,
    enumeration: Enumeration,
    written: Network,
    policy: PlanPolicy,
) -> list[str]:
    """Every disagreement between a returned plan, the network it wrote and the engines, in words."""
    problems: list[str] = []
    plants = sorted({g.to_site for g in drawn.groups})
    after = evaluate(written, plants)
    broken = violations(after, policy, enumeration.before.originating, enumeration.shares_before)
    problems += [f"the written plan breaks {name} by {amount:.6g}" for name, amount in broken]
    # The plan the result lists is the plan written.
    listed = {
        (p["item_id"], p["to_site"], s["site_id"]): float(s["share"])
        for p in result["plan"]
        for s in p["sources"]
        if float(s["share"]) > SHARE_TOL
    }
    written_shares = {k: v for k, v in after.shares.items() if k[2] != "" and v > SHARE_TOL}
    for key in sorted(set(listed) | {k for k in written_shares if k[1] in plants}):
        a, b = listed.get(key, 0.0), written_shares.get(key, 0.0)
        if abs(a - b) > SHARE_TOL:
            problems.append(f"share of {key}: {a} in the result, {b} in the written network")
    # Its landed cost: the engine's on the written network, within the fee allowance of a linear model.
    engine = after.cost_per_year
    reported = float(result["objective"]["landed_cost_per_year"])
    allowance = linear_gap(written, priced_at(enumeration), after.shares)
    if abs(engine - reported) > allowance + 1e-6 * max(engine, 1.0):
        problems.append(
            f"landed cost a year: {reported:.2f} reported, the engine gives {engine:.2f} on the written network "
            f"(allowance {allowance:.2f} for per-entry fees of flows carrying another volume than priced)"
        )
    # The figures after, as the engines read the written network.
    figures = result["after"]
    trusted = after.trusted_total_at(policy.trusted_level)
    if abs(float(figures["trusted_share"]) - trusted) > SHARE_TOL:
        problems.append(f"after.trusted_share {figures['trusted_share']} but exposure gives {trusted}")
    if "landed_cost_engine_per_year" in figures:
        told = float(figures["landed_cost_engine_per_year"])
        if abs(told - engine) > 1e-6 * max(engine, 1.0):
            problems.append(f"after.landed_cost_engine_per_year {told:.2f} but the engine gives {engine:.2f}")
    adversary = after.total_share(after.by_tier, "adversary")
    if abs(float(figures["adversary_share"]) - adversary) > SHARE_TOL:
        problems.append(f"after.adversary_share {figures['adversary_share']} but exposure gives {adversary}")
    for country, share in figures["by_country"].items():
        engine_share = after.total_share(after.by_country, country)
        if abs(float(share) - engine_share) > SHARE_TOL:
            problems.append(f"after.by_country[{country}] {share} but exposure gives {engine_share}")
    if policy.origin and set(figures["originating_goods"]) != set(after.originating):
        problems.append(
            f"after.originating_goods {figures['originating_goods']} but origin gives {sorted(after.originating)}"
        )
    # The changes listed are the flows whose share moved.
    moved = {
        (c["item_id"], c["to_site"], c["site_id"])
        for c in result["changes"]
        if abs(float(c["share_after"]) - float(c["share_before"])) > SHARE_TOL
    }
    before = shares_of(drawn.network)  # the finished goods' flows too: a plan lists every (item, site)
    really = {k for k in set(before) | set(listed) if abs(listed.get(k, 0.0) - before.get(k, 0.0)) > SHARE_TOL}
    if moved != really:
        problems.append(f"changes list {sorted(moved)} but the shares moved on {sorted(really)}")
    return problems


def check_statuses(written: Network, plants: Sequence[str]) -> list[str]:
    """The written network in format v1 as the plan contract has it: every flow into a plant with a share active and
    one without a candidate, and every supplier's supply row active when one of its flows is, else a candidate
    (sources used switched to active, unused to candidate)."""
    problems: list[str] = []
    written_shares = shares_of(written)
    flow_status = {
        (r["item_id"], r["to_site"], r["from_site"]): r["status"] or "active"
        for r in written.flows.iter_rows(named=True)
    }
    for key, status in sorted(flow_status.items()):
        want = "active" if written_shares.get(key, 0.0) > 0 else "candidate"
        if key[1] in plants and status != want:
            problems.append(f"flow {key} is {status} in the written network with share {written_shares.get(key, 0.0)}")
    for row in written.supply.iter_rows(named=True):
        flows_of = [v for (i, _, f), v in flow_status.items() if (f, i) == (row["site_id"], row["item_id"])]
        if row["site_id"] not in plants and flows_of:
            want = "active" if "active" in flows_of else "candidate"
            if (row["status"] or "active") != want:
                problems.append(
                    f"supply row {row['site_id']}/{row['item_id']} is {row['status']}, its flows {flows_of}"
                )
    return problems


def check_before(result: Mapping[str, Any], drawn: Drawn, enumeration: Enumeration, policy: PlanPolicy) -> list[str]:
    """The ``before`` figures of a result against the engines on the network as drawn (``origin``: its originating
    goods too)."""
    problems: list[str] = []
    network = drawn.network
    engine, _ = landed_costs(network, sorted({g.to_site for g in drawn.groups}))
    figures = result["before"]
    reported = float(figures["landed_cost_per_year"])
    if abs(reported - engine) > 1e-6 * max(engine, 1.0):
        problems.append(f"before.landed_cost_per_year {reported:.2f} but the engine gives {engine:.2f}")
    before = enumeration.before
    trusted = before.trusted_total_at(policy.trusted_level)
    if abs(float(figures["trusted_share"]) - trusted) > SHARE_TOL:
        problems.append(f"before.trusted_share {figures['trusted_share']} but exposure gives {trusted}")
    if policy.origin and set(figures["originating_goods"]) != set(before.originating):
        problems.append(
            f"before.originating_goods {figures['originating_goods']} but origin gives {sorted(before.originating)}"
        )
    return problems
