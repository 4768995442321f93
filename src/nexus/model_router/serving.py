"""The serving half of the ModelClient: the registry, the candidates for a capability (pure
``route``), and ``_serve``: meter, call and fail over down the candidates. ``ModelClient``
(client.py) adds the calls callers make (chat, embed, image, ...)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from nexus.contracts.router import CallScope, Capability, Usage
from nexus.contracts.tasks import DispatchDecision
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger
from nexus.core.settings import RouterSettings
from nexus.model_router import decide, observe, profiles
from nexus.model_router.calls import Calls, OfflineEngine
from nexus.model_router.decide import NO_PROJECT, Candidate, ProjectRouting
from nexus.model_router.fallback import run_with_failover
from nexus.model_router.health import HealthBoard, SharedHealth
from nexus.model_router.jobs import ProviderJobStore
from nexus.model_router.metering import Meter
from nexus.model_router.providers import ProviderRegistry
from nexus.model_router.results import CallResult
from nexus.model_router.streaming import DeltaSink
from nexus.safety import SafetyPolicy, SafetyPolicyFor

R = TypeVar("R", bound=CallResult)
log = get_logger(__name__)


class DispatchEvents(Protocol):
    async def failed_over(
        self, scope: CallScope, capability: Capability, data: dict[str, Any]
    ) -> None:
        """A call moved from one provider to the next (``nexus.dispatch.failed_over``)."""
        ...


class Serving:
    def __init__(
        self,
        registry: ProviderRegistry,
        settings: RouterSettings,
        meter: Meter,
        *,
        jobs: ProviderJobStore | None = None,
        shared: SharedHealth | None = None,
        offline: Mapping[Capability, OfflineEngine] | None = None,
        events: DispatchEvents | None = None,
        safety_for: SafetyPolicyFor | None = None,
    ) -> None:
        self.registry = registry
        # Whether a call's prompt and output are redacted (Settings.safety; the policy
        # engine may replace it with its own per-scope answer).
        self.safety_for: SafetyPolicyFor = safety_for or (lambda _scope: SafetyPolicy())
        self.settings = settings
        self.meter = meter
        self.health: HealthBoard = meter.health
        self.shared = shared
        self.events = events
        self.calls = Calls(registry, jobs, dict(offline or {}))
        # Projects' own routing (project id -> preferences); replaced whole by ``reload``.
        self.projects: Mapping[str, ProjectRouting] = {}

    # -- deciding (pure) ---------------------------------------------------------------
    def candidates(
        self,
        capability: Capability,
        *,
        prefer: str | None = None,
        language: str | None = None,
        project_id: str | None = None,
    ) -> tuple[list[Candidate], list[str]]:
        project = self.projects.get(project_id, NO_PROJECT) if project_id else NO_PROJECT
        return decide.plan(
            self.registry,
            capability,
            self.settings,
            self.health,
            prefer=prefer,
            language=language,
            project=project,
        )

    def route(
        self,
        capability: Capability,
        *,
        prefer: str | None = None,
        job_id: str = "",
        pool: str = "cpu",
        size: float = 1.0,
        remaining_usd: float | None = None,
        project_id: str | None = None,
    ) -> DispatchDecision:
        """Which provider and model would serve ``capability`` now, and why. No I/O.
        ``size``: tokens, images or seconds of the request (for the estimate);
        ``remaining_usd``: skip candidates whose estimate the budget cannot cover."""
        chosen, skipped = self.candidates(capability, prefer=prefer, project_id=project_id)
        usage = profiles.estimate_usage(capability, size)
        costs = {c.label: c.model.prices.cost(usage) for c in chosen}
        affordable = decide.within_budget(chosen, costs, remaining_usd)
        if len(affordable) < len(chosen):
            skipped = [*skipped, f"{len(chosen) - len(affordable)} over the remaining budget"]
        estimate = costs[affordable[0].label] if affordable else 0.0
        return decide.decision_for(job_id, affordable, skipped, pool, estimate)

    def available(self, capability: Capability) -> bool:
        """A non-offline provider for ``capability`` is configured and enabled."""
        return any(
            spec.enabled and not spec.offline and spec.capable(capability)
            for spec in self.registry.providers.values()
        )

    async def _serve(
        self,
        scope: CallScope,
        capability: Capability,
        estimate: Usage,
        invoke: Callable[[Candidate], Awaitable[R]],
        *,
        prefer: str | None,
        language: str | None = None,
        sink: DeltaSink | None = None,
    ) -> R:
        """``sink``: a streamed chat's deltas; once one reached the caller, an error is the
        call's answer (no other candidate is tried)."""
        if self.shared is not None:
            await self.shared.sync(list(self.registry.providers))
        chosen, skipped = self.candidates(
            capability, prefer=prefer, language=language, project_id=scope.project_id
        )
        if not chosen:
            decide.decision_for(scope.job_id or "", chosen, skipped, "cpu", 0.0)  # raises
        hops: list[str] = []

        async def attempt(c: Candidate) -> R:
            try:
                return await self.meter.call(scope, capability, c, estimate, lambda: invoke(c))
            except NexusError as exc:
                if sink is not None:
                    sink.mark(exc)
                raise

        async def hop(failed: Candidate, to: Candidate, exc: NexusError) -> None:
            hops.append(failed.label)
            await self._failed_over(scope, capability, failed, to, exc)

        result = await run_with_failover(
            chosen,
            attempt,
            failover=self.settings.failover,
            estimate_usd=lambda c: c.model.prices.cost(estimate),
            on_hop=hop,
            retries_before_failover=self.settings.retries_before_failover,
        )
        if hops:
            result = dataclasses.replace(result, failed_over_from=tuple(hops))
        return result

    async def _failed_over(
        self,
        scope: CallScope,
        capability: Capability,
        failed: Candidate,
        to: Candidate,
        exc: NexusError,
    ) -> None:
        data = {
            "from_provider": failed.provider.name,
            "from_model": failed.model.name,
            "to_provider": to.provider.name,
            "to_model": to.model.name,
            "code": exc.code.value,
            "reason": exc.detail[:300],
            "capability": capability,
        }
        log.warning("nexus.dispatch.failed_over", job_id=scope.job_id, **data)
        observe.failed_over(capability, failed.provider.name, to.provider.name)
        if self.events is not None:
            await self.events.failed_over(scope, capability, data)

    async def reload(
        self, registry: ProviderRegistry, projects: Mapping[str, ProjectRouting] | None = None
    ) -> None:
        """Use another registry (providers added or switched over the API) and, when given,
        other project preferences. Adapters of unchanged providers are kept; the others are
        retired, not closed under in-flight calls (closed with the client)."""
        self.registry = registry
        self.calls.reload(registry)
        if projects is not None:
            self.projects = projects

    async def close(self) -> None:
        await self.calls.close()
