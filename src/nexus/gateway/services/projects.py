"""Projects: create, list (cursor), read, update (optimistic version), soft delete."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow
from nexus.gateway import tables
from nexus.gateway.preconditions import Precondition

PROJECTS = cast(Table, tables.Project.__table__)
# Read on every run create: prebuilt.
SELECT_PROJECT = select(PROJECTS).where(
    PROJECTS.c.project_id == bindparam("project_id"),
    PROJECTS.c.tenant_id == bindparam("tenant_id"),
    PROJECTS.c.deleted_at.is_(None),
)


async def read_project(conn: Conn, tenant_id: str, project_id: str) -> Any:
    row = (
        await conn.execute(SELECT_PROJECT, {"project_id": project_id, "tenant_id": tenant_id})
    ).first()
    if row is None:
        raise NexusError(ErrorCode.NOT_FOUND, f"project {project_id!r} does not exist")
    return row


async def list_projects(conn: Conn, tenant_id: str, *, before: str | None, limit: int) -> list[Any]:
    stmt = select(PROJECTS).where(
        PROJECTS.c.tenant_id == tenant_id, PROJECTS.c.deleted_at.is_(None)
    )
    if before is not None:
        stmt = stmt.where(PROJECTS.c.project_id < before)
    return list(
        (await conn.execute(stmt.order_by(PROJECTS.c.project_id.desc()).limit(limit))).all()
    )


async def create_project(
    db: Database,
    *,
    tenant_id: str,
    created_by: str,
    name: str,
    description: str,
    settings: dict[str, Any],
    trace_id: str,
) -> Any:
    project_id = new_id("prj")
    now = utcnow()
    async with db.transaction() as conn:
        await conn.execute(
            insert(PROJECTS).values(
                project_id=project_id,
                tenant_id=tenant_id,
                name=name,
                description=description,
                settings=settings,
                created_by=created_by,
                trace_id=trace_id,
                correlation_id=project_id,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        return await read_project(conn, tenant_id, project_id)


async def update_project(
    db: Database,
    tenant_id: str,
    project_id: str,
    changes: dict[str, Any],
    *,
    precondition: Precondition | None = None,
) -> Any:
    """Apply ``changes`` if ``precondition`` (If-Match) holds for the current version; the
    write is guarded by the version it read, so a concurrent change cannot be overwritten."""
    async with db.transaction() as conn:
        row = await read_project(conn, tenant_id, project_id)
        if precondition is not None:
            precondition.check(row.version)
        if changes:
            written = await conn.execute(
                update(PROJECTS)
                .where(PROJECTS.c.project_id == project_id, PROJECTS.c.version == row.version)
                .values(**changes, version=row.version + 1, updated_at=utcnow())
            )
            if written.rowcount != 1:
                raise NexusError(
                    ErrorCode.PRECONDITION_FAILED,
                    f"project {project_id!r} changed meanwhile; read it again",
                )
        return await read_project(conn, tenant_id, project_id)


async def delete_project(db: Database, tenant_id: str, project_id: str) -> None:
    """Soft delete: the row stays for audit and for the runs that reference it."""
    async with db.transaction() as conn:
        await read_project(conn, tenant_id, project_id)
        await conn.execute(
            update(PROJECTS)
            .where(PROJECTS.c.project_id == project_id)
            .values(deleted_at=utcnow(), updated_at=utcnow())
        )
