"""Execution contracts: what a job asks for, who runs it, and what comes back."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from nexus.contracts.base import StrictModel

ResourceClass = Literal["cpu", "gpu", "io"]


class TaskSpec(StrictModel):
    """One unit of work handed to a worker: ids plus the skill's validated input."""

    run_id: str
    job_id: str
    node_key: str
    attempt: int = Field(ge=1)
    skill: str
    skill_version: str
    params: dict[str, Any]
    inputs: dict[str, Any] = Field(
        default_factory=dict, description="Committed outputs of upstream jobs, by node key."
    )
    resource_class: ResourceClass = "cpu"
    timeout_s: float = Field(gt=0)
    cache_key: str
    tenant_id: str
    project_id: str
    trace_id: str = ""


class DispatchDecision(StrictModel):
    """Where and how a task runs: decided by the model router, pass-through until then."""

    job_id: str
    provider: str = "offline"
    model: str = "builtin"
    pool: str = "default"
    estimated_cost_usd: float = Field(default=0.0, ge=0)
    reason: str = ""


class ArtifactMeta(StrictModel):
    """A content-addressed file produced by a job."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    media_type: str
    name: str = Field(description="A human file name, e.g. final.mp4.")
    uri: str = Field(default="", description="Where the store keeps it (file:// or s3://).")


class WorkerResult(StrictModel):
    """What a worker reports when a job attempt ends."""

    job_id: str
    attempt: int = Field(ge=1)
    ok: bool
    output: dict[str, Any] = Field(default_factory=dict)
    artifacts: list[ArtifactMeta] = Field(default_factory=list[ArtifactMeta])
    error_code: str | None = None
    error_message: str | None = None
    duration_s: float = 0.0
    cost_usd: float = 0.0


class Claim(StrictModel):
    """What a worker gets when its claim is accepted: the task plus what it needs to run it."""

    task: TaskSpec
    lease_owner: str
    lease_s: float
    upstream_artifacts: list[ArtifactMeta] = Field(default_factory=list[ArtifactMeta])
    compensation: dict[str, Any] | None = Field(
        default=None, description="For compensation jobs: the target's params and output."
    )


class CommitReceipt(StrictModel):
    """The orchestrator's answer to a worker's result: accepted, or why not."""

    accepted: bool
    code: str | None = None
    reason: str = ""
