"""Publishes dispatched jobs to the broker right after the commit that made them ready.

Delayed retries are scheduled with the event loop's timer; if this process dies first, the
outbox relay republishes them (the outbox row stays until the job is claimed).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence

from nexus.core import metrics, telemetry
from nexus.core.broker import Broker
from nexus.core.ids import utcnow
from nexus.core.logging import get_logger
from nexus.worker_hub.ports import DispatchLike

log = get_logger(__name__)


class Publisher:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self._timers: set[asyncio.TimerHandle] = set()
        self._pending: set[asyncio.Task[None]] = set()

    async def publish(self, dispatches: Sequence[DispatchLike]) -> None:
        if not dispatches:
            return
        if not telemetry.has_span():  # tracing off, or no trace to join (a recovery sweep)
            await self._publish(dispatches)
            return
        with telemetry.span("nexus.dispatch", {"nexus.jobs": len(dispatches)}):
            await self._publish(dispatches)

    async def _publish(self, dispatches: Sequence[DispatchLike]) -> None:
        """Each message carries the dispatch span's ``traceparent`` (tracing on): the job's
        spans in whichever worker claims it are its children."""
        now = utcnow()
        by_queue: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
        loop = asyncio.get_running_loop()
        self._timers = {h for h in self._timers if h.when() > loop.time()}
        for d in dispatches:
            message = {"job_id": d.job_id}
            own: str | None = getattr(d, "traceparent", None) if telemetry.ENABLED else None
            if own is not None:
                message[telemetry.TRACEPARENT] = own
                if d.deliver_after is None or d.deliver_after <= now:
                    await self._send_traced(d.queue, message)
                    continue
            else:
                telemetry.inject(message)
            if d.deliver_after is not None and d.deliver_after > now:
                delay = (d.deliver_after - now).total_seconds()
                handle = loop.call_later(delay, self._publish_later, d.queue, message)
                self._timers.add(handle)
            else:
                by_queue[d.queue].append(message)
        for queue, messages in by_queue.items():
            started = time.perf_counter()
            await self.broker.publish_many(queue, messages)
            metrics.BROKER_PUBLISH.labels(metrics.pool_of(queue)).observe(
                time.perf_counter() - started
            )

    async def _send_traced(self, queue: str, message: dict[str, str]) -> None:
        """A message published outside the span that made it (a recovery's dispatch, a
        delayed retry): published inside a dispatch span of its own under the traceparent it
        carries, so the broker client's span (aio-pika instrumentation) is its child and the
        message stays in the run's trace."""
        parent = telemetry.extract(message)
        if parent is None:
            await self.broker.publish(queue, message)
            return
        with telemetry.span("nexus.dispatch", {"nexus.job_id": message["job_id"]}, parent=parent):
            telemetry.inject(message)
            await self.broker.publish(queue, message)

    def _publish_later(self, queue: str, message: dict[str, str]) -> None:
        task = asyncio.ensure_future(self._send_traced(queue, message))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def close(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
