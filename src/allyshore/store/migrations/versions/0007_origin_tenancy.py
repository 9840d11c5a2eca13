"""Origin determination records carry their organisation.

Revision ID: 0007_origin_tenancy
Revises: 0006_web_sessions
Create Date: 2026-12-03

``determinations.org_id``: the organisation whose record it is. Records saved before this revision, and every
record saved from the command line, belong to the local organisation ``0`` (no row of ``organisations`` has id 0:
they start at 1), so the command line keeps seeing its records and no organisation of the platform sees them.
The column is added with a constant default: ``ALTER TABLE ... ADD COLUMN`` rewrites no row and fires no UPDATE
trigger, so the records stay as they were (immutable, their hashes and chain unchanged).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_origin_tenancy"
down_revision = "0006_web_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("determinations", sa.Column("org_id", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.create_index("ix_determinations_org_created", "determinations", ["org_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_determinations_org_created", "determinations")
    op.drop_column("determinations", "org_id")
