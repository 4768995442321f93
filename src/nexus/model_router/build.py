"""Build a ModelClient from the settings: the registry, health (shared through the cache in
cluster mode), the provider-job store and the spend/record ports the entry point supplies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from nexus.contracts.router import Capability
from nexus.core.cache import Cache, InProcessCache
from nexus.core.db import Database
from nexus.core.settings import Settings
from nexus.model_router.calls import OfflineEngine
from nexus.model_router.client import DispatchEvents, ModelClient
from nexus.model_router.health import HealthBoard, SharedHealth
from nexus.model_router.jobs import ProviderJobStore
from nexus.model_router.metering import Meter
from nexus.model_router.ports import CallRecorder, SpendGuard
from nexus.model_router.providers import ProviderRegistry, ProviderSpec
from nexus.safety import policy_from_settings


def build_client(
    settings: Settings,
    guard: SpendGuard | None,
    recorder: CallRecorder | None,
    cache: Cache | None,
    *,
    db: Database | None = None,
    extra_providers: Iterable[ProviderSpec] = (),
    offline: Mapping[Capability, OfflineEngine] | None = None,
    events: DispatchEvents | None = None,
) -> ModelClient:
    """``db``: where provider jobs are recorded (without one, ``resume_key`` only works
    within the process's lifetime... so pass the entry point's database). ``cache``: a
    Redis cache shares open circuits across processes; the in-process one needs no sync."""
    registry = ProviderRegistry.from_settings(settings.providers, extra_providers)
    health = HealthBoard(settings.router.breaker)
    shared = None
    if cache is not None and not isinstance(cache, InProcessCache):
        shared = SharedHealth(health, cache, sync_s=settings.router.health_sync_s)
    meter = Meter(guard, recorder, health, shared)
    jobs = ProviderJobStore(db) if db is not None else None
    return ModelClient(
        registry,
        settings.router,
        meter,
        jobs=jobs,
        shared=shared,
        offline=offline,
        events=events,
        safety_for=policy_from_settings(settings.safety),
    )
