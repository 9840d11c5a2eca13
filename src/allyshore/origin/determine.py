"""Decide whether a good is originating: criteria A, C, B, D, E in that order (SOR/2020-155 s.3).

>>> result = determine_origin({
...     "good": {"description": "Good A", "hs": "9018.90"},
...     "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]},
...     "materials": [
...         {"id": "o", "hs": "3926.90", "value": 30, "originating": True},
...         {"id": "n", "hs": "8536.50", "value": 40}],
...     "other_costs": {"product_costs": 20, "period_costs": 10},
...     "excluded_costs": 12})
>>> result.originating, result.criterion, round(float(result.rvc.value), 1)
(True, 'B', 54.5)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from allyshore.countries import USMCA_PARTIES
from allyshore.errors import Problem, ValidationError
from allyshore.origin import automotive
from allyshore.origin.case import Case, CaseIn, Material, Rule, RvcRequirement, TariffShift, parse_case
from allyshore.origin.hs_codes import dotted
from allyshore.origin.materials import ZERO, MaterialContribution, combine, contribution
from allyshore.origin.results import OriginResult, RvcOutcome, ShiftOutcome, fmt, format_money
from allyshore.origin.rules import RuleChoice, find_rule, select_rule
from allyshore.origin.rvc import averaging_period, pct, rvc_outcomes
from allyshore.origin.schedule2 import COUNTRIES, Schedule2Finding, importing_country, schedule_2_status
from allyshore.origin.sets import decide_set
from allyshore.origin.tariff_shift import (
    LEVEL_NAMES,
    SEVEN_PERCENT,
    TEN_PERCENT,
    Failing,
    de_minimis_excluded,
    is_apparel,
    is_textile,
    passes,
)

SOR = "SOR/2020-155"
PARTIES = USMCA_PARTIES | {"USA", "CAN", "MEX"}  # as a case may name them: alpha-2 or alpha-3
CRITERION_D = RvcRequirement(transaction_value=Fraction(60), net_cost=Fraction(50))  # s.3(4)(a)(ii), (b)(ii)


@dataclass
class _Context:
    """Per-determination memo of self-produced materials' origin (no state survives the call)."""

    origin: dict[int, OriginResult] = field(default_factory=dict)
    notes: dict[str, None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Totals:
    tv: Fraction | None
    total_cost: Fraction
    net_cost: Fraction
    vnm_nc: Fraction
    vnm_tv: Fraction
    plain_vnm: Fraction


def determine_origin(case: Case | CaseIn | dict[str, Any] | str | Path) -> OriginResult:
    """Decide whether one good is originating under USMCA (SOR/2020-155, the Uniform Regulations).

    ``case`` is a case document (dict), a path to a JSON case file, a parsed
    :class:`~allyshore.origin.case.CaseIn` or an engine :class:`~allyshore.origin.case.Case`.

    Raises
    ------
    ValidationError
        When the case is malformed; every problem is located by its JSON path.
    """
    return _determine(parse_case(case), _Context())


def decide_self_produced(material: Material, as_of: date | None = None) -> OriginResult | None:
    """The origin of a self-produced material on its own, exactly as the engine decides it inside a good.

    Its own materials and costs, under its own rule (or the library's for its HS code, on
    ``as_of``), by net cost only: a material made and used by its producer is not sold, so it
    has no transaction value (SOR/2020-155 s.7(2), s.8(7)(a)). None when no rule is known.
    """
    return _self_produced_origin(material, Case(hs=material.hs, as_of=as_of), _Context())


def designation_allowed(material: Material, as_of: date | None = None) -> bool:
    """Whether the designation of ``material`` as an intermediate material survives the s.8(6) proviso:
    not when a self-produced material inside it is designated too and both are subject to an RVC requirement
    (SOR/2020-155 s.8(6), s.8(28) Example 5). The engine then treats it as undesignated (s.7(5)(a))."""
    return _designation_allowed(material, Case(hs=material.hs, as_of=as_of), _Context())


# --------------------------------------------------------------------------- helpers


def _sub_case(material: Material, parent: Case) -> Case:
    return Case(
        path=material.path,
        hs=material.hs,
        description=material.description or material.id,
        materials=material.materials,
        rule=material.rule,
        as_of=parent.as_of,
        costs=material.costs,
    )


def _self_produced_origin(material: Material, parent: Case, ctx: _Context) -> OriginResult | None:
    key = id(material)
    if key not in ctx.origin:
        sub = _sub_case(material, parent)
        if sub.rule is None and find_rule(sub.hs, sub.as_of) is None:
            return None
        ctx.origin[key] = _determine(sub, ctx)
    return ctx.origin[key]


def _is_originating(material: Material, parent: Case, ctx: _Context) -> bool:
    if not material.self_produced or not material.materials:
        return material.originating  # bought, or self-produced without its inputs: as declared
    result = _self_produced_origin(material, parent, ctx)
    return material.originating if result is None else result.originating


def _subject_to_rvc(material: Material, parent: Case, ctx: _Context) -> bool:
    result = _self_produced_origin(material, parent, ctx)
    if result is not None and result.originating:
        return result.rvc is not None and result.criterion in ("B", "D")
    rule = material.rule or find_rule(material.hs, parent.as_of)
    return rule is not None and any(a.rvc is not None for a in rule.alternatives)


def _nested_designations(material: Material) -> list[Material]:
    out: list[Material] = []
    for m in material.materials:
        if m.self_produced:
            if m.designated:
                out.append(m)
            out.extend(_nested_designations(m))
    return out


def _designation_allowed(material: Material, parent: Case, ctx: _Context) -> bool:
    """s.8(6) proviso, read with Example 5 of s.8(28): an RVC-subject intermediate material may not be
    designated when a self-produced material inside it, also subject to RVC, is designated."""
    if not _subject_to_rvc(material, parent, ctx):
        return True
    inner = [m for m in _nested_designations(material) if _subject_to_rvc(m, parent, ctx)]
    if not inner:
        return True
    ctx.notes[
        f"Material {material.id} cannot be designated as an intermediate material because {inner[0].id}, which it "
        f"incorporates and which is also subject to an RVC requirement, is designated ({SOR} s.8(6), s.8(28) "
        f"Example 5); it counts as an undesignated self-produced material ({SOR} s.7(5)(a))."
    ] = None
    return False


def _totals(case: Case, ctx: _Context) -> tuple[_Totals, list[MaterialContribution]]:
    parts = [
        contribution(m, lambda x: _is_originating(x, case, ctx), lambda x: _designation_allowed(x, case, ctx))
        for m in case.materials
    ]
    agg = combine(parts)
    if case.costs.total_cost is not None:
        total = case.costs.total_cost + (agg.total_cost - agg.book_value)
        tc_plain = case.costs.total_cost
    else:
        total = agg.total_cost + case.costs.other
        tc_plain = agg.book_value + case.costs.other
        if case.costs.excluded > case.costs.other:
            ctx.notes[
                f"No total cost is given, so it is taken as the materials plus the other costs "
                f"({format_money(total)}); the excluded costs ({format_money(case.costs.excluded)}) exceed the other "
                f"costs ({format_money(case.costs.other)}), although excluded costs are part of total cost ({SOR} "
                f"s.1(1)): the net cost is probably understated. Give 'total_cost', or other costs that include "
                f"the excluded costs."
            ] = None
    net_cost = total - case.costs.excluded - agg.excluded
    tv = None if case.transaction_value is None else case.transaction_value - case.international_shipping
    return _Totals(tv, tc_plain, net_cost, agg.vnm_net_cost, agg.vnm_transaction_value, agg.plain_vnm), parts


# --------------------------------------------------------------------------- tariff shift


def _failing(
    materials: tuple[Material, ...], shift: TariffShift, good_hs: str, case: Case, ctx: _Context, apparel: bool
) -> list[Failing]:
    out: list[Failing] = []
    for m in materials:
        if m.indirect or m.packaging or m.accessory or (apparel and (not m.in_component or m.textile_note)):
            continue  # s.8(13), s.8(14)(a), s.8(24)(b), s.5(9)
        if m.self_produced:
            if _is_originating(m, case, ctx):
                continue
            if passes(m.hs, good_hs, shift):
                continue  # s.3(8): the self-produced material itself is the material tested
            inner = _failing(m.materials, shift, good_hs, case, ctx, apparel)
            own = Failing(m.id, m.hs, m.value - m.deductions, m.weight, m.elastomeric)
            if not m.materials or sum(f.value for f in inner) >= own.value:
                out.append(own)
            else:
                out.extend(inner)
            continue
        if m.originating:
            continue  # s.3(2): only non-originating materials are tested
        if passes(m.hs, good_hs, shift):
            continue
        s = m.statement
        if s is not None and s.non_originating_hs is not None:  # s.9(1), s.9(7)(a)(ii)
            bad = [(hs, v) for hs, v in s.non_originating_hs if not passes(hs, good_hs, shift)]
            out.extend(Failing(m.id, hs, v, None, m.elastomeric) for hs, v in bad)
            continue
        out.append(Failing(m.id, m.hs, m.value - m.deductions, m.weight, m.elastomeric))
    return out


def _shift_outcome(
    shift: TariffShift, case: Case, totals: _Totals, ctx: _Context, expl: list[str], label: str
) -> tuple[ShiftOutcome, list[Failing]]:
    apparel = is_apparel(case.hs)
    failing = _failing(case.materials, shift, case.hs, case, ctx, apparel)
    ids = tuple(dict.fromkeys(f.id for f in failing))
    what = _shift_text(shift)
    if not failing:
        expl.append(
            f"{label}: every non-originating material undergoes {what} ({SOR} s.3(2); Schedule 1, General Interpretative Note (d))."
        )
        return ShiftOutcome(True, (), False, None), failing
    expl.append(f"{label}: non-originating material(s) {', '.join(ids)} do not undergo {what} ({SOR} s.3(2)).")
    if is_textile(case.hs):
        return _textile_de_minimis(case, failing, ids, expl), failing
    excluded = [(f.id, p) for f in failing if (p := de_minimis_excluded(f.hs, case.hs)) is not None]
    value = sum((f.value for f in failing), ZERO)
    shares = []
    if totals.tv:
        shares.append((value / totals.tv, "the adjusted transaction value"))
    if totals.total_cost:
        shares.append((value / totals.total_cost, "the total cost"))
    if not shares:
        return ShiftOutcome(False, ids, False, None), failing
    share, basis = min(shares, key=lambda s: s[0])
    if excluded:
        mid, paragraph = excluded[0]
        expl.append(f"De minimis does not apply to material {mid} ({SOR} {paragraph}).")
        return ShiftOutcome(False, ids, False, share), failing
    if share <= TEN_PERCENT:
        expl.append(
            f"De minimis: their value {format_money(value)} is {fmt(share * 100)}% of {basis}, not more than 10%, "
            f"so the change in tariff classification is met ({SOR} s.5(1)); they still count in VNM (s.5(1)(b))."
        )
        return ShiftOutcome(True, ids, True, share), failing
    expl.append(
        f"De minimis: their value {format_money(value)} is {fmt(share * 100)}% of {basis}, more than 10% ({SOR} s.5(1))."
    )
    return ShiftOutcome(False, ids, False, share), failing


def _textile_de_minimis(case: Case, failing: list[Failing], ids: tuple[str, ...], expl: list[str]) -> ShiftOutcome:
    apparel = is_apparel(case.hs)
    section = "s.5(7)" if apparel else "s.5(6)"
    t = case.textile
    base = None if t is None else (t.component_weight or t.good_weight) if apparel else t.good_weight
    given = t is not None and t.failing_weight is not None and any(f.weight is None for f in failing)
    if base is None or (any(f.weight is None for f in failing) and not given):
        expl.append(
            f"The value de minimis does not apply to goods of Chapters 50-63 ({SOR} s.5(3)(l)); the weight de minimis "
            f"({section}) needs the weights of the good and of the failing materials, which the case does not give."
        )
        return ShiftOutcome(False, ids, False, None)
    if given and t is not None and t.failing_weight is not None:
        weight, elastomeric = t.failing_weight, t.elastomeric_weight or ZERO
    else:
        weight = sum((f.weight or ZERO for f in failing), ZERO)
        elastomeric = sum((f.weight or ZERO for f in failing if f.elastomeric), ZERO)
    e_base = base
    basis = t.elastomeric_basis if t is not None else None
    if basis is None:
        basis = "good" if case.importing_country == "US" else "component"
    if apparel and basis == "good" and t is not None and t.good_weight is not None:
        e_base = t.good_weight
        expl.append("Elastomeric content is measured against the whole good (19 U.S.C. 4531(f)(4)(C)(ii)).")
    share, e_share = weight / base, elastomeric / e_base
    whose = "the component that determines classification" if apparel else "the good"
    ok = share <= TEN_PERCENT and e_share <= SEVEN_PERCENT
    expl.append(
        f"Textile de minimis by weight ({SOR} {section}): failing non-originating materials weigh {fmt(share * 100)}% "
        f"of {whose} (limit 10%), elastomeric content {fmt(e_share * 100)}% (limit 7%): {'met' if ok else 'not met'}."
    )
    return ShiftOutcome(ok, ids, ok, share)


def _shift_text(shift: TariffShift) -> str:
    if shift.group:
        text = f"a change from outside the group {dotted(shift.group)}"
    else:
        text = f"a change from any other {LEVEL_NAMES[shift.level]}"
    if shift.except_from:
        text += f" except from {', '.join(dotted(c) for c in shift.except_from)}"
    if shift.also_from:
        text += f" (or from {', '.join(dotted(c) for c in shift.also_from)})"
    return text


# --------------------------------------------------------------------------- regional value content


def _rvc_outcomes(req: RvcRequirement, case: Case, totals: _Totals) -> list[RvcOutcome]:
    """The RVC by each method. Above 100% (a base that is not positive, or a negative VNM) the inputs disagree
    and the case is refused, located. Below 0% is a result: VNM worth more than the good (SOR s.7(2)-(3))."""
    outcomes = rvc_outcomes(req, totals.tv, totals.vnm_tv, totals.net_cost, totals.vnm_nc, case.averaging)
    wrong = [_rvc_range_problem(o, case) for o in outcomes if o.base <= 0 or o.vnm < 0 or o.value > 100]
    costs = case.costs
    no_net_cost = totals.net_cost < 0 or (totals.net_cost == 0 and (costs.excluded or costs.other))
    if req.net_cost is not None and case.averaging is None and no_net_cost:  # costs given that leave no NC
        at = f"{case.path}." if case.path else ""
        wrong.append(
            Problem(
                "case",
                f"the net cost (total cost − excluded costs = {format_money(totals.net_cost)}) is not positive "
                f"({SOR} s.7(3), s.7(11); 19 U.S.C. 4531(d)(3))",
                column=f"{at}other_costs" if totals.net_cost + costs.excluded <= 0 else f"{at}excluded_costs",
                hint="check other_costs (a negative 'other' is a gain, s.7(22)) and excluded_costs, per unit",
            )
        )
    if wrong:
        raise ValidationError(wrong, what="origin case")
    return outcomes


def _rvc_range_problem(o: RvcOutcome, case: Case) -> Problem:
    """Why an RVC would exceed 100%, naming the inputs that disagree (SOR/2020-155 s.7(2), (3), (11))."""
    at = f"{case.path}." if case.path else ""
    value = f"the RVC would be {fmt(o.value)}%, above 100%"
    if o.vnm < 0:
        return Problem(
            "case",
            f"the value of non-originating materials is negative ({format_money(o.vnm)}): {value} ({SOR} s.7(2)-(3), s.8)",
            column=f"{at}materials",
            hint="material values and their s.8(2) deductions are amounts of zero or more; a deduction cannot "
            "exceed its material's value",
        )
    if o.method == "transaction_value":
        return Problem(
            "case",
            f"the adjusted transaction value (transaction_value − international_shipping = {format_money(o.base)}) is not "
            f"positive: {value} ({SOR} s.7(2); 19 U.S.C. 4531(d)(2))",
            column=f"{at}international_shipping",
            hint="international_shipping is the part of transaction_value spent on the international shipment; "
            "both per unit, in the same currency",
        )
    column = f"{at}averaging.records" if case.averaging is not None else f"{at}excluded_costs"
    return Problem(
        "case",
        f"the net cost (total cost − excluded costs = {format_money(o.base)}) is not positive: {value} "
        f"({SOR} s.7(3), s.7(11); 19 U.S.C. 4531(d)(3))",
        column=column,
        hint="check total_cost, other_costs and excluded_costs (per unit): excluded costs are part of the total cost",
    )


def _rvc_sentence(o: RvcOutcome) -> str:
    base, vnm = format_money(o.base), format_money(o.vnm)
    if o.method == "transaction_value":
        head = f"RVC by the transaction value method ({SOR} s.7(2)): (TV {base} − VNM {vnm}) ÷ TV {base} × 100"
    else:
        head = f"RVC by the net cost method ({SOR} s.7(3)): (NC {base} − VNM {vnm}) ÷ NC {base} × 100"
    verdict = "met" if o.met else "not met"
    text = f"{head} = {fmt(o.value)}%; the requirement is not less than {pct(o.threshold)}%: {verdict}."
    if not o.met and Fraction(fmt(o.value)) >= o.threshold:
        text += f" Unrounded the value is {fmt(o.value, 4)}%, below the threshold (values are compared unrounded)."
    return text


def _evaluate_rvc(
    req: RvcRequirement, case: Case, totals: _Totals, expl: list[str], label: str
) -> tuple[bool, RvcOutcome | None, bool]:
    """Returns (met, reported outcome, bypassed by de minimis)."""
    bases = [b for b in (totals.tv, totals.total_cost) if b]
    if bases and any(totals.plain_vnm <= TEN_PERCENT * b for b in bases):
        share = min(totals.plain_vnm / b for b in bases)
        expl.append(
            f"{label}: all non-originating materials are worth {fmt(share * 100)}% of the adjusted transaction value or "
            f"total cost, not more than 10%, so the RVC requirement need not be met ({SOR} s.5(4))."
        )
        return True, None, True
    outcomes = _rvc_outcomes(req, case, totals)
    if not outcomes:
        need = "no transaction value" if req.net_cost is None else "no costs"
        expl.append(f"{label}: the RVC cannot be calculated because the case gives {need} ({SOR} s.7(2), s.7(6)).")
        return False, None, False
    for o in outcomes:
        expl.append(f"{label}: {_rvc_sentence(o)}")
    met = [o for o in outcomes if o.met]
    if met:
        return True, met[0], False
    return False, max(outcomes, key=lambda o: (o.value - o.threshold, o.method == "transaction_value")), False


# --------------------------------------------------------------------------- the decision


def _determine(case: Case, ctx: _Context) -> OriginResult:
    expl: list[str] = []
    attest: list[str] = []
    extra_cautions: list[str] = []
    details: dict[str, Any] = {}
    auto = case.automotive
    choice = (
        None
        if case.rule is not None
        else select_rule(case.hs, case.as_of, automotive.rule_scopes(auto), case.rule_scope)
    )
    rule = case.rule if choice is None else choice.rule
    if rule is not None and auto is not None:
        rule = automotive.adjust_rule(rule, auto, expl, case.hs)
    rule_caution = ""
    if rule is not None:
        if rule.supplied_by_user:
            where = "supplied by the user (source: user" + (f", citing {rule.citation}" if rule.citation else "") + ")"
            rule_caution = (
                f"Caution: the rule for HS {dotted(case.hs)} was supplied by the user, not taken from the rules library, and "
                "is unverified; confirm it against HTSUS General Note 11 / USMCA Annex 4-B before relying on this "
                "determination."
            )
        else:
            where = f"from the rules library ({rule.source})"
            if not rule.verified:
                rule_caution = (
                    f"Caution: the text of the rule for HS {dotted(case.hs)} is marked unverified in the rules library; "
                    "confirm it against HTSUS General Note 11 / USMCA Annex 4-B before relying on this determination."
                )
        if rule.scope:
            where += f", for {rule.scope}"
        expl.append(f"Product-specific rule for HS {case.hs} {where} ({SOR} s.3(2), Schedule 1).")
        if choice is not None:
            expl.extend(_choice_notes(choice, case.hs))
        elif case.rule_scope:
            expl.append(f"'rule_scope' ({case.rule_scope}) is not used: the case gives its own rule.")
        if rule_caution:
            expl.append(rule_caution)

    def finish(
        originating: bool,
        criterion: str | None,
        alternative: int | None,
        rvc: RvcOutcome | None,
        shift: ShiftOutcome | None,
        failed: list[str],
    ) -> OriginResult:
        if originating and auto is not None:
            checks = automotive.vehicle_requirements(case, auto, totals.net_cost if totals else None, expl, attest)
            failed_auto = [name for name, ok in checks if not ok]
            if failed_auto:
                originating, failed = False, failed + failed_auto
        if originating:
            expl.append(f"The good is originating (criterion {criterion}).")
        else:
            criterion, alternative = None, None
            expl.append("The good is not originating" + (f": failed {', '.join(failed)}." if failed else "."))
        cautions = list(case.notes)  # how the case file was read
        cautions += [rule_caution] if rule_caution and criterion not in ("A", "C", "E") else []
        cautions += extra_cautions if criterion == "E" else []
        for m in case.materials:  # criteria A, C and E do not rest on the rule; a sub-assembly's origin may
            sub = ctx.origin.get(id(m))
            cautions += [f"Self-produced material {m.id}: {c}" for c in (sub.cautions if sub else ())]
        return OriginResult(
            originating,
            criterion,
            alternative,
            rvc,
            shift,
            tuple(expl),
            failed_requirements=tuple(failed),
            attestations=tuple(attest),
            hs=case.hs,
            description=case.description,
            rule_source=None if rule is None else rule.source,
            rule_verified=None if rule is None else rule.verified,
            rule_scope="" if rule is None else rule.scope,
            rule_citation="" if rule is None else rule.citation,
            cautions=tuple(dict.fromkeys(cautions)),
            details=details,
        )

    totals: _Totals | None = None
    if case.mere_dilution:
        expl.append(
            f"A good is not originating merely by reason of dilution with water or another substance ({SOR} s.11(a))."
        )
        return finish(False, None, None, None, None, ["dilution"])
    t = case.transit
    if t is not None and t.left_region and (not t.under_customs_control or t.further_operations):
        expl.append(
            f"The good left the territory of the CUSMA countries and was not kept under customs control or underwent "
            f"operations beyond those permitted, so it is entirely non-originating ({SOR} s.10(1)-(2))."
        )
        return finish(False, None, None, None, None, ["transit"])
    if case.wholly_obtained:
        expl.append(f"The good is wholly obtained or produced in the territory of the CUSMA countries ({SOR} s.3(1)).")
        return finish(True, "A", None, None, None, [])
    if case.set_components is not None:
        ok, sentences = decide_set(case)
        expl.extend(sentences)
        all_orig = all(c.originating for c in case.set_components)
        return finish(ok, "C" if all_orig else "B", None, None, None, [] if ok else ["set"])

    totals, _ = _totals(case, ctx)
    expl.extend(ctx.notes)
    ctx.notes.clear()
    if case.averaging is not None:
        label, nc, vnm, count = averaging_period(case.averaging)
        expl.append(
            f"The producer averages over {label}: net cost {format_money(nc)} and VNM {format_money(vnm)} summed over {count} "
            f"month(s) of records are used for the net cost method ({SOR} s.7(15)-(19))."
        )
    if is_apparel(case.hs):
        notes = [m for m in case.materials if m.textile_note and not m.originating]
        if notes:
            for m in notes:
                expl.append(
                    f"Material {m.id} ({(m.textile_note or '').replace('_', ' ')}) is not formed and finished in the "
                    f"territory of the CUSMA countries, as the Schedule 1 notes to Chapters 61-63 require; de minimis "
                    f"does not cover it ({SOR} s.5(10))."
                )
            return finish(False, None, None, None, None, ["textile_notes"])
    mats = [m for m in case.materials if not m.indirect]
    if mats and all(_is_originating(m, case, ctx) for m in mats):
        expl.append(
            f"Every material used is originating, so the good is produced exclusively from originating materials ({SOR} s.3(3))."
        )
        rvc = None
        if rule is not None and all(a.rvc is not None for a in rule.alternatives):
            outs = _rvc_outcomes(rule.alternatives[0].rvc or CRITERION_D, case, totals)
            rvc = next((o for o in outs if o.met), outs[0] if outs else None)
        return finish(True, "C", None, rvc, None, [])
    # Criterion E first: a listed good imported from another party needs no rule at all (and no caution).
    undetermined: list[str] = []
    if case.imported_from and case.imported_from.upper() in PARTIES:
        found = _schedule_2(case, expl, attest, extra_cautions)
        if found is not None:
            details["schedule_2"] = found.to_dict()
            if found.status == "listed":
                return finish(True, "E", None, None, None, [])
            if found.status == "undetermined":
                undetermined.append("schedule_2_tariff_item")  # criterion E waits for the tariff item
    if rule is None:
        expl.append(
            f"No product-specific rule for HS {case.hs} is in the case or the rules library, so criteria B and D "
            f"cannot be tested ({SOR} s.3(2), Schedule 1)."
        )
    best: tuple[int, RvcOutcome | None, ShiftOutcome | None, list[str]] | None = None
    shift_failures: list[tuple[TariffShift, list[Failing]]] = []
    ftz = case.foreign_trade_zone and case.importing_country == "US"
    if ftz:
        expl.append(
            "Criterion B does not apply to a good produced in a US foreign-trade zone and entered for consumption "
            "(19 U.S.C. 4531(c)(3))."
        )
    for i, alt in enumerate(rule.alternatives if rule is not None and not ftz else ()):
        label = f"Alternative {i + 1}" if rule is not None and len(rule.alternatives) > 1 else "Rule"
        failed: list[str] = []
        shift_outcome = None
        rvc_outcome = None
        if alt.tariff_shift is not None:
            shift_outcome, failing = _shift_outcome(alt.tariff_shift, case, totals, ctx, expl, label)
            if not shift_outcome.passed:
                failed.append("tariff_shift")
                shift_failures.append((alt.tariff_shift, failing))
        else:
            expl.append(f"{label}: no change in tariff classification is required.")
        if alt.rvc is not None and not failed:
            met, rvc_outcome, _ = _evaluate_rvc(alt.rvc, case, totals, expl, label)
            if not met:
                failed.append("rvc")
        elif alt.rvc is not None:
            rvc_outcome = _best_rvc(alt.rvc, case, totals)
        for req in alt.other_requirements:
            attest.append(req)
            expl.append(f"{label}: also requires “{req}”; the producer must attest to it (not checked).")
        if not failed:
            expl.append(f"{label} is met ({SOR} s.3(2), s.3(6)).")
            return finish(True, "B", i, rvc_outcome, shift_outcome, [])
        if best is None or (
            shift_outcome is not None and shift_outcome.passed and (best[2] is None or not best[2].passed)
        ):
            best = (i, rvc_outcome, shift_outcome, failed)
    # Criterion D, s.3(4): parts sharing the good's subheading, or unassembled goods (GRI 2(a)).
    if not is_apparel(case.hs) and (
        case.unassembled or any(_same_subheading_only(f, case.hs) for _, f in shift_failures)
    ):
        why = (
            "the good was imported unassembled or disassembled and is classified as assembled under GRI 2(a) (s.3(4)(b))"
            if case.unassembled
            else "the non-originating materials that fail the change in tariff classification share the good's "
            "subheading (or undivided heading) (s.3(4)(a))"
        )
        expl.append(
            f"Criterion D: {why}; the good needs an RVC of not less than 60% (transaction value) or 50% (net cost) ({SOR} s.3(4))."
        )
        met, rvc_outcome, _ = _evaluate_rvc(_criterion_d(case, rule, expl), case, totals, expl, "Criterion D")
        if met:
            return finish(True, "D", None, rvc_outcome, best[2] if best else None, [])
    if best is None:
        return finish(False, None, None, None, None, (["rule"] if rule is None else []) + undetermined)
    return finish(False, None, None, best[1], best[2], best[3] + undetermined)


def _criterion_d(case: Case, rule: Rule | None, expl: list[str]) -> RvcRequirement:
    """The RVC of criterion D: 60% TV or 50% NC (s.3(4)); for an automotive good (chapter 87, or a case with
    automotive data) never below the RVC its own rule sets (the s.13 rules and the Part 6 thresholds apply
    "despite" Schedule 1), and by net cost only where that rule offers no transaction value method (s.7(6))."""
    rvcs = [a.rvc for a in rule.alternatives if a.rvc is not None] if rule is not None else []
    if case.automotive is None and not case.hs.startswith("87"):
        return CRITERION_D
    assert CRITERION_D.net_cost is not None and CRITERION_D.transaction_value is not None
    nc = max([CRITERION_D.net_cost, *(r.net_cost for r in rvcs if r.net_cost is not None)])
    tvs = [r.transaction_value for r in rvcs if r.transaction_value is not None]
    tv = max([CRITERION_D.transaction_value, *tvs]) if tvs else None
    expl.append(
        f"For an automotive good criterion D does not lower the RVC its rule requires: {pct(nc)}% under the net "
        f"cost method"
        + (f" or {pct(tv)}% under the transaction value method" if tv is not None else " only")
        + f" ({SOR} s.7(6), s.13, Part 6)."
    )
    return RvcRequirement(transaction_value=tv, net_cost=nc)


def _schedule_2(case: Case, expl: list[str], attest: list[str], cautions: list[str]) -> Schedule2Finding | None:
    """Criterion E (SOR s.3(7); 19 U.S.C. 4531(c)(1)(E)) on the importing country's list (the US list by default)."""
    exporter = COUNTRIES.get((case.imported_from or "").upper())
    where = importing_country(case.importing_country)
    if exporter == where:
        expl.append(
            f"Criterion E needs a good imported from another CUSMA country; it is imported into {where} from {exporter} "
            f"({SOR} s.3(7))."
        )
        return None
    found = schedule_2_status(case.hs, case.importing_country)
    assumed = "" if case.importing_country else " (no 'importing_country' given: the US list is used)"
    if found.status == "not_listed":
        expl.append(
            f"HS {dotted(case.hs)} is not on the list of {found.list_name}{assumed} ({SOR} s.3(7), Schedule 2)."
        )
    elif found.status == "undetermined":
        expl.append(
            f"Criterion E cannot be decided on the list of {found.list_name}{assumed}: {found.reason} ({SOR} s.3(7), "
            "Schedule 2)."
        )
    else:
        expl.append(
            f"HS {dotted(case.hs)} is on the list of {found.list_name}{assumed} (entry "
            f"{', '.join(dotted(e.code) for e in found.entries)}, group {found.entries[0].group} of USMCA Table 2.10.1) "
            f"and the good is imported from {exporter} into {where}, so it is originating ({SOR} s.3(7); "
            "19 U.S.C. 4531(c)(1)(E))."
        )
        for condition in found.conditions:
            attest.append(f"{condition} (the good as described in USMCA Table 2.10.1)")
        if found.derived:
            cautions.append(
                f"Caution: the list entry for HS {dotted(case.hs)} ({'; '.join(sorted({e.source for e in found.entries}))}) "
                "is not read from the text of the list itself; confirm it against "
                f"{found.list_name} before relying on criterion E."
            )
    return found


def _choice_notes(choice: RuleChoice, hs: str) -> list[str]:
    """Say which named good's rule was applied, or that named goods have rules of their own (SOR s.13)."""
    if choice.good and not choice.asked:
        return [f"The library has no rule for HS {dotted(hs)} but the one for {choice.good}, which is applied."]
    if choice.good or not choice.goods:
        if choice.asked and not choice.goods:
            return [
                f"'rule_scope' ({choice.asked}) is not needed: HS {dotted(hs)} has one rule for {choice.end_use or 'its end use'}."
            ]
        return []
    return [
        f"The Regulations give HS {dotted(hs)} separate rules, for {choice.end_use}, for these goods: "
        f"{'; '.join(choice.goods)}. None was named ('rule_scope'), so the rule for any other good of the "
        f"subheading is applied ({SOR} s.13); name the good if it is one of them."
    ]


def _best_rvc(req: RvcRequirement, case: Case, totals: _Totals) -> RvcOutcome | None:
    outs = _rvc_outcomes(req, case, totals)
    if not outs:
        return None
    return next((o for o in outs if o.met), max(outs, key=lambda o: o.value - o.threshold))


def _same_subheading_only(failing: list[Failing], good_hs: str) -> bool:
    """s.3(4)(a), s.3(5): every failing material is in the good's subheading (or its undivided heading)."""
    if not failing:
        return False
    for f in failing:
        if good_hs[4:6] == "00":
            if f.hs[:4] != good_hs[:4]:
                return False
        elif f.hs[:6] != good_hs[:6]:
            return False
    return True


__all__ = ["decide_self_produced", "designation_allowed", "determine_origin"]
