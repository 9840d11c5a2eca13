"""Value of materials and what each contributes to total cost, net cost and VNM (SOR/2020-155 Parts 3-5).

* s.8(1): value of a material; s.8(2)-(3): deductible freight, duties, brokerage, waste.
* s.7(4)(a): the non-originating inputs of originating materials bought from others are not VNM.
* s.7(4)(b), s.8(6)-(8): a designated, originating intermediate material counts in full as
  originating, valued at its total cost; s.7(5)(a): an undesignated self-produced material
  contributes only its own non-originating materials.
* s.7(21): the producer may treat any material as non-originating.
* s.8(13): indirect materials are originating, valued at their booked cost.
* s.9(2)-(3): accumulation with a supplier's statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import gcd

from allyshore.origin.case import Material

ZERO = Fraction(0)


@dataclass(frozen=True, slots=True)
class MaterialContribution:
    """What one material adds to the good's totals, for each RVC method."""

    total_cost: Fraction  # cost included in the good's total cost (s.1(6))
    excluded: Fraction  # excluded costs it brings along (undesignated self-produced materials only)
    vnm_net_cost: Fraction
    vnm_transaction_value: Fraction
    book_value: Fraction  # s.8(1) value, as on the books (used to reconcile a given total cost)
    plain_vnm: Fraction  # s.8(1)-(6) value of non-originating material, without accumulation (s.5(5))


def intermediate_value(material: Material) -> Fraction:
    """s.8(8): the value of an intermediate material is its total cost (no profit)."""
    if material.costs.total_cost is not None:
        return material.costs.total_cost
    if not material.materials and not material.costs.other:
        return material.value  # the case gives only the value
    return sum((m.value for m in material.materials), material.costs.other)


def contribution(
    material: Material,
    is_originating: Callable[[Material], bool],
    designation_allowed: Callable[[Material], bool],
) -> MaterialContribution:
    """The contribution of one material; ``is_originating`` decides self-produced materials."""
    if material.self_produced and (material.materials or material.designated):
        if material.designated and designation_allowed(material):
            value = intermediate_value(material)
            vnm = ZERO if is_originating(material) else value  # s.7(4)(b), s.8(7)(a)
            plain = ZERO if vnm == 0 else value
            return MaterialContribution(value, ZERO, vnm, vnm, value, plain)
        if not material.materials:
            return _bought(material)
        # s.7(5)(a): flatten — its costs become the good's costs, its non-originating inputs the good's VNM.
        inner = combine(contribution(m, is_originating, designation_allowed) for m in material.materials)
        total = (
            material.costs.total_cost
            if material.costs.total_cost is not None
            else inner.total_cost + material.costs.other
        )
        return MaterialContribution(
            total,
            inner.excluded + material.costs.excluded,
            inner.vnm_net_cost,
            inner.vnm_transaction_value,
            total,
            inner.plain_vnm,
        )
    return _bought(material)


def _bought(material: Material) -> MaterialContribution:
    value = material.value
    if material.originating and not material.treat_as_non_originating:
        return MaterialContribution(value, ZERO, ZERO, ZERO, value, ZERO)  # s.7(4)(a), s.8(13)(a), s.4(1)
    own = value - material.deductions if material.deductions else value  # s.8(2)
    plain = ZERO if material.originating else own
    s = material.statement
    if s is None or material.originating:
        return MaterialContribution(value, ZERO, own, own, value, plain)
    if s.net_cost is not None and s.vnm is not None:  # s.9(2)(a)
        nc_total, nc_vnm = s.net_cost + s.additional_costs, s.vnm
    elif s.non_vnm_value is not None:  # s.9(2)(b)
        nc_total, nc_vnm = value, own - s.non_vnm_value if own >= s.non_vnm_value else ZERO
    else:
        nc_total, nc_vnm = value, own
    tv_vnm = s.vnm if s.vnm is not None else own  # s.9(3)
    return MaterialContribution(nc_total, ZERO, nc_vnm, tv_vnm, value, plain)


def exact_sum(values: Iterable[Fraction]) -> Fraction:
    """Sum of fractions in integer arithmetic over a common denominator (one normalisation at the end)."""
    return _sums([[v] for v in values], 1)[0]


def _sums(rows: Sequence[Sequence[Fraction]], width: int) -> list[Fraction]:
    common = 1
    for row in rows:
        for v in row:
            d = v.denominator
            if d != 1 and common % d:
                common = common * d // gcd(common, d)
    totals = [0] * width
    for row in rows:
        for i, v in enumerate(row):
            n = v.numerator
            if n:
                totals[i] += n * (common // v.denominator)
    return [Fraction(t, common) if t else ZERO for t in totals]


def combine(parts: Iterable[MaterialContribution]) -> MaterialContribution:
    rows = [
        (p.total_cost, p.excluded, p.vnm_net_cost, p.vnm_transaction_value, p.book_value, p.plain_vnm) for p in parts
    ]
    return MaterialContribution(*_sums(rows, 6))
