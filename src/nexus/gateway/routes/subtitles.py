"""Subtitle cues of a run: list them, preview an edit, start the revision that applies it.

``GET /runs/{run_id}/subtitles``; ``POST /runs/{run_id}/subtitles/{cue_id}/preview``;
``PATCH /runs/{run_id}/subtitles/{cue_id}`` (202, a revision run: the shot's segment and the
final film run again, nothing else).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from nexus.contracts.studio import CueEdit
from nexus.gateway.deps import GatewayDep, RunsRead, RunsWrite, audit
from nexus.gateway.routes.entity_edits import RevisionPreview
from nexus.gateway.schemas import Output
from nexus.gateway.services import revisions, runs, subtitles
from nexus.gateway.services.subtitles import CueView

router = APIRouter(prefix="/runs/{run_id}/subtitles", tags=["subtitles"])


class CuePage(Output):
    run_id: str
    ready: bool = Field(description="False while some shots have no clip (and so no cues) yet.")
    items: list[CueView]


class CueRevision(Output):
    run_id: str = Field(description="The revision run that applies the edit.")
    parent_run_id: str
    cue_id: str
    rerun: list[str]


@router.get("", response_model=CuePage)
async def list_cues(run_id: str, principal: RunsRead, gw: GatewayDep) -> CuePage:
    """Every cue with its shot-local and film times, as the run burns them in."""
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        ready, items = await subtitles.list_cues(conn, run)
    return CuePage(run_id=run_id, ready=ready, items=items)


@router.post("/{cue_id}/preview", response_model=RevisionPreview)
async def preview_cue_edit(
    run_id: str, cue_id: str, body: CueEdit, principal: RunsRead, gw: GatewayDep
) -> RevisionPreview:
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        _, rerun = await subtitles.plan_revision(conn, run, cue_id, body)
    return RevisionPreview(run_id=run_id, rerun=rerun)


@router.patch("/{cue_id}", response_model=CueRevision, status_code=202)
async def edit_cue(
    run_id: str, cue_id: str, body: CueEdit, request: Request, principal: RunsWrite, gw: GatewayDep
) -> CueRevision:
    """Edit a cue's text (and timing within its shot): ``cue_not_found`` for an unknown id,
    ``cue_timing_invalid`` when it would leave the shot or overlap a neighbour."""
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        params, rerun = await subtitles.plan_revision(conn, run, cue_id, body)
    new_run_id = await revisions.start_revision(gw, request, principal, run, params)
    await audit(
        request,
        "subtitle.revise",
        principal=principal,
        target_type="cue",
        target_id=cue_id,
        detail={"run_id": run_id, "revision_run_id": new_run_id},
    )
    return CueRevision(run_id=new_run_id, parent_run_id=run_id, cue_id=cue_id, rerun=rerun)
