"""Regional value content helpers: thresholds as text and averaging periods (SOR/2020-155 s.7).

RVC itself is ``(TV − VNM) ÷ TV × 100`` (s.7(2)) or ``(NC − VNM) ÷ NC × 100`` (s.7(3)), with
``NC = total cost − excluded costs`` (s.7(11), (13)); the determination computes it exactly.

>>> averaging_period(Averaging("quarter", 1, (("2025-01", Fraction(100), Fraction(40)),
...     ("2025-02", Fraction(100), Fraction(60)), ("2025-04", Fraction(50), Fraction(10))), "2025-02"))
('quarter 1 of the fiscal year beginning 2025-01', Fraction(200, 1), Fraction(100, 1), 2)
"""

from __future__ import annotations

from fractions import Fraction

from allyshore.origin.case import Averaging

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "fiscal_year": 12}
PERIOD_NAMES = {"month": "month", "quarter": "quarter", "half_year": "half-year", "fiscal_year": "fiscal year"}


def pct(value: Fraction) -> str:
    """A threshold as written in the regulations: ``60``, ``62.5``.

    >>> pct(Fraction(125, 2)), pct(Fraction(60))
    ('62.5', '60')
    """
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):g}"


def _fiscal_position(month: str, start_month: int) -> tuple[int, int]:
    year, mon = int(month[:4]), int(month[5:7])
    fiscal_year = year if mon >= start_month else year - 1
    return fiscal_year, (mon - start_month) % 12


def averaging_period(avg: Averaging) -> tuple[str, Fraction, Fraction, int]:
    """s.7(15): sums of net cost and VNM over the chosen period that contains ``avg.month``.

    Periods are counted from the start of the producer's fiscal year, so every three- or
    six-month period divides the months remaining evenly (s.7(15)(a)(ii)); the election then
    holds for the rest of the fiscal year (s.7(18)-(19)).
    """
    length = PERIOD_MONTHS[avg.period]
    target = avg.month or max(r[0] for r in avg.records)
    fy, pos = _fiscal_position(target, avg.fiscal_year_start_month)
    index = pos // length
    nc = vnm = Fraction(0)
    count = 0
    for month, net_cost, value in avg.records:
        f, p = _fiscal_position(month, avg.fiscal_year_start_month)
        if f == fy and p // length == index:
            nc += net_cost
            vnm += value
            count += 1
    label = (
        f"{PERIOD_NAMES[avg.period]} {index + 1} of the fiscal year beginning {fy}-{avg.fiscal_year_start_month:02d}"
    )
    if avg.period == "fiscal_year":
        label = f"the fiscal year beginning {fy}-{avg.fiscal_year_start_month:02d}"
    return label, nc, vnm, count


def averaged_net_cost(avg: Averaging) -> tuple[Fraction, Fraction]:
    _, nc, vnm, _ = averaging_period(avg)
    return nc, vnm


def allocate_cost(
    amount: Fraction | int, bases: dict[str, Fraction | int], excluded: Fraction | int = 0
) -> dict[str, Fraction]:
    """Allocate a cost pool to goods in proportion to a base (SOR/2020-155 Schedule 5).

    The base is direct labour hours or costs, units, machine-hours, sales or floor space
    (Appendix A, cost ratio), direct labour plus direct material costs (Appendix B) or those
    plus direct overhead (Appendix C). Excluded costs in the pool are removed with the same
    ratio (s.7(11)(b)). Ratios are exact; the Schedule's examples round them to 2-3 decimals.

    >>> allocate_cost(30, {"A": 23, "B": 12})["A"]
    Fraction(138, 7)
    """
    total = sum((Fraction(v) for v in bases.values()), Fraction(0))
    if total <= 0:
        raise ValueError("the allocation base must be positive")
    pool = Fraction(amount) - Fraction(excluded)
    return {good: pool * Fraction(base) / total for good, base in bases.items()}
