"""The routing decision: which provider and model serve a capability, in which order.

Pure: it reads the registry, the preferences, the breakers' current states and (when
given) the remaining budget, and does no I/O, so the orchestrator's gate can ask it on the
hot path. Order: the caller's ``prefer``, the project's preferences, the configured
preferences for the capability, the other enabled providers in configuration order, the
offline engines last (when the project, else the router, allows them). Open circuits and
models the budget cannot cover are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import Capability
from nexus.contracts.tasks import DispatchDecision
from nexus.core.errors import NexusError
from nexus.core.settings import RouterSettings
from nexus.model_router.health import HealthBoard
from nexus.model_router.profiles import ModelProfile
from nexus.model_router.providers import OFFLINE, ProviderRegistry, ProviderSpec


@dataclass(frozen=True)
class Candidate:
    provider: ProviderSpec
    model: ModelProfile
    reason: str

    @property
    def label(self) -> str:
        return f"{self.provider.name}/{self.model.name}"


@dataclass(frozen=True)
class ProjectRouting:
    """A project's routing preferences: provider/model refs per capability, tried before the
    configured ones, and whether the offline engines may serve it (None: the router's)."""

    preferences: Mapping[str, Sequence[str]] = field(default_factory=dict[str, Sequence[str]])
    offline_fallback: bool | None = None


NO_PROJECT = ProjectRouting()


def _split(ref: str) -> tuple[str, str | None]:
    provider, _, model = ref.partition("/")
    return provider, model or None


def _ordered_refs(
    registry: ProviderRegistry,
    capability: Capability,
    settings: RouterSettings,
    prefer: str | None,
    project: ProjectRouting,
) -> list[tuple[str, str | None, str]]:
    refs: list[tuple[str, str | None, str]] = []
    offline_fallback = (
        settings.offline_fallback if project.offline_fallback is None else project.offline_fallback
    )
    if prefer:
        refs.append((*_split(prefer), "preferred by the caller"))
    refs.extend((*_split(r), "project preference") for r in project.preferences.get(capability, ()))
    refs.extend(
        (*_split(r), "configured preference") for r in settings.preferences.get(capability, [])
    )
    refs.extend((name, None, "capable") for name in registry.providers if name != OFFLINE)
    if offline_fallback:
        refs.append((OFFLINE, None, "offline fallback"))
    return refs


def plan(
    registry: ProviderRegistry,
    capability: Capability,
    settings: RouterSettings,
    health: HealthBoard,
    *,
    prefer: str | None = None,
    language: str | None = None,
    project: ProjectRouting = NO_PROJECT,
) -> tuple[list[Candidate], list[str]]:
    """Candidates in failover order, and why the others were passed over. ``project``: the
    project's own preferences (before the configured ones) and offline switch."""
    chosen: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    skipped: list[str] = []
    order = _ordered_refs(registry, capability, settings, prefer, project)
    for name, model_name, reason in order:
        spec = registry.providers.get(name)
        if spec is None:
            skipped.append(f"{name}: not configured")
            continue
        if not spec.enabled:
            skipped.append(f"{name}: disabled")
            continue
        if not health.allows(name):
            skipped.append(f"{name}: circuit {health.state(name)}")
            continue
        for model in spec.capable(capability):
            key = (name, model.name)
            if key in seen or (model_name and model.name != model_name):
                continue
            if not model.speaks(language):
                continue
            seen.add(key)
            chosen.append(Candidate(spec, model, reason))
    return chosen, skipped


def within_budget(
    candidates: list[Candidate], estimate_usd: dict[str, float], remaining_usd: float | None
) -> list[Candidate]:
    """Drop candidates whose estimate exceeds what the budget has left (free ones stay)."""
    if remaining_usd is None:
        return candidates
    return [c for c in candidates if estimate_usd.get(c.label, 0.0) <= remaining_usd]


def decision_for(
    job_id: str, candidates: list[Candidate], skipped: list[str], pool: str, estimate: float
) -> DispatchDecision:
    if not candidates:
        raise NexusError(
            ErrorCode.NO_CAPABLE_PROVIDER,
            "no enabled, healthy provider can do this"
            + (f" ({'; '.join(skipped)})" if skipped else ""),
        )
    first = candidates[0]
    reason = first.reason
    if skipped:
        reason += "; passed over " + ", ".join(skipped)
    return DispatchDecision(
        job_id=job_id,
        provider=first.provider.name,
        model=first.model.name,
        pool=pool if first.provider.offline else first.model.pool,
        estimated_cost_usd=estimate,
        reason=reason,
    )
