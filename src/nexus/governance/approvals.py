"""Approval requests: filed when a policy answers ``needs_approval``, decided once by a
different user of the same tenant before they expire (ADR 0213).

An approval is bound to its run, its job (None: the run's creation) and the digest of the
policy input it was asked for; deciding checks all of it, and the guarded update lets one
decision win.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Table, insert, select, update

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import PolicyDecision, PolicyInput
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import canonical_json, new_id, sha256_hex, utcnow
from nexus.governance import tables

APPROVALS = cast(Table, tables.Approval.__table__)
Status = Literal["pending", "approved", "rejected", "expired"]


def digest_of(request: PolicyInput) -> str:
    return sha256_hex(canonical_json(request.model_dump(mode="json")))


def pending_key(run_id: str, job_id: str | None) -> str:
    return job_id or f"run:{run_id}"


@dataclass(frozen=True)
class ApprovalRecord:
    approval_id: str
    tenant_id: str
    project_id: str
    run_id: str
    job_id: str | None
    action: str
    resource: str
    requested_by: str | None
    reasons: list[str]
    policy_version: int
    input_digest: str
    status: str
    decided_by: str | None
    decided_at: datetime | None
    note: str
    expires_at: datetime
    created_at: datetime
    version: int

    @classmethod
    def of(cls, row: Any) -> ApprovalRecord:
        return cls(**{f: getattr(row, f) for f in cls.__dataclass_fields__})

    def as_json(self) -> dict[str, Any]:
        return {
            f: (v.isoformat() if isinstance(v, datetime) else v)
            for f, v in ((f, getattr(self, f)) for f in self.__dataclass_fields__)
        }


async def file_approval(
    conn: Conn,
    request: PolicyInput,
    decision: PolicyDecision,
    *,
    run_id: str,
    job_id: str | None,
    project_id: str,
    requested_by: str | None,
    default_ttl_s: int,
    trace_id: str = "",
) -> ApprovalRecord | None:
    """File the request for a hold; None if that hold already has a pending one."""
    key = pending_key(run_id, job_id)
    found = (
        await conn.execute(select(APPROVALS.c.approval_id).where(APPROVALS.c.pending_key == key))
    ).first()
    if found is not None:
        return None
    now = utcnow()
    row: dict[str, Any] = {
        "approval_id": new_id("apr"),
        "tenant_id": request.principal.tenant_id,
        "project_id": project_id,
        "run_id": run_id,
        "job_id": job_id,
        "action": request.action,
        "resource": f"{request.resource.kind}:{request.resource.name}"[:200],
        "requested_by": requested_by,
        "reasons": decision.reasons,
        "policy_version": decision.policy_version,
        "input_digest": digest_of(request),
        "status": "pending",
        "pending_key": key,
        "decided_by": None,
        "decided_at": None,
        "note": "",
        "expires_at": now + timedelta(seconds=decision.approval_ttl_s or default_ttl_s),
        "trace_id": trace_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    await conn.execute(insert(APPROVALS).values(**row))
    return ApprovalRecord.of(type("Row", (), row))


async def list_approvals(
    conn: Conn,
    tenant_id: str,
    *,
    status: Status | None = "pending",
    run_id: str | None = None,
    limit: int = 100,
) -> list[ApprovalRecord]:
    stmt = select(APPROVALS).where(APPROVALS.c.tenant_id == tenant_id)
    if status is not None:
        stmt = stmt.where(APPROVALS.c.status == status)
    if run_id is not None:
        stmt = stmt.where(APPROVALS.c.run_id == run_id)
    rows = await conn.execute(stmt.order_by(APPROVALS.c.created_at.desc()).limit(limit))
    return [ApprovalRecord.of(r) for r in rows]


async def read_approval(conn: Conn, tenant_id: str, approval_id: str) -> ApprovalRecord:
    """Another tenant's approval does not exist (``approval_not_found``)."""
    row = (
        await conn.execute(
            select(APPROVALS).where(
                APPROVALS.c.approval_id == approval_id, APPROVALS.c.tenant_id == tenant_id
            )
        )
    ).first()
    if row is None:
        raise NexusError(ErrorCode.APPROVAL_NOT_FOUND, f"approval {approval_id!r} does not exist")
    return ApprovalRecord.of(row)


def check_decidable(
    record: ApprovalRecord,
    *,
    user_id: str,
    run_created_by: str | None,
    now: datetime,
    job_id: str | None = None,
) -> None:
    """Refuse a decision by the requester or the run's creator, on another job than the
    approval's, on a decided or expired approval."""
    if record.status == "expired":
        raise NexusError(ErrorCode.APPROVAL_EXPIRED, f"approval expired at {record.expires_at}")
    if record.status != "pending":
        raise NexusError(
            ErrorCode.CONFLICT, f"approval already {record.status} by {record.decided_by}"
        )
    if now >= record.expires_at:
        raise NexusError(ErrorCode.APPROVAL_EXPIRED, f"approval expired at {record.expires_at}")
    if user_id in (record.requested_by, run_created_by):
        raise NexusError(
            ErrorCode.SELF_APPROVAL, "the requester or the run's creator cannot decide"
        )
    if job_id is not None and job_id != record.job_id:
        raise NexusError(
            ErrorCode.APPROVAL_MISMATCH,
            f"approval {record.approval_id} is for job {record.job_id}, not {job_id}",
        )


async def mark(
    conn: Conn, record: ApprovalRecord, status: Status, *, user_id: str | None, note: str = ""
) -> ApprovalRecord:
    """Pending -> ``status``, guarded by the version read: a lost race is ``conflict``."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": status,
        "pending_key": None,
        "decided_by": user_id,
        "decided_at": now,
        "note": note[:500],
        "version": record.version + 1,
        "updated_at": now,
    }
    result = await conn.execute(
        update(APPROVALS)
        .where(
            APPROVALS.c.approval_id == record.approval_id,
            APPROVALS.c.status == "pending",
            APPROVALS.c.version == record.version,
        )
        .values(**values)
    )
    if result.rowcount != 1:
        raise NexusError(ErrorCode.CONFLICT, "the approval was decided concurrently")
    return replace(
        record,
        status=status,
        decided_by=user_id,
        decided_at=now,
        note=values["note"],
        version=record.version + 1,
    )


async def due_for_expiry(conn: Conn, now: datetime, limit: int = 100) -> list[ApprovalRecord]:
    rows = await conn.execute(
        select(APPROVALS)
        .where(APPROVALS.c.status == "pending", APPROVALS.c.expires_at <= now)
        .limit(limit)
    )
    return [ApprovalRecord.of(r) for r in rows]


async def pending_keys(conn: Conn) -> set[str]:
    rows = await conn.execute(
        select(APPROVALS.c.pending_key).where(APPROVALS.c.pending_key.is_not(None))
    )
    return {str(k) for (k,) in rows.all()}
