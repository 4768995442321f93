"""Tenant members (admins only): list, add, change role."""

from __future__ import annotations

from fastapi import APIRouter, Request

from nexus.gateway import schemas
from nexus.gateway.deps import Admin, GatewayDep, audit
from nexus.gateway.services import accounts

router = APIRouter(prefix="/members", tags=["members"])


@router.get("", response_model=schemas.MemberPage)
async def list_members(principal: Admin, gw: GatewayDep) -> schemas.MemberPage:
    async with gw.platform.db.read() as conn:
        rows = await accounts.list_members(conn, principal.tenant_id)
    return schemas.MemberPage(items=[schemas.Member.model_validate(r) for r in rows])


@router.post("", response_model=schemas.Member, status_code=201)
async def add_member(
    body: schemas.MemberCreate, request: Request, principal: Admin, gw: GatewayDep
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
    async with gw.platform.db.read() as conn:
        return schemas.Member.model_validate(
            await accounts.read_member(conn, principal.tenant_id, user_id)
        )


@router.patch("/{user_id}", response_model=schemas.Member)
async def change_role(
    user_id: str, body: schemas.MemberUpdate, request: Request, principal: Admin, gw: GatewayDep
) -> schemas.Member:
    """Change a member's role; it applies from their next token refresh."""
    old, row = await accounts.set_role(gw.platform.db, principal.tenant_id, user_id, body.role)
    await audit(
        request,
        "member.role_change",
        principal=principal,
        target_type="user",
        target_id=user_id,
        detail={"from": old, "to": body.role},
    )
    return schemas.Member.model_validate(row)
