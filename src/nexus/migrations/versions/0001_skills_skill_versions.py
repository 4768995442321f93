"""skills: skill_versions (every registered name, version and digest; ADR 0200)

Revision ID: 0001_skills
Revises:
Create Date: 2026-12-03 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_skills"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("skills",)
depends_on: str | Sequence[str] | None = None

BUILTIN = sa.text("tenant_id IS NULL")
USER = sa.text("tenant_id IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "skill_versions",
        sa.Column("skill_version_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("skill_version_id", name=op.f("pk_skill_versions")),
    )
    with op.batch_alter_table("skill_versions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_skill_versions_builtin",
            ["name", "version"],
            unique=True,
            sqlite_where=BUILTIN,
            postgresql_where=BUILTIN,
        )
        batch_op.create_index(
            "uq_skill_versions_user",
            ["tenant_id", "name", "version"],
            unique=True,
            sqlite_where=USER,
            postgresql_where=USER,
        )


def downgrade() -> None:
    with op.batch_alter_table("skill_versions", schema=None) as batch_op:
        batch_op.drop_index("uq_skill_versions_user")
        batch_op.drop_index("uq_skill_versions_builtin")
    op.drop_table("skill_versions")
