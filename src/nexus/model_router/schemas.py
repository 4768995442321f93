"""Wire shapes of the provider registry for the API and the CLI: never a credential, only
where it is read from."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from nexus.core.settings import CapabilityName
from nexus.model_router.health import HealthBoard
from nexus.model_router.providers import ProviderSpec


class ModelProfile(BaseModel):
    name: str
    capabilities: list[CapabilityName]
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
    tool_models: list[str] = Field(
        default_factory=list, description="Its models that declare 'tools' (agent turns)."
    )
    unlisted: list[str] = Field(
        default_factory=list,
        description="Declared models the provider's model list leaves out (OpenAI-compatible).",
    )


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


RefList = Annotated[
    list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}(/[^\s]{1,200})?$")]],
    Field(max_length=8),
]


class ProjectRoutingBody(BaseModel):
    """A project's routing: per capability, 'provider' or 'provider/model' refs tried first
    (before the configured preferences); ``offline_fallback`` null = the router's setting."""

    model_config = ConfigDict(extra="forbid")

    preferences: dict[CapabilityName, RefList] = Field(default_factory=dict)
    offline_fallback: bool | None = None


class ProjectRouting(ProjectRoutingBody):
    project_id: str
    version: int = 0
    updated_at: datetime | None = None
    effective: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per capability: the provider/model candidates in the order tried now.",
    )
