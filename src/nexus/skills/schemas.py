"""Wire shapes of the skill catalogue for the API and the CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from nexus.contracts.governance import SkillSpec


class SkillVersionSeen(BaseModel):
    version: str
    digest: str
    first_seen: datetime


class SkillSummary(BaseModel):
    name: str
    version: str
    category: str
    origin: str
    description: str
    resource_class: str
    capability: str | None
    network_hosts: list[str]
    digest: str


class SkillPage(BaseModel):
    items: list[SkillSummary]
    total: int
    next: str | None = Field(default=None, description="Pass as ``cursor`` for the next page.")


class SkillDetail(BaseModel):
    spec: SkillSpec
    versions: list[SkillVersionSeen] = Field(
        description="Every version of this skill recorded by the registry, oldest first."
    )


def summary_of(spec: SkillSpec) -> SkillSummary:
    return SkillSummary(
        name=spec.name,
        version=spec.version,
        category=spec.category,
        origin=spec.origin,
        description=spec.description,
        resource_class=spec.resource_class,
        capability=spec.capability,
        network_hosts=list(spec.permissions.network_hosts),
        digest=spec.digest,
    )
