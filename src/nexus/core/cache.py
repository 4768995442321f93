"""Cache, locks, rate limits, idempotency keys and budget reservations: interface + in-process.

Cluster mode implements the same ``Cache`` protocol on Redis (``nexus.core.redis_cache``);
callers never know which one they hold.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Literal, Protocol

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: int
    retry_after_s: float


@dataclass(frozen=True)
class Reservation:
    """Outcome of reserving ``amount`` against a budget: ok, or refused with what remains."""

    ok: bool
    reservation_id: str
    remaining: float


BudgetOutcome = Literal["settled", "released", "unknown"]


class Cache(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, *, ttl_s: float | None = None) -> None: ...

    async def set_if_absent(self, key: str, value: str, *, ttl_s: float) -> bool: ...

    async def delete(self, key: str) -> None: ...

    async def hit_rate_limit(self, key: str, *, limit: int, window_s: float) -> RateDecision:
        """Count one hit in a sliding window; refuse once ``limit`` hits are in it."""
        ...

    def lock(
        self, name: str, *, ttl_s: float, wait_s: float
    ) -> AbstractAsyncContextManager[None]: ...

    async def budget_set(self, budget_key: str, limit: float) -> None: ...

    async def budget_reserve(
        self, budget_key: str, reservation_id: str, amount: float, *, ttl_s: float
    ) -> Reservation: ...

    async def budget_settle(
        self, budget_key: str, reservation_id: str, actual: float
    ) -> BudgetOutcome: ...

    async def budget_release(self, budget_key: str, reservation_id: str) -> BudgetOutcome: ...

    async def budget_remaining(self, budget_key: str) -> float: ...

    async def close(self) -> None: ...


class InProcessCache:
    """A dict with expiry. Single-process only: the embedded default."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._hits: dict[str, deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._limits: dict[str, float] = {}
        self._spent: dict[str, float] = {}
        self._held: dict[str, dict[str, tuple[float, float]]] = {}

    def _alive(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    async def get(self, key: str) -> str | None:
        return self._alive(key)

    async def set(self, key: str, value: str, *, ttl_s: float | None = None) -> None:
        self._data[key] = (value, time.monotonic() + ttl_s if ttl_s else None)

    async def set_if_absent(self, key: str, value: str, *, ttl_s: float) -> bool:
        if self._alive(key) is not None:
            return False
        self._data[key] = (value, time.monotonic() + ttl_s)
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def hit_rate_limit(self, key: str, *, limit: int, window_s: float) -> RateDecision:
        # A deque per key: expired hits leave from the left, so each hit costs O(1) amortised.
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window_s:
            hits.popleft()
        if len(hits) >= limit:
            return RateDecision(False, 0, max(0.0, hits[0] + window_s - now))
        hits.append(now)
        return RateDecision(True, limit - len(hits), 0.0)

    @asynccontextmanager
    async def lock(self, name: str, *, ttl_s: float, wait_s: float) -> AsyncGenerator[None, None]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        try:
            await asyncio.wait_for(lock.acquire(), timeout=wait_s)
        except TimeoutError as exc:
            raise NexusError(ErrorCode.CONFLICT, f"lock {name!r} is held") from exc
        try:
            yield
        finally:
            lock.release()

    def _expire_holds(self, budget_key: str) -> dict[str, tuple[float, float]]:
        now = time.monotonic()
        held = self._held.setdefault(budget_key, {})
        for rid in [r for r, (_, exp) in held.items() if exp <= now]:
            del held[rid]
        return held

    async def budget_set(self, budget_key: str, limit: float) -> None:
        self._limits[budget_key] = limit

    async def budget_remaining(self, budget_key: str) -> float:
        held = self._expire_holds(budget_key)
        limit = self._limits.get(budget_key, 0.0)
        return limit - self._spent.get(budget_key, 0.0) - sum(a for a, _ in held.values())

    async def budget_reserve(
        self, budget_key: str, reservation_id: str, amount: float, *, ttl_s: float
    ) -> Reservation:
        held = self._expire_holds(budget_key)
        if reservation_id in held:
            return Reservation(True, reservation_id, await self.budget_remaining(budget_key))
        remaining = await self.budget_remaining(budget_key)
        if budget_key not in self._limits or amount > remaining:
            return Reservation(False, reservation_id, remaining)
        held[reservation_id] = (amount, time.monotonic() + ttl_s)
        return Reservation(True, reservation_id, remaining - amount)

    async def budget_settle(
        self, budget_key: str, reservation_id: str, actual: float
    ) -> BudgetOutcome:
        held = self._expire_holds(budget_key)
        if held.pop(reservation_id, None) is None:
            return "unknown"
        self._spent[budget_key] = self._spent.get(budget_key, 0.0) + actual
        return "settled"

    async def budget_release(self, budget_key: str, reservation_id: str) -> BudgetOutcome:
        held = self._expire_holds(budget_key)
        return "released" if held.pop(reservation_id, None) is not None else "unknown"

    async def close(self) -> None:
        self._data.clear()
