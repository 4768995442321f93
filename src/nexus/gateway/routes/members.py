"""Tenant members (admins only): list, read, add, change role or suspend (If-Match), remove.

Every change takes effect on the member's next request (ADR 0150)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from nexus.gateway import schemas
from nexus.gateway.deps import Admin, GatewayDep, Principal, audit
from nexus.gateway.preconditions import IfMatchHeader, Precondition, etag
from nexus.gateway.services import accounts, members

router = APIRouter(prefix="/members", tags=["members"])


@router.get("", response_model=schemas.MemberPage)
async def list_members(principal: Admin, gw: GatewayDep) -> schemas.MemberPage:
    async with gw.platform.db.read() as conn:
        rows = await members.list_members(conn, principal.tenant_id)
    return schemas.MemberPage(items=[schemas.Member.model_validate(r) for r in rows])


@router.post("", response_model=schemas.Member, status_code=201)
async def add_member(
    body: schemas.MemberCreate,
    request: Request,
    response: Response,
    principal: Admin,
    gw: GatewayDep,
) -> schemas.Member:
    """Add a user to this tenant (created if new; the admin sets the first password)."""
    user_id, _ = await accounts.create_user(
        gw.platform.db,
        gw.passwords,
        email=body.email,
        password=body.password,
        role=body.role,
        tenant_id=principal.tenant_id,
        display_name=body.display_name,
    )
    await audit(
        request,
        "member.add",
        principal=principal,
        target_type="user",
        target_id=user_id,
        detail={"role": body.role},
    )
    await members.publish_state(gw, principal.tenant_id, user_id)
    async with gw.platform.db.read() as conn:
        row = await members.read_member(conn, principal.tenant_id, user_id)
    response.headers["ETag"] = etag(row.version)
    return schemas.Member.model_validate(row)


@router.get("/{user_id}", response_model=schemas.Member)
async def read_member(
    user_id: str, response: Response, principal: Admin, gw: GatewayDep
) -> schemas.Member:
    """One member; the ``ETag`` header is what ``If-Match`` expects on PATCH and DELETE."""
    async with gw.platform.db.read() as conn:
        row = await members.read_member(conn, principal.tenant_id, user_id)
    response.headers["ETag"] = etag(row.version)
    return schemas.Member.model_validate(row)


@router.patch("/{user_id}", response_model=schemas.Member)
async def update_member(
    user_id: str,
    body: schemas.MemberUpdate,
    request: Request,
    response: Response,
    principal: Admin,
    gw: GatewayDep,
    if_match: IfMatchHeader = None,
) -> schemas.Member:
    """Change a member's role or suspend/resume them; their current access tokens stop
    working at once (they refresh or log in again)."""
    before, row = await members.update_member(
        gw,
        principal.tenant_id,
        user_id,
        role=body.role,
        suspended=body.suspended,
        precondition=Precondition(if_match),
    )
    await _audit_update(request, principal, before, row)
    response.headers["ETag"] = etag(row.version)
    return schemas.Member.model_validate(row)


async def _audit_update(request: Request, principal: Principal, before: Any, after: Any) -> None:
    target = {"principal": principal, "target_type": "user", "target_id": after.user_id}
    if after.role != before.role:
        detail = {"from": before.role, "to": after.role}
        await audit(request, "member.role_change", detail=detail, **target)
    suspended = after.suspended_at is not None
    if suspended != (before.suspended_at is not None):
        await audit(request, "member.suspend" if suspended else "member.resume", **target)


@router.delete("/{user_id}", status_code=204, response_class=Response)
async def remove_member(
    user_id: str,
    request: Request,
    principal: Admin,
    gw: GatewayDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Remove a member from this tenant: their tokens, sessions and API keys here stop
    working at once. The user account stays (it may belong to other tenants)."""
    before = await members.remove_member(
        gw, principal.tenant_id, user_id, precondition=Precondition(if_match)
    )
    await audit(
        request,
        "member.remove",
        principal=principal,
        target_type="user",
        target_id=user_id,
        detail={"role": before.role},
    )
    return Response(status_code=204)
