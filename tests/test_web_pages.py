"""The web pages on SQLite and on PostgreSQL (the shared ``platform`` of tests/web_fixtures.py): sign-in and the
session cookie, CSRF refusals, another organisation's ids (404 on every page route, enumerated from the app),
roles, uploads with every problem shown by file, row and column, runs, results, members and tokens.

:data:`PAGE_ROUTES` must name every route outside ``/api/v1`` (the API's own table is in test_web_isolation.py):
a new page route fails :func:`test_the_table_names_every_page_route` until it is given its row here.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from allyshore.catalog import ANALYSES, parse_options
from allyshore.io import validate_path
from allyshore.store.tenancy import Accounts
from allyshore.web.forms import FORMS, form_options
from allyshore.web.pages import PAGE_CSP, STATIC
from allyshore.web.security import RateLimit
from test_certify import PARTIES, pdf_text
from test_web_isolation import app_routes
from web_fixtures import ORIGIN_CASE, PASSWORD, Org, Platform, broken_network, sample_path

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """A signed-in browser: its client (with the session cookie) and its session's CSRF token."""

    client: TestClient
    csrf: str

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kwargs)


def sign_in(platform: Platform, email: str, password: str = PASSWORD, *, base_url: str = "http://testserver") -> Any:
    """A new client that opens the sign-in page and signs in; the client and the answer to the sign-in."""
    client = TestClient(platform.client.app, base_url=base_url)
    page = client.get("/sign-in")
    assert page.status_code == 200
    found = CSRF.search(page.text)
    assert found is not None
    answer = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": found.group(1), "next": "/networks"},
        follow_redirects=False,
    )
    return client, answer


def browser(platform: Platform, org: Org, role: str) -> Browser:
    client, answer = sign_in(platform, org.emails[role])
    assert answer.status_code == 303, answer.text
    found = CSRF.search(client.get("/networks").text)
    assert found is not None
    return Browser(client, found.group(1))


@pytest.fixture(scope="module")
def browsers(platform: Platform) -> Iterator[Callable[[Org, str], Browser]]:
    """Signed-in browsers of each organisation and role, made once per module (an Argon2 check each)."""
    made: dict[tuple[str, str], Browser] = {}

    def get(org: Org, role: str) -> Browser:
        if (org.name, role) not in made:
            made[org.name, role] = browser(platform, org, role)
        return made[org.name, role]

    yield get
    for b in made.values():
        b.client.close()


# ------------------------------------------------------------------------------------------- sign-in, session


def session_rows(platform: Platform) -> list[Any]:
    with platform.store.engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT session_hash, org_id, user_id, csrf_secret FROM web_sessions")))


def test_sign_in_makes_a_server_side_session_with_a_safe_cookie(platform: Platform) -> None:
    anonymous = TestClient(platform.client.app)
    first = anonymous.get("/networks", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/sign-in?next=%2Fnetworks")

    client, answer = sign_in(platform, platform.a.emails["analyst"])
    assert (answer.status_code, answer.headers["location"]) == (303, "/networks")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("allyshore_session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in attributes  # plain HTTP here; over HTTPS it is Secure (below)
    token = client.cookies["allyshore_session"]
    rows = {r.session_hash: r for r in session_rows(platform)}
    assert token not in rows  # only the hash is stored ...
    row = rows[hashlib.sha256(token.encode()).hexdigest()]  # ... this one, of the user's organisation
    user = Accounts(platform.store).user_by_email(platform.a.emails["analyst"])
    assert user is not None
    assert (row.org_id, row.user_id) == (user[0].org_id, user[0].user_id)
    page = client.get("/networks")
    assert page.status_code == 200
    assert platform.a.emails["analyst"] in page.text
    assert CSRF.search(page.text).group(1) == row.csrf_secret  # type: ignore[union-attr]

    _, answer = sign_in(platform, platform.a.emails["viewer"], base_url="https://testserver")
    assert answer.status_code == 303
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("allyshore_session="))
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}
    assert answer.headers["strict-transport-security"]


def test_wrong_passwords_and_forged_cookies_sign_nobody_in(platform: Platform) -> None:
    before = len(session_rows(platform))
    client, answer = sign_in(platform, platform.a.emails["viewer"], "not the password")
    assert answer.status_code == 401
    assert "Wrong email or password" in answer.text
    assert "allyshore_session" not in client.cookies
    _, unknown = sign_in(platform, "nobody@nowhere.example")
    assert unknown.status_code == 401
    assert len(session_rows(platform)) == before
    forged = TestClient(platform.client.app, cookies={"allyshore_session": "forged"})
    assert forged.get("/networks", follow_redirects=False).status_code == 303


def test_sign_in_needs_its_form_token(platform: Platform) -> None:
    client = TestClient(platform.client.app)
    data = {"email": platform.a.emails["admin"], "password": PASSWORD}
    refused = client.post("/sign-in", data=data, follow_redirects=False)  # a form posted from another site
    assert refused.status_code == 403
    client.get("/sign-in")
    wrong = client.post("/sign-in", data={**data, "csrf_token": "guessed"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert "allyshore_session" not in client.cookies


def test_sign_in_is_rate_limited(platform: Platform) -> None:
    app = platform.client.app
    app.state.sign_in_limit = RateLimit(attempts=2, window=60)  # type: ignore[attr-defined]
    try:
        email = platform.b.emails["analyst"]
        codes = [sign_in(platform, email, "wrong")[1].status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        blocked = sign_in(platform, email)[1]  # the right password too, until the window has passed
        assert blocked.status_code == 429
        assert "Too many failed sign-ins" in blocked.text
    finally:
        app.state.sign_in_limit = RateLimit()  # type: ignore[attr-defined]


def test_sign_out_ends_the_session(platform: Platform) -> None:
    b = browser(platform, platform.b, "viewer")
    token = b.client.cookies["allyshore_session"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert digest in {r.session_hash for r in session_rows(platform)}
    refused = b.client.post("/sign-out", follow_redirects=False)  # without the CSRF token: refused
    assert refused.status_code == 403
    out = b.post("/sign-out")
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in")
    assert digest not in {r.session_hash for r in session_rows(platform)}
    replayed = TestClient(platform.client.app, cookies={"allyshore_session": token})
    assert replayed.get("/networks", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------------------------------- every page route

PUBLIC, ANY, WRITER, ADMIN = "public", "any", "writer", "admin"


@dataclass(frozen=True)
class Page:
    rule: str
    form: Callable[[], dict[str, Any]] = dict


def _upload() -> dict[str, Any]:
    path = sample_path()
    return {"files": {"file": (path.name, path.read_bytes())}}


PAGE_ROUTES: dict[tuple[str, str], Page] = {
    ("GET", "/"): Page(PUBLIC),
    ("GET", "/sign-in"): Page(PUBLIC),
    ("POST", "/sign-in"): Page(PUBLIC),
    ("POST", "/sign-out"): Page(ANY),
    ("GET", "/networks"): Page(ANY),
    ("POST", "/networks"): Page(WRITER, _upload),
    ("GET", "/networks/{network_id}"): Page(ANY),
    ("GET", "/networks/{network_id}/download.json"): Page(ANY),
    ("POST", "/networks/{network_id}/runs"): Page(WRITER, lambda: {"data": {"analysis": "origin"}}),
    ("GET", "/runs"): Page(ANY),
    ("GET", "/runs/{run_id}"): Page(ANY),
    ("GET", "/runs/{run_id}/progress"): Page(ANY),
    ("POST", "/runs/{run_id}/cancel"): Page(WRITER),
    ("GET", "/runs/{run_id}/result"): Page(ANY),
    ("GET", "/runs/{run_id}/result.json"): Page(ANY),
    ("GET", "/members"): Page(ADMIN),
    ("POST", "/members"): Page(ADMIN, lambda: {"data": {"email": "x@x.example", "password": PASSWORD}}),
    ("GET", "/tokens"): Page(ANY),
    ("POST", "/tokens"): Page(WRITER, lambda: {"data": {"name": "t"}}),
    ("POST", "/tokens/{token_id}/revoke"): Page(ANY),
    ("GET", "/origin/records"): Page(ANY),
    ("POST", "/origin/records"): Page(WRITER, lambda: {"files": {"case": ("case.json", json.dumps(ORIGIN_CASE))}}),
    ("GET", "/origin/records/{record_id}"): Page(ANY),
    ("POST", "/origin/records/{record_id}/certificate"): Page(
        WRITER, lambda: {"data": {"parties": json.dumps(PARTIES)}}
    ),
    ("GET", "/static/{name}"): Page(PUBLIC),
}


def test_the_table_names_every_page_route(platform: Platform) -> None:
    pages = {r for r in app_routes(platform) if not r[1].startswith("/api/")}
    assert not pages - set(PAGE_ROUTES), f"page routes without a row in PAGE_ROUTES: {sorted(pages - set(PAGE_ROUTES))}"
    assert not set(PAGE_ROUTES) - pages, "PAGE_ROUTES names a route the app does not have"


def request(b: Browser | TestClient, method: str, path: str, page: Page, csrf: bool = True) -> Any:
    client = b.client if isinstance(b, Browser) else b
    kwargs = page.form()
    if method == "POST" and csrf and isinstance(b, Browser):
        kwargs["data"] = {"csrf_token": b.csrf, **kwargs.get("data", {})}
    return client.request(method, path, follow_redirects=False, **kwargs)


def a_token_id(platform: Platform, org: Org) -> int:
    found = Accounts(platform.store).user_by_email(org.emails["admin"])
    assert found is not None
    return Accounts(platform.store).issue_token(found[0], name="victim")[0]


@pytest.mark.parametrize("role", ["admin", "analyst", "viewer"])
def test_organisation_b_gets_404_for_every_id_of_organisation_a(
    platform: Platform, browsers: Callable[[Org, str], Browser], role: str
) -> None:
    a, b = platform.a, browsers(platform.b, role)
    ids = {
        "network_id": a.network_id,
        "run_id": a.run_id,
        "token_id": a_token_id(platform, a),
        "record_id": a.record_id,
        "name": "app.css",
    }
    secrets = {a.network_id, a.run_id, a.record_hash, *a.emails.values()}
    for (method, template), page in sorted(PAGE_ROUTES.items()):
        if "{" not in template or page.rule == PUBLIC:
            continue
        response = request(b, method, template.format(**ids), page)
        assert response.status_code == 404, (method, template, role, response.status_code)
        sent = {str(v) for k, v in ids.items() if f"{{{k}}}" in template}
        assert not any(s in response.text for s in secrets - sent), (method, template)
        absent = request(
            b,
            method,
            template.format(
                **{**ids, "network_id": uuid.uuid4().hex, "run_id": "x" * 32, "token_id": 10**9, "record_id": 10**9}
            ),
            page,
        )
        assert absent.status_code == 404  # the same as an id that does not exist
    # A's run and token are as they were
    runs = platform.client.get(f"/api/v1/runs/{a.run_id}", headers=a.auth()).json()
    assert runs["status"] == "succeeded"
    tokens = platform.client.get("/api/v1/tokens", headers=a.auth()).json()
    assert not next(t for t in tokens if t["id"] == ids["token_id"])["revoked"]


def test_without_a_session_every_page_sends_to_sign_in(platform: Platform) -> None:
    anonymous = TestClient(platform.client.app)
    a = platform.a
    ids = {"network_id": a.network_id, "run_id": a.run_id, "token_id": 1, "record_id": a.record_id, "name": "app.css"}
    for (method, template), page in sorted(PAGE_ROUTES.items()):
        response = request(anonymous, method, template.format(**ids), page)
        if page.rule == PUBLIC:
            assert response.status_code in (200, 303, 403), (method, template)  # POST /sign-in: no form token
            continue
        assert response.status_code == 303, (method, template, response.status_code)
        assert response.headers["location"].startswith("/sign-in")
    polled = anonymous.get(f"/runs/{platform.a.run_id}/progress", headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"].startswith("/sign-in")


def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    a = platform.a
    b = browsers(a, "admin")
    ids = {
        "network_id": a.network_id,
        "run_id": a.run_id,
        "token_id": a_token_id(platform, a),
        "record_id": a.record_id,
    }
    audit_before = len(platform.client.get("/api/v1/audit", headers=a.auth()).json())
    for (method, template), page in sorted(PAGE_ROUTES.items()):
        if method != "POST" or page.rule == PUBLIC:
            continue
        path = template.format(**ids)
        assert request(b, method, path, page, csrf=False).status_code == 403, template
        forged = page.form()
        forged["data"] = {**forged.get("data", {}), "csrf_token": "not-the-token"}
        assert b.client.post(path, follow_redirects=False, **forged).status_code == 403, template
    assert len(platform.client.get("/api/v1/audit", headers=a.auth()).json()) == audit_before  # nothing written
    # htmx sends the token as a header instead (hx-headers on the page's body)
    page = b.client.get("/networks").text
    assert f'hx-headers=\'{{"X-CSRF-Token": "{b.csrf}"}}\'' in page
    made = b.client.post("/tokens", data={"name": "by header"}, headers={"X-CSRF-Token": b.csrf})
    assert made.status_code == 201


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_roles_on_the_pages(platform: Platform, browsers: Callable[[Org, str], Browser], role: str) -> None:
    b = browsers(platform.a, role)
    assert b.client.get("/members").status_code == 403
    assert b.post("/members", {"email": "m@a.example", "password": PASSWORD}).status_code == 403
    networks = b.client.get("/networks").text
    network = b.client.get(f"/networks/{platform.a.network_id}").text
    if role == "viewer":
        assert 'action="/networks"' not in networks and "Run exposure" not in network
        assert b.post(f"/networks/{platform.a.network_id}/runs", {"analysis": "exposure"}).status_code == 403
        assert b.post("/networks", **_upload()).status_code == 403
    else:
        assert 'action="/networks"' in networks and "Run exposure" in network
    assert "Members" not in b.client.get("/tokens").text.split("<main")[0]


# ------------------------------------------------------------------------------------------- uploads


def test_an_invalid_upload_shows_every_problem_by_file_row_and_column(
    platform: Platform, browsers: Callable[[Org, str], Browser], tmp_path: Path
) -> None:
    b = browsers(platform.a, "analyst")
    path = broken_network(tmp_path)
    before = platform.client.get("/api/v1/networks", headers=platform.a.auth()).json()
    response = b.post("/networks", files={"file": ("broken.json", path.read_bytes())})
    assert response.status_code == 422
    rows = re.findall(r'<tr class="problem[^"]*">(.*?)</tr>', response.text, re.S)
    cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    expected = [p for p in validate_path(path) if p.severity == "error"]
    assert len(expected) == 2  # the two broken values
    shown = {(c[0], c[1], c[2], html.unescape(c[3])) for c in cells}
    for problem in expected:
        where = (f"broken.json [{problem.table}]", str(problem.row), problem.column, problem.message)
        assert where in shown, (where, shown)
    assert f"{len(expected)} problems in broken.json" in response.text
    assert platform.client.get("/api/v1/networks", headers=platform.a.auth()).json() == before  # nothing stored
    empty = b.post("/networks", files={"file": ("", b"")})
    assert empty.status_code == 422


def test_a_valid_upload_opens_its_page_with_the_map_and_the_exposure_summary(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    b = browsers(platform.b, "analyst")
    made = b.post("/networks", **_upload())
    assert made.status_code == 303
    page = b.client.get(made.headers["location"])
    assert page.status_code == 200
    assert 'data-section="map"' in page.text and 'data-section="exposure"' in page.text
    assert "<svg" in page.text
    for form in FORMS:  # a form per analysis, each input labelled
        assert f'id="form-{form.analysis}"' in page.text
        for option in form.options:
            assert f'<label for="{form.analysis}-{option.name}">' in page.text
    network_id = made.headers["location"].rsplit("/", 1)[1]
    got = b.client.get(f"/networks/{network_id}/download.json")
    assert got.json() == json.loads(
        platform.client.get(f"/api/v1/networks/{network_id}/download", headers=platform.b.auth()).text
    )


# ------------------------------------------------------------------------------------------- runs and results


def test_a_run_from_its_form_to_its_result(platform: Platform, browsers: Callable[[Org, str], Browser]) -> None:
    b = browsers(platform.a, "analyst")
    network = platform.a.network_id
    started = b.post(f"/networks/{network}/runs", {"analysis": "exposure", "choke-points": "5"})
    assert started.status_code == 303
    run_id = started.headers["location"].rsplit("/", 1)[1]
    run = platform.client.get(f"/api/v1/runs/{run_id}", headers=platform.a.auth()).json()
    assert (run["analysis"], run["options"]["choke_points"], run["status"]) == ("exposure", 5, "queued")
    page = b.client.get(f"/runs/{run_id}").text
    assert 'hx-trigger="every 1s"' in page and "Cancel the run" in page
    platform.run_pending()
    fragment = b.client.get(f"/runs/{run_id}/progress", headers={"HX-Request": "true"}).text
    assert 'data-status="succeeded"' in fragment and "hx-trigger" not in fragment  # polling stops
    assert '<div id="run-actions" hx-swap-oob="true"></div>' in fragment  # the cancel button goes
    result = b.client.get(f"/runs/{run_id}/result")
    assert result.status_code == 200
    report = platform.client.get(f"/api/v1/runs/{run_id}/report", headers=platform.a.auth()).text
    main = report.split('<main class="wrap">', 1)[1].rsplit("</main>", 1)[0]
    assert main in result.text  # the report's sections, as the API gives them
    assert 'data-section="chokepoints"' in result.text
    download = b.client.get(f"/runs/{run_id}/result.json")
    assert download.text == platform.client.get(f"/api/v1/runs/{run_id}/result", headers=platform.a.auth()).text


def test_bad_options_are_shown_on_the_form_and_cancel_stops_a_queued_run(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    b = browsers(platform.a, "analyst")
    network = platform.a.network_id
    bad = b.post(f"/networks/{network}/runs", {"analysis": "simulate", "runs": "0"})
    assert bad.status_code == 422
    assert 'id="form-simulate-error"' in bad.text and "runs" in bad.text
    started = b.post(
        f"/networks/{network}/runs", {"analysis": "stress", "sites": "S1, S2", "inventory-destroyed": "true"}
    )
    run_id = started.headers["location"].rsplit("/", 1)[1]
    run = platform.client.get(f"/api/v1/runs/{run_id}", headers=platform.a.auth()).json()
    assert run["options"]["sites"] == ["S1, S2"] and run["options"]["inventory_destroyed"] is True
    assert b.client.get(f"/runs/{run_id}/result").status_code == 409
    cancelled = b.post(f"/runs/{run_id}/cancel")
    assert cancelled.status_code == 303
    assert platform.client.get(f"/api/v1/runs/{run_id}", headers=platform.a.auth()).json()["status"] == "cancelled"


def test_each_form_names_options_of_its_command_and_empty_means_the_defaults() -> None:
    assert {f.analysis for f in FORMS} == set(ANALYSES)
    for form in FORMS:
        fields = ANALYSES[form.analysis].options.model_fields
        for option in form.options:
            assert option.field in fields, (form.analysis, option.name)
            if option.kind == "checkbox":  # an unticked box must mean the command's default
                assert fields[option.field].default is False, (form.analysis, option.name)
        assert parse_options(form.analysis, form_options(form.analysis, {})) == parse_options(form.analysis, {})


# ------------------------------------------------------------------------------------------- members, tokens


def test_an_administrator_adds_a_member_who_then_signs_in(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    b = browsers(platform.b, "admin")
    email = f"new-{uuid.uuid4().hex[:8]}@b.example"
    short = b.post("/members", {"email": email, "role": "analyst", "password": "short"})
    assert short.status_code == 422 and "password" in short.text
    added = b.post("/members", {"email": email, "role": "analyst", "password": PASSWORD})
    assert added.status_code == 201 and email in added.text
    again = b.post("/members", {"email": email, "role": "analyst", "password": PASSWORD})
    assert again.status_code == 422 and "exists already" in again.text
    _, answer = sign_in(platform, email)
    assert answer.status_code == 303


# ------------------------------------------------------------------------------------------- origin records


def audit_actions(platform: Platform, org: Org) -> list[tuple[str, str | None]]:
    return [(e["action"], e["target"]) for e in platform.client.get("/api/v1/audit", headers=org.auth()).json()]


def test_origin_records_are_listed_shown_and_certified_as_pdf(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    a = platform.a
    analyst, viewer = browsers(a, "analyst"), browsers(a, "viewer")
    listed = viewer.client.get("/origin/records")
    assert listed.status_code == 200
    assert 'href="/origin/records" aria-current="page"' in listed.text  # in the navigation
    row = re.search(rf'<td class="num">{a.record_id}</td>(.*?)</tr>', listed.text, re.S)
    assert row is not None
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
    # the case of tests/test_certify.py: RVC net cost (88 - 40) / 88 = 54.5% >= 50%, criterion B
    assert cells[:3] == ["Good A", "901890", "originating (B)"] and cells[4] == a.record_hash[:12], cells
    assert 'action="/origin/records"' not in listed.text  # a viewer saves no case

    page = viewer.client.get(f"/origin/records/{a.record_id}")
    assert page.status_code == 200
    facts = dict(re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", page.text))
    assert (facts["Verdict"], facts["Criterion"], facts["Regional value content"]) == ("originating", "B", "54.5%")
    assert facts["Content hash"] == a.record_hash and facts["Verification"] == "verified"
    assert "(NC 88.00 − VNM 40.00) ÷ NC 88.00 × 100 = 54.5%" in html.unescape(page.text)  # the explanation
    assert "certificate-form" not in page.text  # a viewer reads records but does not certify
    assert (
        viewer.post(f"/origin/records/{a.record_id}/certificate", {"parties": json.dumps(PARTIES)}).status_code == 403
    )

    form = analyst.client.get(f"/origin/records/{a.record_id}").text
    for field, label in (("parties", "Parties (JSON)"), ("blanket-from", "From"), ("blanket-to", "To")):
        assert f'<label for="{field}">{label}</label>' in form and f'id="{field}"' in form
    body = {"parties": json.dumps(PARTIES), "blanket_from": "2027-01-01", "blanket_to": "2027-12-31"}
    pdf = analyst.post(f"/origin/records/{a.record_id}/certificate", body)
    assert pdf.status_code == 200, pdf.text[:500]
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="certification-of-origin-{a.record_id}.pdf"'
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert f"record {a.record_id}" in text and a.record_hash in text.replace(" ", "")
    assert "2027-01-01" in text and "2027-12-31" in text
    assert ("origin.certificate", str(a.record_id)) in audit_actions(platform, a)


def test_bad_parties_and_cases_are_shown_on_the_page_and_nothing_is_made(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    a = platform.a
    analyst = browsers(a, "analyst")
    path = f"/origin/records/{a.record_id}/certificate"
    certificates = audit_actions(platform, a).count(("origin.certificate", str(a.record_id)))
    broken = analyst.post(path, {"parties": "{not json"})
    assert broken.status_code == 422 and "not valid JSON" in broken.text
    missing = analyst.post(path, {"parties": json.dumps({"certifier_role": "exporter"})})
    assert missing.status_code == 422
    columns = re.findall(r'<td class="code">([^<]*)</td>\s*<td>', missing.text)
    assert {"certifier", "signature"} <= set(columns), columns  # every problem, by its field
    # a blanket period of more than 12 months (USMCA Annex 5-A element 8)
    long = analyst.post(
        path, {"parties": json.dumps(PARTIES), "blanket_from": "2027-01-01", "blanket_to": "2028-06-30"}
    )
    assert long.status_code == 422 and "12 months" in html.unescape(long.text)
    assert json.dumps(PARTIES) in html.unescape(long.text)  # the form keeps what was typed
    assert audit_actions(platform, a).count(("origin.certificate", str(a.record_id))) == certificates

    before = [r["id"] for r in platform.client.get("/api/v1/origin/records", headers=a.auth()).json()]
    bad_case = json.dumps({**ORIGIN_CASE, "materials": [{"id": "x"}]})
    refused = analyst.post("/origin/records", files={"case": ("bad-case.json", bad_case)})
    assert refused.status_code == 422 and "bad-case.json was not saved" in refused.text
    assert re.search(r'<td class="code">materials', refused.text)
    not_json = analyst.post("/origin/records", files={"case": ("x.json", b"\xff")})
    assert not_json.status_code == 422 and "not valid JSON" in not_json.text
    assert [r["id"] for r in platform.client.get("/api/v1/origin/records", headers=a.auth()).json()] == before


def test_a_case_uploaded_on_the_page_becomes_a_record_of_the_organisation_only(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    a, b = platform.a, platform.b
    saved = browsers(a, "analyst").post("/origin/records", files={"case": ("case.json", json.dumps(ORIGIN_CASE))})
    assert saved.status_code == 303
    record_id = int(saved.headers["location"].rsplit("/", 1)[1])
    record = platform.client.get(f"/api/v1/origin/records/{record_id}", headers=a.auth()).json()
    assert record["inputs"] == ORIGIN_CASE and record["originating"] and record["verified"] is True
    assert ("origin.record.create", str(record_id)) in audit_actions(platform, a)
    assert browsers(b, "admin").client.get(f"/origin/records/{record_id}").status_code == 404
    assert f'/origin/records/{record_id}"' not in browsers(b, "admin").client.get("/origin/records").text


def test_a_token_made_on_the_page_is_shown_once_works_and_is_revoked(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    b = browsers(platform.b, "analyst")
    made = b.post("/tokens", {"name": "page token", "scope": "read"})
    assert made.status_code == 201
    token = re.search(r'<code class="token" id="new-token">(alsh_[^<]+)</code>', made.text)
    assert token is not None
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    assert platform.client.get("/api/v1/me", headers=headers).json()["scope"] == "read"
    listing = b.client.get("/tokens").text
    assert token.group(1) not in listing and "page token" in listing
    token_id = next(
        t["id"] for t in platform.client.get("/api/v1/tokens", headers=headers).json() if t["name"] == "page token"
    )
    assert b.post(f"/tokens/{token_id}/revoke").status_code == 303
    assert platform.client.get("/api/v1/me", headers=headers).status_code == 401


# ------------------------------------------------------------------------------------------- headers, static


def test_pages_carry_a_strict_policy_and_no_inline_script(
    platform: Platform, browsers: Callable[[Org, str], Browser]
) -> None:
    script = PAGE_CSP.split("script-src", 1)[1].split(";", 1)[0]
    assert script.strip() == "'self'" and "frame-ancestors 'none'" in PAGE_CSP
    b = browsers(platform.a, "admin")
    for path in (
        "/networks",
        f"/networks/{platform.a.network_id}",
        f"/runs/{platform.a.run_id}",
        f"/runs/{platform.a.run_id}/result",
        "/runs",
        "/members",
        "/tokens",
    ):
        response = b.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == PAGE_CSP
        assert response.headers["x-frame-options"] == "DENY"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), path  # every script is a file
        assert not re.search(r"\son[a-z]+=", response.text), path  # no inline event handler
    for name in STATIC:
        assert b.client.get(f"/static/{name}").status_code == 200
    assert b.client.get("/static/../app.py").status_code == 404
    licence = Path(__file__).resolve().parents[1] / "src/allyshore/web/static/htmx.LICENSE"
    assert "Zero-Clause BSD" in licence.read_text(encoding="utf-8")
