"""Agent sessions as the gateway applies them: the caller as the policy's principal, the
project and run a new session names checked in the caller's tenant (projects are the
gateway's; another tenant's are ``not_found``); idempotent creation is the service's, durable
in its table (``create_session_once``, ADR 0309)."""

from __future__ import annotations

from nexus.agents.ports import AgentSessions
from nexus.contracts import governance as gov
from nexus.contracts.agents import SessionCreate, SessionRecord
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.deps import Principal
from nexus.gateway.services import projects, runs
from nexus.gateway.state import Gateway


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


async def create_session(
    gw: Gateway, p: Principal, body: SessionCreate, idempotency_key: str | None
) -> tuple[SessionRecord, bool]:
    """(session, created). A repeated key with the same body answers the first session; with
    another body ``idempotency_mismatch``."""
    body = await resolve_body(gw, p.tenant_id, body)
    return await agents(gw).create_session_once(principal_of(p), body, idempotency_key)
