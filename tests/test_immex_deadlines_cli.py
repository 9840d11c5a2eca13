"""``immex deadlines`` and ``immex report anexo24 | html`` on a small ledger, in process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from allyshore.cli import main

# One lot: 100 R imported 3 Mar 2025 (value 50 USD); exit X1 returns 10 P = 20 R on 1 Apr 2025 -> balance 80 R,
# value 80 x 0.50 = 40. Deadline: 3 Mar 2025 + 18 months = 3 Sep 2026, a Thursday (CFF art. 12).
LEDGER = {
    "programs": [{"rfc": "AAA010101AAA", "program_number": "IMMEX-1-2020"}],
    "materials": [{"material_id": "R", "tariff_item": "39269099", "class": "input"}],
    "products": [{"product_id": "P"}],
    "bom": [{"product_id": "P", "material_id": "R", "quantity": 2}],
    "pedimentos": [{"pedimento": "250734301000001", "key": "IN", "regime": "ITE", "date": "2025-03-03"}],
    "pedimento_lines": [
        {"pedimento": "250734301000001", "sequence": 1, "material_id": "R", "quantity": 100, "value_usd": 50}
    ],
    "exits": [{"exit_id": "X1", "kind": "return", "date": "2025-04-01", "product_id": "P", "quantity": 10}],
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    captured = capsys.readouterr()
    assert exit_info.value.code == code, captured.err
    return captured.out if code == 0 else captured.err


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(LEDGER), encoding="utf-8")
    return path


def test_deadlines_json_with_rates_and_costs(capsys: pytest.CaptureFixture[str], ledger: Path, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("tariff_item,rate\n39269099,10\n", encoding="utf-8")
    costs = tmp_path / "costs.toml"
    costs.write_text('[inpc]\n"2025-02" = 100.0\n"2026-07" = 104.0\n', encoding="utf-8")
    out: dict[str, Any] = json.loads(
        _run(capsys, "immex", "deadlines", str(ledger), "--as-of", "2026-08-20", "--rates", str(rates),
             "--costs", str(costs), "--json")
    )
    # the contract of issue 15, exactly: {"alerts": [{pedimento, sequence, material_id, balance, deadline,
    # days_left, level, options}]}; an option may add the reason it is unknown and its parts
    assert set(out) == {"alerts"}
    (alert,) = out["alerts"]
    assert set(alert) == {"pedimento", "sequence", "material_id", "balance", "deadline", "days_left", "level",
                          "options"}
    # 14 days to 3 Sep 2026 -> level "30"
    assert (alert["deadline"], alert["days_left"], alert["level"], alert["balance"]) == ("2026-09-03", 14, "30", 80)
    change = next(o for o in alert["options"] if o["action"] == "change_of_regime")
    # value 40: IGI 10 % = 4; DTA 0.8 % = 0.32; VAT 16 % x (40 + 4 + 0.32) = 7.0912; update 4 x (104/100 - 1) = 0.16
    # total 4 + 0.32 + 7.0912 + 0.16 = 11.5712 -> 11.57
    assert change["cost_usd"] == pytest.approx(11.57)
    assert {"action", "cost_usd", "basis"} <= set(change)


def test_deadlines_holidays_move_the_deadline(capsys: pytest.CaptureFixture[str], ledger: Path, tmp_path: Path) -> None:
    holidays = tmp_path / "h.toml"
    holidays.write_text("holidays = [2026-09-03, 2026-09-04]\n", encoding="utf-8")
    out = json.loads(_run(capsys, "immex", "deadlines", str(ledger), "--as-of", "2026-08-20", "--holidays",
                          str(holidays), "--json"))
    # Thu 3 and Fri 4 Sep are holidays, Sat 5 and Sun 6 the weekend -> Monday 7 Sep 2026, 18 days away
    assert out["alerts"][0]["deadline"] == "2026-09-07" and out["alerts"][0]["days_left"] == 18


def test_deadlines_csv_and_table(capsys: pytest.CaptureFixture[str], ledger: Path, tmp_path: Path) -> None:
    _run(capsys, "immex", "deadlines", str(ledger), "--as-of", "2026-09-10", "--csv", str(tmp_path / "out"))
    assert (tmp_path / "out" / "alerts.csv").read_text(encoding="utf-8").count("expired") == 1
    assert (tmp_path / "out" / "options.csv").exists()
    text = _run(capsys, "immex", "deadlines", str(ledger), "--as-of", "2026-09-10")
    assert "expired" in text and "regularise" in text


def test_a_bad_rates_file_is_one_message(capsys: pytest.CaptureFixture[str], ledger: Path, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("item,rate\n39269099,10\n", encoding="utf-8")
    err = _run(capsys, "immex", "deadlines", str(ledger), "--rates", str(rates), code=1)
    assert "tariff_item,rate" in err and "Traceback" not in err


def test_report_anexo24_and_html(capsys: pytest.CaptureFixture[str], ledger: Path, tmp_path: Path) -> None:
    out = json.loads(_run(capsys, "immex", "report", "anexo24", str(ledger), "--out", str(tmp_path / "a24"),
                          "--as-of", "2026-01-01", "--json"))
    assert {t["name"]: t["rows"] for t in out["tables"]}["exits"] == 1
    balances = (tmp_path / "a24" / "anexo24_balances.csv").read_text(encoding="utf-8")
    assert "250734301000001,1,R,39269099,input,IN,2025-03-03,100.000000,20.000000,80.000000,40.000000,2026-09-03" in balances
    _run(capsys, "immex", "report", "anexo24", str(ledger), "--out", str(tmp_path / "x"), "--format", "xlsx")
    assert (tmp_path / "x" / "anexo24.xlsx").stat().st_size > 0
    _run(capsys, "immex", "report", "html", str(ledger), "--out", str(tmp_path / "page"), "--as-of", "2026-08-20")
    page = (tmp_path / "page" / "index.html").read_text(encoding="utf-8")
    assert "IMMEX temporary imports" in page and "immex-calendar" in page
    assert "Current tier stated in the ledger: none" in page
