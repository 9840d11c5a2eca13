"""Alert levels, the cost of each option and the certification figures, worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allyshore.errors import InputError
from allyshore.immex.certification import certification_figures
from allyshore.immex.costs import (
    CostSettings,
    alert_level,
    deadline_alerts,
    load_rates,
    load_settings,
    months_or_fraction,
    mora_rate,
    recargos_rate,
    update_factor,
)

AS_OF = date(2026, 7, 1)


def _lots(*rows: dict[str, object]) -> pl.DataFrame:
    base = {"pedimento": "250734301000001", "sequence": 1, "material_id": "R", "tariff_item": "39269099",
            "class": "input", "key": "IN", "balance": 100.0, "value_usd_balance": 10_000.0}
    return pl.DataFrame([{**base, **r} for r in rows])


@pytest.mark.parametrize(
    ("days_left", "level"),
    [(-1, "expired"), (0, "7"), (7, "7"), (8, "30"), (30, "30"), (31, "60"), (60, "60"), (61, "90"), (90, "90"),
     (91, None)],
)
def test_alert_levels_at_the_boundaries(days_left: int, level: str | None) -> None:
    assert alert_level(days_left) == level
    lots = _lots({"clock_start": date(2025, 1, 1), "deadline": AS_OF + timedelta(days=days_left)})
    alerts = deadline_alerts(lots, AS_OF).alerts
    assert [a.level for a in alerts] == ([] if level is None else [level])
    if level is not None:
        assert alerts[0].days_left == days_left


def test_no_alert_for_a_lot_fully_discharged_or_without_deadline() -> None:
    lots = _lots(
        {"clock_start": date(2025, 1, 1), "deadline": AS_OF, "balance": 0.0},
        {"clock_start": date(2025, 1, 1), "deadline": None, "sequence": 2},
    )
    assert deadline_alerts(lots, AS_OF).alerts == ()


def test_change_of_regime_cost_by_hand() -> None:
    # value 10,000 USD at TIGIE 5 %: IGI 500; DTA 8 al millar 80; VAT 16 % of (10,000 + 500 + 80) = 1,692.80;
    # clock start 10 Mar 2025 -> INPC of Feb 2025 (130.0); paid July 2026 -> INPC of Jun 2026 (136.5):
    # factor 136.5 / 130 = 1.05, update of the IGI 500 x 0.05 = 25. Total 500 + 80 + 1,692.80 + 25 = 2,297.80
    settings = CostSettings(tariff_rates={"39269099": 0.05}, inpc={"2025-02": 130.0, "2026-06": 136.5},
                            return_cost_share=0.03, transfer_cost_usd=150.0)
    lots = _lots({"clock_start": date(2025, 3, 10), "deadline": date(2026, 9, 10)})  # 71 days -> "90"
    (alert,) = deadline_alerts(lots, AS_OF, settings).alerts
    assert alert.level == "90"
    options = {o.action: o for o in alert.options}
    assert options["change_of_regime"].cost_usd == pytest.approx(2297.80, abs=0.005)
    assert dict(options["change_of_regime"].components)["vat"] == pytest.approx(1692.80, abs=0.005)
    assert options["return"].cost_usd == pytest.approx(300.0)  # 3 % of 10,000
    assert options["virtual_transfer"].cost_usd == pytest.approx(150.0)
    assert "LA art. 109" in options["change_of_regime"].basis


def test_unknown_rate_gives_a_null_cost_with_the_reason() -> None:
    lots = _lots({"clock_start": date(2025, 3, 10), "deadline": date(2026, 7, 20)})
    (alert,) = deadline_alerts(lots, AS_OF, CostSettings()).alerts
    out = alert.to_dict()
    change = next(o for o in out["options"] if o["action"] == "change_of_regime")
    assert change["cost_usd"] is None
    assert "no TIGIE rate for tariff item 39269099" in change["unknown"]
    assert "INPC" in change["unknown"]
    ret = next(o for o in out["options"] if o["action"] == "return")
    assert ret["cost_usd"] is None and "freight" in ret["unknown"]  # unknown, not 0
    assert set(out) == {"pedimento", "sequence", "material_id", "balance", "deadline", "days_left", "level",
                        "options"}


def test_regularisation_after_expiry_by_hand() -> None:
    # clock start 15 Jan 2024 -> deadline 15 Jul 2025 (Tuesday). As of 20 Aug 2025: 36 days late ->
    # ceil(36 / 15) = 3 periods of the LA art. 183-II fine: min 3 x 3,020 / 20 = 453, max 3 x 4,560 / 20 = 684 USD.
    # Taxes: IGI 500 + DTA 80 + VAT 1,692.80 = 2,272.80; INPC Dec 2023 100 -> Jul 2025 110: factor 1.10 ->
    # updated 2,500.08, update 227.28; recargos from 15 Jan 2024 to 20 Aug 2025 = 19 months + a fraction = 20
    # months, all in 2024-2025, at the LIF 2024/2025 rate 0.98 % + 50 % = 1.47 % (CFF art. 21): 20 x 1.47 % =
    # 29.40 % x 2,500.08 = 735.02352. A spontaneous regularisation pays no fine (LA art. 101; CFF art. 73):
    # 2,272.80 + 227.28 + 735.02352 = 3,235.10352; during an audit the LA art. 183-II maximum adds 684.
    # If the authority finds the goods first: 130-150 % of the omitted IGI 500 = 650-750 (LA arts. 183-III, 178-I),
    # not of the VAT or the DTA.
    as_of = date(2025, 8, 20)
    settings = CostSettings(tariff_rates={"39269099": 0.05}, inpc={"2023-12": 100.0, "2025-07": 110.0},
                            exchange_rate=20.0, return_cost_share=0.03)
    lots = _lots({"clock_start": date(2024, 1, 15), "deadline": date(2025, 7, 15)})
    (alert,) = deadline_alerts(lots, as_of, settings).alerts
    assert alert.level == "expired" and alert.days_left == -36
    options = {o.action: o for o in alert.options}
    assert "virtual_transfer" not in options and "change_of_regime" not in options
    regularise = options["regularise"]
    assert regularise.cost_usd == pytest.approx(3235.10, abs=0.005)
    assert regularise.cost_usd_max == pytest.approx(3235.10352 + 684, abs=0.005)
    assert dict(regularise.components)["recargos"] == pytest.approx(735.02, abs=0.005)
    assert "fine" not in dict(regularise.components)
    assert "USD 650.00-750.00" in regularise.basis
    # a late return pays the LA art. 183-II fine even when spontaneous: freight 300 + fine 453
    assert options["return"].cost_usd == pytest.approx(753.0)


def test_expired_without_exchange_rate_leaves_the_fine_unknown() -> None:
    settings = CostSettings(tariff_rates={"39269099": 0.05}, inpc={"2023-12": 100.0, "2025-07": 110.0},
                            return_cost_share=0.03)
    lots = _lots({"clock_start": date(2024, 1, 15), "deadline": date(2025, 7, 15)})
    (alert,) = deadline_alerts(lots, date(2025, 8, 20), settings).alerts
    options = {o.action: o for o in alert.options}
    # the late return's fine is in pesos: unknown without an exchange rate, so is the return's cost
    assert options["return"].cost_usd is None and "exchange rate" in (options["return"].unknown or "")
    # the spontaneous regularisation has no fine (3,235.10 as above); only its audit maximum is unknown
    assert options["regularise"].cost_usd == pytest.approx(3235.10, abs=0.005)
    assert options["regularise"].cost_usd_max is None and "exchange rate" in options["regularise"].basis


def test_recargos_take_the_rate_of_each_year_and_the_factor_four_decimals() -> None:
    # clock start 10 Sep 2024 -> deadline 10 Mar 2026 (Tuesday); as of 20 Apr 2026: 41 days late.
    # Months of delay from 10 Sep 2024: 19 whole (to 10 Apr 2026) + a fraction = 20: Sep-Dec 2024 (4) and 2025
    # (12) at 0.98 % x 1.5 = 1.47 %, Jan-Apr 2026 (4) at 1.38 % x 1.5 = 2.07 % (CFF art. 21; LIF 2026 art. 11):
    # 16 x 1.47 + 4 x 2.07 = 23.52 + 8.28 = 31.80 %.
    # Factor (CFF art. 17-A): INPC Mar 2026 107.777 / Aug 2024 100 = 1.07777, taken to the ten-thousandth: 1.0777.
    # Taxes 2,272.80 (IGI 500, DTA 80, VAT 1,692.80); updated 2,272.80 x 1.0777 = 2,449.39656 (update 176.59656);
    # recargos 2,449.39656 x 0.3180 = 778.90810608; total 2,272.80 + 176.59656 + 778.90810608 = 3,228.30466608.
    as_of = date(2026, 4, 20)
    settings = CostSettings(tariff_rates={"39269099": 0.05}, inpc={"2024-08": 100.0, "2026-03": 107.777},
                            exchange_rate=20.0)
    assert mora_rate("0.98") == 0.0147 and mora_rate("1.38") == 0.0207
    assert mora_rate("1.13") == 0.0170  # 1.695 % -> the thousandth 5 rounds up to 1.70 %
    assert recargos_rate(date(2024, 9, 10), 20, settings) == (pytest.approx(0.3180), None)
    assert update_factor(settings.inpc, date(2024, 9, 10), as_of) == (1.0777, None)
    lots = _lots({"clock_start": date(2024, 9, 10), "deadline": date(2026, 3, 10)})
    (alert,) = deadline_alerts(lots, as_of, settings).alerts
    regularise = next(o for o in alert.options if o.action == "regularise")
    parts = dict(regularise.components)
    assert parts["update"] == pytest.approx(176.60, abs=0.005)
    assert parts["recargos"] == pytest.approx(778.91, abs=0.005)
    assert regularise.cost_usd == pytest.approx(3228.30, abs=0.005)
    assert "31.80%" in regularise.basis
    # one flat rate, when the settings give it, for every month: 20 x 2.07 % = 41.40 %
    flat = CostSettings(recargos_monthly=0.0207)
    assert recargos_rate(date(2024, 9, 10), 20, flat) == (pytest.approx(0.4140), None)


def test_a_year_without_a_surcharge_rate_makes_the_regularisation_unknown() -> None:
    # delay from 10 Jun 2025 to 20 Jan 2028 runs into 2027 and 2028, years the LIF table does not have
    settings = CostSettings(tariff_rates={"39269099": 0.05}, inpc={"2025-05": 100.0, "2027-12": 110.0})
    assert recargos_rate(date(2025, 6, 10), 32, settings)[0] is None
    lots = _lots({"clock_start": date(2025, 6, 10), "deadline": date(2026, 12, 10)})
    (alert,) = deadline_alerts(lots, date(2028, 1, 20), settings).alerts
    regularise = next(o for o in alert.options if o.action == "regularise")
    assert regularise.cost_usd is None
    assert "no surcharge rate for 2027, 2028" in (regularise.unknown or "")


def test_discovered_fine_of_exempt_goods_is_a_share_of_the_value() -> None:
    # TIGIE exempt: no IGI omitted, so LA art. 183-III gives 30-50 % of the commercial value 10,000: 3,000-5,000
    settings = CostSettings(tariff_rates={"39269099": 0.0}, inpc={"2023-12": 100.0, "2025-07": 110.0})
    lots = _lots({"clock_start": date(2024, 1, 15), "deadline": date(2025, 7, 15)})
    (alert,) = deadline_alerts(lots, date(2025, 8, 20), settings).alerts
    regularise = next(o for o in alert.options if o.action == "regularise")
    assert "USD 3,000.00-5,000.00" in regularise.basis and "exempt" in regularise.basis


def test_months_or_fraction_and_update_factor() -> None:
    assert months_or_fraction(date(2024, 1, 15), date(2024, 2, 15)) == 1
    assert months_or_fraction(date(2024, 1, 15), date(2024, 2, 16)) == 2
    assert months_or_fraction(date(2024, 1, 15), date(2024, 1, 15)) == 0
    # a fall in prices gives factor 1, never below (CFF art. 17-A)
    assert update_factor({"2024-01": 100.0, "2024-05": 99.0}, date(2024, 2, 3), date(2024, 6, 1)) == (1.0, None)


def test_rates_and_settings_files(tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("tariff_item,rate\n39269099,5\n8471.30.01,Ex.\n73181599,\n", encoding="utf-8")
    assert load_rates(rates) == {"39269099": 0.05, "84713001": 0.0}  # blank rate: unknown, left out
    rates.write_text("tariff_item,rate\n3926,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2, column tariff_item"):
        load_rates(rates)
    settings = tmp_path / "costs.toml"
    settings.write_text('exchange_rate = 18.5\n[inpc]\n"2025-01" = 137.9\n', encoding="utf-8")
    loaded = load_settings(settings, {"39269099": 0.05})
    assert loaded.exchange_rate == 18.5 and loaded.inpc == {"2025-01": 137.9} and loaded.vat_rate == 0.16
    assert loaded.recargos_monthly is None and loaded.recargos_by_year[2026] == 0.0207
    settings.write_text('[recargos_by_year]\n"2027" = 0.021\n', encoding="utf-8")
    assert load_settings(settings).recargos_by_year == {2023: 0.0147, 2024: 0.0147, 2025: 0.0147, 2026: 0.0207,
                                                        2027: 0.021}
    settings.write_text('[recargos_by_year]\n"27" = 0.021\n', encoding="utf-8")
    with pytest.raises(InputError, match="not a year"):
        load_settings(settings)
    settings.write_text("exchange = 18.5\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown key"):
        load_settings(settings)


def test_certification_figures_on_a_small_ledger() -> None:
    # 12 months to 30 Jun 2026: from 1 Jul 2025. Imports in the window: input 10,000 (1 Sep 2025) + packaging
    # 5,000 (10 Jan 2026) = 15,000 (the fixed asset 20,000 and the input of 1 Jun 2024 are not counted).
    # Returned in the window: return 6,000 + virtual transfer 2,000 = 8,000 (the change of regime and the return
    # of 1 May 2025 are not): 8,000 / 15,000 = 0.5333 < 60 % -> tier A's share not met.
    imports = pl.DataFrame({
        "clock_start": [date(2025, 9, 1), date(2026, 1, 10), date(2025, 10, 1), date(2024, 6, 1)],
        "class": ["input", "packaging", "fixed_asset", "input"],
        "value_usd": [10_000.0, 5_000.0, 20_000.0, 8_000.0],
    })
    discharged = pl.DataFrame({
        "kind": ["return", "virtual_transfer", "change_of_regime", "return"],
        "date": [date(2026, 2, 1), date(2026, 3, 1), date(2026, 3, 5), date(2025, 5, 1)],
        "value_usd": [6_000.0, 2_000.0, 1_000.0, 500.0],
    })
    figures = certification_figures(imports, discharged, date(2026, 6, 30), exchange_rate=18.0)
    assert figures.window_start == date(2025, 7, 1)
    assert figures.imported_value_usd == 15_000.0 and figures.returned_value_usd == 8_000.0
    assert figures.returned_share == pytest.approx(8_000 / 15_000)
    share = next(c for c in figures.checks if c.tier == "A" and "share" in c.requirement)
    assert share.threshold == 0.60 and share.meets is False
    # first pedimento 1 Jun 2024 -> 759 days / 365.25 = 2.08 years: below 4, unknown (the ledger may start late)
    assert figures.years_on_record == pytest.approx(2.08)
    years_aa = next(c for c in figures.checks if c.tier == "AA" and "years" in c.requirement)
    assert years_aa.meets is None
    # fixed assets 20,000 USD x 18 = 360,000 MXN
    assets = next(c for c in figures.checks if c.tier == "AA" and "machinery" in c.requirement)
    assert assets.figure == pytest.approx(360_000.0)
    assert figures.discharged_by_kind == {"change_of_regime": 1000.0, "return": 6000.0, "virtual_transfer": 2000.0}


@given(
    st.lists(st.dates(min_value=date(2018, 1, 1), max_value=date(2027, 12, 31)), min_size=1, max_size=30),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 12, 31)),
)
def test_columnar_amounts_agree_with_the_scalar_rules(starts: list[date], as_of: date) -> None:
    from allyshore.immex.costs import amounts

    inpc = {f"{y:04d}-{m:02d}": 100.0 + y - 2017 + m / 12 for y in range(2017, 2029) for m in range(1, 13)}
    frame = pl.DataFrame({
        "tariff_item": ["39269099"] * len(starts),
        "value_usd_balance": [1000.0] * len(starts),
        "clock_start": starts,
        "deadline": starts,
    })
    out = amounts(frame, as_of, CostSettings(tariff_rates={"39269099": 0.05}, inpc=inpc, exchange_rate=20.0))
    for start, months, factor, periods in out.select("clock_start", "months", "factor", "periods").iter_rows():
        assert months == min(months_or_fraction(start, as_of), 60)
        assert factor == pytest.approx(update_factor(inpc, start, as_of)[0])
        assert periods == max(0, -(-(as_of - start).days // 15))
