"""What the web platform's tests share: one application per database (SQLite file, PostgreSQL schema of its own),
two organisations with a user of each role, and a sample network uploaded by organisation A.

PostgreSQL is the server on 127.0.0.1:5432, database ``test`` (``ALLYSHORE_TEST_POSTGRES_URL`` overrides it), as in
tests/test_origin_store.py: each test module makes a schema, and drops it at the end; the tests on it skip, saying
why, only when no server answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from allyshore.samples import sample_file
from allyshore.store import Store, open_store
from allyshore.store.tenancy import Accounts
from allyshore.web import Settings, create_app
from allyshore.web.runner import Runner
from allyshore.web.security import hash_password
from pg_schema import postgres_schema
from test_certify import CASE as ORIGIN_CASE  # RVC net cost (88 - 40) / 88 = 54.5% >= 50%: criterion B

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "analyst", "viewer")


def sample_path() -> Path:
    with sample_file("infusion-pump") as path:
        return Path(path)


def broken_network(folder: Path, name: str = "broken.json") -> Path:
    """The sample with two broken values: site 3's country (Atlantis) and item 2's unit cost (cheap)."""
    import json

    data = json.loads(sample_path().read_text(encoding="utf-8"))
    data["sites"][2]["country"] = "Atlantis"
    data["items"][1]["unit_cost"] = "cheap"
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@dataclass
class Org:
    name: str
    tokens: dict[str, str] = field(default_factory=dict)  # role -> bearer token
    emails: dict[str, str] = field(default_factory=dict)
    network_id: str = ""
    run_id: str = ""
    record_id: int = 0
    record_hash: str = ""

    def auth(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@dataclass
class Platform:
    url: str
    store: Store
    client: TestClient
    a: Org
    b: Org

    def run_pending(self) -> int:
        return Runner(self.store, server={"scheduler": "synchronous"}).run_pending()

    def upload(self, org: Org, path: Path, name: str | None = None, role: str = "admin") -> Any:
        return self.client.post(
            "/api/v1/networks", headers=org.auth(role), files={"file": (name or path.name, path.read_bytes())}
        )


def database_urls(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'allyshore.db'}"
    else:
        yield from postgres_schema("allyshore_web")


def make_platform(url: str, folder: Path) -> Iterator[Platform]:
    store = open_store(url, key_file=folder / "store.key")
    app = create_app(Settings(url), store=store, start_runner=False)
    accounts = Accounts(store)
    hashed = hash_password(PASSWORD)  # one Argon2 hash for every user (each takes ~0.1-0.5 s by design)
    orgs = {}
    for name in ("A", "B"):
        org = Org(name)
        for role in ROLES:
            email = f"{role}@{name.lower()}.example"
            made = accounts.create_user(email, f"Org {name}", role, hashed)
            org.emails[role] = email
            org.tokens[role] = accounts.issue_token(made, name="setup")[1]  # sign-in itself: test_web_api
        orgs[name] = org
    client = TestClient(app)
    platform = Platform(url, store, client, orgs["A"], orgs["B"])
    for org in orgs.values():
        response = platform.upload(org, sample_path())
        assert response.status_code == 201, response.text
        org.network_id = response.json()["id"]
        if org is orgs["B"]:
            continue  # B's network is enough: the tests try B's users on A's things
        created = client.post(
            f"/api/v1/networks/{org.network_id}/runs",
            headers=org.auth(),
            json={"analysis": "exposure", "options": {"choke-points": 5}},
        )
        assert created.status_code == 202, created.text
        org.run_id = created.json()["id"]
        record = client.post("/api/v1/origin/records", headers=org.auth(), json={"case": ORIGIN_CASE})
        assert record.status_code == 201, record.text
        org.record_id, org.record_hash = record.json()["id"], record.json()["content_hash"]
    platform.run_pending()
    try:
        yield platform
    finally:
        client.close()
        store.close()
