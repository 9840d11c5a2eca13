"""Importing DENUE: the real sample (../shared/data/denue_sample, read in place), generated rows of sectors
32-33 in the 42-column schema, ZIP / CSV / API JSON, both encodings, old headers, every check with its
location, --skip-bad-rows, atomic failure, duplicates, download from a local HTTP server, contacts dropped."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allyshore.capacity import denue_import
from allyshore.capacity.denue_import import DenueValidationError, import_denue, list_editions
from allyshore.capacity.denue_read import open_source
from allyshore.capacity.denue_validate import MEXICO_BOX, open_band_high, to_establishments
from allyshore.capacity.establishments import current_edition, scan_establishments
from allyshore.capacity.synthetic import DENUE_COLUMNS, denue_rows, write_denue_csv, write_denue_zip
from allyshore.cli import main
from allyshore.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "denue_sample" / "denue_manufacturing_ags_sample.csv"
needs_sample = pytest.mark.skipif(not SAMPLE.is_file(), reason="../shared/data/denue_sample is not here")


@pytest.fixture
def where(tmp_path: Path) -> dict[str, str]:
    return {"data": str(tmp_path / "data"), "database_url": str(tmp_path / "store.db")}


def _write(path: Path, frame: pl.DataFrame, encoding: str = "cp1252", bom: bool = False) -> Path:
    text = frame.write_csv()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def _stored(where: dict[str, str]) -> pl.DataFrame:
    return scan_establishments(where["data"]).collect().sort("establishment_id")


# ------------------------------------------------------------------------------------------------ the real sample


@needs_sample
def test_the_real_sample_is_read_as_utf8_with_its_strata_and_leading_zeros(where: dict[str, str]) -> None:
    result = import_denue([SAMPLE], **where)
    assert (result.rows, result.skipped_rows, result.encoding) == (100, 0, "UTF-8")
    stored = _stored(where)
    # PROVENANCE.md: per_ocu counts 0 a 5: 74; 6 a 10: 7; 11 a 30: 10; 31 a 50: 3; 51 a 100: 2; 101 a 250: 1; 251+: 3
    counts = dict(stored.group_by("band").len().iter_rows())
    assert counts == {1: 74, 2: 7, 3: 10, 4: 3, 5: 2, 6: 1, 7: 3}
    # the sample's first row (id 6979868): cve_ent "01", cve_mun "001", cod_postal "20059", codigo_act 311812
    row = stored.filter(pl.col("establishment_id") == "6979868").row(0, named=True)
    assert (row["state"], row["municipality_code"], row["postal_code"], row["scian"]) == ("01", "001", "20059", "311812")
    assert (row["band"], row["employees_low"], row["employees_high"]) == (1, 0, 5)
    assert row["lat"] == pytest.approx(21.8822425) and row["lon"] == pytest.approx(-102.30170644)
    # the open stratum: 251 * 10 ** (1 / 1.06) = 251 * 8.7766 = 2203 (docs/capacity.md)
    assert stored.filter(pl.col("band") == 7)["employees_high"].unique().to_list() == [2203] == [open_band_high()]
    assert stored["state"].unique().to_list() == ["01"]
    assert sorted(p.name for p in current_edition(where["data"]).iterdir()) == ["edition.json", "state=01"]


# ------------------------------------------------------------------------------------------ encodings and formats


def test_windows_1252_is_detected_and_accents_survive(tmp_path: Path, where: dict[str, str]) -> None:
    frame = denue_rows(400, seed=3)
    path = _write(tmp_path / "denue.csv", frame, "cp1252")
    assert b",M\xe9xico," in path.read_bytes()  # really Windows-1252: é is the one byte E9
    result = import_denue([path], **where)
    assert result.encoding == "Windows-1252" and result.rows == 400
    names = set(_stored(where)["state_name"].to_list())
    assert {"México", "Nuevo León"} <= names
    assert set(frame["entidad"].to_list()) == names  # every state name decoded exactly as written


def test_utf8_with_a_byte_order_mark_is_detected(tmp_path: Path, where: dict[str, str]) -> None:
    frame = denue_rows(50, seed=4)
    result = import_denue([_write(tmp_path / "u.csv", frame, "utf-8", bom=True)], **where)
    assert result.encoding == "UTF-8" and result.rows == 50
    assert set(_stored(where)["name"].to_list()) == set(frame["nom_estab"].to_list())


def test_bytes_undefined_in_windows_1252_fall_back_to_latin_1(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(b"id,nom_estab\n1,A\x81B\n")
    assert open_source(path).encoding == "latin-1"


def test_the_zip_is_read_through_its_data_member(tmp_path: Path, where: dict[str, str]) -> None:
    path = write_denue_zip(tmp_path / "denue_00_31-33_csv.zip", 300, seed=5)
    with zipfile.ZipFile(path) as archive:
        assert len(archive.namelist()) == 3  # dictionary, metadata, data
    result = import_denue([path], **where)
    assert (result.rows, result.sources[0].member) == (300, "conjunto_de_datos/denue_inegi_31-33_.csv")
    assert result.sources[0].file_format == "zip" and result.encoding == "Windows-1252"


def test_a_zip_without_the_data_member_is_refused(tmp_path: Path, where: dict[str, str]) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("diccionario_de_datos/denue_diccionario_de_datos.csv", "a,b\n")
    with pytest.raises(InputError, match="conjunto_de_datos/denue_inegi"):
        import_denue([path], **where)


API_RECORDS = [
    {
        "CLEE": "19039336390000011000000000M1", "Id": "901", "Nombre": "AUTOPARTES DEL NORTE",
        "Razon_social": "AUTOPARTES DEL NORTE SA DE CV", "Clase_actividad": "Fabricación de otras partes",
        "Clase_actividad_id": "336390", "Estrato": "251 y más personas", "Tipo_vialidad": "AVENIDA",
        "Calle": "DE LA INDUSTRIA", "Num_Exterior": "100", "Num_Interior": "", "Colonia": "PARQUE INDUSTRIAL",
        "CP": "64000", "Ubicacion": "MONTERREY, Monterrey, NUEVO LEÓN", "Telefono": "8112345678",
        "Correo_e": "ventas@autopartes.example", "Sitio_internet": "www.autopartes.example", "Tipo": "Fijo",
        "Longitud": "-100.31", "Latitud": "25.67",
    },
    {
        "CLEE": "08037334410000022000000000M1", "Id": 902, "Nombre": "CIRCUITOS JUÁREZ", "Razon_social": "",
        "Clase_actividad": "Fabricación de componentes electrónicos", "Clase_actividad_id": 334410,
        "Estrato": "6", "Calle": "ZARAGOZA", "Colonia": "CENTRO", "CP": "32000",
        "Ubicacion": "JUÁREZ, Juárez, CHIHUAHUA", "Longitud": -106.42, "Latitud": 31.69,
    },
]  # fmt: skip


def test_the_api_json_form_is_read(tmp_path: Path, where: dict[str, str]) -> None:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(API_RECORDS, ensure_ascii=False), encoding="utf-8")
    result = import_denue([path], **where)
    assert (result.rows, result.sources[0].file_format) == (2, "json")
    a, b = _stored(where).iter_rows(named=True)
    # state and municipality from the CLEE's digits 1-2 and 3-5 (PROVENANCE.md), names from Ubicacion
    assert (a["state"], a["municipality_code"], a["state_name"], a["municipality"]) == (
        "19", "039", "NUEVO LEÓN", "Monterrey"
    )  # fmt: skip
    assert (a["scian"], a["band"], a["employees_low"], a["in_industrial_park"]) == ("336390", 7, 251, True)
    assert (b["establishment_id"], b["scian"], b["band"], b["lat"]) == ("902", "334410", 6, 31.69)
    assert b["legal_name"] is None and b["in_industrial_park"] is False


# ---------------------------------------------------------------------------------------------- header aliases


def test_old_descriptive_headers_and_uppercase_strata_are_understood(tmp_path: Path, where: dict[str, str]) -> None:
    # 2015-style descriptive headers, 2010-2011 uppercase stratum labels, 2012-2013 numeric stratum codes
    header = (
        "ID,Nombre de la Unidad Económica,Razón social,Código de la clase de actividad SCIAN,"
        "Nombre de clase de la actividad,Descripcion estrato personal ocupado,Clave entidad,Entidad federativa,"
        "Clave municipio,Municipio,Número de teléfono,Latitud,Longitud,Fecha de incorporación al DENUE"
    )
    rows = [
        "11,TALLER UNO,,332710,Maquinado,251 Y MAS PERSONAS,19,NUEVO LEÓN,039,MONTERREY,8181818181,25.6,-100.3,2015-02",
        "12,TALLER DOS,,332710,Maquinado,3,5,COAHUILA,030,SALTILLO,,25.4,-101.0,2013-07",
    ]
    path = tmp_path / "old.csv"
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("cp1252"))
    result = import_denue([path], **where)
    assert result.rows == 2 and result.encoding == "Windows-1252"
    one, two = _stored(where).iter_rows(named=True)
    assert (one["band"], one["state"], one["municipality_code"], one["name"]) == (7, "19", "039", "TALLER UNO")
    assert (two["band"], two["state"], two["employees_low"], two["employees_high"]) == (3, "05", 11, 30)


def test_uppercase_mnemonics_are_understood(tmp_path: Path, where: dict[str, str]) -> None:
    frame = denue_rows(20, seed=6)
    upper = frame.rename({c: c.upper() for c in frame.columns})
    assert import_denue([_write(tmp_path / "u.csv", upper)], **where).rows == 20


def test_a_file_without_the_needed_columns_says_which(tmp_path: Path, where: dict[str, str]) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,nombre\n1,a\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column for codigo_act, per_ocu, latitud, longitud"):
        import_denue([path], **where)


# ------------------------------------------------------------------------------------------------------- checks


def _broken(tmp_path: Path) -> Path:
    """Ten generated rows (CSV rows 2-11) with one fault each in rows 3-8 and a duplicate in rows 10-11."""
    frame = denue_rows(10, seed=7).with_row_index("i")
    fix = {
        1: {"codigo_act": "3363"},  # row 3: not 6 digits
        2: {"codigo_act": "993100"},  # row 4: no SCIAN sector 99
        3: {"per_ocu": "No especificado"},  # row 5: unknown stratum
        4: {"latitud": "40.71", "longitud": "-74.0"},  # row 6: New York
        5: {"cve_ent": "33"},  # row 7: no state 33
        6: {"latitud": ""},  # row 8: blank latitude
        9: {"id": frame["id"][8]},  # row 11: the id of row 10
    }
    for index, values in fix.items():
        for column, value in values.items():
            frame = frame.with_columns(
                pl.when(pl.col("i") == index).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
            )
    return _write(tmp_path / "broken.csv", frame.drop("i"))


def test_every_check_names_file_row_and_column(tmp_path: Path, where: dict[str, str]) -> None:
    path = _broken(tmp_path)
    with pytest.raises(DenueValidationError) as caught:
        import_denue([path], **where)
    found = {(p.row, p.column): p for p in caught.value.problems if p.row is not None}
    assert set(found) == {(3, "codigo_act"), (4, "codigo_act"), (5, "per_ocu"), (6, "latitud"), (7, "cve_ent"),
                          (8, "latitud"), (11, "id")}  # fmt: skip
    assert "not a 6-digit SCIAN class code '3363'" in found[3, "codigo_act"].message
    assert "unknown SCIAN sector '993100'" in found[4, "codigo_act"].message
    assert "unknown employment stratum 'No especificado'" in found[5, "per_ocu"].message
    assert "coordinates outside Mexico (40.71, -74)" in found[6, "latitud"].message
    assert "unknown state code '33'" in found[7, "cve_ent"].message
    assert "latitude missing" in found[8, "latitud"].message
    assert "duplicate id" in found[11, "id"].message
    assert all(p.source == str(path) and p.hint for p in found.values())
    assert caught.value.count == 7
    assert "row 6, column 'latitud'" in str(caught.value) and "unchanged" in str(caught.value)
    with pytest.raises(InputError):
        current_edition(where["data"])  # nothing was imported


def test_skip_bad_rows_keeps_the_rest_and_reports_them(tmp_path: Path, where: dict[str, str]) -> None:
    result = import_denue([_broken(tmp_path)], skip_bad_rows=True, **where)
    assert (result.rows, result.skipped_rows, result.problem_count) == (3, 7, 7)
    assert sorted(p.row for p in result.problems) == [3, 4, 5, 6, 7, 8, 11]
    assert _stored(where).height == 3
    (edition,) = list_editions(**where).editions
    assert (edition["rows"], edition["skipped_rows"], edition["current"]) == (3, 7, True)


def test_duplicate_clee_across_files_is_found(tmp_path: Path, where: dict[str, str]) -> None:
    first = denue_rows(30, seed=8)
    second = denue_rows(30, seed=9, start_id=1000).with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit(first["clee"][7])).otherwise(pl.col("clee")).alias("clee")
    )
    files = [_write(tmp_path / "a.csv", first), _write(tmp_path / "b.csv", second)]
    with pytest.raises(DenueValidationError) as caught:
        import_denue(files, **where)
    (problem,) = [p for p in caught.value.problems if p.row is not None]
    assert (problem.source, problem.row, problem.column) == (str(files[1]), 6, "clee")  # 5th data row = row 6
    result = import_denue(files, skip_bad_rows=True, **where)
    assert (result.rows, result.skipped_rows) == (59, 1)


def test_the_mexico_box_holds_its_extreme_points() -> None:
    # north 32°43' N, south 14°32' N, east 86°42' W, west 118°27' W (docs/capacity.md)
    for lat, lon in ((32 + 43 / 60, -115.0), (14 + 32 / 60, -92.2), (21.2, -(86 + 42 / 60)), (29.0, -(118 + 27 / 60))):
        assert MEXICO_BOX["lat_min"] <= lat <= MEXICO_BOX["lat_max"]
        assert MEXICO_BOX["lon_min"] <= lon <= MEXICO_BOX["lon_max"]


# --------------------------------------------------------------------------------------------------- storage


def test_contact_fields_are_dropped(tmp_path: Path, where: dict[str, str]) -> None:
    frame = denue_rows(200, seed=10)
    assert frame.filter(pl.col("correoelec") != "").height > 0 and frame.filter(pl.col("telefono") != "").height > 0
    import_denue([_write(tmp_path / "c.csv", frame)], **where)
    stored = _stored(where)
    assert not {"telefono", "correoelec", "www"} & set(stored.columns)
    blob = b"".join(p.read_bytes() for p in Path(where["data"]).rglob("*") if p.is_file())
    assert b"@ejemplo.com.mx" not in blob and b"WWW.EJEMPLO" not in blob


def test_codes_stay_text_with_their_leading_zeros(tmp_path: Path, where: dict[str, str]) -> None:
    frame = denue_rows(100, seed=11)
    import_denue([_write(tmp_path / "z.csv", frame)], **where)
    stored = _stored(where)
    assert stored.schema["state"] == pl.String and stored.schema["postal_code"] == pl.String
    assert set(stored["state"].to_list()) == set(frame["cve_ent"].to_list())
    assert (stored["state"].str.len_chars() == 2).all() and (stored["municipality_code"].str.len_chars() == 3).all()
    assert "01" in stored["state"].to_list() or "09" in stored["state"].to_list()
    by_id = dict(zip(frame["id"], frame["cod_postal"], strict=True))
    assert all(by_id[i] == p for i, p in stored.select("establishment_id", "postal_code").iter_rows())
    assert sorted(p.name for p in current_edition(where["data"]).glob("state=*")) == sorted(
        f"state={s}" for s in set(frame["cve_ent"].to_list())
    )


def test_a_failed_import_leaves_the_previous_edition_in_use(
    tmp_path: Path, where: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = import_denue([_write(tmp_path / "a.csv", denue_rows(100, seed=12))], **where)
    editions = Path(where["data"]) / "denue" / "editions"
    before = sorted(p.name for p in editions.iterdir())
    real = denue_import._write_part
    calls = {"n": 0}

    def failing(writers: object, state: str, part: pl.DataFrame) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (injected)")
        real(writers, state, part)  # type: ignore[arg-type]

    monkeypatch.setattr(denue_import, "_write_part", failing)
    with pytest.raises(OSError, match="injected"):
        import_denue([_write(tmp_path / "b.csv", denue_rows(100, seed=13))], **where)
    assert calls["n"] == 3
    assert current_edition(where["data"]).name == first.edition_id
    assert sorted(p.name for p in editions.iterdir()) == before  # no partial folder left behind
    assert [e["edition_id"] for e in list_editions(**where).editions] == [first.edition_id]
    assert _stored(where).height == 100


def test_a_failure_while_recording_leaves_the_previous_edition(
    tmp_path: Path, where: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = import_denue([_write(tmp_path / "a.csv", denue_rows(20, seed=14))], **where)

    def broken_pointer(root: Path, edition_id: str) -> None:
        raise OSError("pointer not written (injected)")

    monkeypatch.setattr(denue_import, "_point_to", broken_pointer)
    with pytest.raises(OSError, match="injected"):
        import_denue([_write(tmp_path / "b.csv", denue_rows(20, seed=15))], **where)
    assert current_edition(where["data"]).name == first.edition_id
    assert [e["edition_id"] for e in list_editions(**where).editions] == [first.edition_id]
    assert len(list((Path(where["data"]) / "denue" / "editions").iterdir())) == 1


def test_the_same_file_twice_is_already_imported_unless_forced(tmp_path: Path, where: dict[str, str]) -> None:
    path = _write(tmp_path / "a.csv", denue_rows(20, seed=16))
    first = import_denue([path], **where)
    again = import_denue([path], **where)
    assert again.already_imported and again.edition_id == first.edition_id and again.current
    forced = import_denue([path], force=True, **where)
    assert not forced.already_imported and forced.edition_id != first.edition_id
    assert current_edition(where["data"]).name == forced.edition_id
    assert [e["current"] for e in list_editions(**where).editions] == [False, True]


def test_the_sector_filter_keeps_only_its_classes(tmp_path: Path, where: dict[str, str]) -> None:
    frame = denue_rows(300, seed=17)
    expected = frame.filter(pl.col("codigo_act").str.starts_with("336")).height
    result = import_denue([_write(tmp_path / "s.csv", frame)], sectors=("336",), **where)
    assert (result.rows, result.filtered_rows, result.skipped_rows) == (expected, 300 - expected, 0)
    assert _stored(where)["scian"].str.starts_with("336").all()


# ---------------------------------------------------------------------------------------------- download and CLI


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "served"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/contenidos/masiva/denue/", folder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_download_fetches_the_state_file_and_keeps_the_sector(
    server: tuple[str, Path], where: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    base, folder = server
    (folder / "contenidos" / "masiva" / "denue").mkdir(parents=True)
    frame = denue_rows(200, seed=18, sectors=("31", "32", "33"))
    zipped = write_denue_zip(folder / "contenidos" / "masiva" / "denue" / "denue_19_csv.zip", 200, seed=18,
                             sectors=("31", "32", "33"), member="conjunto_de_datos/denue_inegi_19_.csv")  # fmt: skip
    expected = frame.filter(pl.col("codigo_act").str.slice(0, 2).is_in(["32"])).height
    with pytest.raises(SystemExit) as done:
        main(["capacity", "download", "--state", "19", "--sector", "32", "--url-base", base,
              "--data-dir", where["data"], "--database-url", where["database_url"], "--json"])  # fmt: skip
    assert done.value.code == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["rows"], result["filtered_rows"]) == (expected, 200 - expected)
    assert result["sources"][0]["file"] == base + "denue_19_csv.zip" and zipped.is_file()
    assert not list((Path(where["data"]) / "denue").glob(".download-*"))  # the download is removed


def test_download_takes_a_state_in_parts(server: tuple[str, Path], where: dict[str, str]) -> None:
    from allyshore.capacity.denue_download import download_denue

    base, folder = server
    served = folder / "contenidos" / "masiva" / "denue"
    served.mkdir(parents=True)
    write_denue_zip(served / "denue_15_1_csv.zip", 40, seed=19, member="conjunto_de_datos/denue_inegi_15_1_.csv")
    frame = denue_rows(30, seed=20, start_id=10_000)
    with zipfile.ZipFile(served / "denue_15_2_csv.zip", "w") as archive:
        archive.writestr("conjunto_de_datos/denue_inegi_15_2_.csv", frame.write_csv().encode("cp1252"))
    result = download_denue(state="15", url_base=base, **where)
    assert result.rows == 70 and [s.file.rsplit("/", 1)[-1] for s in result.sources] == [
        "denue_15_1_csv.zip", "denue_15_2_csv.zip"
    ]  # fmt: skip


def test_download_of_a_missing_file_says_so(server: tuple[str, Path], where: dict[str, str]) -> None:
    from allyshore.capacity.denue_download import download_denue

    base, _ = server
    with pytest.raises(InputError, match="not found"):
        download_denue(sector="31-33", url_base=base, **where)


def test_the_cli_reports_a_bad_file_in_one_located_message(
    tmp_path: Path, where: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _broken(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["capacity", "import", str(path), "--data-dir", where["data"], "--database-url", where["database_url"]])
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert "row 3, column 'codigo_act'" in err and "Traceback" not in err and "--skip-bad-rows" in err


def test_the_cli_imports_and_lists_editions(tmp_path: Path, where: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "a.csv", denue_rows(25, seed=21))
    args = ["--data-dir", where["data"], "--database-url", where["database_url"]]
    with pytest.raises(SystemExit) as done:
        main(["capacity", "import", str(path), *args, "--json"])
    assert done.value.code == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["rows"] == 25 and imported["encoding"] == "Windows-1252"
    assert imported["contacts_dropped"] == ["telefono", "correoelec", "www"]
    with pytest.raises(SystemExit):
        main(["capacity", "editions", *args, "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert listed["current"] == imported["edition_id"] and listed["editions"][0]["present"] is True
    with pytest.raises(SystemExit):
        main(["capacity", "import", str(path), *args])
    assert "Already imported" in capsys.readouterr().out


def test_the_generator_writes_the_42_columns() -> None:
    frame = denue_rows(5, seed=22)
    assert frame.columns == list(DENUE_COLUMNS) and len(DENUE_COLUMNS) == 42
    assert frame["codigo_act"].str.slice(0, 2).is_in(["32", "33"]).all()


def test_a_generated_national_file_streams_in_batches(tmp_path: Path, where: dict[str, str]) -> None:
    path = write_denue_csv(tmp_path / "n.csv", 2000, seed=23, chunk=1000)
    result = import_denue([path], block_size=1 << 17, **where)  # 128 KiB blocks: several batches
    assert result.rows == 2000
    assert _stored(where)["establishment_id"].n_unique() == 2000


# ------------------------------------------------------------------------------------------------ properties


@given(
    band=st.integers(1, 7),
    form=st.sampled_from(["label", "upper", "code", "short", "spaced"]),
)
def test_every_written_form_of_a_stratum_gives_its_band(band: int, form: str) -> None:
    from allyshore.capacity.denue_read import MNEMONICS
    from allyshore.capacity.schema import BANDS

    label, low, high = BANDS[band]
    text = {
        "label": label,
        "upper": label.upper().replace("Á", "A"),  # 2010-2011: "251 Y MAS PERSONAS"
        "code": str(band),  # 2012-2013 and the API
        "short": label.removesuffix(" personas"),
        "spaced": f"  {label.replace(' ', '  ')} ",
    }[form]
    raw = pl.DataFrame({m: [None] for m in MNEMONICS}, schema=dict.fromkeys(MNEMONICS, pl.String)).with_columns(
        id=pl.lit("1"), codigo_act=pl.lit("336390"), per_ocu=pl.lit(text.strip()), cve_ent=pl.lit("19"),
        latitud=pl.lit("25.67"), longitud=pl.lit("-100.31"),
    )  # fmt: skip
    outcome = to_establishments(raw, 2, "t.csv", None)
    assert outcome.problem_count == 0
    row = outcome.kept.row(0, named=True)
    assert (row["band"], row["employees_low"]) == (band, low)
    assert row["employees_high"] == (high if high is not None else open_band_high())


def test_download_needs_a_state_or_a_sector_and_sectors_are_checked(where: dict[str, str]) -> None:
    from allyshore.capacity.denue_download import download_denue
    from allyshore.capacity.denue_import import parse_sectors

    with pytest.raises(InputError, match="--state EE, --sector"):
        download_denue(url_base="http://127.0.0.1:9/", **where)
    with pytest.raises(InputError, match="state code 01"):
        download_denue(state="40", url_base="http://127.0.0.1:9/", **where)
    assert parse_sectors("31-33,3391") == ("31", "32", "33", "3391")
    with pytest.raises(InputError, match="SCIAN code prefixes"):
        parse_sectors("33-31")


SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.mark.skipif(not (SHARED_DATA / "inegi_ce2024_saic_tamaulipas").is_dir(), reason="../shared is not here")
def test_the_shipped_scian_sectors_equal_a_rebuild_from_shared() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_scian_sectors", ROOT / "scripts" / "build_scian_sectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = (ROOT / "src" / "allyshore" / "data" / "capacity" / "scian_sectors.csv").read_text(encoding="utf-8")
    assert module.build(SHARED_DATA) == shipped
    from allyshore.capacity.denue_validate import scian_sectors

    # the census's 19 sectors, two of them ranges (31-33, 48-49) split into 5 codes, plus 93: 19 - 2 + 5 + 1 = 23
    assert len(scian_sectors()) == 23 and {"31", "32", "33", "43", "46", "93"} <= set(scian_sectors())
    assert "42" not in scian_sectors()  # NAICS wholesale; SCIAN uses 43


def test_the_folder_of_a_killed_import_is_removed_by_the_next(tmp_path: Path, where: dict[str, str]) -> None:
    editions = Path(where["data"]) / "denue" / "editions"
    stale = editions / ".20260101T000000000000Z-0123456789ab.999999999-x1y2.allyshore-tmp"  # no such process
    (stale / "state=19").mkdir(parents=True)
    import_denue([_write(tmp_path / "a.csv", denue_rows(10, seed=24))], **where)
    assert not stale.exists()
    assert [p.name for p in editions.iterdir() if p.name.startswith(".")] == []


def test_a_ragged_csv_is_one_clear_error(tmp_path: Path, where: dict[str, str]) -> None:
    frame = denue_rows(5, seed=25)
    text = frame.write_csv().splitlines()
    text[3] = text[3].rsplit(",", 2)[0]  # the third record loses two fields
    path = tmp_path / "r.csv"
    path.write_text("\n".join(text) + "\n", encoding="cp1252")
    with pytest.raises(InputError, match="not a readable DENUE CSV"):
        import_denue([path], **where)
    with pytest.raises(InputError):
        current_edition(where["data"])
