"""Country trust tiers and scores (allyshore.trust).

The cases follow the domain brief on country trust (../shared/domain/trust.md),
section 3.6: listed countries land in their tiers, adversary precedence, weights
change scores but never list tiers, the score is monotone in each component, the
home country is most aligned with itself, missing data (3.3), policy round-trips.
No numeric fixtures from third parties: expected scores are rebuilt from the
inputs the table itself reports.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import tomli_w
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from allyshore.cli import main
from allyshore.errors import NotFoundError, PolicyError
from allyshore.trust import (
    COMPONENTS,
    TIER_COLORS,
    TIERS,
    TrustPolicy,
    assess_countries,
    country_table,
    default_policy_text,
    load_policy,
    policy_from_dict,
)
from allyshore.trust.assess import combine_components

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return int(code) if code is not None else 0


def default_data() -> dict[str, Any]:
    return tomllib.loads(default_policy_text())


def with_changes(**changes: Any) -> TrustPolicy:
    """The default policy with some values replaced; keys are dotted paths, e.g. ``score.weights.fta``."""
    data = default_data()
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
    return policy_from_dict(data, "test policy")


def canadian_policy() -> dict[str, Any]:
    """A Canadian home policy with its own lists (test data; see docs/trust.md for the documented example)."""
    as_of = tomllib.loads("d = 2024-06-01")["d"]
    return {
        "policy": {"name": "Canada (test)", "home": "CA"},
        "tiers": {
            "adversary_lists": ["adversaries"],
            "usmca_lists": ["cusma"],
            "ally_lists": ["nato", "fta"],
            "aligned_threshold": 60.0,
        },
        "score": {
            "weights": {"un_alignment": 0.5, "democracy_distance": 0.5},
            "min_weight_share": 0.5,
            "un_sessions": 3,
            "treaty_lists": ["nato"],
            "fta_lists": ["fta"],
        },
        "lists": {
            "cusma": {
                "title": "CUSMA",
                "source": "Global Affairs Canada",
                "as_of": as_of,
                "members": ["CA", "US", "MX"],
            },
            "nato": {"title": "NATO", "source": "NATO", "as_of": as_of, "members": ["CA", "US", "GB", "FR", "DE"]},
            "fta": {"title": "FTAs", "source": "Global Affairs Canada", "as_of": as_of, "members": ["KR", "CL", "IL"]},
            "adversaries": {"title": "test", "source": "test", "as_of": as_of, "members": ["KP"]},
        },
    }


# -- tiers -----------------------------------------------------------------------------------


def test_tiers_and_colours() -> None:
    assert TIERS == ("domestic", "usmca", "ally", "aligned", "non_aligned", "adversary")
    assert list(TIER_COLORS) == list(TIERS)
    assert all(c.startswith("#") and len(c) == 7 for c in TIER_COLORS.values())
    assert len(set(TIER_COLORS.values())) == len(TIERS)


def test_every_listed_country_lands_in_its_tier() -> None:
    policy = load_policy()
    table = assess_countries()
    adversaries = set(policy.lists["us_foreign_adversaries"].members)
    usmca = set(policy.lists["usmca"].members) - {"US"}
    allies = {m for i in policy.tiers.ally_lists for m in policy.lists[i].members} - {"US"} - usmca - adversaries
    assert adversaries == {"CN", "CU", "IR", "KP", "RU", "VE"}
    assert usmca == {"CA", "MX"}
    for code in adversaries:
        assert table.tier_of(code) == "adversary", code
        assert table.explain(code).rule == 2
    for code in usmca:
        assert table.tier_of(code) == "usmca", code
    for code in allies:
        assert table.tier_of(code) == "ally", code
        assert table.explain(code).rule == 4
    assert len(allies) >= 50
    # Examples named in the brief
    for code in ("DE", "JP", "KR", "AU", "NZ", "PH", "TH", "IL", "NI", "BR", "TR", "FI", "SE"):
        assert table.tier_of(code) == "ally", code
    assert table.tier_of("US") == "domestic"


def test_territories_follow_their_parent() -> None:
    table = assess_countries()
    for code in ("HK", "MO"):
        entry = table.explain(code)
        assert entry.tier == "adversary"
        assert entry.matched_list is not None and entry.matched_list.via_parent == "CN"
        assert entry.matched_list.as_of == "2024-07-18"
    assert table.tier_of("PR") == "domestic"
    assert table.tier_of("GL") == "ally"  # Denmark: NATO
    # Hong Kong keeps its own Freedom House rating; the UN position is China's
    hk = {c.key: c for c in table.explain("HK").components}
    cn = {c.key: c for c in table.explain("CN").components}
    assert hk["freedom_house"].x != cn["freedom_house"].x
    assert hk["un_alignment"].x == cn["un_alignment"].x


def test_tier_records_rule_and_list_with_date() -> None:
    entry = assess_countries().explain("Mexico")
    assert entry.rule == 3
    assert entry.matched_list is not None
    assert entry.matched_list.list_id == "usmca"
    assert entry.matched_list.as_of == "2020-07-01"
    assert "USMCA" in entry.matched_list.source
    venezuela = assess_countries().explain("VE")
    assert any("Maduro" in note for note in venezuela.notes)


def test_aligned_and_non_aligned_follow_the_threshold() -> None:
    table = assess_countries()
    threshold = table.policy.tiers.aligned_threshold
    for entry in table.countries:
        if entry.rule == 5:
            assert entry.tier == "aligned"
            assert entry.score is not None and entry.score >= threshold
        if entry.rule == 6:
            assert entry.score is None or entry.score < threshold
    # Raising the threshold to 100 leaves nobody aligned; lowering it to 0 leaves nobody scored non_aligned.
    assert "aligned" not in assess_countries(with_changes(tiers__aligned_threshold=100.0)).tiers.values()
    low = assess_countries(with_changes(tiers__aligned_threshold=0.0))
    assert all(c.score is None for c in low.countries if c.tier == "non_aligned")


def test_adversary_precedence() -> None:
    data = default_data()
    for list_id in ("usmca", "us_fta", "nato"):
        data["lists"][list_id]["members"] += ["RU", "CN"]
    data["lists"]["nato"]["joined"].update({"RU": 2030, "CN": 2030})
    table = assess_countries(policy_from_dict(data))
    for code in ("RU", "CN", "HK"):
        assert table.tier_of(code) == "adversary"
    # Off the adversary list, Russia would be a USMCA partner under this policy.
    data["lists"]["us_foreign_adversaries"]["members"].remove("RU")
    assert assess_countries(policy_from_dict(data)).tier_of("RU") == "usmca"


def test_unknown_codes_are_non_aligned_with_a_note() -> None:
    table = assess_countries()
    assert table.tier_of("ZZ") == "non_aligned"
    assert table.score_of("Atlantis") is None
    assert "not a known country" in table.explain("ZZ").notes[0]
    with pytest.raises(NotFoundError, match="Atlantis"):
        assess_countries(countries=["MX", "Atlantis"])


# -- score -----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=5), min_size=len(COMPONENTS), max_size=len(COMPONENTS)))
def test_weights_change_scores_never_list_tiers(weights: list[float]) -> None:
    assume(sum(weights) > 0)
    base = assess_countries()
    other = assess_countries(with_changes(score__weights=dict(zip(COMPONENTS, weights, strict=True))))
    for before, after in zip(base.countries, other.countries, strict=True):
        if before.rule <= 4:
            assert (after.tier, after.rule) == (before.tier, before.rule), before.alpha2


def test_weights_do_change_scores() -> None:
    base = assess_countries()
    other = assess_countries(
        with_changes(score__weights={"un_alignment": 1.0, "freedom_house": 0.0, "treaty": 0.0, "fta": 0.0})
    )
    changed = [c for c in base.countries if c.score != other.score_of(c.alpha2)]
    assert len(changed) > 100


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=4, max_size=4),
    st.lists(st.floats(0.01, 10), min_size=4, max_size=4),
    st.integers(0, 3),
    st.floats(0, 1),
)
def test_score_is_monotone_in_each_component(
    components: list[float | None], weights: list[float], k: int, bump: float
) -> None:
    assume(components[k] is not None)
    x = np.array([[np.nan if v is None else v for v in components]])
    higher = x.copy()
    higher[0, k] = min(1.0, x[0, k] + bump)
    w = np.array(weights)
    score, share = combine_components(x, w, 0.0)
    score_higher, share_higher = combine_components(higher, w, 0.0)
    assert share[0] == share_higher[0]
    assert score_higher[0] >= score[0] - 1e-9
    assert 0.0 <= score[0] <= 100.0 + 1e-9


def test_scores_are_in_range_and_rebuild_by_hand() -> None:
    table = assess_countries()
    for entry in table.countries:
        used = [c for c in entry.components if c.weight > 0]
        available = [c for c in used if c.available]
        assert entry.weight_share == pytest.approx(sum(c.weight for c in available) / sum(c.weight for c in used))
        if entry.score is None:
            continue
        assert 0 <= entry.score <= 100
        by_hand = 100 * sum(c.weight * (c.x or 0.0) for c in available) / sum(c.weight for c in available)
        assert entry.score == pytest.approx(by_hand, abs=1e-3)  # x is reported to 6 decimals
        for component in entry.components:
            assert component.x is None or 0 <= component.x <= 1
            for value in component.inputs:
                assert value.source and value.year is not None


def test_home_country_is_most_aligned_at_the_un() -> None:
    for table in (assess_countries(), assess_countries(policy_from_dict(canadian_policy()))):
        un = {c.alpha2: next(k.x for k in c.components if k.key == "un_alignment") for c in table.countries}
        home = table.policy.home
        assert un[home] == 1.0
        assert max(v for v in un.values() if v is not None) == 1.0
        assert min(v for v in un.values() if v is not None) == 0.0


def test_un_distance_matches_the_table_and_averages_over_k_sessions() -> None:
    """With K = 1 the distance is |theta_c - theta_US| of the latest session, the table's own column."""
    frame = country_table().frame
    single = assess_countries(with_changes(score__un_sessions=1))
    assert single.un_sessions == (78, 78)
    for row in frame.filter(frame["unga_distance_us"].is_not_null()).iter_rows(named=True):
        un = single.explain(row["alpha2"]).components[0]
        distance = next(i.value for i in un.inputs if i.name.startswith("mean distance"))
        assert distance == pytest.approx(row["unga_distance_us"], abs=2e-6)  # both rounded to 6 decimals
    averaged = assess_countries(with_changes(score__un_sessions=3))
    assert averaged.un_sessions == (76, 78)
    # Venezuela lost its Assembly vote after session 76: no vote in 78, one vote in the 3-session window.
    assert single.explain("VE").components[0].x is None
    venezuela = averaged.explain("VE").components[0]
    assert venezuela.x is not None
    assert next(i.value for i in venezuela.inputs if i.name.startswith("sessions")) == 1
    with pytest.raises(PolicyError, match="un_session"):
        assess_countries(with_changes(score__un_session=90))


def test_missing_un_votes_renormalise_and_flag() -> None:
    """Taiwan and Kosovo are not UN members: no ideal point (brief 3.3)."""
    table = assess_countries()
    for code in ("TW", "XK"):
        entry = table.explain(code)
        un = entry.components[0]
        assert un.key == "un_alignment" and un.x is None
        assert entry.incomplete
        w = table.policy.score.weights
        expected_share = (w.freedom_house + w.treaty + w.fta) / (w.un_alignment + w.freedom_house + w.treaty + w.fta)
        assert entry.weight_share == pytest.approx(expected_share)
        assert entry.score is not None
    # Above the available share, the score is withheld and the aligned rule cannot fire.
    strict = assess_countries(with_changes(score__min_weight_share=0.9))
    assert strict.score_of("TW") is None
    assert strict.tier_of("TW") == "non_aligned"
    assert any("no score" in note for note in strict.explain("TW").notes)
    assert strict.score_of("DE") is not None


def test_adversary_cap() -> None:
    uncapped = assess_countries()
    capped = assess_countries(with_changes(score__adversary_cap=10.0))
    cn = uncapped.score_of("CN")
    assert cn is not None and cn > 10
    assert capped.score_of("CN") == 10.0
    assert capped.score_of("DE") == uncapped.score_of("DE")


def test_canadian_home_policy() -> None:
    table = assess_countries(policy_from_dict(canadian_policy()))
    assert table.tier_of("CA") == "domestic"
    assert table.tier_of("US") == "usmca"
    assert table.tier_of("MX") == "usmca"
    assert table.tier_of("KR") == "ally"
    assert table.tier_of("KP") == "adversary"
    assert table.tier_of("CN") != "adversary"  # not on this policy's list
    assert table.tier_of("PR") != "domestic"  # no territories declared
    ca = table.explain("CA")
    assert ca.score == 100.0  # identical to itself on both components
    # democracy distance is measured from Canada's Freedom House total
    us_dd = next(c for c in table.explain("US").components if c.key == "democracy_distance")
    values = [i.value for i in us_dd.inputs]
    assert us_dd.x == pytest.approx(1 - abs(values[0] - values[1]) / 100)


# -- policy file -------------------------------------------------------------------------------


def test_policy_round_trips_unchanged(tmp_path: Path) -> None:
    original = default_data()
    policy = load_policy()
    assert tomllib.loads(policy.to_toml()) == original
    path = tmp_path / "copy.toml"
    path.write_text(policy.to_toml())
    again = load_policy(path)
    assert again == policy
    assert again.to_toml() == policy.to_toml()
    canadian = policy_from_dict(canadian_policy())
    assert policy_from_dict(tomllib.loads(tomli_w.dumps(canadian.to_dict()))) == canadian


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["score"]["weights"].update(un_alignmnt=0.3), "score.weights.un_alignmnt: unknown key"),
        (lambda d: d["tiers"]["ally_lists"].append("quad"), "tiers.ally_lists names unknown list(s) quad"),
        (lambda d: d["lists"]["nato"]["members"].append("Germany"), "did you mean 'DE'"),
        (lambda d: d["policy"].update(home="USA"), "policy.home: 'USA' is not an ISO 3166-1 alpha-2"),
        (lambda d: d["score"].update(min_weight_share=2), "score.min_weight_share"),
        (lambda d: d["lists"]["usmca"].pop("as_of"), "lists.usmca.as_of: missing"),
        (lambda d: d["policy"].update(home="PR"), "home country PR may not be declared a territory"),
        (lambda d: d["score"].update(weights={"fta": 0}), "at least one weight must be positive"),
    ],
)
def test_bad_policy_names_the_key(change: Any, message: str) -> None:
    data = copy.deepcopy(default_data())
    change(data)
    with pytest.raises(PolicyError) as error:
        policy_from_dict(data, "my.toml")
    text = str(error.value)
    assert text.startswith("my.toml: ")
    assert message in text


def test_policy_file_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[policy\nname = 1")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(broken)


# -- results and CLI ---------------------------------------------------------------------------


def test_result_shapes() -> None:
    table = assess_countries(countries=["Mexico", "CHN", "tw"])
    assert len(table) == 3
    frame = table.to_frame()
    assert frame["alpha2"].to_list() == ["MX", "CN", "TW"]
    assert {"tier", "score", "rule", "list", "list_as_of", "incomplete"} <= set(frame.columns)
    data = table.to_dict()
    json.dumps(data)
    assert [c["tier"] for c in data["countries"]] == ["usmca", "adversary", "aligned"]
    assert "<table>" in table._repr_html_() and TIER_COLORS["adversary"] in table._repr_html_()
    assert len(table.tiers) == len(country_table().frame)
    with pytest.raises(AttributeError):
        table.policy = load_policy()  # type: ignore[misc]
    assert "score = 100 *" in str(table.explain("MX"))


def test_cli_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("trust", "MX", "Germany", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"policy", "tiers", "countries", "disagreements"}
    assert data["disagreements"]["listed_below_threshold"] == ["MX"]  # only the selected countries
    assert data["policy"]["home"] == "US"
    first = data["countries"][0]
    assert first["alpha2"] == "MX" and first["tier"] == "usmca"
    assert {"score", "rule", "reason", "matched_list", "components", "incomplete", "notes"} <= set(first)
    component = first["components"][0]
    assert {"component", "weight", "x", "weighted", "inputs"} <= set(component)
    assert {"name", "value", "source", "year"} <= set(component["inputs"][0])
    assert data["countries"][1]["tier"] == "ally"


def test_cli_table_and_show_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("trust", "VE") == 0
    out = capsys.readouterr().out
    assert "adversary" in out and "Maduro" in out
    assert run_cli("trust", "--show-policy") == 0
    assert tomllib.loads(capsys.readouterr().out) == default_data()


def test_cli_bad_policy_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = default_data()
    data["score"]["weights"]["un_alignmnt"] = 0.3
    path = tmp_path / "my.toml"
    path.write_text(tomli_w.dumps(data))
    assert run_cli("trust", "--policy", str(path)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith("Error: ")
    assert "my.toml" in err and "score.weights.un_alignmnt: unknown key" in err
    assert "Traceback" not in err
    assert run_cli("trust", "Narnia") == 1
    assert "unknown country 'Narnia'" in " ".join(capsys.readouterr().err.split())


def test_cli_canadian_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "canada.toml"
    path.write_text(tomli_w.dumps(canadian_policy()))
    assert run_cli("trust", "--policy", str(path), "--json", "US", "CA") == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["tier"] for c in data["countries"]] == ["usmca", "domestic"]


# -- reference table ---------------------------------------------------------------------------


def test_country_table_covers_iso_3166() -> None:
    import pycountry

    table = country_table()
    codes = set(table.codes)
    assert {c.alpha_2 for c in pycountry.countries} <= codes
    assert "XK" in codes
    assert table.frame["alpha2"].is_unique().all()
    for column in table.frame.columns:
        source = table.source_of(column)
        assert source["source"] and source.get("licence")
        assert source.get("url") or source.get("doi")
    assert table.source_of("fh_total")["edition"] == 2023
    assert table.source_of("unga_ideal_point")["session"] == 78
    assert table.frame.filter(table.frame["region"] == "").height == 0
    us = table.frame.filter(table.frame["alpha2"] == "US").row(0, named=True)
    assert us["unga_distance_us"] == 0.0 and us["nato_joined"] == 1949
    # Membership columns agree with the default policy's lists
    policy = load_policy()
    fta = set(table.frame.filter(table.frame["us_fta"])["alpha2"].to_list())
    assert fta == set(policy.lists["us_fta"].members)
    assert len(fta) == 20
    assert table.frame.filter(table.frame["nato_joined"].is_not_null()).height == 32


def test_build_script_reproduces_shipped_tables(shared_data: Path, tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_countries", ROOT / "scripts" / "build_countries.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    meta = module.build(shared_data, tmp_path)
    shipped = ROOT / "src" / "allyshore" / "data"
    for name in ("countries.csv", "unga_ideal_points.csv", "countries.meta.json"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name
    unmapped = {(row["source"].split("/")[0], row["name"]) for row in meta["unmapped_rows"]}
    assert ("unga_idealpoints", "Czechoslovakia") in unmapped
    assert ("freedom_house", "Crimea") in unmapped
    assert not any(source == "freedom_house" and name == "Kosovo" for source, name in unmapped)
    assert math.isfinite(meta["rows"])


# -- docs ------------------------------------------------------------------------------------


def test_documented_policies_are_valid() -> None:
    """The Canadian and Mexican examples in docs/trust.md load and tier their neighbours as documented."""
    import re

    text = (ROOT / "docs" / "trust.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", text, flags=re.S) if "[policy]" in b]
    assert len(blocks) == 2
    homes = {}
    for block in blocks:
        policy = policy_from_dict(tomllib.loads(block), "docs/trust.md")
        table = assess_countries(policy)
        homes[policy.home] = table
        assert table.tier_of(policy.home) == "domestic"
        assert table.tier_of("US") == "usmca"
        assert table.tier_of("CN") == "adversary"
    assert homes["CA"].tier_of("MX") == "usmca" and homes["CA"].tier_of("DE") == "ally"
    assert homes["MX"].tier_of("CA") == "usmca" and homes["MX"].tier_of("JP") == "ally"
    assert homes["MX"].tier_of("PR") == "usmca"  # a US territory under the Mexican policy
    for list_id in load_policy().lists:
        assert f"`{list_id}`" in text


def _table_with(code: str, **values: Any) -> Any:
    """The shipped reference table with some of one country's columns replaced (a synthetic edition)."""
    table = country_table()
    frame = table.frame
    for column, value in values.items():
        replaced = pl.when(pl.col("alpha2") == code).then(pl.lit(value)).otherwise(pl.col(column))
        frame = frame.with_columns(replaced.alias(column))
    return dataclasses.replace(table, frame=frame)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 100), st.integers(0, 100))
def test_score_is_monotone_in_freedom_house_end_to_end(low: int, high: int) -> None:
    low, high = min(low, high), max(low, high)
    a = assess_countries(countries=_table_with("IN", fh_total=low)).score_of("IN")
    b = assess_countries(countries=_table_with("IN", fh_total=high)).score_of("IN")
    assert a is not None and b is not None and b >= a
    if high > low:
        assert b > a


def test_score_rises_as_the_un_position_nears_home() -> None:
    """India's ideal point moved to the US's in every session: x_UN becomes 1 and the score rises."""
    table = country_table()
    us = table.ideal_points.filter(table.ideal_points["alpha2"] == "US")
    moved = table.ideal_points.join(us.select("session", pl.col("ideal_point").alias("us")), on="session", how="left")
    moved = moved.with_columns(
        pl.when(pl.col("alpha2") == "IN").then(pl.col("us")).otherwise(pl.col("ideal_point")).alias("ideal_point")
    ).drop("us")
    closer = assess_countries(countries=dataclasses.replace(table, ideal_points=moved))
    before = assess_countries()
    assert closer.explain("IN").components[0].x == 1.0
    assert (closer.score_of("IN") or 0) > (before.score_of("IN") or 0)
    assert closer.tier_of("IN") == "aligned"


def test_mnna_counts_only_when_switched_on() -> None:
    default = assess_countries()
    assert default.tier_of("EG") != "ally" and default.tier_of("TW") == "aligned"
    ally_lists = [*load_policy().tiers.ally_lists, "us_mnna"]
    switched = assess_countries(with_changes(tiers__ally_lists=ally_lists))
    for code in ("EG", "TW", "KE", "QA", "PK"):
        entry = switched.explain(code)
        assert entry.tier == "ally" and entry.matched_list is not None and entry.matched_list.list_id == "us_mnna"
