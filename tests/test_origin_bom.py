"""Origin across BOM levels: in-house sub-assemblies looked through, or designated as intermediate materials.

Hand-worked golden network (every figure derived below from the Uniform Regulations, SOR/2020-155):

* RVC by transaction value, s.7(2): RVC = (TV - VNM) / TV x 100; by net cost, s.7(3): (NC - VNM) / NC x 100.
* Value of a purchased material, s.8(1)(a): its price plus the international shipment to the plant (freight).
* An in-house (self-produced) sub-assembly that is NOT designated contributes only its own non-originating
  materials to VNM, s.7(5)(a); its costs are the good's costs (NC counts them).
* A designated intermediate material, s.8(6): valued at its total cost, s.8(8)-(9); if it qualifies as
  originating on its own (s.8(7)(a)) its non-originating inputs leave VNM, s.7(4)(b), and its whole value is
  originating; if it does not, its whole value is non-originating.
* Tariff shift: every non-originating material must undergo the good's change, s.3(2) and Schedule 1 General
  Interpretative Note (d); the producer may test a self-produced material itself instead, s.3(8).

The network (plants P and Q in Mexico are the producer's; S is a Chinese supplier; M and U certify origin)::

    V  ventilator 9019.20  at P, TV 600, other costs 100
       rule: change of subheading, and RVC 60% (TV) or 50% (NC)
       <- 1 BLOWER 8414.59 in-house at P, other costs 40; rule: change of heading and RVC 50% (NC)
            <- 1 MOTOR 8501.31 from S (CN): 115 + freight 5
            <- 2 IMPELLER 8414.90 from U (US, certified): 30
       <- 2 VALVE 8481.80 from S (CN): 38 + freight 2
       <- 1 HOUSING 3926.90 from M (MX, certified): 100
    W  control unit 9032.89 at P, TV 250; rule: RVC 60% (TV), no shift
       <- 2 SUB 8537.10 in-house at Q, other costs 10; rule: change of heading
            <- 3 PART 8536.50 from S (CN): 10
            <- 1 FRAME 7616.99 from M (MX, certified): 20
       <- 1 CHIP 8542.31 from S (CN): 50
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from allyshore.cli import main
from allyshore.errors import ValidationError
from allyshore.io.readers import load_network
from allyshore.io.writers import write_network
from allyshore.model.network import Network
from allyshore.origin import determine_origin
from allyshore.origin.from_network import case_document, determine_network

V_RULE = {"alternatives": [{"tariff_shift": {"level": "subheading"}, "rvc": {"transaction_value": 60, "net_cost": 50}}]}
BLOWER_RULE = {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": {"net_cost": 50}}]}
W_RULE = {"alternatives": [{"tariff_shift": None, "rvc": {"transaction_value": 60}}]}
SUB_RULE = {"alternatives": [{"tariff_shift": {"level": "heading"}, "rvc": None}]}


def golden() -> dict[str, Any]:
    return {
        "sites": [
            {"site_id": "P", "country": "MX", "kind": "plant"},
            {"site_id": "Q", "country": "MX", "kind": "plant"},
            {"site_id": "S", "country": "CN", "kind": "supplier"},
            {"site_id": "M", "country": "MX", "kind": "supplier"},
            {"site_id": "U", "country": "US", "kind": "supplier"},
            {"site_id": "C", "country": "US", "kind": "customer"},
        ],
        "items": [
            {"item_id": "V", "name": "Ventilator", "hs_code": "9019.20", "origin_rule": json.dumps(V_RULE)},
            {"item_id": "BLOWER", "hs_code": "8414.59", "origin_rule": json.dumps(BLOWER_RULE)},
            {"item_id": "MOTOR", "hs_code": "8501.31"},
            {"item_id": "IMPELLER", "hs_code": "8414.90"},
            {"item_id": "VALVE", "hs_code": "8481.80"},
            {"item_id": "HOUSING", "hs_code": "3926.90"},
            {"item_id": "W", "name": "Control unit", "hs_code": "9032.89", "origin_rule": json.dumps(W_RULE)},
            {"item_id": "SUB", "hs_code": "8537.10", "origin_rule": json.dumps(SUB_RULE)},
            {"item_id": "PART", "hs_code": "8536.50"},
            {"item_id": "FRAME", "hs_code": "7616.99"},
            {"item_id": "CHIP", "hs_code": "8542.31"},
        ],
        "bom": [
            {"parent_id": "V", "child_id": "BLOWER", "quantity": 1},
            {"parent_id": "V", "child_id": "VALVE", "quantity": 2},
            {"parent_id": "V", "child_id": "HOUSING", "quantity": 1},
            {"parent_id": "BLOWER", "child_id": "MOTOR", "quantity": 1},
            {"parent_id": "BLOWER", "child_id": "IMPELLER", "quantity": 2},
            {"parent_id": "W", "child_id": "SUB", "quantity": 2},
            {"parent_id": "W", "child_id": "CHIP", "quantity": 1},
            {"parent_id": "SUB", "child_id": "PART", "quantity": 3},
            {"parent_id": "SUB", "child_id": "FRAME", "quantity": 1},
        ],
        "supply": [
            {"site_id": "P", "item_id": "V", "unit_price": 600, "other_costs_per_unit": 100},
            {"site_id": "P", "item_id": "BLOWER", "other_costs_per_unit": 40},
            {"site_id": "P", "item_id": "W", "unit_price": 250},
            {"site_id": "Q", "item_id": "SUB", "other_costs_per_unit": 10},
            {"site_id": "S", "item_id": "MOTOR", "unit_price": 115},
            {"site_id": "S", "item_id": "VALVE", "unit_price": 38},
            {"site_id": "S", "item_id": "PART", "unit_price": 10},
            {"site_id": "S", "item_id": "CHIP", "unit_price": 50},
            {"site_id": "U", "item_id": "IMPELLER", "unit_price": 30, "supplier_certifies_origin": "yes"},
            {"site_id": "M", "item_id": "HOUSING", "unit_price": 100, "supplier_certifies_origin": "yes"},
            {"site_id": "M", "item_id": "FRAME", "unit_price": 20, "supplier_certifies_origin": "yes"},
        ],
        "flows": [
            {"from_site": "S", "to_site": "P", "item_id": "MOTOR", "freight_per_unit": 5},
            {"from_site": "S", "to_site": "P", "item_id": "VALVE", "freight_per_unit": 2},
            {"from_site": "U", "to_site": "P", "item_id": "IMPELLER"},
            {"from_site": "M", "to_site": "P", "item_id": "HOUSING"},
            {"from_site": "Q", "to_site": "P", "item_id": "SUB"},
            {"from_site": "S", "to_site": "Q", "item_id": "PART"},
            {"from_site": "M", "to_site": "Q", "item_id": "FRAME"},
            {"from_site": "S", "to_site": "P", "item_id": "CHIP"},
            {"from_site": "P", "to_site": "C", "item_id": "V"},
            {"from_site": "P", "to_site": "C", "item_id": "W"},
        ],
        "demand": [
            {"site_id": "C", "item_id": "V", "units_per_week": 10},
            {"site_id": "C", "item_id": "W", "units_per_week": 20},
        ],
    }


# ----------------------------------------------------------------------------- the arithmetic, by hand

# BLOWER on its own (s.8(7)(a)); a material made and used in-house is not sold, so by net cost (s.7(3)).
MOTOR = F(115) + F(5)  # s.8(1)(a): price + freight = 120, non-originating (CN)
IMPELLERS = 2 * F(30)  # 60, originating (certified, US)
BLOWER_TOTAL = MOTOR + IMPELLERS + F(40)  # s.8(8)-(9), s.1(6): materials + other costs = 220
BLOWER_RVC = (BLOWER_TOTAL - MOTOR) / BLOWER_TOTAL * 100  # (220 - 120) / 220 = 45.45% < 50%: does not qualify
VALVES = 2 * (F(38) + F(2))  # 80, non-originating
HOUSING = F(100)  # originating
V_TV = F(600)
V_NC = BLOWER_TOTAL + VALVES + HOUSING + F(100)  # 500: the blower's costs are the ventilator's costs
# Look-through, s.7(5)(a): only the blower's non-originating motor enters VNM.
V_VNM_LOOK = MOTOR + VALVES  # 200
V_RVC_LOOK = (V_TV - V_VNM_LOOK) / V_TV * 100  # 66.67% >= 60%: originating
# Designated, s.8(6)-(8): the blower fails on its own, so its whole total cost is non-originating (s.8(7)(a)).
V_VNM_DESIGNATED = BLOWER_TOTAL + VALVES  # 300
V_RVC_DESIGNATED_TV = (V_TV - V_VNM_DESIGNATED) / V_TV * 100  # 50% < 60%
V_RVC_DESIGNATED_NC = (V_NC - V_VNM_DESIGNATED) / V_NC * 100  # 40% < 50%

# SUB on its own: PART 8536 -> SUB 8537 is a change of heading (s.3(2)): SUB qualifies (criterion B).
SUB_TOTAL = 3 * F(10) + F(20) + F(10)  # 60 per SUB
PARTS_PER_W = 2 * 3  # quantities multiplied through the levels: 6 PART per W
W_TV = F(250)
CHIP = F(50)
W_VNM_LOOK = PARTS_PER_W * F(10) + CHIP  # 110
W_RVC_LOOK = (W_TV - W_VNM_LOOK) / W_TV * 100  # 56% < 60%: not originating
W_VNM_DESIGNATED = CHIP  # s.7(4)(b): the designated, originating SUB leaves VNM
W_RVC_DESIGNATED = (W_TV - W_VNM_DESIGNATED) / W_TV * 100  # 80%: originating


def test_the_hand_arithmetic_itself() -> None:
    assert BLOWER_RVC < 50 and round(float(BLOWER_RVC), 2) == 45.45
    assert V_RVC_LOOK >= 60 > V_RVC_DESIGNATED_TV and V_RVC_DESIGNATED_NC < 50
    assert W_RVC_LOOK < 60 <= W_RVC_DESIGNATED


def test_look_through_is_the_default_and_qualifies_the_ventilator() -> None:
    result = determine_network(Network.from_dict(golden()))
    v = result.good("V")
    assert v.designation is not None and v.designation.applied == "look_through" and v.designation.items == ()
    assert v.designation.in_house == ("BLOWER",)
    assert "s.7(5)(a)" in v.designation.explanation
    assert v.status == "originating" and v.criterion == "B" and v.method == "transaction_value"
    assert v.rvc == pytest.approx(float(V_RVC_LOOK))
    assert v.result is not None and v.result.rvc is not None and v.result.rvc.vnm == V_VNM_LOOK  # exact
    blower = v.material("BLOWER@P")
    assert blower.self_produced and not blower.designated and not blower.originating
    assert blower.value == pytest.approx(float(BLOWER_TOTAL))
    assert "does not qualify on its own" in blower.basis and "s.7(5)(a)" in blower.basis
    motor = v.material("BLOWER@P/MOTOR@S")
    assert motor.value == pytest.approx(float(MOTOR)) and motor.quantity == 1 and not motor.originating
    # Designating the blower cannot help (it fails on its own): no alternative differs from look-through.
    assert v.alternatives == ()


def test_designation_makes_the_ventilator_fail() -> None:
    """The situation of a real ventilator BOM: designating a sub-assembly that fails on its own makes its
    whole value non-originating (s.8(7)(a)) and sinks the good, which look-through (s.7(5)(a)) qualifies."""
    for how in ("all", "column"):
        document = golden()
        if how == "column":
            document["items"][1]["designated_intermediate"] = "yes"
        v = determine_network(Network.from_dict(document), designate="all" if how == "all" else "given").good("V")
        assert v.designation is not None and v.designation.applied == "designated"
        assert v.designation.items == ("BLOWER",)
        assert v.status == "not_originating" and "rvc" in v.reason
        assert v.result is not None and v.result.rvc is not None
        assert v.result.rvc.vnm == V_VNM_DESIGNATED  # exact: 220 + 80
        # Both methods fail by 10 points; the transaction value method is reported.
        assert v.rvc == pytest.approx(float(V_RVC_DESIGNATED_TV)) and v.margin == pytest.approx(-10.0)
        assert v.material("BLOWER@P").designated and "s.8(7)(a)" in v.material("BLOWER@P").basis
        assert v.deciding_materials[0] == "BLOWER@P"
        (alternative,) = v.alternatives
        assert alternative.applied == "look_through" and alternative.items == ()
        assert alternative.status == "originating" and alternative.rvc == pytest.approx(float(V_RVC_LOOK))


def test_designation_qualifies_the_control_unit() -> None:
    """Look-through counts the six Chinese parts inside the two SUBs; designating the qualifying SUB
    removes them from VNM (s.7(4)(b))."""
    network = Network.from_dict(golden())
    w = determine_network(network).good("W")
    assert w.status == "not_originating" and w.rvc == pytest.approx(float(W_RVC_LOOK))
    part = w.material("SUB@Q/PART@S")
    assert part.quantity == PARTS_PER_W and part.value == pytest.approx(PARTS_PER_W * 10)
    sub = w.material("SUB@Q")
    assert sub.quantity == 2 and sub.value == pytest.approx(2 * float(SUB_TOTAL)) and sub.originating
    assert "qualifies on its own (criterion B)" in sub.basis
    assert set(w.deciding_materials) <= {"SUB@Q/PART@S", "CHIP@S"}
    (alternative,) = w.alternatives
    assert alternative.basis == "designate_qualifying" and alternative.items == ("SUB",)
    assert alternative.status == "originating" and alternative.rvc == pytest.approx(float(W_RVC_DESIGNATED))
    designated = determine_network(network, designate="all").good("W")
    assert designated.status == "originating" and designated.rvc == pytest.approx(float(W_RVC_DESIGNATED))
    assert designated.result is not None and designated.result.rvc is not None
    assert designated.result.rvc.vnm == W_VNM_DESIGNATED


def test_the_advisor_says_when_designation_qualifies_the_good_as_it_is() -> None:
    """No candidate source can lift W, but designating SUB qualifies it (RVC as above): the advice says so."""
    from allyshore.advisor import advise_qualification

    plan = advise_qualification(Network.from_dict(golden()), "W", cost_basis="price")
    assert not plan.qualifies
    assert (
        f"designating SUB as intermediate material(s) qualifies it without re-sourcing (RVC {float(W_RVC_DESIGNATED):.1f}%)"
        in plan.message
    )


def test_auto_picks_per_good_and_none_ignores_the_column() -> None:
    document = golden()
    document["items"][1]["designated_intermediate"] = "yes"  # the user designates the blower
    network = Network.from_dict(document)
    auto = determine_network(network, designate="auto")
    v, w = auto.good("V"), auto.good("W")
    assert v.designation is not None and w.designation is not None
    assert v.designation.mode == "auto" and v.designation.applied == "look_through" and v.originating
    assert w.designation.applied == "designated" and w.designation.items == ("SUB",) and w.originating
    assert "--designate auto" in w.designation.explanation
    assert [a.basis for a in w.alternatives] == ["look_through"] and not w.alternatives[0].originating
    assert any(a.basis == "as_given" and not a.originating for a in v.alternatives)  # the column's choice
    none = determine_network(network, designate="none")
    assert none.good("V").originating and not none.good("W").originating
    given = determine_network(network)
    assert not given.good("V").originating  # the column designates the failing blower
    payload = json.loads(json.dumps(auto.to_dict()))
    assert payload["designate"] == "auto"
    entry = next(g for g in payload["goods"] if g["item_id"] == "W")
    assert entry["designation"]["applied"] == "designated" and entry["designation"]["items"] == ["SUB"]
    assert entry["alternatives"][0]["applied"] == "look_through"
    assert entry["alternatives"][0]["rvc"]["value"] == pytest.approx(float(W_RVC_LOOK))
    # every field the result had before is still there
    assert {"item_id", "status", "criterion", "rvc", "deciding_materials", "materials", "reason"} <= set(entry)


def test_saved_case_keeps_the_bom_levels() -> None:
    for designate in ("none", "all"):
        v = determine_network(Network.from_dict(golden()), designate=designate).good("V")
        assert v.case is not None and v.result is not None
        document = json.loads(json.dumps(case_document(v.case)))
        blower = next(m for m in document["materials"] if m["id"] == "BLOWER@P")
        assert blower["self_produced"] is True and blower["designated_intermediate"] is (designate == "all")
        assert [m["id"] for m in blower["materials"]] == ["BLOWER@P/MOTOR@S", "BLOWER@P/IMPELLER@U"]
        again = determine_origin(document)
        assert again.originating == v.result.originating
        assert again.rvc is not None and v.result.rvc is not None and again.rvc.value == v.result.rvc.value


def test_quantities_multiply_through_two_in_house_levels() -> None:
    """G <- 2 A (in-house at P) <- 3 B (in-house at Q) <- 4 R (CN, 1.00): 24 R per G, VNM 24 of TV 100.
    s.7(2): (100 - 24) / 100 = 76%. Net cost: A's costs 2 x 5, B's 6 x 2 and the 24 of R: NC = 46."""
    document = {
        "sites": [
            {"site_id": "P", "country": "MX", "kind": "plant"},
            {"site_id": "Q", "country": "US", "kind": "plant"},
            {"site_id": "S", "country": "CN", "kind": "supplier"},
            {"site_id": "C", "country": "US", "kind": "customer"},
        ],
        "items": [
            {"item_id": "G", "hs_code": "9018.90", "origin_rule": json.dumps(W_RULE)},
            {"item_id": "A", "hs_code": "9018.90"},
            {"item_id": "B", "hs_code": "8537.10"},
            {"item_id": "R", "hs_code": "8536.50"},
        ],
        "bom": [
            {"parent_id": "G", "child_id": "A", "quantity": 2},
            {"parent_id": "A", "child_id": "B", "quantity": 3},
            {"parent_id": "B", "child_id": "R", "quantity": 4},
        ],
        "supply": [
            {"site_id": "P", "item_id": "G", "unit_price": 100},
            {"site_id": "P", "item_id": "A", "other_costs_per_unit": 5},
            {"site_id": "Q", "item_id": "B", "other_costs_per_unit": 2},
            {"site_id": "S", "item_id": "R", "unit_price": 1},
        ],
        "flows": [
            {"from_site": "Q", "to_site": "P", "item_id": "B"},
            {"from_site": "S", "to_site": "Q", "item_id": "R"},
            {"from_site": "P", "to_site": "C", "item_id": "G"},
        ],
        "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 1}],
    }
    g = determine_network(Network.from_dict(document), designate="none").good("G")
    r = g.material("A@P/B@Q/R@S")
    assert r.quantity == 24 and r.value == pytest.approx(24.0)
    assert g.material("A@P/B@Q").quantity == 6 and g.material("A@P/B@Q").value == pytest.approx(6 * (4 + 2))
    assert g.material("A@P").value == pytest.approx(2 * 5 + 6 * (4 + 2))
    assert g.rvc == pytest.approx(76.0) and g.originating
    assert g.result is not None and g.result.rvc is not None and g.result.rvc.vnm == 24
    document["items"][0]["origin_rule"] = json.dumps(
        {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]}
    )
    g = determine_network(Network.from_dict(document), designate="none").good("G")
    assert g.method == "net_cost" and g.rvc == pytest.approx(100 * (46 - 24) / 46)


def test_the_goods_rule_applies_to_looked_through_materials() -> None:
    """G 8504.40, rule 'a change to 8504.40 from any other heading'; its in-house SUB 8504.90 fails its own
    rule (RVC 50% NC) and shares G's heading, so the s.3(8) option does not help: SUB's non-originating
    material must itself undergo G's change of heading (s.3(2), General Interpretative Note (d)).
    A core of 7226.11 does; a choke of 8504.50 (heading 85.04) does not, and at 40 of TV 100 it is
    more than the 10% de minimis (s.5(1))."""

    def network(material_hs: str) -> Network:
        return Network.from_dict(
            {
                "sites": [
                    {"site_id": "P", "country": "MX", "kind": "plant"},
                    {"site_id": "S", "country": "CN", "kind": "supplier"},
                    {"site_id": "C", "country": "US", "kind": "customer"},
                ],
                "items": [
                    {
                        "item_id": "G",
                        "hs_code": "8504.40",
                        "origin_rule": json.dumps({"alternatives": [{"tariff_shift": {"level": "heading"}}]}),
                    },
                    {
                        "item_id": "SUB",
                        "hs_code": "8504.90",
                        "origin_rule": json.dumps({"alternatives": [{"rvc": {"net_cost": 50}}]}),
                    },
                    {"item_id": "X", "hs_code": material_hs},
                ],
                "bom": [
                    {"parent_id": "G", "child_id": "SUB", "quantity": 1},
                    {"parent_id": "SUB", "child_id": "X", "quantity": 1},
                ],
                "supply": [
                    {"site_id": "P", "item_id": "G", "unit_price": 100},
                    {"site_id": "P", "item_id": "SUB", "other_costs_per_unit": 5},
                    {"site_id": "S", "item_id": "X", "unit_price": 40},
                ],
                "flows": [
                    {"from_site": "S", "to_site": "P", "item_id": "X"},
                    {"from_site": "P", "to_site": "C", "item_id": "G"},
                ],
                "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 1}],
            }
        )

    core = determine_network(network("7226.11")).good("G")
    assert not core.material("SUB@P").originating  # 5 / 45 = 11% RVC: SUB does not qualify on its own
    assert core.originating and core.criterion == "B"
    choke = determine_network(network("8504.50")).good("G")
    assert not choke.originating
    assert choke.result is not None and choke.result.tariff_shift is not None
    assert choke.result.tariff_shift.failing_materials == ("SUB@P/X@S",)
    assert choke.deciding_materials == ("SUB@P/X@S",)


def test_nested_designations_follow_the_proviso() -> None:
    """s.8(6) proviso (s.8(28) Example 5): A (in-house, qualifying by its RVC rule) contains B (in-house, RVC
    rule); designating both is not allowed: B stays designated and A counts as looked through."""
    document = {
        "sites": [
            {"site_id": "P", "country": "MX", "kind": "plant"},
            {"site_id": "S", "country": "CN", "kind": "supplier"},
            {"site_id": "C", "country": "US", "kind": "customer"},
        ],
        "items": [
            {"item_id": "G", "hs_code": "9018.90", "origin_rule": json.dumps(W_RULE)},
            {
                "item_id": "A",
                "hs_code": "9018.90",
                "origin_rule": json.dumps({"alternatives": [{"rvc": {"net_cost": 50}}]}),
            },
            {
                "item_id": "B",
                "hs_code": "8537.10",
                "origin_rule": json.dumps({"alternatives": [{"rvc": {"net_cost": 30}}]}),
            },
            {"item_id": "R", "hs_code": "8536.50"},
            {"item_id": "R2", "hs_code": "8536.69"},
        ],
        "bom": [
            {"parent_id": "G", "child_id": "A", "quantity": 1},
            {"parent_id": "A", "child_id": "B", "quantity": 1},
            {"parent_id": "A", "child_id": "R2", "quantity": 1},
            {"parent_id": "B", "child_id": "R", "quantity": 1},
        ],
        "supply": [
            {"site_id": "P", "item_id": "G", "unit_price": 100},
            {"site_id": "P", "item_id": "A", "other_costs_per_unit": 20},
            {"site_id": "P", "item_id": "B", "other_costs_per_unit": 20},
            {"site_id": "S", "item_id": "R", "unit_price": 10},
            {"site_id": "S", "item_id": "R2", "unit_price": 10},
        ],
        "flows": [
            {"from_site": "S", "to_site": "P", "item_id": "R"},
            {"from_site": "S", "to_site": "P", "item_id": "R2"},
            {"from_site": "P", "to_site": "C", "item_id": "G"},
        ],
        "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 1}],
    }
    g = determine_network(Network.from_dict(document), designate="all").good("G")
    assert g.designation is not None and g.designation.items == ("B",)
    assert "proviso" in g.designation.explanation and "A" in g.designation.explanation
    assert not g.material("A@P").designated and g.material("A@P/B@P").designated


def test_designated_intermediate_column_through_every_format(tmp_path: Path) -> None:
    document = golden()
    document["items"][7]["designated_intermediate"] = "yes"  # SUB
    network = Network.from_dict(document)
    assert network.items["designated_intermediate"].to_list()[7] is True
    for target in ("n.json", "n.xlsx", "ncsv"):
        again = load_network(write_network(network, tmp_path / target))
        assert again.items["designated_intermediate"].to_list()[7] is True, target
        w = determine_network(again).good("W")
        assert w.designation is not None and w.designation.basis == "as_given" and w.designation.items == ("SUB",)
        assert w.originating
    bad = copy.deepcopy(document)
    bad["items"][7]["designated_intermediate"] = "perhaps"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ValidationError) as caught:
        load_network(path)
    (problem,) = [p for p in caught.value.problems if p.column == "designated_intermediate"]
    assert problem.row == 8 and "items" in (problem.source or problem.table)


def test_designation_on_an_item_bought_from_outside_is_ignored_with_a_note() -> None:
    document = golden()
    document["items"][2]["designated_intermediate"] = True  # MOTOR is bought, not self-produced
    result = determine_network(Network.from_dict(document))
    assert any("MOTOR" in a and "ignored" in a for a in result.assumptions)
    assert result.good("V").originating


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(exited.value.code or 0)


def test_cli_designate_modes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(golden()))
    expected = {"given": (True, False), "none": (True, False), "all": (False, True), "auto": (True, True)}
    for mode, (v_ok, w_ok) in expected.items():
        assert run_cli("origin", "network", str(path), "--designate", mode, "--json") == 0
        payload = json.loads(capsys.readouterr().out)
        verdicts = {g["item_id"]: g["originating"] for g in payload["goods"]}
        assert (verdicts["V"], verdicts["W"]) == (v_ok, w_ok), mode
        assert all(g["designation"]["mode"] == mode for g in payload["goods"])
    assert run_cli("origin", "network", str(path), "--designate", "all") == 0
    out = capsys.readouterr().out
    assert "designating BLOWER" in out and "alternatively, look-through (SOR/2020-155 s.7(5)(a))" in out
    assert run_cli("origin", "network", str(path), "--designate", "sometimes") == 2
