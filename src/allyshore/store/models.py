"""The store's tables, as typed SQLAlchemy 2 declarative classes.

The schema itself is created and changed only by the Alembic migrations in
:mod:`allyshore.store.migrations`; these classes map it for the ORM.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every table of the allyshore store."""


class DeterminationRow(Base):
    """One origin determination, written once and never changed (table ``determinations``).

    The three JSON documents are kept as canonical JSON text (sorted keys, no
    insignificant whitespace) so that ``content_hash`` can be recomputed from
    exactly the stored bytes on any database.
    """

    __tablename__ = "determinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    subject: Mapped[str] = mapped_column(String(400), nullable=False)
    hs: Mapped[str] = mapped_column(String(16), nullable=False)
    originating: Mapped[bool] = mapped_column(Boolean, nullable=False)
    criterion: Mapped[str | None] = mapped_column(String(1), nullable=True)
    rule_version: Mapped[str] = mapped_column(String(400), nullable=False)
    software_version: Mapped[str] = mapped_column(String(32), nullable=False)
    inputs_json: Mapped[str] = mapped_column(Text, nullable=False)
    result_json: Mapped[str] = mapped_column(Text, nullable=False)
    explanation_json: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # The keyed hash chain (allyshore.store.chain); empty on records saved before keys.
    previous_mac: Mapped[str | None] = mapped_column(String(64), nullable=True)
    record_mac: Mapped[str | None] = mapped_column(String(64), nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The organisation whose record it is (migration 0007): 0 is the command line's local organisation.
    org_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
