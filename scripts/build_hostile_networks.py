"""Write the corpus of hostile network files in tests/data/hostile/ and its manifest.

Each case is one input (a CSV folder, an .xlsx, a .json or a .zip) and what reading it must give:

* ``valid``: the network loads, equal table for table to ``<case>.expected.json`` (written here from the
  same Python records, as plain JSON), with a warning containing ``warning`` when one is named;
* ``refused``: validation fails with an error containing ``message`` at ``row``/``column`` when named;
* ``unreadable``: the file cannot be read at all (an ``InputError`` whose message contains ``message``).

``tests/test_hostile_inputs.py`` runs every case through ``load_network``, ``validate_path`` and the
command line. Run ``python scripts/build_hostile_networks.py`` after changing a case; the files are small
(the zip bombs are a few kB packed).
"""

from __future__ import annotations

import codecs
import copy
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "hostile"

BASE: dict[str, list[dict[str, Any]]] = {
    "sites": [
        {"site_id": "PL", "name": "Planta José", "country": "MX", "kind": "plant", "lat": 32.5, "lon": -117.0},
        {"site_id": "S1", "name": "Supplier 1", "country": "CN", "kind": "supplier", "ttr_weeks": 4},
        {"site_id": "S2", "name": "Supplier 2", "country": "US", "kind": "supplier", "ttr_weeks": 2},
        {"site_id": "C", "name": "Customer", "country": "US", "kind": "customer"},
    ],
    "items": [
        {"item_id": "G", "name": "Good", "hs_code": "9018.90", "unit_cost": 100, "profit_per_unit": 40},
        {"item_id": "K", "name": "Component", "hs_code": "8536.50", "unit_cost": 20},
    ],
    "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
    "supply": [
        {"site_id": "PL", "item_id": "G", "unit_price": 100, "capacity_per_week": 50, "inventory": 30},
        {"site_id": "S1", "item_id": "K", "unit_price": 18, "capacity_per_week": 80, "inventory": 20},
        {"site_id": "S2", "item_id": "K", "unit_price": 24, "capacity_per_week": 40, "status": "candidate"},
    ],
    "flows": [
        {"from_site": "S1", "to_site": "PL", "item_id": "K", "share": 1.0, "mode": "ocean", "transit_days": 32},
        {"from_site": "S2", "to_site": "PL", "item_id": "K", "mode": "truck", "status": "candidate"},
        {"from_site": "PL", "to_site": "C", "item_id": "G", "share": 1.0, "mode": "truck", "crossing": "Laredo"},
    ],
    "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 40}],
}

Doc = dict[str, list[dict[str, Any]]]
CASES: dict[str, dict[str, Any]] = {}


def base() -> Doc:
    return copy.deepcopy(BASE)


def text_of(value: Any) -> str:
    return "" if value is None else str(value)


def csv_text(records: list[dict[str, Any]], delimiter: str = ",", header: list[str] | None = None) -> str:
    columns = header or list(dict.fromkeys(k for r in records for k in r))
    lines = [delimiter.join(columns)]
    for r in records:
        cells = [text_of(r.get(c.strip())) for c in columns]
        lines.append(delimiter.join(f'"{c}"' if delimiter in c or '"' in c else c for c in cells))
    return "\n".join(lines) + "\n"


def csv_folder(name: str, doc: Doc, **files: bytes) -> Path:
    folder = OUT / name
    folder.mkdir()
    for table, records in doc.items():
        data = files.get(table, csv_text(records).encode("utf-8"))
        (folder / f"{table}.csv").write_bytes(data)
    return folder


BUILDERS: list[tuple[str, str, dict[str, Any], Callable[[], Doc | None]]] = []


def case(name: str, outcome: str, **expect: Any) -> Callable[[Callable[[], Doc | None]], None]:
    """Register a case: its function writes the input and returns the network it must read as (valid) or None."""

    def register(build: Callable[[], Doc | None]) -> None:
        BUILDERS.append((name, outcome, expect, build))

    return register


def build(name: str, outcome: str, expect: dict[str, Any], write: Callable[[], Doc | None]) -> None:
    expected = write()
    CASES[name] = {"outcome": outcome, **expect}
    if outcome == "valid":
        assert expected is not None, name
        (OUT / f"{name}.expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n")


# --- CSV folders ------------------------------------------------------------------------------------------


@case("csv-blank-lines-at-end", "valid")
def _() -> Doc:
    doc = base()
    csv_folder("csv-blank-lines-at-end", doc, sites=(csv_text(doc["sites"]) + "\n\n,,,,\n").encode())
    return doc


@case("csv-blank-lines-between-rows", "refused", message="unknown site 'NOPE'", row=6, column="to_site")
def _() -> None:
    doc = base()
    doc["flows"][2]["to_site"] = "NOPE"
    lines = csv_text(doc["flows"]).split("\n")
    csv_folder("csv-blank-lines-between-rows", doc, flows="\n".join([*lines[:2], "", "", *lines[2:]]).encode())


@case("csv-missing-required-column", "refused", message="required column 'site_id' is missing", row=1)
def _() -> None:
    doc = base()
    for r in doc["sites"]:
        del r["site_id"]
    csv_folder("csv-missing-required-column", doc)


@case("csv-renamed-required-column", "refused", message="required column 'site_id' is missing", hint="Site_ID")
def _() -> None:
    doc = base()
    text = csv_text(doc["sites"]).replace("site_id", "Site_ID", 1)
    csv_folder("csv-renamed-required-column", doc, sites=text.encode())


@case("csv-semicolon-delimited", "valid", warning="semicolon-separated")
def _() -> Doc:
    doc = base()
    csv_folder("csv-semicolon-delimited", doc, sites=csv_text(doc["sites"], ";").encode())
    return doc


@case("csv-tab-delimited", "valid", warning="tab-separated")
def _() -> Doc:
    doc = base()
    csv_folder("csv-tab-delimited", doc, items=csv_text(doc["items"], "\t").encode())
    return doc


@case("csv-semicolon-decimal-comma", "refused", message="'32,5' is not a number", row=2, column="lat")
def _() -> None:
    doc = base()
    text = csv_text(doc["sites"], ";").replace("32.5", "32,5")
    csv_folder("csv-semicolon-decimal-comma", doc, sites=text.encode())


@case("csv-utf16-bom", "valid", warning="UTF-16")
def _() -> Doc:
    doc = base()
    csv_folder("csv-utf16-bom", doc, sites=csv_text(doc["sites"]).encode("utf-16"))
    return doc


@case("csv-utf16-no-bom", "valid", warning="UTF-16")
def _() -> Doc:
    doc = base()
    csv_folder("csv-utf16-no-bom", doc, sites=csv_text(doc["sites"]).encode("utf-16-le"))
    return doc


@case("csv-utf8-bom", "valid")
def _() -> Doc:
    doc = base()
    csv_folder("csv-utf8-bom", doc, sites=codecs.BOM_UTF8 + csv_text(doc["sites"]).encode())
    return doc


@case("csv-cp1252", "valid", warning="cp1252")
def _() -> Doc:
    doc = base()
    doc["sites"][1]["name"] = "Proveedor Año €"
    csv_folder("csv-cp1252", doc, sites=csv_text(doc["sites"]).encode("cp1252"))
    return doc


@case("csv-utf8-with-a-latin1-byte", "refused", message="not valid UTF-8", row=3)
def _() -> None:
    doc = base()
    data = csv_text(doc["sites"]).encode()
    data = data.replace(b"Supplier 1", b"Supplier \xe9")  # one Latin-1 byte among UTF-8 letters (José)
    csv_folder("csv-utf8-with-a-latin1-byte", doc, sites=data)


@case("csv-utf8-lone-surrogate", "refused", message="not valid UTF-8", row=3)
def _() -> None:
    doc = base()
    data = csv_text(doc["sites"]).encode().replace(b"Supplier 1", b"Supplier \xed\xa0\x80")
    csv_folder("csv-utf8-lone-surrogate", doc, sites=data)


@case("csv-cr-only", "valid")
def _() -> Doc:
    doc = base()
    csv_folder("csv-cr-only", doc, sites=csv_text(doc["sites"]).replace("\n", "\r").encode())
    return doc


@case("csv-crlf", "valid")
def _() -> Doc:
    doc = base()
    csv_folder("csv-crlf", doc, sites=csv_text(doc["sites"]).replace("\n", "\r\n").encode())
    return doc


@case("csv-quoted-newline", "refused", message="unknown site 'NOPE'", row=5, column="to_site")
def _() -> None:
    doc = base()
    doc["flows"][0]["crossing"] = "Line one\nline two"
    doc["flows"][2]["to_site"] = "NOPE"
    text = csv_text(doc["flows"]).replace("Line one\nline two", '"Line one\nline two"')
    csv_folder("csv-quoted-newline", doc, flows=text.encode())


@case("csv-near-duplicate-columns", "refused", message="differ only in case, spaces", row=1, column="site_id")
def _() -> None:
    doc = base()
    header = [*list(dict.fromkeys(k for r in doc["sites"] for k in r)), "site_id "]
    csv_folder("csv-near-duplicate-columns", doc, sites=csv_text(doc["sites"], header=header).encode())


@case("csv-duplicate-columns", "refused", message="have the same name", row=1, column="name")
def _() -> None:
    doc = base()
    header = [*list(dict.fromkeys(k for r in doc["items"] for k in r)), "name"]
    csv_folder("csv-duplicate-columns", doc, items=csv_text(doc["items"], header=header).encode())


@case("csv-hash-data-row", "valid")
def _() -> Doc:
    doc = base()
    for table in doc.values():
        for r in table:
            for k in ("site_id", "item_id", "parent_id", "child_id", "from_site", "to_site"):
                if k in r:
                    r[k] = f"#{r[k]}"
    doc["items"][1] = {"item_id": "#K", "name": "#Component"}  # every cell starts with '#'
    doc["items"].reverse()
    csv_folder("csv-hash-data-row", doc)
    return doc


@case("csv-notes-row", "valid")
def _() -> Doc:
    doc = base()
    columns = list(dict.fromkeys(k for r in doc["bom"] for k in r))
    notes = ",".join(f"# note on {c}" for c in columns)
    text = csv_text(doc["bom"]).replace("\n", f"\n{notes}\n", 1)
    csv_folder("csv-notes-row", doc, bom=text.encode())
    return doc


@case("csv-nan-quantity", "refused", message="'NaN' is not a finite number", row=2, column="quantity")
def _() -> None:
    doc = base()
    doc["bom"][0]["quantity"] = "NaN"
    csv_folder("csv-nan-quantity", doc)


@case("csv-inf-price", "refused", message="'inf' is not a finite number", row=3, column="unit_price")
def _() -> None:
    doc = base()
    doc["supply"][1]["unit_price"] = "inf"
    csv_folder("csv-inf-price", doc)


@case("csv-overflow-capacity", "refused", message="'1e309' is not a finite number", row=2, column="capacity_per_week")
def _() -> None:
    doc = base()
    doc["supply"][0]["capacity_per_week"] = "1e309"
    csv_folder("csv-overflow-capacity", doc)


@case("csv-400-digit-demand", "refused", message="a number cannot have 400 characters", row=2)
def _() -> None:
    doc = base()
    doc["demand"][0]["units_per_week"] = "9" * 400
    csv_folder("csv-400-digit-demand", doc)


@case("csv-trillion-price", "refused", message="the largest number a network may hold", row=2, column="unit_cost")
def _() -> None:
    doc = base()
    doc["items"][0]["unit_cost"] = "2e12"
    csv_folder("csv-trillion-price", doc)


@case("csv-latitude-out-of-range", "refused", message="is above the maximum 90", row=2, column="lat")
def _() -> None:
    doc = base()
    doc["sites"][0]["lat"] = 132.5
    csv_folder("csv-latitude-out-of-range", doc)


@case("csv-share-above-one", "refused", message="is above the maximum 1", row=2, column="share")
def _() -> None:
    doc = base()
    doc["flows"][0]["share"] = 1.5
    csv_folder("csv-share-above-one", doc)


@case("csv-extra-fields", "refused", message="7 fields, more than the 5 of the header", row=3)
def _() -> None:
    doc = base()
    lines = csv_text(doc["items"]).split("\n")
    lines[2] += ",surplus,fields"
    csv_folder("csv-extra-fields", doc, items="\n".join(lines).encode())


@case("csv-unbalanced-quote", "refused", message="cannot read CSV")
def _() -> None:
    doc = base()
    text = csv_text(doc["items"]).replace("Good", '"Good')
    csv_folder("csv-unbalanced-quote", doc, items=text.encode())


@case("csv-binary", "refused", message="NUL")
def _() -> None:
    doc = base()
    csv_folder("csv-binary", doc, demand=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


@case("csv-too-many-columns", "refused", message="above the limit of 1000", row=1)
def _() -> None:
    doc = base()
    header = [*list(dict.fromkeys(k for r in doc["demand"] for k in r)), *(f"x{i}" for i in range(1200))]
    csv_folder("csv-too-many-columns", doc, demand=csv_text(doc["demand"], header=header).encode())


@case("csv-unnamed-column-with-data", "valid", warning="no name in the header")
def _() -> Doc:
    doc = base()
    lines = csv_text(doc["demand"]).split("\n")
    text = "\n".join([lines[0] + ","] + [f"{line},stray" for line in lines[1:-1]]) + "\n"
    csv_folder("csv-unnamed-column-with-data", doc, demand=text.encode())
    return doc


@case("csv-null-keys", "refused", message="a value is required", row=3, column="site_id")
def _() -> None:
    doc = base()
    doc["supply"][1]["site_id"] = None
    doc["supply"][2]["site_id"] = None
    csv_folder("csv-null-keys", doc)


# --- JSON -------------------------------------------------------------------------------------------------


def json_file(name: str, text: str | bytes) -> None:
    (OUT / f"{name}.json").write_bytes(text.encode() if isinstance(text, str) else text)


@case("json-deep-nesting", "unreadable", message="nested")
def _() -> None:
    json_file("json-deep-nesting", '{"meta": ' + "[" * 20_000 + "]" * 20_000 + "}")


@case("json-5000-digit-quantity", "refused", message="a number cannot have 5000 characters", row=1)
def _() -> None:
    text = json.dumps(base()).replace('"quantity": 2', '"quantity": ' + "7" * 5000)
    json_file("json-5000-digit-quantity", text)


@case("json-nan-share", "refused", message="'NaN' is not a finite number", row=1, column="share")
def _() -> None:
    json_file("json-nan-share", json.dumps(base()).replace('"share": 1.0', '"share": NaN', 1))


@case("json-infinity-inventory", "refused", message="'-Infinity' is not a finite number", column="inventory")
def _() -> None:
    json_file("json-infinity-inventory", json.dumps(base()).replace('"inventory": 30', '"inventory": -Infinity'))


@case("json-overflow-price", "refused", message="'1e309' is not a finite number", row=2, column="unit_price")
def _() -> None:
    json_file("json-overflow-price", json.dumps(base()).replace('"unit_price": 18', '"unit_price": 1e309'))


@case("json-duplicate-key", "refused", message="key 'quantity' is given twice", row=1, column="quantity")
def _() -> None:
    json_file("json-duplicate-key", json.dumps(base()).replace('"quantity": 2', '"quantity": 2, "quantity": 3'))


@case("json-duplicate-table", "refused", message="'demand' is given twice")
def _() -> None:
    text = json.dumps(base())
    json_file("json-duplicate-table", text[:-1] + ', "demand": []}')


@case("json-near-duplicate-keys", "refused", message="differ only in case, spaces", row=2)
def _() -> None:
    json_file("json-near-duplicate-keys", json.dumps(base()).replace('"site_id": "S1"', '"site_id ": "S1"', 1))


@case("json-lone-surrogate", "refused", message="not valid Unicode", row=2, column="name")
def _() -> None:
    json_file("json-lone-surrogate", json.dumps(base()).replace("Supplier 1", "Supplier \\ud800", 1))


@case("json-syntax-error", "unreadable", message="not valid JSON (line 1")
def _() -> None:
    json_file("json-syntax-error", json.dumps(base())[:-20])


@case("json-not-an-object", "unreadable", message="one JSON object")
def _() -> None:
    json_file("json-not-an-object", "[1, 2, 3]")


@case("json-utf16", "valid", warning="UTF-16")
def _() -> Doc:
    doc = base()
    json_file("json-utf16", json.dumps(doc, ensure_ascii=False).encode("utf-16"))
    return doc


@case("json-null-keys", "refused", message="a value is required", row=1, column="item_id")
def _() -> None:
    doc = base()
    doc["demand"] = [{"site_id": "C", "item_id": None, "units_per_week": 1}, {"site_id": "C", "item_id": None}]
    json_file("json-null-keys", json.dumps(doc))


@case("json-record-not-an-object", "refused", message="record is a list", row=2)
def _() -> None:
    doc: dict[str, Any] = base()
    doc["items"].insert(1, ["K", "Component"])
    json_file("json-record-not-an-object", json.dumps(doc))


# --- workbooks --------------------------------------------------------------------------------------------


def workbook_bytes(doc: Doc, notes: bool = False) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])
    for table, records in doc.items():
        sheet = book.create_sheet(table)
        columns = list(dict.fromkeys(k for r in records for k in r))
        sheet.append(columns)
        if notes:
            sheet.append([f"# {c}" for c in columns])
        for r in records:
            sheet.append([r.get(c) for c in columns])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patch_zip(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def sheet_member(doc: Doc, table: str) -> str:
    return f"xl/worksheets/sheet{list(doc).index(table) + 1}.xml"


@case("xlsx-notes-row", "valid")
def _() -> Doc:
    doc = base()
    (OUT / "xlsx-notes-row.xlsx").write_bytes(workbook_bytes(doc, notes=True))
    return doc


@case("xlsx-broken-xml", "unreadable", message="cannot read the workbook")
def _() -> None:
    doc = base()
    data = patch_zip(workbook_bytes(doc), sheet_member(doc, "items"), lambda xml: xml[: len(xml) // 2])
    (OUT / "xlsx-broken-xml.xlsx").write_bytes(data)


@case("xlsx-zip-bomb", "unreadable", message="zip bomb")
def _() -> None:
    doc = base()
    padding = b" " * 10_000_000

    def inflate(xml: bytes) -> bytes:
        return xml.replace(b"<sheetData>", b"<sheetData>" + padding, 1)

    (OUT / "xlsx-zip-bomb.xlsx").write_bytes(patch_zip(workbook_bytes(doc), sheet_member(doc, "sites"), inflate))


@case("xlsx-entity-expansion", "unreadable", message="cannot read the workbook")
def _() -> None:
    doc = base()
    entities = b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"lol") * 10) for i in range(1, 10)
    )

    def laugh(xml: bytes) -> bytes:  # "billion laughs": nine levels of ten entities each, 10^9 "lol"
        xml = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
        return b"<!DOCTYPE lolz [" + entities + b"]>" + xml.replace(b"<v>40</v>", b"<v>&lol9;</v>")

    (OUT / "xlsx-entity-expansion.xlsx").write_bytes(patch_zip(workbook_bytes(doc), sheet_member(doc, "demand"), laugh))


@case("xlsx-formula-without-value", "refused", message="cell C2 holds a formula with no saved value", row=2)
def _() -> None:
    doc = base()
    doc["bom"][0]["quantity"] = "=1+1"
    (OUT / "xlsx-formula-without-value.xlsx").write_bytes(workbook_bytes(doc))


@case("xlsx-formula-with-value", "valid")
def _() -> Doc:
    doc = base()
    doc["bom"][0]["quantity"] = "=1+1"
    data = patch_zip(
        workbook_bytes(doc), sheet_member(doc, "bom"), lambda xml: xml.replace(b"<f>1+1</f>", b"<f>1+1</f><v>2</v>")
    )
    (OUT / "xlsx-formula-with-value.xlsx").write_bytes(data)
    doc["bom"][0]["quantity"] = 2
    return doc


@case("xlsx-near-duplicate-columns", "refused", message="differ only in case, spaces", row=1, column="Item_ID")
def _() -> None:
    doc = base()
    doc["supply"][0]["Item_ID "] = "G"
    (OUT / "xlsx-near-duplicate-columns.xlsx").write_bytes(workbook_bytes(doc))


@case("xlsx-duplicate-sheets", "unreadable", message="two sheets for the table 'demand'")
def _() -> None:
    doc: dict[str, Any] = base()
    doc["Demand "] = doc["demand"]
    (OUT / "xlsx-duplicate-sheets.xlsx").write_bytes(workbook_bytes(doc))


@case("xlsx-huge-dimension", "valid")
def _() -> Doc:
    doc = base()

    def claim(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)

    data = workbook_bytes(doc)
    for table in doc:
        data = patch_zip(data, sheet_member(doc, table), claim)
    (OUT / "xlsx-huge-dimension.xlsx").write_bytes(data)
    return doc


@case("xlsx-nan-cell", "unreadable", message="cannot read the workbook")
def _() -> None:
    doc = base()
    data = patch_zip(
        workbook_bytes(doc), sheet_member(doc, "demand"), lambda xml: xml.replace(b"<v>40</v>", b"<v>NaN</v>")
    )
    (OUT / "xlsx-nan-cell.xlsx").write_bytes(data)


@case("xlsx-not-a-zip", "unreadable", message="not a valid zip container")
def _() -> None:
    (OUT / "xlsx-not-a-zip.xlsx").write_text("site_id,name\nA,B\n")


@case("xlsx-hash-data-row", "valid")
def _() -> Doc:
    doc = base()
    doc["sites"][0]["name"] = "#1 plant"
    doc["items"] = [{"item_id": "#G", "name": "#Good"}, *doc["items"]]
    (OUT / "xlsx-hash-data-row.xlsx").write_bytes(workbook_bytes(doc))
    return doc


# --- zip of CSV files -------------------------------------------------------------------------------------


def zip_of(name: str, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(OUT / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(member, data)


@case("zip-of-csv", "valid")
def _() -> Doc:
    doc = base()
    zip_of("zip-of-csv", {f"net/{t}.csv": csv_text(r).encode() for t, r in doc.items()})
    return doc


@case("zip-bomb", "unreadable", message="zip bomb")
def _() -> None:
    doc = base()
    files = {f"{t}.csv": csv_text(r).encode() for t, r in doc.items()}
    files["sites.csv"] += b"\n" * 10_000_000
    zip_of("zip-bomb", files)


@case("zip-two-sites-tables", "unreadable", message="two entries for the table 'sites'")
def _() -> None:
    doc = base()
    files = {f"{t}.csv": csv_text(r).encode() for t, r in doc.items()}
    files["copy/sites.csv"] = files["sites.csv"]
    zip_of("zip-two-sites-tables", files)


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    for name, outcome, expect, write in BUILDERS:
        build(name, outcome, expect, write)
    (OUT / "MANIFEST.json").write_text(json.dumps(CASES, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
