"""Run and job states with their terminal sets."""

from __future__ import annotations

from enum import StrEnum


class RunState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPENSATING = "compensating"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobState(StrEnum):
    PENDING = "pending"  # waiting for upstream jobs
    READY = "ready"  # deps satisfied, queued for a worker
    AWAITING_APPROVAL = "awaiting_approval"  # holds no worker slot until approved / rejected
    RUNNING = "running"  # claimed under a lease by one attempt
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # an upstream job failed or was cancelled


RUN_TERMINAL = frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED})
JOB_TERMINAL = frozenset(
    {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED, JobState.SKIPPED}
)
JOB_ACTIVE = frozenset({JobState.READY, JobState.RUNNING, JobState.AWAITING_APPROVAL})
