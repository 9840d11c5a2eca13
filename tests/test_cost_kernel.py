"""The landed-cost kernel (cost/kernel.py) factor by factor, with every input distinct and non-zero, so that
each figure checks one formula; the expected numbers are worked here from the formulas of the kernel's
docstring and their sources (19 USC 1401a(b)(4)(A) FOB customs value for US imports, Ley Aduanera art. 65
CIF for Mexican ones, 19 CFR 24.23(b)(1) MPF clamped per entry, 19 CFR 24.24 HMF, Little's law for
stock in transit, Chopra & Meindl's safety stock z·sqrt(L σ_d² + d² σ_L²))."""

from __future__ import annotations

import dataclasses
import math
import statistics

import numpy as np
import pytest

from allyshore.cost.kernel import CostInputs, customs_value_of, entry_fees, landed_cost, price_path, total_of

Z95 = 1.6448536269514722  # the standard normal quantile at 95%

BASE = {
    "unit_price": 10.0,
    "fx_rate": 2.0,
    "packaging": 1.0,
    "freight": 3.0,
    "insurance_rate": 0.01,
    "dutiable": True,
    "originating": False,
    "rate_mfn": 0.05,
    "specific_mfn": 0.5,
    "rate_301": 0.25,
    "specific_301": 0.1,
    "rate_additional": 0.1,
    "specific_additional": 0.2,
    "rate_igi": 0.15,
    "specific_igi": 0.3,
    "mpf_applies": True,
    "mpf_rate": 0.003464,
    "mpf_min": 31.67,
    "mpf_max": 614.35,
    "hmf_applies": True,
    "hmf_rate": 0.00125,
    "broker_per_entry": 100.0,
    "crossing_per_shipment": 20.0,
    "shipment_units": 100.0,
    "annual_units": 5200.0,
    "transit_days": 14.0,
    "transit_sd_days": 7.0,
    "supplier_lead_days": 21.0,
    "prepaid": True,
    "carrying_rate": 0.25,
    "service_level": 0.95,
    "demand_cv": 0.2,
    "travel_audit_rate": 0.01,
    "quality_rework_rate": 0.02,
    "ip_risk_rate": 0.03,
    "warranty_rate": 0.04,
    "disruption_rate": 0.05,
    "opportunity_rate_per_week": 0.001,
    "strategic_rate": 0.06,
}


def factors(**changes: float | bool) -> dict[str, float]:
    out = landed_cost(CostInputs.single(**{**BASE, **changes}))
    return {name: float(values[0]) for name, values in out.items()}


def test_every_factor_by_hand_us_import() -> None:
    f = factors()
    price, packaging, freight = 10.0 * 2.0, 1.0, 3.0  # price = unit price · FX
    insurance = 0.01 * (20 + 1 + 3)  # 0.24
    customs = 20 + 1  # FOB: price + packaging (19 USC 1401a(b)(4)(A))
    # Q = 100, D = 5,200 -> 52 entries a year, one shipment each; the option alone on its entries.
    mpf = 31.67 / 100  # 0.003464 · 2,100 = 7.27 per entry, raised to the minimum 31.67, over 100 units
    expected = {
        "price": price,
        "packaging": packaging,
        "freight": freight,
        "insurance": insurance,
        "duty_mfn": 0.05 * customs + 0.5,
        "duty_section_301": 0.25 * customs + 0.1,
        "duty_additional": 0.1 * customs + 0.2,
        "duty_mx_igi": 0.15 * customs + 0.3,
        "fee_mpf": mpf,
        "fee_hmf": 0.00125 * customs,
        "broker_crossing": (100 + 20) / 100,
        "carry_pipeline": 24 * 0.25 * 14 / 365,  # owned value (price + packaging + freight) · h · T / 365
        "carry_cycle": (100 / 2) * 24 * 0.25 / 5200,  # (Q/2) · v · h / D
        # L = (14 + 21)/7 = 5 weeks, σ_L = 1 week, d = 100/week, σ_d = 20: z·sqrt(5·400 + 100²·1) units
        "carry_safety": Z95 * math.sqrt(5 * 20**2 + 100**2 * 1**2) * 24 * 0.25 / 5200,
        "travel_audit": 0.01 * price,
        "quality_rework": 0.02 * price,
        "ip_risk": 0.03 * price,
        "warranty": 0.04 * price,
        "disruption": 0.05 * price,
        "opportunity": 0.001 * price * 5,  # rate per week · price · lead time in weeks
        "strategic": 0.06 * price,
    }
    assert set(f) == set(expected)
    for name, value in expected.items():
        assert f[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    total = float(total_of(landed_cost(CostInputs.single(**BASE)))[0])
    assert total == pytest.approx(sum(expected.values()), rel=1e-12)


def test_mexican_import_values_duty_on_cif() -> None:
    """Ley Aduanera art. 65: customs value = price + packaging + freight + insurance = 24.24."""
    f = factors(value_includes_freight=True)
    cif = 20 + 1 + 3 + 0.24
    assert f["duty_mfn"] == pytest.approx(0.05 * cif + 0.5, rel=1e-12)
    assert f["duty_mx_igi"] == pytest.approx(0.15 * cif + 0.3, rel=1e-12)
    assert f["fee_hmf"] == pytest.approx(0.00125 * cif, rel=1e-12)
    assert float(customs_value_of(CostInputs.single(**{**BASE, "value_includes_freight": True}))[0]) == (
        pytest.approx(cif, rel=1e-12)
    )
    assert float(customs_value_of(CostInputs.single(**BASE))[0]) == pytest.approx(21.0, rel=1e-12)


def test_preference_and_switches() -> None:
    """USMCA preference removes a layer only where the layer exempts originating goods; 301 is never exempt;
    nothing is due on a non-dutiable movement; MPF and HMF only where they apply."""
    originating = factors(originating=True, exempt_mfn=True, exempt_additional=True, exempt_igi=True)
    assert originating["duty_mfn"] == originating["duty_additional"] == originating["duty_mx_igi"] == 0.0
    assert originating["duty_section_301"] == pytest.approx(0.25 * 21 + 0.1, rel=1e-12)
    exempt_not_originating = factors(exempt_mfn=True, exempt_additional=True, exempt_igi=True)
    assert exempt_not_originating["duty_mfn"] == pytest.approx(0.05 * 21 + 0.5, rel=1e-12)
    assert exempt_not_originating["duty_additional"] == pytest.approx(0.1 * 21 + 0.2, rel=1e-12)
    assert exempt_not_originating["duty_mx_igi"] == pytest.approx(0.15 * 21 + 0.3, rel=1e-12)
    originating_not_exempt = factors(originating=True)
    assert originating_not_exempt["duty_mfn"] == pytest.approx(0.05 * 21 + 0.5, rel=1e-12)
    assert originating_not_exempt["duty_additional"] == pytest.approx(0.1 * 21 + 0.2, rel=1e-12)
    assert originating_not_exempt["duty_mx_igi"] == pytest.approx(0.15 * 21 + 0.3, rel=1e-12)
    domestic = factors(dutiable=False)
    for name in ("duty_mfn", "duty_section_301", "duty_additional", "duty_mx_igi"):
        assert domestic[name] == 0.0, name
    no_fees = factors(mpf_applies=False, hmf_applies=False)
    assert no_fees["fee_mpf"] == 0.0 and no_fees["fee_hmf"] == 0.0
    assert factors(prepaid=False)["carry_pipeline"] == 0.0
    assert factors(disruption_per_unit=0.7)["disruption"] == 0.7  # the stress test's figure replaces the rate


@pytest.mark.parametrize(
    ("unit_price", "per_entry"),
    [
        (10.0, 31.67),  # 0.003464 · 2,100 = 7.27: the minimum
        (1000.0, 0.003464 * 1001 * 100),  # customs value 1,001 · 100 units = 100,100: 346.75 -> between
        (5000.0, 614.35),  # 0.003464 · 1,000,100 = 3,464: the maximum
    ],
)
def test_mpf_clamped_once_per_entry(unit_price: float, per_entry: float) -> None:
    """19 CFR 24.23(b)(1): MPF ad valorem on the entry, within the year's minimum and maximum, per unit ÷ Q."""
    f = factors(unit_price=unit_price, fx_rate=1.0)
    expected = min(max(0.003464 * (unit_price + 1) * 100, 31.67), 614.35) / 100
    assert per_entry / 100 == pytest.approx(expected, rel=1e-12)
    assert f["fee_mpf"] == pytest.approx(expected, rel=1e-12)


def test_entry_fees_shared_by_value() -> None:
    """Entries a year E = 26 given (not D/Q): each entry carries 5,200/26 = 200 units of this option, customs
    value 21 · 200 = 4,200, beside 5,800 of other goods (of which 3,000 pay MPF). Broker + crossing 120 per entry
    fall on this option by 21/(4,200 + 5,800) per unit; MPF 0.003464 · (4,200 + 3,000) = 24.94 -> minimum 31.67,
    shared by 21/7,200 per unit."""
    inputs = CostInputs.single(
        **{**BASE, "entries_per_year": 26.0, "entry_value_others": 5800.0, "mpf_value_others": 3000.0}
    )
    mpf, broker = entry_fees(inputs, np.asarray([21.0]))
    assert float(broker[0]) == pytest.approx(120 * 21 / 10_000, rel=1e-12)
    assert float(mpf[0]) == pytest.approx(31.67 * 21 / 7_200, rel=1e-12)
    # The option's goods do not pay MPF: only the others' 3,000 do; its share of the entry's MPF is by its value.
    no_mpf = CostInputs.single(**{**BASE, "mpf_applies": False, "entries_per_year": 26.0, "entry_value_others": 5800.0})
    mpf_off, broker_off = entry_fees(no_mpf, np.asarray([21.0]))
    assert float(mpf_off[0]) == 0.0
    assert float(broker_off[0]) == pytest.approx(120 * 21 / 10_000, rel=1e-12)


def test_an_entry_without_value_falls_on_its_units() -> None:
    """A free good (customs value 0) alone on its entries: the per-entry fees fall on its units, E/D each:
    52/5,200 = 0.01 of 120 of broker and crossing and of the MPF minimum."""
    inputs = CostInputs.single(**{**BASE, "unit_price": 0.0, "packaging": 0.0})
    mpf, broker = entry_fees(inputs, np.asarray([0.0]))
    assert float(broker[0]) == pytest.approx(1.2, rel=1e-12)
    assert float(mpf[0]) == pytest.approx(0.3167, rel=1e-12)


def test_safety_stock_vanishes_at_and_below_the_median_service_level() -> None:
    """z = Φ⁻¹(service level), floored at 0: no safety stock at 50% (or below); at 99% z = 2.3263."""
    assert factors(service_level=0.5)["carry_safety"] == 0.0
    assert factors(service_level=0.3)["carry_safety"] == 0.0
    z99 = 2.3263478740408408
    assert factors(service_level=0.99)["carry_safety"] == pytest.approx(
        z99 * math.sqrt(5 * 400 + 100**2) * 24 * 0.25 / 5200, rel=1e-12
    )


def test_zero_quantities_do_not_divide_by_zero() -> None:
    """Q and D are floored at 1e-12 (a placeholder option with no volume stays finite)."""
    f = factors(shipment_units=0.0, annual_units=0.0)
    assert all(math.isfinite(v) for v in f.values())
    assert f["carry_cycle"] == pytest.approx((1e-12 / 2) * 24 * 0.25 / 1e-12, rel=1e-9)


def test_price_path_by_hand() -> None:
    """price(y) = [α(1+w)^y + (1−α)(1+π)^y] · [1 + s((1+e)^y − 1)]: α 0.4, w 10%, π 2%, e −5%, s 0.5."""
    path = price_path(2, np.array([0.4]), np.array([0.1]), np.array([0.02]), np.array([-0.05]), np.array([0.5]))
    expected = [(0.4 * 1.1**y + 0.6 * 1.02**y) * (1 + 0.5 * (0.95**y - 1)) for y in range(3)]
    assert path.shape == (1, 3)
    assert [float(v) for v in path[0]] == pytest.approx(expected, rel=1e-12)


def test_single_defaults_and_types() -> None:
    """One option from scalars: FX 1, Q 1, D 1, 95% service, 25% carrying rate, no stress-test figure, no MPF
    cap, dutiable; everything else 0 or false; flags are boolean arrays and amounts float arrays."""
    one = CostInputs.single()
    assert one.size == 1
    defaults = {
        "fx_rate": 1.0,
        "shipment_units": 1.0,
        "annual_units": 1.0,
        "service_level": 0.95,
        "carrying_rate": 0.25,
        "mpf_max": math.inf,
        "dutiable": True,
    }
    for field in dataclasses.fields(CostInputs):
        value = getattr(one, field.name)
        assert value.shape == (1,), field.name
        assert (value.dtype == np.bool_) == (field.type == "BoolArray"), field.name
        if field.name == "disruption_per_unit":
            assert math.isnan(value[0])
        else:
            assert value[0] == defaults.get(field.name, 0), field.name


def test_single_casts_whole_numbers_to_float_and_truthy_numbers_to_flags() -> None:
    """Whole-number inputs become float arrays (so later arithmetic is not integer arithmetic); numbers given for
    a flag become booleans."""
    one = CostInputs.single(unit_price=10, annual_units=5200, prepaid=1, dutiable=0)
    assert one.unit_price.dtype == np.float64 and one.annual_units.dtype == np.float64
    assert one.prepaid.dtype == np.bool_ and bool(one.prepaid[0])
    assert one.dutiable.dtype == np.bool_ and not bool(one.dutiable[0])
    other = one.with_values(unit_price=30, prepaid=0)  # replacements keep each input's type
    assert other.unit_price.dtype == np.float64 and other.prepaid.dtype == np.bool_ and not bool(other.prepaid[0])


def test_take_with_values_and_concat() -> None:
    a = CostInputs.single(**BASE)
    b = a.with_values(unit_price=30.0, prepaid=False)
    assert float(b.unit_price[0]) == 30.0 and not bool(b.prepaid[0]) and float(a.unit_price[0]) == 10.0
    both = CostInputs.concat([a, b])
    assert both.size == 2 and [float(v) for v in both.unit_price] == [10.0, 30.0]
    picked = both.take(np.array([1, 1, 0]))
    assert [float(v) for v in picked.unit_price] == [30.0, 30.0, 10.0]
    assert [bool(v) for v in picked.prepaid] == [False, False, True]
    prices = landed_cost(picked)["price"]
    assert [float(v) for v in prices] == [60.0, 60.0, 20.0]


def test_service_levels_at_the_ends_keep_the_safety_stock_finite() -> None:
    """z = Φ⁻¹(service level) is taken at a service level held within [1e-9, 1 − 1e-9]: 100% (which no finite
    stock buys) gives z = Φ⁻¹(1 − 1e-9) ≈ 6.0, not an infinite stock; 0% and anything below it, none (z floored
    at 0), never NaN. Φ⁻¹ here is the standard library's NormalDist, independent of the kernel's scipy."""
    z_top = statistics.NormalDist().inv_cdf(1 - 1e-9)
    assert 5.9 < z_top < 6.1
    units = math.sqrt(5 * 20**2 + 100**2 * 1**2)  # L = 5 weeks, σ_d = 20, d = 100, σ_L = 1 week (as above)
    assert factors(service_level=1.0)["carry_safety"] == pytest.approx(z_top * units * 24 * 0.25 / 5200, rel=1e-6)
    assert factors(service_level=0.0)["carry_safety"] == 0.0
    assert factors(service_level=-0.1)["carry_safety"] == 0.0


def alone(**changes: float | bool) -> tuple[float, float]:
    """(MPF, broker + crossing) per unit of the option of BASE (customs value 21), with ``changes``."""
    inputs = CostInputs.single(**{**BASE, **changes})
    mpf, broker = entry_fees(inputs, customs_value_of(inputs))
    return float(mpf[0]), float(broker[0])


def test_fractional_shipments_entries_and_volumes() -> None:
    """Entry fees per unit for quantities below one (units of a large measure, rare entries): fees per entry
    divided by the units of the option an entry carries, D ÷ E (E = D ÷ Q when not given).

    * Q = 0.5 unit a shipment, one entry each: 120 of broker and crossing on half a unit = 240 per unit;
    * D = 0.5 unit a year on E = 1 entry a year: again half a unit an entry, 240 per unit;
    * E = 0.5 (an entry every two years) for D = 5,200: 10,400 units an entry, 120 / 10,400 per unit."""
    assert alone(shipment_units=0.5)[1] == pytest.approx(240.0, rel=1e-12)
    assert alone(annual_units=0.5, entries_per_year=1.0)[1] == pytest.approx(240.0, rel=1e-12)
    assert alone(entries_per_year=0.5)[1] == pytest.approx(120 / 10_400, rel=1e-12)


def test_an_entry_worth_less_than_a_dollar_still_shares_by_value() -> None:
    """A good of 0.001 USD, 100 a year on one entry a year (0.1 USD of it an entry) beside 0.4 USD of other goods
    that pay MPF: the entry is worth 0.5 USD and liable to MPF on 0.5 USD. Per unit: broker + crossing
    120 · 0.001 / 0.5; MPF the minimum 31.67 (0.003464 · 0.5 is far below it) · 0.001 / 0.5."""
    mpf, broker = alone(
        unit_price=0.001, fx_rate=1.0, packaging=0.0, annual_units=100.0, entries_per_year=1.0,
        entry_value_others=0.4, mpf_value_others=0.4,
    )  # fmt: skip
    assert broker == pytest.approx(120 * 0.001 / 0.5, rel=1e-12)
    assert mpf == pytest.approx(31.67 * 0.001 / 0.5, rel=1e-12)
