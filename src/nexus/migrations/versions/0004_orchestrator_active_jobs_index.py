"""jobs: a partial index of the active jobs for the scrape-time state gauges (ADR 0252)

Revision ID: 0004_orchestrator
Revises: 0003_orchestrator
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_orchestrator"
down_revision: str | Sequence[str] | None = "0003_orchestrator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('pending', 'ready', 'running', 'awaiting_approval')")


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_jobs_active_skill",
            ["status", "skill", "pool"],
            unique=False,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_active_skill")
