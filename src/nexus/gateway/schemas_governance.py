"""Request and response bodies of the policy and approval routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.contracts.governance import PolicyDecision, PolicyInput


class PolicyTestCase(StrictModel):
    name: str | None = Field(default=None, max_length=200)
    input: PolicyInput
    expect: Literal["allow", "deny", "needs_approval"]


class PolicySet(StrictModel):
    source: str = Field(min_length=1, max_length=64 * 1024, description="One Rego module.")
    tests: list[PolicyTestCase] = Field(
        default_factory=list,
        max_length=500,
        description="Cases the policy must pass before it takes effect.",
    )
    comment: str = Field(default="", max_length=500)


class Policy(StrictModel):
    tenant_id: str
    version: int = Field(description="0: the built-in default (no policy written yet).")
    package: str
    syntax: Literal["v1", "v0"]
    source: str
    tests: list[dict[str, Any]] = Field(default_factory=list)
    comment: str = ""
    created_by: str | None = None
    created_at: datetime | None = None


class PolicyHistory(StrictModel):
    items: list[Policy]


class PolicyEvaluation(StrictModel):
    input: PolicyInput
    decision: PolicyDecision


class PolicyEvaluate(StrictModel):
    input: PolicyInput
    source: str | None = Field(
        default=None, max_length=64 * 1024, description="A draft to try instead of the current."
    )


class Approval(StrictModel):
    approval_id: str
    tenant_id: str
    project_id: str
    run_id: str
    job_id: str | None = Field(description="None: the run's creation is held.")
    action: str
    resource: str
    requested_by: str | None
    reasons: list[str]
    policy_version: int
    input_digest: str
    status: Literal["pending", "approved", "rejected", "expired"]
    decided_by: str | None
    decided_at: datetime | None
    note: str
    expires_at: datetime
    created_at: datetime
    version: int


class ApprovalPage(StrictModel):
    items: list[Approval]


class ApprovalDecide(StrictModel):
    reason: str = Field(default="", max_length=500)
    job_id: str | None = Field(
        default=None, max_length=64, description="If given, must be the approval's own job."
    )
