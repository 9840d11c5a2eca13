from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from allyshore import Network, ValidationError, load_network, write_network
from allyshore.cli import main
from allyshore.io import validate_path


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return int(code) if code is not None else 0


def test_loads_and_normalises_countries(tiny_document: dict[str, Any]) -> None:
    tiny_document["sites"][0]["country"] = "Mexico"
    tiny_document["sites"][1]["country"] = "CHN"
    network = Network.from_dict(tiny_document)
    assert network.sites["country"].to_list() == ["MX", "CN", "US", "US"]
    assert network.supply["status"].to_list() == ["active", "active", "candidate"]


def test_every_problem_is_reported_with_location(tiny_path: Path, tiny_document: dict[str, Any]) -> None:
    doc = tiny_document
    doc["flows"].append({"from_site": "NOPE", "to_site": "PL", "item_id": "K"})
    doc["bom"].append({"parent_id": "G", "child_id": "K2", "quantity": -1})
    doc["sites"][1]["country"] = "Atlantis"
    doc["items"][0]["hs_code"] = "90.1"
    tiny_path.write_text(json.dumps(doc))
    problems = [p for p in validate_path(tiny_path) if p.severity == "error"]
    text = "\n".join(str(p) for p in problems)
    assert "unknown site 'NOPE'" in text and "flows" in text
    assert "unknown item 'K2'" in text
    assert "-1 must be greater than 0" in text
    assert "unknown country 'Atlantis'" in text
    assert "malformed HS code '90.1'" in text
    nope = next(p for p in problems if "NOPE" in p.message)
    assert (nope.row, nope.column) == (4, "from_site")


def test_an_hs_code_that_names_no_subheading_is_a_warning(tiny_path: Path, tiny_document: dict[str, Any]) -> None:
    """12.34.56 is well formed but heading 12.34 does not exist in the HS (chapter 12 stops at 12.14); 8536.50.01
    is not a US line but a Mexican TIGIE fraction of the real subheading 8536.50, so it passes."""
    tiny_document["items"][0]["hs_code"] = "1234.56"
    tiny_document["items"][1]["hs_code"] = "8536.50.01"
    tiny_path.write_text(json.dumps(tiny_document))
    problems = validate_path(tiny_path)
    (warning,) = [p for p in problems if "not a subheading" in p.message]
    assert (warning.severity, warning.row, warning.column) == ("warning", 1, "hs_code")  # first item of the JSON
    assert "'1234.56'" in warning.message and not [p for p in problems if p.severity == "error"]


def test_bom_cycle_is_printed(tiny_document: dict[str, Any]) -> None:
    tiny_document["bom"].append({"parent_id": "K", "child_id": "G", "quantity": 1})
    with pytest.raises(ValidationError) as info:
        Network.from_dict(tiny_document)
    assert any("BOM cycle: " in p.message and "G" in p.message and "K" in p.message for p in info.value.problems)


def test_shares_above_one_are_an_error(tiny_document: dict[str, Any]) -> None:
    tiny_document["flows"][1]["status"] = "active"
    tiny_document["flows"][1]["share"] = 0.5
    with pytest.raises(ValidationError, match=r"sum to 1\.5"):
        Network.from_dict(tiny_document)


def test_unreachable_demand_is_an_error(tiny_document: dict[str, Any]) -> None:
    tiny_document["flows"][0]["status"] = "candidate"
    with pytest.raises(ValidationError, match="cannot be reached from any source"):
        Network.from_dict(tiny_document)


@pytest.mark.parametrize("target", ["net.json", "net.xlsx", "netcsv"])
def test_round_trip_formats(tmp_path: Path, tiny_path: Path, target: str) -> None:
    network = load_network(tiny_path)
    out = write_network(network, tmp_path / target)
    again = load_network(out)
    for name, frame in network.tables.items():
        assert again.tables[name].equals(frame), name


def test_cli_validate_exit_codes(
    tiny_path: Path, tiny_document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("validate", str(tiny_path)) == 0
    tiny_document["flows"].append({"from_site": "NOPE", "to_site": "PL", "item_id": "K"})
    tiny_path.write_text(json.dumps(tiny_document))
    assert run_cli("validate", str(tiny_path)) == 1
    captured = capsys.readouterr()
    assert "NOPE" in captured.err
    assert "[flows]" in captured.err
    assert "Traceback" not in captured.err
    assert run_cli("validate") == 2


def test_cli_missing_file_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("convert", str(tmp_path / "none.json"), str(tmp_path / "x.json")) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "no such file" in err


def test_duplicate_ids_name_the_first_row(tiny_document: dict[str, Any]) -> None:
    tiny_document["sites"].append({"site_id": "S1", "country": "JP", "kind": "supplier"})
    with pytest.raises(ValidationError) as info:
        Network.from_dict(tiny_document)
    dup = next(p for p in info.value.problems if "duplicate" in p.message)
    assert dup.row == 5
    assert "row 2" in (dup.hint or "")


def test_flow_cycle_is_an_error(tiny_document: dict[str, Any]) -> None:
    # a warehouse that ships K back to the supplier that ships K to it
    tiny_document["sites"].append({"site_id": "W", "country": "US", "kind": "warehouse"})
    tiny_document["supply"].append({"site_id": "W", "item_id": "K"})
    tiny_document["flows"] += [
        {"from_site": "S1", "to_site": "W", "item_id": "K"},
        {"from_site": "W", "to_site": "S1", "item_id": "K"},
    ]
    with pytest.raises(ValidationError, match="flow cycle"):
        Network.from_dict(tiny_document)


def test_wrong_types_are_located_in_csv(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    network = Network.from_dict(tiny_document)
    folder = write_network(network, tmp_path / "net")
    text = (folder / "supply.csv").read_text().splitlines()
    text[2] = text[2].replace("18.0", "eighteen")
    (folder / "supply.csv").write_text("\n".join(text) + "\n")
    problems = validate_path(folder)
    bad = next(p for p in problems if "eighteen" in p.message)
    assert (bad.source, bad.row, bad.column) == ("supply.csv", 3, "unit_price")
    assert "is not a number" in bad.message


def test_bad_values_in_optional_columns_are_located(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    tiny_document["supply"][0]["other_costs_per_unit"] = 20  # so the CSV has the column
    tiny_document["supply"][1]["supplier_certifies_origin"] = "yes"
    network = Network.from_dict(tiny_document)
    folder = write_network(network, tmp_path / "net")
    lines = (folder / "supply.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("other_costs_per_unit")] = "thirty"
    lines[1] = ",".join(row)
    row = lines[2].split(",")
    row[header.index("supplier_certifies_origin")] = "perhaps"
    lines[2] = ",".join(row)
    (folder / "supply.csv").write_text("\n".join(lines) + "\n")
    problems = {(p.source, p.row, p.column): p for p in validate_path(folder) if p.severity == "error"}
    assert set(problems) == {
        ("supply.csv", 2, "other_costs_per_unit"),
        ("supply.csv", 3, "supplier_certifies_origin"),
    }
    cost = problems["supply.csv", 2, "other_costs_per_unit"]
    assert cost.message == "'thirty' is not a number" and "plain number" in (cost.hint or "")
    assert "yes or no" in (problems["supply.csv", 3, "supplier_certifies_origin"].hint or "")
    assert run_cli("validate", str(folder)) == 1
    # the same in a workbook (sheet, row as Excel shows it) and in a JSON document
    tiny_document["flows"][1]["units_per_container"] = 0  # must be > 0
    tiny_document["supply"][2]["origin_country"] = "Atlantis"
    path = tmp_path / "net.json"
    path.write_text(json.dumps(tiny_document))
    located = {(p.source, p.row, p.column) for p in validate_path(path) if p.severity == "error"}
    assert located == {("net.json [flows]", 2, "units_per_container"), ("net.json [supply]", 3, "origin_country")}
    del tiny_document["flows"][1]["units_per_container"], tiny_document["supply"][2]["origin_country"]
    book = tmp_path / "net.xlsx"
    write_network(Network.from_dict(tiny_document), book)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["supply"]
    column = [c.value for c in sheet[1]].index("other_costs_per_unit") + 1
    sheet.cell(row=4, column=column, value="n/a")
    workbook.save(book)
    bad = [p for p in validate_path(book) if p.severity == "error"]
    assert [(p.source, p.row, p.column) for p in bad] == [("net.xlsx sheet 'supply'", 4, "other_costs_per_unit")]


def test_optional_columns_are_typed(tiny_document: dict[str, Any]) -> None:
    tiny_document["supply"][0].update(supplier_certifies_origin="Y", other_costs_per_unit="12.5", origin_country="MEX")
    tiny_document["supply"][1]["usmca_originating"] = False
    network = Network.from_dict(tiny_document)
    supply = network.supply
    assert supply["supplier_certifies_origin"].to_list() == [True, None, None]
    assert supply["usmca_originating"].to_list() == [None, False, None]
    assert supply["other_costs_per_unit"].to_list() == [12.5, None, None]
    assert supply["origin_country"].to_list() == ["MX", None, None]
    assert network.flows["freight_per_container"].null_count() == network.flows.height  # absent: blank


def test_json_errors_do_not_half_load(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"sites": [ {"site_id": "A",, } ]}')
    assert run_cli("validate", str(path)) == 1


def test_writing_is_atomic(tmp_path: Path, tiny_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    network = load_network(tiny_path)
    target = tmp_path / "out.json"
    target.write_text("previous")

    def boom(*_: object, **__: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr("allyshore.io.writers.json.dumps", boom)
    with pytest.raises(RuntimeError):
        write_network(network, target)
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "out.json"]


def test_warehouse_stocks_a_made_good(tiny_document: dict[str, Any]) -> None:
    """A warehouse holding the finished good passes it through; it does not make it from its BOM."""
    from allyshore.model.graph import KIND_CODES, compile_network
    from allyshore.model.rollup import calc_levels, calc_requirements

    doc = tiny_document
    doc["sites"].append({"site_id": "W", "country": "US", "kind": "warehouse"})
    doc["supply"].append({"site_id": "W", "item_id": "G", "inventory": 100})
    doc["flows"][2] = {"from_site": "PL", "to_site": "W", "item_id": "G", "crossing": "Laredo"}
    doc["flows"].append({"from_site": "W", "to_site": "C", "item_id": "G"})
    graph = compile_network(Network.from_dict(doc))
    warehouse = next(n for n in range(graph.n_nodes) if graph.node_label(n) == "W/G")
    assert KIND_CODES[graph.node_kind[warehouse]] == "pass"
    one_good = np.zeros(graph.n_nodes)
    one_good[graph.demand_node[0]] = 1.0
    units = calc_requirements(calc_levels(graph), one_good)
    by_label = {graph.node_label(n): units[n] for n in range(graph.n_nodes)}
    # one G at C is one G through W, one G made at PL, two K from S1
    assert by_label == {"PL/G": 1.0, "S1/K": 2.0, "S2/K": 0.0, "W/G": 1.0, "C/G": 1.0}


def test_one_reachable_source_is_enough(tiny_document: dict[str, Any]) -> None:
    """K reaches PL from S1 even though the other active source, a stockist with no supply of its own, is starved."""
    doc = tiny_document
    doc["sites"].append({"site_id": "W", "country": "US", "kind": "warehouse"})
    doc["supply"].append({"site_id": "W", "item_id": "K"})
    doc["supply"].append({"site_id": "S2", "item_id": "G", "status": "candidate"})
    doc["flows"][0]["share"] = 0.5
    doc["flows"].append({"from_site": "W", "to_site": "PL", "item_id": "K", "share": 0.5})
    doc["flows"].append({"from_site": "S2", "to_site": "W", "item_id": "K", "status": "candidate"})
    network = Network.from_dict(doc)  # no error: demand is reachable through S1
    assert network.flows.height == 5
    doc["flows"][0]["status"] = "candidate"
    with pytest.raises(ValidationError, match="cannot be reached"):
        Network.from_dict(doc)
