"""Pure builders of event rows: ``nexus.<object>.<past-tense verb>`` with one envelope shape."""

from __future__ import annotations

from typing import Any

from nexus.contracts.events import EventEnvelope, event_type
from nexus.core.ids import utcnow
from nexus.orchestrator.rows import EventRow, FinishedRow, RunRow

JOB_EVENT_BY_STATE = {
    "ready": "readied",
    "running": "started",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
    "skipped": "skipped",
    "awaiting_approval": "held",
    "pending": "reset",
}
RUN_EVENT_BY_STATE = {
    "running": "started",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
    "compensating": "compensating",
}


def job_event(job: FinishedRow, verb: str, **payload: Any) -> dict[str, Any]:
    return {
        "type": event_type("job", verb),
        "run_id": job.run_id,
        "job_id": job.job_id,
        "tenant_id": job.tenant_id,
        "project_id": job.project_id,
        "trace_id": job.trace_id,
        "payload": {"node_key": job.node_key, "skill": job.skill, **payload},
        "occurred_at": utcnow(),
    }


def run_event(run: RunRow, verb: str, **payload: Any) -> dict[str, Any]:
    return {
        "type": event_type("run", verb),
        "run_id": run.run_id,
        "job_id": None,
        "tenant_id": run.tenant_id,
        "project_id": run.project_id,
        "trace_id": run.trace_id,
        "payload": {"pipeline": run.pipeline, **payload},
        "occurred_at": utcnow(),
    }


def to_envelope(row: EventRow) -> EventEnvelope:
    return EventEnvelope(
        event_id=row.event_id,
        type=row.type,
        run_id=row.run_id,
        job_id=row.job_id,
        tenant_id=row.tenant_id,
        project_id=row.project_id,
        trace_id=row.trace_id,
        occurred_at=row.occurred_at,
        payload=row.payload,
    )
