"""agents: durable session-create idempotency (ADR 0309); memory vectors move to the
asset library's vector index (ADR 0308)

Revision ID: 0002_agents
Revises: 0001_agents
Create Date: 2026-12-04 13:17:45
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_agents"
down_revision: str | Sequence[str] | None = "0001_agents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents_memories", schema=None) as batch_op:
        batch_op.drop_column("embedding")
    with op.batch_alter_table("agents_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_agents_sessions_idempotency", ["tenant_id", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("agents_sessions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_agents_sessions_idempotency", type_="unique")
        batch_op.drop_column("request_hash")
    with op.batch_alter_table("agents_memories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("embedding", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
