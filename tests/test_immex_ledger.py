"""The IMMEX ledger: format v1 read like the network (CSV folder, workbook, JSON; located errors), the store's
append-only events, and the ``immex import | balances | discharges`` commands."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from allyshore.cli import _register, app
from allyshore.errors import ValidationError
from allyshore.immex.discharge import ShortfallError, discharge
from allyshore.immex.ledger import ledger_from_document, load_ledger, read_ledger
from allyshore.immex.ledger_store import import_ledger
from pg_schema import postgres_schema

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "immex"
runner = CliRunner()
_register()


def csv_to_document(folder: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for file in sorted(folder.glob("*.csv")):
        frame = pl.read_csv(file, infer_schema=False)
        out[file.stem] = [{k: v for k, v in row.items() if v is not None} for row in frame.to_dicts()]
    return out


def write_folder(document: dict[str, list[dict[str, Any]]], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in document.items():
        columns = list(dict.fromkeys(k for r in rows for k in r))
        pl.DataFrame({c: [None if r.get(c) is None else str(r.get(c)) for r in rows] for c in columns}).write_csv(
            folder / f"{name}.csv"
        )
    return folder


def test_csv_folder_workbook_and_json_read_the_same_ledger(tmp_path: Path) -> None:
    document = csv_to_document(EXAMPLE)
    (tmp_path / "ledger.json").write_text(json.dumps(document), encoding="utf-8")
    book = openpyxl.Workbook()
    book.remove(book.worksheets[0])
    for name, rows in document.items():
        sheet = book.create_sheet(name)
        columns = list(dict.fromkeys(k for r in rows for k in r))
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    book.save(tmp_path / "ledger.xlsx")
    folder = read_ledger(EXAMPLE)
    for other in (read_ledger(tmp_path / "ledger.json"), read_ledger(tmp_path / "ledger.xlsx")):
        for name, frame in folder.tables.items():
            assert other.tables[name].equals(frame), name


def test_the_contract_ledger_reads_with_tables_left_out(tmp_path: Path) -> None:
    # The shape ../shared/checks/contracts.py sends: no optional table may be required.
    ledger = ledger_from_document(
        {
            "materials": [{"material_id": "R", "tariff_item": "39269099", "class": "input"}],
            "pedimentos": [{"pedimento": "250734301000001", "key": "IN", "regime": "ITE", "date": "2025-03-03"}],
            "pedimento_lines": [
                {"pedimento": "250734301000001", "sequence": 1, "material_id": "R", "quantity": 100, "value_usd": 50}
            ],
        }
    )
    assert ledger.exits.height == 0 and ledger.bom.height == 0
    assert discharge(ledger).frame.height == 0


def problems_of(document: dict[str, Any]) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(ValidationError) as caught:
        ledger_from_document(document)
    return [(p.table, p.row, p.column, p.message) for p in caught.value.problems if p.severity == "error"]


def test_cells_are_checked_where_they_are() -> None:
    found = problems_of(
        {
            "materials": [
                {"material_id": "R", "tariff_item": "3926909", "class": "input"},
                {"material_id": "S", "tariff_item": "39269099", "class": "gadget"},
            ],
            "pedimentos": [
                {"pedimento": "25073430100000", "key": "ZZ", "regime": "ITE", "date": "2025-02-30"},
            ],
            "pedimento_lines": [
                {"pedimento": "250734301000001", "sequence": 1, "material_id": "R", "quantity": "1.0000001",
                 "value_usd": 5},
                {"pedimento": "250734301000001", "sequence": 2, "material_id": "R", "quantity": 0, "value_usd": 5},
            ],
        }
    )  # fmt: skip
    where = {(t, r, c) for t, r, c, _ in found}
    assert ("materials", 1, "tariff_item") in where  # 7 digits
    assert ("materials", 2, "class") in where  # not an enumerated class
    assert ("pedimentos", 1, "pedimento") in where  # 14 digits
    assert ("pedimentos", 1, "key") in where
    assert ("pedimentos", 1, "date") in where  # 30 February
    assert ("pedimento_lines", 1, "quantity") in where  # seven decimal places
    assert ("pedimento_lines", 2, "quantity") in where  # not > 0


def test_references_and_exits_are_checked_across_tables() -> None:
    found = problems_of(
        {
            "materials": [{"material_id": "R", "tariff_item": "39269099", "class": "input"}],
            "products": [{"product_id": "P"}],
            "bom": [{"product_id": "P", "material_id": "Q", "quantity": 1}],
            "pedimentos": [{"pedimento": "250734301000001", "key": "IN", "regime": "ITE", "date": "2025-03-03"}],
            "pedimento_lines": [
                {"pedimento": "250734301000009", "sequence": 1, "material_id": "R", "quantity": 1, "value_usd": 5}
            ],
            "exits": [
                {"exit_id": "X1", "kind": "return", "date": "2025-04-01", "product_id": "P", "material_id": "R",
                 "quantity": 1},
                {"exit_id": "X2", "kind": "return", "date": "2025-04-01", "quantity": 1},
            ],
        }
    )  # fmt: skip
    where = {(t, r, c) for t, r, c, _ in found}
    assert ("bom", 1, "material_id") in where
    assert ("pedimento_lines", 1, "pedimento") in where
    assert ("exits", 1, "product_id") in where and ("exits", 2, "product_id") in where


def test_a_csv_error_is_located_by_file_row_and_column(tmp_path: Path) -> None:
    folder = shutil.copytree(EXAMPLE, tmp_path / "ledger")
    lines = (folder / "exits.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",600", ",six hundred")  # X-002, the third line of the file
    (folder / "exits.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_ledger(folder)
    problem = caught.value.problems[0]
    assert (problem.source, problem.row, problem.column) == ("exits.csv", 3, "quantity")


# ---------------------------------------------------------------- the store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL schema of its own (as tests/test_origin_store.py)."""
    monkeypatch.setenv("ALLYSHORE_STORE_KEY_FILE", str(tmp_path / "keys" / "store.key"))
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'allyshore.db'}"
        return
    yield from postgres_schema("allyshore_test")


def test_an_import_appends_and_a_second_import_adds_nothing(store_url: str) -> None:
    first = import_ledger(EXAMPLE, store_url)
    assert first.added["exits"] == 5 and first.already_stored == 0
    again = import_ledger(EXAMPLE, store_url)
    assert again.added == {} and again.already_stored == sum(first.added.values())
    stored, read = discharge(load_ledger(store_url)).frame, discharge(read_ledger(EXAMPLE)).frame
    assert stored.equals(read)


def test_stored_events_refuse_update_and_delete(store_url: str) -> None:
    import_ledger(EXAMPLE, store_url)
    engine = create_engine(store_url)
    try:
        for statement in ("UPDATE immex_events SET record_json = '{}'", "DELETE FROM immex_events"):
            with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_invalid_or_short_ledger_leaves_the_store_byte_identical(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'allyshore.db'}"
    import_ledger(EXAMPLE, url)
    before = _sha(tmp_path / "allyshore.db")
    document = csv_to_document(EXAMPLE)
    bad = json.loads(json.dumps(document))
    bad["exits"].append({"exit_id": "X-9", "kind": "return", "date": "2025-07-01", "product_id": "NOPE",
                         "quantity": 1})  # fmt: skip
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValidationError):
        import_ledger(tmp_path / "bad.json", url)
    short = json.loads(json.dumps(document))
    short["exits"].append({"exit_id": "X-9", "kind": "return", "date": "2025-07-01", "material_id": "RES",
                           "quantity": 10000})  # fmt: skip
    (tmp_path / "short.json").write_text(json.dumps(short), encoding="utf-8")
    with pytest.raises(ShortfallError, match="X-9"):
        import_ledger(tmp_path / "short.json", url)
    assert _sha(tmp_path / "allyshore.db") == before


def test_a_back_dated_exit_and_a_rectification_imported_later_replay(tmp_path: Path) -> None:
    # The ledger without X-003 (2025-05-20) and without the rectification 250734305000195, imported first; then
    # the whole example. The store's discharge equals that of the whole example read at once.
    url = f"sqlite:///{tmp_path / 'allyshore.db'}"
    document = csv_to_document(EXAMPLE)
    early = json.loads(json.dumps(document))
    early["exits"] = [e for e in early["exits"] if e["exit_id"] != "X-003"]
    early["pedimentos"] = [p for p in early["pedimentos"] if p["pedimento"] != "250734305000195"]
    early["pedimento_lines"] = [r for r in early["pedimento_lines"] if r["pedimento"] != "250734305000195"]
    import_ledger(write_folder(early, tmp_path / "early"), url)
    import_ledger(EXAMPLE, url)
    assert discharge(load_ledger(url)).frame.equals(discharge(read_ledger(EXAMPLE)).frame)


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.permutations(range(6)), st.integers(1, 5))
def test_any_insertion_order_gives_the_same_stored_ledger(order: list[int], cut: int) -> None:
    # The example's records split in two imports in any order of their exits: the stored ledger is the same.
    import tempfile

    document = csv_to_document(EXAMPLE)
    exits = document["exits"] + [{"exit_id": "X-000", "kind": "waste", "date": "2025-03-01", "material_id": "BOX",
                                   "quantity": 1}]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        url = f"sqlite:///{root / 'allyshore.db'}"
        shuffled = [exits[i] for i in order]
        first = {**document, "exits": shuffled[:cut]}
        second = {**document, "exits": shuffled[cut:]}
        import_ledger(write_folder(first, root / "a"), url)
        import_ledger(write_folder(second, root / "b"), url)
        stored = load_ledger(url)
        whole = ledger_from_document({**document, "exits": exits})
        for name, frame in whole.tables.items():
            assert stored.tables[name].sort(frame.columns).equals(frame.sort(frame.columns)), name
        assert discharge(stored).frame.equals(discharge(whole).frame)


# ---------------------------------------------------------------- the commands


def test_balances_and_discharges_json_have_the_contract_keys() -> None:
    out = runner.invoke(app, ["immex", "balances", str(EXAMPLE), "--as-of", "2025-07-01", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout, parse_float=Decimal)
    assert list(data) == ["as_of", "lots", "by_material"]
    assert list(data["lots"][0]) == ["pedimento", "sequence", "material_id", "tariff_item", "imported",
                                     "discharged", "balance", "value_usd_balance", "clock_start", "deadline",
                                     "days_left"]  # fmt: skip
    assert list(data["by_material"][0]) == ["material_id", "balance", "value_usd_balance"]
    out = runner.invoke(app, ["immex", "discharges", str(EXAMPLE), "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout, parse_float=Decimal)["discharges"]
    assert list(rows[0]) == ["exit_id", "pedimento", "sequence", "material_id", "quantity", "value_usd"]


def test_the_worked_example_balances(tmp_path: Path) -> None:
    # docs/immex.md walks through these figures. RES (kg): 250734305000101 holds 500, 250734305000187 420 (as
    # rectified by 250734305000195). HAR = 2 HSG + 1.5 m CAB (+2% waste, +1% scrap) + 0.1 BOX; HSG = 0.25 kg RES
    # (+4%) until 2025-05-31, 0.24 kg from 2025-06-01. RES needed: X-001 400 x 2 x 0.25 x 1.04 = 208;
    # X-002 600 x 0.52 = 312; X-003 200 x 0.52 = 104; X-004 300 x 2 x 0.24 x 1.04 = 149.76; X-005 5.
    # Total 778.76: 500 from ...101, 278.76 from ...187, which keeps 420 - 278.76 = 141.24 kg
    # worth 1092 x 141.24 / 420 = 367.224 USD.
    out = runner.invoke(app, ["immex", "balances", str(EXAMPLE), "--as-of", "2025-07-01", "--json"])
    data = json.loads(out.stdout, parse_float=Decimal)
    lots = {(lot["pedimento"], lot["material_id"]): lot for lot in data["lots"]}
    res = lots[("250734305000187", "RES")]
    assert (res["imported"], res["balance"], res["value_usd_balance"]) == (
        Decimal(420),
        Decimal("141.24"),
        Decimal("367.224"),
    )
    assert lots[("250734305000101", "RES")]["balance"] == 0
    # CAB (kg): 1500 HAR x 1.5 m x 1.03 x 0.05 kg/m = 115.875 kg: 40 from ...101, 75.875 from ...187 (80).
    assert lots[("250734305000187", "CAB")]["balance"] == Decimal("4.125")
    # The mould (a fixed asset) stays for the programme's life, unknown here: no deadline, no days left.
    mold = lots[("250734305000240", "MOLD")]
    assert (mold["deadline"], mold["days_left"]) == (None, None)


def test_import_then_read_the_store_by_the_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'allyshore.db'}"
    out = runner.invoke(app, ["immex", "import", str(EXAMPLE), "--database-url", url])
    assert out.exit_code == 0, out.output
    assert "5 exits" in out.output
    stored = runner.invoke(app, ["immex", "discharges", "--database-url", url, "--json"])
    direct = runner.invoke(app, ["immex", "discharges", str(EXAMPLE), "--json"])
    assert stored.exit_code == 0 and stored.stdout == direct.stdout
    csv = runner.invoke(app, ["immex", "balances", str(EXAMPLE), "--as-of", "2025-07-01", "--csv", str(tmp_path)])
    assert csv.exit_code == 0 and (tmp_path / "lots.csv").exists() and (tmp_path / "by_material.csv").exists()


INVALID_EVENTS = {
    "a pedimento number of 14 digits": ("pedimentos", {"pedimento": "25073430500010", "key": "IN", "regime": "ITE",
                                                      "date": "2025-08-01"}),
    "an exit of an unknown product": ("exits", {"exit_id": "X-9", "kind": "return", "date": "2025-08-01",
                                                "product_id": "NOPE", "quantity": "1"}),
    "an exit beyond the balance": ("exits", {"exit_id": "X-9", "kind": "return", "date": "2025-08-01",
                                             "material_id": "CAB", "quantity": "1000"}),
    "a stored line changed in place": ("pedimento_lines", {"pedimento": "250734305000101", "sequence": "1",
                                                           "material_id": "RES", "quantity": "501",
                                                           "value_usd": "1250"}),
    "a second BOM line in force on the same days": ("bom", {"product_id": "HAR", "material_id": "BOX",
                                                            "quantity": "0.2"}),
}  # fmt: skip


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(INVALID_EVENTS)))
def test_an_invalid_event_leaves_the_stored_ledger_byte_identical(case: str) -> None:
    import tempfile

    table, record = INVALID_EVENTS[case]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        url = f"sqlite:///{root / 'allyshore.db'}"
        import_ledger(EXAMPLE, url)
        before = _sha(root / "allyshore.db")
        document = csv_to_document(EXAMPLE)
        if case == "a stored line changed in place":  # the file alone is valid; with the store it is not
            document[table] = [record, *document[table][1:]]
        else:
            document[table] = [*document[table], record]
        (root / "next.json").write_text(json.dumps(document), encoding="utf-8")
        with pytest.raises((ValidationError, ShortfallError)):
            import_ledger(root / "next.json", url)
        assert _sha(root / "allyshore.db") == before


def test_the_balances_table_says_why_a_deadline_is_unknown() -> None:
    # The mould (class fixed_asset) may stay for the programme's life, whose end the ledger does not state:
    # the table says "unknown" and why, rather than a bare "none".
    out = runner.invoke(app, ["immex", "balances", str(EXAMPLE), "--as-of", "2025-07-01"])
    assert out.exit_code == 0, out.output
    mold = next(line for line in out.output.splitlines() if "MOLD" in line)
    assert "unknown" in mold and "none" not in mold
    assert "programme's life" in out.output
