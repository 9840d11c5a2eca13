"""In a real process, what a command prints with --json is JSON and nothing else.

In-process CLI tests capture Python's ``sys.stdout`` only; a native library (HiGHS prints a banner
when its first instance is made) or a Dask worker process writes to file descriptor 1 directly.
These tests run the installed entry point as a subprocess and parse its whole standard output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

NETWORK: dict[str, list[dict[str, Any]]] = {
    "sites": [
        {"site_id": "PL", "country": "MX", "kind": "plant"},
        {"site_id": "S1", "country": "CN", "kind": "supplier", "ttr_weeks": 4},
        {"site_id": "C", "country": "US", "kind": "customer"},
    ],
    "items": [{"item_id": "G", "hs_code": "9018.90", "profit_per_unit": 40}, {"item_id": "K", "hs_code": "8536.50"}],
    "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
    "supply": [
        {"site_id": "PL", "item_id": "G", "unit_price": 100, "capacity_per_week": 50, "inventory": 30},
        {"site_id": "S1", "item_id": "K", "unit_price": 18, "capacity_per_week": 80, "inventory": 20},
    ],
    "flows": [
        {"from_site": "S1", "to_site": "PL", "item_id": "K", "mode": "ocean", "transit_days": 32},
        {"from_site": "PL", "to_site": "C", "item_id": "G", "mode": "truck", "transit_days": 3, "crossing": "Laredo"},
    ],
    "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 40}],
}


def _json_of(tmp_path: Path, *argv: str) -> Any:
    network = tmp_path / "net.json"
    network.write_text(json.dumps(NETWORK), encoding="utf-8")
    args = [arg.replace("{net}", str(network)) for arg in argv]
    done = subprocess.run(
        [sys.executable, "-m", "allyshore", *args, "--json"], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_stress_json_is_pure(tmp_path: Path) -> None:
    result = _json_of(tmp_path, "stress", "{net}")
    assert [s["disrupted"] for s in result["scenarios"]] == [["PL"], ["S1"]]


@pytest.mark.slow
def test_simulate_json_is_pure_with_worker_processes(tmp_path: Path) -> None:
    result = _json_of(tmp_path, "simulate", "{net}", "--runs", "40", "--seed", "3", "--workers", "2")
    assert result["runs"] == 40
