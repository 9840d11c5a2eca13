"""The web pages: server-rendered HTML (Jinja2) beside the API, for people in a browser.

Sign-in and sign-out; the networks (list, upload with every problem of an invalid file by file, row and column);
a network's page (the report's map and exposure summary, a form per analysis, its runs); a run's page (progress
polled by htmx, cancel); a result's page (the report's sections of the run, as ``GET /api/v1/runs/{id}/report``
has them); members and tokens; origin records and their certificates (:mod:`allyshore.web.record_pages`). The pages read and write through the same store doors as the API
(:class:`~allyshore.store.tenancy.TenantStore` for the signed-in organisation), so another organisation's id is
"not found" (404) here too.

Every form works without script; htmx (vendored in ``static/``, 0BSD) only polls a run's progress. No inline script
anywhere: the pages' Content-Security-Policy allows scripts from the server itself only, and no framing.

:func:`install` adds the pages to the application (:func:`allyshore.web.app.create_app` calls it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import ValidationError as PydanticError
from starlette.datastructures import FormData, UploadFile

from allyshore.errors import AllyshoreError, InputError, NotFoundError
from allyshore.store import Store
from allyshore.store.sessions import SignedIn, WebSessions
from allyshore.store.tenancy import Accounts, Principal, TenantStore
from allyshore.web.security import RateLimit, hash_password, verify_password
from allyshore.web.sessions import (
    COOKIE,
    CSRF_FIELD,
    LIFETIME,
    PageError,
    SignInRequired,
    check_csrf,
    check_sign_in_form,
    clear_session_cookie,
    clear_sign_in_form,
    current,
    remember_sign_in_form,
    set_session_cookie,
    sign_in_value,
    signed_in,
)

#: The pages' policy: scripts and styles from this server only (style attributes allowed: the report's charts
#: use them), no plugin, no framing, forms posted here only.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
OVERVIEW_CACHE = 32
_OVERVIEW_LOCK = threading.Lock()


class PageRoute(APIRoute):
    """A page: a missing session sends the browser to sign in; a refusal or an id not found is an HTML page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return _to_sign_in(request)
            except PageError as exc:
                return error_page(request, exc.status, exc.title, exc.message)
            except NotFoundError:
                return error_page(request, 404, "Not found", "There is nothing here, or it is not yours to see.")
            except RequestValidationError:
                return error_page(request, 400, "Incomplete request", "The request lacks a field the page needs.")
            except AllyshoreError as exc:
                return error_page(request, 422, "Cannot do that", str(exc))

        return page


router = APIRouter(route_class=PageRoute, include_in_schema=False)


# ------------------------------------------------------------------------------------------- rendering


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("allyshore.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = lambda value: f"{100 * float(value):.0f}%"
    env.filters["when"] = lambda value: "" if not value else str(value)[:19].replace("T", " ") + " UTC"
    return env


def render(
    request: Request, template: str, status: int = 200, *, session: SignedIn | None = None, **context: Any
) -> HTMLResponse:
    """A page from ``templates/``, with the signed-in session (if any) for the navigation and the forms."""
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            me=session.principal if session else None,
            csrf=session.csrf if session else "",
            csrf_field=CSRF_FIELD,
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(html, status, headers={"Content-Security-Policy": PAGE_CSP})


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    if request.headers.get("HX-Request"):  # a polled fragment: say it in place
        return HTMLResponse(f'<p class="notice notice-bad">{_escape(message)}</p>', status)
    return render(request, "error.html.j2", status, session=signed_in(request), title=title, message=message)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = "/sign-in" + (f"?next={quote(target, safe='')}" if request.method == "GET" and target != "/" else "")
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": location})
    return RedirectResponse(location, 303)


def _local(target: str | None) -> str:
    """``target`` when it is a path of this site (never another site: ``//host`` or ``/\\host``), else /networks."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return "/networks"


def see(location: str) -> RedirectResponse:
    return RedirectResponse(location, 303)


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def tenant(request: Request, session: SignedIn) -> TenantStore:
    return TenantStore(store_of(request), session.principal.org_id)


async def posted(request: Request) -> tuple[SignedIn, FormData]:
    """The session and form of a POST, its CSRF token checked."""
    session = current(request)
    form = await request.form()
    check_csrf(request, session, form)
    return session, form


@asynccontextmanager
async def posted_file(request: Request, session: SignedIn, field: str) -> AsyncIterator[UploadFile | None]:
    """The file ``field`` of a writer's multipart POST (None when no file was chosen), its CSRF token and the
    writer's role checked first; the form's files are closed when the block ends."""
    async with request.form() as form:
        check_csrf(request, session, form)
        may_write(session.principal)
        file = form.get(field)
        yield file if isinstance(file, UploadFile) and file.filename else None


def may_write(principal: Principal) -> None:
    if not principal.can_write:
        raise PageError(403, "Not allowed", "Your role can read but not change this (ask an administrator).")


def may_administer(principal: Principal) -> None:
    if not principal.is_admin:
        raise PageError(403, "Not allowed", "Only an administrator of the organisation can see this page.")


def _text(form: FormData, name: str, limit: int = 1024) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


# ------------------------------------------------------------------------------------------- sign-in


@router.get("/")
def home(request: Request) -> Response:
    return see("/networks" if signed_in(request) else "/sign-in")


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> Response:
    if signed_in(request) is not None:
        return see(_local(next))
    return _sign_in_form(request, next=_local(next))


def _sign_in_form(request: Request, status: int = 200, *, next: str, email: str = "", error: str = "") -> Response:
    token = sign_in_value()
    response = render(request, "sign_in.html.j2", status, next=next, email=email, error=error, token=token)
    remember_sign_in_form(response, request, token)
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    check_sign_in_form(request, form)
    email, password, target = _text(form, "email", 320), _text(form, "password"), _local(_text(form, "next"))
    limit: RateLimit = request.app.state.sign_in_limit
    keys = (f"user:{email.strip().lower()}", f"client:{request.client.host if request.client else '-'}")
    if limit.blocked(*keys):
        return _sign_in_form(
            request, 429, next=target, email=email, error="Too many failed sign-ins: wait a few minutes."
        )
    accounts = Accounts(store_of(request))
    found = accounts.user_by_email(email)
    if found is None or not verify_password(found[1], password):
        limit.failed(*keys)
        return _sign_in_form(request, 401, next=target, email=email, error="Wrong email or password.")
    opened = WebSessions(store_of(request)).open(found[0], LIFETIME)
    response = see(target)
    set_session_cookie(response, request, opened)
    clear_sign_in_form(response, request)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    session, _ = await posted(request)
    WebSessions(store_of(request)).close(request.cookies.get(COOKIE, ""), session.principal)
    response = see("/sign-in")
    clear_session_cookie(response, request)
    return response


# ------------------------------------------------------------------------------------------- networks


@router.get("/networks")
def networks_page(request: Request) -> Response:
    session = current(request)
    return _networks(request, session)


def _networks(request: Request, session: SignedIn, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("problems", [])
    context.setdefault("error", "")
    context.setdefault("uploaded", "")
    return render(
        request, "networks.html.j2", status, session=session, networks=tenant(request, session).networks(), **context
    )


@router.post("/networks")
async def upload(request: Request) -> Response:
    from allyshore.web.uploads import UPLOAD_LIMITS, InvalidUpload, UploadTooLarge, read_upload

    session = current(request)
    async with posted_file(request, session, "file") as file:
        if file is None or not file.filename:
            return _networks(request, session, 422, error="Choose a network file to upload.")
        try:
            read = read_upload(file.file, file.filename, request.app.state.settings.upload_limits or UPLOAD_LIMITS)
        except UploadTooLarge as exc:
            return _networks(request, session, 413, error=str(exc), uploaded=file.filename)
        except InvalidUpload as exc:
            return _networks(request, session, 422, error=str(exc), problems=exc.problems, uploaded=file.filename or "")
    info = tenant(request, session).add_network(
        name=read.name,
        filename=read.filename,
        network_json=read.network_json,
        summary=read.summary,
        actor=session.principal,
    )
    return see(f"/networks/{info.id}")


def overview(request: Request, store: TenantStore, network_id: str) -> str:
    """The report's map and exposure summary of a network (kept for the last few networks shown: a stored
    network never changes)."""
    from allyshore.web.reports import network_overview, report_body
    from allyshore.web.uploads import network_from_json

    cache: dict[str, str] = request.app.state.page_overviews
    with _OVERVIEW_LOCK:
        found = cache.get(network_id)
    if found is None:
        info = store.network(network_id)
        found = report_body(network_overview(network_from_json(store.network_json(network_id), info.name)))
        with _OVERVIEW_LOCK:
            while len(cache) >= OVERVIEW_CACHE:
                cache.pop(next(iter(cache)))
            cache[network_id] = found
    return found


@router.get("/networks/{network_id}")
def network_page(network_id: str, request: Request) -> Response:
    session = current(request)
    return _network(request, session, network_id)


def _network(
    request: Request, session: SignedIn, network_id: str, status: int = 200, *, failed: str = "", error: str = ""
) -> HTMLResponse:
    from allyshore.web.forms import FORMS

    store = tenant(request, session)
    info = store.network(network_id)  # 404 for another organisation's id, before anything else
    try:
        body, overview_error = overview(request, store, network_id), ""
    except AllyshoreError as exc:
        body, overview_error = "", str(exc)
    return render(
        request,
        "network.html.j2",
        status,
        session=session,
        network=info,
        overview=body,
        overview_error=overview_error,
        forms=FORMS,
        runs=list(reversed(store.runs(network_id))),
        failed=failed,
        error=error,
    )


@router.get("/networks/{network_id}/download.json")
def network_download(network_id: str, request: Request) -> Response:
    """The stored network (JSON), as ``GET /api/v1/networks/{id}/download`` gives it."""
    session = current(request)
    store = tenant(request, session)
    info = store.network(network_id)
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in info.name)[:100] or "network"
    return Response(
        store.network_json(network_id),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{stem}.json"'},
    )


@router.post("/networks/{network_id}/runs")
async def start_run(network_id: str, request: Request) -> Response:
    from allyshore.catalog import parse_options
    from allyshore.web.forms import FORM_OF, form_options

    session, form = await posted(request)
    store = tenant(request, session)
    store.network(network_id)  # 404 first, whatever the form
    may_write(session.principal)
    analysis = _text(form, "analysis", 40)
    if analysis not in FORM_OF:
        raise PageError(422, "Unknown analysis", f"There is no analysis {analysis!r}.")
    try:
        options = parse_options(analysis, form_options(analysis, form))
    except InputError as exc:
        return _network(request, session, network_id, 422, failed=analysis, error=str(exc))
    run = store.create_run(network_id, analysis, options, actor=session.principal)
    wake: Callable[[], None] | None = getattr(request.app.state, "wake_runner", None)
    if wake is not None:
        wake()
    return see(f"/runs/{run.id}")


# ------------------------------------------------------------------------------------------- runs


@router.get("/runs")
def runs_page(request: Request) -> Response:
    session = current(request)
    store = tenant(request, session)
    names = {n.id: n.name for n in store.networks()}
    return render(request, "runs.html.j2", session=session, runs=list(reversed(store.runs())), names=names)


def _run_context(request: Request, session: SignedIn, run_id: str) -> dict[str, Any]:
    from allyshore.catalog import ANALYSES
    from allyshore.web.reports import has_report

    store = tenant(request, session)
    run = store.run(run_id)
    return {
        "run": run,
        "network": store.network(run.network_id),
        "has_report": has_report(run.analysis),
        "command": ANALYSES[run.analysis].command,
    }


@router.get("/runs/{run_id}")
def run_page(run_id: str, request: Request) -> Response:
    session = current(request)
    return render(request, "run.html.j2", session=session, **_run_context(request, session, run_id))


@router.get("/runs/{run_id}/progress")
def run_progress(run_id: str, request: Request) -> Response:
    """The run's status, polled by the run page every second until the run has finished."""
    session = current(request)
    return render(request, "_progress.html.j2", session=session, oob=True, **_run_context(request, session, run_id))


@router.post("/runs/{run_id}/cancel")
async def cancel(run_id: str, request: Request) -> Response:
    session, _ = await posted(request)
    store = tenant(request, session)
    store.run(run_id)
    may_write(session.principal)
    store.cancel_run(run_id, actor=session.principal)
    return see(f"/runs/{run_id}")


@router.get("/runs/{run_id}/result")
def result_page(run_id: str, request: Request) -> Response:
    from allyshore.web.reports import report_body

    session = current(request)
    store = tenant(request, session)
    context = _run_context(request, session, run_id)
    text = store.run_result(run_id)
    if text is None:
        raise PageError(409, "No result yet", f"This run has no result: it is {context['run'].status}.")
    html = store.run_report(run_id) if context["has_report"] else None
    sections = report_body(html) if html else ""
    preview = "" if sections else _preview(text)
    return render(request, "result.html.j2", session=session, sections=sections, preview=preview, **context)


def _preview(text: str, limit: int = 200_000) -> str:
    pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    return pretty if len(pretty) <= limit else pretty[:limit] + "\n... (download the whole result)"


@router.get("/runs/{run_id}/result.json")
def result_download(run_id: str, request: Request) -> Response:
    """The run's result, exactly as ``GET /api/v1/runs/{id}/result`` (the command's ``--json``)."""
    session = current(request)
    store = tenant(request, session)
    run = store.run(run_id)
    text = store.run_result(run_id)
    if text is None:
        raise PageError(409, "No result yet", f"This run has no result: it is {run.status}.")
    return Response(
        text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{run.analysis}-{run.id}.json"'},
    )


# ------------------------------------------------------------------------------------------- members, tokens


@router.get("/members")
def members_page(request: Request) -> Response:
    session = current(request)
    may_administer(session.principal)
    return _members(request, session)


def _members(request: Request, session: SignedIn, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("error", "")
    context.setdefault("added", "")
    context.setdefault("form", {})
    members = tenant(request, session).members()
    return render(request, "members.html.j2", status, session=session, members=members, **context)


@router.post("/members")
async def add_member(request: Request) -> Response:
    from allyshore.web.app import MemberIn, _org_name

    session, form = await posted(request)
    may_administer(session.principal)
    values = {"email": _text(form, "email", 400), "role": _text(form, "role", 20), "password": _text(form, "password")}
    try:
        body = MemberIn(**values)
    except PydanticError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _members(request, session, 422, error=f"{where}: {first['msg']}", form=values)
    store = store_of(request)
    if Accounts(store).user_by_email(body.email) is not None:  # said before the (slow) password hash
        return _members(request, session, 422, error=f"a user {body.email.strip().lower()} exists already", form=values)
    try:
        Accounts(store).create_user(
            body.email,
            _org_name(store, session.principal.org_id),
            body.role,
            hash_password(body.password),
            actor=session.principal.email,
        )
    except InputError as exc:
        return _members(request, session, 422, error=str(exc), form=values)
    return _members(request, session, 201, added=body.email.strip().lower())


@router.get("/tokens")
def tokens_page(request: Request) -> Response:
    session = current(request)
    return _tokens(request, session)


def _tokens(request: Request, session: SignedIn, status: int = 200, *, new_token: str = "") -> HTMLResponse:
    me = session.principal
    store = tenant(request, session)
    tokens = store.tokens(None if me.is_admin else me.user_id)
    emails = {m["id"]: m["email"] for m in store.members()}
    return render(request, "tokens.html.j2", status, session=session, tokens=tokens, emails=emails, new_token=new_token)


@router.post("/tokens")
async def create_token(request: Request) -> Response:
    session, form = await posted(request)
    may_write(session.principal)
    scope = _text(form, "scope", 10) or "write"
    name = _text(form, "name", 200).strip() or "api"
    _, token = Accounts(store_of(request)).issue_token(session.principal, name=name, scope=scope)
    return _tokens(request, session, 201, new_token=token)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(token_id: int, request: Request) -> Response:
    session, _ = await posted(request)
    me = session.principal
    tenant(request, session).revoke_token(token_id, actor=me, own_only=not me.is_admin)
    return see("/tokens")


# ------------------------------------------------------------------------------------------- static files

#: The files the pages load: the vendored htmx (0BSD) and the pages' styles, and the report's own styles and
#: script (the result pages show its sections).
STATIC = {
    "htmx.min.js": ("web", "text/javascript"),
    "app.css": ("web", "text/css"),
    "report.css": ("report", "text/css"),
    "report.js": ("report", "text/javascript"),
}


@lru_cache(maxsize=len(STATIC))
def _static_text(name: str) -> str:
    if STATIC[name][0] == "report":
        from allyshore.report import asset_text

        return asset_text(name)
    return resources.files("allyshore.web").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        raise NotFoundError(f"no file {name}")
    return Response(
        _static_text(name),
        media_type=STATIC[name][1],
        headers={"Cache-Control": "public, max-age=3600", "Content-Security-Policy": PAGE_CSP},
    )


def install(app: FastAPI) -> None:
    """Add the pages to ``app`` (beside the API; not in its OpenAPI document)."""
    from allyshore.web import record_pages

    app.state.page_overviews = {}
    app.include_router(router)
    app.include_router(record_pages.router)
