"""Approval requests of the tenant: list them (members), approve or reject (approvers and
admins; never the requester or the run's creator; before expiry; once)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from nexus.gateway import schemas_governance as gs
from nexus.gateway.deps import ApprovalsDecide, GatewayDep, Principal, RunsRead, audit
from nexus.governance import approvals
from nexus.governance.approvals import ApprovalRecord

router = APIRouter(tags=["approvals"])


def _view(record: ApprovalRecord) -> gs.Approval:
    return gs.Approval.model_validate(record.__dict__)


@router.get("/approvals", response_model=gs.ApprovalPage)
async def list_approvals(
    principal: RunsRead,
    gw: GatewayDep,
    status: Literal["pending", "approved", "rejected", "expired"] | None = "pending",
    run_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> gs.ApprovalPage:
    """Newest first; by default the pending ones. Held jobs are filed first, so a job held
    a moment ago is listed."""
    await gw.platform.orch.file_holds(gw.platform.settings.governance.approval_ttl_s)
    async with gw.platform.db.read() as conn:
        records = await approvals.list_approvals(
            conn, principal.tenant_id, status=status, run_id=run_id, limit=limit
        )
    return gs.ApprovalPage(items=[_view(r) for r in records])


@router.get("/approvals/{approval_id}", response_model=gs.Approval)
async def read_approval(approval_id: str, principal: RunsRead, gw: GatewayDep) -> gs.Approval:
    async with gw.platform.db.read() as conn:
        return _view(await approvals.read_approval(conn, principal.tenant_id, approval_id))


async def _decide(
    request: Request,
    gw: GatewayDep,
    principal: Principal,
    approval_id: str,
    body: gs.ApprovalDecide,
    *,
    approve: bool,
) -> gs.Approval:
    verb = "approve" if approve else "reject"
    try:
        record = await gw.platform.decide_approval(
            principal.tenant_id,
            approval_id,
            user_id=principal.user_id,
            approve=approve,
            note=body.reason,
            job_id=body.job_id,
        )
    except Exception as exc:
        await audit(
            request,
            f"approval.{verb}",
            principal=principal,
            outcome="failure",
            target_type="approval",
            target_id=approval_id,
            detail={"error": str(getattr(exc, "code", type(exc).__name__)), "job_id": body.job_id},
        )
        raise
    await audit(
        request,
        f"approval.{verb}",
        principal=principal,
        target_type="approval",
        target_id=approval_id,
        detail={"run_id": record.run_id, "job_id": record.job_id, "reason": body.reason},
    )
    return _view(record)


@router.post("/approvals/{approval_id}/approve", response_model=gs.Approval)
async def approve(
    approval_id: str,
    body: gs.ApprovalDecide,
    request: Request,
    principal: ApprovalsDecide,
    gw: GatewayDep,
) -> gs.Approval:
    """Release what the approval holds; the run resumes where it stopped."""
    return await _decide(request, gw, principal, approval_id, body, approve=True)


@router.post("/approvals/{approval_id}/reject", response_model=gs.Approval)
async def reject(
    approval_id: str,
    body: gs.ApprovalDecide,
    request: Request,
    principal: ApprovalsDecide,
    gw: GatewayDep,
) -> gs.Approval:
    """Refuse: the held job fails (``approval_rejected``) and its run fails."""
    return await _decide(request, gw, principal, approval_id, body, approve=False)
