"""Origin engine: public API, the JSON contract through the CLI, and located errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import allyshore
from allyshore.errors import ValidationError
from allyshore.origin import case_schema, determine_origin, result_schema

# The contract case of ../shared/checks/contracts.py (issue 3, section 1).
CONTRACT_CASE: dict[str, Any] = {
    "good": {"description": "Instrument", "hs": "9018.90"},
    "rule": {
        "alternatives": [
            {"tariff_shift": {"level": "heading", "except_from": []}, "rvc": {"transaction_value": 60, "net_cost": 50}}
        ]
    },
    "transaction_value": 100.0,
    "materials": [
        {"id": "k", "description": "component", "hs": "8536.50", "value": 40.0, "originating": False, "country": "CN"},
        {"id": "h", "description": "housing", "hs": "3926.90", "value": 10.0, "originating": True, "country": "MX"},
    ],
    "other_costs": {"product_costs": 20.0, "period_costs": 5.0, "other": 0.0},
    "excluded_costs": 0.0,
}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "allyshore", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_contract_case_through_cli(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CONTRACT_CASE))
    p = _cli("origin", "determine", str(path), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    for key in ("originating", "criterion", "alternative", "rvc", "tariff_shift", "explanation"):
        assert key in out
    # TV method first (s.7(1)): (100 - 40) / 100 = 60% meets 60%; NC (75 - 40) / 75 = 46.7% would not.
    assert out["originating"] is True
    assert out["criterion"] == "B"
    assert out["alternative"] == 0
    assert out["rvc"]["method"] == "transaction_value"
    assert out["rvc"]["value"] == pytest.approx(60.0)
    assert out["rvc"]["threshold"] == 60
    assert out["rvc"]["vnm"] == pytest.approx(40.0)
    assert out["rvc"]["transaction_value"] == pytest.approx(100.0)
    assert out["tariff_shift"] == {
        "passed": True,
        "failing_materials": [],
        "de_minimis": {"applied": False, "share": None},
    }
    assert any("46.7%" in s for s in out["explanation"]), "both RVC values belong in the explanation"


def test_human_output_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CONTRACT_CASE))
    p = _cli("origin", "determine", str(path))
    assert p.returncode == 0, p.stderr
    assert "ORIGINATING (criterion B)" in p.stdout
    assert "60.0% vs threshold 60%" in p.stdout
    s = _cli("origin", "schema")
    assert s.returncode == 0
    schemas = json.loads(s.stdout)
    assert set(schemas) == {"case", "result"}


def test_bad_case_reports_every_problem_located(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(CONTRACT_CASE))
    bad["materials"][0]["value"] = "forty"
    bad["transaction_value"] = -5
    del bad["good"]["hs"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    p = _cli("origin", "determine", str(path), "--json")
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert "materials[0].value" in p.stderr
    assert "transaction_value" in p.stderr
    assert "good.hs" in p.stderr
    with pytest.raises(ValidationError) as info:
        determine_origin(bad)
    assert len(info.value.problems) == 3
    bad["materials"].append({"id": "k", "description": "no value, no hs"})
    with pytest.raises(ValidationError) as info:
        determine_origin(bad)
    columns = {p.column for p in info.value.problems}
    assert {"materials", "materials[2].value", "materials[2].hs"} <= columns  # reported in the same run


def test_lazy_public_names() -> None:
    assert allyshore.determine_origin is determine_origin
    assert callable(allyshore.lookup_rule)


def test_schemas_are_json_schemas() -> None:
    assert case_schema()["title"].startswith("allyshore origin case")
    assert "materials" in case_schema()["properties"]
    assert result_schema()["properties"]["criterion"]["enum"][-1] is None


def test_result_is_frozen_and_has_frame() -> None:
    result = determine_origin(CONTRACT_CASE)
    with pytest.raises(AttributeError):
        result.originating = False  # type: ignore[misc]
    frame = result.to_frame()
    assert frame["criterion"].to_list() == ["B"]
    assert "criterion B" in result._repr_html_()
