"""Hybrid search over one project (ADR 0234): filters first (a mask over the project's
chunks), then BM25 and vector rankings per asset, fused by reciprocal rank."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from nexus.asset_knowledge import bilingual, queries
from nexus.asset_knowledge.bm25 import ChunkDoc, ProjectIndex
from nexus.asset_knowledge.embed import Embedder
from nexus.asset_knowledge.fusion import Evidence, Ranked, candidate
from nexus.asset_knowledge.terms import terms
from nexus.asset_knowledge.vectors import VectorIndex
from nexus.contracts.router import CallScope
from nexus.contracts.studio import AssetCandidate
from nexus.core.db import Database
from nexus.core.logging import get_logger

log = get_logger(__name__)
Method = Literal["hybrid", "keyword", "vector"]
# Part of the library fingerprint (ADR 0244): bump it when the same library and query would
# rank differently (terms, fusion, translations), so the pipeline matches again.
RANKING_VERSION = 2
# Projects up to this many chunks rank vectors exactly in memory (ADR 0247): 10,000 chunks
# of 384 floats are one 15 MB matmul of ~1 ms; above it, the vector index (sqlite-vec or
# pgvector HNSW) answers unfiltered searches.
EXACT_MAX_CHUNKS = 50_000


class Searcher:
    def __init__(
        self,
        db: Database,
        embedder: Embedder,
        vectors: VectorIndex,
        *,
        rrf_k: int,
        depth: int,
        bilingual: bool = True,
    ) -> None:
        self.db = db
        self.embedder = embedder
        self.vectors = vectors
        self.rrf_k = rrf_k
        self.depth = depth
        self.bilingual = bilingual
        self._indexes: dict[tuple[str, str], tuple[tuple[int, str], ProjectIndex]] = {}
        self._matrices: dict[tuple[str, str], ProjectVectors] = {}

    async def index(self, tenant_id: str, project_id: str) -> ProjectIndex:
        """The project's keyword index, rebuilt when its revision moved."""
        key = (tenant_id, project_id)
        async with self.db.read() as conn:
            rev = await queries.revision(conn, tenant_id, project_id)
            cached = self._indexes.get(key)
            if cached is not None and cached[0] == rev:
                return cached[1]
            rows = await queries.live_chunks(conn, tenant_id, project_id)
        docs = [
            ChunkDoc(
                chunk_id=r.chunk_id,
                asset_id=r.asset_id,
                kind=r.kind,
                tags=frozenset(json.loads(r.tags or "[]")),
                entity=(r.entity or "").strip().lower(),
                terms=tuple(r.terms.split()),
                text=r.text,
            )
            for r in rows
        ]
        built = ProjectIndex(docs)
        self._indexes[key] = (rev, built)
        self._matrices[key] = ProjectVectors.of(rows)
        return built

    def config(self) -> list[object]:
        """What, besides the library, decides the answers (for the fingerprint)."""
        return [RANKING_VERSION, self.rrf_k, self.depth, self.bilingual]

    def forget(self, tenant_id: str, project_id: str) -> None:
        self._indexes.pop((tenant_id, project_id), None)
        self._matrices.pop((tenant_id, project_id), None)

    async def search(
        self,
        tenant_id: str,
        project_id: str,
        query: str,
        *,
        kinds: Sequence[str] | None,
        tags: Sequence[str] | None,
        entity: str | None,
        limit: int,
        method: Method = "hybrid",
    ) -> list[AssetCandidate]:
        index = await self.index(tenant_id, project_id)
        if not len(index) or limit <= 0:
            return []
        mask = index.mask(kinds, tags, entity)
        if mask is not None and not mask.any():
            return []
        query_terms = terms(query)
        evidence: dict[str, Evidence] = {}
        if method in ("hybrid", "keyword"):
            if self.bilingual and not bilingual.loaded():
                await asyncio.to_thread(bilingual.dictionary)  # once per process
            self._keyword(index, query_terms, mask, evidence)
        if method in ("hybrid", "vector") and query.strip():
            await self._vector(index, tenant_id, project_id, query, mask, evidence)
        k = self.rrf_k
        order = sorted(evidence.items(), key=lambda kv: _fused_key(kv[0], kv[1], k))[:limit]
        async with self.db.read() as conn:
            assets = await queries.assets_by_id(conn, [asset_id for asset_id, _ in order])
        return [
            candidate(assets[a], ev, k=k, query_terms=query_terms, entity=entity)
            for a, ev in order
            if a in assets and assets[a].deleted_at is None
        ]

    def _keyword(
        self,
        index: ProjectIndex,
        query_terms: list[str],
        mask: np.ndarray | None,
        evidence: dict[str, Evidence],
    ) -> None:
        rank = 0
        extra = bilingual.translations(query_terms) if self.bilingual else None
        for hit in index.search(query_terms, mask, self.depth * 4, extra):
            doc = index.docs[hit.doc]
            ev = evidence.setdefault(doc.asset_id, Evidence())
            if ev.keyword is not None:
                continue  # the asset's best chunk ranks it
            rank += 1
            ev.keyword = Ranked(rank, hit.score, doc.chunk_id, doc.text, hit.matched)
            if rank >= self.depth:
                break

    async def _vector(
        self,
        index: ProjectIndex,
        tenant_id: str,
        project_id: str,
        query: str,
        mask: np.ndarray | None,
        evidence: dict[str, Evidence],
    ) -> None:
        scope = CallScope(tenant_id=tenant_id, project_id=project_id)
        model, vector = await self.embedder.query(scope, query)
        matrix = self._matrices.get((tenant_id, project_id))
        if matrix is not None and (mask is not None or len(index) <= EXACT_MAX_CHUNKS):
            # exact over the (allowed) chunks in memory (ADR 0246, 0247), not the index
            hits = matrix.search(index, model, vector, mask, self.depth * 4)
        else:
            hits = await self.vectors.search(
                model, tenant_id, project_id, vector, self.depth * 4, None
            )
        rank = 0
        for chunk_id, similarity in hits:
            i = index.by_chunk.get(chunk_id)
            if i is None:
                continue  # deleted since, or of another project: never returned
            doc = index.docs[i]
            ev = evidence.setdefault(doc.asset_id, Evidence())
            if ev.vector is not None:
                continue
            rank += 1
            ev.vector = Ranked(rank, similarity, chunk_id, doc.text)
            if rank >= self.depth:
                break


@dataclass(frozen=True)
class ProjectVectors:
    """The project's chunk vectors in chunk order (the BM25 index's), for filtered searches:
    a row is usable when it is of the model that embedded the query."""

    models: npt.NDArray[np.object_]
    matrix: npt.NDArray[np.float32]
    usable: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict[str, Any])

    def _usable(self, model: str) -> npt.NDArray[np.bool_]:
        """The rows of ``model`` (computed once per model: an object compare of every row)."""
        found = self.usable.get(model)
        if found is None:
            found = self.usable[model] = self.models == model
        return found

    @classmethod
    def of(cls, rows: Sequence[Any]) -> ProjectVectors:
        dims = next((len(r.vector) // 4 for r in rows if r.vector), 0)
        matrix = np.zeros((len(rows), dims), dtype=np.float32)
        models = np.array([r.embed_model or "" for r in rows], dtype=object)
        for i, r in enumerate(rows):
            if r.vector and len(r.vector) == dims * 4:
                matrix[i] = np.frombuffer(r.vector, "<f4")
            else:
                models[i] = ""
        return cls(models, matrix)

    def search(
        self,
        index: ProjectIndex,
        model: str,
        vector: npt.NDArray[np.float32],
        mask: npt.NDArray[np.bool_] | None,
        k: int,
    ) -> list[tuple[str, float]]:
        """Exact cosine (rows are unit length) over the allowed chunks (all of them when
        ``mask`` is None), best first."""
        if self.matrix.shape[1] != vector.shape[0]:
            return []
        usable = self._usable(model)
        rows = np.flatnonzero(usable if mask is None else mask & usable)
        if rows.size == 0:
            return []
        # One pass over the matrix, no row copy; einsum, not BLAS: a matrix-vector product
        # gains nothing from BLAS threads and, on a busy machine, loses 3-4x waiting on them.
        sims = np.einsum("ij,j->i", self.matrix, vector)[rows]
        if rows.size > k:
            top = np.argpartition(-sims, k - 1)[:k]
            rows, sims = rows[top], sims[top]
        found = [(index.docs[int(i)].chunk_id, float(s)) for i, s in zip(rows, sims, strict=True)]
        return sorted(found, key=lambda hit: (-round(hit[1], 6), hit[0]))


def _fused_key(asset_id: str, ev: Evidence, k: int) -> tuple[float, int, str]:
    best = min(r.rank for r in (ev.keyword, ev.vector) if r is not None)
    fused = sum(1.0 / (k + r.rank) for r in (ev.keyword, ev.vector) if r is not None)
    return (-round(fused, 12), best, asset_id)
