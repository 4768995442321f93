"""The project's asset library (docs/assets.md): upload (multipart; content sniffed, never
trusted from the name or the Content-Type), list, read, soft-delete, hybrid search.
Editors write, members read; another tenant's project or asset does not exist (404)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from nexus.asset_knowledge.ingest import AssetInput
from nexus.contracts.assets import (
    Asset,
    AssetAdded,
    AssetPage,
    AssetRefused,
    AssetSearchResult,
    AssetUpload,
)
from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import AssetKind
from nexus.core.errors import NexusError
from nexus.gateway.deps import GatewayDep, Principal, ProjectsRead, ProjectsWrite, audit
from nexus.gateway.services import projects

router = APIRouter(tags=["assets"])
UPLOAD_CHUNK = 1024 * 1024


async def _project(gw: GatewayDep, principal: Principal, project_id: str) -> None:
    async with gw.platform.db.read() as conn:
        await projects.read_project(conn, principal.tenant_id, project_id)


@router.post("/projects/{project_id}/assets", response_model=AssetUpload, status_code=201)
async def add_assets(
    project_id: str,
    request: Request,
    principal: ProjectsWrite,
    gw: GatewayDep,
    files: Annotated[list[UploadFile], File(min_length=1, description="One or more files.")],
    kind: Annotated[AssetKind | None, Form()] = None,
    tags: Annotated[str, Form(max_length=2000, description="Comma-separated.")] = "",
    entity: Annotated[str | None, Form(max_length=200)] = None,
    caption: Annotated[str, Form(max_length=4000)] = "",
) -> AssetUpload:
    """Add files to the project's library. A file whose content is already there is
    answered with that asset (``duplicate``); refused files are listed with their code
    (all refused: the first refusal is the error)."""
    await _project(gw, principal, project_id)
    library = gw.platform.assets
    work = Path(tempfile.mkdtemp(prefix="upload-", dir=_tmp_dir(gw)))
    try:
        items: list[AssetInput] = []
        for n, upload in enumerate(files):
            name = Path(upload.filename or f"upload-{n}").name[:300] or f"upload-{n}"
            path = work / f"{n}"
            with path.open("wb") as out:
                while chunk := await upload.read(UPLOAD_CHUNK):
                    out.write(chunk)
            items.append(
                AssetInput(
                    path,
                    filename=name,
                    kind=kind,
                    tags=tags.split(","),
                    entity=entity,
                    caption=caption,
                )
            )
        trace_id = getattr(request.state, "trace_id", "")
        outcomes = await library.add_many(principal.tenant_id, project_id, items, trace_id=trace_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    added = [o for o in outcomes if isinstance(o, AssetAdded)]
    refused = [
        AssetRefused(filename=i.filename, code=o.code.value, detail=o.detail)
        for i, o in zip(items, outcomes, strict=True)
        if isinstance(o, NexusError)
    ]
    if not added:
        raise next(o for o in outcomes if isinstance(o, NexusError))
    await audit(
        request,
        "asset.added",
        principal=principal,
        target_type="project",
        target_id=project_id,
        detail={"added": [a.asset.asset_id for a in added], "refused": len(refused)},
    )
    return AssetUpload(items=added, refused=refused)


def _tmp_dir(gw: GatewayDep) -> Path:
    folder = gw.settings.data_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@router.get("/projects/{project_id}/assets", response_model=AssetPage)
async def list_assets(
    project_id: str,
    principal: ProjectsRead,
    gw: GatewayDep,
    kind: AssetKind | None = None,
    deleted: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AssetPage:
    await _project(gw, principal, project_id)
    items, total = await gw.platform.assets.list(
        principal.tenant_id, project_id, kind=kind, deleted=deleted, limit=limit, offset=offset
    )
    following = str(offset + limit) if offset + limit < total else None
    return AssetPage(items=items, total=total, next=following)


@router.get("/projects/{project_id}/assets/search", response_model=AssetSearchResult)
async def search_assets(
    project_id: str,
    principal: ProjectsRead,
    gw: GatewayDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    kind: Annotated[list[AssetKind] | None, Query()] = None,
    tag: Annotated[list[str] | None, Query()] = None,
    entity: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    method: Literal["hybrid", "keyword", "vector"] = "hybrid",
) -> AssetSearchResult:
    """Hybrid search (BM25 + vector, reciprocal rank fusion); filters apply first. Each
    candidate says why it matched."""
    await _project(gw, principal, project_id)
    started = time.perf_counter()
    library = gw.platform.assets
    items = await library.search(
        principal.tenant_id,
        project_id,
        q,
        kinds=kind,
        tags=tag,
        entity=entity,
        limit=limit,
        method=method,
    )
    return AssetSearchResult(
        query=q,
        items=items,
        embed_model=library.embedder.current_model(),
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )


@router.get("/projects/{project_id}/assets/{asset_id}", response_model=Asset)
async def read_asset(
    project_id: str, asset_id: str, principal: ProjectsRead, gw: GatewayDep
) -> Asset:
    asset = await gw.platform.assets.get(principal.tenant_id, asset_id)
    if asset.project_id != project_id:
        await _project(gw, principal, project_id)  # 404 for the project, else the asset
        raise NexusError(ErrorCode.ASSET_NOT_FOUND, f"asset {asset_id!r} does not exist")
    return asset


@router.delete("/projects/{project_id}/assets/{asset_id}", response_model=Asset)
async def delete_asset(
    project_id: str, asset_id: str, request: Request, principal: ProjectsWrite, gw: GatewayDep
) -> Asset:
    """Soft delete: search and the pipeline no longer see it; the content stays stored."""
    asset = await read_asset(project_id, asset_id, principal, gw)
    deleted = await gw.platform.assets.delete(principal.tenant_id, asset.asset_id)
    await audit(
        request, "asset.deleted", principal=principal, target_type="asset", target_id=asset_id
    )
    return deleted
