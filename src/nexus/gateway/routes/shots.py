"""Studio shots of a run: read the plan, patch a shot (a revision run), regenerate one shot.

Thin by design: the pipeline-specific parts live in ``services.studio`` (``StudioBinding``,
``plan_shot_revision``, ``shot_regeneration``: shared with the agent's tools).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from nexus.contracts import studio as contracts
from nexus.gateway import schemas
from nexus.gateway.deps import GatewayDep, RunsRead, RunsWrite, audit
from nexus.gateway.services import runs, studio

router = APIRouter(prefix="/runs/{run_id}/shots", tags=["shots"])


@router.get("", response_model=schemas.ShotPage)
async def list_shots(run_id: str, principal: RunsRead, gw: GatewayDep) -> schemas.ShotPage:
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        ready, shots = await studio.read_shots(conn, run_id, run_params=run.params)
    return schemas.ShotPage(run_id=run_id, ready=ready, items=shots)


@router.get("/{shot_id}", response_model=contracts.ShotPlan)
async def read_shot(
    run_id: str, shot_id: str, principal: RunsRead, gw: GatewayDep
) -> contracts.ShotPlan:
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        return await studio.read_shot(conn, run_id, shot_id, run_params=run.params)


@router.patch("/{shot_id}", response_model=schemas.ShotRevision, status_code=202)
async def patch_shot(
    run_id: str,
    shot_id: str,
    body: contracts.ShotEdit,
    request: Request,
    principal: RunsWrite,
    gw: GatewayDep,
) -> schemas.ShotRevision:
    """Edit a shot's text, voice or duration: starts a revision run whose cache keys reuse
    everything the edit does not touch."""
    async with gw.platform.db.read() as conn:
        run, _, params = await studio.plan_shot_revision(
            conn, principal.tenant_id, run_id, shot_id, body
        )
    runs.validate_params(gw.platform.registry, run.pipeline, params)
    new_run_id, _ = await runs.create_run(
        gw,
        pipeline=run.pipeline,
        params=params,
        tenant_id=principal.tenant_id,
        project_id=run.project_id,
        created_by=principal.user_id,
        idempotency_key=None,
        trace_id=request.state.trace_id,
        parent_run_id=run_id,
    )
    await audit(
        request,
        "shot.revise",
        principal=principal,
        target_type="shot",
        target_id=shot_id,
        detail={"run_id": run_id, "revision_run_id": new_run_id},
    )
    return schemas.ShotRevision(run_id=new_run_id, parent_run_id=run_id, shot_id=shot_id)


@router.post("/{shot_id}/regenerate", response_model=schemas.Regenerated, status_code=202)
async def regenerate_shot(
    run_id: str,
    shot_id: str,
    body: schemas.RegenerateRequest,
    request: Request,
    principal: RunsWrite,
    gw: GatewayDep,
) -> schemas.Regenerated:
    """Another variant of one shot; only its tasks and the composition run again."""
    async with gw.platform.db.read() as conn:
        _, _, node_key = await studio.shot_regeneration(conn, principal.tenant_id, run_id, shot_id)
    affected = await gw.platform.regenerate(run_id, node_key, variant=body.variant)
    await audit(
        request,
        "shot.regenerate",
        principal=principal,
        target_type="shot",
        target_id=shot_id,
        detail={"run_id": run_id, "variant": body.variant},
    )
    return schemas.Regenerated(run_id=run_id, node_key=node_key, affected_job_ids=affected)
