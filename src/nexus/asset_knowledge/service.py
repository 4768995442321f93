"""The asset library (``AssetLibrary`` and more): add files, read, list, soft-delete,
search, reindex, and a local path for the pipeline.

Ingest order (nothing half-written): measure and embed first, then the blob and the
thumbnail into the content-addressed store, then one transaction with the asset and its
chunks (vectors included), then the derived vector index (rebuilt from the chunks if a
crash lands in between; ``reindex``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nexus.asset_knowledge import queries
from nexus.asset_knowledge.embed import Embedder, Vector, text_key
from nexus.asset_knowledge.ingest import AssetInput, Prepared, prepare
from nexus.asset_knowledge.search import Method, Searcher
from nexus.asset_knowledge.terms import terms
from nexus.asset_knowledge.vectors import VectorIndex, VectorRow
from nexus.contracts.assets import Asset, AssetAdded, AssetStats
from nexus.contracts.router import CallScope
from nexus.contracts.studio import AssetCandidate, AssetKind
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.ids import canonical_json, new_id, sha256_hex, utcnow
from nexus.core.logging import get_logger
from nexus.core.settings import AssetsSettings
from nexus.core.storage import ArtifactStore

log = get_logger(__name__)
Progress = Callable[[int, str, AssetAdded | NexusError], None]


class AssetService:
    def __init__(
        self,
        db: Database,
        store: ArtifactStore,
        embedder: Embedder,
        vectors: VectorIndex,
        settings: AssetsSettings,
        cache_dir: Path,
    ) -> None:
        self.db = db
        self.store = store
        self.embedder = embedder
        self.vectors = vectors
        self.settings = settings
        self.cache_dir = cache_dir
        self.searcher = Searcher(
            db,
            embedder,
            vectors,
            rrf_k=settings.rrf_k,
            depth=settings.candidates,
            bilingual=settings.bilingual,
        )

    # -- AssetLibrary -------------------------------------------------------------------
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
        method: Method = "hybrid",
    ) -> list[AssetCandidate]:
        return await self.searcher.search(
            tenant_id,
            project_id,
            query,
            kinds=kinds,
            tags=tags,
            entity=entity,
            limit=limit,
            method=method,
        )

    async def fingerprint(self, tenant_id: str, project_id: str) -> str:
        """What a search of the project can see (ADR 0244): every live asset's id and version,
        the model its vectors are of, the model that embeds queries now and the ranking's
        configuration. Equal fingerprints: every search answers the same."""
        async with self.db.read() as conn:
            state = await queries.library_state(conn, tenant_id, project_id)
        try:
            query_model = self.embedder.current_model()
        except NexusError:
            query_model = ""  # nothing can embed now: a run is still created (and keyed so)
        material = {
            "assets": state,
            "query_model": query_model,
            "ranking": self.searcher.config(),
        }
        return sha256_hex(canonical_json(material))

    async def local_path(self, tenant_id: str, asset_id: str) -> Path:
        async with self.db.read() as conn:
            asset = await queries.read_asset(conn, tenant_id, asset_id)
        local = await self.store.local_path(asset.sha256)
        if local is not None:
            return local
        dest = self.cache_dir / asset.sha256[:2] / asset.sha256
        if not dest.exists():
            await self.store.fetch(asset.sha256, dest)
        return dest

    # -- commands -------------------------------------------------------------------------
    async def add(self, tenant_id: str, project_id: str, item: AssetInput) -> AssetAdded:
        added = await self.add_many(tenant_id, project_id, [item])
        result = added[0]
        if isinstance(result, NexusError):
            raise result
        return result

    async def add_many(
        self,
        tenant_id: str,
        project_id: str,
        items: Sequence[AssetInput],
        *,
        progress: Progress | None = None,
        trace_id: str = "",
    ) -> list[AssetAdded | NexusError]:
        """Add files; each one's outcome (or its error) in order. Embeddings are batched
        across the files, and one file's refusal does not stop the others."""
        out: list[AssetAdded | NexusError | None] = [None] * len(items)
        fresh: list[tuple[int, Prepared]] = []
        seen: dict[str, int] = {}
        repeats: dict[int, str] = {}  # the same content twice in one call
        for i, item in enumerate(items):
            try:
                prepared = await asyncio.to_thread(prepare, item, self.settings)
            except NexusError as exc:
                out[i] = exc
                continue
            async with self.db.read() as conn:
                existing = await queries.find_by_sha(conn, tenant_id, project_id, prepared.sha256)
            if existing is not None:
                out[i] = AssetAdded(asset=existing, duplicate=True)
            elif prepared.sha256 in seen:
                repeats[i] = prepared.sha256
            else:
                seen[prepared.sha256] = i
                fresh.append((i, prepared))
        scope = CallScope(tenant_id=tenant_id, project_id=project_id, trace_id=trace_id)
        model, vectors = await self._embed(scope, [c for _, p in fresh for c in p.chunks])
        cursor = 0
        for i, prepared in fresh:
            chunk_vectors = vectors[cursor : cursor + len(prepared.chunks)]
            cursor += len(prepared.chunks)
            try:
                asset = await self._store(
                    tenant_id, project_id, prepared, model, chunk_vectors, trace_id
                )
                out[i] = AssetAdded(asset=asset, duplicate=False)
            except NexusError as exc:
                out[i] = exc
        for i, sha in repeats.items():
            first = out[seen[sha]]
            out[i] = (
                AssetAdded(asset=first.asset, duplicate=True)
                if isinstance(first, AssetAdded)
                else first
            )
        self.searcher.forget(tenant_id, project_id)
        done = [o for o in out if o is not None]
        if progress is not None:
            for i, (item, outcome) in enumerate(zip(items, done, strict=True)):
                progress(i, item.filename or item.path.name, outcome)
        return done

    async def _embed(self, scope: CallScope, texts: list[str]) -> tuple[str, list[Vector]]:
        """Vectors for the texts: reused by text hash where the current model made them."""
        model = self.embedder.current_model()
        if not texts:
            return model, []
        keys = [text_key(t) for t in texts]
        async with self.db.read() as conn:
            cached = await queries.cached_vectors(conn, model, keys)
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items()
        )
        found: dict[str, Vector] = {k: _vector(v) for k, v in cached.items()}
        if missing:
            served, fresh = await self.embedder.passages(scope, [t for _, t in missing])
            if served != model:  # the router failed over: label everything with who served
                model, found = served, {}
                served, fresh = await self.embedder.passages(scope, list(dict.fromkeys(texts)))
                missing = [(text_key(t), t) for t in dict.fromkeys(texts)]
            found.update({k: v for (k, _), v in zip(missing, fresh, strict=True)})
        return model, [found[k] for k in keys]

    async def _store(
        self,
        tenant_id: str,
        project_id: str,
        p: Prepared,
        model: str,
        vectors: Sequence[Vector],
        trace_id: str,
    ) -> Asset:
        src = p.source
        filename = (src.filename or src.path.name)[:300]
        meta = await self.store.put_file(src.path, media_type=p.media_type, name=filename)
        facts = p.facts
        thumb = None
        if facts.thumbnail is not None:
            t = await self.store.put_bytes(
                facts.thumbnail, media_type="image/webp", name=f"{filename}.thumb.webp"
            )
            thumb = t.sha256
        asset_id = new_id("ast")
        now = utcnow()
        values = {
            "asset_id": asset_id,
            "tenant_id": tenant_id,
            "project_id": project_id,
            "trace_id": trace_id,
            "correlation_id": "",
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "kind": p.kind,
            "title": p.title,
            "filename": filename,
            "sha256": p.sha256,
            "media_type": p.media_type,
            "size_bytes": p.size_bytes,
            "uri": meta.uri,
            "tags": json.dumps(p.tags, ensure_ascii=False),
            "entity": (src.entity or "").strip() or None,
            "caption": src.caption.strip(),
            "facts": json.dumps(
                {
                    "width": facts.width,
                    "height": facts.height,
                    "colours": facts.colours,
                    "colour_names": facts.colour_names,
                    "thumbnail_sha256": thumb,
                    "duration_s": facts.duration_s,
                    "loudness_lufs": facts.loudness_lufs,
                },
                ensure_ascii=False,
            ),
            "chunks": len(p.chunks),
            "embed_model": model,
        }
        chunks = [
            {
                "chunk_id": f"{asset_id}:{n}",
                "asset_id": asset_id,
                "tenant_id": tenant_id,
                "project_id": project_id,
                "ordinal": n,
                "text": text,
                "terms": " ".join(terms(f"{text} {p.keywords}")),
                "text_sha256": text_key(text),
                "embed_model": model,
                "vector": np.asarray(v, dtype="<f4").tobytes(),
            }
            for n, (text, v) in enumerate(zip(p.chunks, vectors, strict=True))
        ]
        async with self.db.transaction() as conn:
            await queries.insert_asset(conn, values, chunks)
            asset = await queries.read_asset(conn, tenant_id, asset_id)
        rows = [
            VectorRow(f"{asset_id}:{n}", tenant_id, project_id, np.asarray(v, dtype=np.float32))
            for n, v in enumerate(vectors)
        ]
        await self.vectors.upsert(model, rows)
        log.info("assets.added", asset_id=asset_id, kind=p.kind, chunks=len(chunks))
        return asset

    async def delete(self, tenant_id: str, asset_id: str) -> Asset:
        """Soft delete: the row and the blob stay; search and local_path no longer see it."""
        async with self.db.transaction() as conn:
            asset = await queries.soft_delete(conn, tenant_id, asset_id, utcnow())
            chunk_ids = await queries.chunk_ids_of(conn, asset_id)
            deleted = await queries.read_asset(conn, tenant_id, asset_id, deleted=True)
        by_model: dict[str, list[str]] = {}
        for chunk_id, model in chunk_ids:
            by_model.setdefault(model, []).append(chunk_id)
        for model, ids in by_model.items():
            await self.vectors.delete(model, ids)
        self.searcher.forget(asset.tenant_id, asset.project_id)
        return deleted

    # -- reads ---------------------------------------------------------------------------
    async def get(self, tenant_id: str, asset_id: str) -> Asset:
        async with self.db.read() as conn:
            return await queries.read_asset(conn, tenant_id, asset_id)

    async def list(
        self,
        tenant_id: str,
        project_id: str,
        *,
        kind: str | None = None,
        deleted: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Asset], int]:
        async with self.db.read() as conn:
            return await queries.list_assets(
                conn, tenant_id, project_id, kind=kind, deleted=deleted, limit=limit, offset=offset
            )

    async def stats(self, tenant_id: str, project_id: str) -> AssetStats:
        model = self.embedder.current_model()
        async with self.db.read() as conn:
            counts = await queries.count_by_kind(conn, tenant_id, project_id)
            stale = await queries.stale_chunks(conn, tenant_id, project_id, model)
        index = await self.searcher.index(tenant_id, project_id)
        return AssetStats(
            assets=sum(live for live, _ in counts.values()),
            deleted=sum(dead for _, dead in counts.values()),
            chunks=len(index),
            by_kind={k: live for k, (live, _) in counts.items() if live},
            embed_model=model,
            stale_chunks=len(stale),
        )

    async def reindex(self, tenant_id: str, project_id: str | None = None) -> int:
        """Re-embed the chunks another model embedded, with the current model; returns how
        many. Also restores vectors missing from the index (after a crash)."""
        scope = CallScope(tenant_id=tenant_id, project_id=project_id or "")
        model = self.embedder.current_model()
        async with self.db.read() as conn:
            stale = await queries.stale_chunks(conn, tenant_id, project_id, model)
        if stale:
            served, vectors = await self.embedder.passages(scope, [r.text for r in stale])
            now = utcnow()
            async with self.db.transaction() as conn:
                for row, v in zip(stale, vectors, strict=True):
                    blob = np.asarray(v, dtype="<f4").tobytes()
                    await queries.set_chunk_vector(conn, row.chunk_id, served, blob)
                await queries.set_asset_model(
                    conn, sorted({r.asset_id for r in stale}), served, now
                )
            model = served
        await self.rebuild_index(model)
        return len(stale)

    async def rebuild_index(self, model: str) -> int:
        """Write every live chunk vector of ``model`` into the vector index (idempotent)."""
        async with self.db.read() as conn:
            rows = await queries.chunks_with_vectors(conn, model)
        batch = [
            VectorRow(
                str(r.chunk_id), str(r.tenant_id), str(r.project_id), _vector(bytes(r.vector))
            )
            for r in rows
        ]
        for start in range(0, len(batch), 500):
            await self.vectors.upsert(model, batch[start : start + 500])
        return len(batch)

    async def close(self) -> None:
        await self.vectors.close()


def _vector(blob: bytes) -> Vector:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)
