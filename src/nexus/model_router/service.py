"""Provider registry commands shared by the CLI and the API: list, add, switch, test.
Each change is written to ``router_providers`` and reloaded into the given client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nexus.core.db import Database
from nexus.core.settings import ProviderSettings
from nexus.model_router import schemas
from nexus.model_router.client import ModelClient
from nexus.model_router.probe import probe
from nexus.model_router.registry_store import ProviderStore, parse_provider


class ProviderService:
    def __init__(
        self, db: Database, client: ModelClient, configured: Sequence[ProviderSettings]
    ) -> None:
        self.store = ProviderStore(db)
        self.client = client
        self.configured = list(configured)

    async def _reload(self) -> None:
        await self.client.reload(await self.store.registry(self.configured))

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
