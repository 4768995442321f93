"""The interface other modules use: the studio pipeline's asset matching, the gateway, the CLI
and agent sessions' memory. The Platform builds one and puts it in
``registry.services["assets"]`` for skills."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from nexus.contracts.studio import AssetCandidate, AssetKind


class AssetLibrary(Protocol):
    async def search(
        self,
        tenant_id: str,
        project_id: str,
        query: str,
        *,
        kinds: Sequence[AssetKind] | None = None,
        tags: Sequence[str] | None = None,
        entity: str | None = None,
        limit: int = 10,
    ) -> list[AssetCandidate]:
        """Hybrid search within one project's library (soft-deleted assets never returned)."""
        ...

    async def fingerprint(self, tenant_id: str, project_id: str) -> str:
        """Changes exactly when a search of the project could answer differently (an asset
        added, changed or deleted, another embedding model, another ranking): ADR 0244."""
        ...

    async def local_path(self, tenant_id: str, asset_id: str) -> Path:
        """A local file with the asset's content (materialised from S3 in cluster mode)."""
        ...
