"""Origin records and certification: ``allyshore origin history | verify | certify``.

The store is ``./allyshore.db`` unless ``--database-url`` or ``ALLYSHORE_DATABASE_URL`` names another
database (any SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/allyshore``); its key is beside a
SQLite file unless ``--key-file`` or ``ALLYSHORE_STORE_KEY_FILE`` names it (docs/security.md).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from allyshore.cli._common import (
    CsvOption,
    DatabaseOption,
    JsonOption,
    KeyFileOption,
    console,
    date_option,
    output,
)
from allyshore.cli.origin import origin_app

if TYPE_CHECKING:
    from allyshore.origin.results import Certification
    from allyshore.store import DeterminationHistory, StoreVerification


@origin_app.command("history")
def history(
    hs: Annotated[str | None, typer.Option("--hs", help="Only goods whose HS code starts with this.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many records, newest first.")] = 50,
    database_url: DatabaseOption = None,
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """List saved origin determinations (immutable records, newest first), each verified against its hash,
    its key and the record before it."""
    from allyshore.store import open_store

    with open_store(database_url, key_file=key_file) as store:
        records = store.list_determinations(hs=hs, limit=limit)
    output(records, lambda: _show_history(records, store.url), as_json=as_json, csv_dir=csv_dir)


VERIFIED_WORDS = {True: "yes", False: "NO", None: "unknown"}


def _show_history(records: DeterminationHistory, url: str) -> None:
    if not len(records):
        console.print(f"No saved determinations in {url}.", markup=False)
        return
    table = Table(title=f"Origin determinations in {url}")
    for column in ("id", "saved (UTC)", "good", "HS", "verdict", "crit.", "RVC %", "rule", "hash", "verified"):
        table.add_column(column, overflow="fold")
    for r in records:
        s = r.summary()
        table.add_row(
            str(r.id),
            s["created_at"],
            r.subject,
            r.hs,
            "originating" if r.originating else "NOT originating",
            r.criterion or "",
            "" if s["rvc"] is None else f"{s['rvc']:.1f}",
            r.rule_version,
            r.content_hash[:12],
            f"{VERIFIED_WORDS[s['verified']]} ({s['verification']})",
        )
    console.print(table)
    failed = [r for r in records if r.verified is False]
    if failed:
        ids = ", ".join(str(r.id) for r in failed)
        console.print(f"Records {ids} failed verification: run `allyshore origin verify`.", markup=False)


@origin_app.command("verify")
def verify(
    database_url: DatabaseOption = None,
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> int:
    """Check every saved determination: content hash, keyed MAC and link to the record before it, and that no
    record was removed from the end; name the first broken link (exit 1 when there is one)."""
    from allyshore.store import open_store

    with open_store(database_url, key_file=key_file) as store:
        report = store.verify_records()
    output(report, lambda: _show_verification(report), as_json=as_json, csv_dir=csv_dir)
    return 0 if report.ok else 1


def _show_verification(report: StoreVerification) -> None:
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("verified", "legacy-sealed", "legacy-unkeyed", "no-key"))
    console.print(f"{report.store} (key {report.key}): {len(report.checks)} record(s): {counts}.", markup=False)
    if report.ok:
        console.print(f"OK: {report.message()}.", markup=False)
        return
    console.print(f"BROKEN: {report.message()}", markup=False)
    for check in report.checks:
        if check.verified is False and check is not report.first_broken:
            console.print(f"  record {check.id} is {check.status}: {check.reason}", markup=False)


@origin_app.command("certify")
def certify(
    parties: Annotated[
        Path,
        typer.Option(
            "--parties", help="JSON file: certifier role and details, exporter, producer, importer, signature."
        ),
    ],
    record: Annotated[list[int] | None, typer.Option("--record", help="Saved determination id (repeatable).")] = None,
    case: Annotated[
        list[Path] | None, typer.Option("--case", help="Origin case file to determine (repeatable).")
    ] = None,
    blanket_from: Annotated[date | None, date_option("--from", "Blanket period start.")] = None,
    blanket_to: Annotated[date | None, date_option("--to", "Blanket period end (at most 12 months).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output stem: writes OUT.pdf and OUT.json.")] = Path(
        "certification-of-origin"
    ),
    save: Annotated[bool, typer.Option("--save", help="Save the determinations of --case files as records.")] = False,
    database_url: DatabaseOption = None,
    key_file: KeyFileOption = None,
    as_json: JsonOption = False,
    csv_dir: CsvOption = None,
) -> None:
    """Issue the USMCA certification of origin (Annex 5-A data elements) as PDF and JSON; saved records are
    verified first (hash, key and chain), and a record that fails is refused."""
    from allyshore.certify_records import issue_certification

    certification, (pdf_path, json_path) = issue_certification(
        parties=parties,
        record_ids=record or [],
        cases=case or [],
        blanket_from=blanket_from,
        blanket_to=blanket_to,
        out=out,
        save=save,
        database_url=database_url,
        key_file=key_file,
    )
    output(
        certification, lambda: _show_certification(certification, pdf_path, json_path), as_json=as_json, csv_dir=csv_dir
    )


def _show_certification(certification: Certification, pdf_path: Path, json_path: Path) -> None:
    for label, text in certification.elements():
        console.print(f"{label}: {text}".replace("\n", "; "), markup=False)
    for caution in certification.cautions:
        console.print(caution, markup=False)
    console.print(f"Wrote {pdf_path} and {json_path}", markup=False)
