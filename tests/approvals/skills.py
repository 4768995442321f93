"""A registry skill that carries its origin (what gov-skills' SkillSpec will publish)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nexus.core.registry import Skill
from nexus.workers.demo.handlers import NoopIn, NoopOut


@dataclass(frozen=True)
class OriginSkill(Skill):
    origin: str = "builtin"
    tenant_id: str | None = None


def user_skill(name: str, handler: Any, *, origin: str, tenant_id: str | None = None) -> Skill:
    return OriginSkill(
        name,
        "1",
        NoopIn,
        NoopOut,
        handler,
        resource_class="io",
        origin=origin,
        tenant_id=tenant_id,
    )
