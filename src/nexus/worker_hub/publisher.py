"""Publishes dispatched jobs to the broker right after the commit that made them ready.

Delayed retries are scheduled with the event loop's timer; if this process dies first, the
outbox relay republishes them (the outbox row stays until the job is claimed).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

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
        now = utcnow()
        by_queue: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
        loop = asyncio.get_running_loop()
        self._timers = {h for h in self._timers if h.when() > loop.time()}
        for d in dispatches:
            if d.deliver_after is not None and d.deliver_after > now:
                delay = (d.deliver_after - now).total_seconds()
                handle = loop.call_later(delay, self._publish_later, d.queue, d.job_id)
                self._timers.add(handle)
            else:
                by_queue[d.queue].append({"job_id": d.job_id})
        for queue, messages in by_queue.items():
            await self.broker.publish_many(queue, messages)

    def _publish_later(self, queue: str, job_id: str) -> None:
        task = asyncio.ensure_future(self.broker.publish(queue, {"job_id": job_id}))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def close(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
