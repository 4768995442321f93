"""Stories of a project: create from JSON text or upload a .txt / .md file (size-limited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from nexus.gateway import schemas
from nexus.gateway.deps import GatewayDep, ProjectsRead, ProjectsWrite
from nexus.gateway.paging import StoryCursor
from nexus.gateway.services import stories

router = APIRouter(tags=["stories"])
Limit = Annotated[int, Query(ge=1, le=200)]


@router.post("/projects/{project_id}/stories", response_model=schemas.Story, status_code=201)
async def create_story(
    project_id: str,
    body: schemas.StoryCreate,
    request: Request,
    principal: ProjectsWrite,
    gw: GatewayDep,
) -> schemas.Story:
    text = stories.clean_story(body.text.encode(), max_bytes=gw.settings.gateway.max_story_bytes)
    row = await stories.create_story(
        gw.platform.db,
        tenant_id=principal.tenant_id,
        project_id=project_id,
        created_by=principal.user_id,
        title=body.title,
        text=text,
        story_format=body.format,
        trace_id=request.state.trace_id,
    )
    return schemas.Story.model_validate(row)


# The document describes the part as what the server accepts: text (a file's bytes are
# checked against the same rule as typed stories), not arbitrary binary.
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "contentMediaType": "text/plain",
                        "minLength": 1,
                        "pattern": schemas.STORY_TEXT_PATTERN,
                        "description": "The story: a .txt or .md file, or a plain field.",
                    },
                    "title": {"type": "string", "minLength": 1, "maxLength": 200},
                },
            }
        }
    },
}


@router.post(
    "/projects/{project_id}/stories/upload",
    response_model=schemas.Story,
    status_code=201,
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload_story(
    project_id: str,
    request: Request,
    principal: ProjectsWrite,
    gw: GatewayDep,
    file: Annotated[
        UploadFile | str,
        File(
            description="A .txt or .md file (UTF-8; no extension: plain text), or the "
            "story as a plain form field."
        ),
    ],
    title: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
) -> schemas.Story:
    """Upload a story file; its name decides the format, its size is limited."""
    limit = gw.settings.gateway.max_story_bytes
    if isinstance(file, str):  # a form field, not a file part: plain text
        filename, raw = "", file.encode()
    else:
        filename, raw = file.filename or "", await file.read(limit + 1)
    story_format = stories.format_of_filename(filename)
    text = stories.clean_story(raw, max_bytes=limit)
    row = await stories.create_story(
        gw.platform.db,
        tenant_id=principal.tenant_id,
        project_id=project_id,
        created_by=principal.user_id,
        title=title or filename.rsplit(".", 1)[0] or "story",
        text=text,
        story_format=story_format,
        trace_id=request.state.trace_id,
    )
    return schemas.Story.model_validate(row)


@router.get("/projects/{project_id}/stories", response_model=schemas.StoryPage)
async def list_stories(
    project_id: str,
    principal: ProjectsRead,
    gw: GatewayDep,
    cursor: StoryCursor = None,
    limit: Limit = 50,
) -> schemas.StoryPage:
    async with gw.platform.db.read() as conn:
        rows = await stories.list_stories(
            conn, principal.tenant_id, project_id, before=cursor, limit=limit + 1
        )
    items = [schemas.StorySummary.model_validate(r) for r in rows[:limit]]
    return schemas.StoryPage(items=items, next=items[-1].story_id if len(rows) > limit else None)


@router.get("/stories/{story_id}", response_model=schemas.Story)
async def read_story(story_id: str, principal: ProjectsRead, gw: GatewayDep) -> schemas.Story:
    async with gw.platform.db.read() as conn:
        return schemas.Story.model_validate(
            await stories.read_story(conn, principal.tenant_id, story_id)
        )


@router.delete("/stories/{story_id}", status_code=204, response_class=Response)
async def delete_story(story_id: str, principal: ProjectsWrite, gw: GatewayDep) -> Response:
    await stories.delete_story(gw.platform.db, principal.tenant_id, story_id)
    return Response(status_code=204)
