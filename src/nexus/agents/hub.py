"""The live token transport (ADR 0301): model turns publish text deltas, streams subscribe.

Tokens are ephemeral (never rows). Embedded mode: an in-process hub (the turn job runs in
this process). Cluster mode: Redis pub/sub, channel ``nexus:agent:tokens:<agent run>``,
so a stream on a gateway replica hears a turn running on a worker. A subscriber that joins
late misses earlier tokens but never the message: the persisted ``message`` event carries
the whole text. An empty text is a poke: "new persisted events", so a stream reads them at
once instead of at its next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any, Protocol

from nexus.core.logging import get_logger

log = get_logger(__name__)
CHANNEL = "nexus:agent:tokens:"


class TokenHub(Protocol):
    def publish(self, agent_run_id: str, text: str) -> None:
        """A text delta, or ``""``: new persisted events."""
        ...

    def subscribe(self, agent_run_id: str) -> contextlib.AbstractAsyncContextManager[Any]: ...

    async def close(self) -> None: ...


class LocalHub:
    """In-process: one queue per subscriber, ``publish`` never blocks."""

    def __init__(self) -> None:
        self.subscribers: dict[str, set[asyncio.Queue[str]]] = {}

    def publish(self, agent_run_id: str, text: str) -> None:
        for queue in self.subscribers.get(agent_run_id, ()):
            queue.put_nowait(text)

    @contextlib.asynccontextmanager
    async def subscribe(self, agent_run_id: str) -> AsyncGenerator[asyncio.Queue[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        self.subscribers.setdefault(agent_run_id, set()).add(queue)
        try:
            yield queue
        finally:
            subs = self.subscribers.get(agent_run_id)
            if subs is not None:
                subs.discard(queue)
                if not subs:
                    del self.subscribers[agent_run_id]

    async def close(self) -> None:
        self.subscribers.clear()


class RedisHub:
    """Cluster mode: Redis pub/sub; ``publish`` is fire-and-forget from the turn job."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis  # noqa: PLC0415 - only in cluster mode

        self.client: Any = redis.from_url(url)
        self.local = LocalHub()  # same-process subscribers hear it without a round trip
        self.pending: set[asyncio.Task[Any]] = set()

    def publish(self, agent_run_id: str, text: str) -> None:
        task = asyncio.get_running_loop().create_task(
            self.client.publish(CHANNEL + agent_run_id, text.encode("utf-8"))
        )
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    @contextlib.asynccontextmanager
    async def subscribe(self, agent_run_id: str) -> AsyncGenerator[asyncio.Queue[str]]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        pubsub = self.client.pubsub()
        await pubsub.subscribe(CHANNEL + agent_run_id)

        async def pump() -> None:
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    queue.put_nowait(bytes(item["data"]).decode("utf-8"))

        task = asyncio.get_running_loop().create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe()
                await pubsub.aclose()

    async def close(self) -> None:
        for task in list(self.pending):
            with contextlib.suppress(Exception):
                await task
        with contextlib.suppress(Exception):
            await self.client.aclose()
