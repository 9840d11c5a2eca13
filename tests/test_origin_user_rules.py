"""A rule supplied by the user is the user's: reported as "source": "user", "verified": false, with a caution.

Only the product-specific rules of the rules library carry a source and a verified mark (SOR/2020-155
s.13 for Chapter 87, HTSUS General Note 11 for the rest); a rule written into a case, a material or a
network's ``origin_rule`` column has been checked by nobody, whatever it says about itself.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from allyshore.model.network import Network
from allyshore.origin import determine_origin, lookup_rule
from allyshore.origin.from_network import determine_network
from allyshore.store import open_store

HEADING: dict[str, Any] = {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]}


def _case(**extra: Any) -> dict[str, Any]:
    return {
        "good": {"description": "Instrument", "hs": "9018.90"},
        "transaction_value": 100,
        "materials": [{"id": "switch", "hs": "8536.50", "value": 40}],
        **extra,
    }


def test_a_case_rule_is_the_users_whatever_it_claims() -> None:
    claimed = {**HEADING, "source": "HTSUS General Note 11, 9018.90", "verified": True}
    result = determine_origin(_case(rule=claimed))
    assert result.originating and result.criterion == "B"
    assert result.rule_source == "user" and result.rule_verified is False
    rule = result.to_dict()["rule"]
    assert rule["source"] == "user" and rule["verified"] is False
    assert rule["citation"] == "HTSUS General Note 11, 9018.90"  # what the user cites is kept, as a citation
    assert any(s.startswith("Caution: the rule for HS 9018.90 was supplied by the user") for s in result.explanation)
    assert result.cautions and "unverified" in result.cautions[0]


def test_a_library_rule_keeps_its_source_and_mark() -> None:
    """SOR/2020-155 s.13, 8703.21-8703.90 (1): a verified rule of the library, copied from the regulation."""
    result = determine_origin(
        {
            "good": {"hs": "8703.23"},
            "as_of": "2024-01-01",
            "materials": [{"id": "e", "hs": "8407.34", "value": 10}],
            "other_costs": 90,
        }
    )
    library = lookup_rule("8703.23", as_of=date(2024, 1, 1))
    assert result.rule_source == library.source and library.source.startswith("SOR/2020-155 s.13")
    assert result.rule_verified is True and library.verified
    assert result.cautions == ()


def test_a_self_produced_materials_user_rule_is_cautioned_in_the_good() -> None:
    """SOR s.3(8): the producer may test a self-produced material; when its origin came from a user's rule,
    the good's determination says so."""
    case = _case(
        rule={"alternatives": [{"tariff_shift": {"level": "chapter"}, "rvc": None}]},
        materials=[
            {
                "id": "board",
                "hs": "8537.10",
                "self_produced": True,
                "rule": HEADING,
                "materials": [{"id": "pcb", "hs": "8534.00", "value": 30}],
                "other_costs": 10,
            }
        ],
    )
    result = determine_origin(case)
    assert result.originating
    assert any(c.startswith("Self-produced material board: Caution") for c in result.cautions)


def test_a_network_origin_rule_is_the_users() -> None:
    net = Network.from_dict(
        {
            "sites": [
                {"site_id": "P", "country": "MX", "kind": "plant"},
                {"site_id": "S", "country": "CN", "kind": "supplier"},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [
                {"item_id": "G", "hs_code": "9018.90", "origin_rule": json.dumps({**HEADING, "verified": True})},
                {"item_id": "K", "hs_code": "8536.50"},
            ],
            "bom": [{"parent_id": "G", "child_id": "K", "quantity": 1}],
            "supply": [
                {"site_id": "P", "item_id": "G", "unit_price": 100, "other_costs_per_unit": 20},
                {"site_id": "S", "item_id": "K", "unit_price": 30},
            ],
            "flows": [
                {"from_site": "S", "to_site": "P", "item_id": "K"},
                {"from_site": "P", "to_site": "C", "item_id": "G"},
            ],
            "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}],
        }
    )
    good = determine_network(net).goods[0]
    assert good.result is not None
    determination = good.to_dict()["determination"]
    assert determination["rule"]["source"] == "user" and determination["rule"]["verified"] is False
    assert determination["cautions"]
    with open_store("sqlite://") as store:
        record = store.save_origin_result({"good": {"hs": "9018.90"}}, good.result)
        assert record.rule_version == "rule supplied by the user [unverified]"


def _one_good(hs: str, customer: str = "US", plant: str = "MX", **item: Any) -> Network:
    """A plant making G (from a Chinese part K) for one customer, through a warehouse in the customer's country."""
    return Network.from_dict(
        {
            "sites": [
                {"site_id": "P", "country": plant, "kind": "plant"},
                {"site_id": "S", "country": "CN", "kind": "supplier"},
                {"site_id": "W", "country": customer, "kind": "warehouse"},
                {"site_id": "C", "country": customer, "kind": "customer"},
            ],
            "items": [{"item_id": "G", "hs_code": hs, **item}, {"item_id": "K", "hs_code": "8708.99"}],
            "bom": [{"parent_id": "G", "child_id": "K", "quantity": 1}],
            "supply": [
                {"site_id": "P", "item_id": "G", "unit_price": 100, "other_costs_per_unit": 55},
                {"site_id": "S", "item_id": "K", "unit_price": 45},
                {"site_id": "W", "item_id": "G"},
            ],
            "flows": [
                {"from_site": "S", "to_site": "P", "item_id": "K"},
                {"from_site": "P", "to_site": "W", "item_id": "G"},
                {"from_site": "W", "to_site": "C", "item_id": "G"},
            ],
            "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}],
        }
    )


def test_a_network_good_is_imported_into_its_customers_country() -> None:
    """SOR s.3(7): power supplies of HTSUS 8504.40.60 made in Mexico for a US customer are on the US list
    (General Note 11(p); CBP HQ H312426), a bare 8504.40 is not decided, and sold in Mexico neither is imported."""
    # a rule the good fails (RVC 90% by TV), so that criterion E decides (the network needs a rule to decide)
    rule = {"origin_rule": json.dumps({"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 90}}]})}
    good = determine_network(_one_good("8504.40.60", **rule)).goods[0]
    assert good.case is not None and good.case.importing_country == "US" and good.case.imported_from == "MX"
    assert good.criterion == "E"
    bare = determine_network(_one_good("8504.40", **rule)).goods[0]
    assert bare.result is not None and bare.result.details["schedule_2"]["status"] == "undetermined"
    home = determine_network(_one_good("8504.40.60", customer="MX", **rule)).goods[0]
    assert home.case is not None and home.case.imported_from is None and home.criterion != "E"


def test_a_network_names_the_good_in_origin_scope() -> None:
    """SOR s.13, 8708.80(3)(a): a McPherson strut from a part of 8708.99 with RVC (100 - 45) / 100 = 55% >= 50%;
    without the name it is 'any other good' of 8708.80 ((3)(b): a change from any other heading), which fails."""
    named = determine_network(_one_good("8708.80", origin_scope="McPherson struts")).goods[0]
    assert named.status == "originating", named.result and named.result.explanation
    assert named.result is not None and named.result.rule_scope == "other vehicles and aftermarket; McPherson struts"
    unnamed = determine_network(_one_good("8708.80")).goods[0]
    assert unnamed.status == "not_originating"
