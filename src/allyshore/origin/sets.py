"""Sets classified under GRI 3 (SOR/2020-155 s.6).

A set is originating when every good in it is originating, or when the non-originating goods
in it are worth not more than 10% of the value of the set (s.6(2)-(3)); values as in s.7-8 (s.6(4)).
"""

from __future__ import annotations

from fractions import Fraction

from allyshore.origin.case import Case
from allyshore.origin.results import fmt, format_money

TEN_PERCENT = Fraction(1, 10)


def decide_set(case: Case) -> tuple[bool, list[str]]:
    """Whether the set in ``case`` is originating, with the sentences that say why."""
    components = case.set_components or ()
    total = sum((c.value for c in components), Fraction(0))
    value = (
        case.set_value
        or (case.transaction_value - case.international_shipping if case.transaction_value else None)
        or total
    )
    non = [c for c in components if not c.originating]
    if not non:
        return True, ["Every good in the set is originating (SOR/2020-155 s.6(2))."]
    worth = sum((c.value for c in non), Fraction(0))
    share = worth / value if value else Fraction(1)
    ids = ", ".join(c.id for c in non)
    ok = share <= TEN_PERCENT
    return ok, [
        f"The set is classified under GRI 3 and contains non-originating goods ({ids}) worth {format_money(worth)}, "
        f"{fmt(share * 100)}% of the set's value {format_money(value)}; the limit is 10% (SOR/2020-155 s.6(3)-(4)): "
        f"{'met' if ok else 'not met'}."
    ]
