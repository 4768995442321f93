"""API/CLI shapes of user skills (the source itself is never echoed back)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from nexus.sandbox.manifest import UserSkillManifest


class UserSkill(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill_id: str
    tenant_id: str
    name: str
    version: str
    language: str
    digest: str
    source_bytes: int
    created_by: str
    created_at: datetime
    manifest: UserSkillManifest


class UserSkillUploaded(UserSkill):
    created: bool


class UserSkillPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[UserSkill]
    total: int
    next: str | None = None


class StoredSkill(BaseModel):
    """What the executor needs: the manifest, the source and its digest."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: str
    manifest: UserSkillManifest
    source: bytes
    digest: str

    @property
    def ref(self) -> str:
        return f"{self.manifest.name}@{self.manifest.version}"
