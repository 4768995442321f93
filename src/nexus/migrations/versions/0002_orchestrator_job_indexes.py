"""jobs: drop the tenant and project indexes, lease index only on running jobs (ADR 0015)

Revision ID: 0002_orchestrator
Revises: 0001_orchestrator
Create Date: 2026-11-22 07:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_orchestrator"
down_revision: str | Sequence[str] | None = "0001_orchestrator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_tenant_id")
        batch_op.drop_index("ix_jobs_project_id")
        batch_op.drop_index("ix_jobs_status_lease")
        batch_op.create_index(
            "ix_jobs_running_lease",
            ["lease_expires_at"],
            unique=False,
            sqlite_where=RUNNING,
            postgresql_where=RUNNING,
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_running_lease")
        batch_op.create_index("ix_jobs_status_lease", ["status", "lease_expires_at"], unique=False)
        batch_op.create_index("ix_jobs_project_id", ["project_id"], unique=False)
        batch_op.create_index("ix_jobs_tenant_id", ["tenant_id"], unique=False)
