"""The entity bible (ADR 0243): a zip with ``entities.json`` (the cast: names, voices, looks,
chosen assets), the chosen assets' files and ``manifest.json`` (format, source, per file its
sha256). Imported into another project, its files are added to that project's library (an
``AssetWriter``) for the same entities and its voices become the project's cast."""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from pydantic import Field, ValidationError

from nexus.contracts.base import StrictModel
from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import AssetKind
from nexus.core.errors import NexusError

FORMAT = "nexus-bible/1"
MAX_BYTES = 512 * 1024 * 1024


class AssetWriter(Protocol):
    """Adds a file to a project's library (the lead binds the real library's ``add``);
    may be sync or async."""

    def add(
        self,
        tenant_id: str,
        project_id: str,
        path: Path,
        kind: AssetKind,
        tags: Sequence[str],
        entity: str | None,
    ) -> Any: ...


class BibleAsset(StrictModel):
    entity_id: str
    name: str = Field(description="The entity's name: the library's entity of the asset.")
    role: str
    kind: AssetKind
    file: str = Field(description="Path inside the zip, under assets/.")
    sha256: str
    title: str = ""
    tags: list[str] = Field(default_factory=list)


class Manifest(StrictModel):
    format: str = FORMAT
    source_run_id: str
    source_project_id: str
    entities_sha256: str
    assets: list[BibleAsset] = Field(default_factory=list[BibleAsset])


class ImportedAsset(StrictModel):
    entity_id: str
    name: str
    kind: AssetKind
    asset_id: str


class BibleImport(StrictModel):
    project_id: str
    assets: list[ImportedAsset]
    cast: dict[str, str] = Field(description="Character name -> voice id, kept by the project.")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_bible(
    entities: dict[str, Any], files: list[tuple[BibleAsset, bytes]], *, run_id: str, project_id: str
) -> bytes:
    """The zip's bytes; ``files`` pairs each manifest entry with the file's content."""
    doc = json.dumps(entities, ensure_ascii=False, indent=2).encode()
    manifest = Manifest(source_run_id=run_id, source_project_id=project_id,
                        entities_sha256=_sha(doc), assets=[a for a, _ in files])  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", manifest.model_dump_json(indent=2))
        zf.writestr("entities.json", doc)
        for entry, data in files:
            zf.writestr(entry.file, data)
    return buf.getvalue()


def cast_of(entities: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["voice"] for c in entities.get("characters", []) if c.get("voice")}


def read_bible(data: bytes, dest: Path) -> tuple[Manifest, dict[str, Any], list[Path]]:
    """Check the zip (manifest, checksums, safe names) and unpack its assets into ``dest``."""
    if len(data) > MAX_BYTES:
        raise NexusError(ErrorCode.BIBLE_INVALID, "the bible is larger than 512 MiB")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            manifest = Manifest.model_validate_json(zf.read("manifest.json"))
            doc = zf.read("entities.json")
            contents = [zf.read(a.file) for a in manifest.assets]
    except (zipfile.BadZipFile, KeyError, ValidationError, ValueError) as exc:
        raise NexusError(ErrorCode.BIBLE_INVALID, f"not an entity bible: {exc}") from exc
    if manifest.format != FORMAT:
        raise NexusError(ErrorCode.BIBLE_INVALID, f"unknown bible format {manifest.format!r}")
    if _sha(doc) != manifest.entities_sha256:
        raise NexusError(ErrorCode.BIBLE_INVALID, "entities.json does not match its checksum")
    paths: list[Path] = []
    dest.mkdir(parents=True, exist_ok=True)
    for entry, content in zip(manifest.assets, contents, strict=True):
        name = PurePosixPath(entry.file)
        if name.parts[:1] != ("assets",) or ".." in name.parts or len(name.parts) != 2:
            raise NexusError(ErrorCode.BIBLE_INVALID, f"unsafe file name {entry.file!r}")
        if _sha(content) != entry.sha256:
            raise NexusError(ErrorCode.BIBLE_INVALID, f"{entry.file} does not match its checksum")
        path = dest / name.name
        path.write_bytes(content)
        paths.append(path)
    try:
        entities = json.loads(doc)
    except ValueError as exc:
        raise NexusError(ErrorCode.BIBLE_INVALID, f"entities.json is not JSON: {exc}") from exc
    return manifest, entities, paths


async def add_assets(
    manifest: Manifest, paths: list[Path], writer: AssetWriter, tenant_id: str, project_id: str
) -> list[ImportedAsset]:
    out: list[ImportedAsset] = []
    for entry, path in zip(manifest.assets, paths, strict=True):
        entity = None if entry.role == "music" else entry.name
        result = writer.add(tenant_id, project_id, path, entry.kind, entry.tags, entity)
        asset_id = await result if inspect.isawaitable(result) else result
        out.append(ImportedAsset(entity_id=entry.entity_id, name=entry.name, kind=entry.kind,
                                 asset_id=str(asset_id)))  # fmt: skip
    return out


def bible_cast(data: bytes) -> dict[str, str]:
    """The cast (character name -> voice) of a bible zip, checked like an import."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            manifest = Manifest.model_validate_json(zf.read("manifest.json"))
            doc = zf.read("entities.json")
    except (zipfile.BadZipFile, KeyError, ValidationError, ValueError) as exc:
        raise NexusError(ErrorCode.BIBLE_INVALID, f"not an entity bible: {exc}") from exc
    if _sha(doc) != manifest.entities_sha256:
        raise NexusError(ErrorCode.BIBLE_INVALID, "entities.json does not match its checksum")
    return cast_of(json.loads(doc))
