"""Login (throttled against brute force), refresh-token rotation, logout, and ``/me``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway import schemas
from nexus.gateway.deps import AnyPrincipal, GatewayDep, audit, client_ip
from nexus.gateway.services import accounts
from nexus.gateway.state import Gateway

router = APIRouter(prefix="/auth", tags=["auth"])
LOGIN_WINDOW_S = 60.0
# One address may try a few accounts (a shared office NAT), not thousands.
IP_FACTOR = 5


async def _throttle_login(gw: Gateway, email: str, ip: str | None) -> None:
    limit = gw.settings.gateway.login_attempts_per_minute
    cache = gw.platform.cache
    checks = [(f"gw:login:email:{accounts.normalise_email(email)}", limit)]
    if ip:
        checks.append((f"gw:login:ip:{ip}", limit * IP_FACTOR))
    for key, bound in checks:
        decision = await cache.hit_rate_limit(key, limit=bound, window_s=LOGIN_WINDOW_S)
        if not decision.allowed:
            raise NexusError(
                ErrorCode.RATE_LIMITED,
                "too many login attempts; wait before trying again",
                extra={"retry_after_s": decision.retry_after_s},
            )


def _pair(session: accounts.Session) -> schemas.TokenPair:
    return schemas.TokenPair(
        access_token=session.access_token,
        refresh_token=session.refresh_token,
        expires_in=session.expires_in,
        tenant_id=session.tenant_id,
        role=session.role,  # type: ignore[arg-type]
    )


@router.post("/login", response_model=schemas.TokenPair)
async def login(body: schemas.LoginRequest, request: Request, gw: GatewayDep) -> schemas.TokenPair:
    """Exchange email and password for an access token and a refresh token."""
    await _throttle_login(gw, body.email, client_ip(request))
    try:
        session = await accounts.login(gw, body.email, body.password, body.tenant)
    except accounts.LoginFailed as exc:
        await audit(
            request,
            "auth.login",
            tenant_id=exc.tenant_id,
            outcome="failure",
            target_type="user",
            target_id=exc.user_id,
            detail={"email": accounts.normalise_email(body.email)},
        )
        raise
    await audit(
        request,
        "auth.login",
        tenant_id=session.tenant_id,
        target_type="user",
        target_id=session.user_id,
        detail={"user_id": session.user_id},
    )
    return _pair(session)


@router.post("/refresh", response_model=schemas.TokenPair)
async def refresh(
    body: schemas.RefreshRequest, request: Request, gw: GatewayDep
) -> schemas.TokenPair:
    """Rotate a refresh token. Presenting a spent token revokes the whole session."""
    try:
        session = await accounts.refresh_session(gw, body.refresh_token)
    except accounts.RefreshReused as exc:
        await audit(
            request,
            "auth.refresh_reused",
            tenant_id=exc.tenant_id,
            outcome="failure",
            target_type="session",
            target_id=exc.family_id,
            detail={"user_id": exc.user_id},
        )
        raise
    return _pair(session)


@router.post("/logout", status_code=204, response_class=Response)
async def logout(body: schemas.RefreshRequest, request: Request, gw: GatewayDep) -> Response:
    """Revoke the session of this refresh token (its access tokens stop working too)."""
    family_id = await accounts.logout(gw, body.refresh_token)
    if family_id is not None:
        await audit(request, "auth.logout", target_type="session", target_id=family_id)
    return Response(status_code=204)


@router.get("/me", response_model=schemas.Me)
async def me(principal: AnyPrincipal, gw: GatewayDep) -> schemas.Me:
    """Who the credentials belong to, in which tenant, with which role and scopes."""
    async with gw.platform.db.read() as conn:
        user = await accounts.read_me(conn, principal.user_id)
    return schemas.Me(
        user_id=user.user_id,
        email=user.email,
        display_name=user.display_name,
        tenant_id=principal.tenant_id,
        role=principal.role,  # type: ignore[arg-type]
        scopes=sorted(principal.scopes),
        auth="api_key" if principal.kind == "api_key" else "user",
    )
