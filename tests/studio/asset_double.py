"""A TEST DOUBLE of ``AssetLibrary`` (the real one is assets-core's, ADR 0240): an in-memory
library over files the tests write, ranked by token overlap of the query with an asset's
title, tags and entity, scored by reciprocal rank fusion (k = 60) like the real library's
fused score. It also implements the bible's ``AssetWriter.add``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import AssetCandidate, AssetKind, MatchMethod
from nexus.core.errors import NexusError

RRF_K = 60


def tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"\w+", text.casefold()) if t not in {"the", "a", "of"}}


def bare(name: str | None) -> str:
    return (name or "").casefold().removeprefix("the ").strip()


@dataclass
class Stored:
    asset_id: str
    tenant_id: str
    project_id: str
    kind: AssetKind
    path: Path
    title: str
    tags: list[str]
    entity: str | None
    sha256: str


@dataclass
class TokenLibrary:
    assets: list[Stored] = field(default_factory=list[Stored])
    searches: list[tuple[str, str | None]] = field(default_factory=list[tuple[str, str | None]])

    def add(
        self,
        tenant_id: str,
        project_id: str,
        path: Path,
        kind: AssetKind,
        tags: Sequence[str],
        entity: str | None,
    ) -> str:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        asset_id = f"ast_{len(self.assets) + 1:04d}"
        self.assets.append(Stored(asset_id, tenant_id, project_id, kind, path, path.stem,
                                  list(tags), entity, sha))  # fmt: skip
        return asset_id

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
        self.searches.append((query, entity))
        wanted = tokens(query)
        scored: list[tuple[int, Stored, list[MatchMethod]]] = []
        for a in self.assets:
            if (a.tenant_id, a.project_id) != (tenant_id, project_id):
                continue
            if kinds and a.kind not in kinds:
                continue
            if entity is not None and bare(a.entity) != bare(entity):
                continue
            if tags and not set(tags) & set(a.tags):
                continue
            hits = wanted & tokens(" ".join([a.title, *a.tags, a.entity or ""]))
            if not hits:
                continue
            methods: list[MatchMethod] = ["keyword"]
            if wanted & tokens(" ".join(a.tags)):
                methods.append("tag")
            if entity is not None:
                methods.append("entity")
            scored.append((len(hits), a, methods))
        scored.sort(key=lambda s: (-s[0], s[1].asset_id))
        return [
            AssetCandidate(
                asset_id=a.asset_id,
                kind=a.kind,
                uri=f"sha256:{a.sha256}",
                score=1 / (RRF_K + rank),
                matched_by=methods,
                title=a.title,
                sha256=a.sha256,
                media_type="image/png" if a.path.suffix == ".png" else "audio/wav",
                tags=a.tags,
                entity=a.entity,
                keyword_score=float(n),
                keyword_rank=rank,
                why=[f"matched {n} term(s) of {query!r}"],
            )
            for rank, (n, a, methods) in enumerate(scored[:limit], start=1)
        ]

    async def fingerprint(self, tenant_id: str, project_id: str) -> str:
        """The project's assets as the searches see them (ADR 0244)."""
        seen = [(a.asset_id, a.sha256, a.kind, a.tags, a.entity) for a in self.assets
                if (a.tenant_id, a.project_id) == (tenant_id, project_id)]  # fmt: skip
        return hashlib.sha256(repr(seen).encode()).hexdigest()

    async def local_path(self, tenant_id: str, asset_id: str) -> Path:
        for a in self.assets:
            if a.asset_id == asset_id and a.tenant_id == tenant_id:
                return a.path
        raise NexusError(ErrorCode.NOT_FOUND, f"no asset {asset_id}")
