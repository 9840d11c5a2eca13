"""The bounds of the network readers (sizes, zip entries, unpacked size, nesting, columns), their settings, and
the reading rules the corpus of tests/data/hostile does not pin one by one."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import allyshore.io.readers as readers
from allyshore import Network, load_network, write_network
from allyshore.errors import InputError, ValidationError
from allyshore.io import validate_path
from allyshore.io.limits import ReadLimits
from allyshore.model.validate import check_network


def _csv(records: list[dict[str, Any]]) -> str:
    columns = list(dict.fromkeys(k for r in records for k in r))
    return "\n".join([",".join(columns), *(",".join(str(r.get(c, "")) for c in columns) for r in records)]) + "\n"


def _zip(path: Path, doc: dict[str, Any], extra: int = 0) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, records in doc.items():
            archive.writestr(f"{table}.csv", _csv(records))
        for i in range(extra):
            archive.writestr(f"notes/{i}.txt", "x")
    return path


def test_limits_come_from_the_environment_in_mb() -> None:
    limits = ReadLimits.from_env({"ALLYSHORE_MAX_FILE_MB": "2", "ALLYSHORE_MAX_JSON_DEPTH": "10"})
    assert limits.max_file_bytes == 2 * 1024 * 1024
    assert limits.max_json_depth == 10
    assert limits.max_zip_ratio == ReadLimits().max_zip_ratio  # the others keep their defaults
    with pytest.raises(InputError, match="ALLYSHORE_MAX_COLUMNS='many' is not a whole number"):
        ReadLimits.from_env({"ALLYSHORE_MAX_COLUMNS": "many"})
    with pytest.raises(InputError, match="must be greater than 0"):
        ReadLimits.from_env({"ALLYSHORE_MAX_ZIP_RATIO": "0"})


def test_a_file_above_the_size_limit_is_refused_before_reading(
    tiny_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = tiny_path.stat().st_size
    with pytest.raises(InputError, match="above the limit"):
        load_network(tiny_path, limits=ReadLimits(max_file_bytes=size - 1))
    assert load_network(tiny_path, limits=ReadLimits(max_file_bytes=size)).summary()["sites"] == 4
    monkeypatch.setenv("ALLYSHORE_MAX_FILE_MB", "1")
    monkeypatch.setattr(readers, "ReadLimits", ReadLimits)
    assert load_network(tiny_path).summary()["sites"] == 4  # 1 MB holds the tiny network


def test_a_zip_with_too_many_entries_or_too_much_inside_is_refused(
    tmp_path: Path, tiny_document: dict[str, Any]
) -> None:
    path = _zip(tmp_path / "net.zip", tiny_document, extra=5)
    assert load_network(path).summary()["flows"] == 3
    with pytest.raises(InputError, match="11 entries in the zip container, above the limit of 10"):
        load_network(path, limits=ReadLimits(max_zip_entries=10))
    unpacked = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    with pytest.raises(InputError, match="unpacks to"):
        load_network(path, limits=ReadLimits(max_unpacked_bytes=unpacked - 1))


def test_the_environment_bounds_the_command_line(
    tmp_path: Path, tiny_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from allyshore.cli import main

    path = _zip(tmp_path / "net.zip", tiny_document, extra=5)
    monkeypatch.setenv("ALLYSHORE_MAX_ZIP_ENTRIES", "8")
    with pytest.raises(SystemExit) as info:
        main(["validate", str(path)])
    assert info.value.code == 1
    assert "above the limit of 8" in capsys.readouterr().err


def test_json_is_parsed_once_and_keeps_its_description(
    tiny_path: Path, tiny_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny_document["description"] = "pumps"
    tiny_path.write_text(json.dumps(tiny_document))
    calls: list[int] = []
    real = json.loads

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(readers.json, "loads", counting)
    network = load_network(tiny_path)
    assert network.description == "pumps"
    assert len(calls) == 1


def test_json_nesting_is_bounded_before_parsing(tiny_path: Path, tiny_document: dict[str, Any]) -> None:
    tiny_document["meta"] = {"a": [[[["deep"]]]]}  # depth 6 with the document itself
    tiny_path.write_text(json.dumps(tiny_document))
    assert load_network(tiny_path, limits=ReadLimits(max_json_depth=6)).summary()["sites"] == 4
    with pytest.raises(InputError, match="nested 6 levels deep, above the limit of 5"):
        load_network(tiny_path, limits=ReadLimits(max_json_depth=5))
    tiny_document["meta"] = "[[[[[[[[[[[[ brackets in a string do not count"
    tiny_path.write_text(json.dumps(tiny_document))
    assert load_network(tiny_path, limits=ReadLimits(max_json_depth=3)).summary()["sites"] == 4


def test_the_templates_notes_row_is_skipped_silently_another_with_a_warning(
    tmp_path: Path, tiny_document: dict[str, Any]
) -> None:
    path = tmp_path / "net.xlsx"
    write_network(Network.from_dict(tiny_document), path)
    assert not [p for p in validate_path(path) if "notes row" in p.message]
    book = openpyxl.load_workbook(path)
    book["bom"]["A2"] = "# my own note"
    book.save(path)
    (warning,) = [p for p in validate_path(path) if "notes row" in p.message]
    assert (warning.severity, warning.table, warning.row) == ("warning", "bom", 2)
    assert load_network(path).bom.height == 1  # the data row under it is read


def test_rows_with_blank_keys_are_not_duplicates_but_repeated_keys_are(tiny_document: dict[str, Any]) -> None:
    network = Network.from_dict(tiny_document)
    tables = dict(network.tables)
    sites = tables["sites"]
    blank = sites.head(2).with_columns(site_id=None)
    tables["sites"] = sites.vstack(blank).vstack(sites.head(1))  # rows 2..5 are the originals, then two blanks
    problems = check_network(Network(tables=tables), deep=False)
    duplicates = [p for p in problems if "duplicate" in p.message]
    assert [(p.row, p.message) for p in duplicates] == [(8, "duplicate site_id 'PL'")]  # 7th record, header row 1
    assert duplicates[0].hint == "already given on row 2; merge the two rows"


def test_a_required_column_spelt_otherwise_is_named_in_the_hint(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    for table, records in tiny_document.items():
        text = _csv(records)
        (tmp_path / f"{table}.csv").write_text(text.replace("item_id", "Item_ID", 1) if table == "items" else text)
    with pytest.raises(ValidationError) as info:
        load_network(tmp_path)
    (missing,) = [p for p in info.value.problems if "required column" in p.message]
    assert missing.hint == "rename the column 'Item_ID' to 'item_id' (names are exact)"
    # and no flood of "unknown item" for every reference: only the items table's own problems
    assert not [p for p in info.value.problems if p.message.startswith("unknown item")]


def test_an_optional_column_spelt_otherwise_is_a_warning(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    for flow in tiny_document["flows"]:
        if "transit_days" in flow:
            flow["Transit_Days"] = flow.pop("transit_days")
    path = tmp_path / "net.json"
    path.write_text(json.dumps(tiny_document))
    (warning,) = [p for p in validate_path(path) if "Transit_Days" in p.message]
    assert warning.severity == "warning" and "rename it 'transit_days'" in (warning.hint or "")


def test_a_description_that_is_not_unicode_is_refused(tiny_path: Path, tiny_document: dict[str, Any]) -> None:
    text = json.dumps(tiny_document)
    tiny_path.write_text(text[:-1] + ', "description": "pumps \\ud800"}')
    with pytest.raises(ValidationError) as info:
        load_network(tiny_path)
    (problem,) = [p for p in info.value.problems if p.severity == "error"]
    assert (problem.table, problem.source) == ("description", tiny_path.name)
    assert "not valid Unicode" in problem.message
