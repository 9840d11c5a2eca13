"""Every file of the hostile corpus (tests/data/hostile, written by scripts/build_hostile_networks.py) ends in
exactly one of: the network it encodes, or located problems; never a traceback, never a silent change.

The corpus manifest says for each file what reading it must give; a valid case is compared table for table
with ``<case>.expected.json``, the same records written as plain JSON by the build script.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from polars.testing import assert_frame_equal

from allyshore.cli import main
from allyshore.errors import InputError, Problem, ValidationError
from allyshore.io import load_network, validate_path
from allyshore.model.network import Network

HOSTILE = Path(__file__).parent / "data" / "hostile"
MANIFEST: dict[str, dict[str, Any]] = json.loads((HOSTILE / "MANIFEST.json").read_text(encoding="utf-8"))


def _path(name: str) -> Path:
    if (HOSTILE / name).is_dir():
        return HOSTILE / name
    (found,) = [p for p in HOSTILE.glob(f"{name}.*") if not p.name.endswith(".expected.json")]
    return found


def _matches(problem: Problem, spec: dict[str, Any]) -> bool:
    return (
        spec["message"] in problem.message
        and ("row" not in spec or problem.row == spec["row"])
        and ("column" not in spec or problem.column == spec["column"])
        and ("hint" not in spec or spec["hint"] in (problem.hint or ""))
        and problem.severity == "error"
    )


def _same_network(network: Network, expected: Network) -> None:
    for table, frame in expected.tables.items():
        assert_frame_equal(network.tables[table], frame, check_column_order=False)


def test_the_corpus_covers_every_reader_and_outcome() -> None:
    kinds = {_path(n).suffix or "folder" for n in MANIFEST}
    assert kinds == {"folder", ".json", ".xlsx", ".zip"}
    assert {spec["outcome"] for spec in MANIFEST.values()} == {"valid", "refused", "unreadable"}


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_load_network_gives_the_network_or_located_problems(name: str) -> None:
    spec, path = MANIFEST[name], _path(name)
    if spec["outcome"] == "valid":
        network = load_network(path)
        _same_network(network, load_network(HOSTILE / f"{name}.expected.json"))
        warnings = [p for p in validate_path(path) if p.severity == "warning"]
        if "warning" in spec:
            assert any(spec["warning"] in p.message for p in warnings), warnings
        return
    with pytest.raises(InputError) as info:
        load_network(path)
    if spec["outcome"] == "unreadable":
        assert spec["message"] in str(info.value)
        return
    assert isinstance(info.value, ValidationError)
    problems = info.value.problems
    assert any(_matches(p, spec) for p in problems), "\n".join(map(str, problems))
    assert all(p.source for p in problems if p.severity == "error")  # every error names its file


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return int(code) if code is not None else 0


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_the_command_line_exits_0_or_1_with_a_message(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, path = MANIFEST[name], _path(name)
    valid = spec["outcome"] == "valid"
    assert _run("validate", str(path)) == (0 if valid else 1)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    if not valid:
        assert spec["message"] in " ".join((out.out + out.err).split())
        assert _run("exposure", str(path)) == 1
        assert _run("convert", str(path), str(tmp_path / "out.json")) == 1
        assert not (tmp_path / "out.json").exists()
    else:
        assert _run("convert", str(path), str(tmp_path / "out.json")) == 0
        _same_network(load_network(tmp_path / "out.json"), load_network(HOSTILE / f"{name}.expected.json"))
