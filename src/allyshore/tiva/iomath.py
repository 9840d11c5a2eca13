"""Input-output arithmetic of trade in value added: pure functions, arrays in and arrays out.

Notation (an inter-country table of G regions x N sectors, n = G*N country-sectors, rows and columns in the
same region-major order; ``region`` below is the length-n array giving each country-sector's region number):

* ``Z`` (n x n) intermediate flows, row = supplier, column = user; ``Yr`` (n x G) final demand by destination
  region (the table's final-demand categories summed per region); ``x = Z 1 + Yr 1`` gross output.
* ``A = Z diag(x)^-1`` input coefficients, ``L = (I - A)^-1`` the Leontief inverse (pymrio's ``L``; Koopman,
  Wang & Wei call it ``B``), ``v`` value-added coefficients (value added per unit of output).
* ``E`` (n x G) gross bilateral exports: ``E[k, t]`` = what country-sector ``k`` sells, as intermediate or
  final goods, to region ``t``; zero when ``t`` is ``k``'s own region (as pymrio's ``calc_gross_trade``).

Sources of the measures (definitions restated here in the project's own words):

* Johnson, R. C. & Noguera, G. (2012), "Accounting for intermediates: production sharing and trade in value
  added", Journal of International Economics 86(2), 224-236: value added of a region absorbed in final demand
  abroad (VAX), :func:`calc_vax`.
* Koopman, R., Wang, Z. & Wei, S.-J. (2014), "Tracing value-added and double counting in gross exports",
  American Economic Review 104(2), 459-494: the split of a region's gross exports into value added absorbed
  abroad (their terms 1-3), domestic value added that returns home (4-5), domestic value added counted twice
  (6) and foreign value added with foreign double counting (7-9), :func:`calc_export_split`.
* Los, B., Timmer, M. P. & de Vries, G. J. (2016), "Tracing value-added and double counting in gross exports:
  comment", American Economic Review 106(7), 1958-1966: domestic value added in exports as the value added
  that would vanish if the exports were hypothetically extracted, :func:`calc_dva_in_exports` and, for one
  bilateral flow, :func:`calc_extraction_va`.

The value added of every origin embodied in an export vector ``e`` is ``diag(v) L e`` (Koopman, Wang & Wei's
"source-based" accounting); summed over origins it equals ``1'e`` when ``v`` balances the table
(``v = 1' - 1'A``, :func:`calc_v_balancing`), since then ``v L = 1'`` (:func:`va_identity_error`).
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray

Array: TypeAlias = NDArray[np.float64]
Index: TypeAlias = NDArray[np.intp]

__all__ = [
    "aggregate_rows",
    "calc_A",
    "calc_L",
    "calc_VL",
    "calc_dva_in_exports",
    "calc_export_split",
    "calc_extraction_va",
    "calc_gross_trade",
    "calc_origin_shares",
    "calc_v",
    "calc_v_balancing",
    "calc_va_in_exports",
    "calc_va_in_final_demand",
    "calc_vax",
    "calc_x",
    "solve_output",
    "va_identity_error",
]


def _reciprocal(x: Array) -> Array:
    """1/x, with 0 where x is 0 (a country-sector with no output has no coefficients)."""
    out = np.zeros_like(x, dtype=np.float64)
    np.divide(1.0, x, out=out, where=x != 0)
    return out


def calc_x(Z: Array, Y: Array) -> Array:
    """Gross output: row sums of intermediate use plus row sums of final demand (any number of columns)."""
    total: Array = np.asarray(Z, dtype=np.float64).sum(axis=1) + np.asarray(Y, dtype=np.float64).sum(axis=1)
    return total


def calc_A(Z: Array, x: Array) -> Array:
    """Input coefficients ``A = Z diag(x)^-1``; a column whose output is 0 is all zeros."""
    return np.asarray(Z, dtype=np.float64) * _reciprocal(np.asarray(x, dtype=np.float64))[np.newaxis, :]


def calc_L(A: Array) -> Array:
    """The Leontief inverse ``L = (I - A)^-1``, from one LU factorisation of ``I - A``."""
    n = A.shape[0]
    lu = sla.lu_factor(np.eye(n) - A, check_finite=False)
    return np.asarray(sla.lu_solve(lu, np.eye(n), check_finite=False), dtype=np.float64)


def solve_output(A: Array, y: Array) -> Array:
    """Output ``x`` with ``(I - A) x = y`` by a linear solve (``y`` a vector or a matrix of demand columns)."""
    n = A.shape[0]
    return np.asarray(np.linalg.solve(np.eye(n) - A, y), dtype=np.float64)


def calc_v(va: Array, x: Array) -> Array:
    """Value-added coefficients ``v = VA / x`` (0 where output is 0), from a value-added row of the table."""
    return np.asarray(va, dtype=np.float64) * _reciprocal(np.asarray(x, dtype=np.float64))


def calc_v_balancing(A: Array) -> Array:
    """Value-added coefficients that balance the table: ``v = 1' - 1'A`` (one minus each column sum of A).

    Every input that is not an intermediate of the table (value added, taxes less subsidies on products,
    international transport margins, purchases abroad) is then counted as the using country-sector's value
    added, and ``v L = 1'`` holds exactly."""
    return np.asarray(1.0 - A.sum(axis=0), dtype=np.float64)


def va_identity_error(v: Array, L: Array) -> float:
    """Largest ``|(v L)_j - 1|`` over the columns whose ``v L`` is not 0: how far the value-added
    coefficients are from decomposing every unit of output fully (0 up to rounding with the balancing ``v``)."""
    total = v @ L
    live = total != 0
    return float(np.max(np.abs(total[live] - 1.0))) if live.any() else 0.0


def calc_VL(v: Array, L: Array) -> Array:
    """The value-added multiplier matrix ``diag(v) L``: entry (k, j) is the value added of country-sector k per
    unit of final output of country-sector j. Each column sums to 1 with the balancing ``v``."""
    return np.asarray(v[:, np.newaxis] * L, dtype=np.float64)


def aggregate_rows(M: Array, region: Index, n_regions: int) -> Array:
    """Rows of ``M`` summed by region: a (G x columns) matrix (``M`` a vector gives a G-vector)."""
    M = np.asarray(M, dtype=np.float64)
    out = np.zeros((n_regions, *M.shape[1:]), dtype=np.float64)
    np.add.at(out, region, M)
    return out


def calc_origin_shares(VL: Array, region: Index, n_regions: int) -> Array:
    """Value added by origin region per unit of final output of each country-sector: (G x n), ``VL``'s rows
    summed by region. Column j is the value-added origin profile of country-sector j's output (and of its
    exports, whatever their destination)."""
    return aggregate_rows(VL, region, n_regions)


def calc_gross_trade(Z: Array, Yr: Array, region: Index, n_regions: int) -> Array:
    """Gross bilateral exports ``E`` (n x G): intermediate plus final sales of each country-sector to each
    region, with the domestic blocks set to zero (exports only)."""
    Zr = np.zeros((Z.shape[0], n_regions), dtype=np.float64)
    np.add.at(Zr.T, region, np.asarray(Z, dtype=np.float64).T)  # columns of Z summed by the using region
    E = Zr + np.asarray(Yr, dtype=np.float64)
    E[np.arange(E.shape[0]), region] = 0.0
    return E


def calc_va_in_exports(v: Array, L: Array, e: Array) -> Array:
    """Value added of every country-sector embodied in export vector(s) ``e``: ``diag(v) L e``. Computed as a
    solve-free product with the given ``L``; summed over origins it equals ``1'e`` with the balancing ``v``
    (it counts value added that crosses borders several times more than once: Koopman, Wang & Wei 2014)."""
    return np.asarray(v[:, np.newaxis] * (L @ e) if np.ndim(e) == 2 else v * (L @ e), dtype=np.float64)


def calc_va_in_final_demand(v: Array, L: Array, Yr: Array) -> Array:
    """Value added of every country-sector absorbed in each region's final demand: ``diag(v) L Yr`` (n x G).
    Column sums are the regions' final demand; row sums each country-sector's value added ``v * x``."""
    return np.asarray(v[:, np.newaxis] * (L @ Yr), dtype=np.float64)


def calc_vax(v: Array, L: Array, Yr: Array, region: Index, n_regions: int) -> Array:
    """Bilateral value-added exports (Johnson & Noguera 2012): a (G x G) matrix whose entry (s, t) is region
    s's value added absorbed in region t's final demand. The diagonal is value added absorbed at home; a row's
    off-diagonal sum is the region's VAX."""
    return aggregate_rows(calc_va_in_final_demand(v, L, Yr), region, n_regions)


def calc_dva_in_exports(v: Array, A: Array, L: Array, Yr: Array, region: Index, n_regions: int) -> Array:
    """Domestic value added in each region's gross exports (Los, Timmer & de Vries 2016), a G-vector.

    Extracting region r's exports (its rows of A and Yr outside its own block set to zero) leaves it producing
    only for its own final demand through its own inputs, ``x*_r = (I - A_rr)^-1 Y_rr``; the value added that
    vanishes, ``v_r (x_r - x*_r)``, is r's value added in its exports, counted once. ``x`` is ``L Yr 1``."""
    x = L @ Yr.sum(axis=1)
    out = np.zeros(n_regions, dtype=np.float64)
    for r in range(n_regions):
        rows = np.flatnonzero(region == r)
        if rows.size == 0:
            continue
        A_rr = A[np.ix_(rows, rows)]
        x_star = np.linalg.solve(np.eye(rows.size) - A_rr, Yr[rows, r])
        out[r] = float(v[rows] @ (x[rows] - x_star))
    return out


def calc_export_split(
    v: Array, A: Array, L: Array, Yr: Array, E: Array, region: Index, n_regions: int
) -> dict[str, Array]:
    """Each region's gross exports split into value-added components (G-vectors by exporting region):

    * ``gross_exports``: ``1'E_r``, the sum of region r's rows of ``E``;
    * ``vax``: r's value added absorbed abroad (Johnson & Noguera; Koopman, Wang & Wei terms 1-3);
    * ``returned_dva``: r's value added that leaves in exports and comes back to be absorbed at home (terms 4-5),
      the Los, Timmer & de Vries domestic value added in exports minus ``vax``;
    * ``domestic_double_counting``: r's value added counted more than once in its exports (term 6), the
      source-based domestic value added ``v_r L_rr E_r`` minus the Los, Timmer & de Vries measure;
    * ``foreign_va``: other regions' value added in r's exports, foreign double counting included (terms 7-9).

    With the balancing ``v`` the four components sum to ``gross_exports``."""
    n = E.shape[0]
    exports = E.sum(axis=1)
    S = np.zeros((n, n_regions), dtype=np.float64)
    S[np.arange(n), region] = exports  # column r: region r's total exports by sector
    by_origin = aggregate_rows(calc_va_in_exports(v, L, S), region, n_regions)  # (origin, exporter)
    source_dva = np.diag(by_origin).copy()
    foreign = by_origin.sum(axis=0) - source_dva
    vax_matrix = calc_vax(v, L, Yr, region, n_regions)
    vax = vax_matrix.sum(axis=1) - np.diag(vax_matrix)
    dva = calc_dva_in_exports(v, A, L, Yr, region, n_regions)
    return {
        "gross_exports": aggregate_rows(exports, region, n_regions),
        "vax": vax,
        "returned_dva": dva - vax,
        "domestic_double_counting": source_dva - dva,
        "foreign_va": foreign,
    }


def calc_extraction_va(
    v: Array,
    A: Array,
    Yr: Array,
    region: Index,
    exporter: int,
    importer: int,
    x: Array | None = None,
    L: Array | None = None,
) -> Array:
    """Value added of every country-sector that depends on the exports of region ``exporter`` to region
    ``importer``, counted once (hypothetical extraction, as Los, Timmer & de Vries 2016 do for one flow).

    The flow is removed (the exporter's rows of A in the importer's columns, and of the importer's final
    demand, set to zero), output solved again, and ``diag(v) (x - x*)`` returned: an n-vector whose exporter
    block sums to the exporter's domestic value added in the flow, and whose importer block is the importer's
    own value added that comes back in it. Since ``x - x* = L* e`` (``L*`` the inverse without the flow, ``e``
    the flow's export vector) and ``L* <= L``, it never exceeds the source-based ``diag(v) L e`` when ``v >= 0``.

    With ``L`` given, ``x*`` comes from ``L`` by the Woodbury identity (the removed coefficients are one block
    of N rows: an N x N solve instead of an n x n one); else by a solve of ``I - A*``. ``x``, the output of the
    whole table, is computed when not given."""
    rows = np.flatnonzero(region == exporter)
    cols = region == importer
    y = Yr.sum(axis=1)
    y_star = y.copy()
    y_star[rows] -= Yr[rows, importer]
    if L is not None:
        # I - A* = (I - A) + U W with U the exporter's rows of the identity (n x N), W = A[rows, importer cols]
        # (N x n, zero elsewhere): (I - A*)^-1 = L - L U (I + W L U)^-1 W L.
        W = np.zeros((rows.size, A.shape[1]), dtype=np.float64)
        W[:, cols] = A[np.ix_(rows, np.flatnonzero(cols))]
        LU_ = L[:, rows]
        base = L @ y_star
        x_star = base - LU_ @ np.linalg.solve(np.eye(rows.size) + W @ LU_, W @ base)
        if x is None:
            x = L @ y
    else:
        A_star = np.array(A, dtype=np.float64, copy=True)
        A_star[np.ix_(rows, np.flatnonzero(cols))] = 0.0
        x_star = solve_output(A_star, y_star)
        if x is None:
            x = solve_output(A, y)
    return np.asarray(v * (x - x_star), dtype=np.float64)
