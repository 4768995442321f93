"""governance: policy versions per tenant, approval requests

Revision ID: 0001_governance
Revises:
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_governance"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("governance",)
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "governance_policies",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("package", sa.String(length=200), nullable=False),
        sa.Column("syntax", sa.String(length=4), nullable=False),
        sa.Column("tests", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("trace_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "version"),
    )
    op.create_table(
        "governance_approvals",
        sa.Column("approval_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("resource", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("input_digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pending_key", sa.String(length=80), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("approval_id"),
        sa.UniqueConstraint("pending_key"),
    )
    op.create_index(
        "ix_governance_approvals_tenant_id", "governance_approvals", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_governance_approvals_run_id", "governance_approvals", ["run_id"], unique=False
    )
    op.create_index(
        "ix_governance_approvals_expires_at", "governance_approvals", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("governance_approvals")
    op.drop_table("governance_policies")
