"""A budget guard on each backend: SQL on SQLite, SQL on PostgreSQL, Redis (+ PostgreSQL).

Each test gets its own database (and Redis key prefix), migrated."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from nexus.budgets.guard import BudgetGuard
from nexus.budgets.redis_guard import RedisSpendGuard
from nexus.budgets.sql_guard import SqlSpendGuard
from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.core.redis_cache import RedisCache
from tests.integration.conftest import (
    REDIS_URL,
    private_redis,  # noqa: F401 - the fixture
    unique_name,
)
from tests.integration.pg_template import migrated_pg_database


@dataclass
class Backend:
    name: str
    db: Database
    cache: RedisCache | None
    make: Callable[[float], BudgetGuard]

    def guard(self, hold_ttl_s: float = 600.0) -> BudgetGuard:
        return self.make(hold_ttl_s)


@asynccontextmanager
async def database(tmp_path: Path, kind: str) -> AsyncIterator[Database]:
    """A migrated database of the test's own (PostgreSQL: a template copy, dropped after)."""
    async with AsyncExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'nexus.db'}"
        else:  # a copy of the migrated template, dropped last
            url = (await stack.enter_async_context(migrated_pg_database())).url
        db = Database.from_url(url, pool_size=20)
        stack.push_async_callback(db.dispose)
        await migrate(db.engine)  # SQLite: the history; PostgreSQL: finds it current
        yield db


async def drop_prefix(prefix: str) -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.cluster),
    ]
)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    kind: str = request.param
    async with database(tmp_path, kind) as db:
        async for b in _backend(kind, db):
            yield b


async def _backend(kind: str, db: Database) -> AsyncIterator[Backend]:
    cache: RedisCache | None = None
    prefix = unique_name("redis") + ":"
    if kind == "redis":
        cache = RedisCache(REDIS_URL, key_prefix=prefix)
        redis_cache = cache

        def make(ttl: float) -> BudgetGuard:
            return RedisSpendGuard(db, redis_cache, hold_ttl_s=ttl)
    else:

        def make(ttl: float) -> BudgetGuard:
            return SqlSpendGuard(db, hold_ttl_s=ttl)

    try:
        yield Backend(kind, db, cache, make)
    finally:
        if cache is not None:
            await cache.close()
            await drop_prefix(prefix)
