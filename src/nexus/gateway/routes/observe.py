"""The observer's reports: SLA objectives (a tenant's own runs, or every tenant's for operator
admins), the SLA alert events (operators), and a run's incident summary (`/runs/{id}/explain`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from nexus.contracts.errors import ErrorCode
from nexus.contracts.observe import AlertPage, RunExplanation, SlaReport
from nexus.core.errors import NexusError
from nexus.gateway.deps import GatewayDep, Operator, Principal, RunsRead
from nexus.gateway.services.accounts import read_operator_tenant
from nexus.gateway.services.observe import explain_run, read_sla_report
from nexus.gateway.state import Gateway
from nexus.observer.alerts import list_alerts
from nexus.observer.sla import WINDOW_PATTERN, parse_window

router = APIRouter(tags=["observe"])
Window = Annotated[
    str | None,
    Query(pattern=WINDOW_PATTERN, description="Override every SLA's window: 90, 30m, 6h, 7d."),
]


async def _require_operator_admin(gw: Gateway, principal: Principal) -> None:
    if "admin" in principal.scopes:
        if gw.operator_tenant_id is None:
            async with gw.platform.db.read() as conn:
                gw.operator_tenant_id = await read_operator_tenant(
                    conn, gw.settings.gateway.operator_tenant
                )
        if principal.tenant_id == gw.operator_tenant_id:
            return
    raise NexusError(
        ErrorCode.FORBIDDEN, "scope=all covers every tenant: operator tenant admins only"
    )


@router.get("/observe/sla", response_model=SlaReport)
async def read_sla(
    principal: RunsRead,
    gw: GatewayDep,
    window: Window = None,
    scope: Annotated[Literal["tenant", "all"], Query()] = "tenant",
) -> SlaReport:
    """Each SLA objective of `observer.slas` over the window: value, target, status, samples."""
    window_s = parse_window(window) if window else None
    if scope == "all":
        await _require_operator_admin(gw, principal)
        return await read_sla_report(gw.platform, tenant_id=None, window_s=window_s)
    return await read_sla_report(gw.platform, tenant_id=principal.tenant_id, window_s=window_s)


@router.get("/observe/alerts", response_model=AlertPage)
async def read_alerts(
    _: Operator,
    gw: GatewayDep,
    objective: Annotated[str | None, Query(max_length=80)] = None,
    cursor: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AlertPage:
    """SLA alert events (breached / recovered), newest first; deployment-wide."""
    async with gw.platform.db.read() as conn:
        items = await list_alerts(conn, before=cursor, limit=limit + 1, objective=objective)
    page = items[:limit]
    return AlertPage(items=page, next=str(page[-1].alert_id) if len(items) > limit else None)


@router.get("/runs/{run_id}/explain", response_model=RunExplanation)
async def read_run_explanation(run_id: str, principal: RunsRead, gw: GatewayDep) -> RunExplanation:
    """Why the run failed, in one answer: the failing jobs with their error codes, attempts,
    upstream causes, blocked downstream jobs, log lines and failed span; for a run that did
    not fail, its slowest stages."""
    return await explain_run(gw.platform, run_id, tenant_id=principal.tenant_id)
