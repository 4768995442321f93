"""The policy gate: every dispatch asks the tenant's policy first (action ``job.dispatch``,
resource the skill), then the gate it wraps (the router's).

deny -> the job is denied (``policy_denied`` with the policy's reasons, the run fails);
needs_approval -> the job is held (``awaiting_approval``; the policy upkeep files the
approval request); allow -> the inner gate decides. ``review`` does no I/O. Every decision
is counted (``nexus_policy_decisions_total{action, verdict}``); only deny and needs_approval
are kept, in a bounded buffer the upkeep writes to the audit log in batches: an allowed
dispatch is the normal case, already visible in the job's events (ADR 0206, amending 0214).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import PolicyDecision, PolicyInput, PolicyResource, Principal
from nexus.core.metrics import POLICY_DECISIONS
from nexus.core.registry import Registry
from nexus.governance.book import PolicyBook
from nexus.orchestrator.gate import DispatchGate, GateRequest, Verdict

MAX_BUFFERED = 50_000  # decisions awaiting their audit row; past it the oldest are counted


@dataclass(frozen=True)
class GateDecision:
    request: GateRequest
    policy_input: PolicyInput
    decision: PolicyDecision


def resource_of(
    registry: Registry,
    skill: str,
    version: str,
    params: Mapping[str, Any] | None = None,
    run_tenant_id: str | None = None,
) -> PolicyResource:
    """The skill as the policy sees it: its origin, category and owner when the registry
    knows them (a ``SkillSpec`` on the skill, or the same attributes on it). A node that
    runs a tenant's uploaded skill (``user_skill_param``) is that skill: origin "user", owned
    by the run's tenant (the sandbox loads it from there), ADR 0208."""
    found: Any = registry.skills.get(skill)
    spec: Any = getattr(found, "spec", None) or found
    ref = user_skill_ref(found, params)
    if ref is not None:
        name, _, ref_version = ref.rpartition("@")
        return PolicyResource(
            kind="skill",
            name=name or ref,
            version=ref_version if name else None,
            category=getattr(spec, "category", None),
            origin="user",
            tenant_id=run_tenant_id,
        )
    return PolicyResource(
        kind="skill",
        name=skill,
        version=version,
        category=getattr(spec, "category", None),
        origin="user" if getattr(spec, "origin", "builtin") == "user" else "builtin",
        tenant_id=getattr(spec, "tenant_id", None),
    )


def user_skill_ref(entry: Any, params: Mapping[str, Any] | None) -> str | None:
    param = getattr(entry, "user_skill_param", "")
    if not param or params is None:
        return None
    ref = params.get(param)
    return ref if isinstance(ref, str) and ref else None


def dispatch_input(registry: Registry, request: GateRequest) -> PolicyInput:
    resource = resource_of(
        registry, request.skill, request.skill_version, request.params, request.tenant_id
    )
    return PolicyInput(
        action="job.dispatch",
        principal=Principal(tenant_id=request.tenant_id, via="system"),
        resource=resource,
        context=dispatch_context(request),
    )


def dispatch_context(request: GateRequest) -> dict[str, Any]:
    return {
        "run_id": request.run_id,
        "job_id": request.job_id,
        "node_key": request.node_key,
        "project_id": request.project_id,
        "pool": request.pool,
        "resource_class": request.resource_class,
    }


class DispatchInputs:
    """``dispatch_input`` with its validated parts reused: the principal per tenant, the
    resource per (skill, version) while the registry holds the same entry for the skill
    (a replaced entry is looked up again). Only the context is new per job; the parts are
    already valid, so the input is assembled without validating them again."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._principals: dict[str, Principal] = {}
        self._resources: dict[tuple[str, str], tuple[object, PolicyResource]] = {}

    def __call__(self, request: GateRequest) -> PolicyInput:
        principal = self._principals.get(request.tenant_id)
        if principal is None:
            principal = Principal(tenant_id=request.tenant_id, via="system")
            if len(self._principals) > 10_000:
                self._principals.clear()
            self._principals[request.tenant_id] = principal
        entry = self.registry.skills.get(request.skill)
        if getattr(entry, "user_skill_param", ""):  # the resource is in the job's params
            return dispatch_input(self.registry, request)
        key = (request.skill, request.skill_version)
        known = self._resources.get(key)
        if known is None or known[0] is not entry:
            known = (entry, resource_of(self.registry, request.skill, request.skill_version))
            if len(self._resources) > 10_000:
                self._resources.clear()
            self._resources[key] = known
        return PolicyInput.model_construct(
            action="job.dispatch",
            principal=principal,
            resource=known[1],
            context=dispatch_context(request),
        )


class PolicyGate:
    def __init__(self, inner: DispatchGate, book: PolicyBook, registry: Registry) -> None:
        self.inner = inner
        self.book = book
        self.registry = registry
        self.inputs = DispatchInputs(registry)
        self.buffer: deque[GateDecision] = deque()
        self.dropped = 0
        self.counted: dict[str, int] = {"allow": 0, "deny": 0, "needs_approval": 0}
        self._metric = {v: POLICY_DECISIONS.labels("job.dispatch", v) for v in self.counted}

    def review(self, request: GateRequest) -> Verdict:
        policy_input = self.inputs(request)
        decision = self.book.evaluate(policy_input)
        self.counted[decision.verdict] += 1
        self._metric[decision.verdict].inc()
        if decision.verdict == "allow":
            return self.inner.review(request)
        if len(self.buffer) >= MAX_BUFFERED:
            self.buffer.popleft()
            self.dropped += 1
        self.buffer.append(GateDecision(request, policy_input, decision))
        if decision.verdict == "deny":
            return Verdict("deny", code=ErrorCode.POLICY_DENIED, reason="; ".join(decision.reasons))
        return Verdict("hold", reason="; ".join(decision.reasons))

    def take(self, limit: int = 1000) -> list[GateDecision]:
        taken: list[GateDecision] = []
        while self.buffer and len(taken) < limit:
            taken.append(self.buffer.popleft())
        return taken
