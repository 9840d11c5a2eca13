"""Trade-in-value-added arithmetic (allyshore.tiva.iomath): a two-country, two-sector table worked by hand, and
the identities every table must satisfy (checked on generated tables with hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from allyshore.tiva import iomath as m

# --------------------------------------------------------------------------------------------------------------
# A table worked by hand (Miller & Blair style): home H and foreign F, sectors 1 and 2, order H1, H2, F1, F2.
#
#   H1 sells 30 to H2 and 10 to F1 (an export of parts), plus 10 to H's final demand  -> x_H1 = 50
#   H2 sells 60 to H's final demand and 40 to F's (an export of final goods)           -> x_H2 = 100
#   F1 sells 50 to H2 (parts made with H1's parts come back to H)                      -> x_F1 = 50
#   F2 sells 10 to H2 and 20 to F's final demand                                       -> x_F2 = 30
#
# A = Z / x (columns):  A[H1,H2] = 30/100 = 0.3, A[H1,F1] = 10/50 = 0.2, A[F1,H2] = 50/100 = 0.5,
#                       A[F2,H2] = 10/100 = 0.1; every other entry 0.
# The only path of two steps is H1 -> F1 -> H2 (0.2 * 0.5 = 0.1) and none has three, so A^3 = 0 and
#   L = I + A + A^2:  L[H1,H2] = 0.3 + 0.1 = 0.4, L[H1,F1] = 0.2, L[F1,H2] = 0.5, L[F2,H2] = 0.1, diagonal 1.
# Balancing value added v = 1 - column sums of A = (1 - 0, 1 - 0.9, 1 - 0.2, 1 - 0) = (1, 0.1, 0.8, 1).
# --------------------------------------------------------------------------------------------------------------
H1, H2, F1, F2 = range(4)
Z = np.zeros((4, 4))
Z[H1, H2], Z[H1, F1], Z[F1, H2], Z[F2, H2] = 30.0, 10.0, 50.0, 10.0
YR = np.zeros((4, 2))  # final demand by destination: column 0 home, column 1 foreign
YR[H1, 0], YR[H2, 0], YR[H2, 1], YR[F2, 1] = 10.0, 60.0, 40.0, 20.0
REGION = np.array([0, 0, 1, 1], dtype=np.intp)
L_BY_HAND = np.array(
    [
        [1.0, 0.4, 0.2, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.5, 1.0, 0.0],
        [0.0, 0.1, 0.0, 1.0],
    ]
)
V_BY_HAND = np.array([1.0, 0.1, 0.8, 1.0])


@pytest.fixture(scope="module")
def hand() -> dict[str, NDArray[np.float64]]:
    x = m.calc_x(Z, YR)
    A = m.calc_A(Z, x)
    L = m.calc_L(A)
    v = m.calc_v_balancing(A)
    return {"x": x, "A": A, "L": L, "v": v, "E": m.calc_gross_trade(Z, YR, REGION, 2)}


def test_output_coefficients_inverse_and_value_added_by_hand(hand: dict[str, NDArray[np.float64]]) -> None:
    np.testing.assert_allclose(hand["x"], [50.0, 100.0, 50.0, 30.0])
    assert hand["A"][H1, H2] == pytest.approx(0.3)
    assert hand["A"][F1, H2] == pytest.approx(0.5)
    np.testing.assert_allclose(hand["L"], L_BY_HAND, atol=1e-12)
    np.testing.assert_allclose(hand["v"], V_BY_HAND, atol=1e-12)
    # column H2 of v L: 1*0.4 + 0.1*1 + 0.8*0.5 + 1*0.1 = 1
    assert m.va_identity_error(hand["v"], hand["L"]) < 1e-12


def test_gross_trade_by_hand(hand: dict[str, NDArray[np.float64]]) -> None:
    # H exports: H1's 10 of parts to F1 and H2's 40 of final goods; F exports: F1's 50 and F2's 10 to H2.
    expected = np.array([[0.0, 10.0], [0.0, 40.0], [50.0, 0.0], [10.0, 0.0]])
    np.testing.assert_allclose(hand["E"], expected)


def test_home_value_added_in_imports_from_foreign_by_hand(hand: dict[str, NDArray[np.float64]]) -> None:
    # F's exports to H: e = (0, 0, 50, 10). L e = (0.2*50, 0, 50, 10) = (10, 0, 50, 10);
    # times v: H1 10, H2 0, F1 40, F2 10 -> H's value added 10 of 60 (one sixth), F's 50 of 60.
    e = np.where(REGION == 1, hand["E"][:, 0], 0.0)
    va = m.calc_va_in_exports(hand["v"], hand["L"], e)
    np.testing.assert_allclose(va, [10.0, 0.0, 40.0, 10.0], atol=1e-12)
    shares = m.calc_origin_shares(m.calc_VL(hand["v"], hand["L"]), REGION, 2) @ e / e.sum()
    np.testing.assert_allclose(shares, [1 / 6, 5 / 6], atol=1e-12)
    # Extracting the flow: F1 loses its 50 of sales, so H1 sells 10 less to F1: x* = (40, 100, 0, 20);
    # v (x - x*) = (1*10, 0, 0.8*50, 1*10) = (10, 0, 40, 10): H's 10 is counted once here too.
    extracted = m.calc_extraction_va(hand["v"], hand["A"], YR, REGION, exporter=1, importer=0)
    np.testing.assert_allclose(extracted, [10.0, 0.0, 40.0, 10.0], atol=1e-12)
    by_woodbury = m.calc_extraction_va(hand["v"], hand["A"], YR, REGION, exporter=1, importer=0, L=hand["L"])
    np.testing.assert_allclose(by_woodbury, [10.0, 0.0, 40.0, 10.0], atol=1e-12)


def test_value_added_absorbed_by_destination_by_hand(hand: dict[str, NDArray[np.float64]]) -> None:
    # L YR[:, F] = L (0, 40, 0, 20) = (16, 40, 20, 24): H's value added absorbed in F = 16*1 + 40*0.1 = 20;
    # L YR[:, H] = L (10, 60, 0, 0) = (34, 60, 30, 6): F's value added absorbed in H = 30*0.8 + 6*1 = 30,
    # H's own absorbed at home = 34*1 + 60*0.1 = 40; F's at home: 20*0.8 + 24*1 = 40.
    vax = m.calc_vax(hand["v"], hand["L"], YR, REGION, 2)
    np.testing.assert_allclose(vax, [[40.0, 20.0], [30.0, 40.0]], atol=1e-12)


def test_export_split_by_hand(hand: dict[str, NDArray[np.float64]]) -> None:
    # H exports E_H = (10, 40, 0, 0): v L E_H = (26, 4, 16, 4) -> domestic (source-based) 30, foreign 20.
    # H's GDP v_H x_H = 50 + 0.1*100 = 60; with its exports extracted H produces (I - A_HH)^-1 Y_HH =
    # [[1, .3], [0, 1]] (10, 60) = (28, 60), value added 28 + 6 = 34: domestic value added in exports 26.
    # VAX 20 (above); returned 26 - 20 = 6 (H1's 10 of parts come back in F1's exports and 60% of H2's output
    # stays home); double counted 30 - 26 = 4 (the other 40% leaves again inside H2's exports to F).
    # F exports E_F = (0, 0, 50, 10): v L E_F = (10, 0, 40, 10) -> domestic 50, foreign 10; F's GDP
    # 0.8*50 + 30 = 70, with exports extracted F makes only F2's 20: value added in exports 50; VAX 30;
    # returned 20 (F1's 16 and F2's 4 of value added come back inside H2's exports); double counted 0.
    split = m.calc_export_split(hand["v"], hand["A"], hand["L"], YR, hand["E"], REGION, 2)
    np.testing.assert_allclose(split["gross_exports"], [50.0, 60.0])
    np.testing.assert_allclose(split["vax"], [20.0, 30.0], atol=1e-12)
    np.testing.assert_allclose(split["returned_dva"], [6.0, 20.0], atol=1e-12)
    np.testing.assert_allclose(split["domestic_double_counting"], [4.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(split["foreign_va"], [20.0, 10.0], atol=1e-12)
    dva = m.calc_dva_in_exports(hand["v"], hand["A"], hand["L"], YR, REGION, 2)
    np.testing.assert_allclose(dva, [26.0, 50.0], atol=1e-12)


def test_solve_agrees_with_the_inverse(hand: dict[str, NDArray[np.float64]]) -> None:
    y = YR.sum(axis=1)
    np.testing.assert_allclose(m.solve_output(hand["A"], y), hand["L"] @ y)
    np.testing.assert_allclose(m.solve_output(hand["A"], y), hand["x"])


def test_a_sector_without_output_has_no_coefficients() -> None:
    z = np.array([[1.0, 0.0], [2.0, 0.0]])
    x = np.array([4.0, 0.0])
    np.testing.assert_allclose(m.calc_A(z, x), [[0.25, 0.0], [0.5, 0.0]])
    np.testing.assert_allclose(m.calc_v(np.array([1.0, 5.0]), x), [0.25, 0.0])


# --------------------------------------------------------------------------------------------- generated tables


@st.composite
def tables(draw: st.DrawFn) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp], int]:
    """A random productive table: G regions x N sectors, non-negative flows, positive final demand."""
    g = draw(st.integers(2, 4), label="regions")
    n_sec = draw(st.integers(1, 3), label="sectors")
    n = g * n_sec
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    z = rng.uniform(0.0, 10.0, size=(n, n)) * (rng.uniform(size=(n, n)) < 0.7)
    y = rng.uniform(1.0, 20.0, size=(n, g))
    return z, y, np.repeat(np.arange(g, dtype=np.intp), n_sec), g


@settings(max_examples=60, deadline=None)
@given(tables())
def test_value_added_shares_of_every_column_sum_to_one(table: tuple[NDArray[np.float64], ...]) -> None:
    z, y, region, g = table
    A = m.calc_A(z, m.calc_x(z, y))
    L = m.calc_L(A)
    VL = m.calc_VL(m.calc_v_balancing(A), L)
    np.testing.assert_allclose(VL.sum(axis=0), 1.0, atol=1e-9)
    np.testing.assert_allclose(m.calc_origin_shares(VL, region, int(g)).sum(axis=0), 1.0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(tables())
def test_export_split_sums_to_gross_exports(table: tuple[NDArray[np.float64], ...]) -> None:
    z, y, region, g = table
    G = int(g)
    x = m.calc_x(z, y)
    A = m.calc_A(z, x)
    L = m.calc_L(A)
    v = m.calc_v_balancing(A)
    E = m.calc_gross_trade(z, y, region, G)
    split = m.calc_export_split(v, A, L, y, E, region, G)
    parts = split["vax"] + split["returned_dva"] + split["domestic_double_counting"] + split["foreign_va"]
    np.testing.assert_allclose(parts, split["gross_exports"], rtol=1e-9, atol=1e-9)
    if (v >= 0).all():  # non-negative flows and value added give non-negative components; a drawn table whose
        # inputs exceed a column's output has negative balancing v (no real economy), where only the sum holds
        for key in ("vax", "returned_dva", "domestic_double_counting", "foreign_va"):
            assert (split[key] >= -1e-9).all(), key
    # value added is fully accounted for: GDP summed over regions = final demand summed over regions
    np.testing.assert_allclose((v * x).sum(), y.sum(), rtol=1e-9)


@settings(max_examples=40, deadline=None)
@given(tables(), st.floats(0.01, 1000.0))
def test_shares_do_not_depend_on_the_unit(table: tuple[NDArray[np.float64], ...], scale: float) -> None:
    z, y, region, g = table
    G = int(g)

    def shares(zz: NDArray[np.float64], yy: NDArray[np.float64]) -> NDArray[np.float64]:
        A = m.calc_A(zz, m.calc_x(zz, yy))
        return m.calc_origin_shares(m.calc_VL(m.calc_v_balancing(A), m.calc_L(A)), region, G)

    np.testing.assert_allclose(shares(z * scale, y * scale), shares(z, y), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(tables())
def test_a_closed_economy_has_only_domestic_content(table: tuple[NDArray[np.float64], ...]) -> None:
    z, y, region, g = table
    G = int(g)
    closed = np.where(region[:, None] == region[None, :], z, 0.0)  # no intermediate crosses a border
    A = m.calc_A(closed, m.calc_x(closed, y))
    C = m.calc_origin_shares(m.calc_VL(m.calc_v_balancing(A), m.calc_L(A)), region, G)
    np.testing.assert_allclose(C, (region[None, :] == np.arange(G)[:, None]).astype(float), atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(tables())
def test_extraction_counts_at_most_the_source_based_value_added(table: tuple[NDArray[np.float64], ...]) -> None:
    # Hypothetical extraction counts each dollar of value added once; source-based accounting counts value added
    # that crosses the flow's border again as often as it crosses: never less.
    z, y, region, g = table
    x = m.calc_x(z, y)
    A = m.calc_A(z, x)
    L = m.calc_L(A)
    v = m.calc_v_balancing(A)
    # the bound holds for non-negative value added (calc_extraction_va's docstring); a drawn table whose
    # intermediate inputs exceed a column's output has negative balancing v and is no real economy
    assume(bool((v >= 0).all()))
    E = m.calc_gross_trade(z, y, region, int(g))
    e = np.where(region == 1, E[:, 0], 0.0)
    source = m.calc_va_in_exports(v, L, e)
    once = m.calc_extraction_va(v, A, y, region, exporter=1, importer=0)
    np.testing.assert_allclose(m.calc_extraction_va(v, A, y, region, 1, 0, L=L), once, rtol=1e-8, atol=1e-9)
    assert once.sum() <= source.sum() + 1e-9
    assert once[region == 0].sum() <= source[region == 0].sum() + 1e-9


@settings(max_examples=30, deadline=None)
@given(tables(), st.randoms(use_true_random=False))
def test_permuting_regions_permutes_the_shares(table: tuple[NDArray[np.float64], ...], rnd: Any) -> None:
    z, y, region, g = table
    G = int(g)
    n_sec = z.shape[0] // G
    order = list(range(G))
    rnd.shuffle(order)
    rows = np.concatenate([np.arange(r * n_sec, (r + 1) * n_sec) for r in order])  # new position -> old row

    def shares(zz: NDArray[np.float64], yy: NDArray[np.float64]) -> NDArray[np.float64]:
        A = m.calc_A(zz, m.calc_x(zz, yy))
        return m.calc_origin_shares(m.calc_VL(m.calc_v_balancing(A), m.calc_L(A)), region, G)

    before = shares(z, y)
    after = shares(z[np.ix_(rows, rows)], y[np.ix_(rows, order)])
    np.testing.assert_allclose(after, before[np.ix_(order, rows)], atol=1e-9)


def test_extraction_without_intermediates_removes_exactly_the_final_flow() -> None:
    # Two regions of one sector and no intermediate use (A = 0, v = 1): output is final demand, so removing
    # region 0's sales to region 1 (Yr[0, 1] = 2) takes 2 of region 0's value added and none of region 1's.
    A = np.zeros((2, 2))
    Yr = np.array([[3.0, 2.0], [1.0, 4.0]])
    region = np.array([0, 1])
    v = np.ones(2)
    for L in (None, np.eye(2)):  # the direct solve and the Woodbury path
        assert m.calc_extraction_va(v, A, Yr, region, exporter=0, importer=1, L=L).tolist() == [2.0, 0.0]
