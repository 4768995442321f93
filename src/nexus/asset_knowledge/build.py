"""Build the library from the settings: sqlite-vec beside the embedded database, pgvector
on the cluster's PostgreSQL (ADR 0232); embeddings through the given router port."""

from __future__ import annotations

from nexus.asset_knowledge.embed import Embedder, EmbeddingsPort
from nexus.asset_knowledge.pgvectors import PgVectorIndex
from nexus.asset_knowledge.service import AssetService
from nexus.asset_knowledge.vectors import SqliteVecIndex, VectorIndex
from nexus.core.db import Database
from nexus.core.settings import Settings
from nexus.core.storage import ArtifactStore


def build_vector_index(settings: Settings, db: Database) -> VectorIndex:
    if settings.is_embedded:
        path = settings.assets.vectors_path or settings.data_dir / "assets-vectors.db"
        return SqliteVecIndex(path)
    return PgVectorIndex(db)


def build_library(
    settings: Settings, db: Database, store: ArtifactStore, models: EmbeddingsPort
) -> AssetService:
    return AssetService(
        db,
        store,
        Embedder(models, batch=settings.assets.embed_batch),
        build_vector_index(settings, db),
        settings.assets,
        settings.data_dir / "asset-cache",
    )
