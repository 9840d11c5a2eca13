"""Automotive goods (SOR/2020-155 Part 6): dated part thresholds, core parts, steel and aluminum, LVC.

* s.14(13), (15), (17): RVC thresholds of core (Tables A.1/A.2), principal (Table B) and
  complementary (Table C) parts for use as original equipment in passenger vehicles and
  light trucks, by period beginning 1 July; not for aftermarket parts (s.14(18)).
* s.15(2)-(4): heavy-truck parts of Tables D and E, and heavy-truck engines, gearboxes, chassis.
* s.14(4), (7)-(10): a passenger vehicle or light truck originates only if its Table A.2 column 1
  parts originate (each part, or all as a super-core).
* s.17(1): at least 70% by value of the producer's regional purchases of Table S steel and
  aluminum must be originating.
* s.18: labour value content, with the high-wage technology (max 10 points) and assembly (5 points) credits.

>>> core_threshold(date(2023, 7, 1))
(Fraction(75, 1), Fraction(85, 1))
>>> lvc_requirement("passenger_vehicle", date(2021, 7, 1))
(Fraction(33, 1), Fraction(18, 1))
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from fractions import Fraction
from functools import lru_cache
from importlib import resources

from allyshore.origin.case import Alternative, AutomotiveIn, Case, CorePartIn, Rule, RvcRequirement, _num
from allyshore.origin.results import fmt
from allyshore.origin.rvc import pct

SOR = "SOR/2020-155"
F = Fraction
STEPS = (date(2020, 7, 1), date(2021, 7, 1), date(2022, 7, 1), date(2023, 7, 1))
HEAVY_STEPS = (date(2020, 7, 1), date(2024, 7, 1), date(2027, 7, 1))

# (net cost, transaction value) per period, with the section that sets them.
PART_THRESHOLDS: dict[str, tuple[str, tuple[date, ...], tuple[tuple[Fraction, Fraction], ...]]] = {
    "core_part": ("s.14(13)", STEPS, ((F(66), F(76)), (F(69), F(79)), (F(72), F(82)), (F(75), F(85)))),
    "principal_part": (
        "s.14(15)",
        STEPS,
        ((F(125, 2), F(145, 2)), (F(65), F(75)), (F(135, 2), F(155, 2)), (F(70), F(80))),
    ),
    "complementary_part": ("s.14(17)", STEPS, ((F(62), F(72)), (F(63), F(73)), (F(64), F(74)), (F(65), F(75)))),
    "heavy_truck_part_d": ("s.15(2)", HEAVY_STEPS, ((F(60), F(70)), (F(64), F(74)), (F(70), F(80)))),
    "heavy_truck_powertrain": ("s.15(2), (4)", HEAVY_STEPS, ((F(60), F(70)), (F(64), F(74)), (F(70), F(80)))),
    "heavy_truck_part_e": ("s.15(3)", HEAVY_STEPS, ((F(50), F(60)), (F(54), F(64)), (F(60), F(70)))),
}

# s.18(1): (LVC, minimum high-wage material and labour points) per period; s.18(2) for trucks.
LVC_PASSENGER = ((F(30), F(15)), (F(33), F(18)), (F(36), F(21)), (F(40), F(25)))
LVC_TRUCK = (F(45), F(30))
STEEL_ALUMINUM_SHARE = F(70, 100)  # s.17(1)
VEHICLES = ("passenger_vehicle", "light_truck", "heavy_truck")


def _period(steps: tuple[date, ...], as_of: date) -> int | None:
    index = None
    for i, start in enumerate(steps):
        if as_of >= start:
            index = i
    return index


def part_threshold(kind: str, as_of: date) -> tuple[Fraction, Fraction, str] | None:
    """(net cost %, transaction value %, section) for a part category on a date; None before 1 July 2020."""
    section, steps, values = PART_THRESHOLDS[kind]
    i = _period(steps, as_of)
    return None if i is None else (*values[i], section)


def core_threshold(as_of: date) -> tuple[Fraction, Fraction]:
    found = part_threshold("core_part", as_of)
    if found is None:
        raise ValueError("the USMCA thresholds begin on 1 July 2020")
    return found[0], found[1]


def lvc_requirement(kind: str, as_of: date) -> tuple[Fraction, Fraction] | None:
    """(LVC %, minimum high-wage material and labour points) under s.18(1)-(2)."""
    if kind == "passenger_vehicle":
        i = _period(STEPS, as_of)
        return None if i is None else LVC_PASSENGER[i]
    if kind in ("light_truck", "heavy_truck"):
        return LVC_TRUCK if as_of >= STEPS[0] else None
    return None


@lru_cache(maxsize=1)
def _tables() -> dict[str, tuple[str, ...]]:
    data = json.loads(resources.files("allyshore.origin.rules").joinpath("automotive_tables.json").read_text("utf-8"))
    return {name: tuple(c["hs"].replace(".", "") for c in codes) for name, codes in data["tables"].items()}


def part_category(hs: str, vehicle: str | None) -> tuple[str, str] | None:
    """The Part 6 category of a part by its HS code (Tables A.1, B, C for passenger vehicles and light trucks;
    D and E for heavy trucks), with the table's name. ``ex`` entries are matched on their subheading.

    >>> part_category("8413.30", "passenger_vehicle")
    ('principal_part', 'Table B')
    """
    code = "".join(ch for ch in hs if ch.isdigit())
    tables = _tables()
    order = (
        (("D", "heavy_truck_part_d"), ("E", "heavy_truck_part_e"))
        if vehicle == "heavy_truck"
        else (("A.1", "core_part"), ("B", "principal_part"), ("C", "complementary_part"))
    )
    for table, kind in order:
        if any(
            code.startswith(c[: len(code)]) if len(code) < len(c) else code.startswith(c) for c in tables.get(table, ())
        ):
            return kind, f"Table {table}"
    return None


def rule_scopes(auto: AutomotiveIn | None) -> tuple[str, ...] | None:
    """Which scope of the s.13 rules applies, from the automotive block (None: the default preference)."""
    if auto is None:
        return None
    oe_light = "original equipment, passenger vehicle or light truck"
    oe_heavy = "original equipment, heavy truck"
    after = ("other vehicles and aftermarket", "other goods", "")
    if auto.kind == "passenger_vehicle":
        return ("passenger vehicle", oe_light, "")
    if auto.kind == "light_truck":
        return ("light truck", oe_light, "")
    if auto.kind == "heavy_truck":
        return (oe_heavy, "")
    if auto.kind == "other_vehicle" or not auto.original_equipment:
        return after
    if auto.kind.startswith("heavy_truck") or auto.vehicle == "heavy_truck":
        return (oe_heavy, "", *after)
    return (oe_light, "", *after)


def adjust_rule(rule: Rule, auto: AutomotiveIn, expl: list[str], hs: str = "") -> Rule:
    """Replace the rule's RVC thresholds by the Part 6 thresholds for parts used as original equipment."""
    kind: str = auto.kind
    if kind == "part":
        found_kind = part_category(hs, auto.vehicle)
        if found_kind is None:
            expl.append(
                f"HS {hs} is not listed in Tables A.1 to E of Part 6, so no part threshold applies ({SOR} s.14-15)."
            )
            return rule
        kind = found_kind[0]
        expl.append(f"HS {hs} is listed in {found_kind[1]} of Part 6 ({SOR} s.14-15).")
    if kind not in PART_THRESHOLDS:
        return rule
    if not auto.original_equipment:
        where = "the note to Tables D and E" if kind.startswith("heavy_truck") else "s.14(18)"
        expl.append(f"The part is an aftermarket part, so the Part 6 part thresholds do not apply ({SOR} {where}).")
        return rule
    found = part_threshold(kind, auto.as_of)
    if found is None:
        return rule
    nc, tv, section = found
    heavy = kind.startswith("heavy_truck")
    # s.15(2)-(3): the TV threshold only "if the corresponding rule includes a transaction value method".
    rule_has_tv = any(a.rvc is not None and a.rvc.transaction_value is not None for a in rule.alternatives)
    alternatives = []
    for alt in rule.alternatives:
        if alt.rvc is None:
            if kind in ("core_part", "heavy_truck_powertrain"):
                continue  # s.14(2), s.15(4): originating only by meeting the RVC requirement
            if heavy:  # Table D/E note and s.15(2)-(3): an original-equipment part meets the RVC (CBP HQ H313365)
                alternatives.append(
                    Alternative(
                        alt.tariff_shift, RvcRequirement(tv if rule_has_tv else None, nc), alt.other_requirements
                    )
                )
                continue
            alternatives.append(alt)
            continue
        alternatives.append(
            Alternative(
                alt.tariff_shift,
                RvcRequirement(tv if alt.rvc.transaction_value is not None else None, nc),
                alt.other_requirements,
            )
        )
    if not alternatives:
        alternatives.append(Alternative(None, RvcRequirement(tv, nc)))
    tv_text = f" or {pct(tv)}% under the transaction value method where the rule offers it" if tv else ""
    expl.append(
        f"As a {kind.replace('_', ' ')} on {auto.as_of.isoformat()}, the RVC thresholds are {pct(nc)}% under the net "
        f"cost method{tv_text} ({SOR} {section})."
    )
    return replace(rule, alternatives=tuple(alternatives))


def vehicle_requirements(
    case: Case, auto: AutomotiveIn, net_cost: Fraction | None, expl: list[str], attest: list[str] | None = None
) -> list[tuple[str, bool]]:
    """The vehicle requirements beyond the product-specific rule: core parts, steel and aluminum, LVC.

    A requirement whose data the case does not give is not failed: it is listed in ``attest`` as a
    certification the producer must hold (s.14(4), s.17(1), s.18(1)-(2)), and the explanation says so.
    """
    if auto.kind not in VEHICLES:
        return []
    checks: list[tuple[str, bool]] = []
    pending = attest if attest is not None else []
    if auto.kind in ("passenger_vehicle", "light_truck"):
        if auto.core_parts is None:
            _core_parts(auto, expl)
            pending.append("core parts of Table A.2 column 1 are originating (SOR/2020-155 s.14(4))")
        else:
            checks.append(("core_parts", _core_parts(auto, expl)))
    if auto.steel_aluminum is None:
        _steel_aluminum(auto, expl)
        pending.append("at least 70% of Table S steel and aluminum purchases are originating (SOR/2020-155 s.17(1))")
    else:
        checks.append(("steel_aluminum", _steel_aluminum(auto, expl)))
    if auto.lvc is None and lvc_requirement(auto.kind, auto.as_of) is not None:
        _lvc(auto, net_cost, expl)
        pending.append("the labour value content requirement is met (SOR/2020-155 s.18)")
    else:
        checks.append(("lvc", _lvc(auto, net_cost, expl)))
    return checks


def _core_parts(auto: AutomotiveIn, expl: list[str]) -> bool:
    parts = auto.core_parts
    if parts is None:
        expl.append(
            f"The case lists no Table A.2 core parts; a passenger vehicle or light truck is originating only if its "
            f"core parts are ({SOR} s.14(4)). Not assessed: give 'automotive.core_parts'; until then the producer "
            f"must attest to it."
        )
        return False
    nc_t, tv_t = core_threshold(auto.as_of)

    def vnm(p: CorePartIn) -> Fraction:
        v = _num(p.vnm)
        col2 = p.vnm_column2
        return min(v, _num(col2)) if col2 is not None else v  # s.14(7): at the producer's choice

    if auto.super_core:
        nc = sum((_num(p.net_cost) for p in parts), Fraction(0))
        value = (nc - sum((vnm(p) for p in parts), Fraction(0))) / nc * 100
        ok = value >= nc_t
        expl.append(
            f"Super-core ({SOR} s.14(10)): RVC of the Table A.2 parts taken together is {fmt(value)}%, "
            f"threshold {pct(nc_t)}% ({SOR} s.14(13)): {'met' if ok else 'not met'}."
        )
        return ok
    ok_all = True
    for p in parts:
        threshold = tv_t if p.method == "transaction_value" else nc_t
        value = (_num(p.net_cost) - vnm(p)) / _num(p.net_cost) * 100
        ok = value >= threshold
        ok_all &= ok
        expl.append(
            f"Core part {p.id} ({SOR} s.14(4), (7)): RVC {fmt(value)}%, threshold {pct(threshold)}% "
            f"({SOR} s.14(13)): {'met' if ok else 'not met'}."
        )
    return ok_all


def _steel_aluminum(auto: AutomotiveIn, expl: list[str]) -> bool:
    sa = auto.steel_aluminum
    if sa is None:
        expl.append(
            f"The case gives no steel and aluminum purchases; the vehicle is originating only if at least 70% of the "
            f"producer's regional purchases of Table S steel and aluminum are originating ({SOR} s.17(1)). Not assessed: "
            f"give 'automotive.steel_aluminum'; until then the producer must attest to it."
        )
        return False
    total = _num(sa.steel_total) + _num(sa.aluminum_total)
    orig = _num(sa.steel_originating) + _num(sa.aluminum_originating)
    if total == 0:
        expl.append(f"The case gives zero steel and aluminum purchases ({SOR} s.17(1)).")
        return False
    share = orig / total
    ok = share >= STEEL_ALUMINUM_SHARE
    parts = []
    for name, o, t in (
        ("steel", sa.steel_originating, sa.steel_total),
        ("aluminum", sa.aluminum_originating, sa.aluminum_total),
    ):
        if _num(t) > 0:
            parts.append(f"{name} {fmt(_num(o) / _num(t) * 100)}%")
    expl.append(
        f"Steel and aluminum ({SOR} s.17(1)): {fmt(share * 100)}% of Table S purchases by value are originating "
        f"(separately: {', '.join(parts)}; s.19(4)(c) tests them separately); the requirement is at least 70%: "
        f"{'met' if ok else 'not met'}."
    )
    return ok


def _lvc(auto: AutomotiveIn, net_cost: Fraction | None, expl: list[str]) -> bool:
    req = lvc_requirement(auto.kind, auto.as_of)
    if req is None:
        return True
    need, need_points = req
    lvc = auto.lvc
    if lvc is None:
        expl.append(
            f"The case gives no labour value content; the vehicle needs an LVC of {pct(need)}% with at least "
            f"{pct(need_points)} points of high-wage material and labour ({SOR} s.18). Not assessed: give "
            f"'automotive.lvc'; until then the producer must certify it."
        )
        return False
    hwlc = _num(lvc.high_wage_labour_costs)
    if lvc.material_and_labour_points is not None:
        points = _num(lvc.material_and_labour_points)
        formula = "the high-wage material and labour points given"
    elif lvc.method == "net_cost":
        nc = _num(lvc.net_cost) if lvc.net_cost is not None else net_cost
        if not nc:
            expl.append(f"The LVC by net cost needs the vehicle's net cost ({SOR} s.18(6)(a)).")
            return False
        points = (hwlc + _num(lvc.high_wage_materials) + _num(lvc.high_wage_transport)) / nc * 100
        formula = "(HWLC + HWM) ÷ NC × 100"
    else:
        tapv = lvc.total_annual_purchase_value
        if tapv is None:
            expl.append(f"The LVC by annual purchase value needs TAPV ({SOR} s.18(6)(b)).")
            return False
        labour = hwlc if lvc.include_labour_in_apv else Fraction(0)
        points = (
            (_num(lvc.annual_purchase_value) + _num(lvc.high_wage_transport) + labour) / (_num(tapv) + labour) * 100
        )
        formula = "(APV + HWLC) ÷ (TAPV + HWLC) × 100"
    hwtc = Fraction(0)
    if lvc.production_wages:
        hwtc = min(_num(lvc.technology_wages) / _num(lvc.production_wages) * 100, Fraction(10))  # s.18(10), (1)
    hwac = Fraction(5) if lvc.high_wage_assembly_plant else Fraction(0)  # s.18(12)-(13)
    total = points + hwtc + hwac
    ok = total >= need and points >= need_points
    expl.append(
        f"Labour value content ({SOR} s.18(6)): {formula} = {fmt(points)} points of high-wage material and labour "
        f"(at least {pct(need_points)} needed), plus {fmt(hwtc)} technology credit (at most 10, s.18(10)) and "
        f"{fmt(hwac)} assembly credit (s.18(12)-(13)) = {fmt(total)}%; the requirement is {pct(need)}% "
        f"({SOR} s.18(1)-(2)): {'met' if ok else 'not met'}."
    )
    return ok
