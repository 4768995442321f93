"""Redis implementation of the ``Cache`` protocol (cluster mode), on redis.asyncio.

Same semantics as ``InProcessCache``. Every multi-step primitive (rate limit, lock release,
budget reserve / settle / release / remaining) is one Lua script, so it is atomic across
all processes; times come from the Redis server clock, never from the callers' clocks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from redis import exceptions as redis_errors
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from nexus.contracts.errors import ErrorCode
from nexus.core.cache import BudgetOutcome, RateDecision, Reservation
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger

log = get_logger(__name__)

# Shared Lua helpers. Numbers go back as strings: Redis truncates Lua numbers to integers.
LUA_PRELUDE = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(x) return string.format('%.17g', x) end
local function expire_holds(holds, expiry, now)
  local gone = redis.call('ZRANGEBYSCORE', expiry, '-inf', now)
  for _, rid in ipairs(gone) do redis.call('HDEL', holds, rid) end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', expiry, '-inf', now) end
end
local function remaining(budget, holds)
  local limit = tonumber(redis.call('HGET', budget, 'limit') or '0')
  local spent = tonumber(redis.call('HGET', budget, 'spent') or '0')
  local held = 0
  for _, v in ipairs(redis.call('HVALS', holds)) do held = held + tonumber(v) end
  return limit - spent - held
end
"""

# KEYS: budget hash (limit, spent), holds hash (rid -> amount), expiry zset (rid -> ms)
BUDGET_RESERVE = (
    LUA_PRELUDE
    + """
local budget, holds, expiry = KEYS[1], KEYS[2], KEYS[3]
local rid, amount, ttl_ms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
expire_holds(holds, expiry, now)
if redis.call('HEXISTS', holds, rid) == 1 then return {1, num(remaining(budget, holds))} end
local rem = remaining(budget, holds)
if redis.call('HEXISTS', budget, 'limit') == 0 or amount > rem then return {0, num(rem)} end
redis.call('HSET', holds, rid, ARGV[2])
redis.call('ZADD', expiry, now + ttl_ms, rid)
return {1, num(rem - amount)}
"""
)

BUDGET_SETTLE = (
    LUA_PRELUDE
    + """
local budget, holds, expiry = KEYS[1], KEYS[2], KEYS[3]
expire_holds(holds, expiry, now_ms())
if redis.call('HDEL', holds, ARGV[1]) == 0 then return 'unknown' end
redis.call('ZREM', expiry, ARGV[1])
redis.call('HINCRBYFLOAT', budget, 'spent', ARGV[2])
return 'settled'
"""
)

BUDGET_RELEASE = (
    LUA_PRELUDE
    + """
local holds, expiry = KEYS[2], KEYS[3]
expire_holds(holds, expiry, now_ms())
if redis.call('HDEL', holds, ARGV[1]) == 0 then return 'unknown' end
redis.call('ZREM', expiry, ARGV[1])
return 'released'
"""
)

BUDGET_REMAINING = (
    LUA_PRELUDE
    + """
expire_holds(KEYS[2], KEYS[3], now_ms())
return num(remaining(KEYS[1], KEYS[2]))
"""
)

# KEYS: the window's sorted set; ARGV: limit, window_ms, unique member for this hit
RATE_LIMIT = (
    LUA_PRELUDE
    + """
local key, limit, window = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local retry = 0
  if oldest[2] then retry = math.max(0, tonumber(oldest[2]) + window - now) end
  return {0, 0, num(retry)}
end
redis.call('ZADD', key, now, ARGV[3])
redis.call('PEXPIRE', key, math.ceil(window))
return {1, limit - count - 1, '0'}
"""
)

LOCK_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

LOCK_POLL_FIRST_S = 0.01
LOCK_POLL_MAX_S = 0.2


class AutoPipeline:
    """Script calls submitted in one event-loop turn, sent as one non-transactional pipeline.

    The first submission of a turn schedules the flush with ``call_soon``, so every other
    coroutine that runs in the same turn joins the batch; a batch in flight does not block
    the next one (each takes its own pooled connection)."""

    def __init__(self, client: aioredis.Redis, guard: Callable[[], Any]) -> None:
        self._client = client
        self._guard = guard
        self._pending: list[tuple[Any, list[str], list[Any], asyncio.Future[Any]]] = []
        self._flushing: set[asyncio.Task[None]] = set()

    def submit(self, script: Any, keys: list[str], args: list[Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((script, keys, args, future))
        if len(self._pending) == 1:
            loop.call_soon(self._start)
        return future

    def _start(self) -> None:
        batch, self._pending = self._pending, []
        task = asyncio.ensure_future(self._flush(batch))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush(
        self, batch: list[tuple[Any, list[str], list[Any], asyncio.Future[Any]]]
    ) -> None:
        try:
            async with self._guard(), self._client.pipeline(transaction=False) as pipe:
                for script, keys, args, _ in batch:
                    pipe.evalsha(script.sha, len(keys), *keys, *args)
                results = await pipe.execute(raise_on_error=False)
        except BaseException as exc:
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (script, keys, args, future), result in zip(batch, results, strict=True):
            if future.done():
                continue  # the caller was cancelled
            if isinstance(result, redis_errors.NoScriptError):
                self._retry(script, keys, args, future)  # the server lost its script cache
            elif isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    def _retry(
        self, script: Any, keys: list[str], args: list[Any], future: asyncio.Future[Any]
    ) -> None:
        async def again() -> None:
            try:
                async with self._guard():
                    future.set_result(await script(keys=keys, args=args))
            except Exception as exc:  # noqa: BLE001 - handed to the caller waiting on it
                if not future.done():
                    future.set_exception(exc)

        task = asyncio.ensure_future(again())
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)


def to_ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class RedisCache:
    """Every key lives under ``key_prefix``. While Redis is unreachable each call raises
    ``NexusError(DEPENDENCY_UNAVAILABLE)`` (retryable); the same client works again once
    the server is back. A restarted Redis without persistence has lost its budgets, and a
    missing budget refuses every reservation (fail closed) until ``budget_set`` runs again.
    """

    def __init__(
        self,
        url: str,
        *,
        key_prefix: str = "nexus:",
        socket_timeout_s: float = 5.0,
        connect_timeout_s: float = 2.0,
        retries: int = 2,
    ) -> None:
        self.key_prefix = key_prefix
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=connect_timeout_s,
            retry=Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.05), retries),
            health_check_interval=15,
        )
        self._reserve = self._client.register_script(BUDGET_RESERVE)
        self._settle = self._client.register_script(BUDGET_SETTLE)
        self._release = self._client.register_script(BUDGET_RELEASE)
        self._remaining = self._client.register_script(BUDGET_REMAINING)
        self._rate = self._client.register_script(RATE_LIMIT)
        self._unlock = self._client.register_script(LOCK_RELEASE)
        self._batch = AutoPipeline(self._client, self._unavailable_as_error)

    def _key(self, key: str) -> str:
        return f"{self.key_prefix}{key}"

    def _budget_keys(self, budget_key: str) -> list[str]:
        # The hash tag keeps a budget's three keys in one slot, should this meet Redis Cluster.
        base = self._key(f"budget:{{{budget_key}}}")
        return [base, f"{base}:holds", f"{base}:expiry"]

    @asynccontextmanager
    async def _unavailable_as_error(self) -> AsyncGenerator[None]:
        try:
            yield
        except (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError) as exc:
            raise NexusError(
                ErrorCode.DEPENDENCY_UNAVAILABLE, f"Redis is unreachable: {exc}"
            ) from exc

    async def _run(self, command: Any) -> Any:
        async with self._unavailable_as_error():
            return await command

    async def get(self, key: str) -> str | None:
        return await self._run(self._client.get(self._key(key)))

    async def set(self, key: str, value: str, *, ttl_s: float | None = None) -> None:
        await self._run(self._client.set(self._key(key), value, px=to_ms(ttl_s) if ttl_s else None))

    async def set_if_absent(self, key: str, value: str, *, ttl_s: float) -> bool:
        done = await self._run(self._client.set(self._key(key), value, nx=True, px=to_ms(ttl_s)))
        return bool(done)

    async def ttl(self, key: str) -> float | None:
        """Seconds left before ``key`` expires; None if it has no expiry or does not exist."""
        left = await self._run(self._client.pttl(self._key(key)))
        return left / 1000 if left >= 0 else None

    async def delete(self, key: str) -> None:
        await self._run(self._client.delete(self._key(key)))

    async def hit_rate_limit(self, key: str, *, limit: int, window_s: float) -> RateDecision:
        result = await self._run(
            self._rate(
                keys=[self._key(f"rate:{key}")],
                args=[limit, to_ms(window_s), uuid.uuid4().hex],
            )
        )
        allowed, remaining, retry_ms = result
        return RateDecision(bool(allowed), int(remaining), float(retry_ms) / 1000)

    @asynccontextmanager
    async def lock(self, name: str, *, ttl_s: float, wait_s: float) -> AsyncGenerator[None]:
        """Exclusive across processes for up to ``ttl_s``; CONFLICT if not won within wait_s."""
        key = self._key(f"lock:{name}")
        token = uuid.uuid4().hex
        await self._acquire(key, token, ttl_s=ttl_s, wait_s=wait_s)
        try:
            yield
        finally:
            released = await self._run(self._unlock(keys=[key], args=[token]))
            if not released:
                log.warning("cache.lock_expired_before_release", lock=name, ttl_s=ttl_s)

    async def _acquire(self, key: str, token: str, *, ttl_s: float, wait_s: float) -> None:
        deadline = asyncio.get_running_loop().time() + wait_s
        pause = LOCK_POLL_FIRST_S
        while True:
            if await self._run(self._client.set(key, token, nx=True, px=to_ms(ttl_s))):
                return
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise NexusError(ErrorCode.CONFLICT, f"lock {key!r} is held")
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, LOCK_POLL_MAX_S)

    def script(self, source: str) -> Callable[[Sequence[str], Sequence[Any]], Awaitable[Any]]:
        """Another module's Lua primitive (e.g. the budget controller's multi-budget
        reservation), atomic like this class's own. Calls made in the same event-loop turn
        travel as one pipeline (auto-pipelining: one round trip for many callers); each
        script still runs atomically on the server. Connection errors become
        ``DEPENDENCY_UNAVAILABLE``; a script cache flushed by a restart is reloaded. Keys are
        passed already prefixed."""
        registered = self._client.register_script(source)

        async def run(keys: Sequence[str], args: Sequence[Any]) -> Any:
            return await self._batch.submit(registered, list(keys), list(args))

        return run

    async def budget_set(self, budget_key: str, limit: float) -> None:
        budget, _, _ = self._budget_keys(budget_key)
        await self._run(self._client.hset(budget, "limit", repr(float(limit))))

    async def budget_reserve(
        self, budget_key: str, reservation_id: str, amount: float, *, ttl_s: float
    ) -> Reservation:
        """Hold ``amount`` until settled, released or ``ttl_s`` passes; idempotent per id."""
        ok, remaining = await self._run(
            self._reserve(
                keys=self._budget_keys(budget_key),
                args=[reservation_id, repr(float(amount)), to_ms(ttl_s)],
            )
        )
        return Reservation(bool(ok), reservation_id, float(remaining))

    async def budget_settle(
        self, budget_key: str, reservation_id: str, actual: float
    ) -> BudgetOutcome:
        keys = self._budget_keys(budget_key)
        outcome = await self._run(self._settle(keys=keys, args=[reservation_id, repr(actual)]))
        return "settled" if outcome == "settled" else "unknown"

    async def budget_release(self, budget_key: str, reservation_id: str) -> BudgetOutcome:
        keys = self._budget_keys(budget_key)
        outcome = await self._run(self._release(keys=keys, args=[reservation_id]))
        return "released" if outcome == "released" else "unknown"

    async def budget_remaining(self, budget_key: str) -> float:
        return float(await self._run(self._remaining(keys=self._budget_keys(budget_key))))

    async def close(self) -> None:
        await self._client.aclose()
