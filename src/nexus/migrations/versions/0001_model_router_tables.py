"""model_router tables: provider jobs and API-added providers

Revision ID: 0001_model_router
Revises:
Create Date: 2026-12-03 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_model_router"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("model_router",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "router_provider_jobs",
        sa.Column("resume_key", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("capability", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("resume_key", name=op.f("pk_router_provider_jobs")),
    )
    op.create_table(
        "router_providers",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_router_providers")),
    )


def downgrade() -> None:
    op.drop_table("router_providers")
    op.drop_table("router_provider_jobs")
