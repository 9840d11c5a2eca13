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


def _union(a: Ints, b: Ints) -> Ints:
    """The sorted distinct values of two arrays (a plain sort: ``np.union1d`` hashes first)."""
    both = np.concatenate([a, b])
    both.sort()
    return both[np.r_[True, both[1:] != both[:-1]]] if both.size else both


def _merge(lot_cum: Ints, demand_cum: Ints) -> tuple[Ints, Ints, Ints]:
    """Pieces of consecutive demands (cumulative ``demand_cum``, starting at 0) over lots of cumulative
    ``lot_cum``: (demand index, lot index, amount)."""
    if not demand_cum.size or demand_cum[-1] <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    top = demand_cum[-1]
    points = _union(lot_cum[lot_cum < top], demand_cum)
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


_DAY_SHIFT = 719_163  # days from 0001-01-01 to 1970-01-01: every date's day number shifted to >= 0
_DAY_SPAN = 2**22  # more than the days from 0001-01-01 to 9999-12-31


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
    ``*_pedimento``/``demand_cited`` are pedimento codes (-1: none cited); dates are day numbers. The groups where
    no demand cites a pedimento holding lots of the group are allocated all at once (:func:`_all_at_once`); the
    others group by group (:func:`_stepwise`). Reports the first shortage found (``Allocation.shortage``; the pieces
    are then incomplete and must not be used)."""
    n_ped = int(max(lot_pedimento.max(initial=-1), demand_cited.max(initial=-1))) + 2
    lot_keys = np.unique(lot_group * n_ped + lot_pedimento)
    asks = demand_cited >= 0
    asks[asks] = np.isin(demand_group[asks] * n_ped + demand_cited[asks], lot_keys)
    slow = np.unique(demand_group[asks])
    fast_lots = ~np.isin(lot_group, slow)
    fast_demands = ~np.isin(demand_group, slow)
    lots_at = np.flatnonzero(fast_lots)
    demands_at = np.flatnonzero(fast_demands)
    dem, lot, amt, short = _all_at_once(
        lot_group[lots_at],
        lot_start[lots_at],
        lot_amount[lots_at],
        demand_group[demands_at],
        demand_date[demands_at],
        demand_amount[demands_at],
    )
    if short is not None:
        return Allocation(dem, lot, amt, shortage=Shortage(int(demands_at[short.demand]), short.missing))
    out_d: list[Ints] = [demands_at[dem]]
    out_l: list[Ints] = [lots_at[lot]]
    out_a: list[Ints] = [amt]
    if not slow.size:
        return Allocation(*_joined(out_d, out_l, out_a))
    lot_lo = np.searchsorted(lot_group, slow, side="left")
    lot_hi = np.searchsorted(lot_group, slow, side="right")
    dem_lo = np.searchsorted(demand_group, slow, side="left")
    dem_hi = np.searchsorted(demand_group, slow, side="right")
    for a, b, c, d in zip(lot_lo.tolist(), lot_hi.tolist(), dem_lo.tolist(), dem_hi.tolist(), strict=True):
        found = _stepwise(
            lot_amount[a:b].copy(),
            lot_start[a:b],
            lot_pedimento[a:b],
            demand_date[c:d],
            demand_amount[c:d],
            demand_cited[c:d],
            asks[c:d],
            (c, a),
            (out_d, out_l, out_a),
        )
        if found is not None:
            return Allocation(*_joined(out_d, out_l, out_a), shortage=found)
    return Allocation(*_joined(out_d, out_l, out_a))


def _all_at_once(
    lot_group: Ints, lot_start: Ints, lot_amount: Ints, demand_group: Ints, demand_date: Ints, demand_amount: Ints
) -> tuple[Ints, Ints, Ints, Shortage | None]:
    """The merge of every group at once, uncited demands only: each group's lots and demands laid end to end on
    one axis, a group's demands starting where its lots start."""
    empty = np.empty(0, np.int64)
    if not demand_amount.size:
        return empty, empty, empty, None
    lot_cum = np.cumsum(lot_amount, dtype=np.int64)
    first_lot = np.searchsorted(lot_group, demand_group, side="left")
    offset = np.where(first_lot > 0, lot_cum[np.maximum(first_lot - 1, 0)], 0) if lot_cum.size else 0 * first_lot
    demand_cum = np.cumsum(demand_amount, dtype=np.int64)
    first_demand = np.searchsorted(demand_group, demand_group, side="left")
    before = np.where(first_demand > 0, demand_cum[np.maximum(first_demand - 1, 0)], 0)
    position = offset + demand_cum - before
    lot_key = lot_group * _DAY_SPAN + lot_start + _DAY_SHIFT
    demand_key = demand_group * _DAY_SPAN + demand_date + _DAY_SHIFT
    open_count = np.searchsorted(lot_key, demand_key, side="right")
    eligible = np.where(open_count > 0, lot_cum[np.maximum(open_count - 1, 0)], 0) if lot_cum.size else 0 * offset
    short = np.flatnonzero(position > eligible)
    if short.size:
        k = int(short[0])
        missing = int(position[k]) - max(int(position[k]) - int(demand_amount[k]), int(eligible[k]))
        return empty, empty, empty, Shortage(k, missing)
    top = position.max()
    points = _union(lot_cum[lot_cum < top], position)
    points = points[points > 0]
    amount = np.diff(points, prepend=0).astype(np.int64)
    lot = np.searchsorted(lot_cum, points, side="left").astype(np.int64)
    demand = np.searchsorted(position, points, side="left").astype(np.int64)
    keep = (lot_group[np.minimum(lot, lot_group.size - 1)] == demand_group[demand]) & (amount > 0)
    return demand[keep], lot[keep], amount[keep], None


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
