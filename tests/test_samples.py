"""Tests of the embedded sample networks (allyshore.samples) and the samples/generate commands."""

from __future__ import annotations

import copy
import csv
import json
import math
from graphlib import TopologicalSorter
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import allyshore
from allyshore.cli import _register, app
from allyshore.errors import NotFoundError
from allyshore.io import load_network, validate_path
from allyshore.model.graph import compile_network
from allyshore.resilience import stress_test
from allyshore.samples import load_sample, sample_info, sample_names

SAMPLES = sample_names()
runner = CliRunner()


def _path(name: str) -> Path:
    return Path(str(resources.files("allyshore").joinpath("data", "samples", f"{name}.json")))


def test_the_three_briefed_samples_exist() -> None:
    assert set(SAMPLES) == {"infusion-pump", "ev-battery-pack", "nitrile-gloves"}
    assert allyshore.load_sample is load_sample and allyshore.sample_names is sample_names


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_loads_without_any_problem(name: str) -> None:
    assert validate_path(_path(name)) == []  # no error and no warning
    network = load_sample(name)
    assert network.name == name
    assert network.description.startswith("ILLUSTRATIVE")
    assert network.demand.height > 0


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_is_three_to_five_tiers_deep(name: str) -> None:
    graph = compile_network(load_sample(name))
    assert 3 <= int(graph.depth.max()) <= 5


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_spans_three_continents_and_has_north_american_candidates(name: str) -> None:
    network = load_sample(name)
    country = dict(zip(network.sites["site_id"].to_list(), network.sites["country"].to_list(), strict=True))
    active = {country[s] for s in network.supply.filter(pl.col("status") == "active")["site_id"].to_list()}
    assert active & {"CN", "TW", "JP", "KR", "MY", "VN", "TH", "IN", "ID"}, "no Asian source"
    assert active & {"DE", "IE", "CH", "IT", "FR", "NL", "GB", "ES", "CZ", "PL", "BE", "SE"}, "no European source"
    assert active & {"US", "MX", "CA"}, "no North American source"
    candidates = network.supply.filter(pl.col("status") == "candidate")["site_id"].to_list()
    assert {country[s] for s in candidates} >= {"MX", "US", "CA"}
    candidate_flows = network.flows.filter(pl.col("status") == "candidate")
    assert set(candidate_flows["from_site"].to_list()) == set(candidates)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_has_inventories_capacities_ttrs_lanes_and_border_crossings(name: str) -> None:
    network = load_sample(name)
    active = network.supply.filter(pl.col("status") == "active")
    assert active["capacity_per_week"].null_count() == 0
    assert active["ttr_weeks"].null_count() == 0
    assert active["inventory"].sum() > 0
    flows = network.flows
    assert flows["mode"].null_count() == 0 and flows["transit_days"].null_count() == 0
    assert flows["freight_per_unit"].null_count() == 0
    crossings = set(flows["crossing"].drop_nulls().to_list())
    assert crossings & {"Laredo", "El Paso", "Otay Mesa", "Nogales", "Pharr"}
    sums = flows.filter(pl.col("status") == "active").group_by("to_site", "item_id").agg(pl.col("share").sum())
    assert sums["share"].min() == pytest.approx(1.0) and sums["share"].max() == pytest.approx(1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_prices_cover_their_materials(name: str) -> None:
    """A maker's price is at least the cost of its BOM at the cheapest active source (plausible margins)."""
    network = load_sample(name)
    supply = network.supply.filter(pl.col("status") == "active")
    cheapest = supply.group_by("item_id").agg(pl.col("unit_price").min().alias("child_price"))
    cost = (
        network.bom.join(cheapest, left_on="child_id", right_on="item_id")
        .group_by("parent_id")
        .agg((pl.col("quantity") * pl.col("child_price")).sum().alias("material"))
    )
    makers = supply.join(cost, left_on="item_id", right_on="parent_id")
    assert makers.height > 0
    bad = makers.filter(pl.col("unit_price") < pl.col("material"))
    assert bad.height == 0, bad


def test_sample_hs_codes_are_real(shared_data: Path) -> None:
    """Every HS code of every sample is a real HS 2022 subheading (datasets/harmonized-system, UN Comtrade)."""
    with (shared_data / "hs" / "harmonized-system.csv").open(encoding="utf-8") as handle:
        real = {r["hscode"] for r in csv.DictReader(handle) if r["level"] == "6"}
    for name in SAMPLES:
        codes = load_sample(name).items["hs_code"].drop_nulls().to_list()
        assert codes
        unknown = [c for c in codes if c.replace(".", "")[:6] not in real]
        assert unknown == [], (name, unknown)


def test_unknown_sample_names_the_samples() -> None:
    with pytest.raises(NotFoundError, match="infusion-pump"):
        load_sample("toaster")


def test_sample_json_is_the_written_format() -> None:
    """The files round-trip through the writer's format: a format_version, a name and a list per table."""
    for name in SAMPLES:
        document = json.loads(_path(name).read_text(encoding="utf-8"))
        assert document["format_version"] == 1 and document["name"] == name
        assert load_network(_path(name)).summary() == load_sample(name).summary()


def test_samples_command_lists_every_sample() -> None:
    _register()
    result = runner.invoke(app, ["samples", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [s["name"] for s in listed] == list(SAMPLES)
    assert all(s["counts"]["items"] > 0 and 3 <= s["tiers"] <= 5 for s in listed)
    assert [i.name for i in sample_info()] == list(SAMPLES)
    text = runner.invoke(app, ["samples"])
    assert text.exit_code == 0 and "infusion-pump" in text.output


def test_generate_command_writes_the_format_of_the_suffix(tmp_path: Path) -> None:
    _register()
    for target in (tmp_path / "g.json", tmp_path / "g.xlsx", tmp_path / "gcsv"):
        result = runner.invoke(app, ["generate", "--items", "80", "--tiers", "3", "--seed", "5", str(target)])
        assert result.exit_code == 0, result.output
        assert validate_path(target) == []
    result = runner.invoke(app, ["generate", "--edges", "3000", "--seed", "2", str(tmp_path / "e.json")])
    assert result.exit_code == 0, result.output
    network = load_network(tmp_path / "e.json")
    assert 2000 <= network.bom.height + network.flows.height <= 4000
    a = load_network(tmp_path / "g.json")
    b = load_network(tmp_path / "gcsv")
    assert a.flows.equals(b.flows)


def test_generate_command_rejects_bad_sizes(tmp_path: Path) -> None:
    from allyshore.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--items", "100", "--tiers", "1", str(tmp_path / "x.json")])
    assert exit_info.value.code == 1
    assert not (tmp_path / "x.json").exists()


def _build_scripts() -> dict[str, Any]:
    """scripts/sample_specs.py and scripts/build_samples.py, loaded as modules."""
    import importlib.util
    import sys

    scripts = Path(__file__).resolve().parents[1] / "scripts"
    sys.path.insert(0, str(scripts))
    try:
        modules = {}
        for name in ("sample_specs", "build_samples"):
            spec = importlib.util.spec_from_file_location(name, scripts / f"{name}.py")
            assert spec is not None and spec.loader is not None
            modules[name] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(modules[name])
    finally:
        sys.path.remove(str(scripts))
    return modules


def test_shipped_samples_are_what_the_build_script_makes() -> None:
    """The JSON files are generated by scripts/build_samples.py from scripts/sample_specs.py: they must not drift."""
    modules = _build_scripts()
    specs = modules["sample_specs"].SPECS
    assert sorted(s["name"] for s in specs) == list(SAMPLES)
    for spec in specs:
        built = json.loads(json.dumps(modules["build_samples"].build(spec)))
        assert built == json.loads(_path(spec["name"]).read_text(encoding="utf-8")), spec["name"]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_baseline_meets_demand_in_full(name: str) -> None:
    """With nothing disrupted, every sample meets its demand indefinitely: no baseline shortfall."""
    network = load_sample(name)
    plant = network.sites.filter(pl.col("kind") == "plant")["site_id"][0]
    result = stress_test(network, sites=[plant])  # one scenario; the baseline is solved whatever is asked
    assert math.isinf(result.baseline_tts_weeks), result.baseline_tts_weeks
    assert result.to_dict()["baseline"]["shortfall"] is False
    assert not [w for w in result.warnings if "baseline shortfall" in w]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_active_capacity_carries_the_weekly_requirement(name: str) -> None:
    """Every active source of a required item has capacity, and their capacities sum to the item's requirement.

    The requirement is the demand rolled down the whole BOM (in dependency order, whatever tiers the specs list);
    infusion-pump once shipped liquid silicone at 0 kg a week because its pumping segment sat in no tier.
    """
    network = load_sample(name)
    children: dict[str, list[tuple[str, float]]] = {}
    sorter: TopologicalSorter[str] = TopologicalSorter({i: set() for i in network.items["item_id"].to_list()})
    for parent, child, quantity in network.bom.select("parent_id", "child_id", "quantity").iter_rows():
        children.setdefault(parent, []).append((child, quantity))
        sorter.add(child, parent)
    need = dict.fromkeys(network.items["item_id"].to_list(), 0.0)
    for item, units in network.demand.select("item_id", "units_per_week").iter_rows():
        need[item] += units
    for item in sorter.static_order():
        for child, quantity in children.get(item, []):
            need[child] += quantity * need[item]
    active = network.supply.filter(pl.col("status") == "active")
    empty = active.filter(pl.col("capacity_per_week") <= 0)
    assert [(s, i) for s, i in empty.select("site_id", "item_id").iter_rows() if need[i] > 0] == []
    capacity = dict(active.group_by("item_id").agg(pl.col("capacity_per_week").sum()).iter_rows())
    short = {i: (capacity.get(i, 0.0), n) for i, n in need.items() if n > 0 and capacity.get(i, 0.0) < n}
    assert short == {}


def test_build_rejects_tiers_that_leave_a_parent_out() -> None:
    """An item with components missing from the tiers would pass its components no requirement (capacity 0)."""
    modules = _build_scripts()
    spec = copy.deepcopy(modules["sample_specs"].INFUSION_PUMP)
    spec["tiers"] = [[i for i in tier if i != "SEGMENT"] for tier in spec["tiers"]]
    with pytest.raises(ValueError, match="missing from the tiers: SEGMENT"):
        modules["build_samples"].build(spec)
    spec["tiers"] = [*spec["tiers"], ["SEGMENT"], ["SET"]]
    spec["tiers"][0].remove("SET")
    with pytest.raises(ValueError, match=r"not in a tier below their parent: .*SEGMENT \(under SET\)"):
        modules["build_samples"].build(spec)
