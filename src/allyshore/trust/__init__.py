"""Country trust: tiers by ordered rules over official lists, and a transparent 0-100 score.

>>> from allyshore.trust import TIERS, assess_countries
>>> TIERS
('domestic', 'usmca', 'ally', 'aligned', 'non_aligned', 'adversary')
>>> assess_countries().tier_of("Canada")
'usmca'
"""

from __future__ import annotations

from allyshore.trust.assess import assess_countries, tiers_under
from allyshore.trust.policy import (
    COMPONENTS,
    CountryList,
    PolicySource,
    TrustPolicy,
    default_policy_text,
    load_policy,
    policy_from_dict,
    resolve_policy,
)
from allyshore.trust.reference import CountryTable, country_table
from allyshore.trust.results import (
    RULES,
    TIER_COLORS,
    TIERS,
    TRUSTED_TIERS,
    UNTRUSTED_TIERS,
    Component,
    CountryTrust,
    InputValue,
    ListMatch,
    TrustTable,
)

__all__ = [
    "COMPONENTS",
    "RULES",
    "TIERS",
    "TIER_COLORS",
    "TRUSTED_TIERS",
    "UNTRUSTED_TIERS",
    "Component",
    "CountryList",
    "CountryTable",
    "CountryTrust",
    "InputValue",
    "ListMatch",
    "PolicySource",
    "TrustPolicy",
    "TrustTable",
    "assess_countries",
    "country_table",
    "default_policy_text",
    "load_policy",
    "policy_from_dict",
    "resolve_policy",
    "tiers_under",
]
