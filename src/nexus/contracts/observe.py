"""Wire types of the observer's SLA reports and alert events (`nexus observe`, `/observe`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from nexus.contracts.base import StrictModel

Indicator = Literal["duration", "failure_rate"]
SlaStatus = Literal["ok", "breached", "no_data"]
AlertType = Literal["nexus.observer.sla_breached", "nexus.observer.sla_recovered"]


class SlaObjective(StrictModel):
    """One objective of an SLA over its window: ``<sla>.duration`` or ``<sla>.failure_rate``."""

    pipeline: str
    sla: str
    objective: str
    indicator: Indicator
    value: float | None = Field(
        description="The p-quantile of durations (s) or the failure rate; None with no runs."
    )
    target: float
    quantile: float | None = None
    status: SlaStatus
    window_s: float
    samples: int = Field(description="Runs the value is computed on.")
    min_samples: int


class SlaReport(StrictModel):
    evaluated_at: datetime
    scope: Literal["tenant", "all"]
    objectives: list[SlaObjective]


class AlertEvent(StrictModel):
    """An alert the observer raised when an objective changed status (it owns these events)."""

    alert_id: int
    type: AlertType
    pipeline: str
    objective: str
    status: SlaStatus
    occurred_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict)


class AlertPage(StrictModel):
    items: list[AlertEvent]
    next: str | None = None


class Attempt(StrictModel):
    """One attempt of a job, from the event log (started ... rescheduled/failed/succeeded)."""

    attempt: int
    owner: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float | None = None
    outcome: Literal["succeeded", "failed", "retried", "cancelled", "running"]
    error_code: str | None = None
    message: str | None = None


class UpstreamCause(StrictModel):
    """An upstream job (any distance) that did not succeed and led to this one's state."""

    job_id: str
    node_key: str
    skill: str
    status: str
    error_code: str | None = None
    distance: int = Field(description="1 for a direct dependency.")


class SpanSummary(StrictModel):
    """The failed span of the job from the trace file (obs-core's file exporter)."""

    trace_id: str
    span_id: str
    name: str
    status: str
    duration_ms: float | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class JobIncident(StrictModel):
    job_id: str
    node_key: str
    skill: str
    status: str
    error_code: str | None
    error_message: str | None
    attempts: list[Attempt]
    max_attempts: int
    root_cause: bool = Field(description="True when every upstream job succeeded.")
    upstream_causes: list[UpstreamCause]
    blocked: list[str] = Field(description="Downstream node keys that did not run because of it.")
    log_lines: list[str]
    failed_span: SpanSummary | None = None


class StageTiming(StrictModel):
    node_key: str
    skill: str
    status: str
    duration_s: float | None
    attempts: int
    cache_hit: bool


class RunExplanation(StrictModel):
    """`nexus runs explain RUN`: why a run failed (or, if it did not, where its time went)."""

    run_id: str
    pipeline: str
    status: str
    error_code: str | None
    error_message: str | None
    trace_id: str
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None
    jobs_by_status: dict[str, int]
    headline: str
    incidents: list[JobIncident]
    slowest: list[StageTiming]
    sources: list[str] = Field(description="Where the evidence came from (events, log, trace).")
