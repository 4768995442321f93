"""``nexus approvals list|approve ID|reject ID``: approval requests from the command line,
decided by a named member (``--as EMAIL``, an approver or an admin of ``--tenant``) through
the same checks as the API (not the requester, not the run's creator, before expiry, once)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.security import APPROVALS_DECIDE, ROLE_SCOPES
from nexus.gateway.services import members
from nexus.gateway.services.accounts import resolve_tenant
from nexus.governance import approvals
from nexus.governance.approvals import ApprovalRecord
from nexus.observer.audit import AuditRecord, record_audit
from nexus.platform import Platform

approvals_app = typer.Typer(help="Approval requests: list, approve, reject.", no_args_is_help=True)
STATUSES = ("pending", "approved", "rejected", "expired")
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant slug.")]
As = Annotated[str, typer.Option("--as", help="Email of the approver deciding.")]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept with the decision).")]


@approvals_app.command("list")
@report_errors
def list_cmd(
    tenant: Tenant = "default",
    status: Annotated[
        approvals.Status, typer.Option(help="pending, approved, rejected, expired.")
    ] = "pending",
) -> None:
    """The tenant's approval requests (pending by default), newest first."""
    if status not in STATUSES:
        raise NexusError(ErrorCode.VALIDATION_FAILED, f"unknown status {status!r}")
    wanted: approvals.Status = status

    async def go(p: Platform) -> list[ApprovalRecord]:
        await p.orch.file_holds(p.settings.governance.approval_ttl_s)
        async with p.db.read() as conn:
            tenant_id = await resolve_tenant(conn, tenant)
            return await approvals.list_approvals(conn, tenant_id, status=wanted)

    table = Table("approval", "run", "job", "action", "resource", "reasons", "expires")
    for r in run_async(with_platform(settings_from_env(), go)):
        table.add_row(
            r.approval_id,
            r.run_id,
            r.job_id or "(run)",
            r.action,
            r.resource,
            "; ".join(r.reasons),
            r.expires_at.isoformat(timespec="seconds"),
        )
    console.print(table)


def _decide(approval_id: str, tenant: str, who: str, reason: str, *, approve: bool) -> None:
    verb = "approve" if approve else "reject"

    async def go(p: Platform) -> ApprovalRecord:
        async with p.db.read() as conn:
            tenant_id, user_id = await members.find_member(conn, tenant, who)
            member = await members.read_member(conn, tenant_id, user_id)
        if APPROVALS_DECIDE not in ROLE_SCOPES.get(member.role, frozenset()):
            raise NexusError(ErrorCode.FORBIDDEN, f"{who} is a {member.role}: approvers decide")
        record = await p.decide_approval(
            tenant_id, approval_id, user_id=user_id, approve=approve, note=reason
        )
        await record_audit(
            p.db,
            AuditRecord(
                action=f"approval.{verb}",
                actor_type="user",
                actor_id=user_id,
                tenant_id=tenant_id,
                target_type="approval",
                target_id=approval_id,
                detail={"run_id": record.run_id, "job_id": record.job_id, "via": "cli"},
            ),
        )
        return record

    record = run_async(with_platform(settings_from_env(), go, workers=False))
    console.print(f"{record.approval_id}: {record.status} by {who}")


@approvals_app.command("approve")
@report_errors
def approve(
    approval_id: Annotated[str, typer.Argument()],
    who: As,
    tenant: Tenant = "default",
    reason: Reason = "",
) -> None:
    """Release what the approval holds; the run resumes where it stopped."""
    _decide(approval_id, tenant, who, reason, approve=True)


@approvals_app.command("reject")
@report_errors
def reject(
    approval_id: Annotated[str, typer.Argument()],
    who: As,
    tenant: Tenant = "default",
    reason: Reason = "",
) -> None:
    """Refuse: the held job fails (``approval_rejected``) and its run fails."""
    _decide(approval_id, tenant, who, reason, approve=False)
