"""The migrations build exactly the schema the table models declare (no autogenerate diff),
on SQLite and on PostgreSQL, and the job-index migration downgrades cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from nexus.core.migrate import alembic_config
from nexus.migrations.metadata import target_metadata


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """An empty database (the conftest's is a migrated copy): these tests run the history."""
    if backend == "sqlite":
        return None
    return str(request.getfixturevalue("pg_database").url)


def _url(tmp_path: Path, database_url: str | None) -> str:
    return database_url or f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}"


async def _run(url: str, fn: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _alembic(sync_conn: Any, verb: str, target: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = sync_conn
    getattr(command, verb)(cfg, target)


def _diff(sync_conn: Any) -> list[Any]:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": False})
    return list(compare_metadata(context, target_metadata))


def _job_indexes(sync_conn: Any) -> set[str]:
    return {str(i["name"]) for i in inspect(sync_conn).get_indexes("jobs")}


async def test_migrations_match_models(tmp_path: Path, database_url: str | None) -> None:
    url = _url(tmp_path, database_url)
    await _run(url, lambda c: _alembic(c, "upgrade", "heads"))
    assert await _run(url, _diff) == []


async def test_job_index_migration_downgrades(tmp_path: Path, database_url: str | None) -> None:
    url = _url(tmp_path, database_url)
    await _run(url, lambda c: _alembic(c, "upgrade", "heads"))
    indexes = await _run(url, _job_indexes)
    assert "ix_jobs_running_lease" in indexes
    assert not {"ix_jobs_tenant_id", "ix_jobs_project_id", "ix_jobs_status_lease"} & indexes
    await _run(url, lambda c: _alembic(c, "downgrade", "0001_orchestrator"))
    indexes = await _run(url, _job_indexes)
    assert {"ix_jobs_tenant_id", "ix_jobs_project_id", "ix_jobs_status_lease"} <= indexes
    assert "ix_jobs_running_lease" not in indexes
