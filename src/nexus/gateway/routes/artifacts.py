"""Artifacts of a run: metadata, short-lived signed download links, and the signed download
itself (HTTP Range supported) for the local store; S3 stores answer with their own presign."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway import schemas
from nexus.gateway.deps import ArtifactsRead, GatewayDep, Principal, audit
from nexus.gateway.services import runs
from nexus.gateway.state import Gateway
from nexus.orchestrator import queries

router = APIRouter(tags=["artifacts"])
DOWNLOAD_PATH = "/api/v1/downloads/"


def _payload(sha256: str, name: str, media_type: str) -> str:
    return f"{sha256}|{name}|{media_type}"


async def signed_link(gw: Gateway, request: Request, row: Any) -> schemas.DownloadLink:
    ttl = gw.settings.storage.presign_ttl_s
    expires_at = int(time.time()) + ttl
    url = await gw.platform.store.presign(row.sha256, name=row.name, ttl_s=ttl)
    if url is None:
        sig = gw.issuer.sign_download(_payload(row.sha256, row.name, row.media_type), expires_at)
        query = urlencode({"name": row.name, "type": row.media_type, "exp": expires_at, "sig": sig})
        url = f"{str(request.base_url).rstrip('/')}{DOWNLOAD_PATH}{row.sha256}?{query}"
    return schemas.DownloadLink(url=url, expires_at=datetime.fromtimestamp(expires_at, UTC))


@router.get("/runs/{run_id}/artifacts", response_model=schemas.ArtifactPage)
async def list_artifacts(
    run_id: str, principal: ArtifactsRead, gw: GatewayDep
) -> schemas.ArtifactPage:
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
        rows = await queries.list_artifacts(conn, run_id)
    return schemas.ArtifactPage(items=[schemas.Artifact.model_validate(r) for r in rows])


@router.get("/runs/{run_id}/artifacts/{artifact_id}", response_model=schemas.Artifact)
async def read_artifact(
    run_id: str, artifact_id: str, principal: ArtifactsRead, gw: GatewayDep
) -> schemas.Artifact:
    async with gw.platform.db.read() as conn:
        row = await runs.read_artifact(conn, principal.tenant_id, run_id, artifact_id)
    return schemas.Artifact.model_validate(row)


async def _audited_link(
    run_id: str, artifact_id: str, request: Request, principal: Principal, gw: Gateway
) -> schemas.DownloadLink:
    async with gw.platform.db.read() as conn:
        row = await runs.read_artifact(conn, principal.tenant_id, run_id, artifact_id)
    link = await signed_link(gw, request, row)
    await audit(
        request,
        "artifact.download",
        principal=principal,
        target_type="artifact",
        target_id=artifact_id,
        detail={"run_id": run_id, "name": row.name},
    )
    return link


@router.get("/runs/{run_id}/artifacts/{artifact_id}/link", response_model=schemas.DownloadLink)
async def link_artifact(
    run_id: str, artifact_id: str, request: Request, principal: ArtifactsRead, gw: GatewayDep
) -> schemas.DownloadLink:
    """A short-lived URL that downloads the artifact without further credentials."""
    return await _audited_link(run_id, artifact_id, request, principal, gw)


@router.get(
    "/runs/{run_id}/artifacts/{artifact_id}/download",
    status_code=307,
    response_class=RedirectResponse,
    responses={307: {"description": "Redirect to a short-lived signed URL."}},
)
async def download_artifact(
    run_id: str, artifact_id: str, request: Request, principal: ArtifactsRead, gw: GatewayDep
) -> RedirectResponse:
    """Redirect to a signed URL (``curl -L`` follows it)."""
    link = await _audited_link(run_id, artifact_id, request, principal, gw)
    return RedirectResponse(link.url, status_code=307)


@router.get(
    "/downloads/{sha256}",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        206: {"description": "Partial content (Range)."},
    },
)
async def download_blob(
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    gw: GatewayDep,
    name: Annotated[str, Query(min_length=1, max_length=255)],
    type: Annotated[str, Query(min_length=1, max_length=100)],
    exp: Annotated[int, Query(ge=0)],
    sig: Annotated[str, Query(pattern=r"^[0-9a-f]{64}$")],
) -> FileResponse:
    """Serve a blob named by a valid, unexpired signature; supports ``Range`` requests."""
    if not gw.issuer.check_download(_payload(sha256, name, type), exp, sig):
        raise NexusError(ErrorCode.NOT_FOUND, "the download link is invalid or expired")
    path = await gw.platform.store.local_path(sha256)
    if path is None:
        raise NexusError(ErrorCode.NOT_FOUND, "the artifact is not in the store")
    return FileResponse(path, media_type=type, filename=name, content_disposition_type="inline")
