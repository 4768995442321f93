"""Providers and projects' routing changed by another process reach this one: a background
task compares a cheap fingerprint of both tables every ``router.refresh_s`` and reloads the
client when it moved (one small query per interval per process; ADR 0126)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError

from nexus.core.db import Database
from nexus.core.logging import get_logger
from nexus.model_router.registry_store import ProviderStore
from nexus.model_router.routing_store import ProjectRoutingStore

log = get_logger(__name__)


class RouterWatch:
    def __init__(
        self, db: Database, reload: Callable[[], Awaitable[None]], interval_s: float
    ) -> None:
        self.providers = ProviderStore(db)
        self.routing = ProjectRoutingStore(db)
        self.reload = reload
        self.interval_s = interval_s
        self.seen: tuple[Any, ...] | None = None
        self.task: asyncio.Task[None] | None = None
        self.reloads = 0

    async def fingerprint(self) -> tuple[Any, ...]:
        return (*await self.providers.fingerprint(), *await self.routing.fingerprint())

    async def check(self) -> bool:
        """Reload when the tables changed since the last look; True if it reloaded."""
        now = await self.fingerprint()
        changed = self.seen is not None and now != self.seen
        if changed:
            await self.reload()
            self.reloads += 1
            log.info("router.reloaded", reason="changed by another process")
        self.seen = now
        return changed

    async def start(self) -> None:
        try:
            self.seen = await self.fingerprint()
        except DBAPIError as exc:
            log.warning("router.watch_unavailable", error=str(exc.orig)[:200])
            return
        self.task = asyncio.create_task(self._loop(), name="router-watch")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.check()
            except (DBAPIError, OSError) as exc:  # the database away for a moment
                log.warning("router.watch_failed", error=str(exc)[:200])

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
