"""The audit log, for tenant admins: newest first, filter by action, cursor pagination."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nexus.gateway import schemas
from nexus.gateway.deps import Admin, GatewayDep
from nexus.observer.audit import list_audit

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=schemas.AuditPage)
async def read_audit_log(
    principal: Admin,
    gw: GatewayDep,
    action: Annotated[str | None, Query(max_length=80)] = None,
    cursor: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> schemas.AuditPage:
    async with gw.platform.db.read() as conn:
        rows = await list_audit(
            conn, tenant_id=principal.tenant_id, action=action, before=cursor, limit=limit + 1
        )
    items = [schemas.AuditEntry.model_validate(r) for r in rows[:limit]]
    return schemas.AuditPage(
        items=items, next=str(items[-1].audit_id) if len(rows) > limit else None
    )
