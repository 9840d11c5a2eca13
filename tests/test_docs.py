"""The README and the examples say what the software does: every command is documented, the
public names exist, and the example files give the results worked out by hand beside them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer

import allyshore
from allyshore.cli import _register, app, main
from allyshore.model.schema import TABLES, analysis_columns

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = ROOT / "examples"


def _command_paths() -> list[str]:
    """Every command of the CLI as typed after `allyshore`, e.g. 'origin determine'."""
    _register()
    root = typer.main.get_command(app)
    paths: list[str] = []

    # Typer may vendor its own click: groups are recognised by their sub-commands, not their class.
    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            path = f"{prefix}{name}"
            if hasattr(command, "commands"):
                walk(command, f"{path} ")
            else:
                paths.append(path)

    walk(root, "")
    return sorted(paths)


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make demo", "make test"]


@pytest.mark.parametrize("command", _command_paths())
def test_every_command_has_a_usage_line_in_the_readme(command: str) -> None:
    # a documented usage line, inside a shell block, that starts with the command
    assert re.search(rf"^allyshore {re.escape(command)}\b", README, flags=re.MULTILINE), command


def test_every_public_name_resolves() -> None:
    for name in allyshore.__all__:
        assert getattr(allyshore, name) is not None, name


def test_python_names_in_the_readme_exist() -> None:
    for name in set(re.findall(r"allyshore\.([a-z_]+)\(", README)):
        assert name in allyshore.__all__, name


def test_linked_documents_exist() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        assert (ROOT / target).exists(), target


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    captured = capsys.readouterr()
    assert exit_info.value.code == 0, captured.err
    return captured.out


def test_example_case_gives_the_hand_worked_result(capsys: pytest.CaptureFixture[str]) -> None:
    result = json.loads(_run(capsys, "origin", "determine", str(EXAMPLES / "origin-case.json"), "--json"))
    # examples/README.md: TV method (100 - 40) / 100 = 60.0% >= 60%; net cost (75 - 40) / 75 = 46.7% < 50%
    assert result["originating"] is True
    assert result["criterion"] == "B"
    assert result["rvc"]["method"] == "transaction_value"
    assert result["rvc"]["value"] == pytest.approx(60.0)
    assert result["tariff_shift"]["passed"] is True
    assert any("46.7%" in sentence for sentence in result["explanation"])


def test_example_parties_certify_a_saved_determination(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    database = str(tmp_path / "records.db")
    _run(capsys, "origin", "determine", str(EXAMPLES / "origin-case.json"), "--save", "--database-url", database)
    out = tmp_path / "certificate"
    _run(
        capsys, "origin", "certify", "--parties", str(EXAMPLES / "parties.json"), "--record", "1",
        "--from", "2027-01-01", "--to", "2027-12-31", "--database-url", database, "--out", str(out),
    )  # fmt: skip
    document = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    text = json.dumps(document)
    assert "Bombas del Norte" in text and "9018.90" in text and "2027-12-31" in text


def test_readme_lists_every_optional_column() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `")]
    for table in TABLES:
        for column in analysis_columns(table=table):
            assert any(row.startswith(f"| `{table}` |") and f"`{column.name}`" in row.split("|")[2] for row in rows), (
                table,
                column.name,
            )
