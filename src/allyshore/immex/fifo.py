"""The FIFO kernel: exact integer allocation of ordered demands to ordered lots, group by group.

Pure arrays in, arrays out (int64 micro-units). Within a group (a material, or a tariff item in value mode) the
lots come in FIFO order (clock start, then pedimento and sequence) and the demands in processing order (date,
then exit). A demand may draw only on lots whose clock start is on or before its date; a demand that cites a
pedimento draws on that pedimento's lots first.

Why a cumulative-sum allocation is exact here: the lots a demand may use (clock start on or before its date) are
a *prefix* of the FIFO order, and demands come in date order, so stepwise FIFO always consumes a prefix of the
lots. Demand ``k`` (cumulative demand ``D_k``) is then served from the positions ``(D_{k-1}, D_k]`` of the lots'
cumulative quantities ``L``, provided ``D_k <= E_k``, the cumulative quantity of the lots open to it; when
``D_k > E_k``, stepwise FIFO would run short at that demand too (it has ``E_k - D_{k-1}`` left for it). Demand
``k`` takes the lots from the first whose end in ``L`` is above ``D_{k-1}`` to the first whose end reaches
``D_k``: usually one lot, one piece. For every group at once (the groups laid end to end on one axis), those two
lot numbers and the number of lots open to each demand are counts of lot ends below a point; the demands' points
increase along the axis, so the counts come from placing the few lots among the many demands
(``np.searchsorted`` of the lots into the demands) and writing out the steps, with no search per demand. A
demand that cites a pedimento breaks the prefix: the groups with such demands run in rounds, each round's
uncited demands of every group by the same method over the current balances, then each group's next citing
demand on its own.
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


#: Day numbers shifted to >= 0 (0001-01-01 is day 0) and a span above every date to 9999-12-31: a (group, day)
#: pair is one sortable integer ``group * DAY_SPAN + day + DAY_SHIFT``.
DAY_SHIFT = 719_163
DAY_SPAN = 2**22


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
    """FIFO allocation of every demand. Lots sorted by (group, start, ...), demands by (group, processing order),
    so by date within a group; amounts >= 0 (a demand of 0 gets no piece);
    ``*_pedimento``/``demand_cited`` are pedimento codes (-1: none cited); dates are day numbers. The groups where
    no demand cites a pedimento holding lots of the group are allocated all at once (:func:`_all_at_once`); the
    others together, round by round (:func:`_in_rounds`). Reports the first shortage found (``Allocation.shortage``; the pieces
    are then incomplete and must not be used)."""
    n_ped = int(max(lot_pedimento.max(initial=-1), demand_cited.max(initial=-1))) + 2
    lot_keys = np.sort(lot_group * n_ped + lot_pedimento)
    asks = demand_cited >= 0
    asking = demand_group[asks] * n_ped + demand_cited[asks]
    at = np.minimum(np.searchsorted(lot_keys, asking), max(lot_keys.size - 1, 0))
    asks[asks] = lot_keys[at] == asking if lot_keys.size else False
    slow = np.unique(demand_group[asks])
    if not slow.size:  # every group at once
        dem, lot, amt, short = _all_at_once(lot_group, lot_start, lot_amount, demand_group, demand_date, demand_amount)
        return Allocation(dem, lot, amt, shortage=short)
    # Both sorted by group: the last holds the highest group.
    is_slow = np.zeros(int(max(lot_group[-1] if lot_group.size else 0, demand_group[-1])) + 1, bool)
    is_slow[slow] = True
    fast_lots = ~is_slow[lot_group]
    fast_demands = ~is_slow[demand_group]
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
    found = _in_rounds(
        np.flatnonzero(~fast_lots),
        np.flatnonzero(~fast_demands),
        (lot_group, lot_start, lot_amount, lot_pedimento),
        (demand_group, demand_date, demand_amount, demand_cited, asks),
        (out_d, out_l, out_a),
    )
    if found is not None:
        return Allocation(*_joined(out_d, out_l, out_a), shortage=found)
    return Allocation(*_joined(out_d, out_l, out_a))


def _in_rounds(
    lots_at: Ints,
    demands_at: Ints,
    lot: tuple[Ints, Ints, Ints, Ints],
    demand: tuple[Ints, Ints, Ints, Ints, npt.NDArray[np.bool_]],
    out: tuple[list[Ints], list[Ints], list[Ints]],
) -> Shortage | None:
    """The groups where demands cite pedimentos, all together, round by round: round ``r`` allocates, in every
    group, the uncited demands that follow its ``r``-th citing demand (by the merge, over the current balances),
    then each group's ``r+1``-th citing demand on its own (its pedimento's lots first, then FIFO)."""
    lot_group, lot_start, lot_amount, lot_pedimento = (a[lots_at] for a in lot)
    group, day, amount, cited = (a[demands_at] for a in demand[:4])
    asks = demand[4][demands_at]
    balance = lot_amount.copy()
    out_d, out_l, out_a = out
    # The round of each demand: how many citing demands come before it in its group.
    citations: Ints = np.cumsum(asks, dtype=np.int64) - asks.astype(np.int64)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rounds: Ints = citations - np.repeat(citations[starts], np.diff(np.r_[starts, group.size]))
    # Per citing demand: its group's first lot and the end of the lots open on its date.
    citing = np.flatnonzero(asks)
    lot_lo = dict(zip(citing.tolist(), np.searchsorted(lot_group, group[citing], side="left").tolist(), strict=True))
    lot_key = lot_group * DAY_SPAN + lot_start
    open_to = np.searchsorted(lot_key, group[citing] * DAY_SPAN + day[citing], side="right").tolist()
    lot_hi = dict(zip(citing.tolist(), open_to, strict=True))
    pedimento_of = lot_pedimento.tolist()
    # The demands of each round, uncited ones first, in a contiguous slice of one stable sort (groups and
    # processing order kept within a slice).
    last_round = int(rounds.max(initial=-1))
    key = 2 * rounds + asks
    by_round = np.argsort(key.astype(np.int16) if last_round < 2**14 else key, kind="stable")
    bounds = np.searchsorted(key[by_round], np.arange(2 * last_round + 3))
    for r in range(last_round + 1):
        stretch = by_round[bounds[2 * r] : bounds[2 * r + 1]]
        if stretch.size:
            dem, where, took, short = _all_at_once(
                lot_group, lot_start, balance, group[stretch], day[stretch], amount[stretch]
            )
            if short is not None:
                return Shortage(int(demands_at[stretch[short.demand]]), short.missing)
            if where.size:  # the pieces come by lot (non-decreasing): one sum per run of a lot
                runs = np.flatnonzero(np.r_[True, where[1:] != where[:-1]])
                balance[where[runs]] -= np.add.reduceat(took, runs)
            out_d.append(demands_at[stretch[dem]])
            out_l.append(lots_at[where])
            out_a.append(took)
        taken_d: list[int] = []
        taken_l: list[int] = []
        taken_a: list[int] = []
        for k in by_round[bounds[2 * r + 1] : bounds[2 * r + 2]].tolist():
            need = int(amount[k])
            ped = int(cited[k])
            open_lots = range(lot_lo[k], lot_hi[k])
            own = [i for i in open_lots if pedimento_of[i] == ped]
            for index in [*own, *(i for i in open_lots if pedimento_of[i] != ped)]:
                take = min(need, int(balance[index]))
                if take > 0:
                    balance[index] -= take
                    need -= take
                    taken_d.append(k)
                    taken_l.append(index)
                    taken_a.append(take)
                if need == 0:
                    break
            if need:
                return Shortage(int(demands_at[k]), need)
        if taken_d:
            out_d.append(demands_at[np.asarray(taken_d, np.int64)])
            out_l.append(lots_at[np.asarray(taken_l, np.int64)])
            out_a.append(np.asarray(taken_a, np.int64))
    return None


def _all_at_once(
    lot_group: Ints, lot_start: Ints, lot_amount: Ints, demand_group: Ints, demand_date: Ints, demand_amount: Ints
) -> tuple[Ints, Ints, Ints, Shortage | None]:
    """The merge of every group at once, uncited demands only: each group's lots and demands laid end to end on
    one axis, a group's demands starting where its lots start. Demands in (group, date) order, amounts >= 0.

    Every count of lots below a demand's point (the lots open to it, those it reaches) is found by placing the
    few lots among the many demands (``np.searchsorted`` of the lots into the demands, whose points increase
    along the axis) and a running count, never by a search per demand."""
    empty = np.empty(0, np.int64)
    n = demand_amount.size
    if not n:
        return empty, empty, empty, None
    if int(demand_amount.min()) <= 0:  # a demand of nothing takes nothing (and cannot fall short)
        taking = np.flatnonzero(demand_amount > 0)
        dem, lot, amt, short = _all_at_once(
            lot_group, lot_start, lot_amount, demand_group[taking], demand_date[taking], demand_amount[taking]
        )
        if short is not None:
            return empty, empty, empty, Shortage(int(taking[short.demand]), short.missing)
        return taking[dem], lot, amt, None
    # cum[j]: the axis up to the end of lot j; cum[0] = 0 (lots numbered from 1 on the axis).
    cum = np.zeros(lot_amount.size + 1, np.int64)
    np.cumsum(lot_amount, out=cum[1:])
    # Per run of one group among the demands: where its lots start on the axis, where its demands start.
    starts = np.flatnonzero(np.r_[True, demand_group[1:] != demand_group[:-1]])
    sizes = np.diff(np.r_[starts, n])
    demand_cum = np.cumsum(demand_amount, dtype=np.int64)
    first_lot = np.searchsorted(lot_group, demand_group[starts], side="left")
    position = demand_cum + np.repeat(cum[first_lot] - (demand_cum[starts] - demand_amount[starts]), sizes)
    # The lots open to each demand: those of lower groups, and of its group with a clock start on or before its
    # date (keys increase along both arrays).
    demand_key = demand_group * DAY_SPAN
    demand_key += demand_date
    open_count = _counts_below(np.searchsorted(demand_key, lot_group * DAY_SPAN + lot_start, side="left"), n)
    short = position > cum[open_count]
    if short.any():
        k = int(np.argmax(short))
        missing = int(position[k]) - max(int(position[k]) - int(demand_amount[k]), int(cum[open_count[k]]))
        return empty, empty, empty, Shortage(k, missing)
    # Every demand served: the points now increase along the axis. A demand takes the lots from the first that
    # ends above its start (``first``: how many end at or below it) to the first that reaches its point
    # (``reach``: how many end below it); usually one.
    start = position - demand_amount
    first = _counts_below(np.searchsorted(start, cum[1:], side="left"), n)
    extra = _counts_below(np.searchsorted(position, cum[1:], side="right"), n)
    extra -= first  # the pieces beyond the first
    if not extra.any():
        return np.arange(n, dtype=np.int64), first, demand_amount.copy(), None
    # The demands spanning several lots: each lot's share of the demand's stretch; the first piece stays in the
    # demand's row, the others (lots of nothing skipped) are inserted after it.
    several = np.flatnonzero(extra)
    count = extra[several] + 1
    owner = np.repeat(several, count)
    lot = np.repeat(first[several], count) + np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    amount = np.minimum(position[owner], cum[lot + 1]) - np.maximum(start[owner], cum[lot])
    head = np.r_[True, owner[1:] != owner[:-1]]
    took = demand_amount.copy()
    took[several] = amount[head]
    tail = ~head & (amount > 0)
    at = owner[tail] + 1
    return (
        np.insert(np.arange(n, dtype=np.int64), at, owner[tail]),
        np.insert(first, at, lot[tail]),
        np.insert(took, at, amount[tail]),
        None,
    )


def _counts_below(index: Ints, n: int) -> Ints:
    """For each of ``n`` positions, how many of ``index`` (sorted, values in ``0..n``) are at or below it: a step
    of one at each of them, written out as runs."""
    return np.repeat(np.arange(index.size + 1, dtype=np.int64), np.diff(index, prepend=0, append=n))


def _joined(d: list[Ints], lo: list[Ints], a: list[Ints]) -> tuple[Ints, Ints, Ints]:
    """The parts end to end (there is always one: the groups allocated at once come first)."""
    return np.concatenate(d), np.concatenate(lo), np.concatenate(a)
