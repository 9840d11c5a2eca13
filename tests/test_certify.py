"""The USMCA certification of origin: the nine minimum data elements of USMCA Annex 5-A, PDF and JSON.

Source of the requirements tested here: USMCA Article 5.2 and Annex 5-A (Minimum Data
Elements): certifier role, certifier details (name, title, address, telephone, e-mail),
exporter, producer ("Various" / "Available upon request by the importing authorities"
allowed), importer (if known), description and 6-digit HS classification, origin
criterion, blanket period of at most 12 months, signature and date with the
certification statement.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import sqlite3
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from allyshore.cli import main
from allyshore.errors import ValidationError
from allyshore.origin import determine_origin
from allyshore.origin.certificate_pdf import certificate_pdf, write_certification
from allyshore.origin.certification import ON_REQUEST, certify
from allyshore.origin.results import CERTIFICATION_STATEMENT
from allyshore.store import open_store
from allyshore.store.chain import RecordCheck
from allyshore.store.records import canonical_json, content_hash

ORIGINATING: dict[str, Any] = {
    "originating": True,
    "criterion": "B",
    "good": {"hs": "9018.90.60", "description": "Volumetric infusion pump"},
    "rule": {"source": "HTSUS General Note 11, 9018.90", "verified": True},
    "explanation": ["SOR s.3(2)"],
}
PARTIES: dict[str, Any] = {
    "certifier_role": "exporter",
    "certifier": {
        "name": "Bombas del Norte SA de CV",
        "title": "Trade compliance manager",
        "address": "Av. Industrial 100, Apodaca, Nuevo Leon",
        "country": "Mexico",
        "phone": "+52 81 5555 0100",
        "email": "origen@example.mx",
    },
    "producer": "available upon request",
    "importer": {"name": "Care Devices Inc.", "address": "1 Main St, Laredo, TX", "country": "US"},
    "signature": {"name": "Ana Ruiz", "date": "2026-11-23"},
}


def pdf_text(data: bytes) -> str:
    """The text a PDF draws, as one line (content streams decoded, wrapped lines joined by spaces)."""
    text = data.decode("latin-1")
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1).strip()
        if raw.endswith(b"~>"):  # reportlab writes /ASCII85Decode /FlateDecode content streams
            raw = base64.a85decode(raw[:-2])
        try:
            text += zlib.decompress(raw).decode("latin-1")
        except zlib.error:
            continue
    shown = re.findall(r"\((.*?)(?<!\\)\) Tj", text)  # the strings drawn by Tj, line by line
    return " ".join(shown).replace("\\(", "(").replace("\\)", ")")


def test_nine_elements_in_annex_order() -> None:
    cert = certify([ORIGINATING], PARTIES, blanket_from="2027-01-01", blanket_to="2027-12-31")
    labels = [label for label, _ in cert.elements()]
    assert labels == [
        "1. Certifier",
        "2. Certifier details",
        "3. Exporter",
        "4. Producer",
        "5. Importer",
        "6. Description and HS tariff classification",
        "7. Origin criterion",
        "8. Blanket period",
        "9. Authorized signature and date",
    ]
    values = dict(cert.elements())
    assert "exporter" in values["1. Certifier"]
    assert "Trade compliance manager" in values["2. Certifier details"]
    assert "+52 81 5555 0100" in values["2. Certifier details"]
    assert "Mexico" in values["2. Certifier details"]
    assert values["3. Exporter"] == values["2. Certifier details"]  # the certifier is the exporter
    assert values["4. Producer"] == ON_REQUEST
    assert "Care Devices Inc." in values["5. Importer"]
    assert "HS 9018.90" in values["6. Description and HS tariff classification"]  # 6 digits, not 10
    assert "9018.90.60" not in values["6. Description and HS tariff classification"]
    assert values["7. Origin criterion"].endswith(": B")
    assert values["8. Blanket period"] == "2027-01-01 to 2027-12-31"
    assert "Ana Ruiz" in values["9. Authorized signature and date"]
    assert "2026-11-23" in values["9. Authorized signature and date"]
    document = cert.to_dict()
    assert document["statement"] == CERTIFICATION_STATEMENT
    assert document["goods"][0]["hs_classification"] == "9018.90"
    assert document["certifier"]["country"] == "MX"
    assert document["blanket_period"] == {"from": "2027-01-01", "to": "2027-12-31"}
    json.dumps(document)
    assert cert.to_frame().height == 9
    assert "Blanket period" in cert._repr_html_()


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        ("2027-01-01", "2027-12-31", True),  # exactly 12 months
        ("2027-03-15", "2028-03-14", True),
        ("2027-01-01", "2028-01-01", False),  # 12 months and a day
        ("2027-02-01", "2027-01-31", False),  # ends before it starts
    ],
)
def test_blanket_period_at_most_twelve_months(start: str, end: str, ok: bool) -> None:
    if ok:
        cert = certify([ORIGINATING], PARTIES, blanket_from=start, blanket_to=end)
        assert cert.blanket_to == date.fromisoformat(end)
    else:
        with pytest.raises(ValidationError, match="blanket period"):
            certify([ORIGINATING], PARTIES, blanket_from=start, blanket_to=end)


def test_single_shipment_without_blanket_period() -> None:
    cert = certify([ORIGINATING], {**PARTIES, "invoice": "F-1234"})
    assert dict(cert.elements())["8. Blanket period"] == "Single shipment, invoice F-1234"
    assert cert.to_dict()["blanket_period"] is None


def test_refuses_non_originating_goods_and_reports_every_problem() -> None:
    bad_parties = {
        **PARTIES,
        "certifier": {**PARTIES["certifier"], "phone": "", "country": "CN"},
        "importer": {"name": "X", "address": "Y", "country": "DE"},
    }
    with pytest.raises(ValidationError) as caught:
        certify([{**ORIGINATING, "originating": False, "criterion": None}], bad_parties)
    text = str(caught.value)
    assert "not originating" in text
    assert "phone is required" in text
    assert "territory of a Party" in text and "DE" in text and "CN" in text
    assert len(caught.value.problems) == 4


def test_exporter_required_unless_the_producer_certifies() -> None:
    importer_certifies = {**PARTIES, "certifier_role": "importer", "producer": "various"}
    with pytest.raises(ValidationError, match="exporter's details are required"):
        certify([ORIGINATING], importer_certifies)
    producer_certifies = {**PARTIES, "certifier_role": "producer", "producer": None, "exporter": "unknown"}
    cert = certify([ORIGINATING], producer_certifies)
    assert dict(cert.elements())["3. Exporter"] == "Unknown"
    assert cert.producer == cert.certifier


def test_parties_file_errors_are_located() -> None:
    with pytest.raises(ValidationError) as caught:
        certify([ORIGINATING], {**PARTIES, "certifier_role": "broker", "signature": {"name": "A"}})
    columns = {p.column for p in caught.value.problems}
    assert "certifier_role" in columns and "signature.date" in columns


def test_pdf_holds_every_element_the_statement_and_the_page_count(tmp_path: Path) -> None:
    cert = certify(
        [ORIGINATING, {**ORIGINATING, "criterion": "A", "good": {"hs": "4015.19", "description": "Gloves"}}],
        PARTIES,
        blanket_from="2027-01-01",
        blanket_to="2027-12-31",
    )
    data = certificate_pdf(cert)
    assert data.startswith(b"%PDF-")
    assert certificate_pdf(cert) == data  # reproducible bytes
    text = pdf_text(data)
    for label, _ in cert.elements():
        assert label in text, label
    assert "Volumetric infusion pump" in text and "4015.19" in text
    assert "true and accurate" in text and "verification visit" in text
    assert "consists of 1 page(s)" in text and "page 1 of 1" in text
    pdf_path, json_path = write_certification(cert, tmp_path / "out" / "cert")
    assert pdf_path.read_bytes() == data
    assert json.loads(json_path.read_text())["goods"][1]["origin_criterion"] == "A"


def test_certify_from_a_saved_record_cites_it() -> None:
    with open_store("sqlite://") as store:
        record = store.save_determination(
            inputs={"good": ORIGINATING["good"]}, result=ORIGINATING, subject="pump", hs="901890", rule_version="GN 11"
        )
        cert = certify([store.get_determination(record.id)], PARTIES)
    assert cert.goods[0].record_id == record.id
    assert cert.goods[0].content_hash == record.content_hash
    assert record.content_hash in pdf_text(certificate_pdf(cert)).replace(" ", "")  # long words wrap


def run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(exited.value.code or 0)


CASE: dict[str, Any] = {
    "good": {"description": "Good A", "hs": "9018.90"},
    "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 50}}]},
    "materials": [
        {"id": "o", "hs": "3926.90", "value": 30, "originating": True},
        {"id": "n", "hs": "8536.50", "value": 40},
    ],
    "other_costs": {"product_costs": 20, "period_costs": 10},
    "excluded_costs": 12,
}


def test_cli_certify_saves_lists_and_certifies_a_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = f"sqlite:///{tmp_path / 'records.db'}"
    monkeypatch.setenv("ALLYSHORE_DATABASE_URL", database)
    (tmp_path / "case.json").write_text(json.dumps(CASE))
    (tmp_path / "parties.json").write_text(json.dumps(PARTIES))
    out = tmp_path / "first"
    code = run_cli(
        "origin", "certify", "--parties", str(tmp_path / "parties.json"), "--case", str(tmp_path / "case.json"),
        "--save", "--from", "2027-01-01", "--to", "2027-12-31", "--out", str(out), "--json",
    )  # fmt: skip
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["goods"][0]["origin_criterion"] == "B"  # RVC_NC = (88 - 40) / 88 = 54.5% >= 50% (SOR s.7(3))
    assert document["goods"][0]["record_id"] == 1
    assert (tmp_path / "first.pdf").read_bytes().startswith(b"%PDF")
    assert run_cli("origin", "history", "--json") == 0
    records = json.loads(capsys.readouterr().out)["records"]
    assert [r["id"] for r in records] == [1] and records[0]["originating"] is True
    assert records[0]["rvc"] == pytest.approx(54.5454545)
    code = run_cli(
        "origin", "certify", "--parties", str(tmp_path / "parties.json"), "--record", "1",
        "--out", str(tmp_path / "second"), "--database-url", database,
    )  # fmt: skip
    assert code == 0
    assert "Wrote" in capsys.readouterr().out
    assert json.loads((tmp_path / "second.json").read_text())["goods"][0]["content_hash"] == records[0]["content_hash"]


def test_cli_certify_errors_once_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failing = {**CASE, "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 60}}]}}
    (tmp_path / "case.json").write_text(json.dumps(failing))
    (tmp_path / "parties.json").write_text(json.dumps(PARTIES))
    code = run_cli(
        "origin", "certify", "--parties", str(tmp_path / "parties.json"), "--case", str(tmp_path / "case.json"),
        "--out", str(tmp_path / "cert"),
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "not originating" in err
    assert not (tmp_path / "cert.pdf").exists() and not (tmp_path / "cert.json").exists()
    assert run_cli("origin", "certify", "--parties", str(tmp_path / "parties.json")) == 1
    assert "--record" in capsys.readouterr().err


def test_a_certificate_on_a_user_rule_carries_a_caution_in_the_pdf_and_the_json(tmp_path: Path) -> None:
    """A rule given in the case is the user's, not the library's: the result says "source": "user",
    "verified": false, and the certificate made on it warns the certifier (USMCA Art. 5.2(4): the certifier
    assumes responsibility for the representations)."""
    result = determine_origin(CASE)
    assert result.criterion == "B"
    assert result.to_dict()["rule"] == {"source": "user", "verified": False}
    assert result.cautions and "supplied by the user" in result.cautions[0]
    cert = certify([result], PARTIES)
    assert len(cert.cautions) == 1 and cert.cautions[0].startswith("Good A (HS 9018.90): Caution")
    document = cert.to_dict()
    assert document["cautions"] == list(cert.cautions)
    assert document["goods"][0]["rule_source"] == "user" and document["goods"][0]["rule_verified"] is False
    assert document["goods"][0]["cautions"] == list(result.cautions)
    text = pdf_text(certificate_pdf(cert))
    assert "Cautions before signing" in text and "supplied by the user" in text
    _, json_path = write_certification(cert, tmp_path / "cert")
    assert json.loads(json_path.read_text())["cautions"] == list(cert.cautions)


def test_a_certificate_on_a_verified_library_rule_carries_no_caution() -> None:
    cert = certify([ORIGINATING], PARTIES)
    assert cert.cautions == () and cert.to_dict()["cautions"] == []
    assert "Cautions before signing" not in pdf_text(certificate_pdf(cert))


@pytest.mark.parametrize(
    ("rule", "criterion", "cautioned"),
    [
        ({"source": "case", "verified": True}, "B", True),  # saved before user rules were marked
        ({"source": "HTSUS General Note 11, 9018.90", "verified": False}, "B", True),
        ({"source": "case", "verified": True}, "C", False),  # criterion C does not rest on the rule
        ({"source": "HTSUS General Note 11, 9018.90", "verified": True}, "D", False),
    ],
)
def test_a_saved_determination_without_cautions_is_cautioned_from_its_rule(
    rule: dict[str, Any], criterion: str, cautioned: bool
) -> None:
    cert = certify([{**ORIGINATING, "rule": rule, "criterion": criterion}], PARTIES)
    assert bool(cert.cautions) is cautioned


def test_cli_prints_the_rule_source_and_the_caution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "case.json").write_text(json.dumps(CASE))
    assert run_cli("origin", "determine", str(tmp_path / "case.json")) == 0
    out = capsys.readouterr().out
    assert "Rule: supplied by the user (source: user, UNVERIFIED)" in out
    assert "Caution: the rule for HS 9018.90 was supplied by the user" in out


def test_cli_verify_history_and_certify_refuse_a_re_hashed_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forgery of the finding: an owner turns a non-originating record originating and re-hashes it (SHA-256
    is unkeyed). The MAC under the store's key no longer matches: history shows it, verify names it, certify
    refuses it and writes nothing."""
    monkeypatch.delenv("ALLYSHORE_STORE_KEY", raising=False)
    monkeypatch.delenv("ALLYSHORE_STORE_KEY_FILE", raising=False)
    database = tmp_path / "records.db"
    failing = {**CASE, "rule": {"alternatives": [{"tariff_shift": None, "rvc": {"net_cost": 60}}]}}
    (tmp_path / "case.json").write_text(json.dumps(failing))  # RVC_NC 54.5% < 60%: not originating
    (tmp_path / "parties.json").write_text(json.dumps(PARTIES))
    assert run_cli("origin", "determine", str(tmp_path / "case.json"), "--save", "--database-url", str(database)) == 0
    assert (tmp_path / "records.db.key").exists()  # beside the database by default
    capsys.readouterr()
    assert run_cli("origin", "verify", "--database-url", str(database), "--json") == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    with open_store(str(database)) as store:
        record = store.get_determination(1)
    forged = {**record.result, "originating": True, "criterion": "B"}
    fields = {
        "created_at": record.created_at, "kind": record.kind, "subject": record.subject, "hs": record.hs,
        "rule_version": record.rule_version, "software_version": record.software_version,
        "inputs_json": canonical_json(record.inputs), "result_json": canonical_json(forged),
        "explanation_json": canonical_json(list(record.explanation)),
    }  # fmt: skip
    raw = sqlite3.connect(database)
    raw.execute("DROP TRIGGER determinations_no_update")
    raw.execute(
        "UPDATE determinations SET originating = 1, criterion = 'B', result_json = ?, content_hash = ? WHERE id = 1",
        (fields["result_json"], content_hash(**fields)),
    )
    raw.commit()
    raw.close()
    assert run_cli("origin", "history", "--database-url", str(database), "--json") == 0
    (shown,) = json.loads(capsys.readouterr().out)["records"]
    assert shown["originating"] is True and shown["verified"] is False and shown["verification"] == "tampered"
    assert run_cli("origin", "verify", "--database-url", str(database), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["first_broken"]["id"] == 1 and "MAC" in report["first_broken"]["reason"]
    assert run_cli("origin", "verify", "--database-url", str(database)) == 1
    assert "BROKEN: record 1 is tampered" in capsys.readouterr().out
    code = run_cli(
        "origin", "certify", "--parties", str(tmp_path / "parties.json"), "--record", "1",
        "--out", str(tmp_path / "cert"), "--database-url", str(database),
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot certify from the store") and "record 1 is tampered" in err
    assert not (tmp_path / "cert.pdf").exists() and not (tmp_path / "cert.json").exists()
    (tmp_path / "records.db.key").rename(tmp_path / "elsewhere.key")
    assert run_cli("origin", "verify", "--database-url", str(database)) == 1
    assert "is missing" in capsys.readouterr().err


def test_certify_refuses_a_record_that_failed_verification() -> None:
    with open_store("sqlite://") as store:
        record = store.save_determination(
            inputs={"good": ORIGINATING["good"]}, result=ORIGINATING, subject="pump", hs="901890", rule_version="GN 11"
        )
    forged = dataclasses.replace(record, check=RecordCheck(record.id, "chain-broken", "records were removed"))
    with pytest.raises(ValidationError, match=r"saved record 1 failed verification \(chain-broken"):
        certify([forged], PARTIES)
