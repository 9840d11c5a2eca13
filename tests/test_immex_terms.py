"""Deadlines of temporary imports, known answers worked out by hand from the rules.

Terms: LA art. 108 (inputs 18 months, containers 2 years, fixed assets the programme's life); virtual
transfers 6 months from the transfer (Decreto IMMEX art. 4, last paragraph). Month counting: CFF art. 12 (same
day of the later month; a day the month lacks -> first business day of the next month; a non-business last
day -> the next business day). Rest days: CFF art. 12 (1 Jan, 1st Monday Feb, 3rd Monday Mar, 1 and 5 May,
16 Sep, 3rd Monday Nov, 25 Dec, the change of the executive every six years). Weekdays below are calendar facts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allyshore.errors import InputError
from allyshore.immex.terms import (
    MEXICO,
    BusinessCalendar,
    add_months,
    add_months_cff,
    deadline,
    load_calendar,
    official_rest_days,
)


def test_31_august_plus_18_months_is_the_first_business_day_of_march() -> None:
    # 31 Aug 2024 + 18 months -> "31 Feb 2026", which does not exist: CFF art. 12 -> first business day of
    # March 2026. 1 Mar 2026 is a Sunday -> Monday 2 Mar 2026.
    assert deadline(date(2024, 8, 31), "input", "IN") == date(2026, 3, 2)
    # plain calendar arithmetic (not the law) would say 28 Feb 2026
    assert add_months(date(2024, 8, 31), 18) == date(2026, 2, 28)


def test_29_august_into_a_leap_february_keeps_the_day() -> None:
    # 29 Aug 2026 + 18 months -> 29 Feb 2028 exists (2028 is a leap year) and is a Tuesday
    assert deadline(date(2026, 8, 29), "input", "IN") == date(2028, 2, 29)
    # 29 Aug 2024 + 18 -> Feb 2026 has 28 days -> first business day of March: 1 Mar Sunday -> 2 Mar
    assert deadline(date(2024, 8, 29), "packaging", "IN") == date(2026, 3, 2)


def test_a_deadline_on_a_saturday_moves_to_monday() -> None:
    # 16 Nov 2024 + 18 months = 16 May 2026, a Saturday -> Monday 18 May 2026
    assert deadline(date(2024, 11, 16), "input", "IN") == date(2026, 5, 18)


def test_a_deadline_on_an_official_rest_day_moves_to_the_next_business_day() -> None:
    # 5 Nov 2024 + 18 = 5 May 2026 (Tuesday), a rest day for tax terms (CFF art. 12) -> Wednesday 6 May
    assert deadline(date(2024, 11, 5), "input", "IN") == date(2026, 5, 6)
    # 16 Mar 2025 + 18 = 16 Sep 2026 (Wednesday, Independence Day) -> Thursday 17 Sep
    assert deadline(date(2025, 3, 16), "input", "IN") == date(2026, 9, 17)
    # 16 Sep 2024 + 18 = 16 Mar 2026, the third Monday of March -> Tuesday 17 Mar
    assert deadline(date(2024, 9, 16), "input", "IN") == date(2026, 3, 17)


def test_holidays_from_a_toml_file(tmp_path: Path) -> None:
    # 17 Jan 2025 + 18 = 17 Jul 2026, a Friday: a business day by default
    assert deadline(date(2025, 1, 17), "input", "IN") == date(2026, 7, 17)
    path = tmp_path / "holidays.toml"
    path.write_text("holidays = [2026-07-17]\n", encoding="utf-8")
    # declared a holiday -> Sat 18, Sun 19 -> Monday 20 Jul 2026
    assert deadline(date(2025, 1, 17), "input", "IN", calendar=load_calendar(path)) == date(2026, 7, 20)
    path.write_text('official = false\nweekend = ["sun"]\n', encoding="utf-8")
    # 16 Nov 2024 + 18 = Saturday 16 May 2026, a business day when only Sunday is weekend
    assert deadline(date(2024, 11, 16), "input", "IN", calendar=load_calendar(path)) == date(2026, 5, 16)


def test_a_bad_holidays_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "h.toml"
    path.write_text('holidays = ["not a date"]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"holidays\[0\]"):
        load_calendar(path)
    path.write_text("holiday = []\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown key"):
        load_calendar(path)


def test_container_two_years() -> None:
    # 14 Mar 2024 + 24 months = 14 Mar 2026, a Saturday -> Monday 16 Mar 2026 is the third Monday of March
    # (a rest day) -> Tuesday 17 Mar 2026
    assert deadline(date(2024, 3, 14), "container", "IN") == date(2026, 3, 17)
    # 10 Jun 2024 + 24 = 10 Jun 2026, a Wednesday
    assert deadline(date(2024, 6, 10), "container", "IN") == date(2026, 6, 10)


def test_fixed_asset_lasts_the_programme() -> None:
    valid_to = date(2029, 12, 31)
    assert deadline(date(2024, 6, 10), "fixed_asset", "AF", program_valid_to=valid_to) == valid_to
    assert deadline(date(2024, 6, 10), "input", "AF", program_valid_to=valid_to) == valid_to  # the key says so
    assert deadline(date(2024, 6, 10), "fixed_asset", "AF") is None  # unknown, not invented


def test_virtual_transfer_six_months_from_the_transfer() -> None:
    # received 31 Mar 2026 by V1: + 6 months -> "31 Sep" does not exist -> 1 Oct 2026, a Thursday (no change
    # of the executive in 2026: those are 2024, 2030)
    assert deadline(date(2026, 3, 31), "input", "V1") == date(2026, 10, 1)
    # from a national supplier without a programme: 18 months; 10 Jun 2024 + 18 = 10 Dec 2025, a Wednesday
    assert deadline(date(2024, 6, 10), "input", "V1", national_supplier=True) == date(2025, 12, 10)


def test_official_rest_days_of_2024_include_the_change_of_the_executive() -> None:
    days = official_rest_days(2024)
    assert date(2024, 10, 1) in days  # the new term began 1 Oct 2024
    assert date(2024, 2, 5) in days  # first Monday of February 2024
    assert date(2024, 3, 18) in days  # third Monday of March 2024
    assert date(2024, 11, 18) in days  # third Monday of November 2024
    assert date(2026, 10, 1) not in official_rest_days(2026)


def test_unknown_class_is_an_error() -> None:
    with pytest.raises(InputError, match="material class"):
        deadline(date(2024, 1, 1), "gadget", "IN")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(min_value=1, max_value=36))
def test_a_deadline_is_a_business_day_within_days_of_the_plain_month(start: date, months: int) -> None:
    end = add_months_cff(start, months)
    assert MEXICO.is_business_day(end)
    plain = add_months(start, months)
    assert 0 <= (end - plain).days <= 8  # at most: end of a short month + weekend + holidays


def test_business_calendar_business_override() -> None:
    calendar = BusinessCalendar(business=frozenset({date(2026, 5, 16)}))
    assert calendar.next_business_day(date(2026, 5, 16)) == date(2026, 5, 16)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["input", "container"]),
)
def test_a_later_start_never_gives_an_earlier_deadline(start: date, later_by: int, material_class: str) -> None:
    from datetime import timedelta

    later = start + timedelta(days=later_by)
    first, second = deadline(start, material_class, "IN"), deadline(later, material_class, "IN")
    assert first is not None and second is not None and first <= second
