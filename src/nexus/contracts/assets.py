"""The asset library's wire types: an asset as read, an ingest outcome, pages and stats
(issue 12). Search answers ``studio.AssetCandidate``."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.contracts.studio import AssetCandidate, AssetKind


class Asset(StrictModel):
    """One asset of a project's library, with what ingest measured."""

    asset_id: str
    tenant_id: str
    project_id: str
    kind: AssetKind
    title: str
    filename: str
    sha256: str
    media_type: str
    size_bytes: int = Field(ge=0)
    uri: str
    tags: list[str] = Field(default_factory=list)
    entity: str | None = None
    caption: str = ""
    width: int | None = None
    height: int | None = None
    colours: list[str] = Field(default_factory=list, description="Dominant colours, #rrggbb.")
    colour_names: list[str] = Field(default_factory=list, description="Their names, en and zh.")
    thumbnail_sha256: str | None = None
    duration_s: float | None = None
    loudness_lufs: float | None = Field(default=None, description="Integrated (EBU R128).")
    chunks: int = Field(default=1, ge=0, description="Indexed text chunks.")
    embed_model: str = Field(default="", description="Who embedded its chunks.")
    version: int = 1
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class AssetAdded(StrictModel):
    """What ingest did with one file: a new asset, or the existing one with the same content."""

    asset: Asset
    duplicate: bool = Field(description="The same content was already in the project.")


class AssetPage(StrictModel):
    items: list[Asset]
    total: int
    next: str | None = None


class AssetSearchResult(StrictModel):
    query: str
    items: list[AssetCandidate]
    embed_model: str
    took_ms: float


class AssetStats(StrictModel):
    assets: int
    deleted: int
    chunks: int
    by_kind: dict[str, int]
    embed_model: str
    stale_chunks: int = Field(description="Chunks embedded by another model (reindex them).")


class AssetRefused(StrictModel):
    """A file of an upload that was not added, with its stable error code."""

    filename: str
    code: str
    detail: str


class AssetUpload(StrictModel):
    """What an upload did: the files added (or found already there) and those refused."""

    items: list[AssetAdded]
    refused: list[AssetRefused] = Field(default_factory=list[AssetRefused])
