"""Tenants, users and memberships; login, rotating refresh tokens with reuse detection, logout."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow
from nexus.gateway import tables
from nexus.gateway.security import ROLES, Passwords, new_refresh_token, sha256_token
from nexus.gateway.state import Gateway

TENANTS = cast(Table, tables.Tenant.__table__)
USERS = cast(Table, tables.User.__table__)
MEMBERS = cast(Table, tables.Membership.__table__)
REFRESH = cast(Table, tables.RefreshToken.__table__)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REVOKED_SESSION = "gw:revoked-session:"


@dataclass(frozen=True)
class Session:
    """What a successful login or refresh hands back."""

    user_id: str
    tenant_id: str
    role: str
    access_token: str
    refresh_token: str
    expires_in: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def ensure_tenant(conn: Conn, slug: str) -> str:
    if not SLUG.match(slug):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "tenant slugs are a-z, 0-9 and '-'",
            fields={"tenant": "must match ^[a-z0-9][a-z0-9-]{0,62}$"},
        )
    row = (await conn.execute(select(TENANTS.c.tenant_id).where(TENANTS.c.slug == slug))).first()
    if row is not None:
        return str(row[0])
    tenant_id = new_id("ten")
    await conn.execute(
        insert(TENANTS).values(tenant_id=tenant_id, slug=slug, name=slug, created_at=utcnow())
    )
    return tenant_id


async def resolve_tenant(conn: Conn, slug_or_id: str) -> str:
    """A tenant's id from its slug or id; anything else is taken as a tenant id as it is
    (embedded runs belong to the tenant ``local``, which has no row)."""
    row = (
        await conn.execute(
            select(TENANTS.c.tenant_id).where(
                (TENANTS.c.slug == slug_or_id) | (TENANTS.c.tenant_id == slug_or_id)
            )
        )
    ).first()
    return slug_or_id if row is None else str(row[0])


async def read_operator_tenant(conn: Conn, configured: str | None) -> str | None:
    """The operator tenant's id: the configured one, else the first tenant created."""
    if configured:
        return await resolve_tenant(conn, configured)
    row = (
        await conn.execute(
            select(TENANTS.c.tenant_id).order_by(TENANTS.c.created_at, TENANTS.c.tenant_id)
        )
    ).first()
    return None if row is None else str(row[0])


async def create_user(
    db: Database,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    role: str,
    tenant_slug: str | None = None,
    tenant_id: str | None = None,
    display_name: str = "",
) -> tuple[str, str]:
    """Create a user (or add an existing one) as a member of a tenant. Returns (user, tenant).

    ``tenant_slug`` creates the tenant when missing (bootstrap); ``tenant_id`` must exist.
    """
    if role not in ROLES:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"unknown role {role!r}",
            fields={"role": f"one of {', '.join(ROLES)}"},
        )
    if len(password) < 12:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "passwords need 12+ characters",
            fields={"password": "at least 12 characters"},
        )
    password_hash = await passwords.hash(password)
    email = normalise_email(email)
    async with db.transaction() as conn:
        if tenant_id is None:
            tenant_id = await ensure_tenant(conn, tenant_slug or "default")
        user = (await conn.execute(select(USERS).where(USERS.c.email == email))).first()
        if user is None:
            user_id = new_id("usr")
            now = utcnow()
            await conn.execute(
                insert(USERS).values(
                    user_id=user_id,
                    email=email,
                    password_hash=password_hash,
                    display_name=display_name,
                    created_at=now,
                    updated_at=now,
                )
            )
        else:
            user_id = str(user.user_id)
        member = (
            await conn.execute(
                select(MEMBERS).where(
                    MEMBERS.c.tenant_id == tenant_id, MEMBERS.c.user_id == user_id
                )
            )
        ).first()
        if member is not None:
            raise NexusError(ErrorCode.CONFLICT, f"{email} is already a member of this tenant")
        now = utcnow()
        await conn.execute(
            insert(MEMBERS).values(
                tenant_id=tenant_id, user_id=user_id, role=role, created_at=now, updated_at=now
            )
        )
    return user_id, tenant_id


async def _membership(conn: Conn, user_id: str, tenant_slug: str | None) -> Any:
    """The (first, or named) membership a user may log in to: suspended ones do not count."""
    stmt = (
        select(MEMBERS.c.tenant_id, MEMBERS.c.role, MEMBERS.c.version)
        .join(TENANTS, TENANTS.c.tenant_id == MEMBERS.c.tenant_id)
        .where(MEMBERS.c.user_id == user_id, MEMBERS.c.suspended_at.is_(None))
    )
    if tenant_slug is not None:
        stmt = stmt.where(TENANTS.c.slug == tenant_slug)
    return (await conn.execute(stmt.order_by(MEMBERS.c.created_at).limit(1))).first()


class LoginFailed(NexusError):
    """One message for every reason; the known user and tenant are kept for the audit log."""

    def __init__(self, user_id: str | None, tenant_id: str | None) -> None:
        super().__init__(ErrorCode.UNAUTHENTICATED, "wrong email, password or tenant")
        self.user_id, self.tenant_id = user_id, tenant_id


async def login(gw: Gateway, email: str, password: str, tenant_slug: str | None) -> Session:
    """Check the password (constant work for unknown emails) and open a session."""
    db = gw.platform.db
    async with db.read() as conn:
        user = (
            await conn.execute(select(USERS).where(USERS.c.email == normalise_email(email)))
        ).first()
        member = None if user is None else await _membership(conn, user.user_id, tenant_slug)
    ok = await gw.passwords.verify(None if user is None else user.password_hash, password)
    if not ok or user is None or member is None or user.disabled_at is not None:
        raise LoginFailed(
            None if user is None else user.user_id, None if member is None else member.tenant_id
        )
    family_id = new_id("ses")
    async with db.transaction() as conn:
        refresh = await _issue_refresh(gw, conn, family_id, user.user_id, member.tenant_id)
    return _session(gw, user.user_id, member, family_id, refresh)


def _session(gw: Gateway, user_id: str, member: Any, family_id: str, refresh: str) -> Session:
    """Tokens for a membership row (tenant_id, role, version)."""
    access = gw.issuer.issue_access(
        user_id=user_id,
        tenant_id=member.tenant_id,
        role=member.role,
        session_id=family_id,
        membership_version=member.version,
    )
    return Session(user_id, member.tenant_id, member.role, access, refresh, gw.issuer.access_ttl_s)


async def _issue_refresh(
    gw: Gateway, conn: Conn, family_id: str, user_id: str, tenant_id: str
) -> str:
    token = new_refresh_token()
    now = utcnow()
    await conn.execute(
        insert(REFRESH).values(
            token_id=new_id("rft"),
            family_id=family_id,
            user_id=user_id,
            tenant_id=tenant_id,
            token_hash=sha256_token(token),
            created_at=now,
            expires_at=now + timedelta(seconds=gw.settings.gateway.refresh_token_ttl_s),
        )
    )
    return token


class RefreshReused(NexusError):
    """A rotated refresh token came back: the whole session is revoked."""

    def __init__(self, user_id: str, tenant_id: str, family_id: str) -> None:
        super().__init__(
            ErrorCode.UNAUTHENTICATED, "the refresh token was already used; the session is revoked"
        )
        self.user_id, self.tenant_id, self.family_id = user_id, tenant_id, family_id


async def refresh_session(gw: Gateway, token: str) -> Session:
    """Rotate: the presented token is spent, a new one is issued in the same family."""
    now = utcnow()
    async with gw.platform.db.transaction() as conn:
        row = (
            await conn.execute(select(REFRESH).where(REFRESH.c.token_hash == sha256_token(token)))
        ).first()
        if row is None or row.revoked_at is not None:
            raise NexusError(ErrorCode.UNAUTHENTICATED, "the refresh token is invalid")
        spent = await conn.execute(
            update(REFRESH)
            .where(REFRESH.c.token_id == row.token_id, REFRESH.c.used_at.is_(None))
            .values(used_at=now)
        )
        reused = spent.rowcount != 1
        expired = row.expires_at.replace(tzinfo=now.tzinfo) <= now
        member = None if reused or expired else await _active_member(conn, row)
        if not reused and not expired and member is not None:
            new_token = await _issue_refresh(gw, conn, row.family_id, row.user_id, row.tenant_id)
            return _session(gw, row.user_id, member, row.family_id, new_token)
    if reused:
        await revoke_family(gw, row.family_id)
        raise RefreshReused(row.user_id, row.tenant_id, row.family_id)
    raise NexusError(
        ErrorCode.UNAUTHENTICATED,
        "the refresh token expired, or the membership was removed or suspended",
    )


async def _active_member(conn: Conn, token_row: Any) -> Any:
    """The refresh token's membership if it may still be used (not suspended, user enabled)."""
    stmt = (
        select(MEMBERS.c.tenant_id, MEMBERS.c.role, MEMBERS.c.version)
        .join(USERS, USERS.c.user_id == MEMBERS.c.user_id)
        .where(
            MEMBERS.c.tenant_id == token_row.tenant_id,
            MEMBERS.c.user_id == token_row.user_id,
            MEMBERS.c.suspended_at.is_(None),
            USERS.c.disabled_at.is_(None),
        )
    )
    return (await conn.execute(stmt)).first()


async def revoke_family(gw: Gateway, family_id: str) -> None:
    """Revoke every refresh token of a session and reject its access tokens until they expire."""
    async with gw.platform.db.transaction() as conn:
        await conn.execute(
            update(REFRESH)
            .where(REFRESH.c.family_id == family_id, REFRESH.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    await gw.platform.cache.set(REVOKED_SESSION + family_id, "1", ttl_s=gw.issuer.access_ttl_s + 60)


async def logout(gw: Gateway, token: str) -> str | None:
    """Revoke the session the refresh token belongs to; returns its family id if known."""
    async with gw.platform.db.read() as conn:
        row = (
            await conn.execute(
                select(REFRESH.c.family_id).where(REFRESH.c.token_hash == sha256_token(token))
            )
        ).first()
    if row is None:
        return None
    await revoke_family(gw, row.family_id)
    return str(row.family_id)


async def read_me(conn: Conn, user_id: str) -> Any:
    row = (await conn.execute(select(USERS).where(USERS.c.user_id == user_id))).first()
    if row is None:
        raise NexusError(ErrorCode.UNAUTHENTICATED, "the user no longer exists")
    return row
