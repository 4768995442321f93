"""The audit log: append one entry per security-relevant action, list them for admins.

Writes go only to the observer's own ``audit_log`` table, never to business state. Details
are redacted on the way in (``core.redaction.redact_value``: secrets and personal data).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, insert, select

from nexus.core.db import Conn, Database
from nexus.core.ids import utcnow
from nexus.core.redaction import redact_value
from nexus.observer import tables

IDENTITY_KEYS = frozenset({"email"})

AUDIT = cast(Table, tables.AuditEntry.__table__)
ActorType = Literal["user", "api_key", "anonymous", "system"]
Outcome = Literal["success", "failure"]

# Prebuilt: audit rows are written on hot command paths (run create).
INSERT_AUDIT = insert(AUDIT)
MAX_TEXT = {"user_agent": 512, "ip": 64, "target_id": 255}


@dataclass(frozen=True)
class AuditRecord:
    """One security-relevant action: who did what to which object, from where."""

    action: str
    actor_type: ActorType
    actor_id: str | None
    tenant_id: str | None
    outcome: Outcome = "success"
    target_type: str | None = None
    target_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    trace_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _row(record: AuditRecord) -> dict[str, Any]:
    row = asdict(record)
    for key, limit in MAX_TEXT.items():
        if row[key] is not None:
            row[key] = row[key][:limit]
    # The account an action names (a sign-in's email) is what the audit is for: kept; every
    # other value is redacted (secrets, personal data inside free text).
    detail = row["detail"]
    row["detail"] = {
        k: v if k in IDENTITY_KEYS and isinstance(v, str) else redact_value({k: v})[k]
        for k, v in detail.items()
    }
    row["occurred_at"] = utcnow()
    return row


async def insert_audit(conn: Conn, record: AuditRecord) -> None:
    """Append inside the caller's transaction (the action and its audit commit together)."""
    await conn.execute(INSERT_AUDIT, [_row(record)])


async def record_audit(db: Database, record: AuditRecord) -> None:
    """Append in a transaction of its own (for actions with no business write, e.g. login)."""
    async with db.transaction() as conn:
        await insert_audit(conn, record)


SELECT_PAGE = (
    select(AUDIT)
    .where(AUDIT.c.tenant_id == bindparam("tenant_id"), AUDIT.c.audit_id < bindparam("before"))
    .order_by(AUDIT.c.audit_id.desc())
    .limit(bindparam("limit"))
)


async def list_audit(
    conn: Conn,
    *,
    tenant_id: str,
    action: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[Any]:
    """Newest first; ``before`` is an audit_id cursor."""
    stmt = SELECT_PAGE
    if action is not None:
        stmt = stmt.where(AUDIT.c.action == action)
    params = {"tenant_id": tenant_id, "before": before or 2**62, "limit": limit}
    return list((await conn.execute(stmt, params)).all())
