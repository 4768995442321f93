"""Request dependencies: the gateway state, the authenticated principal (JWT or API key),
scope checks, per-principal rate limits, and the audit context of a request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.security import API_KEY_PREFIX, KEYS_MANAGE, ROLE_SCOPES
from nexus.gateway.services import apikeys, members
from nexus.gateway.services.accounts import REVOKED_SESSION, read_operator_tenant
from nexus.gateway.state import Gateway
from nexus.observer.audit import ActorType, AuditRecord, Outcome, record_audit

MEMBERSHIP_CHANGED = (
    "your membership changed (role, suspension or removal): refresh the token or log in again"
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (JWT) or an API key acting for its owner, in one tenant."""

    user_id: str
    tenant_id: str
    role: str
    scopes: frozenset[str]
    kind: ActorType
    key_id: str | None = None
    session_id: str | None = None

    @property
    def actor_id(self) -> str:
        return self.key_id or self.user_id


async def gateway(request: Request) -> Gateway:
    """Async on purpose: FastAPI runs sync dependencies in a thread pool (~0.1 ms each)."""
    return request.app.state.gateway


def _credential(request: Request) -> str:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NexusError(ErrorCode.UNAUTHENTICATED, "use 'Authorization: Bearer <token>'")
        return token.strip()
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    raise NexusError(ErrorCode.UNAUTHENTICATED, "credentials are required")


async def authenticate(request: Request) -> Principal:
    gw: Gateway = request.app.state.gateway
    token = _credential(request)
    cache = gw.platform.cache
    if token.startswith(API_KEY_PREFIX):
        found = await apikeys.authenticate_key(gw, token)
        principal = Principal(
            found.user_id, found.tenant_id, found.role, found.scopes, "api_key", key_id=found.key_id
        )
        bucket = f"gw:rl:key:{found.key_id}"
    else:
        claims = gw.issuer.read_access(token)
        if await cache.get(REVOKED_SESSION + claims.session_id) is not None:
            raise NexusError(ErrorCode.UNAUTHENTICATED, "the session was revoked")
        # The role claim holds only while the membership is unchanged (ADR 0150).
        current = await members.current_version(gw, claims.tenant_id, claims.user_id)
        if current != claims.membership_version:
            raise NexusError(ErrorCode.UNAUTHENTICATED, MEMBERSHIP_CHANGED)
        principal = Principal(
            claims.user_id,
            claims.tenant_id,
            claims.role,
            ROLE_SCOPES[claims.role],
            "user",
            session_id=claims.session_id,
        )
        bucket = f"gw:rl:user:{claims.user_id}"
    decision = await cache.hit_rate_limit(bucket, limit=gw.rate_limit, window_s=gw.rate_window_s)
    if not decision.allowed:
        raise NexusError(ErrorCode.RATE_LIMITED, extra={"retry_after_s": decision.retry_after_s})
    request.state.principal = principal
    return principal


def require(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: authenticate, then demand ``scope`` (403 inside one's own tenant).

    Only ``Request`` is injected (sub-dependencies cost per request); the security schemes
    are declared in the OpenAPI document by ``openapi.py``."""

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if scope not in principal.scopes:
            raise NexusError(ErrorCode.FORBIDDEN, f"this action needs the {scope!r} scope")
        return principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


async def require_user(request: Request) -> Principal:
    """Any authenticated caller, with no particular scope (e.g. ``/me``)."""
    return await authenticate(request)


_require_admin = require("admin")


async def require_operator(request: Request) -> Principal:
    """An admin of the operator tenant (``gateway.operator_tenant``, default the first tenant
    created): deployment-wide configuration such as model providers is not one tenant's."""
    principal = await _require_admin(request)
    gw: Gateway = request.app.state.gateway
    if gw.operator_tenant_id is None:
        async with gw.platform.db.read() as conn:
            gw.operator_tenant_id = await read_operator_tenant(
                conn, gw.settings.gateway.operator_tenant
            )
    if principal.tenant_id != gw.operator_tenant_id:
        raise NexusError(
            ErrorCode.FORBIDDEN,
            "deployment-wide configuration is changed by admins of the operator tenant only",
        )
    return principal


GatewayDep = Annotated[Gateway, Depends(gateway)]
ProjectsRead = Annotated[Principal, Depends(require("projects:read"))]
ProjectsWrite = Annotated[Principal, Depends(require("projects:write"))]
RunsRead = Annotated[Principal, Depends(require("runs:read"))]
RunsWrite = Annotated[Principal, Depends(require("runs:write"))]
ArtifactsRead = Annotated[Principal, Depends(require("artifacts:read"))]
Admin = Annotated[Principal, Depends(_require_admin)]
Operator = Annotated[Principal, Depends(require_operator)]
KeysManage = Annotated[Principal, Depends(require(KEYS_MANAGE))]
ApprovalsDecide = Annotated[Principal, Depends(require("approvals:decide"))]
AnyPrincipal = Annotated[Principal, Depends(require_user)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def audit_record(
    request: Request,
    action: str,
    *,
    principal: Principal | None = None,
    tenant_id: str | None = None,
    outcome: Outcome = "success",
    target_type: str | None = None,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditRecord:
    return AuditRecord(
        action=action,
        actor_type=principal.kind if principal else "anonymous",
        actor_id=principal.actor_id if principal else None,
        tenant_id=principal.tenant_id if principal else tenant_id,
        outcome=outcome,
        target_type=target_type,
        target_id=target_id,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        trace_id=getattr(request.state, "trace_id", ""),
        detail=detail or {},
    )


async def audit(request: Request, action: str, **kw: Any) -> None:
    """Record one security-relevant action in its own transaction."""
    gw: Gateway = request.app.state.gateway
    await record_audit(gw.platform.db, audit_record(request, action, **kw))
