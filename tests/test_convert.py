"""Lossless conversion between the three network formats (property tests) and the Excel template."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allyshore import Network, load_network, write_network
from allyshore.io import validate_path
from allyshore.io.workbook import write_template
from allyshore.model.schema import LANDED_COST, MODES, SITE_KINDS, TABLES, USMCA_ORIGIN, analysis_columns

COUNTRIES = ["MX", "US", "CA", "CN", "DE", "JP", "VN", "KR", "TW", "IN"]
text = (
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda s: bool(s) and not s.startswith("#"))
)


# Excel keeps 15 significant digits (openpyxl writes 16): user numbers with up to 15 significant digits round-trip exactly.
def decimal_floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False).map(lambda x: float(f"{x:.15g}"))


money = st.one_of(st.none(), decimal_floats(0, 1e7))


@st.composite
def networks(draw: Any) -> dict[str, Any]:
    n_sites = draw(st.integers(1, 5))
    n_items = draw(st.integers(1, 5))
    sites = [
        {
            "site_id": f"S{i}",
            "name": draw(st.one_of(st.none(), text)),
            "country": draw(st.sampled_from(COUNTRIES)),
            "kind": draw(st.sampled_from(SITE_KINDS)),
            "lat": draw(st.one_of(st.none(), decimal_floats(-90, 90))),
            "capacity_per_week": draw(money),
            "certifications": draw(st.one_of(st.none(), st.just("ISO 13485;IATF 16949"), text)),
        }
        for i in range(n_sites)
    ]
    items = [
        {
            "item_id": f"I{j}",
            "name": draw(st.one_of(st.none(), text)),
            "hs_code": draw(st.sampled_from([None, "9018.90", "850760"])),
            "unit_cost": draw(money),
        }
        for j in range(n_items)
    ]
    bom = [
        {"parent_id": f"I{p}", "child_id": f"I{c}", "quantity": draw(decimal_floats(0.001, 1000))}
        for p in range(n_items)
        for c in range(p)
        if draw(st.booleans())
    ]
    pairs = sorted(
        draw(st.sets(st.tuples(st.integers(0, n_sites - 1), st.integers(0, n_items - 1)), min_size=1, max_size=8))
    )
    supply = [
        {
            "site_id": f"S{s}",
            "item_id": f"I{i}",
            "unit_price": draw(money),
            "inventory": draw(money),
            "status": draw(st.sampled_from(["active", "candidate"])),
            # optional columns read by the origin and landed-cost analyses
            "supplier_certifies_origin": draw(st.sampled_from([None, True, False, "yes", "No", "1", "x"])),
            "other_costs_per_unit": draw(money),
            "fx_rate": draw(st.one_of(st.none(), decimal_floats(0.001, 100))),
            "currency": draw(st.one_of(st.none(), st.just("MXN"), text)),
            "origin_country": draw(st.sampled_from([None, "MX", "Mexico", "CHN", "de"])),
        }
        for s, i in pairs
    ]
    flows = []
    for s, i in pairs:
        for target in range(s + 1, n_sites):
            if draw(st.booleans()):
                flows.append(
                    {
                        "from_site": f"S{s}",
                        "to_site": f"S{target}",
                        "item_id": f"I{i}",
                        "mode": draw(st.sampled_from([None, *MODES])),
                        "transit_days": draw(money),
                        "crossing": draw(st.one_of(st.none(), text)),
                        "status": "candidate",
                        "freight_per_kg": draw(money),
                        "units_per_container": draw(st.one_of(st.none(), decimal_floats(1, 1e6))),
                    }
                )
    return {"sites": sites, "items": items, "bom": bom, "supply": supply, "flows": flows, "demand": []}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=networks(), target=st.sampled_from(["n.json", "n.xlsx", "ncsv"]))
def test_round_trip_is_lossless(document: dict[str, Any], target: str) -> None:
    network = Network.from_dict(document)
    with tempfile.TemporaryDirectory() as tmp:
        first = write_network(network, Path(tmp) / target)
        again = load_network(first)
        for name in TABLES:
            assert again.tables[name].equals(network.tables[name]), (name, again.tables[name], network.tables[name])
        # and on through the other two formats
        for other in ("m.json", "m.xlsx", "mcsv"):
            third = load_network(write_network(again, Path(tmp) / other))
            for name in TABLES:
                assert third.tables[name].equals(network.tables[name]), (other, name)


def test_extra_columns_survive(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    tiny_document["supply"][0]["buyer"] = "Ana"  # a column of the user's own, kept as text
    tiny_document["supply"][0]["supplier_certifies_origin"] = "yes"  # an optional column of the schema, typed
    tiny_document["flows"][0]["freight_per_kg"] = "1.5"
    network = Network.from_dict(tiny_document)
    for target in ("x.json", "x.xlsx", "xcsv"):
        again = load_network(write_network(network, tmp_path / target))
        assert again.supply["buyer"].to_list() == ["Ana", None, None]
        assert again.supply["supplier_certifies_origin"].to_list() == [True, None, None]
        assert again.flows["freight_per_kg"].to_list() == [1.5, None, None]
        for name in TABLES:
            assert again.tables[name].equals(network.tables[name]), (target, name)


def test_text_starting_with_equals_stays_text_in_xlsx(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    # Found by the round-trip property: openpyxl stores a string starting with "=" as a formula, which
    # reads back empty (and a spreadsheet would run it).
    tiny_document["flows"][0]["crossing"] = "=0"
    tiny_document["supply"][0]["buyer"] = '=HYPERLINK("http://example.com")'
    network = Network.from_dict(tiny_document)
    again = load_network(write_network(network, tmp_path / "x.xlsx"))
    assert again.flows["crossing"].to_list()[0] == "=0"
    assert again.supply["buyer"].to_list()[0] == '=HYPERLINK("http://example.com")'
    for name in TABLES:
        assert again.tables[name].equals(network.tables[name]), name


def test_unused_optional_columns_are_not_written(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    network = Network.from_dict(tiny_document)
    assert "usmca_originating" in network.supply.columns  # every schema column is present, blank
    folder = write_network(network, tmp_path / "csv")
    header = (folder / "supply.csv").read_text().splitlines()[0].split(",")
    assert header == [c.name for c in TABLES["supply"].columns if not c.used_by]
    sheet = openpyxl.load_workbook(write_network(network, tmp_path / "n.xlsx"))["supply"]
    assert [c.value for c in sheet[1]] == header


def test_template_offers_the_optional_columns_with_notes(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_template(tmp_path / "template.xlsx"))
    for table in TABLES.values():
        sheet = book[table.name]
        header = [c.value for c in sheet[1]]
        notes = dict(zip(header, (c.value for c in sheet[2]), strict=True))
        optional = [c.name for c in table.columns if c.used_by]
        assert header == [c.name for c in table.columns if not c.used_by] + optional  # after the core columns
        for name in optional:
            assert str(notes[name]).startswith("# optional, read by "), (table.name, name, notes[name])
    supply = dict(zip([c.value for c in book["supply"][1]], (c.value for c in book["supply"][2]), strict=True))
    assert supply["other_costs_per_unit"].startswith(f"# optional, read by {USMCA_ORIGIN}. ")
    assert supply["supplier_certifies_origin"].startswith(f"# optional, read by {USMCA_ORIGIN} and {LANDED_COST}. ")
    flows = dict(zip([c.value for c in book["flows"][1]], (c.value for c in book["flows"][2]), strict=True))
    assert flows["freight_per_container"].startswith(f"# optional, read by {LANDED_COST}. ")
    assert str(book["items"].cell(row=2, column=1).value).startswith("# required. ")
    # every optional column of the schema is offered somewhere
    offered = {(t, c.value) for t in TABLES for c in book[t][1]}
    assert {(t, c.name) for t in TABLES for c in analysis_columns(table=t)} <= offered


def test_template_has_every_table_and_validation(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(TABLES)
    flows = book["flows"]
    header = [c.value for c in flows[1]]
    assert header == list(TABLES["flows"].column_names)
    assert all(str(c.value).startswith("#") for c in flows[2])
    formulas = {dv.formula1 for dv in flows.data_validations.dataValidation}
    assert '"ocean,truck,rail,air,parcel"' in formulas
    assert '"active,candidate"' in formulas
    # an empty template is a valid, empty network once filled rows are absent
    assert [p for p in validate_path(path) if p.severity == "error"] == []


def test_filled_template_reads_back(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    path = write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    for name, records in tiny_document.items():
        sheet = book[name]
        header = [c.value for c in sheet[1]]
        for record in records:
            sheet.append([record.get(h) for h in header])
    book.save(path)
    network = load_network(path)
    assert network.summary() == {k: len(v) for k, v in tiny_document.items()}
    assert network.row_of("flows", 0) == 3  # header row 1, notes row 2
