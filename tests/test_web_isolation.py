"""Every route and method of the API, enumerated from the application itself, against organisations and roles.

- A user of organisation B gets 404 for every id of organisation A (an administrator of B, who has every right
  in B) or 403/404 (B's analyst and viewer, refused by role first), never A's data, and A's data stays as it was.
- Without credentials every route but sign-in and the OpenAPI document answers 401.
- Each role gets exactly the routes its table row allows (viewer: reads; analyst: reads and runs; admin: all).

:data:`ROUTES` must name every route: a new route fails :func:`test_the_table_names_every_route` until it is
given its row here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

from allyshore.store.tenancy import Accounts
from test_certify import PARTIES
from web_fixtures import ORIGIN_CASE, PASSWORD, Org, Platform, sample_path

PUBLIC, ANY, WRITER, ADMIN = "public", "any", "writer", "admin"
ALLOWED = {
    PUBLIC: {"admin", "analyst", "viewer"},
    ANY: {"admin", "analyst", "viewer"},
    WRITER: {"admin", "analyst"},
    ADMIN: {"admin"},
}


@dataclass(frozen=True)
class Case:
    """Who may call a route, and how to call it (a request body made fresh for each call)."""

    rule: str
    body: Callable[[], dict[str, Any]] = dict


def _upload() -> dict[str, Any]:
    path = sample_path()
    return {"files": {"file": (path.name, path.read_bytes())}}


def _member() -> dict[str, Any]:
    return {"json": {"email": f"new-{uuid.uuid4().hex[:8]}@x.example", "role": "viewer", "password": PASSWORD}}


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/openapi.json"): Case(PUBLIC),
    ("POST", "/api/v1/auth/token"): Case(PUBLIC, lambda: {"data": {"username": "x@x.example", "password": "x"}}),
    ("GET", "/api/v1/me"): Case(ANY),
    ("POST", "/api/v1/networks"): Case(WRITER, _upload),
    ("GET", "/api/v1/networks"): Case(ANY),
    ("GET", "/api/v1/networks/{network_id}"): Case(ANY),
    ("DELETE", "/api/v1/networks/{network_id}"): Case(ADMIN),
    ("GET", "/api/v1/networks/{network_id}/download"): Case(ANY),
    ("GET", "/api/v1/networks/{network_id}/runs"): Case(ANY),
    ("POST", "/api/v1/networks/{network_id}/runs"): Case(WRITER, lambda: {"json": {"analysis": "origin"}}),
    ("GET", "/api/v1/runs"): Case(ANY),
    ("GET", "/api/v1/runs/{run_id}"): Case(ANY),
    ("POST", "/api/v1/runs/{run_id}/cancel"): Case(WRITER),
    ("GET", "/api/v1/runs/{run_id}/result"): Case(ANY),
    ("GET", "/api/v1/runs/{run_id}/report"): Case(ANY),
    ("GET", "/api/v1/members"): Case(ADMIN),
    ("POST", "/api/v1/members"): Case(ADMIN, _member),
    ("GET", "/api/v1/tokens"): Case(ANY),
    ("POST", "/api/v1/tokens"): Case(WRITER, lambda: {"json": {"name": "t"}}),
    ("DELETE", "/api/v1/tokens/{token_id}"): Case(ANY),  # one's own token; an administrator's: any of the org's
    ("GET", "/api/v1/audit"): Case(ADMIN),
    ("GET", "/api/v1/origin/records"): Case(ANY),
    ("POST", "/api/v1/origin/records"): Case(WRITER, lambda: {"json": {"case": ORIGIN_CASE}}),
    ("GET", "/api/v1/origin/records/{record_id}"): Case(ANY),
    ("POST", "/api/v1/origin/records/{record_id}/certificate"): Case(WRITER, lambda: {"json": {"parties": PARTIES}}),
}
INTEGER_IDS = ("token_id", "record_id")


DELETE_NETWORK = ("DELETE", "/api/v1/networks/{network_id}")


def app_routes(platform: Platform) -> list[tuple[str, str]]:
    """Every (method, path) the application answers, routers included (walked, not read from the OpenAPI
    document, so a route hidden from it is found too)."""
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # a router included in the app (recent FastAPI)
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute | Route):
                methods = sorted(route.methods or ())
                found.extend((m, prefix + route.path) for m in methods if m not in ("HEAD", "OPTIONS"))
            else:
                raise AssertionError(f"a route of a kind this test cannot read: {route!r}")

    walk(platform.client.app.routes, "")  # type: ignore[attr-defined]
    return sorted(found)


def test_the_table_names_every_route(platform: Platform) -> None:
    routes = [r for r in app_routes(platform) if r[1].startswith("/api/")]  # the pages: test_web_pages.py
    missing = sorted(set(routes) - set(ROUTES))
    assert not missing, f"routes without a row in ROUTES (add each, with who may call it): {missing}"
    assert not set(ROUTES) - set(routes), "ROUTES names a route the app does not have"


def token_id_of(platform: Platform, org: Org, role: str) -> int:
    """A fresh token of ``org``'s ``role`` user (its id): something of A's to try to revoke."""
    found = Accounts(platform.store).user_by_email(org.emails[role])
    assert found is not None
    token_id, _ = Accounts(platform.store).issue_token(found[0], name="victim")
    return token_id


def fill(path: str, ids: dict[str, Any]) -> str:
    return path.format(**ids)


def call(platform: Platform, method: str, path: str, headers: dict[str, str], case: Case) -> Any:
    return platform.client.request(method, path, headers=headers, **case.body())


def secrets_of(org: Org) -> list[str]:
    return [org.network_id, org.run_id, org.record_hash, *org.emails.values()]


@pytest.mark.parametrize("role", ["admin", "analyst", "viewer"])
def test_organisation_b_never_sees_or_changes_organisation_a(platform: Platform, role: str) -> None:
    a, b = platform.a, platform.b
    ids = {
        "network_id": a.network_id,
        "run_id": a.run_id,
        "token_id": token_id_of(platform, a, "admin"),
        "record_id": a.record_id,
    }
    for (method, template), case in sorted(ROUTES.items()):
        path = fill(template, ids)
        response = call(platform, method, path, b.auth(role), case)
        assert response.status_code < 500, (method, template, response.text)
        sent = {str(v) for k, v in ids.items() if f"{{{k}}}" in template}  # a 404 may name the id it was asked for
        for secret in set(secrets_of(a)) - sent:
            assert secret not in response.text, (method, template, role)
        if "{" in template and case.rule != PUBLIC:
            expected = {404} if role in ALLOWED[case.rule] else {403, 404}
            assert response.status_code in expected, (method, template, role, response.status_code)
            # indistinguishable from an id that does not exist at all
            absent = {k: (10**9 if k in INTEGER_IDS else uuid.uuid4().hex) for k in ids}
            other = call(platform, method, fill(template, absent), b.auth(role), case)
            assert other.status_code == response.status_code
            assert other.json()["error"] == response.json()["error"]
    # A's network, run and token are as they were
    assert platform.client.get(f"/api/v1/networks/{a.network_id}", headers=a.auth()).status_code == 200
    run = platform.client.get(f"/api/v1/runs/{a.run_id}", headers=a.auth()).json()
    assert run["status"] == "succeeded"
    tokens = platform.client.get("/api/v1/tokens", headers=a.auth()).json()
    assert not next(t for t in tokens if t["id"] == ids["token_id"])["revoked"]
    record = platform.client.get(f"/api/v1/origin/records/{a.record_id}", headers=a.auth()).json()
    assert (record["content_hash"], record["verified"]) == (a.record_hash, True)


def test_without_credentials_every_route_but_sign_in_is_401(platform: Platform) -> None:
    ids = {"network_id": platform.a.network_id, "run_id": platform.a.run_id, "token_id": 1, "record_id": 1}
    for (method, template), case in sorted(ROUTES.items()):
        response = call(platform, method, fill(template, ids), {}, case)
        if case.rule == PUBLIC:
            assert response.status_code in (200, 401), (method, template)  # sign-in with a wrong password: 401
            continue
        assert response.status_code == 401, (method, template, response.status_code)
        assert response.json()["error"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def fresh_ids(platform: Platform, org: Org, role: str, deletes_network: bool) -> dict[str, Any]:
    """Ids of things of ``org`` made for one call (a call may delete or cancel them)."""
    made = platform.upload(org, sample_path()).json()["id"] if deletes_network else org.network_id
    run = platform.client.post(
        f"/api/v1/networks/{made}/runs", headers=org.auth(), json={"analysis": "origin"}
    ).json()["id"]
    return {"network_id": made, "run_id": run, "token_id": token_id_of(platform, org, role), "record_id": org.record_id}


@pytest.mark.parametrize("role", ["admin", "analyst", "viewer"])
def test_each_role_gets_exactly_what_its_row_allows(platform: Platform, role: str) -> None:
    org = platform.a
    shared = {"network_id": org.network_id, "run_id": org.run_id, "record_id": org.record_id}
    for (method, template), case in sorted(ROUTES.items()):
        if case.rule == PUBLIC:
            continue
        changes = method != "GET"
        if changes and "{" in template:
            ids = fresh_ids(platform, org, role, deletes_network=(method, template) == DELETE_NETWORK)
        else:
            ids = {**shared, "token_id": 0}
        response = call(platform, method, fill(template, ids), org.auth(role), case)
        if role in ALLOWED[case.rule]:
            assert response.status_code not in (401, 403, 404), (method, template, role, response.text)
            assert response.status_code < 500, (method, template, role)
        else:
            assert response.status_code == 403, (method, template, role, response.status_code)
            assert response.json()["error"] == "forbidden"
