"""Provider health: a circuit breaker per provider on error rate and slow calls.

Closed -> open when, over the last ``window`` calls (at least ``min_calls``), the error rate
or the slow-call rate reaches its threshold; open -> half-open after ``open_s``, where up to
``half_open_probes`` calls go through; a successful probe closes it, a failed one re-opens.
``HealthBoard`` keeps the breakers of one process; ``SharedHealth`` mirrors open circuits
through the cache (Redis in cluster mode) so every process stops calling a dead provider.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from nexus.core.cache import Cache
from nexus.core.settings import BreakerSettings

State = Literal["closed", "open", "half_open"]
Clock = Callable[[], float]


@dataclass
class Breaker:
    config: BreakerSettings
    clock: Clock = time.time
    state: State = "closed"
    opened_at: float = 0.0
    probes: int = 0
    calls: deque[tuple[bool, bool]] = field(default_factory=deque)  # (ok, slow)

    def current(self) -> State:
        if self.state == "open" and self.clock() - self.opened_at >= self.config.open_s:
            self.state, self.probes = "half_open", 0
        return self.state

    def allows(self) -> bool:
        """May a call go to this provider now? (No side effect: see ``begin``.)"""
        state = self.current()
        return state == "closed" or (
            state == "half_open" and self.probes < self.config.half_open_probes
        )

    def begin(self) -> None:
        if self.current() == "half_open":
            self.probes += 1

    def record(self, ok: bool, latency_ms: float) -> bool:
        """Count a finished call; True when this call opened the circuit."""
        state = self.current()
        if state == "half_open":
            if ok:
                self.state, self.probes = "closed", 0
                self.calls.clear()
                return False
            return self.trip()
        self.calls.append((ok, latency_ms >= self.config.slow_call_ms))
        while len(self.calls) > self.config.window:
            self.calls.popleft()
        if state == "closed" and self._over_threshold():
            return self.trip()
        return False

    def trip(self, at: float | None = None) -> bool:
        self.state, self.opened_at, self.probes = "open", self.clock() if at is None else at, 0
        self.calls.clear()
        return True

    def _over_threshold(self) -> bool:
        n = len(self.calls)
        if n < self.config.min_calls:
            return False
        errors = sum(1 for ok, _ in self.calls if not ok)
        slow = sum(1 for _, is_slow in self.calls if is_slow)
        return errors / n >= self.config.error_rate or slow / n >= self.config.slow_rate


class HealthBoard:
    """The breakers of one process, by provider name."""

    def __init__(self, config: BreakerSettings, clock: Clock = time.time) -> None:
        self.config = config
        self.clock = clock
        self.breakers: dict[str, Breaker] = {}

    def breaker(self, provider: str) -> Breaker:
        found = self.breakers.get(provider)
        if found is None:
            found = self.breakers[provider] = Breaker(self.config, self.clock)
        return found

    def allows(self, provider: str) -> bool:
        found = self.breakers.get(provider)
        return found is None or found.allows()

    def state(self, provider: str) -> State:
        found = self.breakers.get(provider)
        return "closed" if found is None else found.current()


class SharedHealth:
    """Open circuits mirrored through the cache: a process that trips a breaker publishes
    ``opened_at`` with a TTL of ``open_s``; the others adopt it on their next sync."""

    def __init__(self, board: HealthBoard, cache: Cache, *, sync_s: float) -> None:
        self.board = board
        self.cache = cache
        self.sync_s = sync_s
        self.synced_at = 0.0

    @staticmethod
    def key(provider: str) -> str:
        return f"router:breaker:{provider}"

    async def publish_open(self, provider: str) -> None:
        breaker = self.board.breaker(provider)
        await self.cache.set(
            self.key(provider), repr(breaker.opened_at), ttl_s=self.board.config.open_s
        )

    async def publish_closed(self, provider: str) -> None:
        await self.cache.delete(self.key(provider))

    async def sync(self, providers: list[str], *, force: bool = False) -> None:
        now = self.board.clock()
        if not force and now - self.synced_at < self.sync_s:
            return
        self.synced_at = now
        for provider in providers:
            value = await self.cache.get(self.key(provider))
            if value is None:
                continue
            breaker = self.board.breaker(provider)
            opened_at = float(value)
            if breaker.state == "closed" or opened_at > breaker.opened_at:
                breaker.trip(at=opened_at)
