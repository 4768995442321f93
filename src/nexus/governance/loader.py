"""Keep a ``PolicyBook`` in step with the stored policies (at open, and on each upkeep)."""

from __future__ import annotations

from nexus.core.db import Conn
from nexus.governance.book import PolicyBook
from nexus.governance.policies import current_policy, current_versions


async def refresh_book(conn: Conn, book: PolicyBook) -> list[str]:
    """Install every tenant's current version the book does not have yet; the tenants."""
    changed: list[str] = []
    for tenant_id, version in (await current_versions(conn)).items():
        if version <= book.version_of(tenant_id):
            continue
        record = await current_policy(conn, tenant_id)
        if record is not None:
            book.install(tenant_id, record.version, record.source)
            changed.append(tenant_id)
    return changed
