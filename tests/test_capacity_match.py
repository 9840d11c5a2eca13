"""``allyshore capacity match``: HS -> NAICS -> SCIAN classes, the range, the size filter, the ranking and its
score parts, and the network written with the matched establishments as candidate sources."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allyshore.capacity.candidates import SITE_PREFIX, with_candidates
from allyshore.capacity.concordance import MatchClass, hs_classes, hs_naics_table, naics_weights
from allyshore.capacity.establishments import NoEditionError
from allyshore.capacity.match import ItemQuery, capacity_match, match_items
from allyshore.capacity.schema import BANDS
from allyshore.cli import main
from allyshore.io import load_network, write_network
from allyshore.model.network import Network

PLANT = (25.0, -100.0)  # the receiving plant of the hand-built cases
KM_PER_DEGREE = 6371.0 * math.pi / 180.0  # one degree of latitude on the 6,371 km sphere: 111.19493 km


def establishments(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Establishments in the shared columns: each row gives id, scian, band, lat (lon -100 unless given), park."""
    full = []
    for r in rows:
        _, low, high = BANDS[r["band"]]
        full.append(
            {
                "establishment_id": r["id"],
                "name": f"Unit {r['id']}",
                "scian": r["scian"],
                "state": "19",
                "municipality": "Monterrey",
                "band": r["band"],
                "employees_low": low,
                "employees_high": high,
                "in_industrial_park": r.get("park", False),
                "lat": r["lat"],
                "lon": r.get("lon", PLANT[1]),
            }
        )
    schema = {
        "establishment_id": pl.String,
        "name": pl.String,
        "scian": pl.String,
        "state": pl.String,
        "municipality": pl.String,
        "band": pl.Int8,
        "employees_low": pl.Int32,
        "employees_high": pl.Int32,
        "in_industrial_park": pl.Boolean,
        "lat": pl.Float64,
        "lon": pl.Float64,
    }
    return pl.DataFrame(full, schema=schema, orient="row")


def query(classes: tuple[MatchClass, ...] = (MatchClass("33591", 1.0, ("335911",)),)) -> ItemQuery:
    hs = hs_classes("8507.60")
    hs = type(hs)(hs.hs_code, hs.digits, hs.level, classes, 0.0)
    return ItemQuery("BATT", hs, ("PL",), np.array([PLANT[0]]), np.array([PLANT[1]]))


def run(frame: pl.DataFrame, q: ItemQuery | None = None, **options: Any) -> Any:
    items, _ = match_items([q or query()], frame, circuity=1.2, **options)
    return items[0]


# --- the concordance ------------------------------------------------------------------------------------------


def test_weights_are_shares_of_the_hs10_lines() -> None:
    # hs10_naics.csv (CBO crosswalk): the 15 HS10 lines under 9018.90 map 7 to 334510, 7 to 339112, 1 to 334418
    got = {c.scian: c.weight for c in hs_classes("9018.90").classes}
    assert got == pytest.approx({"33451": 7 / 15, "33911": 7 / 15, "33441": 1 / 15})


def test_an_eight_digit_code_reads_its_hs8_lines_and_reports_pseudo_codes() -> None:
    # 8703.23.01: 7 HS10 lines, 5 -> 336111, 1 -> 336213, 1 -> 930000 (Census used-goods pseudo-code)
    found = hs_classes("8703.23.01.90")
    assert found.level == 8
    assert {c.scian: c.weight for c in found.classes} == pytest.approx({"33611": 5 / 7, "33621": 1 / 7})
    assert found.unmatched_share == pytest.approx(1 / 7)
    assert "trade-only" in found.note


def test_a_code_only_on_pseudo_codes_has_no_class() -> None:
    # 7902.00 (zinc waste and scrap): every HS10 line under it maps to a Census trade-only code (9xxxxx)
    found = hs_classes("7902.00")
    assert found.classes == () and found.unmatched_share == pytest.approx(1.0)
    assert "no SCIAN class to match" in found.note


def test_a_census_aggregate_code_matches_on_its_digits_before_x() -> None:
    table = hs_naics_table()
    hs = table.filter(pl.col("naics") == "1123XX").get_column("hs")[0]
    assert "1123" in {c.scian for c in hs_classes(hs).classes}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(set(hs_naics_table().get_column("hs").to_list()))))
def test_weights_sum_to_one_per_hs_code(hs: str) -> None:
    level, rows = naics_weights(hs)
    assert level == len(hs)
    assert rows.get_column("weight").sum() == pytest.approx(1.0, abs=1e-12)
    found = hs_classes(hs)
    assert sum(c.weight for c in found.classes) + found.unmatched_share == pytest.approx(1.0, abs=1e-12)


def test_shipped_weights_sum_to_one_within_rounding() -> None:
    sums = hs_naics_table().join(
        pl.read_csv(
            Path(__file__).resolve().parents[1] / "src/allyshore/data/capacity/hs6_naics.csv",
            schema_overrides={"hs": pl.String, "naics": pl.String},
        ).select("hs", "naics", "weight"),
        on=["hs", "naics"],
    )
    per_code = sums.group_by("hs").agg(pl.col("weight").sum()).get_column("weight")
    assert per_code.min() >= 1 - 1e-5  # type: ignore[operator]
    assert per_code.max() <= 1 + 1e-5  # type: ignore[operator]


# --- the score ------------------------------------------------------------------------------------------------


def test_golden_score_and_its_parts() -> None:
    frame = establishments(
        [
            {"id": "E1", "scian": "335911", "band": 5, "lat": 26.0, "park": True},  # 1 degree north
            {"id": "E2", "scian": "335912", "band": 7, "lat": 25.0},  # at the plant, same 5-digit industry
            {"id": "E3", "scian": "335311", "band": 7, "lat": 25.0},  # another industry
            {"id": "E4", "scian": "335911", "band": 7, "lat": 28.0},  # 3 degrees: 400 km by road
        ]
    )
    item = run(frame, within_km=300.0, top=10)
    assert [c.establishment_id for c in item.candidates] == ["E2", "E1"]
    e2, e1 = item.candidates
    # E2: concordance 0.4 x 1; size 0.2 x (7 - 1) / 6 = 0.2; distance 0.3 x (1 - 0 / 300) = 0.3; park 0
    assert e2.score_parts == pytest.approx({"concordance": 0.4, "size": 0.2, "distance": 0.3, "park": 0.0})
    assert e2.score == pytest.approx(0.9)
    # E1: great circle 111.19493 km, by road x 1.2 = 133.43391 km
    road = 1.2 * KM_PER_DEGREE
    assert e1.distance_km == pytest.approx(road)
    assert e1.great_circle_km == pytest.approx(KM_PER_DEGREE)
    # size 0.2 x (5 - 1) / 6 = 0.13333; distance 0.3 x (1 - 133.43391 / 300) = 0.16657; park 0.1
    expected = {"concordance": 0.4, "size": 0.2 * 4 / 6, "distance": 0.3 * (1 - road / 300), "park": 0.1}
    assert e1.score_parts == pytest.approx(expected)
    assert e1.score == pytest.approx(sum(expected.values()))
    assert e1.score == pytest.approx(0.79990)
    assert item.in_range == 2


def test_weight_of_a_partial_class() -> None:
    frame = establishments([{"id": "E1", "scian": "335931", "band": 1, "lat": 25.0}])
    q = query((MatchClass("33593", 11 / 13, ("335931",)), MatchClass("33531", 2 / 13, ("335314",))))
    (c,) = run(frame, q).candidates
    # concordance 0.4 x 11/13; size 0 (band 1); distance 0.3; park 0
    assert c.score == pytest.approx(0.4 * 11 / 13 + 0.3)


def test_the_range_boundary_is_inclusive_and_by_road() -> None:
    frame = establishments([{"id": "E1", "scian": "335911", "band": 3, "lat": 26.0}])
    road = 1.2 * KM_PER_DEGREE  # 133.43391 km
    assert len(run(frame, within_km=road + 1e-6).candidates) == 1
    assert len(run(frame, within_km=road - 1e-3).candidates) == 0
    # within the great-circle distance but not the road distance
    assert len(run(frame, within_km=KM_PER_DEGREE + 1).candidates) == 0


def test_range_across_longitude() -> None:
    # 2 degrees of longitude at 25N: 2 x 111.19493 x cos(25 deg) = 201.55 km great circle (haversine ~ the same)
    frame = establishments([{"id": "E1", "scian": "335911", "band": 3, "lat": 25.0, "lon": -98.0}])
    (c,) = run(frame).candidates
    assert c.great_circle_km == pytest.approx(2 * KM_PER_DEGREE * math.cos(math.radians(25.0)), rel=1e-3)
    assert run(frame, within_km=1.2 * 201.0).candidates == ()


def test_min_employees_keeps_bands_starting_at_the_number() -> None:
    frame = establishments(
        [
            {"id": "B4", "scian": "335911", "band": 4, "lat": 25.1},  # 31-50
            {"id": "B5", "scian": "335911", "band": 5, "lat": 25.1},  # 51-100
            {"id": "B7", "scian": "335911", "band": 7, "lat": 25.1},  # 251 and more
        ]
    )
    assert {c.establishment_id for c in run(frame, min_employees=51).candidates} == {"B5", "B7"}
    assert {c.establishment_id for c in run(frame, min_employees=50).candidates} == {"B5", "B7"}
    assert {c.establishment_id for c in run(frame, min_employees=31).candidates} == {"B4", "B5", "B7"}
    assert {c.establishment_id for c in run(frame, min_employees=252).candidates} == set()


def test_top_n_in_score_order_then_nearest() -> None:
    rows = [{"id": f"E{i:02d}", "scian": "335911", "band": 1 + i % 7, "lat": 25.0 + i * 0.05} for i in range(25)]
    rows.append({"id": "TWIN", "scian": "335911", "band": 1 + 24 % 7, "lat": 25.0 + 24 * 0.05})  # a tie with E24
    # a tie of another class with the same weight, given before E24: the earlier row comes first
    rows.insert(0, {"id": "OTHER", "scian": "335921", "band": 1 + 24 % 7, "lat": 25.0 + 24 * 0.05})
    two = (MatchClass("33591", 0.5, ("335911",)), MatchClass("33592", 0.5, ("335921",)))
    ids = [c.establishment_id for c in run(establishments(rows), query(two), top=100).candidates]
    assert ids.index("OTHER") + 1 == ids.index("E24") and ids.index("E24") + 1 == ids.index("TWIN")
    rows.pop(0)
    item = run(establishments(rows), top=10)
    scores = [c.score for c in item.candidates]
    assert len(scores) == 10
    assert scores == sorted(scores, reverse=True)
    assert item.in_range == 26
    everything = run(establishments(rows), top=100).candidates
    assert [c.establishment_id for c in everything[:10]] == [c.establishment_id for c in item.candidates]
    ids = [c.establishment_id for c in everything]
    assert ids.index("E24") + 1 == ids.index("TWIN")  # same score and distance: the earlier row first


# --- items and networks ---------------------------------------------------------------------------------------

MONTERREY = (25.67, -100.31)


def network_with_coordinates(given: dict[str, Any]) -> Network:
    document = copy.deepcopy(given)
    coordinates = {"PL": MONTERREY, "S1": (31.23, 121.47), "S2": (27.5, -99.5), "C": (32.78, -96.8)}
    for site in document["sites"]:
        site["lat"], site["lon"] = coordinates[site["site_id"]]
    document["items"].append({"item_id": "U", "name": "No code"})
    document["items"].append({"item_id": "Z", "name": "Unknown code", "hs_code": "9999.99"})
    document["flows"] += [
        {"from_site": "S1", "to_site": "PL", "item_id": "U", "mode": "ocean"},
        {"from_site": "S1", "to_site": "PL", "item_id": "Z", "mode": "ocean"},
    ]
    document["supply"] += [{"site_id": "S1", "item_id": "U"}, {"site_id": "S1", "item_id": "Z"}]
    return Network.from_dict(document, name="tiny")


def near_monterrey() -> pl.DataFrame:
    rows = [
        {"id": "A", "scian": "335931", "band": 6, "lat": 25.70, "lon": -100.20, "park": True},
        {"id": "B", "scian": "335311", "band": 5, "lat": 25.80, "lon": -100.40},
        {"id": "C", "scian": "335931", "band": 2, "lat": 26.90, "lon": -101.40},
        {"id": "F", "scian": "335931", "band": 7, "lat": 20.67, "lon": -103.35},  # Guadalajara: out of range
        {"id": "M", "scian": "339112", "band": 7, "lat": 25.60, "lon": -100.30},
    ]
    return establishments(rows)


def test_every_item_is_listed_with_a_note_when_unmatched(tiny_document: dict[str, Any]) -> None:
    result = capacity_match(network_with_coordinates(tiny_document), near_monterrey())
    by_id = {i.item_id: i for i in result.items}
    assert set(by_id) == {"G", "K", "U", "Z"}
    assert [c.establishment_id for c in by_id["K"].candidates] == ["A", "B", "C"]
    assert by_id["K"].receiving_sites == ("PL",)
    assert by_id["U"].candidates == () and "no HS code" in by_id["U"].note
    assert by_id["U"].hs_code is None
    assert by_id["Z"].candidates == () and "not in the HS-NAICS concordance" in by_id["Z"].note
    assert by_id["G"].candidates == () and "customers only" in by_id["G"].note
    near = capacity_match(network_with_coordinates(tiny_document), near_monterrey(), near="PL")
    assert [c.establishment_id for c in {i.item_id: i for i in near.items}["G"].candidates] == ["M"]


def test_json_contract(tiny_document: dict[str, Any]) -> None:
    out = json.loads(capacity_match(network_with_coordinates(tiny_document), near_monterrey()).to_json())
    for item in out["items"]:
        assert {"item_id", "hs_code", "classes", "candidates"} <= set(item)
        for c in item["classes"]:
            assert {"scian", "weight"} <= set(c)
        for c in item["candidates"]:
            assert {
                "establishment_id", "name", "scian", "state", "municipality", "lat", "lon", "distance_km",
                "employees_low", "employees_high", "score", "score_parts",
            } <= set(c)  # fmt: skip
            assert sum(c["score_parts"].values()) == pytest.approx(c["score"])


def test_near_must_be_a_site(tiny_document: dict[str, Any]) -> None:
    from allyshore.errors import InputError

    with pytest.raises(InputError, match="NOPE"):
        capacity_match(network_with_coordinates(tiny_document), near_monterrey(), near="NOPE")


def test_near_a_site_without_coordinates_is_a_clear_error(tiny_document: dict[str, Any]) -> None:
    from allyshore.errors import InputError

    document = network_with_coordinates(tiny_document).to_dict()
    for site in document["sites"]:
        if site["site_id"] == "C":
            site["lat"] = site["lon"] = None
    with pytest.raises(InputError, match="--near 'C' has no lat/lon"):
        capacity_match(Network.from_dict(document, name="tiny"), near_monterrey(), near="C")


def test_no_edition_is_a_clear_error(tmp_path: Path, tiny_document: dict[str, Any]) -> None:
    with pytest.raises(NoEditionError, match="capacity import"):
        capacity_match(network_with_coordinates(tiny_document), data=tmp_path)


def store_edition(data: Path, frame: pl.DataFrame) -> None:
    """The importer's layout: DATA/denue/editions/<edition>/state=XX/part-0.parquet and DATA/denue/CURRENT."""
    for (state,), part in frame.group_by("state"):
        folder = data / "denue" / "editions" / "test-1" / f"state={state}"
        folder.mkdir(parents=True)
        part.write_parquet(folder / "part-0.parquet")
    (data / "denue" / "CURRENT").write_text("test-1\n", encoding="utf-8")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_cli_reads_the_edition_in_use(
    tmp_path: Path, tiny_document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "net.json"
    write_network(network_with_coordinates(tiny_document), path)
    code, _, err = cli(capsys, "capacity", "match", str(path), "--data-dir", str(tmp_path / "none"), "--json")
    assert code == 1 and "no DENUE edition" in err and "Traceback" not in err
    store_edition(tmp_path / "data", near_monterrey())
    code, out, err = cli(capsys, "capacity", "match", str(path), "--data-dir", str(tmp_path / "data"), "--json")
    assert code == 0, err
    k = {i["item_id"]: i for i in json.loads(out)["items"]}["K"]
    assert [c["establishment_id"] for c in k["candidates"]] == ["A", "B", "C"]
    code, out, err = cli(capsys, "capacity", "match", str(path), "--data-dir", str(tmp_path / "data"), "--top", "1")
    assert code == 0 and "Unit A" in out


@pytest.mark.slow  # runs validate, cost compare, origin advise and optimize on the written network
def test_write_candidates_round_trip(
    tmp_path: Path, tiny_document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    network = network_with_coordinates(tiny_document)
    result = capacity_match(network, near_monterrey(), top=2)
    written = with_candidates(network, result, price_factor=0.9)
    assert (written.sites, written.supply, written.flows) == (2, 2, 2)
    path = tmp_path / "with.json"
    write_network(written.network, path)
    back = load_network(path)
    sites = back.sites.filter(pl.col("site_id").str.starts_with(SITE_PREFIX))
    assert sorted(sites.get_column("site_id")) == [f"{SITE_PREFIX}A", f"{SITE_PREFIX}B"]
    assert set(sites.get_column("country")) == {"MX"} and set(sites.get_column("kind")) == {"supplier"}
    assert sites.filter(pl.col("site_id") == f"{SITE_PREFIX}A").get_column("lat")[0] == pytest.approx(25.70)
    supply = back.supply.filter(pl.col("site_id").str.starts_with(SITE_PREFIX))
    # K's current source into PL is S1 at 18 USD (S2 is a candidate): 18 x 0.9 = 16.2
    assert supply.get_column("unit_price").to_list() == pytest.approx([16.2, 16.2])
    assert set(supply.get_column("status")) == {"candidate"}
    assert supply.get_column("capacity_per_week").null_count() == 2  # unknown stays unknown
    flows = back.flows.filter(pl.col("from_site").str.starts_with(SITE_PREFIX))
    assert set(flows.get_column("to_site")) == {"PL"} and set(flows.get_column("mode")) == {"truck"}
    assert set(flows.get_column("status")) == {"candidate"}
    assert flows.get_column("transit_days").null_count() == 2
    assert back.sites.height == network.sites.height + 2  # the rest unchanged
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 0, err
    code, out, err = cli(capsys, "optimize", str(path), "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["status"] == "optimal"
    k = next(row for row in plan["plan"] if row["item_id"] == "K")
    # the candidate at 18 x 0.9 by truck beats the Shanghai source at 18 by sea: the optimiser takes it up
    assert {s["site_id"] for s in k["sources"]} <= {f"{SITE_PREFIX}A", f"{SITE_PREFIX}B"}
    # ... but their capacity is unknown: both listed, with the shares the plan gave them (summing to K's need)
    unknown = {u["site_id"]: u["share"] for u in plan["unknown_capacity"]}
    assert set(unknown) == {f"{SITE_PREFIX}A", f"{SITE_PREFIX}B"} and sum(unknown.values()) == pytest.approx(1.0)
    code, out, err = cli(capsys, "optimize", str(path), "--require-capacity", "--json")
    assert code == 0, err
    k = next(row for row in json.loads(out)["plan"] if row["item_id"] == "K")
    assert {s["site_id"] for s in k["sources"]} == {"S1"}  # the DENUE candidates left out; S2 is not cheaper
    code, out, err = cli(capsys, "cost", "compare", str(path), "--item", "K", "--json")
    assert code == 0, err
    assert f"{SITE_PREFIX}A" in out


def test_cli_writes_candidates(
    tmp_path: Path, tiny_document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "net.json"
    write_network(network_with_coordinates(tiny_document), path)
    store_edition(tmp_path / "data", near_monterrey())
    out_dir = tmp_path / "with-candidates"
    code, _, err = cli(
        capsys, "capacity", "match", str(path), "--data-dir", str(tmp_path / "data"), "--write-candidates",
        str(out_dir), "--mexico-price-factor", "1.1", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert "Assumption: candidate unit price" in err
    back = load_network(out_dir)
    priced = back.supply.filter(pl.col("site_id") == f"{SITE_PREFIX}A").get_column("unit_price")
    assert priced.to_list() == pytest.approx([18 * 1.1])


def test_no_item_with_a_class_reads_nothing(tiny_document: dict[str, Any]) -> None:
    document = copy.deepcopy(tiny_document)
    for item in document["items"]:
        item.pop("hs_code")
    result = capacity_match(Network.from_dict(document), near_monterrey())
    assert result.establishments == 0
    assert all(i.candidates == () and "no HS code" in i.note for i in result.items)


def test_csv_tables(tmp_path: Path, tiny_document: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.json"
    write_network(network_with_coordinates(tiny_document), path)
    store_edition(tmp_path / "data", near_monterrey())
    code, _, err = cli(
        capsys, "capacity", "match", str(path), "--data-dir", str(tmp_path / "data"), "--csv", str(tmp_path / "out")
    )
    assert code == 0, err
    candidates = pl.read_csv(tmp_path / "out" / "candidates.csv", schema_overrides={"establishment_id": pl.String})
    assert candidates.filter(pl.col("item_id") == "K").get_column("establishment_id").to_list() == ["A", "B", "C"]
    assert {"score_parts.concordance", "score_parts.distance", "rank"} <= set(candidates.columns)
    items = pl.read_csv(tmp_path / "out" / "items.csv")
    assert set(items.get_column("item_id")) == {"G", "K", "U", "Z"}


# --- kernels at their edges (each of these once let a deliberate mistake through) ------------------------------


def test_a_point_exactly_at_the_radius_is_in_range() -> None:
    from allyshore.capacity.match import in_range
    from allyshore.geography import great_circle_km

    lat, lon = np.array([25.0, 25.0]), np.array([-100.0, -101.0])
    edge = float(great_circle_km(lat[1:], lon[1:], np.array([25.0]), np.array([-100.0]))[0])
    idx, km = in_range(lat, lon, 25.0, -100.0, edge)  # the radius is the second point's own distance
    assert idx.tolist() == [0, 1] and km[1] == edge


def test_equal_scores_rank_the_nearer_first_then_the_earlier_row() -> None:
    from allyshore.capacity.match import top_order

    score = np.array([0.5, 0.5, 0.5, 0.9])
    road = np.array([120.0, 60.0, 60.0, 300.0])
    row = np.array([0, 7, 3, 9])
    # 0.9 first; then the two at 60 km (row 3 before row 7); then the one at 120 km
    assert top_order(score, road, row, 4).tolist() == [3, 2, 1, 0]


def test_two_classes_of_an_item_on_one_industry_add_their_weights() -> None:
    # A Census aggregate (4 digits, 3363) and a class under it (33632) both take industry 33632: its weight
    # is 0.5 + 0.25 = 0.75, so the concordance part is 0.4 x 0.75 = 0.3.
    classes = (MatchClass("3363", 0.5, ("3363XX",)), MatchClass("33632", 0.25, ("336320",)))
    frame = establishments([{"id": "1", "scian": "336320", "band": 1, "lat": PLANT[0]}])
    item = run(frame, query(classes))
    assert item.candidates[0].score_parts["concordance"] == pytest.approx(0.3)


def test_the_table_shows_the_open_band_as_open(
    tmp_path: Path, tiny_document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # M (band 7, "251 y más") is a candidate for G measured from PL: DENUE gives no upper bound, so the table
    # says 251+, not 251-<the import's calibration> as if DENUE had published it.
    path = tmp_path / "net.json"
    write_network(network_with_coordinates(tiny_document), path)
    store_edition(tmp_path / "data", near_monterrey())
    code, out, err = cli(capsys, "capacity", "match", str(path), "--data-dir", str(tmp_path / "data"), "--near", "PL")
    assert code == 0, err
    assert "Unit M" in out and "251+" in out and "251-" not in out
