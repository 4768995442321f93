"""The sandbox's table: uploaded user skills, one immutable row per (tenant, name, version)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import JSON, Index, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from nexus.core.db import Base
from nexus.core.records import RecordColumns


class UserSkill(RecordColumns, Base):
    __tablename__ = "user_skills"

    skill_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    skill_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    manifest: Mapped[dict[str, object]] = mapped_column(JSON)
    source: Mapped[bytes] = mapped_column(LargeBinary)
    source_bytes: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (
        Index(
            "uq_user_skills_tenant_name_version", "tenant_id", "name", "skill_version", unique=True
        ),
    )


USER_SKILLS = cast(Table, UserSkill.__table__)
