"""Redis backend failure modes on a private redis-server: unreachable -> every reservation
refused (fail closed); restarted empty -> budgets reload from the database's reconciled
spend, and a settlement whose hold was lost is still counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.budgets import service
from nexus.budgets.redis_guard import RedisSpendGuard
from nexus.budgets.store import read_budget
from nexus.budgets.units import Limits
from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope, Spend
from nexus.core.errors import NexusError
from nexus.core.redis_cache import RedisCache
from tests.budgets.conftest import database
from tests.integration.conftest import PrivateRedis

pytestmark = pytest.mark.cluster
SCOPE = CallScope(tenant_id="ten_x", project_id="prj_x", run_id="run_x")


async def test_unreachable_redis_refuses_and_a_restart_reloads_from_the_database(
    tmp_path: Path, private_redis: PrivateRedis
) -> None:
    async with database(tmp_path, "postgresql") as db:
        cache = RedisCache(private_redis.url, key_prefix="t:", socket_timeout_s=1, retries=1)
        guard = RedisSpendGuard(db, cache, hold_ttl_s=600)
        try:
            await service.set_budget(db, guard, "ten_x", "project", "prj_x", Limits.of(usd=3))
            await guard.settle(await guard.reserve(SCOPE, Spend(usd=1)), Spend(usd=0.5))
            assert await guard.reconcile() == 1
            in_flight = await guard.reserve(SCOPE, Spend(usd=1))

            private_redis.stop()
            with pytest.raises(NexusError) as down:
                await guard.reserve(SCOPE, Spend(usd=0.01))
            assert down.value.code is ErrorCode.DEPENDENCY_UNAVAILABLE

            private_redis.start()  # empty: no persistence
            ok = [await guard.reserve(SCOPE, Spend(usd=1)) for _ in range(2)]
            assert len(ok) == 2  # 3 - 0.5 reconciled = 2.5 left: two holds of 1 fit
            with pytest.raises(NexusError) as full:
                await guard.reserve(SCOPE, Spend(usd=1))
            assert full.value.code is ErrorCode.BUDGET_EXHAUSTED
            await guard.settle(in_flight, Spend(usd=0.25))  # its hold died with Redis
            await guard.reconcile()
            async with db.read() as conn:
                row = await read_budget(conn, "ten_x", "project", "prj_x")
            assert row.spent.micro_usd == 750_000
        finally:
            await cache.close()
