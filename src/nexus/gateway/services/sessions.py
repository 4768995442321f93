"""Agent sessions as the gateway applies them: the caller as the policy's principal, the
project and run a new session names checked in the caller's tenant (projects are the
gateway's; another tenant's are ``not_found``), and idempotent session creation
(``ports.AgentSessions.create_session`` takes no key, so the gateway remembers key ->
session in the cache for a day, under the same lock as run creation; ADR 0281)."""

from __future__ import annotations

import hashlib
import json

from nexus.agents.ports import AgentSessions
from nexus.contracts import governance as gov
from nexus.contracts.agents import SessionCreate, SessionRecord
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.deps import Principal
from nexus.gateway.services import projects, runs
from nexus.gateway.services.runs import IDEMPOTENCY_LOCK_TTL_S, IDEMPOTENCY_WAIT_S
from nexus.gateway.state import Gateway

IDEMPOTENCY_TTL_S = 24 * 3600.0


def agents(gw: Gateway) -> AgentSessions:
    return gw.platform.agents


def principal_of(p: Principal) -> gov.Principal:
    """The contracts' principal: the member's role, via a user token or an API key."""
    return gov.Principal(
        user_id=p.user_id,
        tenant_id=p.tenant_id,
        roles=[p.role],
        via="api_key" if p.kind == "api_key" else "user",
    )


async def resolve_body(gw: Gateway, tenant_id: str, body: SessionCreate) -> SessionCreate:
    """The project (and run) must be the caller's; a session on a run with the default
    project takes the run's project, one on a run of another project is refused."""
    async with gw.platform.db.read() as conn:
        if body.run_id is not None:
            run = await runs.read_run(conn, tenant_id, body.run_id)
            if "project_id" not in body.model_fields_set:
                body = body.model_copy(update={"project_id": run.project_id})
            elif run.project_id != body.project_id:
                raise NexusError(
                    ErrorCode.VALIDATION_FAILED,
                    "the run is in another project",
                    fields={"run_id": "must belong to project_id"},
                )
        await projects.read_project(conn, tenant_id, body.project_id)
    return body


def _digest(body: SessionCreate) -> str:
    text = json.dumps(body.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


async def create_session(
    gw: Gateway, p: Principal, body: SessionCreate, idempotency_key: str | None
) -> tuple[SessionRecord, bool]:
    """(session, created). A repeated key with the same body answers the first session; with
    another body ``idempotency_mismatch``; while the first request runs, it waits."""
    service = agents(gw)
    who = principal_of(p)
    body = await resolve_body(gw, p.tenant_id, body)
    if idempotency_key is None:
        return await service.create_session(who, body), True
    cache = gw.platform.cache
    slot = f"gw:idem:ses:{p.tenant_id}:{idempotency_key}"
    digest = _digest(body)
    lock = cache.lock(f"{slot}:lock", ttl_s=IDEMPOTENCY_LOCK_TTL_S, wait_s=IDEMPOTENCY_WAIT_S)
    try:
        await lock.__aenter__()
    except NexusError as exc:
        raise NexusError(ErrorCode.IDEMPOTENCY_IN_PROGRESS) from exc
    try:
        seen = await cache.get(slot)
        if seen is not None:
            first = json.loads(seen)
            if first["digest"] != digest:
                raise NexusError(ErrorCode.IDEMPOTENCY_MISMATCH)
            return await service.get_session(who, first["session_id"]), False
        session = await service.create_session(who, body)
        await cache.set(
            slot,
            json.dumps({"digest": digest, "session_id": session.session_id}),
            ttl_s=IDEMPOTENCY_TTL_S,
        )
        return session, True
    finally:
        await lock.__aexit__(None, None, None)
