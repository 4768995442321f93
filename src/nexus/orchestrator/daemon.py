"""The orchestrator's background duties: recovery on start, lease sweeps, the outbox relay.

None of this is on the hot path: jobs are published by whoever commits them. The sweeper
only catches what a crash or a lost message left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

from nexus.core.logging import get_logger
from nexus.orchestrator import recovery
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.service import Orchestrator

log = get_logger(__name__)
Publish = Callable[[Sequence[Dispatch]], Awaitable[None]]


class OrchestratorDaemon:
    def __init__(
        self,
        orch: Orchestrator,
        publish: Publish,
        *,
        sweep_interval_s: float,
        republish_after_s: float | None,
    ) -> None:
        """``republish_after_s``: republish outbox rows unclaimed this long (None: only at
        start-up, right for the in-process broker, which cannot lose a live message)."""
        self.orch = orch
        self.publish = publish
        self.sweep_interval_s = sweep_interval_s
        self.republish_after_s = republish_after_s
        self._task: asyncio.Task[None] | None = None

    async def recover(self) -> int:
        """Take up what earlier processes left: dead owners' leases, unpublished jobs."""
        reclaimed = await recovery.reclaim_leases(self.orch)
        await self.publish(reclaimed)
        backlog = await recovery.pending_outbox(self.orch)
        await self.publish(backlog)
        if reclaimed or backlog:
            log.info("orchestrator.recovered", leases=len(reclaimed), republished=len(backlog))
        return len(reclaimed) + len(backlog)

    async def sweep_once(self) -> None:
        await self.publish(await recovery.reclaim_leases(self.orch))
        if self.republish_after_s is not None:
            await recovery.relay_stale_outbox(
                self.orch, self.publish, stale_after_s=self.republish_after_s
            )

    async def start(self) -> None:
        await self.recover()
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval_s)
            try:
                await self.sweep_once()
            except Exception:
                log.exception("orchestrator.sweep_failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
