"""Immutability of skill versions: record each (name, version) with its digest the first time
it is registered, and refuse one whose digest changed (``skill_version_conflict``).

Queries take a connection; ``record_specs`` is the one command and owns its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.exc import IntegrityError

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillSpec
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow
from nexus.skills import tables
from nexus.skills.schemas import SkillVersionSeen

T = tables.SKILL_VERSIONS


def _owner(tenant_id: str | None) -> ColumnElement[bool]:
    return T.c.tenant_id.is_(None) if tenant_id is None else T.c.tenant_id == tenant_id


async def recorded_digests(
    conn: Conn, tenant_id: str | None, names: Iterable[str] | None = None
) -> dict[tuple[str, str], str]:
    stmt = select(T.c.name, T.c.version, T.c.digest).where(_owner(tenant_id))
    if names is not None:
        stmt = stmt.where(T.c.name.in_(list(names)))
    return {(r.name, r.version): r.digest for r in await conn.execute(stmt)}


async def versions_seen(conn: Conn, tenant_id: str | None, name: str) -> list[SkillVersionSeen]:
    rows = await conn.execute(
        select(T.c.version, T.c.digest, T.c.first_seen)
        .where(_owner(tenant_id), T.c.name == name)
        .order_by(T.c.first_seen, T.c.version)
    )
    return [
        SkillVersionSeen(version=r.version, digest=r.digest, first_seen=r.first_seen) for r in rows
    ]


async def read_recorded(
    conn: Conn, tenant_id: str | None, name: str, version: str
) -> SkillSpec | None:
    row = (
        await conn.execute(
            select(T.c.spec).where(_owner(tenant_id), T.c.name == name, T.c.version == version)
        )
    ).first()
    return None if row is None else SkillSpec.model_validate(row[0])


def _conflicts(specs: list[SkillSpec], recorded: dict[tuple[str, str], str]) -> list[str]:
    return [
        f"{s.name}@{s.version}"
        for s in specs
        if (s.name, s.version) in recorded and recorded[(s.name, s.version)] != s.digest
    ]


async def _record_once(db: Database, tenant_id: str | None, specs: list[SkillSpec]) -> int:
    async with db.transaction() as conn:
        recorded = await recorded_digests(conn, tenant_id, {s.name for s in specs})
        conflicts = _conflicts(specs, recorded)
        if conflicts:
            raise NexusError(
                ErrorCode.SKILL_VERSION_CONFLICT,
                f"changed without a new version: {', '.join(sorted(conflicts))} "
                "(bump each skill's version)",
                extra={"skills": sorted(conflicts)},
            )
        now = utcnow()
        fresh = [
            {
                "skill_version_id": new_id("skv"),
                "name": s.name,
                "version": s.version,
                "digest": s.digest,
                "origin": s.origin,
                "category": s.category,
                "tenant_id": tenant_id,
                "spec": s.model_dump(mode="json"),
                "first_seen": now,
            }
            for s in specs
            if (s.name, s.version) not in recorded
        ]
        if fresh:
            await conn.execute(insert(T), fresh)
        return len(fresh)


async def record_specs(db: Database, specs: list[SkillSpec], *, tenant_id: str | None) -> int:
    """Record ``specs`` (built-ins: ``tenant_id`` None) and return how many were new. A
    recorded (name, version) with another digest raises ``skill_version_conflict`` and
    records nothing. Two processes starting at once: the loser of the insert race reads
    again (its specs are then either the same, or a conflict)."""
    for spec in specs:
        if (spec.tenant_id or None) != tenant_id:
            raise NexusError(ErrorCode.CONFIG_INVALID, f"{spec.name}: spec of another owner")
    try:
        return await _record_once(db, tenant_id, specs)
    except IntegrityError:
        return await _record_once(db, tenant_id, specs)
