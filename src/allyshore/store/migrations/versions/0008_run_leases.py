"""A running run's lease: any worker takes over the runs of a worker that stopped renewing it.

Revision ID: 0008_run_leases
Revises: 0007_origin_tenancy
Create Date: 2026-12-03

``runs.lease_until``: the worker running a run renews it while its process lives (a heartbeat,
:class:`allyshore.web.runner.Runner`); a run still ``running`` after its lease ran out (its host gone, its process
killed) is marked failed ("interrupted") by whichever worker looks next, on any host.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_run_leases"
down_revision = "0007_origin_tenancy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("runs", "lease_until")
