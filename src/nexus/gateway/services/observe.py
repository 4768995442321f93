"""The observer's reports as the API and the CLI serve them: SLA objectives over a tenant's (or
every tenant's) runs, and a run's incident summary. The run data is read here through the
orchestrator's queries and handed to the observer, which may not import the orchestrator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nexus.contracts.observe import RunExplanation, SlaReport
from nexus.contracts.rows import EventRow, JobRow
from nexus.core.ids import utcnow
from nexus.core.settings import Settings
from nexus.observer import evidence, explain
from nexus.observer.sla import read_objectives
from nexus.orchestrator import queries
from nexus.platform import Platform


async def read_sla_report(
    platform: Platform, *, tenant_id: str | None, window_s: float | None = None
) -> SlaReport:
    """``tenant_id`` None: every tenant's runs (operators)."""
    now = utcnow()
    objectives = await read_objectives(
        platform.read_run_samples,
        platform.settings.observer.slas,
        now,
        tenant_id=tenant_id,
        window_s=window_s,
    )
    scope = "all" if tenant_id is None else "tenant"
    return SlaReport(evaluated_at=now, scope=scope, objectives=objectives)


def trace_file(settings: Settings) -> Path | None:
    """obs-core's span file (``telemetry.file``) when that section and value exist."""
    telemetry: Any = getattr(settings, "telemetry", None)
    path: Any = getattr(telemetry, "file", None)
    return Path(path) if path else None


async def _read_run_data(platform: Platform, run_id: str, tenant_id: str | None) -> Any:
    async with platform.db.read() as conn:
        run = await queries.read_run(conn, run_id, tenant_id=tenant_id)
        jobs = await queries.list_jobs(conn, run_id)
        edges = await queries.list_job_deps(conn, run_id)
        events = await queries.list_events(conn, run_id, limit=100_000)
    return run, jobs, edges, events


async def explain_run(platform: Platform, run_id: str, *, tenant_id: str | None) -> RunExplanation:
    """The incident summary of a run; a run of another tenant does not exist (run_not_found)."""
    run, jobs, edges, events = await _read_run_data(platform, run_id, tenant_id)
    by_id: dict[str, JobRow] = {j.job_id: j for j in jobs}
    graph = explain.Graph([(e.job_id, e.upstream_job_id) for e in edges])
    events_of: dict[str, list[EventRow]] = {}
    for e in events:
        if e.job_id is not None:
            events_of.setdefault(e.job_id, []).append(e)
    log_file = platform.settings.observer.log_file
    spans = trace_file(platform.settings)
    incidents = []
    for job in explain.failing_jobs(jobs):
        incident = explain.incident_of(
            job,
            by_id,
            graph,
            events_of.get(job.job_id, []),
            evidence.job_log_lines(log_file, job.job_id),
        )
        span = evidence.failed_span(spans, run.trace_id, job.job_id)
        incidents.append(incident.model_copy(update={"failed_span": span}))
    incidents.sort(key=lambda i: (not i.root_cause, i.node_key))
    counts = explain.count_statuses(jobs)
    sources = ["events"] + (["log"] if log_file else []) + (["trace"] if spans else [])
    return RunExplanation(
        run_id=run.run_id,
        pipeline=run.pipeline,
        status=run.status,
        error_code=run.error_code,
        error_message=run.error_message,
        trace_id=run.trace_id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_s=explain.seconds(run.started_at, run.finished_at),
        jobs_by_status=counts,
        headline=explain.headline(run.status, incidents, counts),
        incidents=incidents,
        slowest=explain.slowest_stages(jobs),
        sources=sources,
    )
