"""The landed-cost kernel: arrays in, one array per named cost factor out (no Python loop over options).

Per unit of an option (an item from a source site to a receiving site by a lane),
with v = price + packaging + freight (the value owned, price plus prepaid freight)::

    price            = unit_price · fx_rate
    packaging        = packaging per unit
    freight          = freight per unit (per unit, per kg · weight, or per container ÷ units per container)
    insurance        = insurance_rate · (price + packaging + freight)                  (Moser: 0.5%)
    duty_<layer>     = rate · customs_value + specific rate,   0 when originating and the layer exempts USMCA goods
                       customs_value = price + packaging for US imports (19 USC 1401a(b)(4)(A)),
                                       + freight + insurance for Mexican imports (LA art. 65)
    fee_mpf          = clamp(mpf_rate · V_mpf, mpf_min, mpf_max) · customs_value ÷ V_mpf (US formal entries)
    fee_hmf          = hmf_rate · customs_value                                         (ocean into the US)
    broker_crossing  = (broker_fee_per_entry + crossing_fee) · customs_value ÷ V
    carry_pipeline   = v · h · T ÷ 365                                                   (Little's law; if prepaid)
    carry_cycle      = (Q ÷ 2) · v · h ÷ D
    carry_safety     = z · sqrt(L̄ σ_d² + d̄² σ_L²) · v · h ÷ D                         (Chopra & Meindl)
    <risk>           = rate · price     for travel_audit, quality_rework, ip_risk, warranty, disruption, strategic
    opportunity      = opportunity_rate_per_week · price · L̄

where Q is the shipment (entry) size, D the annual units, h the carrying rate, T the
transit days, L̄ = (transit + supplier lead time) in weeks, σ_L the transit
standard deviation in weeks, d̄ = D/52 and σ_d = demand_cv · d̄.
The total is the exact sum of the factors.

Customs entries are shared (:func:`entry_fees`): an entry carries this option's goods,
customs_value · D ÷ E with E the entries a year of its lane, plus the goods that travel
with it (``entry_value_others``, USD per entry). V is the entry's value and V_mpf the value
of its goods that pay MPF; the entry's fees are allocated to the goods by their share of
that value. An option alone on its entries (no others) pays (broker + crossing) ÷ Q and
clamp(mpf_rate · customs_value · Q, min, max) ÷ Q.

>>> import numpy as np
>>> inputs = CostInputs.single(unit_price=10.0, freight=1.0, annual_units=5200.0, shipment_units=100.0)
>>> factors = landed_cost(inputs)
>>> round(float(factors["carry_cycle"][0]), 4)   # (100/2) * 11 * 0.25 / 5200
0.0264
>>> bool(np.isclose(total_of(factors)[0], sum(float(v[0]) for v in factors.values())))
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: The named factors of landed cost, from hardest to softest (the TCO Estimator's order).
FACTORS: tuple[str, ...] = (
    "price",
    "packaging",
    "freight",
    "insurance",
    "duty_mfn",
    "duty_section_301",
    "duty_additional",
    "duty_mx_igi",
    "fee_mpf",
    "fee_hmf",
    "broker_crossing",
    "carry_pipeline",
    "carry_cycle",
    "carry_safety",
    "travel_audit",
    "quality_rework",
    "ip_risk",
    "warranty",
    "disruption",
    "opportunity",
    "strategic",
)

#: The four groups of the TCO Estimator, hardest to softest.
GROUPS: dict[str, tuple[str, ...]] = {
    "cost of goods": FACTORS[:11],
    "other hard costs": ("carry_pipeline", "carry_cycle", "carry_safety", "travel_audit"),
    "risks": ("quality_rework", "ip_risk", "warranty", "disruption", "opportunity"),
    "strategic": ("strategic",),
}

FACTOR_DOCS: dict[str, str] = {
    "price": "Unit price at the source, converted to USD with the FX rate.",
    "packaging": "Packaging per unit.",
    "freight": "Freight per unit by mode: per unit, per kg, or per container divided by units per container.",
    "insurance": "Freight insurance: rate times (price + packaging + freight).",
    "duty_mfn": "Importing country's general (MFN) duty; free when USMCA-originating and the line gives preference.",
    "duty_section_301": "US Section 301 duty on goods of Chinese origin, by list and effective date.",
    "duty_additional": "Switchable additional layers: IEEPA-type, Section 232 and other measures.",
    "duty_mx_igi": "Mexican import duty (IGI) on non-originating inputs (IMMEX goods exported to the US: LA 63-A).",
    "fee_mpf": "US merchandise processing fee per entry, clamped to the fiscal year's minimum and maximum per "
    "entry and shared by value among the goods on the entry.",
    "fee_hmf": "US harbor maintenance fee on ocean cargo.",
    "broker_crossing": "Customs broker fee per entry and border-crossing fee per shipment, shared by value among "
    "the goods that travel together on the lane, per unit.",
    "carry_pipeline": "Carrying cost of in-transit stock (Little's law), when the buyer owns goods in transit.",
    "carry_cycle": "Carrying cost of cycle stock: half a shipment on average.",
    "carry_safety": "Carrying cost of safety stock for demand and lead-time variability at the service level.",
    "travel_audit": "Start-up and audit travel, as a share of price.",
    "quality_rework": "Quality and rework, as a share of price.",
    "ip_risk": "Intellectual-property risk, as a share of price.",
    "warranty": "Warranty, as a share of price.",
    "disruption": "Expected disruption cost: from the stress test when present, else a country-risk default.",
    "opportunity": "Opportunity cost of long lead times: rate per week of lead time times price.",
    "strategic": "Optional strategic factors (innovation, brand), as a share of price.",
}


@dataclass(frozen=True, eq=False)
class CostInputs:
    """Arrays of equal length, one entry per option (see the module docstring for the symbols)."""

    unit_price: FloatArray
    fx_rate: FloatArray
    packaging: FloatArray
    freight: FloatArray
    insurance_rate: FloatArray
    dutiable: BoolArray  # an import into the receiving country's customs territory (duties apply)
    value_includes_freight: BoolArray  # customs value is CIF (Mexico) rather than FOB (US)
    originating: BoolArray  # USMCA-originating (preference where the layer grants it)
    rate_mfn: FloatArray
    specific_mfn: FloatArray
    exempt_mfn: BoolArray
    rate_301: FloatArray
    specific_301: FloatArray
    rate_additional: FloatArray
    specific_additional: FloatArray
    exempt_additional: BoolArray
    rate_igi: FloatArray
    specific_igi: FloatArray
    exempt_igi: BoolArray
    mpf_applies: BoolArray
    mpf_rate: FloatArray
    mpf_min: FloatArray
    mpf_max: FloatArray
    hmf_applies: BoolArray
    hmf_rate: FloatArray
    broker_per_entry: FloatArray
    crossing_per_shipment: FloatArray
    entries_per_year: FloatArray  # E of the lane; 0 = the option's own shipments (D ÷ Q)
    entry_value_others: FloatArray  # customs value of the other goods on each entry, USD
    mpf_value_others: FloatArray  # of which subject to MPF, USD
    shipment_units: FloatArray  # Q
    annual_units: FloatArray  # D
    transit_days: FloatArray  # T
    transit_sd_days: FloatArray
    supplier_lead_days: FloatArray
    prepaid: BoolArray
    carrying_rate: FloatArray  # h
    service_level: FloatArray
    demand_cv: FloatArray
    travel_audit_rate: FloatArray
    quality_rework_rate: FloatArray
    ip_risk_rate: FloatArray
    warranty_rate: FloatArray
    disruption_rate: FloatArray
    disruption_per_unit: FloatArray  # from the stress test; nan = use the rate
    opportunity_rate_per_week: FloatArray
    strategic_rate: FloatArray

    @property
    def size(self) -> int:
        return int(self.unit_price.shape[0])

    @classmethod
    def single(cls, **values: float | bool) -> CostInputs:
        """One option from scalars; everything not given is zero (false), except fx_rate 1, Q 1, D 1, z at 95%."""
        base: dict[str, Any] = {
            "fx_rate": 1.0,
            "shipment_units": 1.0,
            "annual_units": 1.0,
            "service_level": 0.95,
            "carrying_rate": 0.25,
            "disruption_per_unit": np.nan,
            "mpf_max": np.inf,
            "dutiable": True,
        }
        base.update(values)
        arrays: dict[str, Any] = {}
        for f in fields(cls):
            value = base.get(f.name, False if _is_bool(f.name) else 0.0)
            dtype = bool if _is_bool(f.name) else np.float64
            arrays[f.name] = np.asarray([value], dtype=dtype)
        return cls(**arrays)

    def take(self, index: NDArray[np.int64]) -> CostInputs:
        """The options at ``index`` (a copy)."""
        return CostInputs(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def with_values(self, **arrays: Any) -> CostInputs:
        """A copy with some inputs replaced (scalars broadcast)."""
        out = {}
        for name, value in arrays.items():
            current = getattr(self, name)
            out[name] = np.broadcast_to(np.asarray(value, dtype=current.dtype), current.shape).copy()
        return replace(self, **out)

    @staticmethod
    def concat(parts: list[CostInputs]) -> CostInputs:
        return CostInputs(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(CostInputs)})


def _is_bool(name: str) -> bool:
    return name in {
        "dutiable",
        "value_includes_freight",
        "originating",
        "exempt_mfn",
        "exempt_additional",
        "exempt_igi",
        "mpf_applies",
        "hmf_applies",
        "prepaid",
    }


def landed_cost(x: CostInputs) -> dict[str, FloatArray]:
    """Every factor of :data:`FACTORS`, per unit, for every option."""
    price = x.unit_price * x.fx_rate
    packaging = x.packaging
    freight = x.freight
    insurance = x.insurance_rate * (price + packaging + freight)
    fob = price + packaging
    customs_value = np.where(x.value_includes_freight, fob + freight + insurance, fob)
    pay_mfn = ~(x.originating & x.exempt_mfn)
    pay_additional = ~(x.originating & x.exempt_additional)
    pay_igi = ~(x.originating & x.exempt_igi)
    duty_mfn = np.where(x.dutiable & pay_mfn, x.rate_mfn * customs_value + x.specific_mfn, 0.0)
    duty_301 = np.where(x.dutiable, x.rate_301 * customs_value + x.specific_301, 0.0)
    duty_additional = np.where(
        x.dutiable & pay_additional, x.rate_additional * customs_value + x.specific_additional, 0.0
    )
    duty_igi = np.where(x.dutiable & pay_igi, x.rate_igi * customs_value + x.specific_igi, 0.0)
    q = np.maximum(x.shipment_units, 1e-12)
    fee_mpf, broker_crossing = entry_fees(x, customs_value)
    fee_hmf = np.where(x.hmf_applies, x.hmf_rate * customs_value, 0.0)
    owned = price + packaging + freight
    h = x.carrying_rate
    d_year = np.maximum(x.annual_units, 1e-12)
    carry_pipeline = np.where(x.prepaid, owned * h * x.transit_days / 365.0, 0.0)
    carry_cycle = (q / 2.0) * owned * h / d_year
    lead_weeks = (x.transit_days + x.supplier_lead_days) / 7.0
    sd_lead_weeks = x.transit_sd_days / 7.0
    d_week = d_year / 52.0
    sd_week = x.demand_cv * d_week
    z = np.maximum(ndtri(np.clip(x.service_level, 1e-9, 1 - 1e-9)), 0.0)
    safety_units = z * np.sqrt(lead_weeks * sd_week**2 + d_week**2 * sd_lead_weeks**2)
    carry_safety = safety_units * owned * h / d_year
    disruption = np.where(np.isnan(x.disruption_per_unit), x.disruption_rate * price, x.disruption_per_unit)
    return {
        "price": price,
        "packaging": packaging.copy(),
        "freight": freight.copy(),
        "insurance": insurance,
        "duty_mfn": duty_mfn,
        "duty_section_301": duty_301,
        "duty_additional": duty_additional,
        "duty_mx_igi": duty_igi,
        "fee_mpf": fee_mpf,
        "fee_hmf": fee_hmf,
        "broker_crossing": broker_crossing,
        "carry_pipeline": carry_pipeline,
        "carry_cycle": carry_cycle,
        "carry_safety": carry_safety,
        "travel_audit": x.travel_audit_rate * price,
        "quality_rework": x.quality_rework_rate * price,
        "ip_risk": x.ip_risk_rate * price,
        "warranty": x.warranty_rate * price,
        "disruption": disruption,
        "opportunity": x.opportunity_rate_per_week * price * lead_weeks,
        "strategic": x.strategic_rate * price,
    }


def entry_fees(x: CostInputs, customs_value: FloatArray) -> tuple[FloatArray, FloatArray]:
    """MPF and broker + crossing fees per unit, from fees per customs entry shared by value.

    One entry a shipment carries D ÷ E units of the option (value ``customs_value · D ÷ E``) and
    ``entry_value_others`` of other goods. The broker and crossing fees of the entry, and its MPF
    (ad valorem on the entry's MPF-liable value, clamped to the fiscal year's minimum and maximum
    once per entry, 19 CFR 24.23(b)(1)), are allocated to the goods by their share of the
    entry's value: per unit, ``fee · customs_value ÷ V``. An entry with no value falls on its units.

    >>> one = CostInputs.single(unit_price=0.07, annual_units=52_000.0, shipment_units=1_000.0,
    ...                         broker_per_entry=100.0, entries_per_year=52.0, entry_value_others=29_930.0)
    >>> mpf, broker = entry_fees(one, np.asarray([0.07]))
    >>> round(float(broker[0]) * 1_000_000, 1)   # 100 x 0.07 / (70 + 29,930) per unit, in millionths
    233.3
    """
    q = np.maximum(x.shipment_units, 1e-12)
    d_year = np.maximum(x.annual_units, 1e-12)
    entries = np.where(x.entries_per_year > 0, x.entries_per_year, d_year / q)
    per_unit_alone = entries / d_year  # share per unit when the entry has no value to share by
    own = customs_value * d_year / entries  # this option's value on an average entry
    entry_value = own + x.entry_value_others
    share = np.divide(customs_value, entry_value, out=per_unit_alone.copy(), where=entry_value > 0)
    broker_crossing = (x.broker_per_entry + x.crossing_per_shipment) * share
    # The MPF-liable value of the entry; where this option's goods pay no MPF, fee_mpf below is 0 whatever it holds.
    mpf_value = own + x.mpf_value_others
    mpf_entry = np.clip(x.mpf_rate * mpf_value, x.mpf_min, x.mpf_max)
    mpf_share = np.divide(customs_value, mpf_value, out=per_unit_alone.copy(), where=mpf_value > 0)
    fee_mpf = np.where(x.mpf_applies, mpf_entry * mpf_share, 0.0)
    return fee_mpf, broker_crossing


def customs_value_of(x: CostInputs) -> FloatArray:
    """Customs value per unit as :func:`landed_cost` takes it (FOB for US imports, CIF for Mexican ones)."""
    price = x.unit_price * x.fx_rate
    fob = price + x.packaging
    insurance = x.insurance_rate * (fob + x.freight)
    value: FloatArray = np.where(x.value_includes_freight, fob + x.freight + insurance, fob)
    return value


def total_of(factors: dict[str, FloatArray]) -> FloatArray:
    """The total landed cost per unit: the exact sum of the factors."""
    total = np.zeros_like(factors["price"])
    for name in FACTORS:
        total = total + factors[name]
    return total


def price_path(
    years: int,
    labour_share: FloatArray,
    wage_inflation: FloatArray,
    other_inflation: FloatArray,
    fx_change: FloatArray,
    local_currency_share: FloatArray,
) -> FloatArray:
    """Price multiplier of each option in each year 0..years (options x years+1).

    ``price(y) = price(0) · [α(1+w)^y + (1-α)(1+π)^y] · [1 + s·((1+e)^y - 1)]`` where e is the
    yearly change in the USD value of the local currency and s the share priced in it.

    >>> path = price_path(2, np.array([0.5]), np.array([0.1]), np.array([0.0]), np.array([0.0]), np.array([0.0]))
    >>> [round(float(v), 4) for v in path[0]]
    [1.0, 1.05, 1.105]
    """
    y = np.arange(years + 1, dtype=np.float64)[None, :]
    a = labour_share[:, None]
    cost = a * (1.0 + wage_inflation[:, None]) ** y + (1.0 - a) * (1.0 + other_inflation[:, None]) ** y
    fx = 1.0 + local_currency_share[:, None] * ((1.0 + fx_change[:, None]) ** y - 1.0)
    result: FloatArray = cost * fx
    return result
