"""The tariff engine on rows written here: unknown duties, --strict-duties, specific rates per unit, Mexico,
stacking (displaces, metal content, USMCA), origin lists, overrides, bad rows, and the ``tariff`` command."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import allyshore
from allyshore.cli import main
from allyshore.cost import compare_sources, default_assumptions, duty_rates, network_cost, tariff_layers
from allyshore.cost.assumptions import load_assumptions, tariff_frame
from allyshore.cost.measures import combine, read_measures_file
from allyshore.cost.tariffs import UNKNOWN, item_duties
from allyshore.errors import PolicyError, UnknownDutyError
from allyshore.model import Network

CODES = {name: code for code, name in UNKNOWN.items()}
DAY = dt.date(2026, 6, 1)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


# --- specific rates per unit of the item -------------------------------------------------------------------


def test_specific_rates_are_converted_with_weight_or_unit() -> None:
    """HTSUS 2026: 0201.10.05 beef 4.4 cents/kg; 2204.21.50 wine 6.3 cents/liter."""
    tariffs = default_assumptions().tariffs
    beef = duty_rates(tariffs, ["0201.10.05"] * 4, ["AR"] * 4, ["US"] * 4, DAY)
    due = item_duties(beef, np.array([20.0, np.nan, np.nan, 0.5]), ["ea", "ea", "kg", "t"], np.full(4, np.nan))
    # 20 kg x 0.044; no weight: unknown; an item counted in kg: 0.044 per kg; an item counted in t: 44 per t
    assert due.specific_usd["mfn"] == pytest.approx([0.88, 0.0, 0.044, 44.0])
    assert due.unknown["mfn"].tolist() == [0, CODES["specific rate unit"], 0, 0]
    wine = duty_rates(tariffs, ["2204.21.50"] * 2, ["FR"] * 2, ["US"] * 2, DAY)
    due = item_duties(wine, np.array([0.75, 0.75]), ["l", "ea"], np.full(2, np.nan))
    assert due.specific_usd["mfn"][0] == pytest.approx(0.063)  # per liter, the item counted in liters
    assert due.unknown["mfn"][1] == CODES["specific rate unit"]  # a bottle's weight does not give its liters


def test_rates_per_each_dozen_and_thousand_count_pieces() -> None:
    rows = tariff_frame(
        [
            {"measure_id": "e", "layer": "mfn", "importer": "ZZ", "hts_prefix": "01", "rate_ad_valorem": 0.0,
             "rate_specific_usd": 1.2, "rate_specific_unit": "dozen", "source": "t"},
            {"measure_id": "k", "layer": "mfn", "importer": "ZZ", "hts_prefix": "02", "rate_ad_valorem": 0.05,
             "rate_specific_usd": 2.0, "rate_specific_unit": "thousand", "source": "t"},
        ]
    )  # fmt: skip
    got = duty_rates(rows, ["0101", "0101", "0202"], ["CN"] * 3, ["ZZ"] * 3, DAY)
    due = item_duties(got, np.full(3, np.nan), ["ea", "doz", "pcs"], np.full(3, np.nan))
    assert due.specific_usd["mfn"] == pytest.approx([0.1, 1.2, 0.002])
    assert due.rate["mfn"] == pytest.approx([0.0, 0.0, 0.05])


def test_a_network_item_pays_a_specific_rate_by_its_weight(tiny_document: dict[str, Any]) -> None:
    doc = tiny_document
    doc["items"].append({"item_id": "B", "hs_code": "0201.10.05", "weight_kg": 10.0})
    doc["sites"].append({"site_id": "AR1", "country": "AR", "kind": "supplier"})
    doc["sites"].append({"site_id": "USP", "country": "US", "kind": "plant"})
    doc["supply"].append({"site_id": "AR1", "item_id": "B", "unit_price": 50})
    doc["flows"].append({"from_site": "AR1", "to_site": "USP", "item_id": "B", "mode": "ocean", "transit_days": 20})
    doc["demand"].append({"site_id": "USP", "item_id": "B", "units_per_week": 10})
    result = compare_sources(allyshore.Network.from_dict(doc), "B", as_of="2026-06-01")
    assert result.option("AR1").per_unit["duty_mfn"] == pytest.approx(0.44)  # 10 kg x 4.4 cents
    assert result.unknown_duties == ()
    del doc["items"][-1]["weight_kg"]
    result = compare_sources(allyshore.Network.from_dict(doc), "B", as_of="2026-06-01")
    (unknown,) = result.unknown_duties
    assert unknown.kind == "specific rate unit" and "weight_kg" in unknown.reason
    assert result.option("AR1").per_unit["duty_mfn"] == 0.0


# --- unknown duties and --strict-duties -------------------------------------------------------------------


def test_an_item_without_hs_code_is_an_unknown_duty(tiny_document: dict[str, Any]) -> None:
    del tiny_document["items"][0]["hs_code"]  # G, made in Mexico, sold into the US
    result = network_cost(allyshore.Network.from_dict(tiny_document), as_of="2026-06-01")
    g = [u for u in result.unknown_duties if u.item_id == "G"]
    assert [(u.layer, u.kind, u.origin, u.importer) for u in g] == [("all", "no HS code", "MX", "US")]
    assert result.to_dict()["unknown_duties"][0].keys() >= {"item_id", "hs_code", "origin", "layer", "reason"}


def test_unknown_duties_survive_lane_partners(tiny_document: dict[str, Any]) -> None:
    """A source that ships another item on the same lane shares its customs entries with it: the item's own
    unknown duties must still be listed (and --strict-duties must still fail)."""
    document = copy.deepcopy(tiny_document)
    document["items"].append({"item_id": "J", "name": "Other part", "hs_code": "8536.50", "unit_cost": 5})
    document["bom"].append({"parent_id": "G", "child_id": "J", "quantity": 1})
    document["supply"].append({"site_id": "S1", "item_id": "J", "unit_price": 4})
    document["flows"].append({"from_site": "S1", "to_site": "PL", "item_id": "J", "share": 1.0, "mode": "ocean"})
    network = Network.from_dict(document)
    (unknown,) = compare_sources(network, "K", as_of="2026-06-01").option("S1").unknown_duties
    assert (unknown.item_id, unknown.importer, unknown.kind) == ("K", "MX", "no tariff table")
    with pytest.raises(UnknownDutyError):
        compare_sources(network, "K", as_of="2026-06-01", strict_duties=True)


def test_mexico_has_no_tigie_so_every_igi_is_unknown_until_rows_are_given(tiny_path: Path, tmp_path: Path) -> None:
    network = allyshore.load_network(tiny_path)
    plain = compare_sources(network, "K", as_of="2026-06-01")
    (unknown,) = plain.option("S1").unknown_duties
    assert (unknown.importer, unknown.layer, unknown.kind) == ("MX", "mfn", "no tariff table")
    assert "TIGIE" in unknown.reason
    # a user table (CSV) of Mexican rates: the duty is known and charged on the CIF value (LA art. 65)
    table = tmp_path / "mx.csv"
    table.write_text("layer,importer,hts_prefix,rate_ad_valorem,source\nmfn,MX,8536,0.10,TIGIE (example)\n")
    given = compare_sources(network, "K", as_of="2026-06-01", assumptions=load_assumptions().with_tariffs(table))
    assert given.unknown_duties == ()
    assert given.option("S1").per_unit["duty_mx_igi"] == pytest.approx(0.10 * (18.0 + 0.8) * 1.005)
    # the same as TOML
    toml = tmp_path / "mx.toml"
    toml.write_text('[[tariff]]\nlayer = "mfn"\nimporter = "MX"\nhts_prefix = "8536"\nrate_ad_valorem = 0.1\n'
                    'source = "TIGIE (example)"\n')  # fmt: skip
    again = compare_sources(network, "K", as_of="2026-06-01", assumptions=load_assumptions().with_tariffs(toml))
    assert again.option("S1").per_unit["duty_mx_igi"] == pytest.approx(given.option("S1").per_unit["duty_mx_igi"])


def test_cli_warns_once_and_strict_duties_is_an_error(
    tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "cost", "compare", str(tiny_path), "--item", "K", "--json")
    assert code == 0
    assert [line for line in err.splitlines() if line.startswith("Warning:")] == [err.splitlines()[0]]
    assert json.loads(out)["unknown_duties"][0]["importer"] == "MX"
    for argv in (["cost", "compare", str(tiny_path), "--item", "K"], ["cost", "network", str(tiny_path)],
                 ["cost", "sensitivity", str(tiny_path), "--item", "K"]):  # fmt: skip
        code, _, err = run(capsys, *argv, "--strict-duties")
        assert code == 1
        assert re.match(r"Error: \d+ duty\(ies\) of the ", err) and "no Mexican IGI (TIGIE)" in err
    code, _, err = run(capsys, "report", str(tiny_path), "-o", str(tmp_path / "r"), "--strict-duties")
    assert code == 1 and "TIGIE" in err and not (tmp_path / "r").exists()  # nothing is half-written
    table = tmp_path / "mx.csv"
    table.write_text("layer,importer,hts_prefix,rate_ad_valorem,source\nmfn,MX,8536,0.10,TIGIE (example)\n")
    code, _, err = run(capsys, "cost", "network", str(tiny_path), "--tariffs", str(table), "--strict-duties")
    assert code == 0 and "Warning" not in err


def test_strict_duties_in_the_library(tiny_path: Path) -> None:
    with pytest.raises(UnknownDutyError) as error:
        network_cost(allyshore.load_network(tiny_path), as_of="2026-06-01", strict_duties=True)
    assert error.value.unknown[0].item_id == "K"  # type: ignore[attr-defined]


# --- stacking: displaces, metal content, USMCA, origin lists ------------------------------------------------


def _rows(*rows: dict[str, Any]) -> Any:
    base = {"importer": "US", "source": "test", "hts_prefix": "7326"}
    return tariff_frame([{**base, **r} for r in rows])


def test_a_measure_displaces_the_layers_it_names() -> None:
    rows = _rows(
        {"measure_id": "m", "layer": "mfn", "rate_ad_valorem": 0.029},
        {"measure_id": "r", "layer": "ieepa_reciprocal", "hts_prefix": "", "rate_ad_valorem": 0.10},
        {"measure_id": "s", "layer": "section_232", "rate_ad_valorem": 0.50, "displaces": "ieepa_reciprocal"},
    )
    got = duty_rates(rows, ["7326.90.86", "8536.50.90"], ["DE", "DE"], ["US", "US"], DAY)
    due = item_duties(got, np.full(2, np.nan), ["ea", "ea"], np.full(2, np.nan))
    assert got.displaced_by["ieepa_reciprocal"].tolist() == ["section_232", ""]
    assert due.rate["ieepa_reciprocal"].tolist() == [0.0, 0.10]
    assert due.rate["section_232"].tolist() == [0.50, 0.0]


def test_metal_content_needs_a_share_and_the_displaced_layer_applies_to_the_rest() -> None:
    rows = _rows(
        {"measure_id": "m", "layer": "mfn", "rate_ad_valorem": 0.0},
        {"measure_id": "r", "layer": "ieepa_reciprocal", "hts_prefix": "", "rate_ad_valorem": 0.10},
        {"measure_id": "s", "layer": "section_232", "rate_ad_valorem": 0.50, "value_basis": "metal_content",
         "displaces": "ieepa_reciprocal"},
    )  # fmt: skip
    got = duty_rates(rows, ["7326.90.86"] * 2, ["DE"] * 2, ["US"] * 2, DAY)
    due = item_duties(got, np.full(2, np.nan), ["ea", "ea"], np.array([0.4, np.nan]))
    # 40% metal: 232 on 0.4 of the value (0.20), reciprocal on the other 0.6 (0.06)
    assert due.rate["section_232"][0] == pytest.approx(0.20)
    assert due.rate["ieepa_reciprocal"][0] == pytest.approx(0.06)
    assert due.unknown["section_232"][1] == CODES["metal content share"]
    assert due.unknown["ieepa_reciprocal"][1] == CODES["metal content share"]


def test_a_usmca_exempt_measure_neither_applies_nor_displaces_for_originating_goods() -> None:
    rows = _rows(
        {"measure_id": "m", "layer": "mfn", "rate_ad_valorem": 0.0},
        {"measure_id": "f", "layer": "ieepa_fentanyl", "hts_prefix": "", "origin": "MX;CA", "rate_ad_valorem": 0.25,
         "usmca_exempt": True},
        {"measure_id": "s", "layer": "section_232", "rate_ad_valorem": 0.25, "usmca_exempt": True,
         "displaces": "ieepa_fentanyl"},
    )  # fmt: skip
    got = duty_rates(rows, ["7326.90.86"] * 3, ["MX", "MX", "CA"], ["US"] * 3, DAY, originating=[True, False, False])
    due = item_duties(got, np.full(3, np.nan), ["ea"] * 3, np.full(3, np.nan))
    assert due.rate["section_232"].tolist() == [0.0, 0.25, 0.25]
    assert due.rate["ieepa_fentanyl"].tolist() == [0.0, 0.0, 0.0]  # exempt, then displaced twice
    assert got.displaced_by["ieepa_fentanyl"].tolist() == ["", "section_232", "section_232"]


def test_origin_lists_exceptions_and_the_most_specific_row() -> None:
    rows = _rows(
        {"measure_id": "any", "layer": "additional", "hts_prefix": "", "rate_ad_valorem": 0.10,
         "origin_except": "CA;MX"},
        {"measure_id": "named", "layer": "additional", "hts_prefix": "", "origin": "CN;HK", "rate_ad_valorem": 0.20},
        {"measure_id": "line", "layer": "additional", "hts_prefix": "7326.90", "origin": "*", "rate_ad_valorem": 0.0},
    )  # fmt: skip
    got = duty_rates(rows, ["8536.50.90"] * 4 + ["7326.90.86"], ["DE", "MX", "CN", "HK", "CN"], ["US"] * 5, DAY)
    assert got.rate["additional"].tolist() == [0.10, 0.0, 0.20, 0.20, 0.0]  # a longer prefix beats a named origin
    assert got.measure["additional"].tolist() == ["any", "", "named", "named", "line"]


def test_a_user_row_replaces_a_shipped_row_of_the_same_id() -> None:
    """An exclusion: 8536.50.90 from China without Section 301 for a window (a 0-rate row of the same id)."""
    shipped = default_assumptions().tariffs
    exclusion = tariff_frame([{"measure_id": "s301-85365090-2018-07-06", "layer": "section_301", "importer": "US",
                               "hts_prefix": "8536.50.90", "origin": "CN", "rate_ad_valorem": 0,
                               "source": "USTR exclusion (test)"}])  # fmt: skip
    got = duty_rates(combine(shipped, exclusion), ["8536.50.90"], ["CN"], ["US"], DAY)
    assert float(got.rate["section_301"][0]) == 0.0
    assert combine(shipped, exclusion).height == shipped.height


def test_matching_many_keys_finds_their_rows() -> None:
    """Thousands of distinct keys against every shipped row (an exact join on prefixes): each column 1 line finds
    its row for a column 1 origin, and its Column 2 row for Russia."""
    tariffs = default_assumptions().tariffs
    column1 = tariffs.filter((tariffs["layer"] == "mfn") & (tariffs["origin"] == "*"))
    codes = column1["hts_prefix"].unique().sort().to_list()[:4000]
    origins = ["CN", "MX", "DE"] * (len(codes) // 3 + 1)
    got = duty_rates(tariffs, codes, origins[: len(codes)], ["US"] * len(codes), DAY)
    assert (got.measure["mfn"] != "").mean() > 0.99
    lines = [c for c in codes if len(c) == 8][:500]  # a 6-digit code may have lines whose Column 2 rates differ
    russia = duty_rates(tariffs, lines, ["RU"] * len(lines), ["US"] * len(lines), DAY)
    assert (russia.measure["mfn"].astype(str) != "").mean() > 0.99
    assert all(str(m).startswith("mfn2-") for m in russia.measure["mfn"] if m)


# --- rows that are wrong are errors naming file, row and column -----------------------------------------------


def test_bad_measure_rows_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "layer,importer,rate_ad_valorem,source,effective_from\nmfn,MX,0.1,s,2025-01-01\nmfn,MX,0.1,s,2025-13-01\n"
    )
    with pytest.raises(PolicyError, match=r"bad.csv, row 3, column 'effective_from': '2025-13-01' is not a date"):
        read_measures_file(bad)
    bad.write_text("layer,importer,rate,source\nmfn,MX,0.1,s\n")
    with pytest.raises(PolicyError, match="column\\(s\\) rate are not measure columns"):
        read_measures_file(bad)
    with pytest.raises(PolicyError, match="column 'layer': 'ieepa' is not a layer"):
        tariff_frame([{"layer": "ieepa", "importer": "US", "rate_ad_valorem": 0.1, "source": "s"}])
    with pytest.raises(PolicyError, match="column 'displaces'"):
        tariff_frame([{"layer": "mfn", "importer": "US", "rate_ad_valorem": 0.1, "source": "s", "displaces": "x"}])


# --- allyshore tariff -----------------------------------------------------------------------------------------


def test_tariff_layers_of_a_line() -> None:
    # On 1 June 2025: column 1 General "Free" (HTSUS 8536.50.90); Section 301 List 1, 25% (83 FR 28710,
    # heading 9903.88.01); IEEPA fentanyl on China 20% (EO 14195 10% from 4 Feb 2025, raised by EO 14228 from
    # 4 Mar 2025, heading 9903.01.24); IEEPA reciprocal 10% (EO 14257, China's rate cut to 10% from 14 May 2025
    # by EO 14298, heading 9903.01.25). They stack: 0 + 25 + 20 + 10 = 55%.
    result = tariff_layers("8536.50.90", "China", as_of="2025-06-01")
    assert [(line.layer, line.status, line.ch99) for line in result.layers] == [
        ("mfn", "applies", ""),
        ("section_301", "applies", "9903.88.01"),
        ("ieepa_fentanyl", "applies", "9903.01.24"),
        ("ieepa_reciprocal", "applies", "9903.01.25"),
    ]
    assert result.total_ad_valorem == pytest.approx(0.25 + 0.20 + 0.10) and result.layers[1].verified
    # On 1 December 2026 the IEEPA duties have ended (Supreme Court, 20 February 2026) and the 150 days of
    # Section 122 (from 24 February 2026) are over: Section 301 alone.
    later = tariff_layers("8536.50.90", "CN", as_of="2026-12-01")
    assert [line.layer for line in later.layers] == ["mfn", "section_301"] and later.total_ad_valorem == 0.25
    exempt = tariff_layers("0201.10.05", "MX", usmca_originating=True, as_of="2026-06-01")
    assert exempt.layers[0].status == "exempt" and exempt.total_specific_usd == 0.0


def test_tariff_command_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "tariff", "8536.50.90", "--origin", "CN", "--as-of", "2025-06-01")
    assert code == 0 and "Total ad valorem due: 55%" in out and "9903.88.01" in out and err == ""
    code, out, err = run(capsys, "tariff", "0201.10.05", "--origin", "AR", "--weight-kg", "20", "--json")
    data = json.loads(out)
    assert set(data) >= {"hts", "origin", "importer", "as_of", "layers", "total_ad_valorem", "unknown_duties"}
    assert data["total_specific_usd_per_unit"] == pytest.approx(0.88)
    assert data["layers"][0]["rate"] == {"ad_valorem": 0.0, "specific_usd": 0.044, "specific_unit": "kg",
                                         "text": "4.4¢/kg"}  # fmt: skip
    code, out, err = run(capsys, "tariff", "8507.60.00", "--origin", "CN", "--as-of", "2025-06-01", "--json")
    assert json.loads(out)["unknown_duties"][0]["kind"] == "depends on the full line"
    assert err.startswith("Warning: 1 duty(ies) unknown") and "--strict-duties" not in err  # not an option here
    code, _, err = run(capsys, "tariff", "8536.50.90", "--origin", "Atlantis")
    assert code == 1 and err.startswith("Error: origin 'Atlantis' is not a country")


def test_the_report_command_warns_of_unknown_duties(
    capsys: pytest.CaptureFixture[str], tiny_path: Path, tmp_path: Path
) -> None:
    """The tiny network's input K into Mexico owes IGI, which no shipped table gives: `report` prints the
    same one warning line as `cost network`, and still writes the report."""
    code, _, err = run(capsys, "report", str(tiny_path), "--out", str(tmp_path / "r"))
    assert code == 0 and (tmp_path / "r" / "index.html").exists()
    assert re.match(r"Warning: \d+ duty\(ies\) unknown for 1 item\(s\) \(mfn\)", err.strip().splitlines()[-1])


def test_measure_files_read_yes_no_as_networks_do(tmp_path: Path) -> None:
    """One list of yes/no words (allyshore.model.schema): what a network cell accepts, a measure file accepts."""
    from allyshore.model.schema import FALSE_WORDS, TRUE_WORDS, parse_bool

    rows = [
        {"layer": "mfn", "importer": "US", "rate_ad_valorem": 0.1, "source": "s", "verified": w} for w in TRUE_WORDS
    ]
    rows += [
        {"layer": "mfn", "importer": "US", "rate_ad_valorem": 0.1, "source": "s", "verified": w} for w in FALSE_WORDS
    ]
    verified = tariff_frame(rows).get_column("verified").to_list()
    assert verified == [parse_bool(w) for w in (*TRUE_WORDS, *FALSE_WORDS)]
    assert verified == [True] * len(TRUE_WORDS) + [False] * len(FALSE_WORDS)
