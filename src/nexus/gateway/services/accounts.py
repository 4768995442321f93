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
    stmt = (
        select(MEMBERS.c.tenant_id, MEMBERS.c.role)
        .join(TENANTS, TENANTS.c.tenant_id == MEMBERS.c.tenant_id)
        .where(MEMBERS.c.user_id == user_id)
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
    return _session(gw, user.user_id, member.tenant_id, member.role, family_id, refresh)


def _session(
    gw: Gateway, user_id: str, tenant_id: str, role: str, family_id: str, refresh: str
) -> Session:
    access = gw.issuer.issue_access(
        user_id=user_id, tenant_id=tenant_id, role=role, session_id=family_id
    )
    return Session(user_id, tenant_id, role, access, refresh, gw.issuer.access_ttl_s)


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
        member = (
            None
            if reused or expired
            else (
                await conn.execute(
                    select(MEMBERS.c.role).where(
                        MEMBERS.c.tenant_id == row.tenant_id, MEMBERS.c.user_id == row.user_id
                    )
                )
            ).first()
        )
        if not reused and not expired and member is not None:
            new_token = await _issue_refresh(gw, conn, row.family_id, row.user_id, row.tenant_id)
            return _session(gw, row.user_id, row.tenant_id, member.role, row.family_id, new_token)
    if reused:
        await revoke_family(gw, row.family_id)
        raise RefreshReused(row.user_id, row.tenant_id, row.family_id)
    raise NexusError(ErrorCode.UNAUTHENTICATED, "the refresh token expired or lost its tenant")


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


MEMBER_COLUMNS = (
    USERS.c.user_id,
    USERS.c.email,
    USERS.c.display_name,
    MEMBERS.c.role,
    MEMBERS.c.created_at,
)


async def list_members(conn: Conn, tenant_id: str) -> list[Any]:
    stmt = (
        select(*MEMBER_COLUMNS)
        .join(MEMBERS, MEMBERS.c.user_id == USERS.c.user_id)
        .where(MEMBERS.c.tenant_id == tenant_id)
        .order_by(MEMBERS.c.created_at)
    )
    return list((await conn.execute(stmt)).all())


async def read_member(conn: Conn, tenant_id: str, user_id: str) -> Any:
    stmt = (
        select(*MEMBER_COLUMNS)
        .join(MEMBERS, MEMBERS.c.user_id == USERS.c.user_id)
        .where(MEMBERS.c.tenant_id == tenant_id, MEMBERS.c.user_id == user_id)
    )
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise NexusError(ErrorCode.NOT_FOUND, f"member {user_id!r} does not exist")
    return row


async def set_role(db: Database, tenant_id: str, user_id: str, role: str) -> tuple[str, Any]:
    """Change a member's role (takes effect at their next token refresh). Returns (old, row).

    The last admin of a tenant cannot be demoted: the tenant would lose its administrator.
    """
    async with db.transaction() as conn:
        before = await read_member(conn, tenant_id, user_id)
        if before.role == "admin" and role != "admin":
            admins = (
                await conn.execute(
                    select(MEMBERS.c.user_id).where(
                        MEMBERS.c.tenant_id == tenant_id, MEMBERS.c.role == "admin"
                    )
                )
            ).all()
            if len(admins) <= 1:
                raise NexusError(ErrorCode.CONFLICT, "a tenant needs at least one admin")
        await conn.execute(
            update(MEMBERS)
            .where(MEMBERS.c.tenant_id == tenant_id, MEMBERS.c.user_id == user_id)
            .values(role=role, updated_at=utcnow())
        )
        return str(before.role), await read_member(conn, tenant_id, user_id)
