"""runs: skill_pins, the {skill: version} map a run's jobs run at (ADR 0201)

Revision ID: 0003_orchestrator
Revises: 0002_orchestrator
Create Date: 2026-12-03 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_orchestrator"
down_revision: str | Sequence[str] | None = "0002_orchestrator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skill_pins", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("skill_pins")
