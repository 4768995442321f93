"""Projects: CRUD with settings (language, resolution, voices, budget)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from nexus.gateway import schemas
from nexus.gateway.deps import GatewayDep, ProjectsRead, ProjectsWrite, audit
from nexus.gateway.paging import ProjectCursor
from nexus.gateway.preconditions import IfMatchHeader, Precondition, etag
from nexus.gateway.services import projects

router = APIRouter(prefix="/projects", tags=["projects"])
Limit = Annotated[int, Query(ge=1, le=200)]


@router.post("", response_model=schemas.Project, status_code=201)
async def create_project(
    body: schemas.ProjectCreate,
    request: Request,
    response: Response,
    principal: ProjectsWrite,
    gw: GatewayDep,
) -> schemas.Project:
    row = await projects.create_project(
        gw.platform.db,
        tenant_id=principal.tenant_id,
        created_by=principal.user_id,
        name=body.name,
        description=body.description,
        settings=body.settings.model_dump(mode="json"),
        trace_id=request.state.trace_id,
    )
    response.headers["ETag"] = etag(row.version)
    return schemas.Project.model_validate(row)


@router.get("", response_model=schemas.ProjectPage)
async def list_projects(
    principal: ProjectsRead, gw: GatewayDep, cursor: ProjectCursor = None, limit: Limit = 50
) -> schemas.ProjectPage:
    async with gw.platform.db.read() as conn:
        rows = await projects.list_projects(
            conn, principal.tenant_id, before=cursor, limit=limit + 1
        )
    items = [schemas.Project.model_validate(r) for r in rows[:limit]]
    return schemas.ProjectPage(
        items=items, next=items[-1].project_id if len(rows) > limit else None
    )


@router.get("/{project_id}", response_model=schemas.Project)
async def read_project(
    project_id: str, response: Response, principal: ProjectsRead, gw: GatewayDep
) -> schemas.Project:
    """A project; its ``ETag`` is what ``If-Match`` expects on PATCH."""
    async with gw.platform.db.read() as conn:
        row = await projects.read_project(conn, principal.tenant_id, project_id)
    response.headers["ETag"] = etag(row.version)
    return schemas.Project.model_validate(row)


@router.patch("/{project_id}", response_model=schemas.Project)
async def update_project(
    project_id: str,
    body: schemas.ProjectUpdate,
    response: Response,
    principal: ProjectsWrite,
    gw: GatewayDep,
    if_match: IfMatchHeader = None,
) -> schemas.Project:
    """Change name, description or settings; with ``If-Match``, only if nobody changed the
    project since you read it (412 otherwise)."""
    changes = body.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    row = await projects.update_project(
        gw.platform.db,
        principal.tenant_id,
        project_id,
        changes,
        precondition=Precondition(if_match),
    )
    response.headers["ETag"] = etag(row.version)
    return schemas.Project.model_validate(row)


@router.delete("/{project_id}", status_code=204, response_class=Response)
async def delete_project(
    project_id: str, request: Request, principal: ProjectsWrite, gw: GatewayDep
) -> Response:
    await projects.delete_project(gw.platform.db, principal.tenant_id, project_id)
    await audit(
        request, "project.delete", principal=principal, target_type="project", target_id=project_id
    )
    return Response(status_code=204)
