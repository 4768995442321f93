"""asset_knowledge: the assets of each project's library and their indexed text chunks

Revision ID: 0001_asset_knowledge
Revises:
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_asset_knowledge"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("asset_knowledge",)
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("asset_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=1000), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("entity", sa.String(length=200), nullable=True),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("embed_model", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_assets")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index("ix_assets_scope_sha", ["tenant_id", "project_id", "sha256"])
        batch_op.create_index("ix_assets_scope_updated", ["tenant_id", "project_id", "updated_at"])
        batch_op.create_index(batch_op.f("ix_assets_tenant_id"), ["tenant_id"])
        batch_op.create_index(batch_op.f("ix_assets_project_id"), ["project_id"])
    op.create_table(
        "asset_chunks",
        sa.Column("chunk_id", sa.String(length=80), nullable=False),
        sa.Column("asset_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("embed_model", sa.String(length=200), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("chunk_id", name=op.f("pk_asset_chunks")),
    )
    with op.batch_alter_table("asset_chunks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asset_chunks_asset_id"), ["asset_id"])
        batch_op.create_index("ix_asset_chunks_scope", ["tenant_id", "project_id"])
        batch_op.create_index("ix_asset_chunks_model_text", ["embed_model", "text_sha256"])


def downgrade() -> None:
    op.drop_table("asset_chunks")
    op.drop_table("assets")
