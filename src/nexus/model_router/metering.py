"""Around every provider call: breaker probe, concurrency slot, budget reservation, the
call, then settle or release, the ledger row (failed calls too) and the breaker's count.

Order (ADR 0080): ``guard.reserve(estimate)`` -> call -> ``guard.settle(actual)``, or
``guard.release`` when the call failed. No reservation, no call. The offline engines cost
nothing and reserve nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nexus.contracts.router import CallScope, Capability, ProviderCall, Usage
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger
from nexus.model_router import observe
from nexus.model_router.decide import Candidate
from nexus.model_router.health import HealthBoard, SharedHealth
from nexus.model_router.ports import CallRecorder, SpendGuard
from nexus.model_router.results import CallResult

R = TypeVar("R", bound=CallResult)
log = get_logger(__name__)


class Meter:
    def __init__(
        self,
        guard: SpendGuard | None,
        recorder: CallRecorder | None,
        health: HealthBoard,
        shared: SharedHealth | None,
    ) -> None:
        self.guard = guard
        self.recorder = recorder
        self.health = health
        self.shared = shared
        self.slots: dict[str, asyncio.Semaphore] = {}

    def _slot(self, c: Candidate) -> asyncio.Semaphore:
        found = self.slots.get(c.label)
        if found is None:
            found = self.slots[c.label] = asyncio.Semaphore(c.model.concurrency)
        return found

    async def call(
        self,
        scope: CallScope,
        capability: Capability,
        c: Candidate,
        estimate: Usage,
        invoke: Callable[[], Awaitable[R]],
    ) -> R:
        paid = not c.provider.offline and self.guard is not None
        reservation = (
            await self.guard.reserve(scope, c.model.spend(estimate))
            if paid and self.guard is not None
            else None
        )
        self.health.breaker(c.provider.name).begin()
        with observe.call_span(capability, c) as span:
            started = time.perf_counter()
            try:
                async with self._slot(c):
                    result = await invoke()
            except BaseException as exc:
                latency = (time.perf_counter() - started) * 1000
                if reservation is not None and self.guard is not None:
                    await self.guard.release(reservation)
                code = await self._failed(scope, capability, c, latency, exc)
                observe.failed(span, capability, c, code, latency)
                raise
            latency = (time.perf_counter() - started) * 1000
            usage = result.usage
            cost = c.model.prices.cost(usage)
            observe.succeeded(span, capability, c, usage, cost, latency)
        if reservation is not None and self.guard is not None:
            await self.guard.settle(reservation, c.model.spend(usage))
        await self._count(c, True, latency)
        await self._record(scope, capability, c, usage, cost, latency, None)
        return dataclasses.replace(
            result, provider=c.provider.name, model=c.model.name, cost_usd=cost, latency_ms=latency
        )

    async def _failed(
        self,
        scope: CallScope,
        capability: Capability,
        c: Candidate,
        latency: float,
        exc: BaseException,
    ) -> str:
        code = exc.code.value if isinstance(exc, NexusError) else type(exc).__name__
        if not isinstance(exc, asyncio.CancelledError):
            await self._count(c, False, latency)
        await self._record(scope, capability, c, Usage(), 0.0, latency, code)
        return code

    async def _count(self, c: Candidate, ok: bool, latency: float) -> None:
        breaker = self.health.breaker(c.provider.name)
        was = breaker.current()
        opened = breaker.record(ok, latency)
        observe.circuit(c.provider.name, breaker.current())
        if self.shared is None:
            return
        if opened:
            await self.shared.publish_open(c.provider.name)
        elif was == "half_open" and breaker.current() == "closed":
            await self.shared.publish_closed(c.provider.name)

    async def _record(
        self,
        scope: CallScope,
        capability: Capability,
        c: Candidate,
        usage: Usage,
        cost: float,
        latency: float,
        error_code: str | None,
    ) -> None:
        if self.recorder is None:
            return
        call = ProviderCall(
            scope=scope,
            provider=c.provider.name,
            model=c.model.name,
            capability=capability,
            usage=usage,
            cost_usd=cost,
            latency_ms=latency,
            ok=error_code is None,
            error_code=error_code,
        )
        try:
            await self.recorder.record_call(call)
        except Exception as exc:  # noqa: BLE001 - a ledger outage must not fail a paid call
            log.warning("router.record_failed", provider=c.provider.name, error=str(exc))
