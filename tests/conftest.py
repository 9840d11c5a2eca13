from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles: the default pass that `make test` runs, and `make fuzz` (HYPOTHESIS_PROFILE=fuzz), the
# long pass of the tests marked `fuzz` over generated hostile inputs (docs/testing.md).
settings.register_profile("fuzz", max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck))
# CI (.ci/run): the default pass with examples drawn from each test's fixed seed, so a run is repeatable and a
# failure found by a local run (random seeds) is never a surprise of one CI run.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

TINY: dict[str, Any] = {
    "sites": [
        {"site_id": "PL", "name": "Plant", "country": "MX", "kind": "plant"},
        {"site_id": "S1", "name": "Supplier 1", "country": "CN", "kind": "supplier", "ttr_weeks": 4},
        {"site_id": "S2", "name": "Supplier 2", "country": "US", "kind": "supplier", "ttr_weeks": 2},
        {"site_id": "C", "name": "Customer", "country": "US", "kind": "customer"},
    ],
    "items": [
        {"item_id": "G", "name": "Good", "hs_code": "9018.90", "unit_cost": 100, "profit_per_unit": 40},
        {"item_id": "K", "name": "Component", "hs_code": "8536.50", "unit_cost": 20},
    ],
    "bom": [{"parent_id": "G", "child_id": "K", "quantity": 2}],
    "supply": [
        {"site_id": "PL", "item_id": "G", "unit_price": 100, "capacity_per_week": 50, "inventory": 30},
        {"site_id": "S1", "item_id": "K", "unit_price": 18, "capacity_per_week": 80, "inventory": 20},
        {"site_id": "S2", "item_id": "K", "unit_price": 24, "capacity_per_week": 40, "status": "candidate"},
    ],
    "flows": [
        {
            "from_site": "S1",
            "to_site": "PL",
            "item_id": "K",
            "share": 1.0,
            "mode": "ocean",
            "transit_days": 32,
            "freight_per_unit": 0.8,
        },
        {
            "from_site": "S2",
            "to_site": "PL",
            "item_id": "K",
            "mode": "truck",
            "transit_days": 3,
            "freight_per_unit": 0.5,
            "crossing": "Laredo",
            "status": "candidate",
        },
        {
            "from_site": "PL",
            "to_site": "C",
            "item_id": "G",
            "share": 1.0,
            "mode": "truck",
            "transit_days": 3,
            "crossing": "Laredo",
        },
    ],
    "demand": [{"site_id": "C", "item_id": "G", "units_per_week": 40}],
}


@pytest.fixture
def tiny_document() -> dict[str, Any]:
    """A four-site, two-item network (the shape of the public contract check)."""
    return json.loads(json.dumps(TINY))


@pytest.fixture
def tiny_path(tmp_path: Path, tiny_document: dict[str, Any]) -> Path:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(tiny_document))
    return path


@pytest.fixture
def shared_data() -> Path:
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip("../shared/data is absent: the tests on real public data need it beside the repository")
    return data


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The web platform on each database, shared by the web tests of a session (tests/web_fixtures.py)."""
    from web_fixtures import database_urls, make_platform

    folder = tmp_path_factory.mktemp(f"web-{request.param}")
    for url in database_urls(request.param, folder):
        yield from make_platform(url, folder)
