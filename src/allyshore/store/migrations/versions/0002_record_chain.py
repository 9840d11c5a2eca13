"""Keyed hash chain of determination records; REPLACE and TRUNCATE refused too.

Revision ID: 0002_record_chain
Revises: 0001_determinations
Create Date: 2026-12-03

Adds ``previous_mac``, ``record_mac`` and ``key_id`` (see :mod:`allyshore.store.chain`); records
saved before this revision keep them empty and are shown as saved before keys ("legacy").
SQLite: ``INSERT OR REPLACE`` deletes the row it replaces without firing the DELETE trigger (unless
recursive triggers are on), so a BEFORE INSERT trigger refuses any insert whose id or content hash
already exists. PostgreSQL: a statement-level trigger refuses TRUNCATE, which row triggers never see.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_record_chain"
down_revision = "0001_determinations"
branch_labels = None
depends_on = None

MESSAGE = "determination records are immutable: they are never updated, replaced, truncated or deleted"


def upgrade() -> None:
    op.add_column("determinations", sa.Column("previous_mac", sa.String(64), nullable=True))
    op.add_column("determinations", sa.Column("record_mac", sa.String(64), nullable=True))
    op.add_column("determinations", sa.Column("key_id", sa.String(16), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER determinations_no_replace BEFORE INSERT ON determinations "
            "WHEN EXISTS (SELECT 1 FROM determinations WHERE id = NEW.id OR content_hash = NEW.content_hash) "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION determinations_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER determinations_no_truncate BEFORE TRUNCATE ON determinations "
            "FOR EACH STATEMENT EXECUTE FUNCTION determinations_no_truncate()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS determinations_no_replace")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS determinations_no_truncate ON determinations")
        op.execute("DROP FUNCTION IF EXISTS determinations_no_truncate()")
    for column in ("key_id", "record_mac", "previous_mac"):
        op.drop_column("determinations", column)
