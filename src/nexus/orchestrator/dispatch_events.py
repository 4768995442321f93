"""Routing events a worker reports while a job runs (``nexus.dispatch.failed_over``).

The model router's client calls ``DispatchEvents.failed_over`` when a call moves to the
next provider; ``OrchestratorDispatchEvents`` appends it to the job's event log through
``record_dispatch_event``, the one additive JobLedger-style command (ADR 0123). It is
fenced like progress: only a running job gets events.
"""

from __future__ import annotations

from typing import Any

from nexus.contracts.router import CallScope, Capability
from nexus.core.db import Conn
from nexus.orchestrator import events as ev
from nexus.orchestrator.base import CommandBase, atomic
from nexus.orchestrator.states import JobState
from nexus.orchestrator.transitions import append_events

DISPATCH_VERBS = {"failed_over"}


class DispatchEventCommands(CommandBase):
    @atomic
    async def record_dispatch_event(
        self, conn: Conn, job_id: str, verb: str, payload: dict[str, Any]
    ) -> bool:
        """Append ``nexus.dispatch.<verb>`` to a running job's events; False if it is not
        running (a late report from an abandoned attempt is dropped)."""
        if verb not in DISPATCH_VERBS:
            raise ValueError(f"unknown dispatch event {verb!r}")
        job = await self._job(conn, job_id)
        if job is None or job.status != JobState.RUNNING.value:
            return False
        row = ev.job_event(job, verb, attempt=job.attempt, **payload)
        row["type"] = f"nexus.dispatch.{verb}"
        await append_events(conn, [row])
        return True


class OrchestratorDispatchEvents:
    """The router's ``DispatchEvents`` port, written to the orchestrator's event log."""

    def __init__(self, commands: DispatchEventCommands) -> None:
        self.commands = commands

    async def failed_over(
        self, scope: CallScope, capability: Capability, data: dict[str, Any]
    ) -> None:
        if scope.job_id:
            await self.commands.record_dispatch_event(scope.job_id, "failed_over", data)
