"""The run-creation check: the tenant's policy answers ``run.create`` before anything is
written; deny is ``policy_denied`` (403) with the reasons, needs_approval holds the run's
root jobs (``RunHold``, filed with the run in its transaction; ADR 0212)."""

from __future__ import annotations

import time
from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import PolicyDecision, PolicyInput, PolicyResource, Principal
from nexus.core.errors import NexusError
from nexus.core.metrics import POLICY_DECISIONS
from nexus.core.redaction import redact_value
from nexus.orchestrator.policy_approvals import RunHold
from nexus.platform import Platform

_refreshed: dict[int, float] = {}


async def fresh_policies(platform: Platform) -> None:
    """At most once per sweep interval, pick up versions another process wrote."""
    now = time.monotonic()
    key = id(platform.policies)
    if now - _refreshed.get(key, 0.0) < platform.settings.governance.sweep_interval_s:
        return
    _refreshed[key] = now
    await platform.reload_policies()


def run_create_input(
    *,
    user_id: str,
    tenant_id: str,
    role: str,
    via: str,
    pipeline: str,
    project_id: str,
    estimated_cost_usd: float | None,
    budget_usd: float | None = None,
) -> PolicyInput:
    """The question at run creation (the story text is not part of it: size, privacy)."""
    context: dict[str, Any] = {"project_id": project_id}
    if budget_usd is not None:
        context["budget_usd"] = budget_usd
    if estimated_cost_usd is not None:
        context["estimated_cost_usd"] = estimated_cost_usd
    return PolicyInput(
        action="run.create",
        principal=Principal(
            user_id=user_id,
            tenant_id=tenant_id,
            roles=[role],
            via="api_key" if via == "api_key" else "user",
        ),
        resource=PolicyResource(kind="pipeline", name=pipeline, origin="builtin"),
        context=context,
    )


async def check_run_create(
    platform: Platform, request: PolicyInput
) -> tuple[PolicyDecision, RunHold | None]:
    if not platform.settings.governance.enabled:
        return PolicyDecision(verdict="allow", reasons=["governance disabled"]), None
    await fresh_policies(platform)
    decision = platform.policies.evaluate(request)
    POLICY_DECISIONS.labels(request.action, decision.verdict).inc()
    if decision.verdict == "needs_approval":
        hold = RunHold(request, decision, platform.settings.governance.approval_ttl_s)
        return decision, hold
    return decision, None


def denied(decision: PolicyDecision) -> NexusError:
    return NexusError(ErrorCode.POLICY_DENIED, "; ".join(decision.reasons))


def audit_detail(request: PolicyInput, decision: PolicyDecision) -> dict[str, Any]:
    """What the audit log keeps of a decision: the verdict, reasons, version, the input
    redacted (the one redaction function)."""
    return {
        "policy_action": request.action,
        "verdict": decision.verdict,
        "reasons": decision.reasons,
        "policy_version": decision.policy_version,
        "input": redact_value(request.model_dump(mode="json")),
    }


async def reset_refresh(platform: Platform) -> None:
    """After a PUT in this process: the next check reads the store again."""
    _refreshed.pop(id(platform.policies), None)
