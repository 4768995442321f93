"""The audit log on SQLite and PostgreSQL: append, tenant-scoped newest-first pages, filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.observer.audit import AuditRecord, list_audit, record_audit
from tests.integration.pg_template import migrated_pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('audit') / 'nexus.db'}"
        else:  # a copy of the migrated template, dropped last
            url = (await stack.enter_async_context(migrated_pg_database())).url
        database = Database.from_url(url)
        stack.push_async_callback(database.dispose)
        await migrate(database.engine)  # SQLite: the history; PostgreSQL: finds it current
        yield database


def entry(action: str, tenant_id: str | None, **kw: object) -> AuditRecord:
    return AuditRecord(
        action=action,
        actor_type="user",
        actor_id="usr_1",
        tenant_id=tenant_id,
        ip="127.0.0.1",
        user_agent="ua" * 400,
        trace_id="t" * 32,
        **kw,
    )  # type: ignore[arg-type]


async def test_entries_are_tenant_scoped_newest_first(db: Database) -> None:
    for i in range(5):
        await record_audit(
            db,
            entry("run.create", "ten_a", target_type="run", target_id=f"run_{i}", detail={"i": i}),
        )
    await record_audit(db, entry("auth.login", "ten_a", outcome="failure"))
    await record_audit(db, entry("run.create", "ten_b", target_id="run_b"))
    async with db.read() as conn:
        page = await list_audit(conn, tenant_id="ten_a", limit=3)
        assert [r.action for r in page] == ["auth.login", "run.create", "run.create"]
        rest = await list_audit(conn, tenant_id="ten_a", before=page[-1].audit_id, limit=10)
        assert [r.target_id for r in rest] == ["run_2", "run_1", "run_0"]
        logins = await list_audit(conn, tenant_id="ten_a", action="auth.login")
        assert [r.outcome for r in logins] == ["failure"]
        other = await list_audit(conn, tenant_id="ten_b")
    assert [r.target_id for r in other] == ["run_b"]
    assert len(page[0].user_agent) == 512  # long headers are cut, not refused
    assert rest[0].detail == {"i": 2}
