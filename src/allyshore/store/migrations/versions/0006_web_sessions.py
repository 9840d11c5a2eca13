"""The web pages' sign-in sessions: one row per signed-in browser.

Revision ID: 0006_web_sessions
Revises: 0005_platform
Create Date: 2026-12-03

The cookie carries a 256-bit random session id; only its SHA-256 is stored (``session_hash``), with the
organisation and user it signs in, its expiry and the secret its forms' CSRF tokens are checked against. The store
reads and writes these rows only through :class:`allyshore.store.sessions.WebSessions`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_web_sessions"
down_revision = "0005_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("csrf_secret", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("web_sessions")
