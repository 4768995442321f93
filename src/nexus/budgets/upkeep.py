"""The budget controller's background upkeep, run by orchestrator processes: release
expired holds (crashed workers) and reconcile the counters to the database."""

from __future__ import annotations

import asyncio
import contextlib

from nexus.budgets.guard import BudgetGuard
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger

log = get_logger(__name__)


class BudgetUpkeep:
    """One task: every ``reconcile_s`` reconcile, every ``sweep_s`` sweep. Errors are logged
    and retried on the next tick (a lost tick only delays; it never loses spend)."""

    def __init__(self, guard: BudgetGuard, *, sweep_s: float, reconcile_s: float) -> None:
        self.guard = guard
        self.sweep_s = sweep_s
        self.reconcile_s = reconcile_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="budget-upkeep")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        await self.tick(sweep=False)  # settlements of the last moments reach the database

    async def tick(self, *, sweep: bool) -> None:
        try:
            await self.guard.reconcile()
            if sweep and (released := await self.guard.sweep()):
                log.info("budgets.holds_expired", released=released)
        except NexusError as exc:
            log.warning("budgets.upkeep_failed", code=exc.code.value, detail=exc.detail)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        while True:
            now = loop.time()
            due = now >= next_sweep
            if due:
                next_sweep = now + self.sweep_s
            await self.tick(sweep=due)
            await asyncio.sleep(min(self.reconcile_s, self.sweep_s))
