"""Immutable origin determination records.

Revision ID: 0001_determinations
Revises:
Create Date: 2026-11-23

Records must be kept five years (USMCA Art. 5.8; 19 CFR 182.15), so the table
refuses UPDATE and DELETE at the database level (a trigger on SQLite and on
PostgreSQL), not only in the ORM.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_determinations"
down_revision = None
branch_labels = None
depends_on = None

MESSAGE = "determination records are immutable: they are never updated or deleted"


def upgrade() -> None:
    op.create_table(
        "determinations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(400), nullable=False),
        sa.Column("hs", sa.String(16), nullable=False),
        sa.Column("originating", sa.Boolean(), nullable=False),
        sa.Column("criterion", sa.String(1), nullable=True),
        sa.Column("rule_version", sa.String(400), nullable=False),
        sa.Column("software_version", sa.String(32), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("explanation_json", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_determinations_created_at", "determinations", ["created_at"])
    op.create_index("ix_determinations_hs", "determinations", ["hs"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER determinations_no_{action.lower()} BEFORE {action} ON determinations "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION determinations_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER determinations_immutable BEFORE UPDATE OR DELETE ON determinations "
            "FOR EACH ROW EXECUTE FUNCTION determinations_immutable()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS determinations_no_update")
        op.execute("DROP TRIGGER IF EXISTS determinations_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS determinations_immutable ON determinations")
        op.execute("DROP FUNCTION IF EXISTS determinations_immutable()")
    op.drop_index("ix_determinations_hs", "determinations")
    op.drop_index("ix_determinations_created_at", "determinations")
    op.drop_table("determinations")
