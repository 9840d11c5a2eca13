"""The FIFO kernel: exact integer allocation of ordered demands to ordered lots, group by group.

Pure arrays in, arrays out (int64 micro-units). Within a group (a material, or a tariff item in value mode) the
lots come in FIFO order (clock start, then pedimento and sequence) and the demands in processing order (date,
then exit). A demand may draw only on lots whose clock start is on or before its date; a demand that cites a
pedimento draws on that pedimento's lots first.

Why a cumulative-sum allocation is exact here: the lots a demand may use (clock start on or before its date) are
a *prefix* of the FIFO order, and demands come in date order, so stepwise FIFO always consumes a prefix of the
lots. Demand ``k`` (cumulative demand ``D_k``) is then served from the positions ``(D_{k-1}, D_k]`` of the lots'
cumulative quantities ``L``, provided ``D_k <= E_k``, the cumulative quantity of the lots open to it; when
``D_k > E_k``, stepwise FIFO would run short at that demand too (it has ``E_k - D_{k-1}`` left for it). The
allocation is the merge of the two sets of breakpoints (``np.union1d``, ``np.searchsorted``). A demand that cites
a pedimento breaks the prefix: such groups run in stretches, each uncited stretch by the same merge over the
current balances, each citing demand on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Shortage:
    """The first demand that cannot be served: its index and the amount missing."""

    demand: int
    missing: int


@dataclass(frozen=True)
class Allocation:
    """One row per (demand, lot) piece, in processing order: indices into the demand and lot arrays, amount."""

    demand: Ints
    lot: Ints
    amount: Ints
    shortage: Shortage | None = None


def _merge(lot_cum: Ints, demand_cum: Ints) -> tuple[Ints, Ints, Ints]:
    """Pieces of consecutive demands (cumulative ``demand_cum``, starting at 0) over lots of cumulative
    ``lot_cum``: (demand index, lot index, amount)."""
    if not demand_cum.size or demand_cum[-1] <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    top = demand_cum[-1]
    points = np.union1d(lot_cum[lot_cum < top], demand_cum)
    points = points[points > 0]
    amount = np.diff(points, prepend=0).astype(np.int64)
    lot = np.searchsorted(lot_cum, points, side="left").astype(np.int64)
    demand = np.searchsorted(demand_cum, points, side="left").astype(np.int64)
    return demand, lot, amount


def _stretch(balance: Ints, start: Ints, dates: Ints, amounts: Ints) -> tuple[Ints, Ints, Ints, Shortage | None]:
    """Allocate consecutive uncited demands over the current balances of one group's lots."""
    lot_cum = np.cumsum(balance, dtype=np.int64)
    demand_cum = np.cumsum(amounts, dtype=np.int64)
    open_count = np.searchsorted(start, dates, side="right")
    eligible = (
        np.where(open_count > 0, lot_cum[np.maximum(open_count - 1, 0)], 0)
        if lot_cum.size
        else np.zeros_like(demand_cum)
    )
    short = np.flatnonzero(demand_cum > eligible)
    shortage = None
    if short.size:
        k = int(short[0])
        before = int(demand_cum[k - 1]) if k else 0
        shortage = Shortage(k, int(demand_cum[k]) - max(before, int(eligible[k])))
        demand_cum = demand_cum[:k]
    demand, lot, amount = _merge(lot_cum, demand_cum)
    return demand, lot, amount, shortage


def allocate(
    lot_group: Ints,
    lot_start: Ints,
    lot_amount: Ints,
    lot_pedimento: Ints,
    demand_group: Ints,
    demand_date: Ints,
    demand_amount: Ints,
    demand_cited: Ints,
) -> Allocation:
    """FIFO allocation of every demand. Lots sorted by (group, start, ...), demands by (group, processing order);
    ``*_pedimento``/``demand_cited`` are pedimento codes (-1: none cited). Stops at the first shortage of the
    earliest group that has one (``Allocation.shortage``; the pieces then are incomplete and must not be used)."""
    groups = np.unique(demand_group)
    lot_lo = np.searchsorted(lot_group, groups, side="left")
    lot_hi = np.searchsorted(lot_group, groups, side="right")
    dem_lo = np.searchsorted(demand_group, groups, side="left")
    dem_hi = np.searchsorted(demand_group, groups, side="right")
    out_d: list[Ints] = []
    out_l: list[Ints] = []
    out_a: list[Ints] = []
    for a, b, c, d in zip(lot_lo.tolist(), lot_hi.tolist(), dem_lo.tolist(), dem_hi.tolist(), strict=True):
        start, amounts = lot_start[a:b], lot_amount[a:b]
        cited = demand_cited[c:d]
        citing = (cited >= 0) & np.isin(cited, lot_pedimento[a:b]) if b > a else np.zeros(d - c, bool)
        if not citing.any():
            dem, lot, amt, short = _stretch(amounts, start, demand_date[c:d], demand_amount[c:d])
            if short is not None:
                return Allocation(*_joined(out_d, out_l, out_a), shortage=Shortage(c + short.demand, short.missing))
            out_d.append(dem + c)
            out_l.append(lot + a)
            out_a.append(amt)
            continue
        short = _stepwise(
            amounts.copy(),
            start,
            lot_pedimento[a:b],
            demand_date[c:d],
            demand_amount[c:d],
            cited,
            citing,
            (c, a),
            (out_d, out_l, out_a),
        )
        if short is not None:
            return Allocation(*_joined(out_d, out_l, out_a), shortage=short)
    return Allocation(*_joined(out_d, out_l, out_a))


def _joined(d: list[Ints], lo: list[Ints], a: list[Ints]) -> tuple[Ints, Ints, Ints]:
    if not d:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(d), np.concatenate(lo), np.concatenate(a)


def _stepwise(
    balance: Ints,
    start: Ints,
    pedimento: Ints,
    dates: Ints,
    amounts: Ints,
    cited: Ints,
    citing: npt.NDArray[np.bool_],
    offsets: tuple[int, int],
    out: tuple[list[Ints], list[Ints], list[Ints]],
) -> Shortage | None:
    """One group with citing demands: uncited stretches by the merge, each citing demand on its own."""
    c0, a0 = offsets
    out_d, out_l, out_a = out
    marks = np.flatnonzero(citing).tolist()
    cursor = 0
    for stop in [*marks, len(amounts)]:
        if stop > cursor:  # the uncited stretch before this citing demand
            dem, lot, amt, short = _stretch(balance, start, dates[cursor:stop], amounts[cursor:stop])
            np.subtract.at(balance, lot, amt)
            out_d.append(dem + cursor + c0)
            out_l.append(lot + a0)
            out_a.append(amt)
            if short is not None:
                return Shortage(c0 + cursor + short.demand, short.missing)
        if stop == len(amounts):
            break
        need = int(amounts[stop])
        eligible = int(np.searchsorted(start, dates[stop], side="right"))
        pieces_l: list[int] = []
        pieces_a: list[int] = []
        first = np.flatnonzero((pedimento[:eligible] == cited[stop]) & (balance[:eligible] > 0))
        rest = np.flatnonzero((pedimento[:eligible] != cited[stop]) & (balance[:eligible] > 0))
        for index in [*first.tolist(), *rest.tolist()]:
            if need == 0:
                break
            take = min(need, int(balance[index]))
            balance[index] -= take
            need -= take
            pieces_l.append(index)
            pieces_a.append(take)
        out_d.append(np.full(len(pieces_l), stop + c0, np.int64))
        out_l.append(np.asarray(pieces_l, np.int64) + a0)
        out_a.append(np.asarray(pieces_a, np.int64))
        if need:
            return Shortage(c0 + stop, need)
        cursor = stop + 1
    return None
