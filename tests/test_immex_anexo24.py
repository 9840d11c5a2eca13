"""The Anexo 24 reports of a small ledger: entries, exits, balances, materials used, as CSV and XLSX."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from allyshore.immex.anexo24 import anexo24_tables, write_anexo24
from allyshore.immex.ledger import ledger_from_document

M = 1_000_000  # micro-units
LEDGER = {
    "programs": [{"rfc": "AAA010101AAA", "program_number": "IMMEX-1-2020"}],
    "materials": [
        {"material_id": "R", "tariff_item": "39269099", "class": "input"},
        {"material_id": "S", "tariff_item": "73181599", "class": "input"},
    ],
    "products": [{"product_id": "P"}],
    "bom": [{"product_id": "P", "material_id": "R", "quantity": 2}],
    "pedimentos": [
        {"pedimento": "250734301000001", "key": "IN", "regime": "ITE", "date": "2025-03-03"},
        {"pedimento": "250734301000002", "key": "IN", "regime": "ITE", "date": "2025-04-07"},
    ],
    "pedimento_lines": [
        {"pedimento": "250734301000001", "sequence": 1, "material_id": "R", "quantity": 100, "value_usd": 50},
        {"pedimento": "250734301000002", "sequence": 1, "material_id": "R", "quantity": 100, "value_usd": 60},
        {"pedimento": "250734301000002", "sequence": 2, "material_id": "S", "quantity": 10, "value_usd": "12.5"},
    ],
    "exits": [
        {"exit_id": "X1", "kind": "return", "date": "2025-04-01", "product_id": "P", "quantity": 10},
        {"exit_id": "X2", "kind": "waste", "date": "2025-05-02", "material_id": "R", "quantity": 90},
    ],
}


def _frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    # FIFO by hand: X1 = 10 P x 2 R = 20 R from lot 1 (value 20 x 0.50 = 10); X2 = 90 R: 80 left in lot 1
    # (value 40), then 10 from lot 2 (value 10 x 0.60 = 6).
    discharges = pl.DataFrame({
        "exit_id": ["X1", "X2", "X2"],
        "date": [date(2025, 4, 1), date(2025, 5, 2), date(2025, 5, 2)],
        "pedimento": ["250734301000001", "250734301000001", "250734301000002"],
        "sequence": [1, 1, 1],
        "material_id": ["R", "R", "R"],
        "quantity": [20 * M, 80 * M, 10 * M],
        "value_usd": [10 * M, 40 * M, 6 * M],
    })
    balances = pl.DataFrame({
        "pedimento": ["250734301000001", "250734301000002", "250734301000002"],
        "sequence": [1, 1, 2],
        "material_id": ["R", "R", "S"],
        "tariff_item": ["39269099", "39269099", "73181599"],
        "class": ["input"] * 3,
        "key": ["IN"] * 3,
        "imported": [100 * M, 100 * M, 10 * M],
        "discharged": [100 * M, 10 * M, 0],
        "balance": [0, 90 * M, 10 * M],
        "value_usd_balance": [0, 54 * M, 12_500_000],
        "clock_start": [date(2025, 3, 3), date(2025, 4, 7), date(2025, 4, 7)],
        "deadline": [date(2026, 9, 3), date(2026, 10, 7), date(2026, 10, 7)],
        "days_left": [0, 0, 0],
    })
    return discharges, balances


def test_tables_by_hand(tmp_path: Path) -> None:
    ledger = ledger_from_document(LEDGER)
    discharges, balances = _frames()
    report = anexo24_tables(ledger, discharges, balances, date(2025, 6, 1))
    t = report.tables
    assert t["entries"].height == 3 and t["entries"]["value_usd"].to_list()[2] == Decimal("12.5")
    assert t["entries"]["deadline"].to_list()[0] == date(2026, 9, 3)
    assert t["exits"]["kind"].to_list() == ["return", "waste", "waste"]
    assert t["exits"]["exit_quantity"].to_list() == [Decimal(10), Decimal(90), Decimal(90)]  # units, not micro
    # balances by tariff item: 39269099 = 0 + 90 = 90 (value 54); 73181599 = 10 (value 12.5)
    by_item = {r["tariff_item"]: r for r in t["balances_by_tariff_item"].iter_rows(named=True)}
    assert by_item["39269099"]["balance"] == Decimal(90) and by_item["39269099"]["value_usd_balance"] == Decimal(54)
    assert by_item["73181599"]["value_usd_balance"] == Decimal("12.5")
    # materials used: April return 20 R (value 10); May waste 80 + 10 = 90 R (value 40 + 6 = 46)
    used = {(r["period"], r["kind"]): r for r in t["materials_used"].iter_rows(named=True)}
    assert used[("2025-04", "return")]["quantity"] == Decimal(20)
    assert used[("2025-05", "waste")]["quantity"] == Decimal(90) and used[("2025-05", "waste")]["value_usd"] == 46

    written = write_anexo24(report, tmp_path / "csv")
    assert sorted(Path(f).name for f in written.files) == sorted(
        f"anexo24_{n}.csv" for n in ("taxpayer", "entries", "exits", "balances", "balances_by_tariff_item",
                                     "materials_used")
    )
    text = (tmp_path / "csv" / "anexo24_balances_by_tariff_item.csv").read_text(encoding="utf-8")
    assert "73181599,1,10.000000,0.000000,10.000000,12.500000" in text
    book = write_anexo24(report, tmp_path / "xlsx", "xlsx")
    sheets = load_workbook(book.files[0], read_only=True)
    assert sheets.sheetnames[:2] == ["taxpayer", "entries"]
    assert sheets["taxpayer"]["A2"].value == "AAA010101AAA"


def test_out_must_be_a_folder(tmp_path: Path) -> None:
    from allyshore.errors import InputError

    ledger = ledger_from_document(LEDGER)
    discharges, balances = _frames()
    report = anexo24_tables(ledger, discharges, balances, date(2025, 6, 1))
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="must be a folder"):
        write_anexo24(report, tmp_path / "f")
