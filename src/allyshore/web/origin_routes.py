"""Origin determination records and USMCA certifications of origin (``/api/v1/origin/records``).

A record is what ``allyshore origin determine CASE --save`` saves: an origin case (the good, its rule, its
materials and costs) decided by the engine, kept immutable with its inputs, result and explanation, hashed and
chained under the store's key. ``POST /origin/records`` takes the same case document and saves its determination
as a record of the caller's organisation; a certification of saved records (USMCA Annex 5-A) is made as
``allyshore origin certify --record ID`` makes it, the store's chain verified first, and served as PDF.

Every read and write goes through :class:`~allyshore.store.tenant_records.TenantRecords` made for the caller's
organisation: another organisation's record id is "not found" (404), as a missing one is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from allyshore.errors import ValidationError
from allyshore.origin.certification import PartiesIn
from allyshore.store import Store
from allyshore.store.tenancy import Principal
from allyshore.store.tenant_records import TenantRecords
from allyshore.web.app import API, ERRORS, ApiError, Caller, Writer, store_of


class RecordSummaryOut(BaseModel):
    id: int
    created_at: str
    kind: str
    subject: str
    hs: str
    originating: bool
    criterion: str | None
    rvc: float | None
    rule_version: str
    content_hash: str
    verified: bool | None
    verification: str


class RecordOut(RecordSummaryOut):
    software_version: str
    inputs: dict[str, Any]
    result: dict[str, Any]
    explanation: list[str]
    previous_mac: str | None
    record_mac: str | None
    key_id: str | None


class RecordIn(BaseModel):
    """An origin case document, as ``allyshore origin determine CASE.json`` reads it (origin case format v1)."""

    case: dict[str, Any] = Field(description="The case: good, rule, materials, costs (docs/origin.md).")


class CertificateIn(BaseModel):
    """The parties of the certification (the ``--parties`` file of ``allyshore origin certify``) and, for a
    blanket certification, its period of at most 12 months (Annex 5-A element 8)."""

    parties: PartiesIn
    blanket_from: date | None = None
    blanket_to: date | None = None


router = APIRouter(prefix=f"{API}/origin", responses=ERRORS, tags=["origin"])


def _records(request: Request, caller: Caller) -> TenantRecords:
    return TenantRecords(store_of(request), caller.org_id)


def problem_rows(exc: ValidationError) -> list[dict[str, Any]]:
    """Each problem of ``exc`` by file, row and column, with its fix (as the API and the pages show them)."""
    return [
        {"file": p.source or p.table, "row": p.row, "column": p.column, "message": p.message, "hint": p.hint}
        for p in exc.problems
    ]


def _problems(exc: ValidationError, what: str) -> ApiError:
    return ApiError(422, f"invalid_{what}", str(exc), problem_rows(exc))


def certify_record(
    store: Store,
    principal: Principal,
    record_id: int,
    parties: PartiesIn | Mapping[str, Any],
    *,
    blanket_from: date | str | None = None,
    blanket_to: date | str | None = None,
) -> bytes:
    """The PDF of the USMCA certification of one of the organisation's records (as ``allyshore origin certify
    --record ID``; the store's chain verified first), its making audited (``origin.certificate``). NotFoundError
    for another organisation's record id, before anything else; ValidationError with the problems."""
    from allyshore.certify_records import certify_saved
    from allyshore.store.tenancy import TenantStore

    TenantRecords(store, principal.org_id).record(record_id)
    _, pdf = certify_saved(
        store, [record_id], parties, org_id=principal.org_id, blanket_from=blanket_from, blanket_to=blanket_to
    )
    TenantStore(store, principal.org_id).record(principal, "origin.certificate", str(record_id))
    return pdf


def certificate_response(record_id: int, pdf: bytes) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certification-of-origin-{record_id}.pdf"'},
    )


@router.get("/records", response_model=list[RecordSummaryOut])
def list_records(
    request: Request,
    caller: Caller,
    hs: Annotated[str | None, Query(max_length=16, description="Only goods whose HS code starts with this.")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[RecordSummaryOut]:
    """The organisation's saved determinations, newest first, each verified (hash, key, chain)."""
    history = _records(request, caller).records(hs=hs, limit=limit)
    return [RecordSummaryOut(**r.summary()) for r in history]


@router.get("/records/{record_id}", response_model=RecordOut)
def get_record(record_id: int, request: Request, caller: Caller) -> RecordOut:
    """One saved determination: its inputs, result and explanation, and its verification."""
    return RecordOut(**_records(request, caller).record(record_id).to_dict())


@router.post("/records", status_code=201, response_model=RecordOut)
def create_record(body: RecordIn, request: Request, response: Response, caller: Writer) -> RecordOut:
    """Decide an origin case and save the determination as an immutable record of the organisation."""
    try:
        record = _records(request, caller).determine_and_save(body.case, actor=caller)
    except ValidationError as exc:
        raise _problems(exc, "case") from None
    response.headers["Location"] = f"{API}/origin/records/{record.id}"
    return RecordOut(**record.to_dict())


@router.post(
    "/records/{record_id}/certificate",
    responses={200: {"content": {"application/pdf": {}}, "description": "The certification as PDF."}},
)
def certificate(record_id: int, body: CertificateIn, request: Request, caller: Writer) -> Response:
    """The USMCA certification of origin of a saved record, as PDF (the store's chain is verified first; a record
    that fails verification, or a good that is not originating, is refused with 422 and the problems)."""
    try:
        pdf = certify_record(
            store_of(request),
            caller,
            record_id,
            body.parties,
            blanket_from=body.blanket_from,
            blanket_to=body.blanket_to,
        )
    except ValidationError as exc:
        raise _problems(exc, "certification") from None
    return certificate_response(record_id, pdf)
