"""Regional value content (SOR/2020-155 s.7): the two formulas, thresholds as text and averaging periods.

RVC is ``(TV − VNM) ÷ TV × 100`` (s.7(2)) or ``(NC − VNM) ÷ NC × 100`` (s.7(3)), with
``NC = total cost − excluded costs`` (s.7(11), (13)), computed exactly (:func:`rvc_outcomes`).

>>> averaging_period(Averaging("quarter", 1, (("2025-01", Fraction(100), Fraction(40)),
...     ("2025-02", Fraction(100), Fraction(60)), ("2025-04", Fraction(50), Fraction(10))), "2025-02"))
('quarter 1 of the fiscal year beginning 2025-01', Fraction(200, 1), Fraction(100, 1), 2)
"""

from __future__ import annotations

from fractions import Fraction

from allyshore.origin.case import Averaging, RvcRequirement
from allyshore.origin.results import RvcOutcome

HUNDRED = Fraction(100)
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


def regional_value_content(base: Fraction, vnm: Fraction) -> Fraction:
    """``(base − VNM) ÷ base × 100``, exact: s.7(2) with base = TV, s.7(3) with base = NC.

    >>> regional_value_content(Fraction(88), Fraction(40))
    Fraction(600, 11)
    """
    return (base - vnm) / base * HUNDRED


def rvc_outcomes(
    req: RvcRequirement,
    tv: Fraction | None,
    vnm_tv: Fraction,
    net_cost: Fraction,
    vnm_nc: Fraction,
    averaging: Averaging | None = None,
) -> list[RvcOutcome]:
    """The RVC of a good by each method ``req`` offers and the case allows, transaction value first.

    The transaction value method needs a (non-zero) adjusted transaction value (s.7(2)); the net cost
    method uses the sums over the averaging period when the producer averages (s.7(15)) and needs a
    positive net cost (s.7(3)).

    >>> [(o.method, o.value) for o in rvc_outcomes(RvcRequirement(Fraction(60), Fraction(50)),
    ...     Fraction(100), Fraction(40), Fraction(80), Fraction(40))]
    [('transaction_value', Fraction(60, 1)), ('net_cost', Fraction(50, 1))]
    """
    out = []
    if req.transaction_value is not None and tv:
        out.append(
            RvcOutcome("transaction_value", regional_value_content(tv, vnm_tv), req.transaction_value, tv, vnm_tv)
        )
    if req.net_cost is not None:
        nc, vnm = averaged_net_cost(averaging) if averaging is not None else (net_cost, vnm_nc)
        if nc > 0:
            out.append(RvcOutcome("net_cost", regional_value_content(nc, vnm), req.net_cost, nc, vnm))
    return out
