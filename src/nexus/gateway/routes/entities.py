"""``GET /runs/{run_id}/entities``: the characters (voice, look), places and props a studio
run's plan found; ``ready`` is false until the plan has run."""

from __future__ import annotations

from fastapi import APIRouter

from nexus.gateway import schemas_studio
from nexus.gateway.deps import GatewayDep, RunsRead
from nexus.gateway.services import entity_edits, runs, studio

router = APIRouter(tags=["shots"])


@router.get("/runs/{run_id}/entities", response_model=schemas_studio.RunEntities)
async def read_entities(
    run_id: str, principal: RunsRead, gw: GatewayDep
) -> schemas_studio.RunEntities:
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        pack = await studio.read_entities(conn, run_id)
    if pack is not None:
        pack = entity_edits.edited_pack(pack, run.params)  # a revision shows its edits
    return schemas_studio.RunEntities(run_id=run_id, ready=pack is not None, pack=pack)
