"""Provider registry commands shared by the CLI and the API: list, add, switch, test.
Each change is written to ``router_providers`` and reloaded into the given client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

from nexus.contracts.router import Capability
from nexus.core.db import Database
from nexus.core.settings import ProviderSettings
from nexus.model_router import schemas
from nexus.model_router.client import ModelClient
from nexus.model_router.probe import probe
from nexus.model_router.registry_store import ProviderStore, parse_provider
from nexus.model_router.routing_store import ProjectRoutingStore, check_refs


class ProviderService:
    def __init__(
        self, db: Database, client: ModelClient, configured: Sequence[ProviderSettings]
    ) -> None:
        self.store = ProviderStore(db)
        self.routing = ProjectRoutingStore(db)
        self.client = client
        self.configured = list(configured)

    async def _reload(self) -> None:
        await self.client.reload(
            await self.store.registry(self.configured), await self.routing.all()
        )

    async def list_providers(self) -> schemas.ProviderPage:
        await self._reload()
        return schemas.provider_page(self.client.registry.all(), self.client.health)

    async def add_provider(self, data: dict[str, Any]) -> schemas.Provider:
        provider = parse_provider(data)
        await self.store.add(provider, self.configured)
        await self._reload()
        return schemas.provider_view(self.client.registry.get(provider.name), self.client.health)

    async def set_enabled(self, name: str, enabled: bool) -> schemas.Provider:
        await self.store.set_enabled(name, enabled, self.configured)
        await self._reload()
        return schemas.provider_view(self.client.registry.get(name), self.client.health)

    async def test_provider(self, name: str) -> schemas.ProviderProbe:
        await self._reload()
        result = await probe(self.client.registry.get(name))
        return schemas.ProviderProbe(**vars(result))

    # -- projects' routing ------------------------------------------------------------
    async def project_routing(self, tenant_id: str, project_id: str) -> schemas.ProjectRouting:
        await self._reload()
        row = await self.routing.get(tenant_id, project_id)
        body = schemas.ProjectRoutingBody(
            preferences=row.preferences if row is not None else {},
            offline_fallback=row.offline_fallback if row is not None else None,
        )
        return schemas.ProjectRouting(
            project_id=project_id,
            version=row.version if row is not None else 0,
            updated_at=row.updated_at if row is not None else None,
            effective=self._effective(project_id),
            **body.model_dump(),
        )

    async def set_project_routing(
        self,
        tenant_id: str,
        project_id: str,
        body: schemas.ProjectRoutingBody,
        user_id: str | None,
    ) -> schemas.ProjectRouting:
        await self._reload()
        check_refs(body, self.client.registry)
        if body.preferences or body.offline_fallback is not None:
            await self.routing.put(tenant_id, project_id, body, user_id)
        else:
            await self.routing.clear(tenant_id, project_id)
        return await self.project_routing(tenant_id, project_id)

    def _effective(self, project_id: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for capability in CAPABILITIES:
            chosen, _ = self.client.candidates(capability, project_id=project_id)
            out[capability] = [c.label for c in chosen]
        return out


CAPABILITIES: tuple[Capability, ...] = get_args(Capability)
