"""Entity revisions of a run: preview which nodes re-run, then start the revision run.

``POST /runs/{run_id}/entities/{entity_id}/revise/preview`` answers the node keys;
``POST /runs/{run_id}/entities/{entity_id}/revise`` starts the revision run (202).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import EntityEdit
from nexus.core.errors import NexusError
from nexus.gateway.deps import GatewayDep, RunsRead, RunsWrite, audit
from nexus.gateway.schemas import Output
from nexus.gateway.services import entity_edits, revisions, runs

router = APIRouter(prefix="/runs/{run_id}/entities/{entity_id}", tags=["entities"])


class RevisionPreview(Output):
    run_id: str
    rerun: list[str] = Field(description="Node keys the revision runs again; the rest are hits.")


class EntityRevision(Output):
    run_id: str = Field(description="The revision run that applies the edit.")
    parent_run_id: str
    entity_id: str
    rerun: list[str]


@router.post("/revise/preview", response_model=RevisionPreview)
async def preview_entity_revision(
    run_id: str, entity_id: str, body: EntityEdit, principal: RunsRead, gw: GatewayDep
) -> RevisionPreview:
    """What an entity edit would re-run (nothing is started)."""
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        _, rerun = await entity_edits.plan_revision(conn, run, entity_id, body)
    return RevisionPreview(run_id=run_id, rerun=rerun)


@router.post("/revise", response_model=EntityRevision, status_code=202)
async def revise_entity(
    run_id: str,
    entity_id: str,
    body: EntityEdit,
    request: Request,
    principal: RunsWrite,
    gw: GatewayDep,
) -> EntityRevision:
    """Rename an entity, replace its aliases, change a character's voice or merge it into
    another: a revision run re-runs only what depends on it."""
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        params, rerun = await entity_edits.plan_revision(conn, run, entity_id, body)
    if not rerun:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, "the edit changes nothing", fields={"body": "no change"}
        )
    new_run_id = await revisions.start_revision(gw, request, principal, run, params)
    await audit(
        request,
        "entity.revise",
        principal=principal,
        target_type="entity",
        target_id=entity_id,
        detail={
            "run_id": run_id,
            "revision_run_id": new_run_id,
            **body.model_dump(exclude_none=True),
        },
    )
    return EntityRevision(run_id=new_run_id, parent_run_id=run_id, entity_id=entity_id, rerun=rerun)
