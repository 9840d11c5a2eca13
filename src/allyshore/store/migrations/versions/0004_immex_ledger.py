"""The IMMEX ledger's events, appended and never changed.

Revision ID: 0004_immex_ledger
Revises: 0003_capacity_editions
Create Date: 2026-12-03

One row per record of a ledger table (programs, materials, products, bom, pedimentos, pedimento_lines, exits),
kept as canonical JSON text with its SHA-256. A rectification, a new BOM version or a back-dated exit is a new
row; nothing is updated or deleted (a trigger refuses it on SQLite and on PostgreSQL, as for determinations).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_immex_ledger"
down_revision = "0003_capacity_editions"
branch_labels = None
depends_on = None

MESSAGE = "IMMEX ledger events are append-only: they are never updated or deleted"


def upgrade() -> None:
    op.create_table(
        "immex_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch", sa.String(64), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_immex_events_table", "immex_events", ["table_name"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER immex_events_no_{action.lower()} BEFORE {action} ON immex_events "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION immex_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER immex_events_immutable BEFORE UPDATE OR DELETE ON immex_events "
            "FOR EACH ROW EXECUTE FUNCTION immex_events_immutable()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS immex_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS immex_events_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS immex_events_immutable ON immex_events")
        op.execute("DROP FUNCTION IF EXISTS immex_events_immutable()")
    op.drop_index("ix_immex_events_table", "immex_events")
    op.drop_table("immex_events")
