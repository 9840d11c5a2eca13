"""The web application: REST API v1 (``/api/v1``, OpenAPI at ``/api/v1/openapi.json``).

:func:`create_app` is the factory (nothing is connected at import time). Routes hold no query of their own:
every read and write of an organisation's data goes through :class:`~allyshore.store.tenancy.TenantStore`
made for the caller's organisation, so an id of another organisation is "not found" (404), never its data.

One error shape everywhere: ``{"error": CODE, "message": TEXT, "problems": [...]}`` (``problems`` lists the
file, row, column, message and hint of each problem of an invalid network, and is empty otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from allyshore.errors import AllyshoreError, InputError, NotFoundError
from allyshore.io.limits import ReadLimits
from allyshore.store import Store, open_store
from allyshore.store.tenancy import Accounts, Principal, TenantStore
from allyshore.web.pages import install as install_pages
from allyshore.web.security import RateLimit, hash_password, verify_password

log = logging.getLogger("allyshore.web")
API = "/api/v1"
SESSION_LIFETIME = timedelta(hours=12)


@dataclass
class Settings:
    """What the server is started with."""

    database_url: str
    #: worker threads of the embedded runner (0: no embedded runner; ``allyshore worker`` runs the jobs)
    runner_threads: int = 2
    #: settings of the machine the analyses read (``scheduler``, ``workers``, ``data_dir``): never the caller's
    analysis_settings: dict[str, Any] = field(default_factory=dict)
    key_file: str | None = None
    #: bounds on an uploaded network (default :data:`allyshore.web.uploads.UPLOAD_LIMITS`)
    upload_limits: ReadLimits | None = None


class ApiError(Exception):
    """An error with its HTTP status, code and message (and problems)."""

    def __init__(
        self, status: int, code: str, message: str, problems: list[dict[str, Any]] | None = None, **headers: str
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.problems = problems or []
        self.headers = headers


def error_body(code: str, message: str, problems: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "problems": problems or []}


class ErrorOut(BaseModel):
    error: str
    message: str
    problems: list[dict[str, Any]]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"


class NetworkOut(BaseModel):
    id: str
    name: str
    filename: str
    summary: dict[str, int]
    created_at: str | None


class RunIn(BaseModel):
    analysis: Literal["exposure", "origin", "cost", "stress", "simulate", "optimize", "capacity-match"]
    options: dict[str, Any] = Field(default_factory=dict)


class RunCreated(BaseModel):
    id: str
    status: str


class RunOut(BaseModel):
    id: str
    network_id: str
    analysis: str
    options: dict[str, Any]
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    progress: float
    message: str | None
    error: str | None
    created_at: str | None
    started_at: str | None
    finished_at: str | None


class MemberIn(BaseModel):
    email: str = Field(max_length=320)
    role: Literal["admin", "analyst", "viewer"] = "viewer"
    password: str = Field(min_length=12, max_length=1024)


class MemberOut(BaseModel):
    id: int
    email: str
    role: str
    created_at: str | None


class TokenIn(BaseModel):
    name: str = Field("api", max_length=200)
    scope: Literal["read", "write"] = "write"


class TokenCreated(BaseModel):
    id: int
    token: str
    scope: str


class TokenInfoOut(BaseModel):
    id: int
    user_id: int
    name: str
    scope: str
    created_at: str | None
    expires_at: str | None
    revoked: bool


class AuditOut(BaseModel):
    id: int
    at: str | None
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]


class MeOut(BaseModel):
    id: int
    email: str
    role: str
    org_id: int
    scope: str


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 404, 409, 413, 422, 429)
}


# ------------------------------------------------------------------------------------------- dependencies


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Bearer TOKEN`` (a sign-in token or an API token); 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "sign in first: Authorization: Bearer TOKEN", WWW_Authenticate="Bearer")
    found = Accounts(store_of(request)).principal_for_token(token.strip())
    if found is None:
        raise ApiError(401, "unauthorized", "the token is unknown, expired or revoked", WWW_Authenticate="Bearer")
    return found


Caller = Annotated[Principal, Depends(principal)]


def tenant(request: Request, caller: Caller) -> TenantStore:
    return TenantStore(store_of(request), caller.org_id)


Tenant = Annotated[TenantStore, Depends(tenant)]


def writer(caller: Caller) -> Principal:
    if not caller.can_write:
        raise ApiError(403, "forbidden", "your role or token cannot change this")
    return caller


def admin(caller: Caller) -> Principal:
    if not caller.is_admin:
        raise ApiError(403, "forbidden", "only an administrator of the organisation can do this")
    return caller


Writer = Annotated[Principal, Depends(writer)]
Admin = Annotated[Principal, Depends(admin)]


# ------------------------------------------------------------------------------------------- routes

router = APIRouter(prefix=API, responses=ERRORS)


@router.post("/auth/token", response_model=TokenOut, tags=["auth"])
def sign_in(
    request: Request, username: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)]
) -> TokenOut:
    """Exchange an email and password for a bearer token (valid 12 hours)."""
    limit: RateLimit = request.app.state.sign_in_limit
    keys = (f"user:{username.strip().lower()}", f"client:{request.client.host if request.client else '-'}")
    if limit.blocked(*keys):
        raise ApiError(429, "too_many_attempts", "too many failed sign-ins: wait a few minutes", Retry_After="300")
    accounts = Accounts(store_of(request))
    found = accounts.user_by_email(username)
    if found is None or not verify_password(found[1], password):
        limit.failed(*keys)
        raise ApiError(401, "unauthorized", "wrong email or password", WWW_Authenticate="Bearer")
    _, token = accounts.issue_token(found[0], name="sign-in", lifetime=SESSION_LIFETIME)
    return TokenOut(access_token=token)


@router.get("/me", response_model=MeOut, tags=["auth"])
def me(caller: Caller) -> MeOut:
    return MeOut(id=caller.user_id, email=caller.email, role=caller.role, org_id=caller.org_id, scope=caller.scope)


@router.post("/networks", status_code=201, response_model=NetworkOut, tags=["networks"])
def upload_network(
    request: Request, caller: Writer, file: Annotated[UploadFile, File(description=".xlsx, .json or .zip of CSV")]
) -> NetworkOut:
    """Upload a network; an invalid one is refused (422, every problem listed) and nothing is stored."""
    from allyshore.web.uploads import UPLOAD_LIMITS, InvalidUpload, UploadTooLarge, read_upload

    try:
        read = read_upload(file.file, file.filename, request.app.state.settings.upload_limits or UPLOAD_LIMITS)
    except UploadTooLarge as exc:
        raise ApiError(413, "too_large", str(exc)) from None
    except InvalidUpload as exc:
        raise ApiError(422, "invalid_network", str(exc), exc.problems) from None
    info = TenantStore(store_of(request), caller.org_id).add_network(
        name=read.name, filename=read.filename, network_json=read.network_json, summary=read.summary, actor=caller
    )
    return NetworkOut(**info.to_dict())


@router.get("/networks", response_model=list[NetworkOut], tags=["networks"])
def list_networks(store: Tenant) -> list[NetworkOut]:
    return [NetworkOut(**n.to_dict()) for n in store.networks()]


@router.get("/networks/{network_id}", response_model=NetworkOut, tags=["networks"])
def get_network(network_id: str, store: Tenant) -> NetworkOut:
    return NetworkOut(**store.network(network_id).to_dict())


@router.delete("/networks/{network_id}", status_code=204, tags=["networks"])
def delete_network(network_id: str, request: Request, caller: Admin) -> Response:
    TenantStore(store_of(request), caller.org_id).delete_network(network_id, actor=caller)
    return Response(status_code=204)


@router.get(
    "/networks/{network_id}/download",
    tags=["networks"],
    responses={200: {"content": {"application/json": {}, "application/octet-stream": {}}}},
)
def download_network(
    network_id: str, store: Tenant, format: Annotated[Literal["xlsx", "json"], Query()] = "json"
) -> Response:
    """The stored network as JSON or as an XLSX workbook."""
    info = store.network(network_id)
    text = store.network_json(network_id)
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in info.name)[:100] or "network"
    if format == "json":
        return Response(
            text,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{stem}.json"'},
        )
    import tempfile
    from pathlib import Path

    from allyshore.io import write_network
    from allyshore.web.uploads import network_from_json

    with tempfile.TemporaryDirectory(prefix="allyshore-download-") as tmp:
        path = Path(tmp) / "network.xlsx"
        write_network(network_from_json(text, info.name), path)
        data = path.read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'},
    )


@router.get("/networks/{network_id}/runs", response_model=list[RunOut], tags=["runs"])
def list_network_runs(network_id: str, store: Tenant) -> list[RunOut]:
    store.network(network_id)
    return [RunOut(**r.to_dict()) for r in store.runs(network_id)]


@router.post("/networks/{network_id}/runs", status_code=202, response_model=RunCreated, tags=["runs"])
def create_run(network_id: str, body: RunIn, request: Request, response: Response, caller: Writer) -> RunCreated:
    """Queue an analysis of the network with the command line's options (by name)."""
    from allyshore.catalog import parse_options

    store = TenantStore(store_of(request), caller.org_id)
    store.network(network_id)  # 404 before 422: another organisation's id is not found, whatever the body
    options = parse_options(body.analysis, body.options)
    run = store.create_run(network_id, body.analysis, options, actor=caller)
    wake: Callable[[], None] | None = getattr(request.app.state, "wake_runner", None)
    if wake is not None:
        wake()
    response.headers["Location"] = f"{API}/runs/{run.id}"
    return RunCreated(id=run.id, status=run.status)


@router.get("/runs", response_model=list[RunOut], tags=["runs"])
def list_runs(store: Tenant) -> list[RunOut]:
    return [RunOut(**r.to_dict()) for r in store.runs()]


@router.get("/runs/{run_id}", response_model=RunOut, tags=["runs"])
def get_run(run_id: str, store: Tenant) -> RunOut:
    return RunOut(**store.run(run_id).to_dict())


@router.post("/runs/{run_id}/cancel", response_model=RunOut, tags=["runs"])
def cancel_run(run_id: str, request: Request, caller: Writer) -> RunOut:
    store = TenantStore(store_of(request), caller.org_id)
    return RunOut(**store.cancel_run(run_id, actor=caller).to_dict())


@router.get("/runs/{run_id}/result", tags=["runs"], responses={200: {"content": {"application/json": {}}}})
def run_result(run_id: str, store: Tenant) -> Response:
    """Exactly the JSON the command's ``--json`` prints for the same analysis and options."""
    run = store.run(run_id)
    text = store.run_result(run_id)
    if text is None:
        raise ApiError(409, "not_ready", f"run {run_id} has no result: it is {run.status}")
    return Response(text, media_type="application/json")


@router.get("/runs/{run_id}/report", tags=["runs"], responses={200: {"content": {"text/html": {}}}})
def run_report(run_id: str, store: Tenant) -> Response:
    """The report's section(s) of the run's analysis, as one HTML document."""
    from allyshore.web.reports import has_report

    run = store.run(run_id)
    if not has_report(run.analysis):
        raise ApiError(404, "not_found", f"the report has no section of a {run.analysis} run")
    html = store.run_report(run_id)
    if html is None and run.status == "succeeded":  # finished before its analysis had a section
        raise ApiError(404, "not_found", f"run {run_id} has no report section: run it again to draw one")
    if html is None:
        raise ApiError(409, "not_ready", f"run {run_id} has no report: it is {run.status}")
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                 "frame-ancestors 'none'"},
    )


@router.get("/members", response_model=list[MemberOut], tags=["organisation"])
def list_members(request: Request, caller: Admin) -> list[MemberOut]:
    return [MemberOut(**m) for m in TenantStore(store_of(request), caller.org_id).members()]


@router.post("/members", status_code=201, response_model=MemberOut, tags=["organisation"])
def add_member(body: MemberIn, request: Request, caller: Admin) -> MemberOut:
    """Add a user to the caller's organisation."""
    store = store_of(request)
    org_name = _org_name(store, caller.org_id)
    made = Accounts(store).create_user(body.email, org_name, body.role, hash_password(body.password), actor=caller.email)
    members = {m["id"]: m for m in TenantStore(store, caller.org_id).members()}
    return MemberOut(**members[made.user_id])


def _org_name(store: Store, org_id: int) -> str:
    import sqlalchemy as sa

    from allyshore.store.tenancy import organisations

    with store.engine.connect() as connection:
        name = connection.execute(sa.select(organisations.c.name).where(organisations.c.id == org_id)).scalar()
    if name is None:
        raise NotFoundError(f"no organisation {org_id}")
    return str(name)


@router.get("/tokens", response_model=list[TokenInfoOut], tags=["organisation"])
def list_tokens(store: Tenant, caller: Caller) -> list[TokenInfoOut]:
    """The caller's tokens (an admin's: every token of the organisation)."""
    return [TokenInfoOut(**t) for t in store.tokens(None if caller.is_admin else caller.user_id)]


@router.post("/tokens", status_code=201, response_model=TokenCreated, tags=["organisation"])
def create_token(body: TokenIn, request: Request, caller: Writer) -> TokenCreated:
    """A new API token of the caller (shown once)."""
    token_id, token = Accounts(store_of(request)).issue_token(caller, name=body.name, scope=body.scope)
    return TokenCreated(id=token_id, token=token, scope=body.scope)


@router.delete("/tokens/{token_id}", status_code=204, tags=["organisation"])
def revoke_token(token_id: int, request: Request, caller: Caller) -> Response:
    """Revoke a token (the caller's own; an admin: any of the organisation's)."""
    TenantStore(store_of(request), caller.org_id).revoke_token(token_id, actor=caller, own_only=not caller.is_admin)
    return Response(status_code=204)


@router.get("/audit", response_model=list[AuditOut], tags=["organisation"])
def read_audit(
    request: Request, caller: Admin, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> list[AuditOut]:
    """The organisation's audit log, newest first (admin)."""
    return [AuditOut(**a) for a in TenantStore(store_of(request), caller.org_id).audit(limit)]


# ------------------------------------------------------------------------------------------- the app


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"


async def _carries_nul(request: Request) -> bool:
    """True when the path, the query or a JSON or form body carries a NUL character (uploaded files may)."""
    raw_path = request.scope.get("raw_path", b"") or b""
    if "\x00" in request.url.path or b"%00" in raw_path or "%00" in request.url.query:
        return True
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/json", "application/x-www-form-urlencoded"):
        body = await request.body()
        return b"\\u0000" in body or b"%00" in body or b"\x00" in body
    return False


def _routers_of(module: str) -> APIRouter:
    """The router of ``allyshore.web.MODULE`` (imported here: its routes import this module)."""
    import importlib

    found: APIRouter = importlib.import_module(f"allyshore.web.{module}").router
    return found


def create_app(settings: Settings, *, store: Store | None = None, start_runner: bool = True) -> FastAPI:
    """The web application on ``settings.database_url`` (migrated on start), with its embedded runner."""
    opened = store or open_store(settings.database_url, key_file=settings.key_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = None
        from allyshore.web.uploads import sweep_orphans

        sweep_orphans()  # the upload folders a killed server process left
        if start_runner and settings.runner_threads > 0:
            from allyshore.web.runner import Runner

            runner = Runner(opened, threads=settings.runner_threads, server=settings.analysis_settings)
            interrupted = runner.recover()  # dead processes of this host; expired leases of any
            if interrupted:
                log.warning("%d run(s) left running by a stopped process marked failed (interrupted)", interrupted)
            runner.start()
            app.state.wake_runner = runner.wake
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()
            if store is None:
                opened.close()

    app = FastAPI(
        title="allyshore",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = opened
    app.state.settings = settings
    app.state.sign_in_limit = RateLimit()
    install_pages(app)  # the web pages (allyshore.web.pages), beside the API
    app.include_router(router)
    app.include_router(_routers_of("origin_routes"))

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {k.replace("_", "-"): v for k, v in exc.headers.items()}
        return JSONResponse(error_body(exc.code, exc.message, exc.problems), exc.status, headers=headers)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(error_body("not_found", str(exc)), 404)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(error_body("invalid_input", str(exc)), 422)

    @app.exception_handler(AllyshoreError)
    async def _allyshore(request: Request, exc: AllyshoreError) -> JSONResponse:
        return JSONResponse(error_body("unprocessable", str(exc)), 422)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "file": None,
                "row": None,
                "column": ".".join(str(p) for p in e.get("loc", ())),
                "message": str(e.get("msg", "")),
                "hint": None,
            }
            for e in exc.errors()
        ]
        return JSONResponse(error_body("invalid_request", "the request is not valid", problems), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _defect(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal", "internal error"), 500)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        from allyshore.web.uploads import UPLOAD_LIMITS

        limit = (settings.upload_limits or UPLOAD_LIMITS).max_file_bytes + 64 * 1024  # the form's own bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:  # refused before the body is read or spooled
            response: Response = JSONResponse(
                error_body("too_large", f"the request is larger than the {limit} bytes this server accepts"), 413
            )
        elif await _carries_nul(request):  # PostgreSQL text cannot hold U+0000: refused here, never a 500 there
            response = JSONResponse(
                error_body("invalid_request", "text in the request contains a NUL character (U+0000); remove it"), 422
            )
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
        if request.url.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    return app
