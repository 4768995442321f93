"""API keys: create (shown once), list, revoke, and authenticate a presented key."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow
from nexus.gateway import tables
from nexus.gateway.security import ROLE_SCOPES, new_api_key, sha256_token
from nexus.gateway.state import Gateway

KEYS = cast(Table, tables.ApiKey.__table__)
MEMBERS = cast(Table, tables.Membership.__table__)
USERS = cast(Table, tables.User.__table__)
TOUCH_EVERY_S = 60.0

SELECT_BY_HASH = (
    select(KEYS, MEMBERS.c.role, MEMBERS.c.suspended_at, USERS.c.disabled_at)
    .select_from(
        KEYS.join(
            MEMBERS,
            (MEMBERS.c.tenant_id == KEYS.c.tenant_id) & (MEMBERS.c.user_id == KEYS.c.user_id),
        ).join(USERS, USERS.c.user_id == KEYS.c.user_id)
    )
    .where(KEYS.c.key_hash == bindparam("key_hash"))
)
TOUCH = update(KEYS).where(KEYS.c.key_id == bindparam("kid")).values(last_used_at=bindparam("at"))


@dataclass(frozen=True)
class KeyPrincipal:
    key_id: str
    user_id: str
    tenant_id: str
    role: str
    scopes: frozenset[str]


def _aware(value: Any) -> Any:
    return value.replace(tzinfo=utcnow().tzinfo) if value and value.tzinfo is None else value


async def authenticate_key(gw: Gateway, key: str) -> KeyPrincipal:
    """The key's scopes, narrowed to what its owner's current role still allows."""
    async with gw.platform.db.read() as conn:
        row = (await conn.execute(SELECT_BY_HASH, {"key_hash": sha256_token(key)})).first()
    now = utcnow()
    if (
        row is None
        or row.revoked_at is not None
        or row.disabled_at is not None
        or row.suspended_at is not None
        or (row.expires_at is not None and _aware(row.expires_at) <= now)
    ):
        raise NexusError(ErrorCode.UNAUTHENTICATED, "the API key is invalid, expired or revoked")
    await _touch(gw, row.key_id)
    scopes = frozenset(row.scopes) & ROLE_SCOPES.get(row.role, frozenset())
    return KeyPrincipal(row.key_id, row.user_id, row.tenant_id, row.role, scopes)


async def _touch(gw: Gateway, key_id: str) -> None:
    """Write ``last_used_at`` at most once a minute per key and process."""
    mono = time.monotonic()
    if mono - gw.key_touched.get(key_id, float("-inf")) < TOUCH_EVERY_S:
        return
    gw.key_touched[key_id] = mono
    async with gw.platform.db.transaction() as conn:
        await conn.execute(TOUCH, {"kid": key_id, "at": utcnow()})


async def create_key(
    gw: Gateway,
    *,
    tenant_id: str,
    user_id: str,
    role: str,
    name: str,
    scopes: list[str],
    expires_in_days: int | None,
) -> tuple[Any, str]:
    """Returns (row, the secret key). Scopes beyond the creator's role are refused."""
    beyond = sorted(set(scopes) - ROLE_SCOPES[role])
    if beyond:
        raise NexusError(
            ErrorCode.FORBIDDEN, f"your role {role!r} cannot grant {', '.join(beyond)}"
        )
    key, prefix = new_api_key()
    now = utcnow()
    key_id = new_id("key")
    values = {
        "key_id": key_id,
        "tenant_id": tenant_id,
        "user_id": user_id,
        "name": name,
        "prefix": prefix,
        "key_hash": sha256_token(key),
        "scopes": sorted(set(scopes)),
        "created_at": now,
        "expires_at": now + timedelta(days=expires_in_days) if expires_in_days else None,
    }
    async with gw.platform.db.transaction() as conn:
        await conn.execute(insert(KEYS).values(**values))
        row = await read_key(conn, tenant_id, key_id)
    return row, key


async def read_key(conn: Conn, tenant_id: str, key_id: str) -> Any:
    row = (
        await conn.execute(
            select(KEYS).where(KEYS.c.key_id == key_id, KEYS.c.tenant_id == tenant_id)
        )
    ).first()
    if row is None:
        raise NexusError(ErrorCode.NOT_FOUND, f"API key {key_id!r} does not exist")
    return row


async def list_keys(conn: Conn, tenant_id: str, user_id: str | None) -> list[Any]:
    """A tenant's keys (admins) or one user's keys; newest first."""
    stmt = select(KEYS).where(KEYS.c.tenant_id == tenant_id)
    if user_id is not None:
        stmt = stmt.where(KEYS.c.user_id == user_id)
    return list((await conn.execute(stmt.order_by(KEYS.c.key_id.desc()))).all())


async def revoke_key(
    gw: Gateway,
    tenant_id: str,
    key_id: str,
    user_id: str | None,
    *,
    key_scopes: frozenset[str] | None = None,
) -> Any:
    """Revoke one key; ``user_id`` limits non-admins to their own keys (others: 404).

    ``key_scopes``: the caller is an API key with these (effective) scopes; it may revoke
    only keys whose scopes it holds all of, never a more powerful one (ADR 0151)."""
    async with gw.platform.db.transaction() as conn:
        row = await read_key(conn, tenant_id, key_id)
        if user_id is not None and row.user_id != user_id:
            raise NexusError(ErrorCode.NOT_FOUND, f"API key {key_id!r} does not exist")
        beyond = sorted(set(row.scopes) - key_scopes) if key_scopes is not None else []
        if beyond:
            raise NexusError(
                ErrorCode.FORBIDDEN,
                f"an API key cannot revoke a key with scopes it lacks: {', '.join(beyond)}",
            )
        if row.revoked_at is None:
            await conn.execute(
                update(KEYS).where(KEYS.c.key_id == key_id).values(revoked_at=utcnow())
            )
        return await read_key(conn, tenant_id, key_id)
