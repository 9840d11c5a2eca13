"""Settings files given by the user (trust policy, cost and disruption assumptions, tariff tables, certification
parties) read whole or refused with the file named: never a traceback, never a silent change of text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from allyshore.cost.assumptions import load_assumptions as load_cost_assumptions
from allyshore.cost.measures import read_measures_file
from allyshore.errors import AllyshoreError
from allyshore.resilience.assumptions import load_assumptions as load_disruption_assumptions
from allyshore.trust.policy import default_policy_text, load_policy

READERS: dict[str, Callable[[Path], Any]] = {
    "policy": load_policy,
    "assumptions": lambda path: load_cost_assumptions(path),
    "disruption assumptions": load_disruption_assumptions,
    "tariff table": read_measures_file,
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_non_utf8_file_is_refused_at_its_first_byte(tmp_path: Path, name: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes("# José\n".encode("cp1252"))  # é is 0xe9 in cp1252, at byte 5
    with pytest.raises(AllyshoreError, match=r"settings\.toml: .*not UTF-8 text \(byte 5 is 0xe9\); save it as UTF-8"):
        READERS[name](path)


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_folder_or_a_missing_file_is_named(tmp_path: Path, name: str) -> None:
    with pytest.raises(AllyshoreError, match=r"a folder, not a"):
        READERS[name](tmp_path)
    with pytest.raises(AllyshoreError, match=r"none\.toml: cannot read the .*file: no such file"):
        READERS[name](tmp_path / "none.toml")


def test_a_utf16_policy_with_its_byte_order_mark_reads_as_the_utf8_one(tmp_path: Path) -> None:
    text = default_policy_text()
    utf8, utf16 = tmp_path / "utf8.toml", tmp_path / "utf16.toml"
    utf8.write_text(text, encoding="utf-8")
    utf16.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert load_policy(utf16) == load_policy(utf8)
