"""The ledger in the store: its records appended as events (table ``immex_events``, migration 0004), never
updated, and read back as one :class:`~allyshore.immex.ledger.Ledger`.

Each record is kept as canonical JSON text (sorted keys, the cells as the ledger's text) with its SHA-256; a
record already stored (same table, same content) is not stored twice, so importing a ledger again adds only
what is new. An import is one transaction: the stored events plus the new ones must form a valid ledger (same
checks as a file), else nothing is written. Records are read back in a fixed order (table, then content), not in
the order they were appended, so any insertion order of the same events gives the same ledger.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy.engine import Connection

from allyshore.errors import Problem, ValidationError
from allyshore.immex.ledger import LEDGER_SET, Ledger, parse_ledger
from allyshore.immex.schema import LEDGER_TABLES
from allyshore.io.readers import read_tables
from allyshore.model.parse import RawTable
from allyshore.store import open_store

__all__ = ["ImportSummary", "import_ledger", "load_from_store"]

_META = MetaData()
EVENTS = Table(
    "immex_events",
    _META,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("batch", String(64), nullable=False),
    Column("source", String(1000), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("record_json", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
)


@dataclass(frozen=True)
class ImportSummary:
    """What one import appended: the new records by table, and those already in the store."""

    database: str
    added: dict[str, int]
    already_stored: int


def _records(raw: dict[str, RawTable]) -> list[tuple[str, str, str]]:
    """(table, canonical JSON, SHA-256) of every record of the text tables."""
    out = []
    for name in LEDGER_TABLES:
        table = raw.get(name)
        if table is None:
            continue
        for row in table.frame.to_dicts():
            record = {k: v for k, v in row.items() if v is not None}
            text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            digest = hashlib.sha256(f"{name}\n{text}".encode()).hexdigest()
            out.append((name, text, digest))
    return out


def _stored(connection: Connection) -> list[tuple[str, str]]:
    rows = connection.execute(select(EVENTS.c.table_name, EVENTS.c.record_json)).all()
    return [(str(t), str(j)) for t, j in rows]


def _ledger_of(events: list[tuple[str, str]], source: str) -> Ledger:
    """The ledger of stored events: each table's records in content order (row numbers = that order)."""
    raw: dict[str, RawTable] = {}
    for name in LEDGER_TABLES:
        texts = sorted(j for t, j in events if t == name)
        if not texts:
            continue
        records = [json.loads(j) for j in texts]
        columns = list(dict.fromkeys(k for r in records for k in r))
        frame = pl.DataFrame(
            {c: [r.get(c) for r in records] for c in columns}, schema=dict.fromkeys(columns, pl.String)
        )
        raw[name] = RawTable(name, f"{source} [{name}]", frame, tuple(range(1, len(records) + 1)))
    return parse_ledger(raw, source=source)


def import_ledger(path: str | Path, database_url: str | None = None) -> ImportSummary:
    """Append the records of the ledger at ``path`` that the store does not hold yet, in one transaction.

    Raises
    ------
    ValidationError
        The file, or the store's ledger with it, has problems: nothing is written.
    """
    problems: list[Problem] = []
    raw = read_tables(path, LEDGER_SET, problems)
    parse_ledger(raw, source=str(path), problems=problems)  # the file alone must be valid
    records = _records(raw)
    batch = uuid.uuid4().hex
    now = datetime.now(UTC)
    with open_store(database_url) as store, store.appending() as connection:
        known = {str(h) for (h,) in connection.execute(select(EVENTS.c.content_hash)).all()}
        new = [r for r in records if r[2] not in known]
        unique = list({r[2]: r for r in new}.values())
        if unique:
            connection.execute(
                insert(EVENTS),
                [
                    {
                        "imported_at": now,
                        "batch": batch,
                        "source": str(path)[:1000],
                        "table_name": name,
                        "record_json": text,
                        "content_hash": digest,
                    }
                    for name, text, digest in unique
                ],
            )
        try:
            combined = _ledger_of(_stored(connection), store.url)
        except ValidationError as err:
            raise ValidationError(
                [
                    Problem(
                        "ledger",
                        f"{path} cannot be added to the ledger stored in {store.url}: the two together have "
                        "problems (nothing was written)",
                        hint="a stored record is never changed: correct a pedimento by a rectifying pedimento "
                        "(rectifies), a BOM by a new version (effective_from/effective_to)",
                    ),
                    *err.problems,
                ]
            ) from err
        from allyshore.immex.discharge import discharge

        discharge(combined)  # a shortfall raises here: the transaction is rolled back, nothing written
        added: dict[str, int] = {}
        for name, _, _ in unique:
            added[name] = added.get(name, 0) + 1
        return ImportSummary(store.url, added, len(records) - len(unique))


def load_from_store(database_url: str | None = None) -> Ledger:
    """The ledger of every event appended to the store (empty tables when none)."""
    with open_store(database_url) as store, store.engine.connect() as connection:
        return _ledger_of(_stored(connection), store.url)
