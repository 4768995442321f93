"""observer: SLA objective states and the alert events raised on their changes

Revision ID: 0003_observer
Revises: 0002_observer
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_observer"
down_revision: str | Sequence[str] | None = "0002_observer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "observer_sla_state",
        sa.Column("objective", sa.String(length=80), nullable=False),
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("objective", name=op.f("pk_observer_sla_state")),
    )
    op.create_table(
        "observer_alert_events",
        sa.Column(
            "alert_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("pipeline", sa.String(length=100), nullable=False),
        sa.Column("objective", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_observer_alert_events")),
    )
    with op.batch_alter_table("observer_alert_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_observer_alert_events_objective", ["objective", "alert_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("observer_alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_observer_alert_events_objective")
    op.drop_table("observer_alert_events")
    op.drop_table("observer_sla_state")
