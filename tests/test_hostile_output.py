"""What allyshore writes stays safe and whole whatever the user's text: CSV cells a spreadsheet would run,
NaN, very long lines, markup, a process killed mid-write, the umask.

The CSV rule is OWASP's "CSV Injection" guidance: a cell starting with = + - @, a tab or a carriage
return is run as a formula by spreadsheets, and a leading apostrophe makes it text.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allyshore import Network, load_network, write_network
from allyshore.cli import main
from allyshore.errors import InputError
from allyshore.io import atomic, writers
from allyshore.io.atomic import TEMP_SUFFIX, atomic_path, remove_stale_temps
from allyshore.io.csv_cells import neutralize_formulas, restore_formula_text
from allyshore.model.schema import FORMAT_VERSION, TABLES

HOSTILE = ["=cmd|' /C calc'!A0", "@SUM(A1:A9)", "+1+1", "-2+3+cmd|' /C calc'!A0", '=HYPERLINK("http://x")']
OWASP_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(exited.value.code or 0)


def csv_cells(folder: Path) -> Iterator[tuple[str, str]]:
    """(file name, cell) for every cell of every CSV file in ``folder``, header included, as a spreadsheet reads it."""
    for file in sorted(folder.glob("*.csv")):
        with file.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    yield file.name, cell


def runnable(cell: str) -> bool:
    """Would a spreadsheet run this cell as a formula? (OWASP: it starts with one of OWASP_START; a plain
    number is read as that number)."""
    return cell.startswith(OWASP_START) and not NUMBER.match(cell)


@pytest.fixture
def hostile_document(tiny_document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(tiny_document)
    for site, text in zip(document["sites"], HOSTILE, strict=False):
        site["name"] = text
    document["items"][0]["name"] = "'=already quoted"
    document["items"][1]["name"] = "'tis plain"
    document["supply"][0]["=user column"] = "-3.5"  # a column of the user's own, text that is a number
    document["sites"][0]["lon"] = -100.25  # a negative number in a number column
    return document


def test_csv_network_cells_are_not_formulas_and_read_back(tmp_path: Path, hostile_document: dict[str, Any]) -> None:
    network = Network.from_dict(hostile_document)
    folder = write_network(network, tmp_path / "net")
    cells = list(csv_cells(folder))
    assert [c for c in cells if runnable(c[1])] == []
    sites = pl.read_csv(folder / "sites.csv", infer_schema=False)
    # each formula gets exactly one apostrophe in front (OWASP); a number column keeps its minus sign
    assert sites["name"].to_list()[:4] == ["'" + text for text in HOSTILE[:4]]
    assert sites["lon"][0] == "-100.25"
    items = pl.read_csv(folder / "items.csv", infer_schema=False)
    assert items["name"].to_list() == ["''=already quoted", "'tis plain"]
    supply = pl.read_csv(folder / "supply.csv", infer_schema=False)
    assert "'=user column" in supply.columns
    assert supply["'=user column"][0] == "-3.5"  # text that is a plain number: a spreadsheet runs nothing
    again = load_network(folder)
    for name in TABLES:
        assert again.tables[name].equals(network.tables[name]), name
    assert again.sites["name"].to_list()[:4] == HOSTILE[:4]
    assert again.items["name"].to_list() == ["'=already quoted", "'tis plain"]


def test_a_hand_written_apostrophe_is_read_as_a_spreadsheet_reads_it(
    tmp_path: Path, tiny_document: dict[str, Any]
) -> None:
    folder = write_network(Network.from_dict(tiny_document), tmp_path / "net")
    text = (folder / "items.csv").read_text().replace("Good", "'=Good")
    (folder / "items.csv").write_text(text)
    assert load_network(folder).items["name"][0] == "=Good"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("'=+-@\t\r0123456789.eE ab"), max_size=8), min_size=1, max_size=6))
def test_neutralized_text_is_never_a_formula_and_restores_exactly(values: list[str]) -> None:
    frame = pl.DataFrame({"text": values, "number": [-1.5] * len(values)})
    safe = neutralize_formulas(frame)
    assert not any(runnable(v) for v in safe["text"].to_list())
    assert safe["number"].to_list() == [-1.5] * len(values)
    assert restore_formula_text(safe).equals(frame)


def test_cli_csv_output_cells_are_not_formulas(tmp_path: Path, hostile_document: dict[str, Any]) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(hostile_document))
    out = tmp_path / "out"
    assert run_cli("exposure", str(path), "--csv", str(out)) == 0
    cells = list(csv_cells(out))
    assert any(c[1] == "'" + HOSTILE[0] for c in cells)  # the site name made it into a table, made safe
    assert [c for c in cells if runnable(c[1])] == []
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def with_nan(network: Network) -> Network:
    sites = network.sites.with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(float("nan")).otherwise(pl.col("lat")).alias("lat")
    )
    return dataclasses.replace(network, tables={**network.tables, "sites": sites})


@pytest.mark.parametrize("target", ["n.json", "n.xlsx", "ncsv"])
def test_nan_is_refused_and_nothing_is_written(tmp_path: Path, tiny_document: dict[str, Any], target: str) -> None:
    tiny_document["sites"][0]["lat"] = 25.7
    network = with_nan(Network.from_dict(tiny_document))
    # the third record of a document: row 3 (Network.row_of counts the records of a document from 1)
    with pytest.raises(InputError, match=r"\[sites\] row 3, column 'lat': nan is not a number"):
        write_network(network, tmp_path / target)
    assert list(tmp_path.iterdir()) == []


def test_json_is_written_a_slice_at_a_time_and_matches_the_records(
    tmp_path: Path, tiny_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Text built to fool a careless null remover: member-like text inside values and names.
    tiny_document["sites"][0]["name"] = 'a,"region":null,{"b":null}'
    tiny_document["sites"][1]["name"] = '{"site_id":null,'
    tiny_document["sites"][2]["name"] = "ends in \\"
    tiny_document["supply"][1]['notes, "x":null'] = "v"
    network = Network.from_dict(tiny_document, name='q"uote')
    monkeypatch.setattr(writers, "JSON_SLICE_ROWS", 2)  # the tiny tables span several slices
    path = write_network(network, tmp_path / "n.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    # The same document by another road: the records of Network.to_dict (nulls left out).
    assert document == {"format_version": FORMAT_VERSION, "name": 'q"uote', **network.to_dict()}
    again = load_network(path)
    for name in TABLES:
        assert again.tables[name].equals(network.tables[name]), name


def test_files_get_the_umask_and_keep_an_existing_mode(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    network = Network.from_dict(tiny_document)
    old = os.umask(0o027)
    try:
        for target in ("n.json", "n.xlsx"):
            assert (write_network(network, tmp_path / target).stat().st_mode & 0o777) == 0o640
        folder = write_network(network, tmp_path / "ncsv")
        assert folder.stat().st_mode & 0o777 == 0o750
        assert {f.stat().st_mode & 0o777 for f in folder.iterdir()} == {0o640}
        (tmp_path / "n.json").chmod(0o600)  # a mode the user chose is kept, as open() keeps it
        assert (write_network(network, tmp_path / "n.json").stat().st_mode & 0o777) == 0o600
    finally:
        os.umask(old)


def test_umask_is_read_without_changing_it() -> None:
    old = os.umask(0o037)
    try:
        assert atomic.current_umask() == 0o037
        assert atomic.current_umask() == 0o037
    finally:
        os.umask(old)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_write_killed_midway_leaves_a_temp_file_the_next_write_removes(
    tmp_path: Path, tiny_document: dict[str, Any]
) -> None:
    target = tmp_path / "n.json"
    script = (
        "import sys, time\nfrom pathlib import Path\nfrom allyshore.io.atomic import atomic_path\n"
        "with atomic_path(Path(sys.argv[1])) as tmp:\n"
        "    tmp.write_text('half')\n    print('ready', flush=True)\n    time.sleep(60)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        child.send_signal(signal.SIGKILL)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".n.json.") and left[0].endswith(TEMP_SUFFIX)
    write_network(Network.from_dict(tiny_document), target)
    assert [p.name for p in tmp_path.iterdir()] == ["n.json"]


def test_temp_files_of_running_writers_are_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "n.json"
    gone = tmp_path / f".n.json.{dead_pid()}-abc{TEMP_SUFFIX}"
    gone.write_text("stale")
    other = tmp_path / f".other.json.{dead_pid()}-abc{TEMP_SUFFIX}"  # another target's: not ours to judge
    other.write_text("stale")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as sleeper:
        live = tmp_path / f".n.json.{sleeper.pid}-abc{TEMP_SUFFIX}"
        live.write_text("being written")
        try:
            assert remove_stale_temps(target) == [gone]
        finally:
            sleeper.kill()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


def test_a_folder_cut_off_between_its_renames_is_put_back(tmp_path: Path) -> None:
    target = tmp_path / "net"
    old = tmp_path / ".net.allyshore-old"
    old.mkdir()
    (old / "sites.csv").write_text("site_id\nA\n")
    remove_stale_temps(target)
    assert (target / "sites.csv").read_text() == "site_id\nA\n"
    assert not old.exists()


def test_a_failed_folder_write_leaves_nothing_behind(
    tmp_path: Path, tiny_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    network = Network.from_dict(tiny_document)
    folder = write_network(network, tmp_path / "net")
    before = {f.name: f.read_text() for f in folder.iterdir()}

    def boom(frame: pl.DataFrame) -> pl.DataFrame:
        raise OSError("disk full")

    monkeypatch.setattr(writers, "neutralize_formulas", boom)
    with pytest.raises(OSError, match="disk full"):
        write_network(network, folder)
    assert [p.name for p in tmp_path.iterdir()] == ["net"]
    assert {f.name: f.read_text() for f in folder.iterdir()} == before
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "x.json"):
        raise RuntimeError("any failure")
    assert [p.name for p in tmp_path.iterdir()] == ["net"]


def test_report_escapes_every_user_string(tiny_document: dict[str, Any]) -> None:
    from allyshore.report import render_context, render_report, run_analyses

    payload = "<b id=x>'\"&amp;</script>"

    def tagged(value: str) -> str:
        return payload + value

    document = copy.deepcopy(tiny_document)
    for site in document["sites"]:
        site["site_id"], site["name"] = tagged(site["site_id"]), tagged(site["name"])
    for item in document["items"]:
        item["item_id"], item["name"] = tagged(item["item_id"]), tagged(item["name"])
    for row in document["bom"]:
        row["parent_id"], row["child_id"] = tagged(row["parent_id"]), tagged(row["child_id"])
    for row in document["supply"]:
        row["site_id"], row["item_id"] = tagged(row["site_id"]), tagged(row["item_id"])
    for row in document["flows"]:
        row["from_site"], row["to_site"], row["item_id"] = (tagged(row[k]) for k in ("from_site", "to_site", "item_id"))
        if "crossing" in row:
            row["crossing"] = tagged(row["crossing"])
    for row in document["demand"]:
        row["site_id"], row["item_id"] = tagged(row["site_id"]), tagged(row["item_id"])
    html = render_report(render_context(run_analyses(Network.from_dict(document, name=tagged("net")))))
    assert "<b id=x>" not in html
    assert "</script>'" not in html and '</script>"' not in html
    assert html.count("&lt;b id=x&gt;") > 10  # the names are shown, escaped
    assert "could not be computed" not in html  # every section ran on the hostile names


def test_certificate_of_a_4000_character_address_is_a_whole_pdf(tmp_path: Path) -> None:
    from allyshore.origin.certificate_pdf import LINE_CHARS, write_certification
    from allyshore.origin.certification import certify
    from test_certify import ORIGINATING, PARTIES, pdf_text

    for address in ("Av. Industrial 100 " * 211, "A" * 4000):
        parties = copy.deepcopy(PARTIES)
        parties["certifier"]["address"] = address
        parties["importer"]["name"] = "<b>Care</b> & <i>Devices</i></para>"
        good = copy.deepcopy(ORIGINATING)
        good["good"]["description"] = "pump " + "B" * 3000
        pdf, document = write_certification(certify([good], parties), tmp_path / "cert")
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        text = pdf_text(data)
        # the note says how much was left out of the line and where the whole text is
        assert re.search(r"\.\.\. \[cut here: [\d,]+ more characters; the JSON file holds the full text\]", text)
        drawn = max(len(run) for run in re.findall("A{2,}", text.replace(" ", "")))
        assert address.strip() not in text and drawn <= LINE_CHARS
        assert "<b>Care</b>&<i>Devices</i></para>" in text.replace(" ", "")  # drawn as text, not read as markup
        assert json.loads(document.read_text())["certifier"]["address"] == address


def test_certificate_and_csv_tables_get_the_umask(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    from allyshore.origin.certificate_pdf import write_certification
    from allyshore.origin.certification import certify
    from test_certify import ORIGINATING, PARTIES

    path = tmp_path / "net.json"
    path.write_text(json.dumps(tiny_document))
    old = os.umask(0o027)
    try:
        written = write_certification(certify([ORIGINATING], PARTIES), tmp_path / "cert")
        assert run_cli("exposure", str(path), "--csv", str(tmp_path / "tables")) == 0
    finally:
        os.umask(old)
    tables = list((tmp_path / "tables").iterdir())
    assert tables and {p.stat().st_mode & 0o777 for p in [*written, *tables]} == {0o640}


@pytest.mark.parametrize(
    ("column", "value", "why"),
    [
        ("name", "a\x01b", "holds a control character"),
        ("name", "unit\x1fseparator", "holds a control character"),
        ("region", "x" * 32_768, "is longer than the 32,767 characters an Excel cell holds"),  # Excel's limit
    ],
)
def test_text_a_workbook_cannot_hold_is_refused_and_kept_by_the_other_formats(
    tmp_path: Path, tiny_document: dict[str, Any], column: str, value: str, why: str
) -> None:
    tiny_document["sites"][1][column] = value
    network = Network.from_dict(tiny_document)
    with pytest.raises(InputError, match=rf"\[sites\] row 2, column '{column}': the text {why}"):
        write_network(network, tmp_path / "n.xlsx")
    assert list(tmp_path.iterdir()) == []
    for target in ("n.json", "ncsv"):
        assert load_network(write_network(network, tmp_path / target)).sites[column][1] == value


def test_a_csv_network_never_replaces_a_folder_of_other_files(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    network = Network.from_dict(tiny_document)
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "thesis.docx").write_text("years of work")
    with pytest.raises(InputError, match=r"not network tables \(thesis.docx\).*choose a new or empty folder"):
        write_network(network, folder)
    assert [p.name for p in folder.iterdir()] == ["thesis.docx"]
    assert [p.name for p in tmp_path.iterdir()] == ["work"]
    # a folder holding only network tables is replaced; the current folder is not
    (folder / "thesis.docx").unlink()
    write_network(network, folder)
    write_network(network, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    assert load_network(folder).tables["sites"].equals(network.sites)
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        with pytest.raises(InputError, match="is the current folder"):
            write_network(network, ".")
    finally:
        os.chdir(cwd)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
