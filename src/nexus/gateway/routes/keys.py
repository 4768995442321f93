"""API keys: create (the secret is in this one response only), list, revoke.

Listing and revoking need the ``keys:manage`` scope (every role has it; an API key only if
it was granted it), and a key never revokes a key with scopes it lacks (ADR 0151)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway import schemas
from nexus.gateway.deps import AnyPrincipal, GatewayDep, KeysManage, Principal, audit
from nexus.gateway.services import apikeys

router = APIRouter(prefix="/api-keys", tags=["api keys"])


def _own_only(principal: Principal) -> str | None:
    """Admins see and revoke every key of their tenant; others only their own."""
    return None if "admin" in principal.scopes else principal.user_id


@router.post("", response_model=schemas.ApiKeyCreated, status_code=201)
async def create_api_key(
    body: schemas.ApiKeyCreate, request: Request, principal: AnyPrincipal, gw: GatewayDep
) -> schemas.ApiKeyCreated:
    """Mint a key for yourself with scopes your role allows. Keys cannot mint keys."""
    if principal.kind == "api_key":
        raise NexusError(ErrorCode.FORBIDDEN, "API keys cannot create API keys; log in as a user")
    row, key = await apikeys.create_key(
        gw,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        role=principal.role,
        name=body.name,
        scopes=list(body.scopes),
        expires_in_days=body.expires_in_days,
    )
    await audit(
        request,
        "api_key.create",
        principal=principal,
        target_type="api_key",
        target_id=row.key_id,
        detail={"scopes": list(row.scopes)},
    )
    return schemas.ApiKeyCreated(**schemas.ApiKey.model_validate(row).model_dump(), key=key)


@router.get("", response_model=schemas.ApiKeyPage)
async def list_api_keys(principal: KeysManage, gw: GatewayDep) -> schemas.ApiKeyPage:
    """Your keys (admins: every key of the tenant), newest first; never the secrets."""
    async with gw.platform.db.read() as conn:
        rows = await apikeys.list_keys(conn, principal.tenant_id, _own_only(principal))
    return schemas.ApiKeyPage(items=[schemas.ApiKey.model_validate(r) for r in rows])


@router.delete("/{key_id}", response_model=schemas.ApiKey)
async def revoke_api_key(
    key_id: str, request: Request, principal: KeysManage, gw: GatewayDep
) -> schemas.ApiKey:
    """Revoke a key; it stops working at once. A key may revoke only keys whose scopes it
    holds all of."""
    row = await apikeys.revoke_key(
        gw,
        principal.tenant_id,
        key_id,
        _own_only(principal),
        key_scopes=principal.scopes if principal.kind == "api_key" else None,
    )
    await audit(
        request, "api_key.revoke", principal=principal, target_type="api_key", target_id=key_id
    )
    return schemas.ApiKey.model_validate(row)
