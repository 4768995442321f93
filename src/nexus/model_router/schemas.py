"""Wire shapes of the provider registry for the API and the CLI: never a credential, only
where it is read from."""

from __future__ import annotations

from pydantic import BaseModel

from nexus.model_router.health import HealthBoard
from nexus.model_router.providers import ProviderSpec


class ModelProfile(BaseModel):
    name: str
    capabilities: list[str]
    context: int
    languages: list[str]
    prices: dict[str, float]
    concurrency: int
    pool: str
    workflow: str | None = None


class Provider(BaseModel):
    name: str
    kind: str
    base_url: str
    enabled: bool
    source: str  # settings | api | builtin
    credential: str  # env:VAR | file:PATH | inline | none
    circuit: str  # closed | open | half_open
    models: list[ModelProfile]


class ProviderPage(BaseModel):
    items: list[Provider]
    total: int


class ProviderProbe(BaseModel):
    provider: str
    ok: bool
    latency_ms: float
    detail: str
    code: str | None = None


def provider_view(spec: ProviderSpec, health: HealthBoard) -> Provider:
    return Provider(
        name=spec.name,
        kind=spec.kind,
        base_url=spec.base_url,
        enabled=spec.enabled,
        source=spec.source,
        credential=spec.credential,
        circuit=health.state(spec.name),
        models=[
            ModelProfile(
                name=m.name,
                capabilities=sorted(m.capabilities),
                context=m.context,
                languages=list(m.languages),
                prices={k: v for k, v in vars(m.prices).items() if v},
                concurrency=m.concurrency,
                pool=m.pool,
                workflow=m.workflow,
            )
            for m in spec.models
        ],
    )


def provider_page(specs: list[ProviderSpec], health: HealthBoard) -> ProviderPage:
    items = [provider_view(s, health) for s in specs]
    return ProviderPage(items=items, total=len(items))
