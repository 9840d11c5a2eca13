"""Resilience rows and priced risk of the sourcing plan (allyshore.optimize.resilience_rows).

The rows are a linear proxy of the stress test's time to survive (TTS model of Simchi-Levi et al., Interfaces
45(5), 2015, as ../shared/domain/resilience.md §5 and docs/resilience.md write it, with stock in transit and
candidate sources after qualification and ramp-up). Each golden case below is worked by hand in its comments;
the cross-check solves the stress test itself on the network with the plan's shares written into ``flows.share``
(unused flows switched to ``candidate``, as the plan's output network does) and checks that whenever the rows
hold, the stress test's TTS is at least the site's time to recover, and that on one-tier networks without stock
downstream the two agree exactly.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import polars as pl
import pytest

from allyshore._lp import LinearProgram
from allyshore.errors import Infeasible, InputError, NotFoundError
from allyshore.model.network import Network
from allyshore.optimize.blocks import CHOICE_COLUMNS, Choices, Rows
from allyshore.optimize.resilience_rows import (
    DEFAULT_LIVE_SHARE,
    resilience_rows,
    risk_per_unit,
    risk_terms,
    site_recovery_weeks,
)
from allyshore.resilience.results import Contribution, SimulationResult
from allyshore.resilience.stress import stress_test

W = 10.0  # units of K a week the plant needs (10 G a week, 1 K per G)


def network(
    shares: dict[str, float],
    *,
    cap: dict[str, float | None] | None = None,
    stock: float = 0.0,
    transit_days: dict[str, float | None] | None = None,
    ttr: float = 8.0,
    ttr_b: float | None = None,
    candidate: dict[str, tuple[float, float]] | None = None,
    plants: tuple[str, ...] = ("P",),
) -> Network:
    """Sources A (CN, TTR ``ttr``), B (US) and optionally C ship K to each plant, which makes G (1 K per G) for a
    demand of 10 G a week. ``shares`` are written into flows.share; a share of 0 makes the flow a candidate (as the
    plan's output network writes an unused source). ``candidate`` gives a source's (qualification, ramp-up)
    weeks; such a source's supply row is a candidate too when its share is 0."""
    cap = cap or {}
    transit_days = transit_days or {}
    candidate = candidate or {}
    countries = {"A": "CN", "B": "US", "C": "CA"}
    sources = sorted(shares)
    sites: list[dict[str, Any]] = [
        {"site_id": s, "country": countries[s], "kind": "supplier", "ttr_weeks": {"A": ttr, "B": ttr_b}.get(s)}
        for s in sources
    ]
    sites += [{"site_id": p, "country": "MX", "kind": "plant"} for p in plants]
    supply: list[dict[str, Any]] = []
    for s in sources:
        q, r = candidate.get(s, (None, None))
        supply.append(
            {
                "site_id": s,
                "item_id": "K",
                "capacity_per_week": cap.get(s),
                "unit_price": 5.0,
                "status": "candidate" if shares[s] == 0 and s in candidate else "active",
                "qualification_weeks": q,
                "ramp_up_weeks": r,
            }
        )
    flows: list[dict[str, Any]] = []
    for p in plants:
        supply += [{"site_id": p, "item_id": "K", "inventory": stock}, {"site_id": p, "item_id": "G"}]
        for s in sources:
            q, r = candidate.get(s, (None, None))
            flows.append(
                {
                    "from_site": s,
                    "to_site": p,
                    "item_id": "K",
                    "share": shares[s],
                    "status": "candidate" if shares[s] == 0 else "active",
                    "transit_days": transit_days.get(s),
                    "qualification_weeks": q,
                    "ramp_up_weeks": r,
                }
            )
    return Network.from_dict(
        {
            "sites": sites,
            "items": [{"item_id": "G", "profit_per_unit": 10.0}, {"item_id": "K"}],
            "bom": [{"parent_id": "G", "child_id": "K", "quantity": 1}],
            "supply": supply,
            "flows": flows,
            "demand": [{"site_id": p, "item_id": "G", "units_per_week": W} for p in plants],
        }
    )


def choices_of(net: Network, tiers: dict[str, str | None] | None = None) -> Choices:
    """The plan's share variables, by hand: one per flow, a group per (item, plant), need 52 x 10 a year."""
    flows = net.flows.with_row_index("flow_row")
    countries = dict(zip(net.sites["site_id"].to_list(), net.sites["country"].to_list(), strict=True))
    tiers = tiers if tiers is not None else {"CN": "adversary", "US": "domestic", "CA": "usmca"}
    plants = sorted(set(flows["to_site"].to_list()))
    frame = pl.DataFrame(
        {
            "j": list(range(flows.height)),
            "flow_row": flows["flow_row"].cast(pl.Int64).to_list(),
            "item_id": flows["item_id"].to_list(),
            "to_site": flows["to_site"].to_list(),
            "from_site": flows["from_site"].to_list(),
            "group": [plants.index(p) for p in flows["to_site"].to_list()],
            "country": [countries[s] for s in flows["from_site"].to_list()],
            "tier": [tiers.get(countries[s]) for s in flows["from_site"].to_list()],
            "status_before": flows["status"].to_list(),
            "share_before": flows["share"].to_list(),
            "need_per_year": [W * 52.0] * flows.height,
            "cost_per_unit": [6.0] * flows.height,
            "price_per_unit": [5.0] * flows.height,
        },
        schema_overrides={"tier": pl.String},
    )
    assert tuple(frame.columns) == CHOICE_COLUMNS
    return Choices(frame)


def holds(blocks: tuple[Rows, ...], n: int, x: np.ndarray) -> bool:
    """Whether some values of the blocks' own columns satisfy every row with the shares fixed at ``x``."""
    for block in blocks:
        block.check(n)
        lp = LinearProgram(
            costs=np.zeros(n + block.n_extra),
            matrix=block.matrix,
            row_lower=block.lower,
            row_upper=block.upper,
            col_lower=np.concatenate([x, block.extra_lower]),
            col_upper=np.concatenate([x, block.extra_upper]),
        )
        try:
            lp.solve()
        except Infeasible:
            return False
    return True


def plan_minimising(blocks: tuple[Rows, ...], n: int, costs: list[float], groups: list[int]) -> np.ndarray:
    """The cheapest shares (each group's summing to 1) that satisfy the blocks: a tiny sourcing plan."""
    import scipy.sparse as sp

    extra = sum(b.n_extra for b in blocks)
    parts, lower, upper = [], [], []
    offset = n
    for b in blocks:
        shares, own = b.matrix[:, :n], b.matrix[:, n:]
        parts.append(
            sp.hstack(
                [
                    shares,
                    sp.csr_matrix((b.matrix.shape[0], offset - n)),
                    own,
                    sp.csr_matrix((b.matrix.shape[0], n + extra - offset - b.n_extra)),
                ]
            )
        )
        lower.append(b.lower)
        upper.append(b.upper)
        offset += b.n_extra
    g = np.asarray(groups)
    demand = sp.csr_matrix((np.ones(n), (g, np.arange(n))), shape=(g.max() + 1, n + extra))
    matrix = sp.vstack([demand, *parts]).tocsr()
    lp = LinearProgram(
        costs=np.concatenate([costs, np.zeros(extra)]),
        matrix=matrix,
        row_lower=np.concatenate([np.ones(g.max() + 1), *lower]),
        row_upper=np.concatenate([np.ones(g.max() + 1), *upper]),
        col_lower=np.concatenate([np.zeros(n), *(b.extra_lower for b in blocks)]),
        col_upper=np.concatenate([np.ones(n), *(b.extra_upper for b in blocks)]),
    )
    return np.asarray(lp.solve().x[:n])


def tts_of(net: Network, site: str = "A") -> float:
    """The stress test's time to survive ``site`` down, candidates coming on after qualification and ramp-up."""
    result = stress_test(net, sites=[site], with_candidates=True, line_stoppers=False)
    (scenario,) = result.scenarios
    assert scenario.tts_with_candidates is not None
    return scenario.tts_with_candidates


# -- hand-worked rows ------------------------------------------------------------------------------------------------


def test_two_sources_rows_by_hand() -> None:
    # A (TTR 8 wk) and B (capacity 6 a week) ship K to P; stock of K at P 20; need w = 520 / 52 = 10 a week.
    net = network({"A": 0.5, "B": 0.5}, cap={"B": 6.0}, stock=20.0)
    blocks = resilience_rows(net, choices_of(net))
    assert [b.name for b in blocks] == ["resilience:A"]  # B has no TTR: not taken down (sites=None)
    (block,) = blocks
    block.check(2)
    assert block.labels == (
        "K at P survives A down 8 wk",
        "spare capacity of B/K while A down, by week 8",
        "B counts for K at P while A down only if kept in use, by week 8",
    )
    assert block.extra_names == ("cover B->P/K if A down, wk 8",)
    dense = block.matrix.toarray()
    # survive: x_A w max(0, 8 - 0) - c <= stock  ->  80 x_A - c <= 20
    np.testing.assert_allclose(dense[0], [80.0, 0.0, -1.0])
    assert block.upper[0] == 20.0
    # spare: c + 8 * (B's load 10 x_B) <= 8 * 6  ->  c + 80 x_B <= 48
    np.testing.assert_allclose(dense[1], [0.0, 80.0, 1.0])
    assert block.upper[1] == 48.0
    # live: B comes on as a candidate at 12 + 4/2 = 14 wk > 8, so h = 0: c - (10 * 8 / 0.01) x_B <= 0
    np.testing.assert_allclose(dense[2], [0.0, -8000.0, 1.0])
    assert block.upper[2] == 0.0
    assert np.all(block.lower == -np.inf)
    assert block.extra_lower.tolist() == [0.0] and block.extra_upper.tolist() == [math.inf]
    assert "linear proxy" in block.detail


def test_spare_capacity_enough_but_only_if_kept_in_use() -> None:
    # B's capacity 8 a week: w tau = 80 <= stock 20 + 8 * 8 = 84, so with B live any split survives A's 8 weeks
    # (stress test: TTS = 20 / (10 - 8) = 10 wk). Dropping B (share 0) makes it a candidate at week 14, and then
    # only the stock covers: TTS = 20 / 10 = 2 wk. The rows: 80 x_A - c <= 20, c <= 64 - 80 x_B, c <= 8000 x_B.
    # With A cheaper the plan keeps the least B that passes: 80 (1 - x_B) - 20 <= 8000 x_B
    # -> 60 <= 8080 x_B -> x_B = 60 / 8080 (below the live share 0.01, in proportion).
    net = network({"A": 0.5, "B": 0.5}, cap={"B": 8.0}, stock=20.0)
    blocks = resilience_rows(net, choices_of(net))
    x = plan_minimising(blocks, 2, costs=[1.0, 2.0], groups=[0, 0])
    assert x[1] == pytest.approx(60.0 / 8080.0, rel=1e-6)
    assert not holds(blocks, 2, np.array([1.0, 0.0]))
    # The stress test agrees on both ends: B kept in use survives, B dropped does not.
    kept = float(x[1])
    assert tts_of(network({"A": 1.0 - kept, "B": kept}, cap={"B": 8.0}, stock=20.0)) == pytest.approx(10.0)
    assert tts_of(network({"A": 1.0, "B": 0.0}, cap={"B": 8.0}, stock=20.0)) == pytest.approx(2.0)


def test_stock_in_transit_asks_for_more_from_the_disrupted_site() -> None:
    # B's capacity 6; A's lane takes 14 days = 2 weeks, so A's goods keep arriving, 10 x_A a week, for 2 weeks.
    # survive: 10 x_A (8 - 2) <= 20 + c, c <= 8 (6 - 10 x_B): 60 x_A <= 20 + 48 - 80 (1 - x_A) -> x_A >= 0.6.
    # The stress test: 80 <= 20 + 20 x_A (in transit) + 48 -> the same x_A >= 0.6, TTS exactly 8 there.
    net = network({"A": 0.5, "B": 0.5}, cap={"B": 6.0}, stock=20.0, transit_days={"A": 14.0})
    blocks = resilience_rows(net, choices_of(net))
    x = plan_minimising(blocks, 2, costs=[2.0, 1.0], groups=[0, 0])  # B cheaper: as little A as allowed
    assert x[0] == pytest.approx(0.6, rel=1e-9)
    written = network({"A": 0.6, "B": 0.4}, cap={"B": 6.0}, stock=20.0, transit_days={"A": 14.0})
    assert tts_of(written) == pytest.approx(8.0)
    # Without counting the stock in transit no split passes: 80 x_A <= 20 + 48 - 80 x_B -> 80 <= 68.
    blind = resilience_rows(net, choices_of(net), stock_in_transit=False)
    assert not any(holds(blind, 2, np.array([a, 1 - a])) for a in np.linspace(0, 1, 11))


def test_candidate_checked_when_it_comes_on() -> None:
    # A (TTR 8) today the only source; C a candidate (qualification 4, ramp-up 2: full capacity 10 from week
    # 4 + 2/2 = 5). Need 10 a week. Weeks checked: 5 (C comes on) and 8.
    # stock 50: week 5: 50 <= 50 + c(5), c(5) <= 0 * 10 = 0 -> holds; week 8: 80 <= 50 + c(8), c(8) <= 3 * 10 = 30
    # -> holds. Stress test: 50 from stock to week 5, then C's 10 a week = the need: TTS infinite.
    # stock 49: week 5 fails (50 > 49); stress test: TTS = 49 / 10 = 4.9 wk.
    for stock, survives, tts in ((50.0, True, math.inf), (49.0, False, 4.9)):
        net = network({"A": 1.0, "C": 0.0}, cap={"C": 10.0}, stock=stock, candidate={"C": (4.0, 2.0)})
        blocks = resilience_rows(net, choices_of(net))
        (block,) = blocks
        assert block.labels[:2] == (
            "K at P covers A down until week 5 (a later source comes on)",
            "K at P survives A down 8 wk",
        )
        assert holds(blocks, 2, np.array([1.0, 0.0])) is survives
        assert tts_of(net) == pytest.approx(tts)


def test_unlimited_source_on_before_recovery_drops_the_row() -> None:
    # B has no capacity limit and, even as a candidate, comes on at 1 + 2/2 = 2 weeks < 8: from week 2 it covers
    # everything, so the row at week 8 always holds and is dropped; the row at week 2 stays:
    # 10 x_A * 2 <= 0 + c, c <= 0 + (10 * 2 / 0.01) x_B.
    net = network({"A": 0.5, "B": 0.5}, candidate={"B": (1.0, 2.0)})
    (block,) = resilience_rows(net, choices_of(net))
    assert block.labels == (
        "K at P covers A down until week 2 (a later source comes on)",
        "B counts for K at P while A down only if kept in use, by week 2",
    )
    np.testing.assert_allclose(block.matrix.toarray(), [[20.0, 0.0, -1.0], [0.0, -2000.0, 1.0]])
    # Unlimited and live from week 0 with no delay as a candidate either (0 + 0): no row at all.
    net = network({"A": 0.5, "B": 0.5}, candidate={"B": (0.0, 0.0)})
    assert resilience_rows(net, choices_of(net)) == ()


def test_spare_capacity_is_pooled_over_the_groups_a_site_takes_down() -> None:
    # A ships half of each of two plants' need (10 a week each); B (capacity 19) the other half. A down 4 weeks,
    # no stock: each plant needs c_g >= 10 * 0.5 * 4 = 20 from B, and B's spare over 4 weeks is
    # 4 * (19 - 5 - 5) = 36 < 40 for both: the rows fail, though each plant alone would pass (36 >= 20).
    # Stress test: 20 a week needed against B's 19: TTS = 0. With capacity 20: 4 * 10 = 40, holds; TTS infinite.
    for capacity, survives in ((19.0, False), (20.0, True)):
        net = network({"A": 0.5, "B": 0.5}, cap={"B": capacity}, ttr=4.0, plants=("P1", "P2"))
        blocks = resilience_rows(net, choices_of(net))
        (block,) = blocks
        assert sum(label.startswith("spare capacity of B/K") for label in block.labels) == 1  # one pooled row
        assert holds(blocks, 4, np.array([0.5, 0.5, 0.5, 0.5])) is survives
        assert (tts_of(net) >= 4.0) is survives


def test_sites_named_and_errors() -> None:
    net = network({"A": 0.5, "B": 0.5}, cap={"B": 8.0}, stock=20.0)
    ch = choices_of(net)
    assert [b.name for b in resilience_rows(net, ch, sites=["A"])] == ["resilience:A"]
    with pytest.raises(NotFoundError, match="ZZ"):
        resilience_rows(net, ch, sites=["ZZ"])
    with pytest.raises(InputError, match="B have no time to recover"):
        resilience_rows(net, ch, sites=["B"])
    with pytest.raises(InputError, match="live_share"):
        resilience_rows(net, ch, live_share=0.0)
    ttr = dict(site_recovery_weeks(net).iter_rows())
    assert ttr == {"A": 8.0, "B": None, "P": None}


def test_one_block_per_site_each_with_its_own_columns() -> None:
    # A down 8 wk and B down 3 wk, each covered by the other; a supply row's ttr_weeks overrides its site's and a
    # site takes the longest of its rows: B's row says 5 > 3, so B is down 5 weeks.
    net = network({"A": 0.5, "B": 0.5}, cap={"A": 12.0, "B": 12.0}, stock=10.0, ttr_b=3.0)
    supply = net.supply.with_columns(
        pl.when(pl.col("site_id") == "B").then(5.0).otherwise(pl.col("ttr_weeks")).alias("ttr_weeks")
    )
    net = Network.from_dict({**net.to_dict(), "supply": supply.to_dicts()})
    assert dict(site_recovery_weeks(net).iter_rows())["B"] == 5.0
    blocks = resilience_rows(net, choices_of(net))
    assert [b.name for b in blocks] == ["resilience:A", "resilience:B"]
    for block in blocks:
        block.check(2)
        assert block.n_extra == 1
    assert blocks[1].labels[0] == "K at P survives B down 5 wk"
    # A down: 80 x_A - c <= 10, c <= 8 (12 - 10 x_B); B down: 50 x_B - c' <= 10, c' <= 5 (12 - 10 x_A).
    # Half and half: 40 <= 10 + 56 and 25 <= 10 + 35: both hold. All from A: 80 <= 10 + 96 holds, but B's
    # gate allows c <= 8000 x_B = 0: fails. x_A = 0.9: A: 72 <= 10 + 88; B: 5 <= 10: holds.
    assert holds(blocks, 2, np.array([0.5, 0.5]))
    assert not holds(blocks, 2, np.array([1.0, 0.0]))
    assert holds(blocks, 2, np.array([0.9, 0.1]))


# -- cross-check against the stress test ------------------------------------------------------------------------------


GRID = [
    (x_a, cap_b, stock, transit)
    for x_a in (0.0, 0.7, 1.0)
    for cap_b in (4.0, 7.0, 10.0)
    for stock in (0.0, 30.0)
    for transit in (None, 21.0)
]


def test_rows_hold_only_when_the_stress_test_survives() -> None:
    # One tier, no stock downstream, B's lane without stock in transit: the rows are the stress test's condition
    # TTS >= TTR exactly when B is kept in use (share >= the live share) or not used at all, within its capacity;
    # with a share in between they are more cautious. Never weaker: rows hold => TTS >= TTR. The rows also keep
    # every alternate they count within its capacity (its spare may not be negative): a plan that overloads B
    # (10 x_B > cap_B) fails them even where stock carries the stress test past the TTR.
    seen = {(True, True): 0, (False, False): 0, (False, True): 0}
    for x_a, cap_b, stock, transit in GRID:
        net = network({"A": x_a, "B": 1.0 - x_a}, cap={"B": cap_b}, stock=stock, transit_days={"A": transit})
        blocks = resilience_rows(net, choices_of(net))
        proxy = holds(blocks, 2, np.array([x_a, 1.0 - x_a]))
        survives = tts_of(net) >= 8.0 - 1e-7
        case = (x_a, cap_b, stock, transit)
        assert survives or not proxy, case
        if (1.0 - x_a >= DEFAULT_LIVE_SHARE or x_a == 1.0) and W * (1.0 - x_a) <= cap_b:
            assert proxy is survives, case
        if W * (1.0 - x_a) > cap_b:
            assert not proxy, case
        seen[(proxy, survives)] += 1
    assert min(seen.values()) > 0, seen  # the grid has plans that pass, fail, and only the stress test passes


def test_rows_with_a_candidate_match_the_time_phased_stress_test() -> None:
    # A and B active, C a candidate coming on at week 2 + 2/2 = 3 (the stress test's time-phased program, periods
    # [0, 3] and [3, 8]). With B live: rows at weeks 3 and 8 read x_A w t <= I + t (C_B - 10 x_B) + (t - 3)^+ C_C,
    # i.e. 10 t <= I + C_B t + C_C (t - 3)^+: the program's no-loss condition at the end of each period. So the
    # rows and the stress test agree exactly (B within its capacity); never weaker in any case.
    seen = {True: 0, False: 0}
    for x_a in (0.5, 1.0):
        for cap_b, cap_c, stock in itertools.product((4.0, 8.0), (3.0, 6.0), (0.0, 20.0, 40.0)):
            shares = {"A": x_a, "B": 1.0 - x_a, "C": 0.0}
            net = network(shares, cap={"B": cap_b, "C": cap_c}, stock=stock, candidate={"C": (2.0, 2.0)})
            blocks = resilience_rows(net, choices_of(net))
            proxy = holds(blocks, 3, np.array([x_a, 1.0 - x_a, 0.0]))
            survives = tts_of(net) >= 8.0 - 1e-7
            case = (x_a, cap_b, cap_c, stock)
            assert survives or not proxy, case
            if W * (1.0 - x_a) <= cap_b:
                assert proxy is survives, case
            seen[proxy] += 1
    assert min(seen.values()) > 0, seen


def test_finished_goods_stock_makes_the_rows_cautious() -> None:
    # Stock of G at P (downstream of the receiving node P/K) lets the stress test survive longer; the rows do not
    # count it: with B capacity 6 and no K stock, 80 x_A <= 48 - 80 x_B never holds, yet 40 G on hand give the
    # stress test TTS = 40 / (10 - 6) = 10 >= 8.
    net = network({"A": 0.5, "B": 0.5}, cap={"B": 6.0})
    supply = net.supply.with_columns(
        pl.when((pl.col("site_id") == "P") & (pl.col("item_id") == "G"))
        .then(40.0)
        .otherwise(pl.col("inventory"))
        .alias("inventory")
    )
    rich = Network.from_dict({**net.to_dict(), "supply": supply.to_dicts()})
    assert tts_of(rich) == pytest.approx(10.0)
    assert not holds(resilience_rows(rich, choices_of(rich)), 2, np.array([0.5, 0.5]))


# -- priced risk ---------------------------------------------------------------------------------------------------


def test_risk_country_default_by_hand() -> None:
    # allyshore/data/cost/risk_tiers.csv: adversary 0.04, domestic 0.005 of the price; price 5 a unit:
    # A (CN, adversary) 0.04 * 5 = 0.20; B (US, domestic) 0.005 * 5 = 0.025.
    net = network({"A": 0.5, "B": 0.5}, cap={"B": 8.0})
    values, notes = risk_terms(net, choices_of(net))
    np.testing.assert_allclose(values, [0.20, 0.025])
    assert notes[0].startswith("risk: country-risk default")
    np.testing.assert_allclose(risk_per_unit(net, choices_of(net)), [0.20, 0.025])
    # No tier in the choices: looked up under the (shipped) policy, CN -> adversary, US -> domestic.
    untiered = choices_of(net, tiers={})
    np.testing.assert_allclose(risk_per_unit(net, untiered), [0.20, 0.025])


def test_risk_unknown_is_nan_with_a_note() -> None:
    net = network({"A": 0.5, "B": 0.5})
    ch = choices_of(net, tiers={"CN": "mystery", "US": "domestic"})
    values, notes = risk_terms(net, ch)
    assert math.isnan(values[0]) and values[1] == pytest.approx(0.025)
    assert any("no country-risk disruption rate" in n and "CN (mystery)" in n for n in notes)
    priceless = Choices(choices_of(net).frame.with_columns(pl.lit(None, dtype=pl.Float64).alias("price_per_unit")))
    values, notes = risk_terms(net, priceless)
    assert np.isnan(values).all() and any("no price" in n for n in notes)


def test_risk_from_a_monte_carlo_by_hand() -> None:
    # A ships 0.5 * 10 * 52 = 260 units a year, B 260, C (candidate) none. The simulation attributes 100 a year to
    # site A and 30 to country CN (A its only site): A's loss per unit (100 + 30) / 260 = 0.5; nothing to B or
    # US: 0 / 260 = 0; C ships nothing: the country-risk default, CA usmca 0.01 * 5 = 0.05, noted.
    net = network({"A": 0.5, "B": 0.5, "C": 0.0}, candidate={"C": (4.0, 2.0)})
    simulation = SimulationResult(
        network="n",
        runs=1000,
        seed=7,
        annual_losses=np.zeros(3),
        contributions=(
            Contribution("A", "site", "CN", 100.0, 0.77, 0.1),
            Contribution("CN", "country", "CN", 30.0, 0.23, 0.02),
        ),
        events=0,
        merged_events=0,
        overlaps=0,
        sets_solved=0,
        lp_solves=0,
        notes=(),
    )
    values, notes = risk_terms(net, choices_of(net), simulation=simulation)
    np.testing.assert_allclose(values, [0.5, 0.0, 0.05])
    assert "Monte Carlo of 1000 simulated years" in notes[0]
    assert any("ship nothing today" in n and "C" in n for n in notes)
