"""The user skill store: upload (immutable versions), read, list, soft delete, and the
``UserSkillSource`` the skill catalogue reads (``list_specs``). Every query is scoped by
tenant: another tenant's skill is ``skill_not_found``, never visible."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillSpec
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow
from nexus.core.settings import SandboxSettings
from nexus.sandbox import schemas
from nexus.sandbox.manifest import UserSkillManifest, skill_digest
from nexus.sandbox.tables import USER_SKILLS as ROWS


def parse_ref(ref: str) -> tuple[str, str]:
    name, sep, version = ref.partition("@")
    if not sep or not name or not version:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, f"{ref!r} is not name@version", fields={"skill": ref}
        )
    return name, version


def _read_model(row: Any) -> schemas.UserSkill:
    return schemas.UserSkill(
        skill_id=row.skill_id,
        tenant_id=row.tenant_id,
        name=row.name,
        version=row.skill_version,
        language=row.language,
        digest=row.digest,
        source_bytes=row.source_bytes,
        created_by=row.created_by,
        created_at=row.created_at,
        manifest=UserSkillManifest.model_validate(row.manifest),
    )


def _not_found(tenant_id: str, name: str, version: str) -> NexusError:
    del tenant_id  # never say whose it is
    return NexusError(ErrorCode.SKILL_NOT_FOUND, f"user skill {name}@{version} does not exist")


class UserSkillStore:
    def __init__(self, db: Database, settings: SandboxSettings) -> None:
        self.db = db
        self.settings = settings

    async def upload(
        self,
        tenant_id: str,
        manifest: UserSkillManifest,
        source: bytes,
        *,
        created_by: str = "",
        project_id: str = "",
    ) -> schemas.UserSkillUploaded:
        """Store a new version; the same content again is a no-op, other content a conflict
        (``skill_version_conflict``), also against a soft-deleted version."""
        if not source:
            raise NexusError(
                ErrorCode.INVALID_MANIFEST, "the source is empty", fields={"source": "empty"}
            )
        if len(source) > self.settings.max_source_bytes:
            raise NexusError(
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"source of {len(source)} bytes; at most {self.settings.max_source_bytes}",
            )
        if manifest.language != "native":
            try:
                source.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise NexusError(
                    ErrorCode.INVALID_MANIFEST,
                    "source is not UTF-8 text",
                    fields={"source": "not UTF-8"},
                ) from exc
        digest = skill_digest(manifest, source)
        existing = await self._row(tenant_id, manifest.name, manifest.version, deleted=True)
        if existing is None:
            now = utcnow()
            try:
                async with self.db.transaction() as conn:
                    await conn.execute(
                        insert(ROWS).values(
                            skill_id=new_id("usk"), tenant_id=tenant_id, project_id=project_id,
                            name=manifest.name, skill_version=manifest.version,
                            language=manifest.language, category=manifest.category,
                            description=manifest.description,
                            manifest=manifest.model_dump(mode="json"), source=source,
                            source_bytes=len(source), digest=digest, created_by=created_by,
                            version=1, created_at=now, updated_at=now,
                        )
                    )  # fmt: skip
            except IntegrityError:
                pass  # a concurrent upload of the same version won: compare with it below
            else:
                row = await self._row(tenant_id, manifest.name, manifest.version)
                return schemas.UserSkillUploaded(**_read_model(row).model_dump(), created=True)
            existing = await self._row(tenant_id, manifest.name, manifest.version, deleted=True)
        if existing is None or existing.digest != digest or existing.deleted_at is not None:
            raise NexusError(
                ErrorCode.SKILL_VERSION_CONFLICT,
                f"{manifest.name}@{manifest.version} exists with other content "
                "(or was deleted); upload a new version",
            )
        return schemas.UserSkillUploaded(**_read_model(existing).model_dump(), created=False)

    async def _row(self, tenant_id: str, name: str, version: str, *, deleted: bool = False) -> Any:
        query = select(ROWS).where(
            ROWS.c.tenant_id == tenant_id, ROWS.c.name == name, ROWS.c.skill_version == version
        )
        if not deleted:
            query = query.where(ROWS.c.deleted_at.is_(None))
        async with self.db.read() as conn:
            return (await conn.execute(query)).first()

    async def read_skill(self, tenant_id: str, name: str, version: str) -> schemas.StoredSkill:
        row = await self._row(tenant_id, name, version)
        if row is None:
            raise _not_found(tenant_id, name, version)
        return schemas.StoredSkill(
            tenant_id=tenant_id,
            manifest=UserSkillManifest.model_validate(row.manifest),
            source=bytes(row.source),
            digest=row.digest,
        )

    async def list_skills(
        self, tenant_id: str, *, limit: int = 100, offset: int = 0
    ) -> schemas.UserSkillPage:
        where = (ROWS.c.tenant_id == tenant_id, ROWS.c.deleted_at.is_(None))
        async with self.db.read() as conn:
            total = (
                await conn.execute(select(func.count()).select_from(ROWS).where(*where))
            ).scalar_one()
            rows = (
                await conn.execute(
                    select(ROWS).where(*where).order_by(ROWS.c.name, ROWS.c.created_at)
                    .limit(limit).offset(offset)
                )
            ).all()  # fmt: skip
        nxt = str(offset + limit) if offset + limit < total else None
        return schemas.UserSkillPage(items=[_read_model(r) for r in rows], total=total, next=nxt)

    async def delete_skill(self, tenant_id: str, name: str, version: str) -> None:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                update(ROWS)
                .where(
                    ROWS.c.tenant_id == tenant_id,
                    ROWS.c.name == name,
                    ROWS.c.skill_version == version,
                    ROWS.c.deleted_at.is_(None),
                )
                .values(deleted_at=utcnow(), updated_at=utcnow(), version=ROWS.c.version + 1)
            )
        if result.rowcount == 0:
            raise _not_found(tenant_id, name, version)

    async def list_specs(self, tenant_id: str) -> list[SkillSpec]:
        """``nexus.skills.UserSkillSource``: this tenant's skills as catalogue entries."""
        page = await self.list_skills(tenant_id, limit=10_000)
        return [
            SkillSpec(
                name=s.name,
                version=s.version,
                category=s.manifest.category,
                origin="user",
                tenant_id=tenant_id,
                description=s.manifest.description,
                resource_class="cpu",
                pool="cpu",
                input_schema=s.manifest.input_schema,
                output_schema=s.manifest.output_schema,
                permissions=s.manifest.permissions,
                digest=s.digest,
            )
            for s in page.items
        ]
