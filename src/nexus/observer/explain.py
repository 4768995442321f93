"""Incident summaries of runs: which job failed, with which code, after which attempts, because of
which upstream jobs, and what it blocked. Pure: the caller reads the run, its jobs, graph edges
and events through the orchestrator's queries and passes them in (typed as
``nexus.contracts.rows``, the orchestrator's own row records); evidence from the log and
trace files is read by ``evidence.py``.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from nexus.contracts.observe import Attempt, JobIncident, StageTiming, UpstreamCause
from nexus.contracts.rows import EventRow, JobRow

NOT_OK = {"failed", "skipped", "cancelled"}
Outcome = Literal["succeeded", "failed", "retried", "cancelled"]
END_OUTCOME: dict[str, Outcome] = {
    "nexus.job.succeeded": "succeeded",
    "nexus.job.failed": "failed",
    "nexus.job.rescheduled": "retried",
    "nexus.job.cancelled": "cancelled",
}
MAX_EVENT_LINES = 20


def seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def attempts_of(events: Sequence[EventRow]) -> list[Attempt]:
    """Pair each ``started`` event with the event that ended that attempt."""
    attempts: list[Attempt] = []
    open_: dict[int, tuple[datetime, str | None]] = {}
    for e in events:
        number = int(e.payload.get("attempt") or 0)
        if e.type == "nexus.job.started":
            open_[number] = (e.occurred_at, e.payload.get("owner"))
        elif e.type in END_OUTCOME:
            number = number or max(open_, default=0)  # cancellations carry no attempt
            if number not in open_:
                continue
            started, owner = open_.pop(number)
            attempts.append(
                Attempt(
                    attempt=number,
                    owner=owner,
                    started_at=started,
                    ended_at=e.occurred_at,
                    duration_s=seconds(started, e.occurred_at),
                    outcome=END_OUTCOME[e.type],
                    error_code=e.payload.get("error_code"),
                    message=e.payload.get("message"),
                )
            )
    for number, (started, owner) in sorted(open_.items()):
        attempts.append(Attempt(attempt=number, owner=owner, started_at=started, outcome="running"))
    return sorted(attempts, key=lambda a: a.attempt)


def event_lines(events: Sequence[EventRow]) -> list[str]:
    """The job's own event log as lines: what happened, with the failure payloads."""
    lines: list[str] = []
    for e in events:
        p = e.payload
        detail = " ".join(
            f"{k}={p[k]}"
            for k in ("attempt", "error_code", "message", "delay_s", "owner")
            if p.get(k) is not None
        )
        lines.append(f"{e.occurred_at:%H:%M:%S.%f}"[:12] + f" {e.type} {detail}".rstrip())
    return lines[-MAX_EVENT_LINES:]


class Graph:
    """The run's dependency edges, both ways."""

    def __init__(self, edges: Sequence[tuple[str, str]]) -> None:
        self.up: dict[str, list[str]] = defaultdict(list)
        self.down: dict[str, list[str]] = defaultdict(list)
        for job_id, upstream in edges:
            self.up[job_id].append(upstream)
            self.down[upstream].append(job_id)

    def walk(self, start: str, direction: dict[str, list[str]]) -> list[tuple[str, int]]:
        """Breadth first from ``start``: (job_id, distance), nearest first, start excluded."""
        seen = {start}
        out: list[tuple[str, int]] = []
        queue = deque([(start, 0)])
        while queue:
            node, dist = queue.popleft()
            for nxt in direction.get(node, []):
                if nxt not in seen:
                    seen.add(nxt)
                    out.append((nxt, dist + 1))
                    queue.append((nxt, dist + 1))
        return out


def incident_of(
    job: JobRow,
    jobs: dict[str, JobRow],
    graph: Graph,
    events: Sequence[EventRow],
    extra_lines: Sequence[str] = (),
) -> JobIncident:
    causes = [
        UpstreamCause(
            job_id=u.job_id,
            node_key=u.node_key,
            skill=u.skill,
            status=u.status,
            error_code=u.error_code,
            distance=dist,
        )
        for uid, dist in graph.walk(job.job_id, graph.up)
        if (u := jobs.get(uid)) is not None and u.status in NOT_OK
    ]
    blocked = [
        d.node_key
        for did, _ in graph.walk(job.job_id, graph.down)
        if (d := jobs.get(did)) is not None and d.status != "succeeded"
    ]
    return JobIncident(
        job_id=job.job_id,
        node_key=job.node_key,
        skill=job.skill,
        status=job.status,
        error_code=job.error_code,
        error_message=job.error_message,
        attempts=attempts_of(events),
        max_attempts=job.max_attempts,
        root_cause=not causes,
        upstream_causes=causes,
        blocked=blocked,
        log_lines=[*event_lines(events), *extra_lines],
    )


def failing_jobs(jobs: Sequence[JobRow]) -> list[JobRow]:
    """Failed jobs first (root causes before consequences is decided by the caller's graph),
    then skipped ones that were skipped for another reason than an upstream failure."""
    failed = [j for j in jobs if j.status == "failed"]
    odd = [j for j in jobs if j.status == "skipped" and j.error_code != "upstream_failed"]
    return failed + odd


def slowest_stages(jobs: Sequence[JobRow], limit: int = 5) -> list[StageTiming]:
    timed = [
        StageTiming(
            node_key=j.node_key,
            skill=j.skill,
            status=j.status,
            duration_s=seconds(j.started_at, j.finished_at),
            attempts=j.attempt,
            cache_hit=j.cache_hit,
        )
        for j in jobs
    ]
    timed.sort(key=lambda t: t.duration_s if t.duration_s is not None else -1.0, reverse=True)
    return timed[:limit]


def count_statuses(jobs: Sequence[JobRow]) -> dict[str, int]:
    return dict(sorted(Counter(j.status for j in jobs).items()))


def headline(status: str, incidents: Sequence[JobIncident], counts: dict[str, int]) -> str:
    if not incidents:
        if status == "failed":
            return "the run failed but no job did (cancelled, or a run-level error)"
        return f"run {status}: no job failed"
    roots = [i for i in incidents if i.root_cause] or list(incidents)
    first = roots[0]
    tries = len(first.attempts)
    blocked = sum(len(i.blocked) for i in roots)
    return (
        f"{first.node_key} ({first.skill}) {first.status} with {first.error_code or 'no code'}"
        f" after {tries} attempt{'s' if tries != 1 else ''}; {blocked} downstream job"
        f"{'s' if blocked != 1 else ''} did not run"
        + (f"; {len(roots) - 1} other root failure(s)" if len(roots) > 1 else "")
    )
