"""``POST /stories/preview``: the scenes, characters and shots a story would get, before any
run; invalid text answers the same error codes as storing it (``input_empty``, ...)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from nexus.gateway import schemas_studio
from nexus.gateway.deps import GatewayDep, ProjectsRead
from nexus.gateway.services import preview, stories

router = APIRouter(tags=["stories"])


@router.post("/stories/preview", response_model=schemas_studio.StoryPreview)
async def preview_story(
    body: schemas_studio.StoryPreviewRequest, principal: ProjectsRead, gw: GatewayDep
) -> schemas_studio.StoryPreview:
    """Plan the text as a run would (nothing is stored): detected language, scenes,
    characters, places, props and the shots with their target durations."""
    limit = gw.settings.gateway.max_story_bytes
    text = stories.clean_story(body.text.encode(), max_bytes=limit)
    return await asyncio.to_thread(preview.preview_story, text, body.language, max_bytes=limit)
