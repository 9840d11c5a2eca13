"""Generated hostile networks through every reader (CSV folder, .zip, .xlsx, JSON): never a traceback, never a
silent change.

Each test draws a network whose cells may hold hostile values (NaN, inf, 1e309, 400 digits, '#', quotes,
delimiters, accents, signs, blanks) and writes it in a hostile but lossless way (an encoding, a delimiter, line
endings, blank lines, a notes row, a byte-order mark). The oracle is the same records given as a Python
document (``Network.from_dict``): reading the file must give the same network, or the same errors at the same
(table, row, column), row numbers shifted as the file shifts them. Accepted networks are further checked
independently: every number finite and in its column's range, every key present and unique.
``test_damaged_files_end_in_a_network_or_a_message`` damages the bytes of a good file (flips, cuts,
insertions); only "an InputError or a network meeting those checks" can be asserted there.

A short pass runs in ``make test``; ``make fuzz`` runs 2,500 inputs per test (HYPOTHESIS_PROFILE=fuzz).
With ``FUZZ_COUNTS=path`` the counts of outcomes are appended to that file (docs/testing.md, "Fuzzing").
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from allyshore.errors import InputError, Problem, ValidationError
from allyshore.io import load_network
from allyshore.io.readers import ReadLimits
from allyshore.model.network import Network
from allyshore.model.schema import TABLES
from allyshore.model.validate import KEYS

pytestmark = pytest.mark.fuzz

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
COUNTS: Counter[tuple[str, str]] = Counter()

BASE: dict[str, list[dict[str, str]]] = {
    "sites": [
        {"site_id": "PL", "name": "Plant", "country": "MX", "kind": "plant"},
        {"site_id": "S1", "name": "Supplier", "country": "CN", "kind": "supplier"},
        {"site_id": "C", "name": "Customer", "country": "US", "kind": "customer"},
    ],
    "items": [
        {"item_id": "G", "name": "Good", "hs_code": "9018.90", "unit_cost": "100"},
        {"item_id": "K", "name": "Part", "hs_code": "8536.50", "unit_cost": "20"},
    ],
    "bom": [{"parent_id": "G", "child_id": "K", "quantity": "2"}],
    "supply": [
        {"site_id": "PL", "item_id": "G", "unit_price": "100", "capacity_per_week": "50"},
        {"site_id": "S1", "item_id": "K", "unit_price": "18", "inventory": "20"},
    ],
    "flows": [
        {"from_site": "S1", "to_site": "PL", "item_id": "K", "share": "1", "transit_days": "30"},
        {"from_site": "PL", "to_site": "C", "item_id": "G", "share": "1", "mode": "truck"},
    ],
    "demand": [{"site_id": "C", "item_id": "G", "units_per_week": "40"}],
}
CELLS = [(t, i, c) for t, rows in BASE.items() for i, row in enumerate(rows) for c in TABLES[t].column_names]

# fmt: off
NUMBERS = st.sampled_from(
    [
        "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e308", "9" * 400, "9" * 65,
        "1e12", "1000000000001", "-5", "0", "-0", "2.5", "1,5", "0x10", "1_000", " 7 ", "", "   ", "#3", "+4",
        ".5", "5.", "1e-400", "4.9e-324", "١٢", "½", "2e0", "90", "-90", "180.0", "-180.5", "1.0000000001",
    ]
)
# fmt: on
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85\ufffe\uffff"),
    max_size=8,
) | st.sampled_from(["#", "# note", "#12", '"', '""', ",", ";", "\t", "José", "Ñandú €", "Ã©", "=1+1", "K", "PL"])
VALUES = st.one_of(NUMBERS, TEXT, st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, list[dict[str, str]]]:
    """The base network with a few cells replaced by hostile values (never a wholly blank record)."""
    doc = json.loads(json.dumps(BASE))
    for table, index, column in draw(st.lists(st.sampled_from(CELLS), max_size=4)):
        doc[table][index][column] = draw(VALUES)
    for rows in doc.values():
        for row in rows:
            assume(any(v.strip() for v in row.values()))
        if rows:
            filled = [v.strip() for v in rows[0].values() if v.strip()]
            assume(not all(v.startswith("# ") for v in filled))  # would be the notes row: a rule of its own
    return doc


def _outcome(load: Any) -> tuple[Network | None, list[Problem]]:
    try:
        return load(), []
    except ValidationError as err:
        return None, [p for p in err.problems if p.severity == "error"]


def _located(problems: list[Problem], shift: dict[str, int]) -> Counter[tuple[str, int | None, str | None, str]]:
    return Counter((p.table, None if p.row is None else p.row + shift.get(p.table, 0), p.column, p.message)
                   for p in problems)  # fmt: skip


def _check_accepted(network: Network) -> None:
    """Independent of the parser: every number finite and within its column's bounds, every key given once."""
    for table in TABLES.values():
        frame = network.tables[table.name]
        for column in table.columns:
            if column.type == "float":
                values = [v for v in frame.get_column(column.name).to_list() if v is not None]
                low, high = column.bounds
                assert all(math.isfinite(v) and low <= v <= high for v in values), (table.name, column.name, values)
                if column.positive:
                    assert all(v > 0 for v in values)
        key = KEYS[table.name]
        assert frame.select(key).null_count().sum_horizontal().item() == 0
        assert frame.select(key).is_unique().all()


def _agree(name: str, load: Any, doc: dict[str, list[dict[str, str]]], shift: dict[str, int]) -> None:
    """Reading the file gives what the document gives: the same network, or the same located errors."""
    got, got_problems = _outcome(load)
    want, want_problems = _outcome(lambda: Network.from_dict(doc))
    if want is None:
        assert got is None, "accepted a network the document refuses"
        assert _located(got_problems, {}) == _located(want_problems, shift)
        COUNTS[(name, "refused with located errors")] += 1
        return
    assert got is not None, "\n".join(map(str, got_problems))
    for table, frame in want.tables.items():
        assert_frame_equal(got.tables[table], frame, check_column_order=False)
    _check_accepted(got)
    COUNTS[(name, "accepted, equal to the document")] += 1


@pytest.fixture(scope="module", autouse=True)
def _record_counts() -> Iterator[None]:
    yield
    target = os.environ.get("FUZZ_COUNTS")
    if target and COUNTS:
        with open(target, "a", encoding="utf-8") as out:
            for (test, outcome), count in sorted(COUNTS.items()):
                out.write(json.dumps({"test": test, "outcome": outcome, "count": count}) + "\n")


def _csv_bytes(rows: list[dict[str, str]], table: str, delimiter: str, eol: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    columns = list(dict.fromkeys(c for r in rows for c in r))
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=eol)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue().encode(encoding)


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"])


@given(
    doc=documents(),
    encoding=ENCODINGS,
    delimiter=st.sampled_from([",", ",", ";", "\t"]),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
    blank_above=st.integers(0, 2),
    blank_below=st.integers(0, 3),
    zipped=st.booleans(),
)
@FUZZ
def test_csv_networks_read_as_their_records(
    doc: dict[str, list[dict[str, str]]],
    encoding: str,
    delimiter: str,
    eol: str,
    blank_above: int,
    blank_below: int,
    zipped: bool,
) -> None:
    files: dict[str, bytes] = {}
    for table, rows in doc.items():
        text_ok = True
        try:
            data = _csv_bytes(rows, table, delimiter, eol, encoding)
        except UnicodeEncodeError:
            text_ok = False
        assume(text_ok)
        if encoding in ("cp1252", "latin-1") and any(b > 127 for b in data):
            try:
                data.decode("utf-8")
                assume(False)  # bytes that are valid UTF-8 as well: no reader can tell (docs)
            except UnicodeDecodeError:
                pass
        line = eol.encode(encoding.replace("-sig", ""))
        files[table] = line * blank_above + data + line * blank_below if encoding != "utf-16" else data
    shift = dict.fromkeys(doc, 1 + (blank_above if encoding != "utf-16" else 0))
    with tempfile.TemporaryDirectory() as tmp:
        if zipped:
            path = Path(tmp) / "net.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for table, data in files.items():
                    archive.writestr(f"{table}.csv", data)
        else:
            path = Path(tmp)
            for table, data in files.items():
                (path / f"{table}.csv").write_bytes(data)
        _agree("csv", lambda: load_network(path), doc, shift)


def _json_token(value: str, raw: bool) -> str:
    """A cell in JSON: a string, or (raw) the value written as a bare token when it looks like one."""
    return value if raw and value.strip() and _bare(value) else json.dumps(value, ensure_ascii=False)


def _bare(value: str) -> bool:
    if value in ("NaN", "Infinity", "-Infinity"):
        return True
    try:
        json.loads(value)
    except ValueError:
        return False
    return value.strip() == value and value[:1] in "-0123456789"


def _from_token(value: str, raw: bool) -> Any:
    """What the reader makes of a token: the number when finite and at most 64 characters, else its text."""
    if not (raw and value.strip() and _bare(value)) or value in ("NaN", "Infinity", "-Infinity"):
        return value
    if len(value) > 64:
        return value
    number = json.loads(value)
    return number if not isinstance(number, float) or math.isfinite(number) else value


@given(
    doc=documents(),
    raw=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    depth=st.integers(0, 40) | st.sampled_from([63, 64, 65, 1000, 100_000]),
    duplicate=st.one_of(st.none(), st.none(), st.none(), st.sampled_from(CELLS)),
    surrogate=st.one_of(st.none(), st.none(), st.none(), st.sampled_from(CELLS)),
)
@FUZZ
def test_json_documents_read_as_their_records(
    doc: dict[str, list[dict[str, str]]],
    raw: bool,
    encoding: str,
    depth: int,
    duplicate: tuple[str, int, str] | None,
    surrogate: tuple[str, int, str] | None,
) -> None:
    expected: dict[str, Any] = {
        t: [{k: _from_token(v, raw) for k, v in r.items()} for r in rows] for t, rows in doc.items()
    }
    parts = []
    for table, rows in doc.items():
        records = []
        for index, row in enumerate(rows):
            cells = [f"{json.dumps(k)}: {_json_token(v, raw)}" for k, v in row.items()]
            if duplicate is not None and duplicate[:2] == (table, index):
                twice = 1 if duplicate[2] in row else 2
                cells += [f"{json.dumps(duplicate[2])}: 1"] * twice
            if surrogate is not None and surrogate[:2] == (table, index):
                cells.append('"note": "x\\ud800y"')
            records.append("{" + ", ".join(cells) + "}")
        parts.append(f"{json.dumps(table)}: [" + ", ".join(records) + "]")
    parts.append('"meta": ' + ("[" * depth + "]" * depth if depth else "0"))
    text = "{" + ", ".join(parts) + "}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.json"
        path.write_bytes(text.encode(encoding))
        if depth + 1 > ReadLimits().max_json_depth:
            with pytest.raises(InputError, match="nested"):
                load_network(path)
            COUNTS[("json", "refused: nested too deep")] += 1
        elif duplicate is not None or surrogate is not None:
            got, problems = _outcome(lambda: load_network(path))
            assert got is None
            want = "given twice" if duplicate is not None else "not valid Unicode"
            assert any(want in p.message and p.row is not None for p in problems), problems
            COUNTS[("json", "refused with located errors")] += 1
        else:
            _agree("json", lambda: load_network(path), expected, {})


@given(
    doc=documents(),
    notes=st.booleans(),
    as_numbers=st.booleans(),
    gap=st.integers(0, 2),
)
@FUZZ
def test_workbooks_read_as_their_records(
    doc: dict[str, list[dict[str, str]]], notes: bool, as_numbers: bool, gap: int
) -> None:
    from openpyxl import Workbook

    from allyshore.io.workbook import NOTE_PREFIX

    book = Workbook()
    book.remove(book.worksheets[0])
    formulas: list[tuple[str, int, str]] = []
    for table, rows in doc.items():
        sheet = book.create_sheet(table)
        columns = list(dict.fromkeys(c for r in rows for c in r))
        sheet.append(columns)
        if notes:
            sheet.append([f"{NOTE_PREFIX}{TABLES[table].column(c).note}" for c in columns])
        for _ in range(gap):
            sheet.append([])
        number_of_row = 1 + int(notes) + gap
        for row in rows:
            number_of_row += 1
            cells: list[Any] = []
            for c in columns:
                value = row.get(c, "")
                typed = TABLES[table].column(c).type == "float"
                number = _finite(value) if (as_numbers and typed) else None
                cells.append(number if number is not None else value)
                if isinstance(cells[-1], str) and cells[-1].startswith("=") and len(cells[-1]) > 1:
                    formulas.append((table, number_of_row, c))
            sheet.append(cells)
    shift = dict.fromkeys(doc, 1 + int(notes) + gap)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.xlsx"
        book.save(path)
        if formulas:  # text starting with '=' is a formula without a saved value: refused with the cell named
            got, problems = _outcome(lambda: load_network(path))
            assert got is None
            located = {(p.table, p.row, p.column) for p in problems if "formula" in p.message}
            assert located == set(formulas)
            COUNTS[("xlsx", "refused with located errors")] += 1
        else:
            _agree("xlsx", lambda: load_network(path), doc, shift)


def _finite(text: str) -> float | None:
    """A number an .xlsx can hold exactly as the text says (else the cell stays text)."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value.is_integer() or repr(value) != text or float(f"{value:.16g}") != value:
        return None  # a whole number is stored as an integer ("0.0" reads back "0"); openpyxl writes 16 digits
    return value


def _good_file(kind: str, folder: Path) -> Path:
    doc = BASE
    if kind == "json":
        path = folder / "net.json"
        path.write_text(json.dumps(doc))
        return path
    if kind == "xlsx":
        from allyshore.io import write_network

        path = folder / "net.xlsx"
        write_network(Network.from_dict(doc), path)
        return path
    path = folder / "net.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, rows in doc.items():
            archive.writestr(f"{table}.csv", _csv_bytes(rows, table, ",", "\n", "utf-8"))
    return path


@given(
    kind=st.sampled_from(["json", "xlsx", "zip", "csv"]),
    edits=st.lists(
        st.tuples(
            st.floats(0, 1), st.sampled_from(["flip", "cut", "insert", "delete"]), st.binary(min_size=1, max_size=8)
        ),
        min_size=1,
        max_size=4,
    ),
)
@FUZZ
def test_damaged_files_end_in_a_network_or_a_message(kind: str, edits: list[tuple[float, str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if kind == "csv":
            path = folder
            target = folder / "sites.csv"
            for table, rows in BASE.items():
                (folder / f"{table}.csv").write_bytes(_csv_bytes(rows, table, ",", "\n", "utf-8"))
        else:
            path = target = _good_file(kind, folder)
        data = bytearray(target.read_bytes())
        for where, how, chunk in edits:
            at = int(where * max(len(data) - 1, 0))
            if how == "flip" and data:
                data[at] ^= chunk[0] or 1
            elif how == "cut":
                del data[at:]
            elif how == "insert":
                data[at:at] = chunk
            else:
                del data[at : at + len(chunk)]
        target.write_bytes(bytes(data))
        outcome, network, problems = _damaged_outcome(path)
        if network is not None:
            _check_accepted(network)
            for frame in network.tables.values():
                for name, dtype in frame.schema.items():
                    if dtype == pl.String:
                        "".join(v for v in frame.get_column(name).to_list() if v is not None).encode("utf-8")
        else:
            assert all(p.source for p in problems if p.severity == "error")
        COUNTS[("damaged", outcome)] += 1


def _damaged_outcome(path: Path) -> tuple[str, Network | None, tuple[Problem, ...]]:
    try:
        network = load_network(path)
    except ValidationError as err:
        return "refused with located errors", None, err.problems
    except InputError as err:
        message = str(err)
        return ("refused: unreadable, with a message" if message else "refused: empty message"), None, ()
    return "accepted, checks hold", network, ()
