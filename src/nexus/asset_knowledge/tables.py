"""Asset knowledge tables: the assets of each project's library and their indexed text
chunks (caption or reference text, its search terms, its embedding and who made it).

The vector index (sqlite-vec or pgvector, ADR 0232) is derived from ``asset_chunks``:
``vector`` is the source of truth, so an index can always be rebuilt from here.
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nexus.core.db import Base
from nexus.core.records import RecordColumns


class Asset(RecordColumns, Base):
    __tablename__ = "assets"

    asset_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uri: Mapped[str] = mapped_column(String(1000))
    tags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    entity: Mapped[str | None] = mapped_column(String(200), nullable=True)
    caption: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[str] = mapped_column(Text, default="{}")  # JSON: dimensions, colours, audio
    chunks: Mapped[int] = mapped_column(Integer, default=1)
    embed_model: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        Index("ix_assets_scope_sha", "tenant_id", "project_id", "sha256"),
        Index("ix_assets_scope_updated", "tenant_id", "project_id", "updated_at"),
    )


class AssetChunk(Base):
    """One searchable text of an asset: the caption of an image or sound, a chunk of text."""

    __tablename__ = "asset_chunks"

    chunk_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    asset_id: Mapped[str] = mapped_column(String(64), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)  # space-joined search terms (ADR 0233)
    text_sha256: Mapped[str] = mapped_column(String(64))
    embed_model: Mapped[str] = mapped_column(String(200), default="")
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # float32 LE

    __table_args__ = (
        Index("ix_asset_chunks_scope", "tenant_id", "project_id"),
        Index("ix_asset_chunks_model_text", "embed_model", "text_sha256"),
    )
