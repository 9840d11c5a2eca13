"""The DENUE editions imported into a data directory, as rows of the store (table ``capacity_editions``).

The establishments themselves are Parquet files (:mod:`allyshore.capacity`); the store keeps one row per
import: the files and their SHA-256, rows kept and skipped, and which edition is in use. This module knows
nothing of DENUE's columns, so the store does not depend on the capacity layer.

>>> from allyshore.store import open_store
>>> store = open_store("sqlite://")
>>> row = record_capacity_edition(store, CapacityEdition(
...     edition_id="e1", imported_at=datetime(2026, 12, 3, tzinfo=UTC), source="denue.zip", file_hash="ab" * 32,
...     encoding="cp1252", file_format="zip", rows=10, skipped_rows=0, filtered_rows=0, open_band_high=2203,
...     edition_date="2025-04", data_path="/data/denue/editions/e1", current=True))
>>> [(e.edition_id, e.current) for e in list_capacity_editions(store)]
[('e1', True)]
>>> find_capacity_edition(store, "ab" * 32).rows
10
>>> store.close()
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, DateTime, Integer, String, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from allyshore.errors import InputError
from allyshore.store.models import Base

if TYPE_CHECKING:
    from allyshore.store.store import Store

__all__ = [
    "CapacityEdition",
    "CapacityEditionRow",
    "find_capacity_edition",
    "list_capacity_editions",
    "record_capacity_edition",
]


class CapacityEditionRow(Base):
    """One imported DENUE edition (migration ``0003_capacity_editions``)."""

    __tablename__ = "capacity_editions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    edition_id: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source: Mapped[str] = mapped_column(String(400), nullable=False)
    file_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    encoding: Mapped[str] = mapped_column(String(32), nullable=False)
    rows: Mapped[int] = mapped_column(Integer, nullable=False)
    skipped_rows: Mapped[int] = mapped_column(Integer, nullable=False)
    filtered_rows: Mapped[int] = mapped_column(Integer, nullable=False)
    file_format: Mapped[str] = mapped_column(String(16), nullable=False)
    sectors: Mapped[str | None] = mapped_column(String(200), nullable=True)
    open_band_high: Mapped[int | None] = mapped_column(Integer, nullable=True)
    edition_date: Mapped[str | None] = mapped_column(String(16), nullable=True)
    data_path: Mapped[str] = mapped_column(String(1000), nullable=False)
    current: Mapped[bool] = mapped_column(Boolean, nullable=False)


@dataclass(frozen=True)
class CapacityEdition:
    """An imported edition as the store keeps it (``source`` names the files, joined by ``; ``)."""

    edition_id: str
    imported_at: datetime
    source: str
    file_hash: str
    encoding: str
    file_format: str
    rows: int
    skipped_rows: int
    filtered_rows: int
    open_band_high: int | None
    edition_date: str | None
    data_path: str
    current: bool
    sectors: str | None = None


_FIELDS = tuple(f.name for f in fields(CapacityEdition))


def _edition(row: Mapping[Any, Any]) -> CapacityEdition:
    values = {name: row[name] for name in _FIELDS}
    moment = values["imported_at"]
    if moment.tzinfo is None:  # SQLite gives naive datetimes back; they were written in UTC
        values["imported_at"] = moment.replace(tzinfo=UTC)
    return CapacityEdition(**values)


@contextlib.contextmanager
def _located(store: Store, doing: str) -> Iterator[None]:
    """A database error as one message naming the store (no traceback at the command line)."""
    try:
        yield
    except DBAPIError as exc:
        raise InputError(f"cannot {doing} the DENUE editions table of the store at {store.url}: {exc.orig}") from exc


def record_capacity_edition(
    store: Store, edition: CapacityEdition, *, before_commit: Callable[[], None] | None = None
) -> CapacityEdition:
    """Add ``edition``; when it is ``current``, every other edition stops being current. One transaction:
    ``before_commit`` (e.g. replacing the data directory's pointer file) runs last inside it, and the row is
    not added if it fails."""
    with (
        _located(store, "write"),
        store.engine.connect().execution_options(allyshore_write=True) as connection,
        connection.begin(),
    ):
        if edition.current:
            connection.execute(update(CapacityEditionRow).values(current=False))
        values = {name: getattr(edition, name) for name in _FIELDS}
        values["source"] = edition.source[:400]
        connection.execute(insert(CapacityEditionRow).values(**values))
        if before_commit is not None:
            before_commit()
    return edition


def list_capacity_editions(store: Store) -> list[CapacityEdition]:
    """Every imported edition, oldest first."""
    with _located(store, "read"), store.engine.connect() as connection:
        columns = [getattr(CapacityEditionRow, name) for name in _FIELDS]
        rows = connection.execute(select(*columns).order_by(CapacityEditionRow.id)).all()
    return [_edition(row._mapping) for row in rows]


def find_capacity_edition(store: Store, file_hash: str, sectors: str | None = None) -> CapacityEdition | None:
    """The latest import of the file(s) with this SHA-256 (and the same sector filter), or None."""
    found = [e for e in list_capacity_editions(store) if e.file_hash == file_hash and e.sectors == sectors]
    return found[-1] if found else None
