"""USMCA origin rows of the sourcing plan, checked by hand and against the origin engine itself.

The rows claim to be exact for a fixed bill of materials: a plan satisfies them if and only if the origin engine
(:func:`allyshore.origin.from_network.determine_network`) finds the good originating on the network that plan
writes. The key tests build that network for a grid of shares and compare both verdicts; the hand-worked cases
derive the boundary share in comments from SOR/2020-155:

* s.7(3): RVC_NC = (NC - VNM) / NC x 100, NC = total cost - excluded costs; s.7(2): RVC_TV = (TV - VNM) / TV x 100;
* s.8(1): a material's value is its price plus the freight to the plant;
* s.3(2): only non-originating materials must make the tariff change; s.5(1): unless those that fail are worth at
  most 10% of the adjusted TV or of the total cost; s.5(4): the RVC is waived when all non-originating materials are
  worth at most 10% of either;
* s.3(6): meeting one alternative of the rule suffices.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from allyshore._lp import LinearProgram
from allyshore.errors import Infeasible, NotFoundError
from allyshore.model.network import Network
from allyshore.optimize.blocks import CHOICE_COLUMNS, Choices, Rows
from allyshore.optimize.origin_rows import OriginBlocks, origin_rows, originating_goods
from allyshore.origin.from_network import determine_network

# --------------------------------------------------------------------------- helpers


def build(doc: dict[str, Any], shares: dict[tuple[str, str, str], float] | None = None) -> Network:
    """The network of ``doc`` with the shares of some flows (from, to, item) set; a share of 0 makes it a candidate."""
    doc = copy.deepcopy(doc)
    for flow in doc["flows"]:
        key = (flow["from_site"], flow["to_site"], flow["item_id"])
        if shares is not None and key in shares:
            share = shares[key]
            flow["share"] = share if share > 0 else None
            flow["status"] = "active" if share > 0 else "candidate"
    return Network.from_dict(doc)


def choices_of(network: Network) -> Choices:
    """Share variables by hand: one per flow, grouped by (item, receiving site), as the assembler makes them."""
    flows = network.flows.with_row_index("flow_row").with_columns(pl.col("flow_row").cast(pl.Int64))
    status = flows.get_column("status").fill_null("active") if "status" in flows.columns else None
    share = flows.get_column("share") if "share" in flows.columns else pl.Series([None] * flows.height)
    frame = (
        flows.select("flow_row", "item_id", "to_site", "from_site")
        .with_columns(
            status_before=status if status is not None else pl.lit("active"),
            share_before=share.cast(pl.Float64).fill_null(1.0),
        )
        .with_columns(
            share_before=pl.when(pl.col("status_before") == "candidate").then(0.0).otherwise("share_before"),
            group=pl.struct("item_id", "to_site").rank("dense").cast(pl.Int64) - 1,
            country=pl.lit(""),
            tier=pl.lit(""),
            need_per_year=pl.lit(520.0),
            cost_per_unit=pl.lit(None, dtype=pl.Float64),
            price_per_unit=pl.lit(None, dtype=pl.Float64),
        )
        .with_row_index("j")
        .with_columns(pl.col("j").cast(pl.Int64))
    )
    return Choices(frame.select(CHOICE_COLUMNS))


def feasible(block: Rows, n: int, x: np.ndarray) -> bool:
    """Whether some value of the block's own (binary) columns satisfies its rows at shares ``x`` (a tiny MIP)."""
    width = n + block.n_extra
    lp = LinearProgram(
        np.zeros(width),
        block.matrix if block.matrix.shape[0] else sp.csr_matrix((1, width)),
        block.lower if len(block.lower) else [-np.inf],
        block.upper if len(block.upper) else [np.inf],
        col_lower=np.concatenate([x, block.extra_lower]),
        col_upper=np.concatenate([x, block.extra_upper]),
        integrality=np.concatenate([np.zeros(n, dtype=bool), block.extra_integer]),
    )
    try:
        lp.solve()
    except Infeasible:
        return False
    return True


def verdict(doc: dict[str, Any], shares: dict[tuple[str, str, str], float], good: str = "G") -> bool:
    return determine_network(build(doc, shares)).good(good).originating


def plan_x(choices: Choices, shares: dict[tuple[str, str, str], float]) -> np.ndarray:
    """The share vector of a plan; flows not named keep share 1 (single sources)."""
    keys = zip(*(choices.frame.get_column(c).to_list() for c in ("from_site", "to_site", "item_id")), strict=True)
    return np.array([shares.get(k, 1.0) for k in keys])


def solve_plan(blocks: OriginBlocks, choices: Choices, costs: np.ndarray) -> np.ndarray:
    """Cheapest shares under demand (each group sums to 1) and the origin rows, through the one solver module."""
    frame = choices.frame
    n = choices.n
    groups = frame.get_column("group").to_numpy()
    demand = sp.csr_matrix((np.ones(n), (groups, np.arange(n))), shape=(groups.max() + 1, n))
    extra = sum(b.n_extra for b in blocks.rows)
    parts, lower, upper, offset = [sp.hstack([demand, sp.csr_matrix((demand.shape[0], extra))])], [], [], n
    lower.append(np.ones(demand.shape[0]))
    upper.append(np.ones(demand.shape[0]))
    col_lo, col_hi, integer = [np.zeros(n)], [np.ones(n)], [np.zeros(n, dtype=bool)]
    for b in blocks.rows:
        m = b.matrix.tocsr()
        left: sp.csr_matrix = m[:, :n]
        own: sp.csr_matrix = m[:, n:]
        pad_before = sp.csr_matrix((m.shape[0], offset - n))
        pad_after = sp.csr_matrix((m.shape[0], n + extra - offset - b.n_extra))
        parts.append(sp.hstack([left, pad_before, own, pad_after]))
        lower.append(b.lower)
        upper.append(b.upper)
        col_lo.append(b.extra_lower)
        col_hi.append(b.extra_upper)
        integer.append(b.extra_integer)
        offset += b.n_extra
    lp = LinearProgram(
        np.concatenate([costs, np.zeros(extra)]),
        sp.vstack(parts).tocsr(),
        np.concatenate(lower),
        np.concatenate(upper),
        np.concatenate(col_lo),
        np.concatenate(col_hi),
        integrality=np.concatenate(integer),
    )
    return lp.solve().x[:n]


def sites(*rows: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"site_id": s, "country": c, "kind": k} for s, c, k in rows]


# --------------------------------------------------------------------------- case 1: RVC by net cost only

# G (9018.90) at plant P in Mexico, other costs 5 per unit, rule: RVC >= 60% by net cost, no tariff shift.
#   K (8536.50), 1 per G: from U (US, certified originating) at 40, or from S (CN, not originating) at 30.
#   H (3926.90), 1 per G: from M (MX, certified) at 20.
# With x the share of S:  NC = 40(1 - x) + 30x + 20 + 5 = 65 - 10x;  VNM = 30x.
# RVC_NC >= 60%  <=>  0.4 NC - VNM >= 0  <=>  26 - 4x - 30x >= 0  <=>  x <= 26/34 = 0.764705...
# (The s.5(4) waiver, VNM <= 10% of total cost: 30x <= 6.5 - x, x <= 0.2097, lies inside that range.)
NC_RULE = {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 60}}]}
CASE1: dict[str, Any] = {
    "name": "rvc-nc",
    "sites": sites(
        ("P", "MX", "plant"),
        ("U", "US", "supplier"),
        ("S", "CN", "supplier"),
        ("M", "MX", "supplier"),
        ("C", "US", "customer"),
    ),
    "items": [
        {"item_id": "G", "hs_code": "9018.90"},
        {"item_id": "K", "hs_code": "8536.50"},
        {"item_id": "H", "hs_code": "3926.90"},
    ],
    "bom": [{"parent_id": "G", "child_id": "K", "quantity": 1}, {"parent_id": "G", "child_id": "H", "quantity": 1}],
    "supply": [
        {"site_id": "P", "item_id": "G", "unit_price": 100, "other_costs_per_unit": 5},
        {"site_id": "U", "item_id": "K", "unit_price": 40, "supplier_certifies_origin": "yes"},
        {"site_id": "S", "item_id": "K", "unit_price": 30},
        {"site_id": "M", "item_id": "H", "unit_price": 20, "supplier_certifies_origin": "yes"},
    ],
    "flows": [
        {"from_site": "U", "to_site": "P", "item_id": "K", "share": 0.5},
        {"from_site": "S", "to_site": "P", "item_id": "K", "share": 0.5},
        {"from_site": "M", "to_site": "P", "item_id": "H"},
        {"from_site": "P", "to_site": "C", "item_id": "G"},
    ],
    "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}],
}
X_MAX_1 = 26 / 34


def with_rule(doc: dict[str, Any], rule: dict[str, Any], good: str = "G") -> dict[str, Any]:
    import json

    doc = copy.deepcopy(doc)
    for item in doc["items"]:
        if item["item_id"] == good:
            item["origin_rule"] = json.dumps(rule)
    return doc


def shares_k(x: float) -> dict[tuple[str, str, str], float]:
    return {("U", "P", "K"): 1 - x, ("S", "P", "K"): x}


def test_rvc_net_cost_rows_match_the_engine_on_a_grid() -> None:
    doc = with_rule(CASE1, NC_RULE)
    network = build(doc)
    choices = choices_of(network)
    blocks = origin_rows(network, choices)
    assert blocks.originating_before == ("G",)  # x = 0.5 <= 0.7647: originating today
    (block,) = blocks.rows
    block.check(choices.n)
    assert block.n_extra == 0  # one way to qualify: no binary
    assert any("RVC net cost >= 60%" in label and label.startswith("G at P") for label in block.labels)
    for x in [0.0, 0.2, 0.5, 0.7, 0.76, 0.77, 0.8, 0.9, 1.0]:
        rows_ok = feasible(block, choices.n, plan_x(choices, shares_k(x)))
        assert rows_ok == verdict(doc, shares_k(x)), x
        assert rows_ok == (x <= X_MAX_1), x  # the hand-derived boundary


def test_the_cheapest_plan_takes_the_cheap_source_up_to_the_boundary() -> None:
    doc = with_rule(CASE1, NC_RULE)
    network = build(doc)
    choices = choices_of(network)
    blocks = origin_rows(network, choices)
    # Costs per unit of share: U 40, S 30, M 20 (the customer flow is its own group, cost 0).
    costs = np.array([40.0, 30.0, 20.0, 0.0])
    x = solve_plan(blocks, choices, costs)
    assert x[1] == pytest.approx(X_MAX_1, abs=1e-7)  # as much S as the RVC allows: 26/34
    assert x[0] == pytest.approx(1 - X_MAX_1, abs=1e-7)
    assert verdict(doc, shares_k(float(x[1]) - 1e-6))  # the engine agrees at the optimum
    # Without the origin rows the plan would take S alone and lose origin.
    assert not verdict(doc, shares_k(1.0))


def test_originating_goods_is_the_engines_verdict() -> None:
    doc = with_rule(CASE1, NC_RULE)
    assert originating_goods(build(doc, shares_k(0.5))) == ("G",)
    assert originating_goods(build(doc, shares_k(0.9))) == ()


def test_keep_false_and_require() -> None:
    doc = with_rule(CASE1, NC_RULE)
    network = build(doc, shares_k(0.9))  # not originating today
    choices = choices_of(network)
    assert origin_rows(network, choices).rows == ()  # keep: nothing originates today
    (block,) = origin_rows(network, choices, keep=False, require=["G"]).rows
    assert not feasible(block, choices.n, plan_x(choices, shares_k(0.9)))
    assert feasible(block, choices.n, plan_x(choices, shares_k(0.7)))
    with pytest.raises(NotFoundError, match="K"):
        origin_rows(network, choices, require=["K"])


# --------------------------------------------------------------------------- case 2: NC or TV (a binary)


# Same good, TV 100 (the plant's price), rule: RVC >= 60% TV or >= 50% NC (as 8703.10 in s.13).
#   TV:  0.4 x 100 - 30x >= 0  <=>  x <= 40/30 (always, x <= 1)
# so every share qualifies; make TV smaller to bind: plant price 60 => TV 60: 24 - 30x >= 0 <=> x <= 0.8.
#   NC:  0.5 (65 - 10x) - 30x >= 0  <=>  32.5 - 35x >= 0  <=>  x <= 0.928571...
# NC is laxer here, so the rows must accept x <= 0.9286 (either method suffices, s.7(1)); with excluded costs of
# 20 the NC method tightens: NC = 45 - 10x, 22.5 - 35x >= 0 <=> x <= 0.642857, and TV (x <= 0.8) decides.
def case2(excluded: float) -> dict[str, Any]:
    doc = with_rule(CASE1, {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60, "net_cost": 50}}]})
    doc["supply"][0] = {
        "site_id": "P", "item_id": "G", "unit_price": 60, "other_costs_per_unit": 5,
        "excluded_costs_per_unit": excluded,
    }  # fmt: skip
    return doc


@pytest.mark.parametrize(("excluded", "x_max"), [(0.0, 32.5 / 35), (20.0, 0.8)])
def test_either_method_matches_the_engine(excluded: float, x_max: float) -> None:
    doc = case2(excluded)
    network = build(doc)
    choices = choices_of(network)
    (block,) = origin_rows(network, choices).rows
    for x in [0.0, 0.3, 0.6, 0.64, 0.65, 0.79, 0.81, 0.9, 0.92, 0.93, 1.0]:
        rows_ok = feasible(block, choices.n, plan_x(choices, shares_k(x)))
        assert rows_ok == verdict(doc, shares_k(x)), x
        assert rows_ok == (x <= x_max), x


# --------------------------------------------------------------------------- case 3: tariff shift OR RVC (binaries)

# G (9018.90) at P, TV 100, other costs 5. Rule with two alternatives (s.3(6): either suffices):
#   1. a change from any other heading (no RVC);   2. no change required, RVC >= 60% by net cost.
# K (9018.11, heading 90.18 like the good, so a non-originating K fails the shift): U (US, certified) 40 or S (CN) 30.
# H (3926.90, another heading, so it always shifts): M (MX, certified) 20 or T (CN) 15.
# With s the share of S and t the share of T:
#   alt. 1: S's K fails; de minimis (s.5(1)): 30s <= 10% of TV = 10, i.e. s <= 1/3 (the total cost basis,
#           TC = 65 - 10s - 5t <= 65, is never larger than TV = 100, so TV decides); T passes whatever t.
#   alt. 2: NC = 40(1-s) + 30s + 20(1-t) + 15t + 5 = 65 - 10s - 5t, VNM = 30s + 15t,
#           0.4 NC - VNM = 26 - 34s - 17t >= 0.
# The union {s <= 1/3} or {34s + 17t <= 26} is not convex: the rows need one binary per alternative.
SHIFT_OR_RVC = {
    "alternatives": [
        {"tariff_shift": {"level": "heading"}, "rvc": None},
        {"tariff_shift": None, "rvc": {"net_cost": 60}},
    ]
}


def case3(rule: dict[str, Any]) -> dict[str, Any]:
    doc = with_rule(CASE1, rule)
    doc["items"][1]["hs_code"] = "9018.11"
    doc["sites"].append({"site_id": "T", "country": "CN", "kind": "supplier"})
    doc["supply"].append({"site_id": "T", "item_id": "H", "unit_price": 15})
    doc["flows"].insert(3, {"from_site": "T", "to_site": "P", "item_id": "H", "share": 0.5})
    doc["flows"][2]["share"] = 0.5
    return doc


def shares_st(s: float, t: float) -> dict[tuple[str, str, str], float]:
    return {("U", "P", "K"): 1 - s, ("S", "P", "K"): s, ("M", "P", "H"): 1 - t, ("T", "P", "H"): t}


def in_union(s: float, t: float) -> bool:
    return s <= 1 / 3 or 34 * s + 17 * t <= 26


def test_alternatives_match_the_engine_on_a_grid() -> None:
    doc = case3(SHIFT_OR_RVC)
    network = build(doc)
    choices = choices_of(network)
    (block,) = origin_rows(network, choices).rows
    block.check(choices.n)
    assert block.n_extra == 2 and block.extra_integer.all()
    assert any("at least one of 2" in label for label in block.labels)
    for s in [0.0, 0.2, 0.26, 0.27, 0.33, 0.34, 0.5, 0.76, 0.77, 1.0]:
        for t in [0.0, 0.5, 1.0]:
            rows_ok = feasible(block, choices.n, plan_x(choices, shares_st(s, t)))
            assert rows_ok == verdict(doc, shares_st(s, t)), (s, t)
            assert rows_ok == in_union(s, t), (s, t)


def test_alternatives_cheapest_plan() -> None:
    # Cost per unit of G = 40(1-s) + 30s + 20(1-t) + 15t = 60 - 10s - 5t.
    # Alt. 1 best: s = 1/3, t = 1: 60 - 10/3 - 5 = 51.667.  Alt. 2 best: on 34s + 17t = 26, cost falls by
    # 10/34 per unit of 34s and 5/17 = 10/34 per unit of 17t alike: 60 - 26 x 10/34 = 52.353. Alt. 1 wins.
    doc = case3(SHIFT_OR_RVC)
    network = build(doc)
    choices = choices_of(network)
    blocks = origin_rows(network, choices)
    costs = np.array([40.0, 30.0, 20.0, 15.0, 0.0])  # U, S, M, T, customer flow
    x = solve_plan(blocks, choices, costs)
    assert float(costs @ x) == pytest.approx(60 - 10 / 3 - 5, abs=1e-6)
    assert x[1] == pytest.approx(1 / 3, abs=1e-7) and x[3] == pytest.approx(1.0, abs=1e-7)


def test_tariff_shift_alone_with_de_minimis() -> None:
    # Only alternative 1: s <= 1/3 whatever t (derived above); no binary.
    doc = case3({"alternatives": [SHIFT_OR_RVC["alternatives"][0]]})
    network = build(doc)  # s = 0.5 today: not originating, so required
    choices = choices_of(network)
    (block,) = origin_rows(network, choices, require=["G"]).rows
    assert block.n_extra == 0
    assert any("10% of TV" in label for label in block.labels)
    for s in [0.0, 0.3, 0.33, 0.34, 0.5, 1.0]:
        for t in [0.0, 1.0]:
            rows_ok = feasible(block, choices.n, plan_x(choices, shares_st(s, t)))
            assert rows_ok == verdict(doc, shares_st(s, t)) == (s <= 1 / 3), (s, t)


def test_tariff_shift_without_de_minimis_forbids_the_source() -> None:
    # A textile good (chapter 63: de minimis by weight only, s.5(6)-(10), and a network gives no weights):
    # a non-originating material that fails the shift may not be used at all: x_S <= 0.
    doc = case3({"alternatives": [SHIFT_OR_RVC["alternatives"][0]]})
    doc["items"][0]["hs_code"] = "6307.90"
    doc["items"][1]["hs_code"] = "6307.10"
    network = build(doc)
    choices = choices_of(network)
    (block,) = origin_rows(network, choices, require=["G"]).rows
    (row,) = [i for i, label in enumerate(block.labels) if "no share from K from S" in label]
    assert block.matrix[row].toarray().ravel()[1] == 1.0 and block.upper[row] == 0.0
    for s in [0.0, 0.1, 0.5]:
        rows_ok = feasible(block, choices.n, plan_x(choices, shares_st(s, 0.5)))
        assert rows_ok == verdict(doc, shares_st(s, 0.5)) == (s == 0.0), s


# --------------------------------------------------------------------------- case 4: criterion D


# K now shares the good's subheading (9018.90): a non-originating K fails "a change from any other subheading",
# but criterion D (s.3(4)(a)) then accepts the good with RVC >= 60% TV or 50% NC. H only from M (originating).
# TV 50 (plant price), other costs 5, so with s the share of S:
#   rule (shift, de minimis): 30s <= 10% of TV = 5 (s <= 1/6) or <= 10% of TC = 6.5 - s (s <= 6.5/31 = 0.2097);
#   criterion D: TV: 0.4 x 50 - 30s = 20 - 30s >= 0 (s <= 2/3); NC = 65 - 10s: 0.5 NC - 30s = 32.5 - 35s >= 0
#   (s <= 0.92857). So the good originates for s <= 0.92857.
def test_criterion_d_matches_the_engine() -> None:
    doc = with_rule(CASE1, {"alternatives": [{"tariff_shift": {"level": "subheading"}, "rvc": None}]})
    doc["items"][1]["hs_code"] = "9018.90"
    doc["supply"][0]["unit_price"] = 50
    network = build(doc)
    choices = choices_of(network)
    (block,) = origin_rows(network, choices).rows
    assert any("criterion D" in name for name in block.extra_names)
    for s in [0.0, 0.16, 0.2, 0.21, 0.5, 0.66, 0.7, 0.92, 0.93, 1.0]:
        rows_ok = feasible(block, choices.n, plan_x(choices, shares_k(s)))
        assert rows_ok == verdict(doc, shares_k(s)) == (s <= 32.5 / 35), s


# --------------------------------------------------------------------------- unknowns are said, not assumed


def test_no_rule_known_requires_criterion_c_and_says_so() -> None:
    # HS 0101.21 (horses) has no rule in the library: only criterion C (s.3(3)) can make G originating.
    doc = copy.deepcopy(CASE1)
    doc["items"][0]["hs_code"] = "0101.21"
    network = build(doc, shares_k(0.0))
    choices = choices_of(network)
    blocks = origin_rows(network, choices, keep=False, require=["G"])
    assert any("no product-specific rule" in note and "criterion C" in note for note in blocks.notes)
    (block,) = blocks.rows
    for s in [0.0, 0.2, 1.0]:
        rows_ok = feasible(block, choices.n, plan_x(choices, shares_k(s)))
        assert rows_ok == verdict(doc, shares_k(s)) == (s == 0.0), s


def test_a_source_without_price_is_excluded_and_noted() -> None:
    doc = with_rule(CASE1, NC_RULE)
    del doc["supply"][2]["unit_price"]  # S has no price: its value is unknown
    network = build(doc, shares_k(0.0))
    choices = choices_of(network)
    blocks = origin_rows(network, choices)
    assert any("S" in note and "unknown value" in note for note in blocks.notes)
    (block,) = blocks.rows
    assert feasible(block, choices.n, plan_x(choices, shares_k(0.0)))
    assert not feasible(block, choices.n, plan_x(choices, shares_k(0.1)))
    assert not verdict(doc, shares_k(0.1))  # the engine leaves G undetermined when S is used


def test_a_good_made_outside_the_region_cannot_be_required() -> None:
    doc = with_rule(CASE1, NC_RULE)
    doc["sites"][0]["country"] = "CN"
    network = build(doc)
    choices = choices_of(network)
    blocks = origin_rows(network, choices, require=["G"])
    (block,) = blocks.rows
    assert block.lower[0] == 1.0 and block.matrix.nnz == 0  # 0 >= 1: the conflict is reported, not dropped
    assert any("outside the USMCA region" in note for note in blocks.notes)


# --------------------------------------------------------------------------- random goods against the engine

_HS_POOL = ("9018.90", "9018.11", "8536.50", "3926.90", "6307.90", "6307.10")


@st.composite
def random_case(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[tuple[str, str, str], float]]]:
    """A good G (9018.90, or the textile 6307.90) at P (MX) from two materials with two sources each (some with
    lane freight), a random rule and random plans."""
    alternatives = []
    for _ in range(draw(st.integers(1, 2))):
        shift = draw(st.sampled_from([None, "heading", "subheading"]))
        rvc: dict[str, int] = {}
        if draw(st.booleans()):
            rvc["net_cost"] = draw(st.integers(30, 70))
        if draw(st.booleans()):
            rvc["transaction_value"] = draw(st.integers(35, 75))
        alternatives.append({"tariff_shift": None if shift is None else {"level": shift}, "rvc": rvc or None})
    excluded = draw(st.integers(0, 10))  # inside the other costs, so that the net cost stays positive (s.7(3))
    plant: dict[str, Any] = {
        "site_id": "P",
        "item_id": "G",
        "other_costs_per_unit": excluded + draw(st.integers(0, 30)),
    }
    if draw(st.booleans()):
        plant["unit_price"] = draw(st.integers(40, 200))
    plant["excluded_costs_per_unit"] = excluded
    supply: list[dict[str, Any]] = [plant]
    site_rows = [("P", "MX", "plant"), ("C", "US", "customer")]
    flows: list[dict[str, Any]] = []
    items = [{"item_id": "G", "hs_code": draw(st.sampled_from(["9018.90", "6307.90"]))}]
    for material in ("K", "H"):
        items.append({"item_id": material, "hs_code": draw(st.sampled_from(_HS_POOL))})
        for k in (1, 2):
            site = f"{material}{k}"
            certified = draw(st.booleans())
            site_rows.append((site, "US" if certified else "CN", "supplier"))
            row: dict[str, Any] = {"site_id": site, "item_id": material, "unit_price": draw(st.integers(1, 60))}
            if certified:
                row["supplier_certifies_origin"] = "yes"
            supply.append(row)
            freight = draw(st.sampled_from([0, 0, 3]))
            flows.append(
                {"from_site": site, "to_site": "P", "item_id": material, "share": 0.5, "freight_per_unit": freight}
            )
    flows.append({"from_site": "P", "to_site": "C", "item_id": "G"})
    doc = {
        "name": "random",
        "sites": sites(*site_rows),
        "items": items,
        "bom": [{"parent_id": "G", "child_id": m, "quantity": draw(st.integers(1, 3))} for m in ("K", "H")],
        "supply": supply,
        "flows": flows,
        "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}],
    }
    grid = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    plans = []
    for _ in range(4):
        a, b = draw(grid), draw(grid)
        plans.append({("K1", "P", "K"): 1 - a, ("K2", "P", "K"): a, ("H1", "P", "H"): 1 - b, ("H2", "P", "H"): b})
    return with_rule(doc, {"alternatives": alternatives}), plans


@settings(max_examples=40, deadline=None)
@given(random_case())
def test_random_goods_rows_agree_with_the_engine(case: tuple[dict[str, Any], list[Any]]) -> None:
    """For random rules, prices, origins and shares: the rows hold exactly when the engine says originating."""
    doc, plans = case
    network = build(doc)
    choices = choices_of(network)
    blocks = origin_rows(network, choices, keep=False, require=["G"])
    assert not any("not constrained" in note for note in blocks.notes), blocks.notes
    for shares in plans:
        x = plan_x(choices, shares)
        rows_ok = all(feasible(b, choices.n, x) for b in blocks.rows)
        assert rows_ok == verdict(doc, shares), (shares, [b.labels for b in blocks.rows])


def test_an_in_house_sub_assembly_leaves_the_good_unconstrained_and_says_so() -> None:
    # K is made at a second plant Q (MX) of the network: the engine looks through it (s.7(5)(a)), the rows do not.
    doc = with_rule(CASE1, NC_RULE)
    doc["sites"].append({"site_id": "Q", "country": "MX", "kind": "plant"})
    doc["items"].append({"item_id": "R", "hs_code": "7616.99"})
    doc["bom"].append({"parent_id": "K", "child_id": "R", "quantity": 1})
    doc["supply"].append({"site_id": "Q", "item_id": "K", "other_costs_per_unit": 5})
    doc["supply"].append({"site_id": "M", "item_id": "R", "unit_price": 10, "supplier_certifies_origin": "yes"})
    doc["flows"][0] = {"from_site": "Q", "to_site": "P", "item_id": "K", "share": 0.5}
    doc["flows"].append({"from_site": "M", "to_site": "Q", "item_id": "R"})
    network = build(doc)
    blocks = origin_rows(network, choices_of(network), require=["G"])
    assert not any(b.name == "origin:G@P" for b in blocks.rows)
    assert any(note.startswith("G at P is not constrained") and "in-house" in note for note in blocks.notes)


def test_a_candidate_made_by_a_supplier_in_the_region_counts_as_non_originating_and_is_noted() -> None:
    # S becomes a Mexican supplier making K from R (no certification): decided by the engine only once it supplies.
    doc = with_rule(CASE1, NC_RULE)
    doc["sites"][2]["country"] = "MX"
    doc["items"].append({"item_id": "R", "hs_code": "7616.99"})
    doc["bom"].append({"parent_id": "K", "child_id": "R", "quantity": 1})
    doc["supply"].append({"site_id": "M", "item_id": "R", "unit_price": 10, "supplier_certifies_origin": "yes"})
    doc["flows"].append({"from_site": "M", "to_site": "S", "item_id": "R"})
    doc["flows"].append({"from_site": "M", "to_site": "U", "item_id": "R"})  # U makes K too (certified)
    network = build(doc, shares_k(0.0))  # S is a candidate today
    choices = choices_of(network)
    blocks = origin_rows(network, choices)
    assert any("K from S" in note and "non-originating" in note for note in blocks.notes)
    (block,) = blocks.rows  # x <= 26/34 as in case 1: S counted as non-originating
    assert feasible(block, choices.n, plan_x(choices, shares_k(0.7)))
    assert not feasible(block, choices.n, plan_x(choices, shares_k(0.8)))


def test_the_engines_verdict_can_be_passed_in() -> None:
    doc = with_rule(CASE1, NC_RULE)
    network = build(doc)
    choices = choices_of(network)
    given = determine_network(network)
    assert originating_goods(network, verdict=given) == ("G",)
    again = origin_rows(network, choices, verdict=given)
    fresh = origin_rows(network, choices)
    assert again.rows[0].labels == fresh.rows[0].labels
    assert np.array_equal(again.rows[0].matrix.toarray(), fresh.rows[0].matrix.toarray())


def test_criterion_d_only_after_the_shift_has_failed() -> None:
    # G (9018.90) has no price (no TV), other costs 18; rule: change of heading AND RVC >= 35% by TV, which without
    # a TV only the s.5(4) waiver can meet. K (9018.90, the good's subheading) from K1 (CN) at 1; H (8536.50, which
    # shifts) from H1 (CN) at 1 or H2 (CN) at 13; h is the share of H2. All materials are non-originating. (A
    # candidate K2 (CN) at 8 is not used by the plans; it keeps D's RVC from holding for every plan, 0.5 (27 + 12h)
    # - (9 + 12h) = 4.5 - 6h < 0 at h = 1 with K2, so that D is not dropped as always met.)
    #   TC = 1 + (1 + 12h) + 18 = 20 + 12h;  VNM = 2 + 12h;  failing (K) = 1 <= 10% of TC: the shift passes.
    #   RVC waived iff VNM <= 10% TC: 2 + 12h <= 2 + 1.2h  <=>  h = 0.
    #   Criterion D is tried only when the shift fails, which it never does here: originating iff h = 0.
    # (D's own RVC, 50% NC: 0.5 (20 + 12h) - (2 + 12h) = 8 - 6h >= 0, holds for every h: rows that took D
    # without the failed shift would accept every plan.)
    doc = with_rule(CASE1, {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": {"transaction_value": 35}}]})
    doc["sites"] = sites(
        ("P", "MX", "plant"), ("C", "US", "customer"), ("K1", "CN", "supplier"), ("H1", "CN", "supplier"),
        ("H2", "CN", "supplier"), ("K2", "CN", "supplier"),
    )  # fmt: skip
    doc["items"][1]["hs_code"] = "9018.90"
    doc["items"][2]["hs_code"] = "8536.50"
    doc["supply"] = [
        {"site_id": "P", "item_id": "G", "other_costs_per_unit": 18},
        {"site_id": "K1", "item_id": "K", "unit_price": 1},
        {"site_id": "K2", "item_id": "K", "unit_price": 8},
        {"site_id": "H1", "item_id": "H", "unit_price": 1},
        {"site_id": "H2", "item_id": "H", "unit_price": 13},
    ]
    doc["flows"] = [
        {"from_site": "K1", "to_site": "P", "item_id": "K"},
        {"from_site": "K2", "to_site": "P", "item_id": "K", "status": "candidate"},
        {"from_site": "H1", "to_site": "P", "item_id": "H", "share": 0.5},
        {"from_site": "H2", "to_site": "P", "item_id": "H", "share": 0.5},
        {"from_site": "P", "to_site": "C", "item_id": "G"},
    ]
    network = build(doc)
    choices = choices_of(network)
    blocks = origin_rows(network, choices, keep=False, require=["G"])
    for h in [0.0, 0.1, 0.5, 1.0]:
        shares = {("K2", "P", "K"): 0.0, ("H1", "P", "H"): 1 - h, ("H2", "P", "H"): h}
        rows_ok = all(feasible(b, choices.n, plan_x(choices, shares)) for b in blocks.rows)
        assert rows_ok == verdict(doc, shares) == (h == 0.0), h
