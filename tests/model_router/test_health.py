"""Circuit breakers: open on error rate or slow calls, half-open probes, and open circuits
shared between processes through Redis (cluster mode)."""

from __future__ import annotations

import pytest

from nexus.core.redis_cache import RedisCache
from nexus.core.settings import BreakerSettings
from nexus.model_router.health import HealthBoard, SharedHealth
from tests.integration.conftest import REDIS_URL


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def board(clock: Clock, **kw: float) -> HealthBoard:
    config = BreakerSettings(window=10, min_calls=4, error_rate=0.5, open_s=30, **kw)  # type: ignore[arg-type]
    return HealthBoard(config, clock)


def test_opens_at_the_error_rate_and_not_before_min_calls() -> None:
    clock = Clock()
    health = board(clock)
    b = health.breaker("p")
    assert not b.record(False, 10) and not b.record(False, 10) and not b.record(False, 10)
    assert health.allows("p")  # three calls: below min_calls
    assert b.record(False, 10)
    assert health.state("p") == "open" and not health.allows("p")


def test_successes_keep_it_closed() -> None:
    health = board(Clock())
    b = health.breaker("p")
    for ok in [True, False, True, True, False, True, True, True]:
        b.record(ok, 10)
    assert health.state("p") == "closed"


def test_slow_calls_open_it() -> None:
    health = board(Clock(), slow_call_ms=500, slow_rate=0.75)
    b = health.breaker("p")
    opened = [b.record(True, 900) for _ in range(4)]
    assert opened == [False, False, False, True]


def test_half_open_lets_one_probe_through_and_closes_on_success() -> None:
    clock = Clock()
    health = board(clock)
    b = health.breaker("p")
    b.trip()
    clock.now += 29
    assert not health.allows("p")
    clock.now += 2
    assert health.state("p") == "half_open" and health.allows("p")
    b.begin()
    assert not health.allows("p")  # the probe is out; nobody else
    b.record(True, 10)
    assert health.state("p") == "closed" and health.allows("p")


def test_a_failed_probe_reopens() -> None:
    clock = Clock()
    health = board(clock)
    b = health.breaker("p")
    b.trip()
    clock.now += 31
    b.begin()
    assert b.record(False, 10)
    assert health.state("p") == "open"
    clock.now += 29
    assert not health.allows("p")


@pytest.mark.cluster
async def test_an_open_circuit_is_shared_through_redis(redis_prefix: str) -> None:
    clock = Clock()
    first, second = board(clock), board(clock)
    cache_a = RedisCache(REDIS_URL, key_prefix=redis_prefix)
    cache_b = RedisCache(REDIS_URL, key_prefix=redis_prefix)
    shared_a = SharedHealth(first, cache_a, sync_s=1.0)
    shared_b = SharedHealth(second, cache_b, sync_s=1.0)
    try:
        first.breaker("p").trip()
        await shared_a.publish_open("p")
        await shared_b.sync(["p", "q"], force=True)
        assert second.state("p") == "open" and second.state("q") == "closed"
        clock.now += 31
        assert second.state("p") == "half_open"
        second.breaker("p").begin()
        second.breaker("p").record(True, 5)
        await shared_b.publish_closed("p")
        assert await cache_a.get(SharedHealth.key("p")) is None
    finally:
        await cache_a.close()
        await cache_b.close()
