"""RedisCache against a real Redis: every primitive, atomicity under concurrency, restarts."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.redis_cache import RedisCache

from .conftest import REDIS_URL, PrivateRedis, wait_until

pytestmark = pytest.mark.cluster


async def test_get_set_ttl_delete(redis_cache: RedisCache) -> None:
    assert await redis_cache.get("k") is None
    await redis_cache.set("k", "v")
    assert await redis_cache.get("k") == "v"
    assert await redis_cache.ttl("k") is None
    await redis_cache.set("k", "w", ttl_s=60)
    assert await redis_cache.get("k") == "w"
    left = await redis_cache.ttl("k")
    assert left is not None and 0 < left <= 60
    await redis_cache.delete("k")
    assert await redis_cache.get("k") is None


async def test_keys_live_under_the_prefix(redis_cache: RedisCache, redis_prefix: str) -> None:
    await redis_cache.set("k", "v")
    raw = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        assert await raw.get(f"{redis_prefix}k") == "v"
        assert await raw.get("k") is None
    finally:
        await raw.aclose()


async def test_value_expires(redis_cache: RedisCache) -> None:
    await redis_cache.set("short", "v", ttl_s=0.05)

    async def gone() -> bool:
        return await redis_cache.get("short") is None

    await wait_until(gone, timeout_s=5)


async def test_set_if_absent_is_first_writer_wins(redis_cache: RedisCache) -> None:
    results = await asyncio.gather(
        *(redis_cache.set_if_absent("idem", f"req-{i}", ttl_s=60) for i in range(20))
    )
    assert results.count(True) == 1
    winner = results.index(True)
    assert await redis_cache.get("idem") == f"req-{winner}"
    assert not await redis_cache.set_if_absent("idem", "late", ttl_s=60)


async def test_rate_limit_sliding_window(redis_cache: RedisCache) -> None:
    decisions = [await redis_cache.hit_rate_limit("ip", limit=3, window_s=60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after_s > 50
    assert (await redis_cache.hit_rate_limit("other-ip", limit=3, window_s=60)).allowed


async def test_rate_limit_window_slides(redis_cache: RedisCache) -> None:
    assert (await redis_cache.hit_rate_limit("k", limit=1, window_s=0.2)).allowed
    refused = await redis_cache.hit_rate_limit("k", limit=1, window_s=0.2)
    assert not refused.allowed
    assert 0 < refused.retry_after_s <= 0.2
    await asyncio.sleep(refused.retry_after_s + 0.05)
    assert (await redis_cache.hit_rate_limit("k", limit=1, window_s=0.2)).allowed


async def test_rate_limit_is_atomic_under_concurrency(redis_cache: RedisCache) -> None:
    decisions = await asyncio.gather(
        *(redis_cache.hit_rate_limit("burst", limit=10, window_s=60) for _ in range(50))
    )
    assert sum(d.allowed for d in decisions) == 10


async def test_lock_is_exclusive(redis_cache: RedisCache) -> None:
    inside = 0
    peak = 0

    async def critical(i: int) -> None:
        nonlocal inside, peak
        async with redis_cache.lock("run-1", ttl_s=10, wait_s=10):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(critical(i) for i in range(8)))
    assert peak == 1


async def test_lock_held_elsewhere_is_a_conflict(redis_prefix: str) -> None:
    one = RedisCache(REDIS_URL, key_prefix=redis_prefix)
    two = RedisCache(REDIS_URL, key_prefix=redis_prefix)  # another process, in effect
    try:
        async with one.lock("run-1", ttl_s=10, wait_s=1):
            with pytest.raises(NexusError) as err:
                async with two.lock("run-1", ttl_s=10, wait_s=0.1):
                    pass
            assert err.value.code is ErrorCode.CONFLICT
        async with two.lock("run-1", ttl_s=10, wait_s=0.1):
            pass
    finally:
        await one.close()
        await two.close()


async def test_lapsed_owner_does_not_release_the_new_holder(redis_prefix: str) -> None:
    one = RedisCache(REDIS_URL, key_prefix=redis_prefix)
    two = RedisCache(REDIS_URL, key_prefix=redis_prefix)
    taken_over = two.lock("run-1", ttl_s=10, wait_s=1)
    try:
        async with one.lock("run-1", ttl_s=0.05, wait_s=1):
            await asyncio.sleep(0.1)  # one's hold lapses ...
            await taken_over.__aenter__()  # ... and two takes the lock
        # one's release ran with its own, stale token: two still holds the lock.
        with pytest.raises(NexusError):
            async with one.lock("run-1", ttl_s=10, wait_s=0.05):
                pass
        await taken_over.__aexit__(None, None, None)
        async with one.lock("run-1", ttl_s=10, wait_s=0.05):
            pass
    finally:
        await one.close()
        await two.close()


async def test_budget_reserve_settle_release(redis_cache: RedisCache) -> None:
    await redis_cache.budget_set("run-1", 10.0)
    first = await redis_cache.budget_reserve("run-1", "r1", 4.0, ttl_s=60)
    assert (first.ok, first.remaining) == (True, 6.0)
    again = await redis_cache.budget_reserve("run-1", "r1", 4.0, ttl_s=60)
    assert (again.ok, again.remaining) == (True, 6.0)  # idempotent per reservation id
    refused = await redis_cache.budget_reserve("run-1", "r2", 7.0, ttl_s=60)
    assert (refused.ok, refused.remaining) == (False, 6.0)
    assert await redis_cache.budget_settle("run-1", "r1", 2.5) == "settled"
    assert await redis_cache.budget_remaining("run-1") == 7.5
    assert await redis_cache.budget_settle("run-1", "r1", 2.5) == "unknown"
    assert (await redis_cache.budget_reserve("run-1", "r3", 1.25, ttl_s=60)).ok
    assert await redis_cache.budget_release("run-1", "r3") == "released"
    assert await redis_cache.budget_release("run-1", "r3") == "unknown"
    assert await redis_cache.budget_remaining("run-1") == 7.5


async def test_budget_fails_closed_without_a_limit(redis_cache: RedisCache) -> None:
    refused = await redis_cache.budget_reserve("never-set", "r1", 0.01, ttl_s=60)
    assert not refused.ok
    assert await redis_cache.budget_remaining("never-set") == 0.0


async def test_budget_hold_expires(redis_cache: RedisCache) -> None:
    await redis_cache.budget_set("run-1", 1.0)
    assert (await redis_cache.budget_reserve("run-1", "r1", 1.0, ttl_s=0.05)).ok
    assert not (await redis_cache.budget_reserve("run-1", "r2", 1.0, ttl_s=60)).ok
    await asyncio.sleep(0.1)
    assert await redis_cache.budget_settle("run-1", "r1", 1.0) == "unknown"
    assert (await redis_cache.budget_reserve("run-1", "r2", 1.0, ttl_s=60)).ok


async def test_concurrent_reservations_never_overshoot(redis_prefix: str) -> None:
    # Separate clients (= separate connections) so the reservations really interleave.
    caches = [RedisCache(REDIS_URL, key_prefix=redis_prefix) for _ in range(4)]
    try:
        await caches[0].budget_set("run-1", 37.0)
        results = await asyncio.gather(
            *(caches[i % 4].budget_reserve("run-1", f"r{i}", 1.0, ttl_s=60) for i in range(100))
        )
        assert sum(r.ok for r in results) == 37
        assert await caches[0].budget_remaining("run-1") == 0.0
        settled = await asyncio.gather(
            *(caches[0].budget_settle("run-1", r.reservation_id, 0.5) for r in results if r.ok)
        )
        assert settled == ["settled"] * 37
        assert await caches[0].budget_remaining("run-1") == 37.0 - 37 * 0.5
    finally:
        for cache in caches:
            await cache.close()


async def test_restart_raises_retryable_then_recovers(private_redis: PrivateRedis) -> None:
    cache = RedisCache(private_redis.url, key_prefix="t:", connect_timeout_s=0.5, retries=1)
    try:
        await cache.set("k", "v")
        await cache.budget_set("run-1", 5.0)
        private_redis.stop()
        with pytest.raises(NexusError) as err:
            await cache.get("k")
        assert err.value.code is ErrorCode.DEPENDENCY_UNAVAILABLE
        assert err.value.retryable
        with pytest.raises(NexusError):
            await cache.budget_reserve("run-1", "r1", 1.0, ttl_s=60)
        private_redis.start()
        # Same client object, no re-creation: it reconnects by itself. This server keeps
        # nothing across restarts, so the budget is gone and reservations fail closed.
        assert await cache.get("k") is None
        assert not (await cache.budget_reserve("run-1", "r1", 1.0, ttl_s=60)).ok
        await cache.budget_set("run-1", 5.0)
        assert (await cache.budget_reserve("run-1", "r1", 1.0, ttl_s=60)).ok
        assert (await cache.hit_rate_limit("ip", limit=1, window_s=60)).allowed
    finally:
        await cache.close()
