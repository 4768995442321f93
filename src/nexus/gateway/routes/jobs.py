"""Jobs of a run: list, read (with output), regenerate one node and its descendants."""

from __future__ import annotations

from fastapi import APIRouter, Request

from nexus.gateway import schemas
from nexus.gateway.deps import GatewayDep, RunsRead, RunsWrite, audit
from nexus.gateway.services import runs
from nexus.orchestrator import queries

router = APIRouter(prefix="/runs/{run_id}/jobs", tags=["jobs"])


@router.get("", response_model=schemas.JobPage)
async def list_jobs(run_id: str, principal: RunsRead, gw: GatewayDep) -> schemas.JobPage:
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
        rows = await queries.list_jobs(conn, run_id)
    return schemas.JobPage(items=[schemas.Job.model_validate(r) for r in rows])


@router.get("/{job_id}", response_model=schemas.JobDetail)
async def read_job(
    run_id: str, job_id: str, principal: RunsRead, gw: GatewayDep
) -> schemas.JobDetail:
    async with gw.platform.db.read() as conn:
        job = await runs.read_job(conn, principal.tenant_id, run_id, job_id)
        output = await queries.read_job_output(conn, job)
    base = schemas.Job.model_validate(job).model_dump()
    return schemas.JobDetail(**base, params=job.params, output=output)


@router.post("/{job_id}/regenerate", response_model=schemas.Regenerated, status_code=202)
async def regenerate_job(
    run_id: str,
    job_id: str,
    body: schemas.RegenerateRequest,
    request: Request,
    principal: RunsWrite,
    gw: GatewayDep,
) -> schemas.Regenerated:
    """Re-run this node with a new variant, and exactly the nodes that depend on it."""
    async with gw.platform.db.read() as conn:
        job = await runs.read_job(conn, principal.tenant_id, run_id, job_id)
    affected = await gw.platform.regenerate(run_id, job.node_key, variant=body.variant)
    await audit(
        request,
        "job.regenerate",
        principal=principal,
        target_type="job",
        target_id=job_id,
        detail={"run_id": run_id, "variant": body.variant},
    )
    return schemas.Regenerated(run_id=run_id, node_key=job.node_key, affected_job_ids=affected)
