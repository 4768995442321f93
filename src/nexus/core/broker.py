"""Task transport: the ``Broker`` interface and its in-process implementation.

Messages carry ids only (never state). The in-process broker pushes into asyncio queues,
so an idle worker wakes the moment a job is published: no polling on the hot path.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Message = dict[str, Any]
Handler = Callable[[Message], Awaitable[None]]


class Broker(Protocol):
    async def publish(self, queue: str, message: Message) -> None: ...

    async def publish_many(self, queue: str, messages: list[Message]) -> None: ...

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> None:
        """Deliver messages to ``handler`` with at most ``prefetch`` in flight, until cancelled."""
        ...

    async def close(self) -> None: ...


class InProcessBroker:
    """Asyncio queues, one per name. Durability comes from the database, not from here."""

    def __init__(self) -> None:
        self._queues: defaultdict[str, asyncio.Queue[Message]] = defaultdict(asyncio.Queue)

    async def publish(self, queue: str, message: Message) -> None:
        self._queues[queue].put_nowait(message)

    async def publish_many(self, queue: str, messages: list[Message]) -> None:
        q = self._queues[queue]
        for message in messages:
            q.put_nowait(message)

    def depth(self, queue: str) -> int:
        return self._queues[queue].qsize()

    async def consume(self, queue: str, handler: Handler, *, prefetch: int) -> None:
        q = self._queues[queue]
        slots = asyncio.Semaphore(prefetch)
        tasks: set[asyncio.Task[None]] = set()

        async def run_one(message: Message) -> None:
            try:
                await handler(message)
            finally:
                slots.release()

        try:
            while True:
                await slots.acquire()
                message = await q.get()
                task = asyncio.create_task(run_one(message))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        self._queues.clear()
