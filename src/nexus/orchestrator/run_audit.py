"""The audit row of a run's end (ADR 0209): written by ``transition_run`` in the transaction
of every terminal transition."""

from __future__ import annotations

from typing import Any

from nexus.observer.audit import AuditRecord
from nexus.orchestrator.rows import RunRow
from nexus.orchestrator.states import RunState


def finish_audit(run: RunRow, final: RunState, error_code: str | None) -> AuditRecord:
    """A run's end, audited with its last transition (its creation is: ``run.create``;
    ADR 0209)."""
    detail: dict[str, Any] = {"status": final.value, "pipeline": run.pipeline}
    if error_code or run.error_code:
        detail["error_code"] = error_code or run.error_code
    return AuditRecord(
        action="run.finish",
        actor_type="system",
        actor_id=None,
        tenant_id=run.tenant_id,
        outcome="success" if final == RunState.SUCCEEDED else "failure",
        target_type="run",
        target_id=run.run_id,
        trace_id=run.trace_id or "",
        detail=detail,
    )
