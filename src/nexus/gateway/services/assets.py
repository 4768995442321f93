"""The studio's asset choices over the API and the CLI: a run's matches, pin/reject
revisions, and the entity bible's export (from a run, or a project's newest finished studio
run) and import (into a project's library and cast). ADR 0242, 0243."""

from __future__ import annotations

import hashlib
from typing import Any

from nexus.asset_knowledge.library import AssetLibrary
from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import EntityPack
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.orchestrator import queries
from nexus.platform import Platform
from nexus.studio import asset_report, bible
from nexus.studio.asset_skills import MatchOut
from nexus.studio.cast import cast_pack
from nexus.studio.matching import EntityMatch


async def _output(conn: Conn, run_id: str, key: str) -> dict[str, Any] | None:
    try:
        job = await queries.read_job_by_key(conn, run_id, key)
    except NexusError:
        return None
    return await queries.read_job_output(conn, job)


async def read_matches(conn: Conn, run_id: str) -> list[EntityMatch] | None:
    """The run's matches; None before they ran or when the run had no library."""
    out = await _output(conn, run_id, "assets")
    return None if out is None else MatchOut.model_validate(out).matches


async def read_pack(conn: Conn, run_id: str) -> EntityPack:
    out = await _output(conn, run_id, "plan")
    if out is None or "pack" not in out:
        raise NexusError(ErrorCode.NOT_FOUND, f"run {run_id!r} has no finished plan yet")
    return EntityPack.model_validate(out["pack"])


async def resolve_source(conn: Conn, tenant_id: str, ref: str) -> Any:
    """A run by id, or a project's newest succeeded studio run."""
    try:
        return await queries.read_run(conn, ref, tenant_id=tenant_id)
    except NexusError:
        pass
    for run in await queries.list_runs(conn, tenant_id=tenant_id, project_id=ref,
                                       status="succeeded", limit=50):  # fmt: skip
        if run.pipeline == "studio":
            return run
    raise NexusError(ErrorCode.NOT_FOUND, f"no run {ref!r} nor a project with a finished story")


async def export_bible(platform: Platform, tenant_id: str, ref: str) -> tuple[bytes, str]:
    """(zip bytes, source run id)."""
    async with platform.db.read() as conn:
        run = await resolve_source(conn, tenant_id, ref)
        pack = cast_pack(await read_pack(conn, run.run_id), dict(run.params.get("cast") or {}))
        matches = await read_matches(conn, run.run_id) or []
    files: list[tuple[bible.BibleAsset, bytes]] = []
    chosen = [m for m in matches if m.chosen is not None]
    library: AssetLibrary | None = platform.registry.services.get("assets")
    for m in chosen:
        assert m.chosen is not None
        if library is None:
            raise NexusError(ErrorCode.ASSET_LIBRARY_UNAVAILABLE, "the assets need the library")
        path = await library.local_path(tenant_id, m.chosen.asset_id)
        data = path.read_bytes()
        files.append((bible.BibleAsset(
            entity_id=m.entity_id, name=m.name, role=m.role, kind=m.kind,
            file=f"assets/{m.entity_id}{path.suffix}", sha256=hashlib.sha256(data).hexdigest(),
            title=m.chosen.title, tags=list(m.chosen.tags)), data))  # fmt: skip
    doc = asset_report.entity_doc(pack, matches or None)
    zipped = bible.build_bible(doc, files, run_id=run.run_id, project_id=run.project_id)
    return zipped, run.run_id


async def require_asset(library: AssetLibrary, tenant_id: str, asset_id: str) -> None:
    """A pin names an asset the library has (``asset_not_found`` before any run)."""
    try:
        await library.local_path(tenant_id, asset_id)
    except NexusError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.ASSET_NOT_FOUND):
            raise NexusError(ErrorCode.ASSET_NOT_FOUND, f"no asset {asset_id!r}") from exc
        raise


def asset_writer(platform: Platform) -> bible.AssetWriter:
    writer = platform.registry.services.get("asset_writer") or platform.registry.services.get(
        "assets"
    )
    if writer is None or not callable(getattr(writer, "add", None)):
        raise NexusError(
            ErrorCode.ASSET_LIBRARY_UNAVAILABLE, "no asset library that can add assets"
        )
    return writer


async def import_bible(
    platform: Platform, tenant_id: str, project_id: str, data: bytes
) -> bible.BibleImport:
    """Add the bible's assets to the project's library; its voices are the cast returned
    (the caller keeps them: the API in the project's ``voices`` setting)."""
    writer = asset_writer(platform)
    dest = platform.settings.data_dir / "bibles" / hashlib.sha256(data).hexdigest()[:16]
    manifest, entities, paths = bible.read_bible(data, dest)
    added = await bible.add_assets(manifest, paths, writer, tenant_id, project_id)
    return bible.BibleImport(project_id=project_id, assets=added, cast=bible.cast_of(entities))
