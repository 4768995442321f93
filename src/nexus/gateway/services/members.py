"""Tenant members: list, read, change role, suspend/resume, remove; and the membership
version every access token is checked against on each request (ADR 0150).

A change bumps ``memberships.version`` in its transaction and then publishes the new
state to the platform cache (in-process, or Redis shared by every API process); a request
reads that state (one cache read) and refuses a token issued at another version."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, update

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.gateway import tables
from nexus.gateway.preconditions import Precondition
from nexus.gateway.state import Gateway

TENANTS = cast(Table, tables.Tenant.__table__)
USERS = cast(Table, tables.User.__table__)
MEMBERS = cast(Table, tables.Membership.__table__)
KEYS = cast(Table, tables.ApiKey.__table__)
REFRESH = cast(Table, tables.RefreshToken.__table__)
STATE_KEY = "gw:member:"
# Also bounds how long a change made by another process stays unseen without Redis.
STATE_TTL_S = 60.0
# Versions start at 1: 0 means "no usable membership" (removed, suspended, user disabled).
UNUSABLE = 0
MEMBER_COLUMNS = (
    USERS.c.user_id,
    USERS.c.email,
    USERS.c.display_name,
    MEMBERS.c.role,
    MEMBERS.c.version,
    MEMBERS.c.suspended_at,
    MEMBERS.c.created_at,
)
SELECT_STATE = (
    select(MEMBERS.c.version, MEMBERS.c.suspended_at, USERS.c.disabled_at)
    .join(USERS, USERS.c.user_id == MEMBERS.c.user_id)
    .where(MEMBERS.c.tenant_id == bindparam("tid"), MEMBERS.c.user_id == bindparam("uid"))
)


def state_key(tenant_id: str, user_id: str) -> str:
    return f"{STATE_KEY}{tenant_id}:{user_id}"


async def _usable_version(conn: Conn, tenant_id: str, user_id: str) -> int:
    row = (await conn.execute(SELECT_STATE, {"tid": tenant_id, "uid": user_id})).first()
    if row is None or row.suspended_at is not None or row.disabled_at is not None:
        return UNUSABLE
    return int(row.version)


async def current_version(gw: Gateway, tenant_id: str, user_id: str) -> int:
    """The version a token must carry now: from the cache, else from the database (then
    cached only if no writer published a newer state meanwhile: ``set_if_absent``)."""
    key = state_key(tenant_id, user_id)
    cached = await gw.platform.cache.get(key)
    if cached is not None:
        return int(cached)
    async with gw.platform.db.read() as conn:
        version = await _usable_version(conn, tenant_id, user_id)
    await gw.platform.cache.set_if_absent(key, str(version), ttl_s=STATE_TTL_S)
    return version


async def publish_state(gw: Gateway, tenant_id: str, user_id: str) -> None:
    """After a committed change: every API process sees the new version on its next read."""
    async with gw.platform.db.read() as conn:
        version = await _usable_version(conn, tenant_id, user_id)
    await gw.platform.cache.set(state_key(tenant_id, user_id), str(version), ttl_s=STATE_TTL_S)


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


async def _other_active_admins(conn: Conn, tenant_id: str, user_id: str) -> int:
    stmt = select(func.count()).where(
        MEMBERS.c.tenant_id == tenant_id,
        MEMBERS.c.role == "admin",
        MEMBERS.c.suspended_at.is_(None),
        MEMBERS.c.user_id != user_id,
    )
    return int((await conn.execute(stmt)).scalar_one())


async def _keep_an_admin(conn: Conn, before: Any, *, stays_admin: bool) -> None:
    """The last active admin of a tenant cannot be demoted, suspended or removed."""
    was_admin = before.role == "admin" and before.suspended_at is None
    if stays_admin or not was_admin:
        return
    if await _other_active_admins(conn, before.tenant_id, before.user_id) == 0:
        raise NexusError(ErrorCode.CONFLICT, "a tenant needs at least one active admin")


async def _locked_member(conn: Conn, tenant_id: str, user_id: str) -> Any:
    stmt = select(MEMBERS).where(MEMBERS.c.tenant_id == tenant_id, MEMBERS.c.user_id == user_id)
    row = (await conn.execute(stmt.with_for_update())).first()
    if row is None:
        raise NexusError(ErrorCode.NOT_FOUND, f"member {user_id!r} does not exist")
    return row


async def update_member(
    gw: Gateway,
    tenant_id: str,
    user_id: str,
    *,
    role: str | None,
    suspended: bool | None,
    precondition: Precondition,
) -> tuple[Any, Any]:
    """Change role and/or suspension under ``If-Match``. Returns (before, after).

    Any change bumps the version, so the member's access tokens stop working at once."""
    async with gw.platform.db.transaction() as conn:
        before = await _locked_member(conn, tenant_id, user_id)
        precondition.check(before.version)
        changes: dict[str, Any] = {}
        if role is not None and role != before.role:
            changes["role"] = role
        if suspended is not None and suspended != (before.suspended_at is not None):
            changes["suspended_at"] = utcnow() if suspended else None
        new_role = changes.get("role", before.role)
        active = changes.get("suspended_at", before.suspended_at) is None
        await _keep_an_admin(conn, before, stays_admin=new_role == "admin" and active)
        if changes:
            await conn.execute(
                update(MEMBERS)
                .where(MEMBERS.c.tenant_id == tenant_id, MEMBERS.c.user_id == user_id)
                .values(**changes, version=MEMBERS.c.version + 1, updated_at=utcnow())
            )
        after = await read_member(conn, tenant_id, user_id)
    if changes:
        await publish_state(gw, tenant_id, user_id)
    return before, after


async def remove_member(
    gw: Gateway, tenant_id: str, user_id: str, *, precondition: Precondition
) -> Any:
    """Remove a member from the tenant: their keys here are revoked and their sessions here
    ended, so a later re-invitation does not bring old credentials back."""
    now = utcnow()
    async with gw.platform.db.transaction() as conn:
        before = await _locked_member(conn, tenant_id, user_id)
        precondition.check(before.version)
        await _keep_an_admin(conn, before, stays_admin=False)
        await conn.execute(
            delete(MEMBERS).where(MEMBERS.c.tenant_id == tenant_id, MEMBERS.c.user_id == user_id)
        )
        await conn.execute(
            update(KEYS)
            .where(
                KEYS.c.tenant_id == tenant_id,
                KEYS.c.user_id == user_id,
                KEYS.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        await conn.execute(
            update(REFRESH)
            .where(
                REFRESH.c.tenant_id == tenant_id,
                REFRESH.c.user_id == user_id,
                REFRESH.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    await publish_state(gw, tenant_id, user_id)
    return before


async def find_member(conn: Conn, tenant_slug: str, email: str) -> tuple[str, str]:
    """(tenant_id, user_id) of the member with this email in the tenant with this slug."""
    stmt = (
        select(MEMBERS.c.tenant_id, MEMBERS.c.user_id)
        .join(USERS, USERS.c.user_id == MEMBERS.c.user_id)
        .join(TENANTS, TENANTS.c.tenant_id == MEMBERS.c.tenant_id)
        .where(TENANTS.c.slug == tenant_slug, USERS.c.email == email.strip().lower())
    )
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise NexusError(ErrorCode.NOT_FOUND, f"{email} is not a member of tenant {tenant_slug!r}")
    return str(row.tenant_id), str(row.user_id)
