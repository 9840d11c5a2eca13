"""The IMMEX FIFO kernel (:func:`allyshore.immex.fifo.allocate`) on small hand-made arrays.

Each expected allocation is worked out by hand from the rule (Anexo 24 Part A; docs/immex.md, "Discharge"): the
demands of a group in turn, each from the oldest lot of its group with a balance whose clock started on or
before its date, a cited pedimento's lots first. Pieces are (demand, lot, amount) rows; groups are materials,
dates day numbers, amounts whole micro-units.
"""

from __future__ import annotations

import numpy as np

from allyshore.immex.fifo import Shortage, allocate


def run(
    lots: list[tuple[int, int, int, int]], demands: list[tuple[int, int, int, int]]
) -> tuple[list[tuple[int, int, int]], Shortage | None]:
    """``lots``: (group, clock start, amount, pedimento); ``demands``: (group, date, amount, cited or -1)."""

    def columns(rows: list[tuple[int, int, int, int]]) -> list[np.ndarray]:
        if not rows:
            return [np.empty(0, np.int64)] * 4
        return [np.asarray(c, dtype=np.int64) for c in zip(*rows, strict=True)]

    result = allocate(*columns(lots), *columns(demands))
    pieces = list(zip(result.demand.tolist(), result.lot.tolist(), result.amount.tolist(), strict=True))
    return pieces, result.shortage


def test_demands_take_the_oldest_lots_in_turn() -> None:
    # Lots 5, 3 (open from day 0) and 4 (from day 10). D0 (day 5) takes 4 of L0, leaving 1; D1 (day 5) takes that
    # 1 and 2 of L1, leaving 1; D2 (day 12, when L2 is open) takes L1's last 1 and 3 of L2.
    lots = [(0, 0, 5, 0), (0, 0, 3, 0), (0, 10, 4, 1)]
    demands = [(0, 5, 4, -1), (0, 5, 3, -1), (0, 12, 4, -1)]
    assert run(lots, demands) == ([(0, 0, 4), (1, 0, 1), (1, 1, 2), (2, 1, 1), (2, 2, 3)], None)


def test_a_lot_is_open_on_its_clock_start_day_not_before() -> None:
    lots = [(0, 0, 2, 0), (0, 10, 5, 1)]
    # Day 10: L1 is open; D0 takes L0's 2 and 1 of L1.
    assert run(lots, [(0, 10, 3, -1)]) == ([(0, 0, 2), (0, 1, 1)], None)
    # Day 9: only L0's 2 are open for a demand of 3: 1 missing.
    assert run(lots, [(0, 9, 3, -1)])[1] == Shortage(0, 1)


def test_the_missing_quantity_of_a_shortfall() -> None:
    # 5 open on day 10 (L1 opens on day 20). D0 takes 3; D1 needs 4 of the 2 left: 2 missing, at D1.
    lots = [(0, 0, 5, 0), (0, 20, 5, 1)]
    assert run(lots, [(0, 10, 3, -1), (0, 10, 4, -1)])[1] == Shortage(1, 2)
    # A demand beyond everything open: the whole excess (7 - 5 = 2), at the first demand that cannot be served.
    assert run(lots, [(0, 10, 7, -1), (0, 30, 1, -1)])[1] == Shortage(0, 2)
    # A group without lots: the demand is missing entirely.
    assert run(lots, [(1, 10, 4, -1)])[1] == Shortage(0, 4)


def test_each_group_draws_on_its_own_lots() -> None:
    # Group 0 keeps 1 of its 3; group 1 (lots of 4 and 4) takes 5: all of its L1 and 1 of L2, none of group 0.
    lots = [(0, 0, 3, 0), (1, 0, 4, 1), (1, 0, 4, 2)]
    demands = [(0, 1, 2, -1), (1, 1, 5, -1)]
    assert run(lots, demands) == ([(0, 0, 2), (1, 1, 4), (1, 2, 1)], None)
    # A group's demands after another group that used all of its lots: 3 of group 0, then group 1 from L1.
    assert run(lots, [(0, 1, 3, -1), (1, 1, 6, -1)]) == ([(0, 0, 3), (1, 1, 4), (1, 2, 2)], None)


def test_a_second_group_cannot_borrow_the_first_groups_shortfall() -> None:
    # Group 0 needs 5 of its 3: short by 2, even though group 1 has 8 to spare.
    lots = [(0, 0, 3, 0), (1, 0, 8, 1)]
    assert run(lots, [(0, 1, 5, -1), (1, 1, 1, -1)])[1] == Shortage(0, 2)


def test_lots_and_demands_of_nothing_give_no_pieces() -> None:
    # L1 holds nothing: D0 (5) takes L0's 3 and 2 of L2. D1 needs nothing: no piece. D2 takes 1 of L2.
    lots = [(0, 0, 3, 0), (0, 0, 0, 1), (0, 0, 3, 2)]
    demands = [(0, 1, 5, -1), (0, 1, 0, -1), (0, 2, 1, -1)]
    assert run(lots, demands) == ([(0, 0, 3), (0, 2, 2), (2, 2, 1)], None)


def test_a_demand_that_ends_exactly_at_a_lots_end() -> None:
    # D0 takes exactly L0 (4); D1 starts on L1; D2 takes the rest of L1 and all of L2 (2 + 3 = 5).
    lots = [(0, 0, 4, 0), (0, 0, 5, 1), (0, 0, 3, 2)]
    demands = [(0, 1, 4, -1), (0, 1, 3, -1), (0, 1, 5, -1)]
    assert run(lots, demands) == ([(0, 0, 4), (1, 1, 3), (2, 1, 2), (2, 2, 3)], None)


def test_far_apart_dates_do_not_mix_groups() -> None:
    # Day numbers from 0001-01-01 (-719,162) to 9999-12-31 (2,932,896): group 0's lot opens on the last day,
    # group 1's on the first. Group 1's demand on the first day takes its own lot; group 0's demand on the last
    # day its own.
    first, last = -719_162, 2_932_896
    lots = [(0, last, 5, 0), (1, first, 5, 1)]
    assert run(lots, [(0, last, 2, -1), (1, first, 3, -1)]) == ([(0, 0, 2), (1, 1, 3)], None)
    # Group 0's demand on the day before its lot opens is short by all of it.
    assert run(lots, [(0, last - 1, 2, -1), (1, first, 3, -1)])[1] == Shortage(0, 2)


def test_a_cited_pedimento_is_drawn_on_first() -> None:
    # L0 (pedimento 0) and L1 (pedimento 1), 5 each. D0 takes 2 of L0 (3 left). D1 cites pedimento 1: all 5 of
    # L1, then 1 of L0 by FIFO (2 left). D2 takes L0's last 2.
    lots = [(0, 0, 5, 0), (0, 0, 5, 1)]
    demands = [(0, 1, 2, -1), (0, 2, 6, 1), (0, 3, 2, -1)]
    assert run(lots, demands) == ([(0, 0, 2), (1, 1, 5), (1, 0, 1), (2, 0, 2)], None)


def test_a_cited_pedimento_not_yet_open_is_passed_over() -> None:
    # Pedimento 1's lot opens on day 10: a demand of day 5 citing it is served by FIFO from L0.
    lots = [(0, 0, 5, 0), (0, 10, 5, 1)]
    assert run(lots, [(0, 5, 3, 1)]) == ([(0, 0, 3)], None)
    # On day 10 it is open: drawn on first.
    assert run(lots, [(0, 10, 3, 1)]) == ([(0, 1, 3)], None)


def test_a_cited_pedimento_with_several_lots_and_exhausted_ones() -> None:
    # Pedimento 1 holds L1 and L3 (3 each), pedimento 0 holds L0 and L2 (2 each). D0 takes L0 (2). D1 cites
    # pedimento 1 for 4: L1's 3 and 1 of L3. D2 takes, by FIFO, L2's 2 and 1 of L3 (L0 and L1 are exhausted).
    lots = [(0, 0, 2, 0), (0, 0, 3, 1), (0, 0, 2, 0), (0, 0, 3, 1)]
    demands = [(0, 1, 2, -1), (0, 1, 4, 1), (0, 2, 3, -1)]
    assert run(lots, demands) == ([(0, 0, 2), (1, 1, 3), (1, 3, 1), (2, 2, 2), (2, 3, 1)], None)


def test_a_citing_demand_short_of_everything_open() -> None:
    # L0 (pedimento 0) holds 3, L1 (pedimento 1) 1. D0 takes L0's 3; D1 cites pedimento 1 for 2: L1's 1, and
    # nothing is left to take by FIFO: short by 1, at D1.
    lots = [(0, 0, 3, 0), (0, 0, 1, 1)]
    assert run(lots, [(0, 1, 3, -1), (0, 1, 2, 1)])[1] == Shortage(1, 1)


def test_a_shortfall_after_a_citing_demand_is_found() -> None:
    # D0 cites pedimento 1 and takes its 4; D1 (uncited, later) needs 3 of L0's 2: short by 1, at D1.
    lots = [(0, 0, 2, 0), (0, 0, 4, 1)]
    assert run(lots, [(0, 1, 4, 1), (0, 2, 3, -1)])[1] == Shortage(1, 1)


def test_citing_a_pedimento_without_lots_of_the_group_is_plain_fifo() -> None:
    # Pedimento 1 holds only group 1's lot: group 0's demand citing it is served by FIFO from L0.
    lots = [(0, 0, 5, 0), (1, 0, 5, 1)]
    assert run(lots, [(0, 1, 3, 1), (1, 1, 2, -1)]) == ([(0, 0, 3), (1, 1, 2)], None)


def test_groups_with_and_without_citations_together() -> None:
    # Group 0 (no citation): D0 takes 2 of L0. Group 1: D1 takes 1 of L1 (4 left), D2 cites pedimento 3 and takes
    # L2's 2 then 1 of L1 (3 left), D3 takes 3 of L1. Rows come group 0 first, then group 1 round by round.
    lots = [(0, 0, 4, 0), (1, 0, 5, 1), (1, 0, 2, 3)]
    demands = [(0, 1, 2, -1), (1, 1, 1, -1), (1, 2, 3, 3), (1, 3, 3, -1)]
    assert run(lots, demands) == ([(0, 0, 2), (1, 1, 1), (2, 2, 2), (2, 1, 1), (3, 1, 3)], None)
    # The same with group 1's last demand short: it needs 4 of the 3 left in L1 (L2 is exhausted).
    short = [(0, 1, 2, -1), (1, 1, 1, -1), (1, 2, 3, 3), (1, 3, 4, -1)]
    assert run(lots, short)[1] == Shortage(3, 1)
    # And group 0 short while group 1 cites: 5 of its 4.
    assert run(lots, [(0, 1, 5, -1), (1, 2, 1, 3)])[1] == Shortage(0, 1)


def test_two_citing_rounds_in_one_group() -> None:
    # Pedimentos 0 (L0, 4), 1 (L1, 4), 2 (L2, 4). D0 cites 2: 3 of L2 (1 left). D1 takes 2 of L0 (2 left).
    # D2 cites 1: 4 of L1, then 1 by FIFO from L0 (1 left). D3 takes L0's 1 and L2's 1.
    lots = [(0, 0, 4, 0), (0, 0, 4, 1), (0, 0, 4, 2)]
    demands = [(0, 1, 3, 2), (0, 2, 2, -1), (0, 3, 5, 1), (0, 4, 2, -1)]
    expected = [(0, 2, 3), (1, 0, 2), (2, 1, 4), (2, 0, 1), (3, 0, 1), (3, 2, 1)]
    assert run(lots, demands) == (expected, None)


def test_no_demands_and_no_lots() -> None:
    assert run([(0, 0, 5, 0)], []) == ([], None)
    assert run([], [(0, 1, 2, -1)])[1] == Shortage(0, 2)


def test_two_groups_with_citations_run_round_by_round() -> None:
    # Group 0: L0 (pedimento 0) and L1 (pedimento 1), 5 each; D0 cites pedimento 1 for 7 (L1's 5, then 2 of L0 by
    # FIFO), D1 takes L0's last 3. Group 1 the same with L2 (pedimento 2), L3 (pedimento 3): D2 cites 3 for 7
    # (L3's 5, 2 of L2), D3 takes L2's last 3. Each group's second demand follows its first citation, so it runs
    # in round 1: the rows come as D0, D2 (the citing demands of round 0), then D1, D3 (round 1).
    lots = [(0, 0, 5, 0), (0, 0, 5, 1), (1, 0, 5, 2), (1, 0, 5, 3)]
    demands = [(0, 1, 7, 1), (0, 2, 3, -1), (1, 1, 7, 3), (1, 2, 3, -1)]
    expected = [(0, 1, 5), (0, 0, 2), (2, 3, 5), (2, 2, 2), (1, 0, 3), (3, 2, 3)]
    assert run(lots, demands) == (expected, None)


def test_a_citing_demand_of_a_later_group_waits_for_its_pedimentos_clock() -> None:
    # Group 1's L2 (pedimento 2) opens on day 10: a demand of day 5 citing it takes 3 of L1 by FIFO instead.
    lots = [(0, 0, 5, 0), (1, 0, 5, 1), (1, 10, 5, 2)]
    assert run(lots, [(1, 5, 3, 2)]) == ([(0, 1, 3)], None)


def test_many_demands_of_one_round_keep_their_order() -> None:
    # 40 demands of 1 before and 40 after a citation, in one group: each takes the next unit of L0 (the
    # citing one takes L1's), so the rows follow the demands' order.
    lots = [(0, 0, 100, 0), (0, 0, 100, 1)]
    demands = [(0, 1 + k, 1, -1) for k in range(40)] + [(0, 41, 1, 1)] + [(0, 42 + k, 1, -1) for k in range(40)]
    expected = [(k, 0, 1) for k in range(40)] + [(40, 1, 1)] + [(k, 0, 1) for k in range(41, 81)]
    assert run(lots, demands) == (expected, None)


def test_more_than_2_to_the_14_citing_demands_in_one_group() -> None:
    # 16,384 demands of 1 each citing pedimento 0 (rounds 0 to 16,383), then one uncited demand of 2 in round
    # 16,384 (its round key 2r = 2**15 does not fit 16 bits): each citing demand takes its unit of L0, the last
    # demand 2 more.
    n = 2**14
    lots = [(0, 0, n + 2, 0), (0, 0, 1, 1)]
    demands = [(0, 1, 1, 0)] * n + [(0, 2, 2, -1)]
    assert run(lots, demands) == ([(k, 0, 1) for k in range(n)] + [(n, 0, 2)], None)


def test_a_round_that_takes_twice_from_one_lot_leaves_the_right_balance() -> None:
    # Round 0: D0 takes L0 (2); D1 and D2 take 1 each of L1 (5 -> 3). D3 cites pedimento 2: L2's 1, then 3 of L1
    # by FIFO (L0 is exhausted): L1 is exhausted too. Round 1: D4 takes 2 of L3.
    lots = [(0, 0, 2, 0), (0, 0, 5, 1), (0, 0, 1, 2), (0, 0, 10, 3)]
    demands = [(0, 1, 2, -1), (0, 1, 1, -1), (0, 1, 1, -1), (0, 2, 4, 2), (0, 3, 2, -1)]
    expected = [(0, 0, 2), (1, 1, 1), (2, 1, 1), (3, 2, 1), (3, 1, 3), (4, 3, 2)]
    assert run(lots, demands) == (expected, None)


def test_a_shortfall_after_a_demand_of_nothing_is_found_at_its_demand() -> None:
    # D0 needs nothing; D1 needs 5 of the 3 in L0: short by 2, at D1 (not at D0).
    assert run([(0, 0, 3, 0)], [(0, 1, 0, -1), (0, 1, 5, -1)])[1] == Shortage(1, 2)


def test_a_later_group_with_several_demands() -> None:
    # Group 0: D0 takes 1 of L0 (3). Group 1 (L1 4, L2 4): D1 takes 3 of L1, D2 takes L1's last 1 and 2 of L2.
    lots = [(0, 0, 3, 0), (1, 0, 4, 1), (1, 0, 4, 2)]
    demands = [(0, 1, 1, -1), (1, 1, 3, -1), (1, 2, 3, -1)]
    assert run(lots, demands) == ([(0, 0, 1), (1, 1, 3), (2, 1, 1), (2, 2, 2)], None)


def test_pedimento_code_0_is_a_citation() -> None:
    # L0 (pedimento 1) comes first in FIFO, L1 holds pedimento 0: a demand citing pedimento 0 takes L1 first.
    lots = [(0, 0, 5, 1), (0, 0, 5, 0)]
    assert run(lots, [(0, 1, 3, 0)]) == ([(0, 1, 3)], None)


def test_a_citing_demand_without_any_lot() -> None:
    assert run([], [(0, 1, 2, 0)])[1] == Shortage(0, 2)


def test_a_citing_demand_cannot_use_an_earlier_groups_lots() -> None:
    # Group 1 holds only L1 (pedimento 1, 2): a demand of 3 citing it is short by 1, though group 0 has 5.
    lots = [(0, 0, 5, 0), (1, 0, 2, 1)]
    assert run(lots, [(1, 1, 3, 1)])[1] == Shortage(0, 1)
