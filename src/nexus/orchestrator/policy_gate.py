"""The policy gate: every dispatch asks the tenant's policy first (action ``job.dispatch``,
resource the skill), then the gate it wraps (the router's).

deny -> the job is denied (``policy_denied`` with the policy's reasons, the run fails);
needs_approval -> the job is held (``awaiting_approval``; the policy upkeep files the
approval request); allow -> the inner gate decides. ``review`` does no I/O: the decision is
kept in a bounded buffer the upkeep writes to the audit log in batches (ADR 0214).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import PolicyDecision, PolicyInput, PolicyResource, Principal
from nexus.core.registry import Registry
from nexus.governance.book import PolicyBook
from nexus.orchestrator.gate import DispatchGate, GateRequest, Verdict

MAX_BUFFERED = 50_000  # decisions awaiting their audit row; past it the oldest are counted


@dataclass(frozen=True)
class GateDecision:
    request: GateRequest
    policy_input: PolicyInput
    decision: PolicyDecision


def resource_of(registry: Registry, skill: str, version: str) -> PolicyResource:
    """The skill as the policy sees it: its origin, category and owner when the registry
    knows them (a ``SkillSpec`` on the skill, or the same attributes on it)."""
    found: Any = registry.skills.get(skill)
    spec: Any = getattr(found, "spec", None) or found
    return PolicyResource(
        kind="skill",
        name=skill,
        version=version,
        category=getattr(spec, "category", None),
        origin="user" if getattr(spec, "origin", "builtin") == "user" else "builtin",
        tenant_id=getattr(spec, "tenant_id", None),
    )


def dispatch_input(registry: Registry, request: GateRequest) -> PolicyInput:
    return PolicyInput(
        action="job.dispatch",
        principal=Principal(tenant_id=request.tenant_id, via="system"),
        resource=resource_of(registry, request.skill, request.skill_version),
        context={
            "run_id": request.run_id,
            "job_id": request.job_id,
            "node_key": request.node_key,
            "project_id": request.project_id,
            "pool": request.pool,
            "resource_class": request.resource_class,
        },
    )


class PolicyGate:
    def __init__(self, inner: DispatchGate, book: PolicyBook, registry: Registry) -> None:
        self.inner = inner
        self.book = book
        self.registry = registry
        self.buffer: deque[GateDecision] = deque()
        self.dropped = 0

    def review(self, request: GateRequest) -> Verdict:
        policy_input = dispatch_input(self.registry, request)
        decision = self.book.evaluate(policy_input)
        if len(self.buffer) >= MAX_BUFFERED:
            self.buffer.popleft()
            self.dropped += 1
        self.buffer.append(GateDecision(request, policy_input, decision))
        if decision.verdict == "deny":
            return Verdict("deny", code=ErrorCode.POLICY_DENIED, reason="; ".join(decision.reasons))
        if decision.verdict == "needs_approval":
            return Verdict("hold", reason="; ".join(decision.reasons))
        return self.inner.review(request)

    def take(self, limit: int = 1000) -> list[GateDecision]:
        taken: list[GateDecision] = []
        while self.buffer and len(taken) < limit:
            taken.append(self.buffer.popleft())
        return taken
