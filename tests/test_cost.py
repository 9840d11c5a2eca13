"""Landed cost: golden values computed by hand below, duty layering by date, fees, defaults, CLI contract."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import allyshore
import allyshore.cost.options as cost_options
from allyshore.cli import main
from allyshore.cost import (
    FACTORS,
    CostInputs,
    compare_sources,
    default_assumptions,
    duty_rates,
    landed_cost,
    load_assumptions,
    network_cost,
    sensitivity,
    total_of,
)
from allyshore.cost.assumptions import TABLE_FILES, tariff_frame
from allyshore.cost.tariffs import UNKNOWN
from allyshore.errors import InputError, NotFoundError, PolicyError
from allyshore.model.schema import LANDED_COST, TABLES, analysis_columns

UNKNOWN_CODES = {name: code for code, name in UNKNOWN.items()}

Z95 = 1.6448536269514722  # Phi^-1(0.95)


def one(**values: Any) -> dict[str, float]:
    factors = landed_cost(CostInputs.single(**values))
    return {k: float(v[0]) for k, v in factors.items()}


# --- golden: the kernel, every term by hand --------------------------------------------------------------


GOLDEN = {
    "unit_price": 10.0,
    "packaging": 0.2,
    "freight": 0.5,
    "insurance_rate": 0.005,
    "rate_mfn": 0.027,
    "rate_301": 0.25,
    "mpf_applies": True,
    "mpf_rate": 0.003464,
    "mpf_min": 33.58,
    "mpf_max": 651.50,
    "hmf_applies": True,
    "hmf_rate": 0.00125,
    "broker_per_entry": 125.0,
    "shipment_units": 500.0,
    "annual_units": 6000.0,
    "transit_days": 25.0,
    "transit_sd_days": 3.0,
    "supplier_lead_days": 14.0,
    "prepaid": True,
    "carrying_rate": 0.25,
    "service_level": 0.95,
    "demand_cv": 0.25,
    "disruption_rate": 0.04,
}


def test_golden_ocean_import_from_china_every_term() -> None:
    """Hand computation (landed-cost brief s.2-4; numbers as in data/cost for FY2026)."""
    f = one(**GOLDEN)
    assert f["price"] == pytest.approx(10.0)
    assert f["insurance"] == pytest.approx(0.005 * (10.0 + 0.2 + 0.5))  # 0.0535
    # US customs value excludes freight and insurance: 10 + 0.2 = 10.2
    assert f["duty_mfn"] == pytest.approx(0.027 * 10.2)  # 0.2754
    assert f["duty_section_301"] == pytest.approx(0.25 * 10.2)  # 2.55
    # entry of 500 units: 0.003464 * 5,100 = 17.67 < minimum 33.58 -> 33.58 / 500
    assert f["fee_mpf"] == pytest.approx(0.06716)
    assert f["fee_hmf"] == pytest.approx(0.00125 * 10.2)  # 0.01275
    assert f["broker_crossing"] == pytest.approx(125 / 500)  # 0.25
    # v = 10 + 0.2 + 0.5 = 10.7; pipeline = 10.7 * 0.25 * 25 / 365
    assert f["carry_pipeline"] == pytest.approx(0.1832191780821918)
    # cycle = (500 / 2) * 10.7 * 0.25 / 6000 = 668.75 / 6000
    assert f["carry_cycle"] == pytest.approx(0.11145833333333334)
    # L = 39/7 = 5.5714 weeks, sL = 3/7, d = 6000/52 = 115.3846, sd = 0.25 d = 28.8462
    # SS = 1.64485 * sqrt(5.5714 * 28.8462^2 + 115.3846^2 * (3/7)^2) = 1.64485 * sqrt(4635.989 + 2445.357)
    #    = 138.4156 units; carry = 138.4156 * 10.7 * 0.25 / 6000
    safety_units = Z95 * math.sqrt(4635.989010989011 + 2445.3568409612367)
    assert safety_units == pytest.approx(138.41563826363588)
    assert f["carry_safety"] == pytest.approx(0.06171030539253766)
    assert f["disruption"] == pytest.approx(0.4)  # 4% of the 10.00 price
    # 10 + .2 + .5 + .0535 + .2754 + 2.55 + .06716 + .01275 + .25 + .18322 + .11146 + .06171 + .4
    assert float(total_of(landed_cost(CostInputs.single(**GOLDEN)))[0]) == pytest.approx(14.66519781680806)


def test_mpf_minimum_maximum_and_between() -> None:
    """19 CFR 24.23 / 90 FR 34665: 0.3464% per entry, clamped to USD 33.58 .. 651.50 (FY2026)."""
    fee = {"mpf_applies": True, "mpf_rate": 0.003464, "mpf_min": 33.58, "mpf_max": 651.50}
    # 1000 units x 1000 USD: 0.003464 * 1,000,000 = 3,464 > 651.50 -> 651.50 / 1000 = 0.6515
    assert one(unit_price=1000.0, shipment_units=1000.0, **fee)["fee_mpf"] == pytest.approx(0.6515)
    # 100 units x 100 USD: 0.003464 * 10,000 = 34.64, inside the band -> 0.3464 per unit
    assert one(unit_price=100.0, shipment_units=100.0, **fee)["fee_mpf"] == pytest.approx(0.3464)
    # 10 units x 10 USD: 0.3464 < 33.58 -> 33.58 / 10 = 3.358
    assert one(unit_price=10.0, shipment_units=10.0, **fee)["fee_mpf"] == pytest.approx(3.358)
    assert one(unit_price=10.0, shipment_units=10.0, **{**fee, "mpf_applies": False})["fee_mpf"] == 0.0


def test_mpf_limits_by_fiscal_year() -> None:
    from allyshore.cost.tariffs import mpf_limits

    mpf = default_assumptions().mpf
    assert mpf_limits(mpf, dt.date(2025, 9, 30))["minimum"] == 32.71  # FY2025
    assert mpf_limits(mpf, dt.date(2025, 10, 1))["maximum"] == 651.50  # FY2026, 90 FR 34665


def test_usmca_preference_removes_mfn_but_not_301() -> None:
    base = {"unit_price": 100.0, "rate_mfn": 0.025, "exempt_mfn": True, "rate_301": 0.25}
    assert one(**base)["duty_mfn"] == pytest.approx(2.5)
    assert one(**base, originating=True)["duty_mfn"] == 0.0
    assert one(**base, originating=True)["duty_section_301"] == pytest.approx(25.0)


def test_mexican_customs_value_includes_freight_and_insurance() -> None:
    """LA art. 65: IGI on price + packaging + freight + insurance = (10 + 1) * 1.005 = 11.055; 5% -> 0.55275."""
    f = one(unit_price=10.0, freight=1.0, insurance_rate=0.005, value_includes_freight=True, rate_igi=0.05)
    assert f["duty_mx_igi"] == pytest.approx(0.05 * 11.055)


# --- duty layering by date --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hts", "date", "rate"),
    [
        ("9403.60.80", "2018-09-23", 0.0),  # before List 3
        ("9403.60.80", "2018-09-24", 0.10),  # List 3 at 10% (83 FR 47974)
        ("9403.60.80", "2019-05-09", 0.10),
        ("9403.60.80", "2019-05-10", 0.25),  # List 3 raised to 25% (84 FR 20459)
        # 8507.60.00.20 (non-EV lithium-ion batteries) is on List 4A (CBP ruling NY N314994: 9903.88.15)
        ("8507.60.00.20", "2019-09-01", 0.15),  # List 4A at 15% (84 FR 43304, 84 FR 45821)
        ("8507.60.00.20", "2020-02-14", 0.075),  # cut to 7.5% (85 FR 3741)
        ("8507.60.00.20", "2026-01-01", 0.25),  # four-year review, 9903.91.06 (89 FR 76581)
        ("8507.60.00.10", "2024-09-27", 0.25),  # EV batteries, four-year review, 9903.91.01 (89 FR 76581)
        ("8536.50.90", "2018-07-05", 0.0),
        ("8536.50.90", "2018-07-06", 0.25),  # List 1 (83 FR 28710)
        ("8541.10.00", "2024-12-31", 0.25),  # List 3 (the old hand table said 0: diodes are on List 3)
        ("8541.10.00", "2025-01-01", 0.50),  # semiconductors, 9903.91.05 (89 FR 76581)
    ],
)
def test_section_301_layering_by_date(hts: str, date: str, rate: float) -> None:
    tariffs = default_assumptions().tariffs
    found = duty_rates(tariffs, [hts], ["CN"], ["US"], dt.date.fromisoformat(date))
    assert float(found.rate["section_301"][0]) == pytest.approx(rate)
    assert int(found.unknown["section_301"][0]) == 0
    # the same good from Mexico pays no Section 301
    assert float(duty_rates(tariffs, [hts], ["MX"], ["US"], dt.date.fromisoformat(date)).rate["section_301"][0]) == 0


def test_an_eight_digit_code_whose_ten_digit_lines_differ_is_unknown_not_zero() -> None:
    """8507.60.00 in 2025: .10 (EV) 25% under 9903.91.01, .20 (other) 7.5% under List 4A: the HTS8 cannot tell."""
    tariffs = default_assumptions().tariffs
    found = duty_rates(tariffs, ["8507.60.00"], ["CN"], ["US"], dt.date(2025, 6, 1))
    assert found.unknown["section_301"][0] == UNKNOWN_CODES["depends on the full line"]
    assert found.rate["section_301"][0] == 0.0
    # from 2026 the whole 8-digit line is under 9903.91.06 at 25%: known again
    later = duty_rates(tariffs, ["8507.60.00"], ["CN"], ["US"], dt.date(2026, 1, 15))
    assert later.unknown["section_301"][0] == 0 and float(later.rate["section_301"][0]) == 0.25


def test_layer_switches_and_usmca_exemption() -> None:
    """Rows off by default are switched on by [layers]; a usmca_exempt row does not apply to originating goods."""
    rows = tariff_frame(
        [
            {"layer": "ieepa_fentanyl", "importer": "US", "origin": "CN", "rate_ad_valorem": 0.10,
             "effective_from": "2025-02-04", "enabled": False, "source": "test"},
            {"layer": "ieepa_fentanyl", "importer": "US", "origin": "MX", "rate_ad_valorem": 0.25,
             "effective_from": "2025-03-07", "enabled": False, "usmca_exempt": True, "source": "test"},
        ]
    )  # fmt: skip
    tariffs = rows
    when = dt.date(2025, 4, 1)
    assert float(duty_rates(tariffs, ["8536.50.90"], ["CN"], ["US"], when).rate["ieepa_fentanyl"][0]) == 0.0
    on = duty_rates(
        tariffs, ["8536.50.90"] * 3, ["CN", "MX", "MX"], ["US"] * 3, when, {"ieepa_fentanyl": True},
        originating=[False, False, True],
    )  # fmt: skip
    assert on.rate["ieepa_fentanyl"].tolist() == [0.10, 0.25, 0.25]
    assert on.usmca_exempt["ieepa_fentanyl"].tolist() == [False, True, True]
    assert on.exempted["ieepa_fentanyl"].tolist() == [False, False, True]
    early = duty_rates(tariffs, ["8536.50.90"], ["MX"], ["US"], dt.date(2025, 3, 5), {"ieepa_fentanyl": True})
    assert float(early.rate["ieepa_fentanyl"][0]) == 0.0


def test_mfn_is_the_most_specific_line() -> None:
    """HTSUS 2025 Basic Edition col. 1 General: 6109.10.00 16.5%, 8534.00.00 Free; 0101.21 (one line, Free);
    7318.15 lines range from Free (7318.15.20) to 8.5% (7318.15.80)."""
    tariffs = default_assumptions().tariffs
    found = duty_rates(
        tariffs, ["6109.10.00", "8534.00.00", "0101.21", "7318.15"], ["VN", "CN", "CN", "CN"], ["US"] * 4,
        dt.date(2025, 1, 1),
    )  # fmt: skip
    assert found.rate["mfn"].tolist() == [0.165, 0.0, 0.0, 0.0]
    assert found.measure["mfn"].tolist()[:3] == ["mfn-61091000-2025", "mfn-85340000-2025", "mfn-010121-2025"]
    # 7318.15: its 8-digit lines have different MFN rates, so a 6-digit code cannot be priced: unknown, not 0
    assert found.unknown["mfn"].tolist() == [0, 0, 0, UNKNOWN_CODES["depends on the full line"]]
    assert str(found.example["mfn"][3]).startswith("731815")  # a longer line that differs


# --- defaults and assumptions -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLE_FILES)
def test_every_default_row_has_a_source_and_date(name: str) -> None:
    text = (files("allyshore") / "data" / "cost" / f"{name}.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows
    for row in rows:
        assert row["source"].strip(), row
        assert row["source_date"].strip(), row
        dt.date.fromisoformat(row["source_date"])


def test_assumptions_file_overrides_and_is_listed(tiny_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(
        "[parameters]\ncarrying_rate = 0.5\n[layers]\nieepa_fentanyl = true\n"
        "[[tariff]]\nmeasure_id = 'igi-8536'\nlayer = 'mfn'\nimporter = 'MX'\nhts_prefix = '8536.50'\n"
        "rate_ad_valorem = 0.05\nsource = 'test row'\n"
    )
    network = allyshore.load_network(tiny_path)
    base = compare_sources(network, "K", as_of="2025-06-01")
    over = compare_sources(network, "K", as_of="2025-06-01", assumptions=path)
    carrying = next(a for a in over.assumptions if a.key == "parameters.carrying_rate")
    assert carrying.value == 0.5 and carrying.origin == "file"
    s1, s1_base = over.option("S1"), base.option("S1")
    assert s1.per_unit["carry_pipeline"] == pytest.approx(2 * s1_base.per_unit["carry_pipeline"])
    # LA 63-A: the Mexican plant PL exports G to the US, so the Chinese input K pays IGI on its CIF value
    cif = (18.0 + 0.8) * 1.005
    assert s1.per_unit["duty_mx_igi"] == pytest.approx(0.05 * cif)
    assert any(a.key == "tariff.igi-8536" for a in s1.assumptions)


def test_imported_input_of_an_immex_plant_exporting_outside_usmca_pays_no_igi(tiny_document: dict[str, Any]) -> None:
    doc = tiny_document
    doc["sites"][3]["country"] = "DE"  # the plant now exports to Germany: LA 104-I temporary import, no IGI
    book = load_assumptions(
        text="[[tariff]]\nlayer = 'mfn'\nimporter = 'MX'\nhts_prefix = '853650'\nrate_ad_valorem = 0.05\nsource = 't'\n"
    )
    result = compare_sources(allyshore.Network.from_dict(doc), "K", as_of="2025-06-01", assumptions=book)
    assert result.option("S1").per_unit["duty_mx_igi"] == 0.0


def test_bad_assumptions_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not a cost parameter"):
        load_assumptions(text="[parameters]\nnope = 1\n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_assumptions(text="[parameters\n")
    with pytest.raises(PolicyError, match="needs its source"):
        load_assumptions(text="[[tariff]]\nlayer = 'mfn'\nimporter = 'US'\nrate_ad_valorem = 0.1\n")
    with pytest.raises(PolicyError, match="cannot read"):
        load_assumptions(tmp_path / "missing.toml")


# --- the network level -----------------------------------------------------------------------------------


def golden_network() -> allyshore.Network:
    return allyshore.Network.from_dict(
        {
            "sites": [
                {"site_id": "A", "country": "CN", "kind": "supplier"},
                {"site_id": "P", "country": "US", "kind": "plant", "lon": -118.2},
            ],
            "items": [{"item_id": "X", "hs_code": "8536.50.90"}],
            "supply": [
                {"site_id": "A", "item_id": "X", "unit_price": 10, "lead_time_days": 14, "packaging_per_unit": 0.2}
            ],
            "flows": [
                {
                    "from_site": "A",
                    "to_site": "P",
                    "item_id": "X",
                    "mode": "ocean",
                    "transit_days": 25,
                    "freight_per_unit": 0.5,
                    "shipments_per_year": 10.4,
                }
            ],
            "demand": [{"site_id": "P", "item_id": "X", "units_per_week": 100}],
        }
    )


def test_golden_network_option_with_shipped_defaults() -> None:
    """D = 100 * 52 = 5,200 units; Q = 5,200 / 10.4 = 500; lane ocean_asia_us_west (sd 3 days); CN tier adversary 4%."""
    result = compare_sources(golden_network(), "X", as_of="2025-06-01", use_origin_engine=False)
    option = result.option("A")
    u = option.per_unit
    assert option.lane == "ocean_asia_us_west"
    assert option.annual_units == pytest.approx(5200)
    expected = {
        "price": 10.0,
        "packaging": 0.2,
        "freight": 0.5,
        "insurance": 0.0535,  # 0.5% of 10.7
        "duty_mfn": 0.0,  # 8536.50.90 is Free (USITC HTS 2025 Basic Edition, col. 1 General), not 2.7%
        "duty_section_301": 2.55,  # List 1, 25% of 10.2
        # IEEPA on China in force on 2025-06-01: fentanyl 20% (EO 14228) + reciprocal 10% (EO 14257 as cut by
        # EO 14298 from 14 May 2025) = 30% of 10.2
        "duty_additional": 0.30 * 10.2,
        "fee_mpf": 32.71 / 500,  # 0.003464 * 5,100 = 17.67 < FY2025 minimum 32.71 (2025-06-01 is in FY2025)
        "fee_hmf": 0.01275,  # 0.125% of 10.2
        "broker_crossing": 0.25,  # 125 / 500
        "carry_pipeline": 0.1832191780821918,  # 10.7 * .25 * 25 / 365
        "carry_cycle": 0.12860576923076922,  # 250 * 10.7 * .25 / 5200
        "carry_safety": 0.06171030539253765,  # 1.64485 * sqrt(5.5714 * 25^2 + 100^2 * (3/7)^2) * 2.675 / 5200
        "disruption": 0.4,  # 4% of 10
    }
    for factor, value in expected.items():
        assert u[factor] == pytest.approx(value), factor
    assert option.total == pytest.approx(sum(expected.values()))
    assert sum(u.values()) == pytest.approx(option.total)


def make_or_buy_network() -> allyshore.Network:
    """Plant P (MX) makes G for customer C (US) from A, which it makes itself from R bought from S (CN);
    M (MX) is a candidate source of A; D is a US distributor of R's maker in China (origin_country CN)."""
    return allyshore.Network.from_dict(
        {
            "sites": [
                {"site_id": "P", "country": "MX", "kind": "plant"},
                {"site_id": "M", "country": "MX", "kind": "supplier"},
                {"site_id": "S", "country": "CN", "kind": "supplier"},
                {"site_id": "D", "country": "US", "kind": "supplier"},
                {"site_id": "C", "country": "US", "kind": "customer"},
            ],
            "items": [
                {"item_id": "G", "hs_code": "9019.20.00"},
                {"item_id": "A", "hs_code": "8537.10"},
                {"item_id": "R", "hs_code": "8536.50.90"},
            ],
            "bom": [
                {"parent_id": "G", "child_id": "A", "quantity": 2},
                {"parent_id": "A", "child_id": "R", "quantity": 3},
            ],
            "supply": [
                {"site_id": "P", "item_id": "G", "unit_price": 500},
                {"site_id": "P", "item_id": "A", "unit_price": 40},
                {"site_id": "M", "item_id": "A", "unit_price": 55, "status": "candidate"},
                {"site_id": "S", "item_id": "R", "unit_price": 3},
                {"site_id": "D", "item_id": "R", "unit_price": 4, "origin_country": "CN", "status": "candidate"},
            ],
            "flows": [
                {"from_site": "S", "to_site": "P", "item_id": "R", "mode": "ocean"},
                {"from_site": "P", "to_site": "C", "item_id": "G"},
            ],
            "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 10}],
        }
    )


def test_make_or_buy_of_an_in_house_item() -> None:
    """The need of P for A is 10 G a week x 2 x 52 = 1,040 a year (not a default); P's own make is an option,
    with nothing shipped (no freight, insurance or stock in transit), beside the candidate M."""
    result = compare_sources(make_or_buy_network(), "A", to_site="P", as_of="2026-12-01", use_origin_engine=False)
    assert {o.source_site for o in result.options} == {"P", "M"}
    own, bought = result.option("P"), result.option("M")
    assert own.status == "active" and bought.status == "candidate"
    assert own.annual_units == pytest.approx(10 * 2 * 52) and bought.annual_units == pytest.approx(10 * 2 * 52)
    assert own.per_unit["price"] == 40.0
    assert own.per_unit["freight"] == own.per_unit["insurance"] == own.per_unit["carry_pipeline"] == 0.0
    assert bought.per_unit["insurance"] > 0


def test_a_distributors_risk_is_its_makers_country() -> None:
    """D is in the US but ships R made in China (origin_country CN): the disruption default is the adversary
    tier's 4% of price (data/cost/risk_tiers.csv), not the US domestic 0.5%."""
    result = compare_sources(make_or_buy_network(), "R", to_site="P", as_of="2026-12-01", use_origin_engine=False)
    assert result.option("D").per_unit["disruption"] == pytest.approx(0.04 * 4)
    assert result.option("S").per_unit["disruption"] == pytest.approx(0.04 * 3)


def test_compare_contract_on_the_tiny_network(tiny_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["cost", "compare", str(tiny_path), "--item", "K", "--json"])
    assert done.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert {o["source_site"] for o in data["options"]} == {"S1", "S2"}
    assert sorted(data["ranking"]) == ["S1", "S2"]
    totals = [o["per_unit"]["total"] for o in data["options"]]
    assert totals == sorted(totals)
    for option in data["options"]:
        assert {"source_site", "country", "lane", "per_unit", "per_year", "assumptions"} <= set(option)
        parts = sum(v for k, v in option["per_unit"].items() if k != "total")
        assert abs(parts - option["per_unit"]["total"]) < 0.005
        year = sum(v for k, v in option["per_year"].items() if k != "total")
        assert abs(year - option["per_year"]["total"]) < 0.01 * len(FACTORS)
        assert option["assumptions"] and all(a["source"] for a in option["assumptions"])
    assert all(a["source"] for a in data["assumptions"])


def test_cli_errors_and_tables(tiny_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["cost", "compare", str(tiny_path), "--item", "NOPE"])
    assert done.value.code == 1
    assert capsys.readouterr().err.startswith("Error: item 'NOPE' is not in the network")
    with pytest.raises(SystemExit) as done:
        main(["cost", "compare", str(tiny_path), "--item", "K", "--as-of", "yesterday"])
    assert done.value.code == 1
    assert "is not a date" in capsys.readouterr().err
    for command in (["network", str(tiny_path)], ["sensitivity", str(tiny_path), "--item", "K"]):
        with pytest.raises(SystemExit) as done:
            main(["cost", *command])
        assert done.value.code == 0
    out = capsys.readouterr().out
    assert "Tornado" in out and "Current vs best" in out


def test_network_cost_totals_and_current_vs_best(tiny_path: Path) -> None:
    network = allyshore.load_network(tiny_path)
    result = network_cost(network, as_of="2025-06-01")
    flows = result.flows
    assert set(flows.get_column("source_site").to_list()) == {"S1", "PL"}
    k = flows.filter(flows["item_id"] == "K").row(0, named=True)
    assert k["annual_units"] == pytest.approx(40 * 2 * 52)  # 40 G a week x 2 K each
    good = result.goods.row(0, named=True)
    # the landed cost of G is its price at the plant plus every cost added on the way, per unit of G
    g = flows.filter(flows["item_id"] == "G").row(0, named=True)
    adders = 2 * (k["total_per_unit"] - k["price"]) + (g["total_per_unit"] - g["price"])
    assert good["landed_per_unit"] == pytest.approx(100.0 + adders)
    assert result.total_per_year == pytest.approx(k["total_per_unit"] * 4160 + g["total_per_unit"] * 2080)
    item_k = next(s for s in result.sourcing if s.item_id == "K")
    assert item_k.current_sources == ("S1",) and item_k.best_source == "S1"
    json.dumps(result.to_dict())
    assert "<table>" in result._repr_html_()


def test_origin_engine_feeds_usmca_preference(tiny_path: Path) -> None:
    network = allyshore.load_network(tiny_path)
    result = network_cost(network, as_of="2025-06-01", originating={("PL", "G"): False})
    forced = network_cost(network, as_of="2025-06-01", originating={("PL", "G"): True})
    g_not = result.flows.filter(result.flows["item_id"] == "G").row(0, named=True)
    g_yes = forced.flows.filter(forced.flows["item_id"] == "G").row(0, named=True)
    assert g_not["fee_mpf"] > 0 and g_yes["fee_mpf"] == 0  # MPF exemption of originating goods
    engine = network_cost(network, as_of="2025-06-01")
    note = next(a for a in engine.assumptions if a.key == "origin")
    assert note.origin in ("origin engine", "network")


def test_stress_test_disruption_replaces_the_country_default(tiny_path: Path) -> None:
    network = allyshore.load_network(tiny_path)
    result = compare_sources(network, "K", as_of="2025-06-01", disruption_per_unit={"S1": 3.0})
    assert result.option("S1").per_unit["disruption"] == 3.0
    # S2 is in the US: trust tier "domestic" under the default US policy, default 0.5% of its 24.00 price
    assert result.option("S2").per_unit["disruption"] == pytest.approx(0.005 * 24)
    assert any(a.origin == "stress test" for a in result.option("S1").assumptions)


def test_projection_follows_wage_inflation(tiny_path: Path) -> None:
    network = allyshore.load_network(tiny_path)
    book = load_assumptions(text="[countries.CN]\nwage_inflation = 0.10\n[parameters]\nlabour_share = 1.0\n")
    result = compare_sources(network, "K", as_of="2025-06-01", assumptions=book)
    s1 = result.option("S1")
    assert len(s1.projection) == 6
    assert s1.projection[0] == pytest.approx(s1.total)
    # price 18 grows 10% a year; year 5 price = 18 * 1.1^5 = 28.98918
    bumped = compare_sources(network, "K", as_of="2025-06-01", assumptions=book.with_parameters(labour_share=0.0))
    assert s1.projection[5] - bumped.option("S1").projection[5] > (18 * 1.1**5 - 18) * 1.0


def test_sensitivity_break_evens_flip_the_ranking(tiny_path: Path) -> None:
    network = allyshore.load_network(tiny_path)
    result = sensitivity(network, "K", as_of="2025-06-01")
    leader, challenger = result.comparison.options[0], result.comparison.options[1]
    tariff = next(b for b in result.break_evens if b.factor == "tariff_rate")
    assert tariff.break_even is not None and tariff.break_even > 0
    # at the break-even extra rate on the leader, leader and challenger cost the same
    book = default_assumptions()
    extra = load_assumptions(
        text="[[tariff]]\nlayer = 'additional'\nimporter = 'MX'\norigin = 'CN'\n"
        f"rate_ad_valorem = {tariff.break_even}\nsource = 'test'\n"
    )
    flipped = compare_sources(network, "K", as_of="2025-06-01", assumptions=extra)
    assert flipped.option(leader.source_site).total == pytest.approx(challenger.total, abs=1e-4)
    assert book.parameter("carrying_rate") == 0.25
    swings = {s.factor: s for s in result.swings}
    assert set(swings) >= {"unit_price", "freight", "tariff_rate", "transit_days", "carrying_rate"}
    assert swings["freight"].high[leader.source_site] > swings["freight"].low[leader.source_site]
    assert challenger.total > leader.total
    json.dumps(result.to_dict())


def test_unknown_site_and_item_without_sources(tiny_path: Path) -> None:
    network = allyshore.load_network(tiny_path)
    with pytest.raises(NotFoundError):
        compare_sources(network, "K", "NOWHERE")
    with pytest.raises(InputError, match="not a date"):
        compare_sources(network, "K", as_of="31/12/2025")


def test_candidate_supply_without_a_flow_gets_an_inferred_lane(tiny_document: dict[str, Any]) -> None:
    doc = tiny_document
    doc["sites"].append({"site_id": "S3", "country": "VN", "kind": "supplier"})
    doc["items"][1]["weight_kg"] = 0.5
    doc["supply"].append({"site_id": "S3", "item_id": "K", "unit_price": 15, "status": "candidate"})
    result = compare_sources(allyshore.Network.from_dict(doc), "K", as_of="2025-06-01")
    s3 = result.option("S3")
    assert s3.lane == "ocean_asia_us_west" and s3.status == "candidate"
    # freight from the lane default: 2,726 USD per FEU x 0.5 kg / 20,000 kg payload
    assert s3.per_unit["freight"] == pytest.approx(2726 * 0.5 / 20000)
    assert any(a.key == "lanes.ocean_asia_us_west" for a in s3.assumptions)


def test_results_render_html_and_frames(tiny_path: Path) -> None:
    network = allyshore.load_network(tiny_path)
    result = compare_sources(network, "K", as_of="2025-06-01")
    frame = result.to_frame()
    assert frame.height == 2 and set(FACTORS) <= set(frame.columns)
    assert "S1" in result._repr_html_()
    values = np.asarray([frame.get_column(f).to_numpy() for f in FACTORS]).sum(axis=0)
    assert np.allclose(values, frame.get_column("total").to_numpy())


def test_monte_carlo_result_feeds_the_disruption_factor(tiny_path: Path) -> None:
    from allyshore.cost import disruption_from_monte_carlo
    from allyshore.resilience import simulate

    network = allyshore.load_network(tiny_path)
    simulation = simulate(network, runs=200, seed=3, scheduler="synchronous")
    per_unit = disruption_from_monte_carlo(network, simulation)
    assert set(per_unit) <= {"S1", "PL"} and "S1" in per_unit  # S2 ships nothing today
    site = {c.source: c.expected_loss for c in simulation.contributions if c.kind == "site"}
    country = {c.source: c.expected_loss for c in simulation.contributions if c.kind == "country"}
    # S1 is the only shipping site in CN: all of CN's loss is its own; 4,160 K a year
    expected = (site.get("S1", 0.0) + country.get("CN", 0.0)) / 4160
    assert per_unit["S1"] == pytest.approx(expected)
    result = compare_sources(network, "K", as_of="2025-06-01", disruption_per_unit=simulation)
    assert result.option("S1").per_unit["disruption"] == pytest.approx(expected)


def test_report_section_renders_bars_tornado_projection_and_break_evens(tiny_document: dict[str, Any]) -> None:
    from allyshore.report import BUILDERS, cost, run_analyses
    from allyshore.report.sections import build_sections

    assert cost.build in BUILDERS
    network = allyshore.Network.from_dict(tiny_document)
    (section,) = build_sections(run_analyses(network), [cost.build])
    assert section.id == "cost"
    html = str(section.safe_html)
    assert 'id="cost-bars"' in html and 'id="cost-tornado"' in html
    assert "<polyline" in html and "Break-even values" in html
    assert "#1 S1" in html and "#2 S2" in html
    assert section.sources and all(":" in s for s in section.sources)


def test_report_section_is_skipped_without_flows() -> None:
    from allyshore.report import run_analyses
    from allyshore.report.cost import build

    network = allyshore.Network.from_dict(
        {"sites": [{"site_id": "S", "country": "MX", "kind": "supplier"}], "items": [{"item_id": "X"}]}
    )
    context = run_analyses(network)
    assert context.cost is None
    assert build(context) is None


@pytest.mark.browser
@pytest.mark.slow
def test_cost_section_renders_in_chromium(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    from allyshore.report import cost, write_report
    from test_report import CHROMIUM_ARGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (install Debian's package: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    index = write_report(allyshore.Network.from_dict(tiny_document), tmp_path / "report", builders=[cost.build])
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(index.as_uri(), wait_until="load")
            assert page.locator("#cost-bars rect").count() >= 2
            assert page.locator("#cost-tornado rect.swing").count() >= 10
            assert page.locator("#cost-sourcing-table tbody tr").count() == 2
            box = page.locator("#cost-bars").bounding_box()
            assert box is not None and box["width"] > 600
        finally:
            browser.close()
    assert errors == []


def test_missing_tariff_rows_are_listed_not_hidden(tiny_path: Path) -> None:
    result = compare_sources(allyshore.load_network(tiny_path), "K", as_of="2025-06-01")
    notes = [a for a in result.option("S1").assumptions if a.key == "tariff.mfn"]
    assert notes and "no Mexican IGI (TIGIE) rates are shipped" in notes[0].source
    assert "HTS 8536.50 from CN into MX" in notes[0].source
    (unknown,) = result.option("S1").unknown_duties
    assert (unknown.item_id, unknown.hs_code, unknown.origin, unknown.importer, unknown.layer) == (
        "K", "853650", "CN", "MX", "mfn"
    )  # fmt: skip
    assert result.to_dict()["unknown_duties"][0]["reason"] == unknown.reason


def test_lithium_ion_batteries_from_china_stack_mfn_and_301() -> None:
    """8507.60.00.20: MFN 3.4% (USITC HTS 2025/2026 Basic Editions) + Section 301: 7.5% (List 4A, CBP NY N314994)
    in 2025, 25% from 1 Jan 2026 (9903.91.06, 89 FR 76581)."""
    tariffs = default_assumptions().tariffs
    for date, s301 in (("2025-06-01", 0.075), ("2026-01-15", 0.25)):
        found = duty_rates(tariffs, ["8507.60.00.20"], ["CN"], ["US"], dt.date.fromisoformat(date))
        assert float(found.rate["mfn"][0]) == pytest.approx(0.034)
        assert float(found.rate["section_301"][0]) == pytest.approx(s301)
    # no US schedule before the 2025 Basic Edition is shipped: the MFN duty of 2023 is unknown, not 0
    old = duty_rates(tariffs, ["8507.60.00.20"], ["CN"], ["US"], dt.date(2023, 6, 1))
    assert old.unknown["mfn"][0] == UNKNOWN_CODES["no MFN row"]
    # per unit on a USD 100 battery (FOB): 3.4 + 25.0 = 28.40 of duty
    f = one(unit_price=100.0, rate_mfn=0.034, rate_301=0.25)
    assert f["duty_mfn"] + f["duty_section_301"] == pytest.approx(28.4)


def test_defaults_template_round_trips(tiny_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as done:
        main(["cost", "defaults"])
    assert done.value.code == 0
    template = tmp_path / "defaults.toml"
    template.write_text(capsys.readouterr().out)
    network = allyshore.load_network(tiny_path)
    plain = compare_sources(network, "K", as_of="2025-06-01")
    same = compare_sources(network, "K", as_of="2025-06-01", assumptions=template)
    assert [o.total for o in same.options] == pytest.approx([o.total for o in plain.options])
    assert any(a.origin == "file" for a in same.assumptions)


def test_lane_override_changes_defaulted_transit(tiny_document: dict[str, Any]) -> None:
    doc = tiny_document
    doc["sites"].append({"site_id": "S3", "country": "VN", "kind": "supplier"})
    doc["supply"].append({"site_id": "S3", "item_id": "K", "unit_price": 15, "status": "candidate"})
    network = allyshore.Network.from_dict(doc)
    base = compare_sources(network, "K", as_of="2025-06-01").option("S3")
    slow = compare_sources(
        network,
        "K",
        as_of="2025-06-01",
        assumptions=load_assumptions(text="[lanes.ocean_asia_us_west]\ntransit_days = 50\n"),
    ).option("S3")
    # pipeline carry is linear in transit days: 50 / 25 = 2x
    assert slow.per_unit["carry_pipeline"] == pytest.approx(2 * base.per_unit["carry_pipeline"])


def test_freight_per_kg_and_per_container_bases(tiny_document: dict[str, Any]) -> None:
    doc = tiny_document
    doc["items"][1]["weight_kg"] = 0.4
    flow = doc["flows"][0]
    del flow["freight_per_unit"]
    flow["freight_per_kg"] = 1.5  # 1.5 USD/kg x 0.4 kg = 0.60 per unit
    per_kg = compare_sources(allyshore.Network.from_dict(doc), "K", as_of="2025-06-01").option("S1")
    assert per_kg.per_unit["freight"] == pytest.approx(0.6)
    del flow["freight_per_kg"]
    flow["freight_per_container"] = 3000.0
    flow["units_per_container"] = 6000.0  # 3,000 / 6,000 = 0.50 per unit
    per_box = compare_sources(allyshore.Network.from_dict(doc), "K", as_of="2025-06-01").option("S1")
    assert per_box.per_unit["freight"] == pytest.approx(0.5)


def test_users_add_their_own_tariff_table(tmp_path: Path, tiny_path: Path) -> None:
    (tmp_path / "mine.csv").write_text(
        "measure_id,layer,importer,hts_prefix,origin,rate_ad_valorem,effective_from,source,source_date\n"
        "igi-8536-2025,mfn,MX,853650,*,0.15,2025-01-01,TIGIE example row,2025-01-01\n"
    )
    (tmp_path / "a.toml").write_text('tariff_files = ["mine.csv"]\n')
    result = compare_sources(
        allyshore.load_network(tiny_path), "K", as_of="2025-06-01", assumptions=tmp_path / "a.toml"
    )
    s1 = result.option("S1")
    assert s1.per_unit["duty_mx_igi"] == pytest.approx(0.15 * (18.0 + 0.8) * 1.005)
    before = compare_sources(
        allyshore.load_network(tiny_path), "K", as_of="2024-06-01", assumptions=tmp_path / "a.toml"
    )
    assert before.option("S1").per_unit["duty_mx_igi"] == 0.0  # the row starts in 2025


def test_option_labels_are_the_source_sites_and_unique() -> None:
    """The format allows one flow per (from, to, item); labels only add the lane if a site repeats."""
    import polars as pl

    from allyshore.cost.compare import option_labels

    detail = pl.DataFrame({"source_site": ["A", "A", "B"], "lane_type": ["air", "ocean_other", "truck_mx_us"]})
    assert option_labels(detail) == ["A (air)", "A (ocean_other)", "B"]


def test_every_network_column_read_is_in_the_schema() -> None:
    """The optional columns the costing reads are the schema's, marked as read by it (none forgotten)."""
    source = Path(cost_options.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r"_(?:floats|texts)\((supply|flows|items|sites), \"([a-z_]+)\"\)", source))
    for table, name in read:
        assert name in TABLES[table].column_names, (table, name)
    optional = {(t, c.name) for t in TABLES for c in analysis_columns(LANDED_COST, t)}
    assert {(t, n) for t, n in read if TABLES[t].column(n).used_by} == optional
