"""Migrated PostgreSQL databases for tests, copied from a template (ADR 0178).

Migrating a fresh database runs the whole Alembic history (1-2.5 s, most of it Alembic);
``CREATE DATABASE ... TEMPLATE`` copies an already migrated one in ~0.1-0.3 s. Each pytest
process (each xdist worker) migrates its own template once, on first use, and the root
conftest drops it when the session ends. CREATE ... TEMPLATE needs nobody connected to the
template: only this process knows its name, and it closes its connections after migrating.

Use ``pg_migrated_database`` (or ``migrated_pg_database()``) where a test needs the schema
and not the migration itself; a test of the migrations keeps ``pg_database`` (empty).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
import pytest

from nexus.core.db import Database
from nexus.core.migrate import migrate
from tests.integration.conftest import PG_ADMIN_DSN, PgDatabase, unique_name


def pg_database_of(name: str) -> PgDatabase:
    dsn = urlsplit(PG_ADMIN_DSN)._replace(path=f"/{name}").geturl()
    return PgDatabase(name, dsn, dsn.replace("postgresql://", "postgresql+asyncpg://", 1))


async def _admin(sql: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


class PgTemplate:
    """This process's migrated template; built on first use (not every run needs one)."""

    def __init__(self) -> None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.name = f"nexus_test_tpl_{worker}_{uuid.uuid4().hex[:10]}"
        self.built = False

    async def ensure(self) -> str:
        if not self.built:
            await _admin(f'CREATE DATABASE "{self.name}"')
            self.built = True  # from here on drop() removes it, even if migrating fails
            db = Database.from_url(pg_database_of(self.name).url)
            try:
                await migrate(db.engine)
            except BaseException:
                await _admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                self.built = False
                raise
            finally:
                await db.dispose()  # no connection may stay open on a template
        return self.name

    def drop(self) -> None:
        if self.built:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.built = False


PROCESS_TEMPLATE = PgTemplate()


@asynccontextmanager
async def migrated_pg_database() -> AsyncIterator[PgDatabase]:
    """A fresh database with every migration applied, dropped afterwards (even if in use)."""
    source = await PROCESS_TEMPLATE.ensure()
    name = unique_name("db").replace("-", "_")
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield pg_database_of(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def pg_migrated_database(cluster_services: None) -> AsyncIterator[PgDatabase]:
    """Like ``pg_database`` but already migrated (a copy of this process's template)."""
    async with migrated_pg_database() as database:
        yield database
