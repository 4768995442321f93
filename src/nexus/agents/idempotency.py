"""Durable session-create idempotency (ADR 0309): the key is a column of the session, unique
per tenant, with the digest of the request that created it. Same key + same request -> the
first session; same key + another request -> ``idempotency_mismatch`` (as runs answer)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from nexus.agents import store
from nexus.contracts.agents import SessionCreate, SessionRecord
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import Principal
from nexus.core.db import Conn
from nexus.core.errors import NexusError

SESSIONS = store.SESSIONS


def request_hash(principal: Principal, body: SessionCreate) -> str:
    """The digest of a create: who asks and what (another user's replay is another request)."""
    what = {"owner_id": principal.user_id, "body": body.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


async def session_by_key(conn: Conn, tenant_id: str, key: str, digest: str) -> SessionRecord | None:
    row = (
        await conn.execute(
            select(SESSIONS).where(
                SESSIONS.c.tenant_id == tenant_id,
                SESSIONS.c.idempotency_key == key,
                SESSIONS.c.deleted_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise NexusError(ErrorCode.IDEMPOTENCY_MISMATCH)
    return store.session_of(row)
