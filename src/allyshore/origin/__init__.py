"""USMCA origin: decide whether a good is originating under the Uniform Regulations (SOR/2020-155).

Public API::

    determine_origin(case) -> OriginResult     # case: dict, JSON path, CaseIn or Case
    lookup_rule(hs, as_of=None) -> Rule        # the product-specific rules library
    case_schema(), result_schema()             # JSON Schemas of the case and the result

>>> from allyshore.origin import determine_origin
>>> determine_origin({"good": {"hs": "2501.00"}, "wholly_obtained": True}).criterion
'A'
"""

from __future__ import annotations

from allyshore.origin.case import Case, CaseIn, Material, Rule, parse_case
from allyshore.origin.determine import determine_origin
from allyshore.origin.results import OriginResult
from allyshore.origin.rules import find_rule, lookup_rule
from allyshore.origin.schema import case_schema, result_schema

__all__ = [
    "Case",
    "CaseIn",
    "Material",
    "OriginResult",
    "Rule",
    "case_schema",
    "determine_origin",
    "find_rule",
    "lookup_rule",
    "parse_case",
    "result_schema",
]
