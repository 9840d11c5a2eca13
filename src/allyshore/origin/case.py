"""The origin case format v1: pydantic models at the edge, frozen dataclasses inside.

A case describes one good, its materials and its costs (issue 3, section 1). Reading a
case validates it completely and reports every problem with its JSON path; the engine
then works on immutable dataclasses whose amounts are exact :class:`fractions.Fraction`
values (SOR/2020-155 examples round only the reported percentage).

>>> case = parse_case({"good": {"hs": "9018.90"}, "transaction_value": 100,
...                    "materials": [{"id": "k", "hs": "8536.50", "value": 40}]})
>>> case.materials[0].value, case.materials[0].originating
(Fraction(40, 1), False)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from allyshore.errors import Problem, ValidationError
from allyshore.origin.case_bounds import Number, cost_problems, document_problems, material_list_problems
from allyshore.origin.case_file import read_case_file
from allyshore.origin.hs_codes import HsEntry, error_hint, normalise_hs_entry

#: A cost that cannot be negative (SOR/2020-155 s.1(6): total cost is the sum of costs incurred).
Cost = Annotated[Number, Field(ge=0)]


_ZERO = Fraction(0)
_HS_DROP = str.maketrans("", "", " .-_/")


def _num(value: Decimal | float | int | None) -> Fraction:
    if not value:
        return _ZERO
    if isinstance(value, float):
        return Fraction(str(value))
    if isinstance(value, Decimal):
        n, d = value.as_integer_ratio()
        return Fraction(n) if d == 1 else Fraction(n, d)
    return Fraction(value)


def _hs(code: str) -> str:
    """Digits of an HS code (``"8708.99.aa"`` keeps its national suffix letters)."""
    return code.translate(_HS_DROP).lower()


# --------------------------------------------------------------------------- edge models


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class GoodIn(_Model):
    description: str = ""
    hs: str = Field(min_length=4, description="HS code of the good, 6 or more digits (dots allowed).")


class TariffShiftIn(_Model):
    level: Literal["chapter", "heading", "subheading", "item"]
    except_from: list[HsEntry] = Field(
        default_factory=list, description="HS codes or ranges 'AAAA-BBBB' excluded (dots and spaces allowed)."
    )
    also_from: list[HsEntry] = Field(default_factory=list, description="HS codes or ranges that pass anyway.")
    group: HsEntry | None = Field(None, description="Code range replacing the good's own code ('outside that group').")


class RvcIn(_Model):
    transaction_value: Number | None = Field(None, ge=0, le=100)
    net_cost: Number | None = Field(None, ge=0, le=100)


class AlternativeIn(_Model):
    tariff_shift: TariffShiftIn | None = None
    rvc: RvcIn | None = None
    other_requirements: list[str] = Field(default_factory=list)


class RuleIn(_Model):
    alternatives: list[AlternativeIn] = Field(min_length=1)
    text: str | None = None
    source: str | None = Field(
        None, description="Where the rule's text comes from; for a rule given by the user it is kept as its citation."
    )
    verified: bool = Field(
        False,
        description="Library rules only: a rule given in a case or a network is always reported as "
        '"source": "user", "verified": false.',
    )


class StatementMaterialIn(_Model):
    hs: str
    value: Number = Field(Decimal(0), ge=0)


class SupplierStatementIn(_Model):
    net_cost: Number | None = Field(None, ge=0, description="s.9(2)(a): supplier's net cost of the material.")
    vnm: Number | None = Field(None, ge=0, description="s.9(2)(a)/(3): supplier's VNM.")
    non_vnm_value: Number | None = Field(None, ge=0, description="s.9(2)(b): part of the supplier's NC free of VNM.")
    additional_costs: Number = Field(Decimal(0), ge=0, description="s.8(2)(a)-(c) costs not in the supplier's NC.")
    non_originating_materials: list[StatementMaterialIn] | None = Field(
        None, description="s.9(7)(a)(ii): HS codes of the supplier's non-originating materials (tariff shift)."
    )


class AdjustmentsIn(_Model):
    freight_insurance_packing: Number = Field(Decimal(0), ge=0)
    duties_taxes: Number = Field(Decimal(0), ge=0)
    customs_brokerage: Number = Field(Decimal(0), ge=0)
    waste_spoilage: Number = Field(Decimal(0), ge=0)


class OtherCostsIn(_Model):
    product_costs: Cost = Decimal(0)
    period_costs: Cost = Decimal(0)
    other: Number = Field(Decimal(0), description="May be negative: a net gain on foreign exchange (s.7(22) Ex. 9).")


class ExcludedCostsIn(_Model):
    sales_promotion: Number = Field(Decimal(0), ge=0)
    royalties: Number = Field(Decimal(0), ge=0)
    shipping_packing: Number = Field(Decimal(0), ge=0)
    non_allowable_interest: Number = Field(Decimal(0), ge=0)


class MaterialIn(_Model):
    id: str
    description: str = ""
    hs: str = ""
    value: Number | None = Field(None, ge=0)
    originating: bool = False
    country: str | None = None
    supplier_statement: SupplierStatementIn | None = None
    treat_as_non_originating: bool = Field(False, description="s.7(21): producer's option for RVC.")
    indirect: bool = Field(False, description="s.8(13): indirect material, originating, valued at its booked cost.")
    packaging: bool = Field(False, description="s.8(14): retail packaging classified with the good.")
    accessory: bool = Field(False, description="s.8(23)-(24): customary accessories, spares, tools, manuals.")
    recovered: bool = Field(False, description="s.4(1): recovered material in a remanufactured good.")
    adjustments: AdjustmentsIn | None = Field(None, description="s.8(2): deductible costs with documentary evidence.")
    weight: Number | None = Field(None, ge=0, description="Weight, for the textile de minimis (s.5(6)-(7)).")
    elastomeric: bool = False
    in_component: bool = Field(True, description="s.5(9): part of the component that determines classification.")
    textile_note: Literal["sewing_thread", "narrow_elastic", "pocket_bag", "coated_fabric"] | None = Field(
        None,
        description="Chapters 61-63: a material that Schedule 1 Chapter 61 Notes 2-4, Chapter 62 Notes 3-5 or "
        "Chapter 63 Note 2 require to be formed and finished in the region ('originating': true when it is).",
    )
    self_produced: bool = False
    designated_intermediate: bool = False
    materials: list[MaterialIn] = Field(default_factory=list)
    other_costs: Number | OtherCostsIn | None = None
    excluded_costs: Cost | ExcludedCostsIn | None = None
    total_cost: Number | None = Field(None, ge=0)
    rule: RuleIn | None = None


class SetComponentIn(_Model):
    id: str
    description: str = ""
    hs: str = ""
    value: Number = Field(ge=0)
    originating: bool = False


class SetIn(_Model):
    components: list[SetComponentIn] = Field(min_length=1)
    value: Number | None = Field(None, gt=0, description="Value of the set (s.6(4)); default: the good's value.")


class TextileIn(_Model):
    good_weight: Number | None = Field(
        None, gt=0, validation_alias=AliasChoices("good_weight", "weight", "total_weight")
    )
    component_weight: Number | None = Field(None, gt=0, description="Chapters 61-63: weight of the component.")
    failing_weight: Number | None = Field(
        None,
        ge=0,
        validation_alias=AliasChoices("failing_weight", "non_originating_weight"),
        description="Weight of the non-originating materials that fail the shift, when the materials carry no weights.",
    )
    elastomeric_weight: Number | None = Field(None, ge=0, description="Of which elastomeric, with failing_weight.")
    elastomeric_basis: Literal["component", "good"] | None = Field(
        None,
        description="s.5(7) measures elastomeric content on the component; 19 USC 4531(f)(4)(C)(ii) on the good. "
        "Default: the good when importing into the US, else the component.",
    )


class AveragingRecordIn(_Model):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="Calendar month 'YYYY-MM'.")
    net_cost: Number = Field(ge=0)
    vnm: Number = Field(ge=0)
    units: Number | None = Field(None, gt=0)


class AveragingIn(_Model):
    period: Literal["month", "quarter", "half_year", "fiscal_year"]
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    records: list[AveragingRecordIn] = Field(min_length=1)
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="Month of production to decide.")


class LvcIn(_Model):
    method: Literal["net_cost", "annual_purchase_value"] = "net_cost"
    high_wage_labour_costs: Number = Field(Decimal(0), ge=0)
    high_wage_materials: Number = Field(Decimal(0), ge=0)
    high_wage_transport: Number = Field(Decimal(0), ge=0)
    net_cost: Number | None = Field(None, gt=0)
    annual_purchase_value: Number = Field(Decimal(0), ge=0)
    total_annual_purchase_value: Number | None = Field(None, gt=0)
    include_labour_in_apv: bool = True
    technology_wages: Number = Field(Decimal(0), ge=0)
    production_wages: Number | None = Field(None, gt=0)
    high_wage_assembly_plant: bool = False
    material_and_labour_points: Number | None = Field(
        None, ge=0, description="Precomputed high-wage material and labour percentage points (instead of the formula)."
    )


class SteelAluminumIn(_Model):
    steel_originating: Number = Field(Decimal(0), ge=0)
    steel_total: Number = Field(Decimal(0), ge=0)
    aluminum_originating: Number = Field(Decimal(0), ge=0)
    aluminum_total: Number = Field(Decimal(0), ge=0)


class CorePartIn(_Model):
    id: str
    description: str = ""
    net_cost: Number = Field(gt=0)
    vnm: Number = Field(ge=0)
    vnm_column2: Number | None = Field(None, ge=0, description="s.14(7)(b): VNM of Table A.2 column 2 components.")
    method: Literal["net_cost", "transaction_value"] = "net_cost"


class AutomotiveIn(_Model):
    as_of: date = Field(validation_alias=AliasChoices("as_of", "date", "effective_date"))
    kind: Literal[
        "passenger_vehicle",
        "light_truck",
        "heavy_truck",
        "other_vehicle",
        "core_part",
        "principal_part",
        "complementary_part",
        "heavy_truck_part_d",
        "heavy_truck_part_e",
        "heavy_truck_powertrain",
        "part",
    ]
    vehicle: Literal["passenger_vehicle", "light_truck", "heavy_truck"] | None = Field(
        None,
        description="For kind 'part': the vehicle it is original equipment for; the category follows Tables A.1-E.",
    )
    original_equipment: bool = True
    lvc: LvcIn | None = None
    steel_aluminum: SteelAluminumIn | None = None
    core_parts: list[CorePartIn] | None = None
    super_core: bool = False


class TransitIn(_Model):
    left_region: bool = Field(False, description="The good was transported outside the CUSMA countries (s.10).")
    under_customs_control: bool = True
    further_operations: bool = Field(
        False, description="Production or operations beyond unloading, reloading, storing, labelling, preservation."
    )


class CaseIn(_Model):
    good: GoodIn
    rule: RuleIn | None = None
    rule_scope: str | None = Field(
        None,
        min_length=1,
        description="Selects the library rule when the Regulations give separate rules for goods named inside one "
        "subheading (SOR s.13, heading 87.08): the good's name, e.g. 'McPherson struts', 'steering columns', "
        "'mounted brake linings', 'gear boxes', optionally after the end use and ';' "
        "('original equipment, heavy truck; steering wheels'). Left out: the rule for any other good.",
    )
    as_of: date | None = None
    transaction_value: Number | None = Field(None, gt=0)
    international_shipping: Number = Field(Decimal(0), ge=0)
    materials: list[MaterialIn] = Field(default_factory=list)
    other_costs: Number | OtherCostsIn | None = None
    excluded_costs: Cost | ExcludedCostsIn | None = None
    total_cost: Number | None = Field(None, gt=0)
    wholly_obtained: bool = Field(False, description="s.3(1): wholly obtained or produced in the region.")
    unassembled: bool = Field(False, description="s.3(4)(b): imported unassembled, classified as assembled (GRI 2(a)).")
    imported_from: str | None = Field(None, description="s.3(7): party the good is imported from (Schedule 2 goods).")
    importing_country: Literal["US", "CA", "MX"] | None = Field(
        None,
        description="Where the good is imported; some provisions differ by country (Schedule 2 / General Note "
        "11(p) lists: the US list when not given).",
    )
    foreign_trade_zone: bool = Field(
        False, description="19 USC 4531(c)(3): made in a US foreign-trade zone and entered for consumption."
    )
    transit: TransitIn | None = None
    mere_dilution: bool = Field(False, description="s.11(a): only diluted with water or another substance.")
    set: SetIn | None = None
    textile: TextileIn | None = None
    averaging: AveragingIn | None = None
    automotive: AutomotiveIn | None = None


# --------------------------------------------------------------------------- inner values


@dataclass(frozen=True, slots=True)
class TariffShift:
    """A change in tariff classification; codes are normalised to digits (``"85.36"`` -> ``"8536"``).

    Raises
    ------
    ValueError
        A code is malformed (see :mod:`allyshore.origin.hs_codes`).
    """

    level: str
    except_from: tuple[str, ...] = ()
    also_from: tuple[str, ...] = ()
    group: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "except_from", tuple(normalise_hs_entry(c) for c in self.except_from))
        object.__setattr__(self, "also_from", tuple(normalise_hs_entry(c) for c in self.also_from))
        if self.group is not None:
            object.__setattr__(self, "group", normalise_hs_entry(self.group))


@dataclass(frozen=True, slots=True)
class RvcRequirement:
    transaction_value: Fraction | None = None
    net_cost: Fraction | None = None


@dataclass(frozen=True, slots=True)
class Alternative:
    tariff_shift: TariffShift | None = None
    rvc: RvcRequirement | None = None
    other_requirements: tuple[str, ...] = ()


#: The ``source`` of a rule supplied by the user (in a case, a material or a network's ``origin_rule``).
USER = "user"


@dataclass(frozen=True, slots=True)
class Rule:
    """A product-specific rule: alternatives, any one of which suffices (SOR s.3(6)).

    ``source`` is the library source, or :data:`USER` for a rule the user supplied (never
    verified; the user's own citation, if any, is kept in ``citation``).
    """

    alternatives: tuple[Alternative, ...]
    hs: str = ""
    text: str = ""
    source: str = USER
    verified: bool = False
    scope: str = ""
    citation: str = ""

    @property
    def supplied_by_user(self) -> bool:
        return self.source in (USER, "case")


@dataclass(frozen=True, slots=True)
class SupplierStatement:
    net_cost: Fraction | None = None
    vnm: Fraction | None = None
    non_vnm_value: Fraction | None = None
    additional_costs: Fraction = Fraction(0)
    non_originating_hs: tuple[tuple[str, Fraction], ...] | None = None


@dataclass(frozen=True, slots=True)
class Costs:
    """Other costs and excluded costs of a good or a self-produced material (s.1(1), s.7(11))."""

    other: Fraction = Fraction(0)
    excluded: Fraction = Fraction(0)
    total_cost: Fraction | None = None


@dataclass(frozen=True, slots=True)
class Material:
    id: str
    hs: str
    value: Fraction
    originating: bool = False
    description: str = ""
    country: str | None = None
    statement: SupplierStatement | None = None
    treat_as_non_originating: bool = False
    indirect: bool = False
    packaging: bool = False
    accessory: bool = False
    recovered: bool = False
    deductions: Fraction = Fraction(0)
    weight: Fraction | None = None
    elastomeric: bool = False
    in_component: bool = True
    textile_note: str | None = None
    self_produced: bool = False
    designated: bool = False
    materials: tuple[Material, ...] = ()
    costs: Costs = field(default_factory=Costs)
    rule: Rule | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class SetComponent:
    id: str
    hs: str
    value: Fraction
    originating: bool


@dataclass(frozen=True, slots=True)
class Averaging:
    period: str
    fiscal_year_start_month: int
    records: tuple[tuple[str, Fraction, Fraction], ...]
    month: str | None = None


@dataclass(frozen=True, slots=True)
class Textile:
    good_weight: Fraction | None = None
    component_weight: Fraction | None = None
    failing_weight: Fraction | None = None
    elastomeric_weight: Fraction | None = None
    elastomeric_basis: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """One good to decide; amounts are exact fractions in the case's currency, per unit."""

    hs: str
    materials: tuple[Material, ...] = ()
    description: str = ""
    rule: Rule | None = None
    as_of: date | None = None
    transaction_value: Fraction | None = None
    international_shipping: Fraction = Fraction(0)
    costs: Costs = field(default_factory=Costs)
    wholly_obtained: bool = False
    unassembled: bool = False
    imported_from: str | None = None
    set_components: tuple[SetComponent, ...] | None = None
    set_value: Fraction | None = None
    textile: Textile | None = None
    averaging: Averaging | None = None
    automotive: AutomotiveIn | None = None
    importing_country: str | None = None
    foreign_trade_zone: bool = False
    transit: TransitIn | None = None
    mere_dilution: bool = False
    rule_scope: str | None = None
    notes: tuple[str, ...] = ()  # how the case file was read (an encoding other than UTF-8), shown as cautions
    path: str = ""  # JSON path of a self-produced material decided as its own case ("" for the good)


# --------------------------------------------------------------------------- conversion


def rule_from_model(rule: RuleIn, hs: str = "", source: str = USER) -> Rule:
    """The engine's rule; ``source`` :data:`USER` (the default) marks a rule the user supplied as unverified."""
    user = source in (USER, "case")
    return Rule(
        alternatives=tuple(
            Alternative(
                tariff_shift=None
                if a.tariff_shift is None
                else TariffShift(
                    level=a.tariff_shift.level,
                    except_from=tuple(a.tariff_shift.except_from),
                    also_from=tuple(a.tariff_shift.also_from),
                    group=a.tariff_shift.group,
                ),
                rvc=None
                if a.rvc is None
                else RvcRequirement(
                    transaction_value=None if a.rvc.transaction_value is None else _num(a.rvc.transaction_value),
                    net_cost=None if a.rvc.net_cost is None else _num(a.rvc.net_cost),
                ),
                other_requirements=tuple(a.other_requirements),
            )
            for a in rule.alternatives
        ),
        hs=_hs(hs),
        text=rule.text or "",
        source=USER if user else rule.source or source,
        verified=False if user else rule.verified,
        citation=(rule.source or "") if user and rule.source not in (USER, "case") else "",
    )


_NO_COSTS = Costs()


def _costs(
    other: Decimal | OtherCostsIn | None, excluded: Decimal | ExcludedCostsIn | None, total: Decimal | None
) -> Costs:
    if other is None and excluded is None and total is None:
        return _NO_COSTS
    if other is None:
        other_sum = _ZERO
    elif isinstance(other, OtherCostsIn):
        other_sum = _num(other.product_costs) + _num(other.period_costs) + _num(other.other)
    else:
        other_sum = _num(other)
    if excluded is None:
        excluded_sum = Fraction(0)
    elif isinstance(excluded, ExcludedCostsIn):
        excluded_sum = (
            _num(excluded.sales_promotion)
            + _num(excluded.royalties)
            + _num(excluded.shipping_packing)
            + _num(excluded.non_allowable_interest)
        )
    else:
        excluded_sum = _num(excluded)
    return Costs(other=other_sum, excluded=excluded_sum, total_cost=None if total is None else _num(total))


def _material(m: MaterialIn, path: str, problems: list[Problem]) -> Material:
    subs = tuple(_material(s, f"{path}.materials[{i}]", problems) for i, s in enumerate(m.materials))
    costs = _costs(m.other_costs, m.excluded_costs, m.total_cost)
    if m.value is not None:
        value = _num(m.value)
    elif m.self_produced:
        value = costs.total_cost if costs.total_cost is not None else sum((s.value for s in subs), costs.other)
    else:
        value = Fraction(0)
        problems.append(
            Problem("case", "a material needs a 'value' unless it is self-produced", column=f"{path}.value")
        )
    if not m.self_produced and (m.materials or m.designated_intermediate):
        problems.append(
            Problem(
                "case",
                "only a self-produced material may have its own materials or be designated intermediate (s.8(6))",
                column=f"{path}.self_produced",
                hint='set "self_produced": true',
            )
        )
    if not m.hs and not m.indirect:
        problems.append(Problem("case", "a material needs its HS code 'hs'", column=f"{path}.hs"))
    problems += cost_problems(f"{path}.", costs.total_cost, costs.excluded)
    statement = None
    if m.supplier_statement is not None:
        s = m.supplier_statement
        if s.net_cost is not None and s.vnm is not None and s.vnm > s.net_cost:
            problems.append(
                Problem(
                    "case",
                    f"the supplier's VNM ({s.vnm}) exceeds its net cost ({s.net_cost}) (SOR/2020-155 s.7(3), s.9(2)(a))",
                    column=f"{path}.supplier_statement.vnm",
                    hint="the VNM is part of the net cost",
                )
            )
        if s.net_cost is None and s.vnm is None and s.non_vnm_value is None and s.non_originating_materials is None:
            problems.append(
                Problem(
                    "case",
                    "a supplier statement states 'net_cost' and 'vnm' (s.9(2)(a)), 'vnm' (s.9(3)), 'non_vnm_value' (s.9(2)(b)) "
                    "or 'non_originating_materials' (s.9(7)(a)(ii))",
                    column=f"{path}.supplier_statement",
                )
            )
        if s.non_vnm_value is not None and m.value is not None and _num(s.non_vnm_value) > _num(m.value):
            problems.append(
                Problem(
                    "case",
                    "the stated non-VNM amount exceeds the material's value",
                    column=f"{path}.supplier_statement.non_vnm_value",
                )
            )
        statement = SupplierStatement(
            net_cost=None if s.net_cost is None else _num(s.net_cost),
            vnm=None if s.vnm is None else _num(s.vnm),
            non_vnm_value=None if s.non_vnm_value is None else _num(s.non_vnm_value),
            additional_costs=_num(s.additional_costs),
            non_originating_hs=None
            if s.non_originating_materials is None
            else tuple((_hs(x.hs), _num(x.value)) for x in s.non_originating_materials),
        )
    adj = m.adjustments
    deductions = (
        Fraction(0)
        if adj is None
        else _num(adj.freight_insurance_packing)
        + _num(adj.duties_taxes)
        + _num(adj.customs_brokerage)
        + _num(adj.waste_spoilage)
    )
    if deductions and deductions > value:
        problems.append(Problem("case", "s.8(2) deductions exceed the material's value", column=f"{path}.adjustments"))
    return Material(
        id=m.id,
        hs=_hs(m.hs),
        value=value,
        originating=m.originating or m.indirect or m.recovered,
        description=m.description,
        country=m.country,
        statement=statement,
        treat_as_non_originating=m.treat_as_non_originating,
        indirect=m.indirect,
        packaging=m.packaging,
        accessory=m.accessory,
        recovered=m.recovered,
        deductions=deductions,
        weight=None if m.weight is None else _num(m.weight),
        elastomeric=m.elastomeric,
        in_component=m.in_component,
        textile_note=m.textile_note,
        self_produced=m.self_produced,
        designated=m.designated_intermediate,
        materials=subs,
        costs=costs,
        rule=None if m.rule is None else rule_from_model(m.rule, m.hs),
        path=path,
    )


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("Decimal", "decimal", "float", "int", "str") or part.startswith("function-"):
            continue  # a branch of a union or a validator, not a field
        elif part[:1].isupper() and part.endswith("In"):
            continue  # the model branch of a union (OtherCostsIn, ExcludedCostsIn)
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


_TYPE_HINTS = {
    "string_type": 'write it as text in quotes, e.g. "k1" (see `allyshore origin schema --which case`)',
    "dict_type": "write it as an object {...} (see `allyshore origin schema --which case`)",
    "list_type": "write it as a list [...] (see `allyshore origin schema --which case`)",
}


def case_model(data: dict[str, Any], source: str | None = None) -> CaseIn:
    """Validate a case document; every problem is reported with its JSON path."""
    try:
        return CaseIn.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [
            Problem(
                "case",
                err["msg"],
                column=_path(tuple(err["loc"])),
                hint=error_hint(dict(err)) or _TYPE_HINTS.get(err["type"]),
                source=source,
            )
            for err in exc.errors(include_url=False)
        ]
        problems += material_list_problems(data, source, {p.column for p in problems})
        raise ValidationError(problems, what="origin case") from None


def case_from_model(model: CaseIn, source: str | None = None) -> Case:
    problems: list[Problem] = []
    materials = tuple(_material(m, f"materials[{i}]", problems) for i, m in enumerate(model.materials))
    if len(_hs(model.good.hs)) < 6:
        problems.append(Problem("case", "the good's HS code needs at least 6 digits", column="good.hs"))
    counts = Counter(m.id for m in model.materials)
    for dup in sorted(i for i, n in counts.items() if n > 1):
        problems.append(Problem("case", f"material id '{dup}' appears more than once", column="materials"))
    costs = _costs(model.other_costs, model.excluded_costs, model.total_cost)
    problems += cost_problems("", costs.total_cost, costs.excluded)
    tv, shipping = model.transaction_value, model.international_shipping
    if tv is not None and shipping >= tv:
        problems.append(
            Problem(
                "case",
                f"the international shipping cost ({shipping}) is not less than the transaction value ({tv}): the "
                f"adjusted transaction value (transaction_value − international_shipping = {tv - shipping}) must be "
                "positive (SOR/2020-155 s.7(2); 19 U.S.C. 4531(d)(2))",
                column="international_shipping",
                hint="both are per unit and in the same currency; international_shipping is the part of "
                "transaction_value spent on the international shipment of the good",
            )
        )
    if problems:
        raise ValidationError(
            [Problem(p.table, p.message, column=p.column, hint=p.hint, source=source) for p in problems],
            what="origin case",
        )
    averaging = None
    if model.averaging is not None:
        a = model.averaging
        averaging = Averaging(
            period=a.period,
            fiscal_year_start_month=a.fiscal_year_start_month,
            records=tuple((r.month, _num(r.net_cost), _num(r.vnm)) for r in a.records),
            month=a.month,
        )
    textile = None
    if model.textile is not None:
        t = model.textile
        textile = Textile(
            good_weight=None if t.good_weight is None else _num(t.good_weight),
            component_weight=None if t.component_weight is None else _num(t.component_weight),
            failing_weight=None if t.failing_weight is None else _num(t.failing_weight),
            elastomeric_weight=None if t.elastomeric_weight is None else _num(t.elastomeric_weight),
            elastomeric_basis=t.elastomeric_basis,
        )
    return Case(
        hs=_hs(model.good.hs),
        description=model.good.description,
        materials=materials,
        rule=None if model.rule is None else rule_from_model(model.rule, model.good.hs),
        as_of=model.as_of if model.as_of is not None else (model.automotive.as_of if model.automotive else None),
        transaction_value=None if model.transaction_value is None else _num(model.transaction_value),
        international_shipping=_num(model.international_shipping),
        costs=_costs(model.other_costs, model.excluded_costs, model.total_cost),
        wholly_obtained=model.wholly_obtained,
        unassembled=model.unassembled,
        imported_from=model.imported_from,
        set_components=None
        if model.set is None
        else tuple(SetComponent(c.id, _hs(c.hs), _num(c.value), c.originating) for c in model.set.components),
        set_value=None if model.set is None or model.set.value is None else _num(model.set.value),
        textile=textile,
        averaging=averaging,
        automotive=model.automotive,
        importing_country=model.importing_country,
        foreign_trade_zone=model.foreign_trade_zone,
        transit=model.transit,
        mere_dilution=model.mere_dilution,
        rule_scope=model.rule_scope,
    )


def read_case(path: str | Path) -> dict[str, Any]:
    """The document of a JSON case file (encoding detected, size, nesting and numbers bounded:
    :func:`allyshore.origin.case_file.read_case_file`).

    Raises
    ------
    InputError
        The file cannot be read (missing, a directory, unreadable, too large).
    ValidationError
        The file is not JSON, not a JSON object, or holds values out of bounds.
    """
    return read_case_file(path).document


def parse_case(case: Case | CaseIn | dict[str, Any] | str | Path, *, source: str | None = None) -> Case:
    """Turn a case (dataclass, parsed model, dict, JSON path) into the engine's :class:`Case`.

    ``source`` names where a document came from in the problems found in it (a path names itself).

    Raises
    ------
    ValidationError
        With one :class:`~allyshore.errors.Problem` per wrong field, located by JSON path.
    InputError
        When the file cannot be read or is not JSON.
    """
    if isinstance(case, Case):
        return case
    notes: tuple[str, ...] = ()
    if isinstance(case, str | Path):
        source = str(case)
        read = read_case_file(case)
        case, notes = read.document, (() if read.note is None else (read.note,))
    elif not isinstance(case, CaseIn):
        problems = document_problems(case, source)
        if problems:
            raise ValidationError(problems, what="origin case")
    model = case if isinstance(case, CaseIn) else case_model(case, source)
    parsed = case_from_model(model, source)
    return replace(parsed, notes=notes) if notes else parsed
