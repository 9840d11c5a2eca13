"""The web pages of origin records: the organisation's saved determinations, one record's result, its USMCA
certification of origin as PDF, and a new record from an uploaded origin case.

The pages go through the same doors as ``/api/v1/origin/records`` (:mod:`allyshore.web.origin_routes`):
:class:`~allyshore.store.tenant_records.TenantRecords` for the signed-in organisation (another organisation's
record id is "not found", 404) and :func:`~allyshore.web.origin_routes.certify_record` for the certificate (the
store's chain verified first, the certificate audited). Every POST carries the session's CSRF token.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from allyshore.errors import InputError, Problem, ValidationError
from allyshore.store.sessions import SignedIn
from allyshore.store.tenant_records import TenantRecords
from allyshore.web.pages import PageRoute, may_write, posted, posted_file, render, see, store_of
from allyshore.web.sessions import current

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: The largest origin case file the page takes (a case is a good, its rule and its materials).
CASE_LIMIT = 2 * 1024 * 1024
HISTORY = 500


def records_of(request: Request, session: SignedIn) -> TenantRecords:
    return TenantRecords(store_of(request), session.principal.org_id)


@router.get("/origin/records")
def records_page(request: Request) -> Response:
    session = current(request)
    return _records(request, session)


def _records(request: Request, session: SignedIn, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("problems", [])
    context.setdefault("error", "")
    context.setdefault("uploaded", "")
    history = records_of(request, session).records(limit=HISTORY)
    records = [r.summary() for r in history]
    return render(request, "records.html.j2", status, session=session, records=records, **context)


@router.post("/origin/records")
async def save_case(request: Request) -> Response:
    """Decide an uploaded origin case (JSON, origin case format v1) and save it as a record of the organisation."""
    from allyshore.web.origin_routes import problem_rows

    session = current(request)
    async with posted_file(request, session, "case") as file:
        if file is None or not file.filename:
            return _records(request, session, 422, error="Choose an origin case file (JSON) to decide.")
        name = file.filename
        data = await file.read(CASE_LIMIT + 1)
    if len(data) > CASE_LIMIT:
        return _records(request, session, 413, error=f"the file is over {CASE_LIMIT // 1024} KiB", uploaded=name)
    try:
        case = json.loads(data.decode("utf-8-sig"))
        if not isinstance(case, dict):
            raise ValidationError([Problem("case", "the case must be a JSON object", source=name)], what="case")
        record = records_of(request, session).determine_and_save(case, actor=session.principal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _records(request, session, 422, error=f"not valid JSON (UTF-8): {exc}", uploaded=name)
    except ValidationError as exc:
        problems = [{**p, "file": p["file"] or name, "severity": "error"} for p in problem_rows(exc)]
        return _records(request, session, 422, error=str(exc).splitlines()[0], problems=problems, uploaded=name)
    return see(f"/origin/records/{record.id}")


@router.get("/origin/records/{record_id}")
def record_page(record_id: int, request: Request) -> Response:
    session = current(request)
    return _record(request, session, record_id)


def _record(request: Request, session: SignedIn, record_id: int, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("problems", [])
    context.setdefault("error", "")
    context.setdefault("form", {})
    record = records_of(request, session).record(record_id)  # 404 for another organisation's id
    return render(
        request,
        "record.html.j2",
        status,
        session=session,
        record=record.summary(),
        explanation=list(record.explanation),
        software_version=record.software_version,
        **context,
    )


@router.post("/origin/records/{record_id}/certificate")
async def certificate(record_id: int, request: Request) -> Response:
    """The USMCA certification of origin of the record, as PDF (as ``POST /api/v1/origin/records/{id}/certificate``
    makes it); the problems of the parties or the period shown on the record's page."""
    from allyshore.certify_records import parties_json
    from allyshore.web.origin_routes import certificate_response, certify_record, problem_rows

    session, form = await posted(request)
    records_of(request, session).record(record_id)  # 404 first, whatever the form
    may_write(session.principal)
    values = {name: _field(form.get(name)) for name in ("parties", "blanket_from", "blanket_to")}
    try:
        pdf = certify_record(
            store_of(request),
            session.principal,
            record_id,
            parties_json(values["parties"], "parties"),
            blanket_from=values["blanket_from"] or None,
            blanket_to=values["blanket_to"] or None,
        )
    except ValidationError as exc:
        error, problems = str(exc).splitlines()[0], [{**p, "severity": "error"} for p in problem_rows(exc)]
        return _record(request, session, record_id, 422, error=error, problems=problems, form=values)
    except InputError as exc:
        return _record(request, session, record_id, 422, error=str(exc), form=values)
    return certificate_response(record_id, pdf)


def _field(value: Any, limit: int = 64 * 1024) -> str:
    return value[:limit] if isinstance(value, str) else ""
