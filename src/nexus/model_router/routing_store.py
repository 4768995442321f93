"""Projects' routing preferences in ``router_project_routing``: written over the API/CLI,
validated against the registry (a ref names a provider and, optionally, one of its models
able to serve the capability), read whole into every process's model client."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.model_router import schemas, tables
from nexus.model_router.decide import ProjectRouting
from nexus.model_router.providers import ProviderRegistry

ROWS = tables.PROJECT_ROUTING


def check_refs(body: schemas.ProjectRoutingBody, registry: ProviderRegistry) -> None:
    """Every ref names a configured provider (and a model of it able to do the capability)."""
    for capability, refs in body.preferences.items():
        for ref in refs:
            name, _, model = ref.partition("/")
            spec = registry.providers.get(name)
            if spec is None:
                raise NexusError(
                    ErrorCode.PROVIDER_NOT_FOUND,
                    f"{capability}: no provider {name!r} (see `nexus providers list`)",
                    fields={f"preferences.{capability}": f"unknown provider {name!r}"},
                )
            capable = [m.name for m in spec.capable(capability)]
            if not capable or (model and model not in capable):
                what = f"model {model!r} of {name!r}" if model else f"provider {name!r}"
                raise NexusError(
                    ErrorCode.VALIDATION_FAILED,
                    f"{capability}: {what} cannot serve {capability}"
                    + (f" (its capable models: {', '.join(capable)})" if capable else ""),
                    fields={f"preferences.{capability}": f"{ref} cannot serve {capability}"},
                )


def _routing(row: Any) -> ProjectRouting:
    return ProjectRouting(
        preferences={k: tuple(v) for k, v in (row.preferences or {}).items()},
        offline_fallback=row.offline_fallback,
    )


class ProjectRoutingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> dict[str, ProjectRouting]:
        async with self.db.read() as conn:
            rows = (await conn.execute(select(ROWS))).all()
        return {r.project_id: _routing(r) for r in rows}

    async def get(self, tenant_id: str, project_id: str) -> Any | None:
        async with self.db.read() as conn:
            return (
                await conn.execute(
                    select(ROWS).where(
                        ROWS.c.project_id == project_id, ROWS.c.tenant_id == tenant_id
                    )
                )
            ).first()

    async def put(
        self, tenant_id: str, project_id: str, body: schemas.ProjectRoutingBody, user_id: str | None
    ) -> None:
        now = utcnow()
        values = {
            "preferences": body.model_dump(mode="json")["preferences"],
            "offline_fallback": body.offline_fallback,
            "updated_by": user_id,
            "updated_at": now,
        }
        async with self.db.transaction() as conn:
            found = (
                await conn.execute(
                    select(ROWS.c.tenant_id, ROWS.c.version)
                    .where(ROWS.c.project_id == project_id)
                    .with_for_update()
                )
            ).first()
            if found is None:
                await conn.execute(
                    insert(ROWS).values(
                        project_id=project_id,
                        tenant_id=tenant_id,
                        version=1,
                        created_at=now,
                        **values,
                    )
                )
            elif found.tenant_id != tenant_id:  # project ids are global: never cross tenants
                raise NexusError(ErrorCode.NOT_FOUND, f"no project {project_id!r}")
            else:
                await conn.execute(
                    update(ROWS)
                    .where(ROWS.c.project_id == project_id)
                    .values(version=found.version + 1, **values)
                )

    async def clear(self, tenant_id: str, project_id: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                delete(ROWS).where(ROWS.c.project_id == project_id, ROWS.c.tenant_id == tenant_id)
            )

    async def fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever a project's routing is written or removed (for the watcher)."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(func.count(), func.max(ROWS.c.updated_at), func.sum(ROWS.c.version))
                )
            ).one()
        return tuple(row)
