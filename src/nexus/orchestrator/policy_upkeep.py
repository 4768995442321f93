"""The policy engine's background work in an orchestrator process, once per interval:
pick up policy versions written elsewhere, file approval requests for held jobs, expire
the ones past due, and write the buffered dispatch decisions to the audit log in one
transaction (off the dispatch path; ADR 0214)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

from nexus.core.logging import get_logger
from nexus.core.redaction import redact_value
from nexus.governance.loader import refresh_book
from nexus.observer.audit import AuditRecord, insert_audit
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.policy_gate import GateDecision, PolicyGate
from nexus.orchestrator.service import Orchestrator

log = get_logger(__name__)
Publish = Callable[[Sequence[Dispatch]], Awaitable[None]]


def decision_audit(item: GateDecision) -> AuditRecord:
    d = item.decision
    return AuditRecord(
        action="policy.decision",
        actor_type="system",
        actor_id=None,
        tenant_id=item.request.tenant_id,
        outcome="failure" if d.verdict == "deny" else "success",
        target_type="job",
        target_id=item.request.job_id,
        detail={
            "policy_action": item.policy_input.action,
            "verdict": d.verdict,
            "reasons": d.reasons,
            "policy_version": d.policy_version,
            "input": redact_value(item.policy_input.model_dump(mode="json")),
        },
    )


class PolicyUpkeep:
    def __init__(
        self,
        orch: Orchestrator,
        gate: PolicyGate | None,
        publish: Publish,
        *,
        interval_s: float,
        default_ttl_s: int,
    ) -> None:
        self.orch = orch
        self.gate = gate
        self.publish = publish
        self.interval_s = interval_s
        self.default_ttl_s = default_ttl_s
        self._task: asyncio.Task[None] | None = None

    async def flush_audits(self) -> int:
        if self.gate is None or not self.gate.buffer:
            return 0
        taken = self.gate.take(5000)
        async with self.orch.db.transaction() as conn:
            for item in taken:
                await insert_audit(conn, decision_audit(item))
        return len(taken)

    async def tick(self) -> None:
        book = self.orch.policy_book
        if book is not None:
            async with self.orch.db.read() as conn:
                await refresh_book(conn, book)
        await self.orch.file_holds(self.default_ttl_s)
        for _, dispatches in await self.orch.expire_approvals():
            await self.publish(dispatches)
        await self.flush_audits()

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception as exc:  # noqa: BLE001 - keep sweeping: the next tick retries
                log.warning("governance.upkeep_failed", error=str(exc)[:300])
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="policy-upkeep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush_audits()
