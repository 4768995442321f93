"""The router's gate: jobs of skills that call a model are routed at dispatch.

A skill registered with a ``capability`` gets the router's ``DispatchDecision`` (provider,
model, pool, estimated cost, reason); when no enabled, healthy provider can serve it (and
the offline engines may not), the job is denied with ``no_capable_provider``. Skills
without a capability pass through exactly as with ``PassThroughGate``. ``review`` stays
side-effect free: the router's ``route`` reads in-memory state only (ADR 0121).
"""

from __future__ import annotations

from typing import Protocol

from nexus.contracts.router import Capability
from nexus.contracts.tasks import DispatchDecision
from nexus.core.errors import NexusError
from nexus.core.registry import Registry
from nexus.orchestrator.gate import GateRequest, PassThroughGate, Verdict


class Router(Protocol):
    def route(
        self,
        capability: Capability,
        *,
        prefer: str | None = None,
        job_id: str = "",
        pool: str = "cpu",
        size: float = 1.0,
        project_id: str | None = None,
    ) -> DispatchDecision: ...


class RouterGate:
    def __init__(self, registry: Registry, router: Router) -> None:
        self.registry = registry
        self.router = router
        self.passthrough = PassThroughGate()

    def _capability(self, skill: str) -> Capability | None:
        found = self.registry.skills.get(skill)
        return found.capability if found is not None else None

    def review(self, request: GateRequest) -> Verdict:
        capability = self._capability(request.skill)
        if capability is None:
            return self.passthrough.review(request)
        try:
            decision = self.router.route(
                capability, job_id=request.job_id, pool=request.pool, project_id=request.project_id
            )
        except NexusError as exc:
            return Verdict("deny", code=exc.code, reason=exc.detail)
        return Verdict("dispatch", decision, reason=decision.reason)
