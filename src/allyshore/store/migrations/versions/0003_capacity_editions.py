"""The DENUE editions imported into the data directory.

Revision ID: 0003_capacity_editions
Revises: 0002_record_chain
Create Date: 2026-12-03

One row per import of a DENUE file (or of several files imported together): which files (names and
SHA-256), their format and encoding, how many rows were kept, skipped as bad (``--skip-bad-rows``) and
left out by the sector filter (``sectors``, the SCIAN prefixes kept; NULL = all), the edition's date as far as the file tells it (the newest ``fecha_alta``),
the upper bound given to the open stratum "251 y más", where its Parquet partitions are, and whether it is
the edition in use. The establishments themselves are Parquet files, not rows of the store.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_capacity_editions"
down_revision = "0002_record_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_editions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("edition_id", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(400), nullable=False),
        sa.Column("file_hash", sa.String(64), nullable=False),
        sa.Column("encoding", sa.String(32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("skipped_rows", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("filtered_rows", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("file_format", sa.String(16), nullable=False, server_default="csv"),
        sa.Column("sectors", sa.String(200), nullable=True),
        sa.Column("open_band_high", sa.Integer(), nullable=True),
        sa.Column("edition_date", sa.String(16), nullable=True),
        sa.Column("data_path", sa.String(1000), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("capacity_editions_hash", "capacity_editions", ["file_hash"])


def downgrade() -> None:
    op.drop_index("capacity_editions_hash", table_name="capacity_editions")
    op.drop_table("capacity_editions")
