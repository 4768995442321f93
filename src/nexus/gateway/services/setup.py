"""First-run setup: create the very first user as the admin of a new tenant, exactly once.

Safe against two concurrent attempts: on SQLite the write transaction is ``BEGIN IMMEDIATE``
(serialised); on PostgreSQL a transaction-scoped advisory lock serialises the check and the
insert, so the second attempt sees the first user and is refused with ``conflict``.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, func, insert, select, text

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow
from nexus.gateway import tables
from nexus.gateway.security import Passwords
from nexus.gateway.services.accounts import ensure_tenant, normalise_email

USERS = cast(Table, tables.User.__table__)
MEMBERS = cast(Table, tables.Membership.__table__)
SETUP_LOCK = 0x6E657875  # "nexu": the advisory lock id of first-run setup


async def needs_admin(conn: Conn) -> bool:
    return (await conn.execute(select(func.count()).select_from(USERS))).scalar_one() == 0


async def create_first_admin(
    db: Database,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    display_name: str,
    tenant_slug: str,
) -> tuple[str, str]:
    """(user_id, tenant_id) of the new admin; ``conflict`` when any user already exists."""
    password_hash = await passwords.hash(password)
    async with db.transaction() as conn:
        if db.engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SETUP_LOCK})
        if not await needs_admin(conn):
            raise NexusError(ErrorCode.CONFLICT, "this server is already set up: sign in instead")
        tenant_id = await ensure_tenant(conn, tenant_slug)
        user_id, now = new_id("usr"), utcnow()
        await conn.execute(
            insert(USERS).values(
                user_id=user_id,
                email=normalise_email(email),
                password_hash=password_hash,
                display_name=display_name,
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            insert(MEMBERS).values(
                tenant_id=tenant_id, user_id=user_id, role="admin", created_at=now, updated_at=now
            )
        )
    return user_id, tenant_id
