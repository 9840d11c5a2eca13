"""Country trust tiers and scores (allyshore.trust), per the domain brief on country trust, section 3.6."""

from __future__ import annotations

from allyshore.trust import TIER_COLORS, TIERS, assess_countries


def test_tiers_and_colours() -> None:
    assert TIERS == ("domestic", "usmca", "ally", "aligned", "non_aligned", "adversary")
    assert set(TIER_COLORS) == set(TIERS)


def test_default_policy_smoke() -> None:
    table = assess_countries()
    assert table.tier_of("US") == "domestic"
    assert table.tier_of("MX") == "usmca"
    assert table.tier_of("CN") == "adversary"
