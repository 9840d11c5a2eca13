"""The options every command spells alike: ``--json``, ``--csv DIR`` and the table from one output helper, one date
type for every date, a sample name wherever a network is read, and commands that call the library once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer

import allyshore
from allyshore.cli import _register, app, main

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "origin-case.json"
PARTIES = ROOT / "examples" / "parties.json"


def _commands() -> dict[str, Any]:
    _register()
    found: dict[str, Any] = {}

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, f"{prefix}{name} ")
            else:
                found[f"{prefix}{name}"] = command

    walk(typer.main.get_command(app), "")
    return found


def _options(command: Any) -> set[str]:
    return {flag for param in command.params for flag in getattr(param, "opts", ())}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_every_command_with_json_also_writes_csv() -> None:
    """One output helper: a command that prints a result as JSON also writes its tables with ``--csv DIR``."""
    commands = _commands()
    with_json = sorted(path for path, command in commands.items() if "--json" in _options(command))
    assert len(with_json) >= 15
    for path in with_json:
        assert "--csv" in _options(commands[path]), path


@pytest.mark.parametrize(
    ("argv", "tables"),
    [
        (("validate", "{net}"), {"problems"}),
        (("exposure", "{net}"), {"goods", "by_country", "by_tier", "by_crossing", "choke_points", "findings"}),
        (("trust", "CN", "MX"), {"countries"}),
        (("samples",), {"samples"}),
        (("tariff", "8536.50.90", "--origin", "CN", "--as-of", "2026-03-01"), {"summary", "layers"}),
        (("cost", "network", "{net}", "--as-of", "2026-03-01"), {"goods", "flows", "sourcing", "assumptions"}),
        (("cost", "compare", "{net}", "--item", "K", "--as-of", "2026-03-01"), {"options", "assumptions"}),
        (("cost", "sensitivity", "{net}", "--item", "K", "--as-of", "2026-03-01"), {"tornado", "break_evens"}),
        (("stress", "{net}", "--scheduler", "synchronous"), {"scenarios", "line_stoppers"}),
        (("origin", "determine", str(CASE)), {"summary"}),
        (("origin", "network", "infusion-pump", "--as-of", "2026-03-01"), {"goods"}),
        (("origin", "rule", "8708.99"), {"rules", "alternatives"}),
    ],
    ids=lambda value: " ".join(value[:2]) if isinstance(value, tuple) else None,
)
def test_csv_writes_each_table_of_the_result(
    argv: tuple[str, ...], tables: set[str], tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "tables"
    args = [a.replace("{net}", str(tiny_path)) for a in argv]
    code, out, _ = run(capsys, *args, "--csv", str(folder))
    assert code == 0
    written = {p.stem for p in folder.glob("*.csv")}
    assert tables <= written, written
    assert out.startswith("Wrote ") and out.rstrip().endswith(str(folder))
    for path in folder.glob("*.csv"):
        pl.read_csv(path, infer_schema_length=0)  # every table is plain CSV


def test_exposure_csv_is_the_result_frames(tiny_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "exposure", str(tiny_path), "--csv", str(tmp_path))
    frames = allyshore.exposure(allyshore.load_network(tiny_path)).frames()
    for name, frame in frames.items():
        assert pl.read_csv(tmp_path / f"{name}.csv", schema=frame.schema).equals(frame), name


def test_origin_rule_tables_hold_every_entry_and_alternative(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``origin rule --csv``: one ``rules`` row per library entry, one ``alternatives`` row per alternative of each;
    ``--json`` stays the list of entries."""
    from allyshore.origin.rules import library_as_dicts

    entries = library_as_dicts("8708.99")
    code, out, _ = run(capsys, "origin", "rule", "8708.99", "--json")
    assert code == 0 and json.loads(out) == json.loads(json.dumps(entries))
    run(capsys, "origin", "rule", "8708.99", "--csv", str(tmp_path))
    rules = pl.read_csv(tmp_path / "rules.csv", infer_schema_length=0)
    alternatives = pl.read_csv(tmp_path / "alternatives.csv", infer_schema_length=0)
    assert rules.height == len(entries) > 1
    assert alternatives.height == sum(len(e["alternatives"]) for e in entries)
    assert rules.get_column("text").to_list() == [e["text"] for e in entries]


BAD_DATES = [
    ("cost", "network", "{net}", "--as-of"),
    ("cost", "compare", "{net}", "--item", "K", "--as-of"),
    ("cost", "sensitivity", "{net}", "--item", "K", "--as-of"),
    ("tariff", "8536.50.90", "--origin", "CN", "--as-of"),
    ("origin", "network", "{net}", "--as-of"),
    ("origin", "advise", "{net}", "--good", "G", "--as-of"),
]


@pytest.mark.parametrize("argv", BAD_DATES, ids=lambda argv: " ".join(argv[:2]))
def test_the_same_bad_date_is_the_same_error_everywhere(
    argv: tuple[str, ...], tiny_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("{net}", str(tiny_path)) for a in argv]
    code, out, err = run(capsys, *args, "2026-13-01")
    assert (code, out, err) == (1, "", "Error: --as-of '2026-13-01' is not a date (YYYY-MM-DD)\n")


def test_a_bad_blanket_date_is_the_same_kind_of_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["origin", "certify", "--parties", str(PARTIES), "--case", str(CASE), "--out", str(tmp_path / "c")]
    code, _, err = run(capsys, *argv, "--from", "2027-02-30", "--to", "2027-12-31")
    assert (code, err) == (1, "Error: --from '2027-02-30' is not a date (YYYY-MM-DD)\n")


def test_convert_takes_a_sample_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "pump.json"
    code, out, _ = run(capsys, "convert", "infusion-pump", str(target))
    assert code == 0 and out.strip() == f"Wrote {target}"
    again = allyshore.load_network(target)
    assert again.summary() == allyshore.load_sample("infusion-pump").summary()


def test_the_monte_carlo_disruption_is_composed_in_the_library(tiny: allyshore.Network) -> None:
    """``cost compare --monte-carlo N`` is ``compare_sources(simulated_years=N)``: the Monte Carlo of N years, in
    this process, priced per source site."""
    runs = 30
    simulation = allyshore.simulate(tiny, runs=runs, scheduler="synchronous")
    composed = allyshore.compare_sources(tiny, "K", as_of="2026-03-01", disruption_per_unit=simulation)
    alone = allyshore.compare_sources(tiny, "K", as_of="2026-03-01", simulated_years=runs)
    assert alone.to_dict() == composed.to_dict()
    origins = {a.origin for o in alone.options for a in o.assumptions if a.key == "disruption_per_unit"}
    assert origins == {"stress test"}


def test_a_case_is_read_once_decided_and_saved(tmp_path: Path) -> None:
    """``origin determine --save`` is one library call: the document it saves is the one it decided."""
    with allyshore.open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        result, record = store.determine_and_save(CASE)
        assert record.inputs == json.loads(CASE.read_text(encoding="utf-8"))
        assert record.result == json.loads(result.to_json()) and record.verify()
        again, second = store.determine_and_save(record.inputs)
        assert again == result and second.id == record.id + 1


def test_saving_a_network_origin_names_each_record(tmp_path: Path) -> None:
    network = allyshore.load_network("infusion-pump")
    result = allyshore.determine_network(network, as_of="2026-03-01")
    assert {g["record_id"] for g in result.to_dict()["goods"]} == {None}
    with allyshore.open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        saved = store.save_network_origin(result)
        decided = [g for g in saved.goods if g.result is not None and g.case is not None]  # the others have none
        assert decided and [g.record_id for g in decided] == list(saved.record_ids.values())
        for good in decided:
            assert store.get_determination(saved.record_ids[(good.item_id, good.site_id)]).verify()
    assert [g["record_id"] for g in saved.to_dict()["goods"]] == [g.record_id for g in saved.goods]
    assert saved.goods == result.goods  # the record ids do not change the decisions


@pytest.fixture
def tiny(tiny_document: dict[str, Any]) -> allyshore.Network:
    return allyshore.Network.from_dict(tiny_document)
