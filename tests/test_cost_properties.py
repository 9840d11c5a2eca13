"""Property tests of landed cost: monotone in rates, freight and transit; identical options cost the same;
the factors sum to the total to the cent."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import allyshore
from allyshore.cost import FACTORS, CostInputs, compare_sources, landed_cost, load_assumptions, total_of
from allyshore.cost.results import CostOption

money = st.floats(min_value=0.0, max_value=5_000.0, allow_nan=False)
rate = st.floats(min_value=0.0, max_value=1.5, allow_nan=False)
days = st.floats(min_value=0.0, max_value=90.0, allow_nan=False)


@st.composite
def options(draw: Any) -> CostInputs:
    values: dict[str, Any] = {
        "unit_price": draw(money),
        "fx_rate": draw(st.floats(min_value=0.01, max_value=2.0)),
        "packaging": draw(st.floats(min_value=0, max_value=50)),
        "freight": draw(st.floats(min_value=0, max_value=500)),
        "insurance_rate": draw(st.floats(min_value=0, max_value=0.02)),
        "dutiable": draw(st.booleans()),
        "value_includes_freight": draw(st.booleans()),
        "originating": draw(st.booleans()),
        "rate_mfn": draw(rate),
        "specific_mfn": draw(st.floats(min_value=0, max_value=10)),
        "exempt_mfn": draw(st.booleans()),
        "rate_301": draw(rate),
        "rate_additional": draw(rate),
        "rate_igi": draw(rate),
        "exempt_igi": draw(st.booleans()),
        "mpf_applies": draw(st.booleans()),
        "mpf_rate": 0.003464,
        "mpf_min": 33.58,
        "mpf_max": 651.50,
        "hmf_applies": draw(st.booleans()),
        "hmf_rate": 0.00125,
        "broker_per_entry": draw(st.floats(min_value=0, max_value=300)),
        "crossing_per_shipment": draw(st.floats(min_value=0, max_value=20)),
        "shipment_units": draw(st.floats(min_value=1, max_value=50_000)),
        "annual_units": draw(st.floats(min_value=1, max_value=1e6)),
        "transit_days": draw(days),
        "transit_sd_days": draw(st.floats(min_value=0, max_value=10)),
        "supplier_lead_days": draw(days),
        "prepaid": draw(st.booleans()),
        "carrying_rate": draw(st.floats(min_value=0, max_value=0.5)),
        "service_level": draw(st.floats(min_value=0.5, max_value=0.999)),
        "demand_cv": draw(st.floats(min_value=0, max_value=1)),
        "disruption_rate": draw(st.floats(min_value=0, max_value=0.1)),
        "opportunity_rate_per_week": draw(st.floats(min_value=0, max_value=0.01)),
    }
    return CostInputs.single(**values)


def total(inputs: CostInputs) -> float:
    return float(total_of(landed_cost(inputs))[0])


@given(options(), st.sampled_from(["rate_mfn", "rate_301", "rate_additional", "rate_igi"]), rate)
@settings(max_examples=150, deadline=None)
def test_cost_never_falls_when_a_tariff_rate_rises(x: CostInputs, layer: str, step: float) -> None:
    higher = x.with_values(**{layer: getattr(x, layer) + step})
    assert total(higher) >= total(x) - 1e-9


@given(options(), st.floats(min_value=0, max_value=1000))
@settings(max_examples=150, deadline=None)
def test_cost_never_falls_when_freight_rises(x: CostInputs, step: float) -> None:
    assert total(x.with_values(freight=x.freight + step)) >= total(x) - 1e-9


@given(options(), days, st.floats(min_value=0, max_value=10))
@settings(max_examples=150, deadline=None)
def test_cost_never_falls_when_transit_time_rises(x: CostInputs, step: float, sd_step: float) -> None:
    slower = x.with_values(transit_days=x.transit_days + step, transit_sd_days=x.transit_sd_days + sd_step)
    assert total(slower) >= total(x) - 1e-9


@given(options(), st.integers(min_value=2, max_value=5))
@settings(max_examples=60, deadline=None)
def test_identical_options_cost_the_same(x: CostInputs, copies: int) -> None:
    many = CostInputs.concat([x] * copies)
    totals = total_of(landed_cost(many))
    assert np.all(totals == totals[0])


@given(options())
@settings(max_examples=150, deadline=None)
def test_factors_sum_to_the_total_to_the_cent(x: CostInputs) -> None:
    factors = landed_cost(x)
    per_unit = {k: float(v[0]) for k, v in factors.items()}
    option = CostOption(
        source_site="S",
        to_site="T",
        item_id="I",
        country="CN",
        lane="lane",
        mode="ocean",
        status="active",
        annual_units=float(x.annual_units[0]),
        per_unit=per_unit,
        total=total(x),
        projection=(total(x),),
        assumptions=(),
    )
    data = option.to_dict()
    assert set(data["per_unit"]) == {"total", *FACTORS}
    parts = sum(v for k, v in data["per_unit"].items() if k != "total")
    assert abs(parts - data["per_unit"]["total"]) < 0.005
    year = sum(v for k, v in data["per_year"].items() if k != "total")
    assert abs(year - data["per_year"]["total"]) <= 0.005 * (len(FACTORS) + 1)


def test_columns_of_cost_inputs_are_all_exercised() -> None:
    names = {f.name for f in dataclasses.fields(CostInputs)}
    assert {"rate_mfn", "freight", "transit_days", "mpf_min", "mpf_max"} <= names


@given(rate, st.floats(min_value=0, max_value=2), st.floats(min_value=0, max_value=60))
@settings(max_examples=10, deadline=None)
def test_network_comparison_is_monotone_in_user_layers_freight_and_transit(
    tiny_path_once: Path, extra: float, freight: float, transit: float
) -> None:
    base_doc = allyshore.load_network(tiny_path_once).to_dict()
    book = load_assumptions(
        text=f"[[tariff]]\nlayer = 'additional'\nimporter = 'MX'\nrate_ad_valorem = {extra}\nsource = 'test'\n"
    )
    fixed = {("S1", "K"): False, ("S2", "K"): False}  # origin given: the origin engine is not under test here
    plain = compare_sources(allyshore.Network.from_dict(base_doc), "K", as_of="2025-06-01", originating=fixed)
    layered = compare_sources(
        allyshore.Network.from_dict(base_doc), "K", as_of="2025-06-01", assumptions=book, originating=fixed
    )
    slower_doc = {**base_doc, "flows": [dict(f) for f in base_doc["flows"]]}
    for f in slower_doc["flows"]:
        f["freight_per_unit"] = f.get("freight_per_unit", 0.0) + freight
        f["transit_days"] = f.get("transit_days", 0.0) + transit
    slower = compare_sources(allyshore.Network.from_dict(slower_doc), "K", as_of="2025-06-01", originating=fixed)
    for site in ("S1", "S2"):
        assert layered.option(site).total >= plain.option(site).total - 1e-9
        assert slower.option(site).total >= plain.option(site).total - 1e-9


@pytest.fixture(scope="module")
def tiny_path_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny network of conftest, written once for the hypothesis test (function fixtures do not mix with it)."""
    import json

    from conftest import TINY

    path = tmp_path_factory.mktemp("cost") / "net.json"
    path.write_text(json.dumps(TINY))
    return path
