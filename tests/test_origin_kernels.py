"""The origin kernels on their own, with figures worked by hand from SOR/2020-155: the RVC formulas and
averaging periods (origin/rvc.py) and the change in tariff classification and de minimis rules
(origin/tariff_shift.py). Mutation testing (docs/testing.md) runs these first."""

from __future__ import annotations

from fractions import Fraction

import pytest

from allyshore.origin.case import Averaging, RvcRequirement, TariffShift
from allyshore.origin.rvc import averaging_period, pct, regional_value_content, rvc_outcomes
from allyshore.origin.tariff_shift import (
    chapter,
    code_in,
    de_minimis_excluded,
    is_apparel,
    is_textile,
    may_be_in,
    passes,
)

F = Fraction

# --------------------------------------------------------------------------- rvc.py


def test_regional_value_content_formula() -> None:
    """s.7(2)/(3): (base − VNM) ÷ base × 100: TV 88, VNM 40 -> 48/88 = 54.5454...%; VNM 0 -> 100%."""
    assert regional_value_content(F(88), F(40)) == F(600, 11)
    assert regional_value_content(F(50), F(0)) == 100
    assert regional_value_content(F(40), F(50)) == F(-25)  # VNM above TV: negative, not clipped


def test_rvc_outcomes_transaction_value_then_net_cost() -> None:
    """TV 100, VNM(TV) 35: (100 − 35)/100 = 65%; NC 80, VNM(NC) 30: (80 − 30)/80 = 62.5% (s.7(2)-(3))."""
    tv, nc = rvc_outcomes(RvcRequirement(F(60), F(50)), F(100), F(35), F(80), F(30))
    assert (tv.method, tv.value, tv.threshold, tv.base, tv.vnm) == ("transaction_value", 65, 60, 100, 35)
    assert (nc.method, nc.value, nc.threshold, nc.base, nc.vnm) == ("net_cost", F(125, 2), 50, 80, 30)


def test_rvc_outcomes_only_the_methods_offered_and_computable() -> None:
    """s.7(6): no TV method where the rule has none; none without a TV; none with a net cost of 0 or less."""
    only_nc = rvc_outcomes(RvcRequirement(None, F(50)), F(100), F(35), F(80), F(30))
    assert [o.method for o in only_nc] == ["net_cost"]
    only_tv = rvc_outcomes(RvcRequirement(F(60), None), F(100), F(35), F(80), F(30))
    assert [o.method for o in only_tv] == ["transaction_value"]
    assert [o.method for o in rvc_outcomes(RvcRequirement(F(60), F(50)), None, F(0), F(80), F(30))] == ["net_cost"]
    assert [o.method for o in rvc_outcomes(RvcRequirement(F(60), F(50)), F(0), F(0), F(80), F(30))] == ["net_cost"]
    no_cost = rvc_outcomes(RvcRequirement(F(60), F(50)), F(100), F(35), F(0), F(0))
    assert [o.method for o in no_cost] == ["transaction_value"]


def test_rvc_outcomes_average_over_the_period() -> None:
    """s.7(15): the net cost method takes the period's sums, NC 200 and VNM 100 -> 50%; TV keeps the unit's."""
    avg = Averaging("quarter", 1, (("2025-01", F(100), F(40)), ("2025-02", F(100), F(60))), "2025-02")
    tv, nc = rvc_outcomes(RvcRequirement(F(60), F(50)), F(10), F(3), F(80), F(30), avg)
    assert (tv.base, tv.vnm, tv.value) == (10, 3, 70)
    assert (nc.base, nc.vnm, nc.value) == (200, 100, 50)


def test_pct_writes_thresholds_as_the_regulations() -> None:
    assert pct(F(60)) == "60"
    assert pct(F(125, 2)) == "62.5"
    assert pct(F(1, 2)) == "0.5"
    assert pct(F(75)) == "75"


RECORDS = (
    ("2024-11", F(10), F(1)),
    ("2024-12", F(20), F(2)),
    ("2025-01", F(40), F(4)),
    ("2025-02", F(80), F(8)),
    ("2025-03", F(160), F(16)),
    ("2025-04", F(320), F(32)),
    ("2025-05", F(640), F(64)),
    ("2025-10", F(1280), F(128)),
    ("2025-11", F(2560), F(256)),
    ("2025-12", F(5120), F(512)),
)


@pytest.mark.parametrize(
    ("period", "start", "month", "label", "months"),
    [
        # Fiscal year from April: 2025-02 is month 11 of the fiscal year beginning 2024-04 (s.7(15)(a)).
        ("month", 4, "2025-02", "month 11 of the fiscal year beginning 2024-04", ["2025-02"]),
        ("month", 4, "2025-04", "month 1 of the fiscal year beginning 2025-04", ["2025-04"]),
        # Quarters from April: Jan-Mar is quarter 4 of the fiscal year beginning 2024-04.
        ("quarter", 4, "2025-02", "quarter 4 of the fiscal year beginning 2024-04", ["2025-01", "2025-02", "2025-03"]),
        # Quarters from January: Oct-Dec 2025 is quarter 4; 2025-11 sits in the middle of it.
        ("quarter", 1, "2025-11", "quarter 4 of the fiscal year beginning 2025-01", ["2025-10", "2025-11", "2025-12"]),
        ("quarter", 1, "2025-05", "quarter 2 of the fiscal year beginning 2025-01", ["2025-04", "2025-05"]),
        # Half-years from November: Nov-Apr and May-Oct.
        (
            "half_year",
            11,
            "2025-03",
            "half-year 1 of the fiscal year beginning 2024-11",
            ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04"],
        ),
        ("half_year", 11, "2025-10", "half-year 2 of the fiscal year beginning 2024-11", ["2025-05", "2025-10"]),
        ("fiscal_year", 4, "2025-02", "the fiscal year beginning 2024-04", ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]),
        ("fiscal_year", 1, "2024-12", "the fiscal year beginning 2024-01", ["2024-11", "2024-12"]),
    ],
)  # fmt: skip
def test_averaging_period_by_hand(period: str, start: int, month: str, label: str, months: list[str]) -> None:
    """s.7(15)-(19): periods are counted from the producer's fiscal year; sums and count over the records of the
    period that holds the month (each record's figures are powers of two, so the sums name the months)."""
    got = averaging_period(Averaging(period, start, RECORDS, month))
    chosen = [r for r in RECORDS if r[0] in months]
    assert got == (label, sum(r[1] for r in chosen), sum(r[2] for r in chosen), len(chosen))


def test_averaging_period_defaults_to_the_latest_record() -> None:
    """Without a month the latest record's period is decided: 2025-12, quarter 4 from January."""
    label, nc, vnm, count = averaging_period(Averaging("quarter", 1, RECORDS, None))
    assert (label, nc, vnm, count) == ("quarter 4 of the fiscal year beginning 2025-01", 8960, 896, 3)


# --------------------------------------------------------------------------- tariff_shift.py


def test_code_in_prefixes_and_ranges() -> None:
    """A code is under a prefix, or inside a range "AAAA-BBBB" read at the range's width, both ends included."""
    assert code_in("901890", ("9018",)) and not code_in("901990", ("9018",))
    rng = ("848210-848280",)
    assert code_in("848210", rng) and code_in("848250", rng) and code_in("848280", rng)
    assert code_in("84825010", rng)  # read at the width of the range (6 digits)
    assert not code_in("848209", rng) and not code_in("848290", rng)
    assert not code_in("8482", rng)  # too short to tell: not inside
    uneven = ("84-8504",)  # width 4: 8400 to 8504
    assert code_in("8400", uneven) and code_in("8450", uneven) and code_in("8504", uneven)
    assert not code_in("8399", uneven) and not code_in("8505", uneven)
    assert code_in("8505", ("8601", "85")) and not code_in("8505", ())
    short_high = ("8501-85",)  # 8501 to 8599
    assert code_in("8550", short_high) and code_in("8599", short_high)
    assert not code_in("8600", short_high) and not code_in("8500", short_high)


def test_may_be_in_short_codes() -> None:
    """A code too short to tell may be in an entry whose leading digits it shares (heading 85.38 against 8538.90.10)."""
    assert may_be_in("8538", ("85389010",)) and not may_be_in("8537", ("85389010",))
    assert may_be_in("85", ("8538-8540",)) and not may_be_in("86", ("8538-8540",))
    assert may_be_in("8539", ("8538-8540",)) and not may_be_in("8541", ("8538-8540",))
    assert may_be_in("854", ("8538-8540",)) and not may_be_in("855", ("8538-8540",))  # 854 may be 8540
    assert may_be_in("853890", ("8538",))  # a full code under the entry
    assert not may_be_in("853790", ("8538",))  # a full code outside it is not "too short"
    assert not may_be_in("8538", ())


@pytest.mark.parametrize(
    ("material", "good", "level", "expected"),
    [
        ("901811", "901890", "chapter", False),
        ("901811", "901890", "heading", False),
        ("901811", "901890", "subheading", True),
        ("903300", "901890", "chapter", False),
        ("903300", "901890", "heading", True),
        ("853650", "901890", "chapter", True),
        ("90189010", "90189020", "subheading", False),
        ("90189010", "90189020", "item", True),
        # s.1(3): a material classified to fewer digits than the level shifts only if it already differs there.
        ("9018", "90189010", "item", False),
        ("9019", "90189010", "item", True),
        ("90", "901890", "heading", False),
    ],
)
def test_passes_by_level(material: str, good: str, level: str, expected: bool) -> None:
    """s.1(3): chapter = 2 digits, heading = 4, subheading = 6, tariff item = 8 (Schedule 1 GIN (d))."""
    assert passes(material, good, TariffShift(level)) is expected


def test_passes_with_exceptions_groups_and_also_from() -> None:
    """Exceptions fail a material even across the level; "also from" passes it even inside; a group replaces
    the good's own code; a code too short to tell is taken as failing (its full code decides)."""
    ex = TariffShift("heading", except_from=("848210-848280",))
    assert not passes("848250", "870850", ex) and passes("848290", "870850", ex)
    assert not passes("8482", "870850", ex)  # may be under the exception
    also = TariffShift("heading", also_from=("870850",))
    assert passes("870850", "870899", also) and not passes("870840", "870899", also)
    both = TariffShift("heading", except_from=("8708",), also_from=("870850",))
    assert passes("870850", "870899", both) and not passes("870840", "870899", both)
    group = TariffShift("heading", group="5208-5212")
    assert not passes("5209", "5208", group) and passes("5205", "5208", group) and passes("5213", "5208", group)
    assert not passes("52", "5208", group)
    assert passes("5208", "6109", TariffShift("chapter", group="5208-5212")) is False


def test_chapters_textiles_and_apparel() -> None:
    """s.1(3): the Chapter is the first two digits, whatever follows them (a national placeholder, or a code
    not yet checked); no two leading digits, no Chapter (0)."""
    assert (chapter("9018"), chapter("0101"), chapter("ab12")) == (90, 1, 0)
    assert (chapter("61aa"), chapter("6x"), chapter("")) == (61, 0, 0)
    assert [is_textile(c) for c in ("4911", "5001", "5607", "6310", "6401", "961900", "9618")] == [
        False,
        True,
        True,
        True,
        False,
        True,
        False,
    ]
    assert [is_apparel(c) for c in ("6006", "6101", "6217", "6310", "6401")] == [False, True, True, True, False]


@pytest.mark.parametrize(
    ("material", "good", "paragraph"),
    [
        ("5205", "6109", "s.5(3)(l)"),  # any good of Chapters 50-63
        ("5205", "5001", "s.5(3)(l)"),
        ("5205", "6310", "s.5(3)(l)"),
        ("5205", "4911", None),
        ("5205", "6401", None),
        ("0402", "0406", "s.5(3)(a)"),
        ("190190", "190110", "s.5(3)(b)"),
        ("0805", "200911", "s.5(3)(c)"),
        ("0901", "210111", "s.5(3)(d)"),
        ("1507", "1512", "s.5(3)(e)"),
        ("1701", "1702", "s.5(3)(f)"),
        ("1704", "180610", "s.5(3)(g)"),
        ("080830", "2008", "s.5(3)(h)"),
        ("200971", "200990", "s.5(3)(i)"),
        ("2204", "2208", "s.5(3)(j)"),
        ("030211", "030211", "s.5(3)(k)"),  # Chapters 1-27: a material of the good's own subheading
        ("010121", "010121", "s.5(3)(k)"),
        ("03021110", "03021190", "s.5(3)(k)"),  # the subheading (6 digits) decides, not the tariff item
        ("271019", "271019", "s.5(3)(k)"),
        ("281122", "281122", None),  # Chapter 28: no exception
        ("030212", "030211", None),
        ("853650", "901890", None),
    ],
)
def test_de_minimis_exceptions(material: str, good: str, paragraph: str | None) -> None:
    """s.5(3)(a)-(l): materials that never benefit from de minimis in the listed goods."""
    assert de_minimis_excluded(material, good) == paragraph
