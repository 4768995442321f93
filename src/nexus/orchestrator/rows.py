"""Typed records of the rows the orchestrator reads: what a statement returns, by shape.

The whole rows (jobs, runs, events, artifacts) and the job slices the hot path passes
around are ``nexus.contracts.rows`` (the observer reads them too and may not import the
orchestrator); they are re-exported here. This module adds the shapes only orchestrator
statements return: a job joined with its run, a dependent with its edge's data flag.
Rows are never assigned to (a transition builds a new one), hence read-only properties.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from nexus.contracts.rows import (
    ArtifactRow,
    EventRow,
    FinishedRow,
    JobRef,
    JobRow,
    RunRef,
    RunRow,
)

__all__ = [
    "ArtifactRow",
    "CommittedRow",
    "DependentRow",
    "EventRow",
    "FinishedRow",
    "JobRef",
    "JobRow",
    "JobWithRun",
    "RunRef",
    "RunRow",
    "as_job",
]


class CommittedRow(FinishedRow, Protocol):
    """The finished job as the guarded commit returns it, with its run's state and params."""

    @property
    def run_status(self) -> str: ...
    @property
    def run_params(self) -> dict[str, Any]: ...


class DependentRow(JobRow, Protocol):
    """A dependent of a finished job, with the data flag of the edge from it
    (``graph.INCREMENT_DEPENDENTS``, ``fused_step.PREDICT``)."""

    @property
    def via_data(self) -> bool | None: ...


class JobWithRun(JobRow, CommittedRow, Protocol):
    """A job row joined with its run's state and params (``base.SELECT_JOB``)."""


def as_job(row: object) -> JobRow:
    """A namespace built from a job row (``transitions.row_fields``), typed as one."""
    return cast(JobRow, row)
