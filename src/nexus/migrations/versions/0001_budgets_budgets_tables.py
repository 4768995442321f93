"""budgets: limits and counters, open holds, the spend journal

Revision ID: 0001_budgets
Revises:
Create Date: 2026-12-03 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_budgets"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("budgets",)
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("budget_id", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.String(length=64), nullable=False),
        sa.Column("limit_tokens", sa.BigInteger(), nullable=True),
        sa.Column("limit_compute_ms", sa.BigInteger(), nullable=True),
        sa.Column("limit_micro_usd", sa.BigInteger(), nullable=True),
        sa.Column("spent_tokens", sa.BigInteger(), nullable=False),
        sa.Column("spent_compute_ms", sa.BigInteger(), nullable=False),
        sa.Column("spent_micro_usd", sa.BigInteger(), nullable=False),
        sa.Column("held_tokens", sa.BigInteger(), nullable=False),
        sa.Column("held_compute_ms", sa.BigInteger(), nullable=False),
        sa.Column("held_micro_usd", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "budget_id", name=op.f("pk_budgets")),
    )
    op.create_table(
        "budget_holds",
        sa.Column("reservation_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("budget_ids", sa.String(length=400), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("compute_ms", sa.BigInteger(), nullable=False),
        sa.Column("micro_usd", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("reservation_id", name=op.f("pk_budget_holds")),
    )
    with op.batch_alter_table("budget_holds", schema=None) as batch_op:
        batch_op.create_index("ix_budget_holds_expires_at", ["expires_at"], unique=False)
    op.create_table(
        "budget_spend",
        sa.Column("reservation_id", sa.String(length=64), nullable=False),
        sa.Column("budget_id", sa.String(length=80), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("compute_ms", sa.BigInteger(), nullable=False),
        sa.Column("micro_usd", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("reservation_id", "budget_id", name=op.f("pk_budget_spend")),
    )
    with op.batch_alter_table("budget_spend", schema=None) as batch_op:
        batch_op.create_index(
            "ix_budget_spend_tenant_budget", ["tenant_id", "budget_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("budget_spend", schema=None) as batch_op:
        batch_op.drop_index("ix_budget_spend_tenant_budget")
    op.drop_table("budget_spend")
    with op.batch_alter_table("budget_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_budget_holds_expires_at")
    op.drop_table("budget_holds")
    op.drop_table("budgets")
