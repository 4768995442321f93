"""A project's routing preferences: which providers/models serve it first, and whether the
offline engines may serve it. Members read; editors (projects:write) change them. The router
validates the refs against its registry; other processes pick the change up within
``router.refresh_s``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from nexus.gateway.deps import GatewayDep, ProjectsRead, ProjectsWrite, audit
from nexus.gateway.services import projects
from nexus.gateway.state import Gateway
from nexus.model_router import schemas
from nexus.model_router.service import ProviderService

router = APIRouter(tags=["providers"])


def _service(gw: Gateway) -> ProviderService:
    return ProviderService(gw.platform.db, gw.platform.models, gw.settings.providers)


async def _owned(gw: Gateway, tenant_id: str, project_id: str) -> None:
    async with gw.platform.db.read() as conn:
        await projects.read_project(conn, tenant_id, project_id)  # 404 for another tenant's


@router.get("/projects/{project_id}/routing", response_model=schemas.ProjectRouting)
async def read_routing(
    project_id: str, principal: ProjectsRead, gw: GatewayDep
) -> schemas.ProjectRouting:
    """The project's preferences and, per capability, the candidates in the order the router
    would try them now (open circuits and disabled providers left out)."""
    await _owned(gw, principal.tenant_id, project_id)
    return await _service(gw).project_routing(principal.tenant_id, project_id)


@router.put("/projects/{project_id}/routing", response_model=schemas.ProjectRouting)
async def set_routing(
    project_id: str,
    body: schemas.ProjectRoutingBody,
    request: Request,
    principal: ProjectsWrite,
    gw: GatewayDep,
) -> schemas.ProjectRouting:
    """Replace the project's preferences (an empty body returns it to the router's defaults).
    An unknown provider is ``provider_not_found``; a model that cannot serve the capability
    is ``validation_failed``."""
    await _owned(gw, principal.tenant_id, project_id)
    view = await _service(gw).set_project_routing(
        principal.tenant_id, project_id, body, principal.user_id
    )
    await audit(
        request,
        "project.routing",
        principal=principal,
        target_type="project",
        target_id=project_id,
        detail=body.model_dump(mode="json"),
    )
    return view
