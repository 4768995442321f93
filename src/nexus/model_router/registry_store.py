"""Providers added or switched over the API/CLI, kept in ``router_providers``, merged with
the settings file into the registry every process builds.

A row never holds a credential: an API-added provider names an env var or a secrets file
(``api_key_env``/``api_key_file``); an inline ``api_key`` is refused. A settings-file
provider cannot be edited over the API, only switched off and on (an ``override`` row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, insert, select, update

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.core.logging import get_logger
from nexus.core.settings import ProviderSettings
from nexus.model_router import tables
from nexus.model_router.providers import OFFLINE, ProviderRegistry, ProviderSpec, spec_of

ROWS = tables.PROVIDERS
log = get_logger(__name__)


def parse_provider(data: dict[str, Any]) -> ProviderSettings:
    """A provider definition from the API/CLI, validated; inline keys refused."""
    if data.get("api_key"):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "an API-added provider takes api_key_env or api_key_file, never the key itself",
            fields={"api_key": "not accepted here"},
        )
    try:
        provider = ProviderSettings.model_validate(data)
    except ValidationError as exc:
        raise NexusError(ErrorCode.VALIDATION_FAILED, f"invalid provider: {exc}") from exc
    try:
        spec_of(provider)  # base_url, reserved name and credential source checked now
    except NexusError as exc:
        raise NexusError(ErrorCode.VALIDATION_FAILED, exc.detail) from exc
    return provider


class ProviderStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list_rows(self) -> list[Any]:
        async with self.db.read() as conn:
            return list((await conn.execute(select(ROWS).order_by(ROWS.c.name))).all())

    async def fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever a provider is added or switched (for the watcher)."""
        async with self.db.read() as conn:
            row = (await conn.execute(select(func.count(), func.max(ROWS.c.updated_at)))).one()
        return tuple(row)

    async def registry(self, configured: Sequence[ProviderSettings]) -> ProviderRegistry:
        """The settings providers (with on/off overrides), then API-added ones, then offline.
        An API-added provider whose credentials this process cannot read is left out."""
        rows = {r.name: r for r in await self.list_rows()}
        specs: list[ProviderSpec] = []
        for provider in configured:
            row = rows.pop(provider.name, None)
            if row is not None:
                provider = provider.model_copy(update={"enabled": row.enabled})
            specs.append(spec_of(provider))
        for row in rows.values():
            if row.origin != "api":
                continue
            try:
                data = {**row.config, "enabled": row.enabled}
                specs.append(spec_of(ProviderSettings.model_validate(data), source="api"))
            except (NexusError, ValidationError) as exc:
                log.warning("router.provider_skipped", provider=row.name, error=str(exc)[:200])
        return ProviderRegistry.of(specs)

    async def add(self, provider: ProviderSettings, configured: Sequence[ProviderSettings]) -> None:
        if provider.name == OFFLINE or any(p.name == provider.name for p in configured):
            raise NexusError(ErrorCode.CONFLICT, f"provider {provider.name!r} already exists")
        now = utcnow()
        config = provider.model_dump(mode="json", exclude={"api_key", "enabled"})
        async with self.db.transaction() as conn:
            found = (
                await conn.execute(select(ROWS.c.name).where(ROWS.c.name == provider.name))
            ).first()
            if found is not None:
                raise NexusError(ErrorCode.CONFLICT, f"provider {provider.name!r} already exists")
            await conn.execute(
                insert(ROWS).values(
                    name=provider.name,
                    origin="api",
                    enabled=provider.enabled,
                    config=config,
                    created_at=now,
                    updated_at=now,
                )
            )

    async def set_enabled(
        self, name: str, enabled: bool, configured: Sequence[ProviderSettings]
    ) -> None:
        if name == OFFLINE:
            raise NexusError(
                ErrorCode.VALIDATION_FAILED,
                "the offline engines cannot be switched off; set router.offline_fallback",
            )
        now = utcnow()
        async with self.db.transaction() as conn:
            found = (await conn.execute(select(ROWS.c.name).where(ROWS.c.name == name))).first()
            if found is not None:
                await conn.execute(
                    update(ROWS).where(ROWS.c.name == name).values(enabled=enabled, updated_at=now)
                )
                return
            if not any(p.name == name for p in configured):
                raise NexusError(ErrorCode.PROVIDER_NOT_FOUND, f"no provider {name!r}")
            await conn.execute(
                insert(ROWS).values(
                    name=name,
                    origin="override",
                    enabled=enabled,
                    config={},
                    created_at=now,
                    updated_at=now,
                )
            )
