"""User skills: upload (editors and admins) and list, inside the caller's tenant only.
The upload is multipart: a ``manifest`` (JSON or YAML, as a file or a form field) and the
``source`` file; the manifest is validated (``invalid_manifest`` naming the field)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.deps import GatewayDep, RunsRead, RunsWrite, audit
from nexus.sandbox import schemas
from nexus.sandbox.manifest import parse_manifest

router = APIRouter(prefix="/skills/user", tags=["user-skills"])


@router.post("", response_model=schemas.UserSkillUploaded, status_code=201)
async def upload_user_skill(
    request: Request,
    response: Response,
    principal: RunsWrite,
    gw: GatewayDep,
    source: Annotated[UploadFile, File(description="main.py, main.js or an executable.")],
    manifest: Annotated[
        UploadFile | str, Form(description="The manifest: JSON or YAML, a file or a field.")
    ],
) -> schemas.UserSkillUploaded:
    """Upload an immutable version; the same content again answers 200, other content under
    the same name@version ``skill_version_conflict``."""
    limit = gw.settings.sandbox.max_source_bytes
    text = manifest.encode() if isinstance(manifest, str) else await manifest.read(64 * 1024)
    parsed = parse_manifest(text)
    raw = await source.read(limit + 1)
    if len(raw) > limit:
        raise NexusError(ErrorCode.PAYLOAD_TOO_LARGE, f"the source is over {limit} bytes")
    done = await gw.platform.user_skills.upload(
        principal.tenant_id, parsed, raw, created_by=principal.user_id or ""
    )
    if done.created:
        await audit(
            request,
            "skill.upload",
            principal=principal,
            target_type="user_skill",
            target_id=f"{done.name}@{done.version}",
            detail={"digest": done.digest, "language": done.language},
        )
    else:
        response.status_code = 200
    return done


@router.get("", response_model=schemas.UserSkillPage)
async def list_user_skills(
    principal: RunsRead,
    gw: GatewayDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> schemas.UserSkillPage:
    """This tenant's user skills (never another tenant's)."""
    return await gw.platform.user_skills.list_skills(
        principal.tenant_id, limit=limit, offset=offset
    )


@router.delete("/{name}/{version}", status_code=204)
async def delete_user_skill(
    name: str, version: str, request: Request, principal: RunsWrite, gw: GatewayDep
) -> Response:
    """Soft-delete a version; its name@version stays taken."""
    await gw.platform.user_skills.delete_skill(principal.tenant_id, name, version)
    await audit(
        request,
        "skill.delete",
        principal=principal,
        target_type="user_skill",
        target_id=f"{name}@{version}",
    )
    return Response(status_code=204)
