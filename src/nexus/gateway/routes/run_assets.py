"""A studio run's library assets: the matches with their reasons, pin or reject an asset
for an entity (a revision run, like a shot edit), and the entity bible (export from a run
or a project, import into a project). ADR 0242, 0243."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.deps import GatewayDep, ProjectsRead, ProjectsWrite, RunsRead, RunsWrite, audit
from nexus.gateway.services import assets, projects, runs
from nexus.studio.asset_revision import AssetChoice, choice_params, resolve_entity
from nexus.studio.bible import BibleImport
from nexus.studio.matching import EntityMatch

router = APIRouter(tags=["shots"])
ZIP = {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}
MAX_BIBLE_BYTES = 512 * 1024 * 1024


class RunAssets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    ready: bool = Field(description="False until matching ran (or the run had no library).")
    matches: list[EntityMatch]


class AssetRevision(BaseModel):
    run_id: str = Field(description="The revision run that applies the choice.")
    parent_run_id: str
    entity_id: str


@router.get("/runs/{run_id}/assets", response_model=RunAssets)
async def read_run_assets(run_id: str, principal: RunsRead, gw: GatewayDep) -> RunAssets:
    """Per character, place and the music: the chosen asset (or none), score, why, runner-ups."""
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
        matches = await assets.read_matches(conn, run_id)
    return RunAssets(run_id=run_id, ready=matches is not None, matches=matches or [])


@router.put("/runs/{run_id}/entities/{entity_id}/asset", response_model=AssetRevision,
            status_code=202)  # fmt: skip
async def choose_asset(
    run_id: str,
    entity_id: str,
    body: AssetChoice,
    request: Request,
    principal: RunsWrite,
    gw: GatewayDep,
) -> AssetRevision:
    """Pin (``asset_id``), reject (``reject``) or forget (``clear``) an asset for one entity:
    a revision run re-renders only the shots showing it and the composition."""
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)  # other tenants: 404 first
        library = gw.platform.registry.services.get("assets")
        if library is None:
            raise NexusError(ErrorCode.ASSET_LIBRARY_UNAVAILABLE, "no asset library is configured")
        entity = resolve_entity(await assets.read_pack(conn, run_id), entity_id)
    if body.asset_id is not None:
        await assets.require_asset(library, principal.tenant_id, body.asset_id)
    params = choice_params(dict(run.params), entity, body)
    runs.validate_params(gw.platform.registry, run.pipeline, params)
    new_run_id, _ = await runs.create_run(
        gw, pipeline=run.pipeline, params=params, tenant_id=principal.tenant_id,
        project_id=run.project_id, created_by=principal.user_id, idempotency_key=None,
        trace_id=request.state.trace_id, parent_run_id=run_id,
    )  # fmt: skip
    await audit(request, "asset.choose", principal=principal, target_type="entity",
                target_id=entity, detail={"run_id": run_id, "revision_run_id": new_run_id,
                                          **body.model_dump(exclude_none=True)})  # fmt: skip
    return AssetRevision(run_id=new_run_id, parent_run_id=run_id, entity_id=entity)


def _zip(data: bytes, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type="application/zip", headers=headers)


@router.get("/runs/{run_id}/bible", response_class=Response, responses={200: ZIP})
async def export_run_bible(run_id: str, principal: RunsRead, gw: GatewayDep) -> Response:
    """The run's entity bible: entities.json, the chosen assets' files, a manifest."""
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
    data, source = await assets.export_bible(gw.platform, principal.tenant_id, run_id)
    return _zip(data, f"bible-{source}.zip")


@router.get("/projects/{project_id}/bible", response_class=Response, responses={200: ZIP})
async def export_project_bible(
    project_id: str, principal: ProjectsRead, gw: GatewayDep
) -> Response:
    """The bible of the project's newest finished studio run."""
    async with gw.platform.db.read() as conn:
        await projects.read_project(conn, principal.tenant_id, project_id)
    data, source = await assets.export_bible(gw.platform, principal.tenant_id, project_id)
    return _zip(data, f"bible-{source}.zip")


@router.post("/projects/{project_id}/bible", response_model=BibleImport, status_code=201)
async def import_project_bible(
    project_id: str,
    request: Request,
    principal: ProjectsWrite,
    gw: GatewayDep,
    file: Annotated[UploadFile, File(description="A bible zip from an export.")],
) -> BibleImport:
    """Add the bible's assets to this project's library; its voices join the project's."""
    async with gw.platform.db.read() as conn:
        row = await projects.read_project(conn, principal.tenant_id, project_id)
    data = await file.read(MAX_BIBLE_BYTES + 1)
    result = await assets.import_bible(gw.platform, principal.tenant_id, project_id, data)
    if result.cast:
        settings = {**dict(row.settings or {})}
        settings["voices"] = {**dict(settings.get("voices") or {}), **result.cast}
        await projects.update_project(gw.platform.db, principal.tenant_id, project_id,
                                      {"settings": settings})  # fmt: skip
    await audit(request, "bible.import", principal=principal, target_type="project",
                target_id=project_id, detail={"assets": len(result.assets)})  # fmt: skip
    return result
