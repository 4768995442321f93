"""The dispatch seam: where the model router, budget controller and policy engine plug in.

Every job passes ``DispatchGate.review`` on its way to READY. The default gate lets
everything through to the skill's own pool; later issues replace it with wrappers that
route, price and check policy, without touching the orchestrator.

``review`` is a decision without side effects: the dispatch it approves is written guarded by
"no output cached under the job's key" (ADR 0015), so it can be asked about a job that then
turns out to be a cache hit and never dispatches. Anything to record for a dispatch (a budget
reservation, an audit row) belongs after the job's move to READY has been written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from nexus.contracts.errors import ErrorCode
from nexus.contracts.tasks import DispatchDecision
from nexus.orchestrator.rows import JobRow


@dataclass(frozen=True)
class GateRequest:
    run_id: str
    job_id: str
    node_key: str
    skill: str
    skill_version: str
    resource_class: str
    pool: str
    tenant_id: str
    project_id: str
    params: Mapping[str, Any] | None = None  # the job's input (``input_gate`` checks it)


@dataclass(frozen=True)
class Verdict:
    action: Literal["dispatch", "hold", "deny"]
    decision: DispatchDecision | None = None
    code: ErrorCode | None = None
    reason: str = ""


class DispatchGate(Protocol):
    def review(self, request: GateRequest) -> Verdict: ...


class PassThroughGate:
    """Dispatch every job to its skill's pool with the offline provider."""

    def review(self, request: GateRequest) -> Verdict:
        return Verdict(
            "dispatch",
            DispatchDecision(job_id=request.job_id, pool=request.pool, reason="pass-through"),
        )


def request_for(run_id: str, job: JobRow) -> GateRequest:
    """The gate's view of a job row about to be dispatched."""
    return GateRequest(
        run_id,
        job.job_id,
        job.node_key,
        job.skill,
        job.skill_version,
        job.resource_class,
        job.pool,
        job.tenant_id,
        job.project_id,
        job.params,
    )


def queue_for(pool: str) -> str:
    return f"nexus.jobs.{pool}"
