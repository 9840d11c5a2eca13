"""A candidate source with no capacity (blank on its supply row and on its site) is taken as unlimited, as the
network format reads a blank, but never silently: it is listed in ``unknown_capacity`` with its share of the plan,
and ``require_capacity`` leaves it out. Networks of test_optimize_golden (one component K from A (CN, 10), B (DE,
15) or M (MX, 14); the cheapest landed cost is A's)."""

from __future__ import annotations

import json
from dataclasses import replace

import polars as pl
import pytest

from allyshore.optimize import optimize
from test_optimize_golden import AS_OF, NEED, network, shares, unit_costs


def test_a_candidate_with_no_capacity_is_listed_with_its_share() -> None:
    """Today B carries everything; A and M are candidates with no capacity. Unconstrained, the plan moves all of
    K to the cheapest, A: A's share 1, M's 0, both listed, and a note says a blank capacity was taken as unlimited."""
    net = network(active="B")
    result = optimize(net, as_of=AS_OF)
    listed = {(u["item_id"], u["to_site"], u["site_id"]): u["share"] for u in result.unknown_capacity}
    assert listed == {("K", "P", "A"): pytest.approx(1.0), ("K", "P", "M"): pytest.approx(0.0)}
    assert any("no capacity_per_week" in n and "unlimited" in n for n in result.notes)
    assert json.loads(result.to_json())["unknown_capacity"][0].keys() == {"item_id", "to_site", "site_id", "share"}
    assert "unknown_capacity" in result.frames()


def test_require_capacity_leaves_them_out() -> None:
    """With require_capacity A and M cannot be used: B keeps all of K, and the plan's landed cost is B's unit
    cost times the need, as today."""
    net = network(active="B")
    result = optimize(net, as_of=AS_OF, require_capacity=True)
    assert shares(result) == {"B": pytest.approx(1.0)}
    assert result.objective["landed_cost_per_year"] == pytest.approx(unit_costs(net)["B"] * NEED)
    assert {u["site_id"]: u["share"] for u in result.unknown_capacity} == {"A": 0.0, "M": 0.0}
    assert any("left out of the plan (require_capacity)" in n for n in result.notes)


def test_a_candidate_with_a_capacity_is_not_listed() -> None:
    """A capacity of 60 a week on A's supply row (K needs 50 x 2 = 100 a week) makes A's capacity known: only M is
    listed, and A ships at its capacity, a share of 60 / 100, the rest from a dearer source."""
    net = network(active="B", capacity={"A": 60.0})
    result = optimize(net, as_of=AS_OF)
    assert {u["site_id"] for u in result.unknown_capacity} == {"M"}
    assert shares(result)["A"] == pytest.approx(60 / 100)


def test_a_capacity_on_the_site_makes_the_candidate_known_too() -> None:
    """The site's capacity_per_week (shared by its items) counts as a known capacity as well: A's site at 60 a week
    leaves only M listed, and A ships at most 60 of the 100 a week K needs."""
    net = network(active="B")
    sites = net.sites.with_columns(
        pl.when(pl.col("site_id") == "A").then(60.0).otherwise(None).cast(pl.Float64).alias("capacity_per_week")
    )
    result = optimize(replace(net, tables={**net.tables, "sites": sites}), as_of=AS_OF)
    assert {u["site_id"] for u in result.unknown_capacity} == {"M"}
    assert shares(result)["A"] == pytest.approx(60 / 100)
