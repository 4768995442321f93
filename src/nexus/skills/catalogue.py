"""The skill catalogue: the built-ins of this process's registry plus a tenant's user skills
(from a ``UserSkillSource``, the sandbox's), with the versions the registry has recorded.

``register_builtins`` is called at process start (``Platform.open``): it records every
built-in (name, version) and refuses a changed one (``skill_version_conflict``).
"""

from __future__ import annotations

from typing import Protocol

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillCategory, SkillSpec
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.registry import Registry
from nexus.skills import versions
from nexus.skills.schemas import SkillDetail
from nexus.skills.spec import spec_of


class UserSkillSource(Protocol):
    """Where a tenant's uploaded skills come from (``nexus.sandbox`` implements it)."""

    async def list_specs(self, tenant_id: str) -> list[SkillSpec]:
        """The tenant's current user skills (``origin="user"``, ``tenant_id`` set)."""
        ...


class NoUserSkills:
    """The source of a deployment without the sandbox: no user skills."""

    async def list_specs(self, tenant_id: str) -> list[SkillSpec]:
        return []


class SkillCatalogue:
    def __init__(
        self, db: Database, registry: Registry, user_skills: UserSkillSource | None = None
    ) -> None:
        self.db = db
        self.registry = registry
        self.user_skills: UserSkillSource = user_skills or NoUserSkills()
        self._builtins = {name: spec_of(s) for name, s in registry.skills.items()}

    def builtin_specs(self) -> list[SkillSpec]:
        return sorted(self._builtins.values(), key=lambda s: s.name)

    async def register_builtins(self) -> int:
        """Record this process's built-ins; returns how many versions were new."""
        return await versions.record_specs(self.db, self.builtin_specs(), tenant_id=None)

    async def list_specs(
        self, tenant_id: str, *, category: SkillCategory | None = None
    ) -> list[SkillSpec]:
        """Built-ins and ``tenant_id``'s user skills, by name (a user skill never shadows a
        built-in: the sandbox refuses such names; here the built-in wins)."""
        users = [
            s
            for s in await self.user_skills.list_specs(tenant_id)
            if s.origin == "user" and s.tenant_id == tenant_id and s.name not in self._builtins
        ]
        found = [*self._builtins.values(), *users]
        if category is not None:
            found = [s for s in found if s.category == category]
        return sorted(found, key=lambda s: (s.name, s.version))

    async def read_skill(
        self, tenant_id: str, name: str, version: str | None = None
    ) -> SkillDetail:
        """One skill with the versions seen; ``version``: that recorded version's spec."""
        owner = None if name in self._builtins else tenant_id
        current = self._builtins.get(name) or next(
            (s for s in await self.list_specs(tenant_id) if s.name == name), None
        )
        async with self.db.read() as conn:
            seen = await versions.versions_seen(conn, owner, name)
            if version is not None and (current is None or current.version != version):
                current = await versions.read_recorded(conn, owner, name, version)
        if current is None:
            what = name if version is None else f"{name}@{version}"
            raise NexusError(ErrorCode.NOT_FOUND, f"no skill {what!r}")
        return SkillDetail(spec=current, versions=seen)
