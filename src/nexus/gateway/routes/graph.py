"""A run's graph in one answer (jobs and their edges, for the studio's DAG view) and its
media: every artifact of its succeeded jobs, cache hits included, with signed URLs."""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import APIRouter, Request

from nexus.gateway import schemas, schemas_studio
from nexus.gateway.deps import ArtifactsRead, GatewayDep, RunsRead, audit
from nexus.gateway.routes.artifacts import signed_link
from nexus.gateway.services import runs
from nexus.orchestrator import queries

router = APIRouter(prefix="/runs/{run_id}", tags=["jobs"])


@router.get("/graph", response_model=schemas_studio.RunGraph)
async def read_graph(run_id: str, principal: RunsRead, gw: GatewayDep) -> schemas_studio.RunGraph:
    """Every job of the run (as ``/jobs`` lists them) and the edges between them."""
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
        jobs = await queries.list_jobs(conn, run_id)
        deps = await queries.list_job_deps(conn, run_id)
    return schemas_studio.RunGraph(
        run_id=run_id,
        nodes=[schemas.Job.model_validate(j) for j in jobs],
        edges=[schemas_studio.JobEdge.model_validate(d) for d in deps],
    )


@router.get("/media", response_model=schemas_studio.MediaPage)
async def list_media(
    run_id: str, request: Request, principal: ArtifactsRead, gw: GatewayDep
) -> schemas_studio.MediaPage:
    """Frames, voices, segments and the final files, each with a short-lived signed URL."""
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
        rows = await queries.list_job_artifacts(conn, run_id)
    items: list[schemas_studio.Media] = []
    for row in rows:
        for art in row.artifacts or []:
            link = await signed_link(gw, request, SimpleNamespace(**art))
            items.append(
                schemas_studio.Media(
                    job_id=row.job_id,
                    node_key=row.node_key,
                    sha256=art["sha256"],
                    size_bytes=art["size_bytes"],
                    media_type=art["media_type"],
                    name=art["name"],
                    url=link.url,
                    expires_at=link.expires_at,
                )
            )
    await audit(
        request,
        "artifact.links",
        principal=principal,
        target_type="run",
        target_id=run_id,
        detail={"count": len(items)},
    )
    return schemas_studio.MediaPage(run_id=run_id, items=items)
