"""Skill registry tables: every (name, version) ever registered, with its digest and spec.

A built-in (``tenant_id`` NULL) and a tenant's user skill live in one table; two partial
unique indexes keep a (name, version) unique among the built-ins and within each tenant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column

from nexus.core.db import Base, UtcDateTime

BUILTIN = text("tenant_id IS NULL")
USER = text("tenant_id IS NOT NULL")


class SkillVersion(Base):
    """One immutable skill version: recorded the first time a process registers it."""

    __tablename__ = "skill_versions"

    skill_version_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(
            "uq_skill_versions_builtin",
            "name",
            "version",
            unique=True,
            sqlite_where=BUILTIN,
            postgresql_where=BUILTIN,
        ),
        Index(
            "uq_skill_versions_user",
            "tenant_id",
            "name",
            "version",
            unique=True,
            sqlite_where=USER,
            postgresql_where=USER,
        ),
    )


SKILL_VERSIONS = cast(Table, SkillVersion.__table__)
