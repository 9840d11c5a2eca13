"""Origin records and certifications of origin through the API (``/api/v1/origin/records``), on SQLite and on
PostgreSQL: a case decided and saved as a record of the caller's organisation, read back, certified as PDF; the
records of one organisation, of another and of the command line (the local organisation) never mix."""

from __future__ import annotations

import dataclasses
from typing import Any

from allyshore.store.tenant_records import TenantRecords
from test_certify import PARTIES, pdf_text
from web_fixtures import ORIGIN_CASE, Platform

RECORDS = "/api/v1/origin/records"


def actions(platform: Platform, headers: dict[str, str]) -> list[tuple[str, str | None]]:
    return [(a["action"], a["target"]) for a in platform.client.get("/api/v1/audit", headers=headers).json()]


def test_a_case_is_decided_saved_and_read_back_by_its_organisation_only(platform: Platform) -> None:
    a, b, c = platform.a, platform.b, platform.client
    made = c.post(RECORDS, headers=a.auth("analyst"), json={"case": ORIGIN_CASE})
    assert made.status_code == 201, made.text
    record = made.json()
    assert made.headers["location"] == f"{RECORDS}/{record['id']}"
    # RVC net cost = (total 88 - non-originating 40) / 88 = 54.5% >= 50% (SOR s.7(3)): originating, criterion B
    assert (record["originating"], record["criterion"], record["kind"]) == (True, "B", "case")
    assert abs(record["rvc"] - 100 * 48 / 88) < 1e-9
    assert record["inputs"] == ORIGIN_CASE and record["verified"] is True
    assert c.get(f"{RECORDS}/{record['id']}", headers=a.auth("viewer")).json() == record
    listed = [r["id"] for r in c.get(RECORDS, headers=a.auth("viewer")).json()]
    assert record["id"] in listed and a.record_id in listed
    assert c.get(f"{RECORDS}?hs=8471", headers=a.auth()).json() == []  # no good of HS 8471
    assert c.get(f"{RECORDS}/{record['id']}", headers=b.auth()).status_code == 404
    assert record["id"] not in [r["id"] for r in c.get(RECORDS, headers=b.auth()).json()]
    assert ("origin.record.create", str(record["id"])) in actions(platform, a.auth())


def test_the_command_lines_records_and_the_platforms_never_mix(platform: Platform) -> None:
    local = platform.store.determine_and_save(ORIGIN_CASE)[1]  # `allyshore origin determine --save`
    assert local.org_id == 0
    seen = [r["id"] for r in platform.client.get(RECORDS, headers=platform.a.auth()).json()]
    assert local.id not in seen
    assert platform.client.get(f"{RECORDS}/{local.id}", headers=platform.a.auth()).status_code == 404
    assert platform.a.record_id not in [r.id for r in platform.store.list_determinations()]
    # the store's one chain holds both and verifies whole
    assert platform.store.verify_records().ok


def test_a_record_moved_to_another_organisation_no_longer_verifies(platform: Platform) -> None:
    org_id = platform.client.get("/api/v1/me", headers=platform.a.auth()).json()["org_id"]
    record = TenantRecords(platform.store, org_id).record(platform.a.record_id)
    assert record.verify()
    assert not dataclasses.replace(record, org_id=org_id + 1).verify()  # the organisation is hashed content
    assert not dataclasses.replace(record, org_id=0).verify()


def test_a_certificate_of_a_record_is_a_pdf_citing_it(platform: Platform) -> None:
    a, c = platform.a, platform.client
    body: dict[str, Any] = {"parties": PARTIES, "blanket_from": "2027-01-01", "blanket_to": "2027-12-31"}
    pdf = c.post(f"{RECORDS}/{a.record_id}/certificate", headers=a.auth("analyst"), json=body)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert f"record {a.record_id}" in text
    assert a.record_hash in text.replace(" ", "")  # long words wrap
    assert "9018.90" in text and "2027-01-01" in text
    assert ("origin.certificate", str(a.record_id)) in actions(platform, a.auth())
    # a viewer reads records but does not certify; another organisation's record is not found
    assert c.post(f"{RECORDS}/{a.record_id}/certificate", headers=a.auth("viewer"), json=body).status_code == 403
    assert c.post(f"{RECORDS}/{a.record_id}/certificate", headers=platform.b.auth(), json=body).status_code == 404


def test_bad_cases_and_parties_are_refused_with_their_problems_and_nothing_saved(platform: Platform) -> None:
    a, c = platform.a, platform.client
    before = len(c.get(RECORDS, headers=a.auth()).json())
    bad = c.post(RECORDS, headers=a.auth(), json={"case": {**ORIGIN_CASE, "materials": [{"id": "x"}]}})
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_case"
    assert any(p["column"] and p["column"].startswith("materials") for p in bad.json()["problems"])
    assert len(c.get(RECORDS, headers=a.auth()).json()) == before
    # more than 12 months of blanket period (Annex 5-A element 8)
    long = {"parties": PARTIES, "blanket_from": "2027-01-01", "blanket_to": "2028-06-30"}
    refused = c.post(f"{RECORDS}/{a.record_id}/certificate", headers=a.auth(), json=long)
    assert refused.status_code == 422 and refused.json()["error"] == "invalid_certification"
    missing = c.post(
        f"{RECORDS}/{a.record_id}/certificate", headers=a.auth(), json={"parties": {"certifier_role": "x"}}
    )
    assert missing.status_code == 422 and missing.json()["problems"]
