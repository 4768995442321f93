"""The typed settings tree. Built once per entry point with ``load_settings`` and passed down.

Every value comes from ``NEXUS_*`` environment variables (nested with ``__``), an optional
YAML settings file (``NEXUS_SETTINGS_FILE``), or the defaults below, in that order of
precedence. Cluster mode is selected by URLs alone: a ``postgresql+asyncpg://`` database,
an ``amqp://`` broker, a ``redis://`` cache and an ``s3://`` store.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev-secret"}


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("nexus", appauthor=False))


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default: SQLite file in data_dir."
    )
    pool_size: int = Field(default=10, ge=1)
    echo: bool = False
    auto_migrate: bool = Field(
        default=True, description="Apply migrations on first use (embedded mode)."
    )
    step_commit: Literal["sync", "async"] = Field(
        default="async",
        description=(
            "PostgreSQL: how workers' claims and commits wait for the WAL flush. 'async' does "
            "not wait: a server crash may roll back the last ~0.6 s of steps, which then run "
            "again and commit once (like SQLite's WAL mode). User commands are always sync."
        ),
    )


class StorageSettings(BaseModel):
    url: str | None = Field(default=None, description="file:///path or s3://bucket/prefix.")
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    presign_ttl_s: int = Field(default=300, ge=1)


class BrokerSettings(BaseModel):
    url: str = Field(default="memory://", description="memory:// or amqp://user:pass@host/vhost")
    prefetch: int = Field(default=4, ge=1)


class CacheSettings(BaseModel):
    url: str = Field(default="memory://", description="memory:// or redis://host:port/db")
    key_prefix: str = "nexus:"


class OrchestratorSettings(BaseModel):
    lease_s: float = Field(default=30.0, gt=0)
    heartbeat_s: float | None = Field(default=None, description="Default: a third of lease_s.")
    concurrency: int = Field(default=4, ge=1, description="Async worker slots per process.")
    process_workers: int = Field(default=2, ge=0, description="Process pool for cpu skills.")
    sweep_interval_s: float = Field(default=2.0, gt=0)
    retry_base_s: float = Field(default=0.5, gt=0)
    retry_max_s: float = Field(default=60.0, gt=0)
    default_timeout_s: float = Field(default=600.0, gt=0)

    @property
    def heartbeat_interval_s(self) -> float:
        return self.heartbeat_s if self.heartbeat_s is not None else self.lease_s / 3


class GatewaySettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    jwt_secret: SecretStr = SecretStr("")
    access_token_ttl_s: int = Field(default=900, ge=30)
    refresh_token_ttl_s: int = Field(default=14 * 24 * 3600, ge=60)
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_story_bytes: int = Field(default=512 * 1024, ge=1024)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    login_attempts_per_minute: int = Field(default=10, ge=1)
    # The studio's first-run page may create the first admin while no user exists at all.
    first_run_setup: bool = True
    # The built studio (web/dist); None: the checkout's web/dist when it exists.
    web_dir: Path | None = None
    workers: int | None = Field(
        default=None,
        ge=1,
        description="uvicorn worker processes; default 1 for serve, one per core for api.",
    )
    operator_tenant: str | None = Field(
        default=None,
        description=(
            "Slug or id of the tenant whose admins change deployment-wide configuration "
            "(model providers); default: the first tenant created."
        ),
    )


ProviderKind = Literal["openai", "comfyui", "lipsync_http", "offline"]
CapabilityName = Literal[
    "chat", "json", "tools", "embeddings", "image", "speech", "video", "lipsync"
]


class PriceSettings(BaseModel):
    """A model's price table in USD (zero where it does not apply)."""

    model_config = ConfigDict(extra="forbid")

    input_per_mtok: float = Field(default=0.0, ge=0, description="Per 1M input tokens.")
    output_per_mtok: float = Field(default=0.0, ge=0, description="Per 1M output tokens.")
    per_image: float = Field(default=0.0, ge=0)
    per_audio_s: float = Field(default=0.0, ge=0, description="Per second of speech.")
    per_video_s: float = Field(default=0.0, ge=0, description="Per second of video.")


class ModelProfileSettings(BaseModel):
    """Per-model facts the router decides on: what it can do, its limits and its price."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    capabilities: list[CapabilityName] = Field(min_length=1)
    context: int = Field(default=8192, ge=0, description="Context window in tokens.")
    languages: list[str] = Field(default_factory=lambda: ["*"], description="'*' = any.")
    prices: PriceSettings = Field(default_factory=PriceSettings)
    concurrency: int = Field(default=4, ge=1, description="Concurrent calls per process.")
    pool: Literal["cpu", "gpu"] = Field(default="cpu", description="Worker pool of its jobs.")
    workflow: Path | None = Field(
        default=None, description="ComfyUI: the workflow JSON (API format) this model runs."
    )


class ProviderSettings(BaseModel):
    """One model provider: a wire format (kind), where it lives, its credentials and models."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    kind: ProviderKind
    base_url: str = ""
    api_key: SecretStr | None = Field(default=None, description="Prefer api_key_env/_file.")
    api_key_env: str | None = Field(default=None, description="Env var holding the key.")
    api_key_file: Path | None = Field(default=None, description="Secrets file with the key.")
    enabled: bool = True
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    poll_interval_s: float = Field(default=0.5, gt=0, description="Async jobs: poll period.")
    job_timeout_s: float = Field(default=900.0, gt=0, description="Async jobs: longest wait.")
    models: list[ModelProfileSettings] = Field(default_factory=list)


class BreakerSettings(BaseModel):
    """Per-provider circuit breaker: opens on error rate or slow calls, probes half-open."""

    model_config = ConfigDict(extra="forbid")

    window: int = Field(default=20, ge=1, description="Recent calls the rates are taken on.")
    min_calls: int = Field(default=5, ge=1, description="Calls before the breaker may open.")
    error_rate: float = Field(default=0.5, gt=0, le=1)
    slow_call_ms: float = Field(default=30_000.0, gt=0)
    slow_rate: float = Field(default=0.8, gt=0, le=1)
    open_s: float = Field(default=30.0, gt=0, description="How long it stays open.")
    half_open_probes: int = Field(default=1, ge=1)


class RouterSettings(BaseModel):
    """How the router chooses among providers."""

    model_config = ConfigDict(extra="forbid")

    preferences: dict[CapabilityName, list[str]] = Field(
        default_factory=dict, description="Per capability: 'provider' or 'provider/model'."
    )
    failover: bool = True
    retries_before_failover: int = Field(
        default=1, ge=0, description="Retries on a provider while another one could serve."
    )
    offline_fallback: bool = Field(
        default=True, description="The offline engines as the last resort, where they exist."
    )
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    health_sync_s: float = Field(
        default=1.0, gt=0, description="Cluster mode: how often breaker states are re-read."
    )
    refresh_s: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How often a process re-reads providers and projects' routing changed over the "
            "API by another process (0: only at start and on its own changes)."
        ),
    )
    voices: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Provider voice names for speech: a catalogue voice id (e.g. 'en-f1') or a "
            "gender/role ('narrator', 'female', 'male', 'unknown') -> the provider's voice."
        ),
    )


class BudgetsSettings(BaseModel):
    backend: Literal["auto", "sql", "redis"] = Field(
        default="auto",
        description=(
            "Where reservations are counted: 'sql' (row-locked counters in the database), "
            "'redis' (Lua scripts, reconciled to the database), 'auto' (redis when cache.url "
            "is redis://, else sql)."
        ),
    )
    hold_ttl_s: float = Field(
        default=3600.0,
        gt=0,
        description="A reservation never settled or released (a crashed worker) expires then.",
    )
    sweep_interval_s: float = Field(
        default=10.0, gt=0, description="How often orchestrators release expired holds."
    )
    reconcile_interval_s: float = Field(
        default=1.0, gt=0, description="Redis backend: how often settlements reach the database."
    )


class AssetMatchingSettings(BaseModel):
    """The studio's confidence rule for library assets (ADR 0240)."""

    min_score: float = Field(
        default=0.012, ge=0, description="The best candidate's fused (RRF) score must reach it."
    )
    min_margin: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Its lead over the runner-up, as a fraction of its score (0.2: 20 %).",
    )
    require_lexical: bool = Field(
        default=True, description="The best candidate must match by keyword, tag or entity."
    )
    candidates: int = Field(default=5, ge=2, le=50, description="Candidates asked per entity.")


class SlaSettings(BaseModel):
    """One SLA of a pipeline: ``quantile`` of its succeeded runs finish within ``duration_s``
    and at most ``max_failure_rate`` of its finished runs fail, over the last ``window_s``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,60}$", description="The objective's name.")
    pipeline: str = Field(min_length=1, max_length=100)
    quantile: float = Field(default=0.95, gt=0, lt=1)
    duration_s: float | None = Field(default=None, gt=0, description="None: no duration target.")
    max_failure_rate: float | None = Field(default=None, ge=0, le=1)
    window_s: float = Field(default=86_400.0, gt=0, le=3_153_600_000, description="<= 100 years.")
    min_samples: int = Field(default=5, ge=1, description="Fewer runs in the window: no_data.")

    @model_validator(mode="after")
    def _has_a_target(self) -> SlaSettings:
        if self.duration_s is None and self.max_failure_rate is None:
            raise ValueError(f"SLA {self.name!r} needs duration_s or max_failure_rate")
        return self


def default_slas() -> list[SlaSettings]:
    return [
        SlaSettings(name="studio-runs", pipeline="studio", duration_s=900, max_failure_rate=0.1),
        SlaSettings(name="demo-runs", pipeline="demo", duration_s=60, max_failure_rate=0.2),
    ]


class ObserverSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slas: list[SlaSettings] = Field(default_factory=default_slas)
    sla_interval_s: float = Field(
        default=60.0, gt=0, description="How often orchestrators evaluate the SLAs."
    )
    log_file: Path | None = Field(
        default=None,
        description="A JSON-lines log file that `nexus runs explain` searches for a job's lines.",
    )

    @model_validator(mode="after")
    def _unique_sla_names(self) -> ObserverSettings:
        names = [sla.name for sla in self.slas]
        if len(names) != len(set(names)):
            raise ValueError("observer.slas: every SLA needs its own name")
        return self


class SafetySettings(BaseModel):
    """Redaction of sensitive data in model calls (``nexus.safety``; the policy engine may
    decide per tenant through ``ModelClient.safety_for``). Logs and audit are always redacted."""

    redact_prompts: bool = Field(
        default=False,
        description="Replace emails, phone numbers, ID/card numbers, keys in chat prompts.",
    )
    redact_outputs: bool = Field(
        default=False, description="The same in chat outputs, before they are returned."
    )


class GovernanceSettings(BaseModel):
    enabled: bool = Field(
        default=True,
        description="Evaluate the tenant's policy at run creation and at every dispatch.",
    )
    approval_ttl_s: int = Field(
        default=86400, gt=0, description="An approval request a policy gives no TTL expires then."
    )
    sweep_interval_s: float = Field(
        default=2.0,
        gt=0,
        description="How often orchestrators file held jobs as approvals, expire old ones, "
        "write buffered decision audits and pick up policy changes.",
    )


class SandboxSettings(BaseModel):
    """Platform maxima for user skills (a manifest may ask for less, never more)."""

    max_wall_s: float = Field(default=30.0, gt=0, description="Wall-clock deadline per run.")
    max_memory_mb: int = Field(default=512, gt=0, description="Guest memory cap.")
    max_output_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    max_source_bytes: int = Field(default=512 * 1024, gt=0, description="Uploaded source.")
    native_enabled: bool = Field(
        default=True, description="The bubblewrap tier for native binaries (Linux only)."
    )
    native_max_pids: int = Field(default=16, gt=0, description="Native tier: process cap.")
    native_uid: int = Field(default=65534, ge=1, description="Native tier: unprivileged uid.")
    cache_dir: Path | None = Field(
        default=None, description="Compiled wasm modules; default <data_dir>/sandbox."
    )


class AssetsSettings(BaseModel):
    """The asset library (issue 12): upload limits, text chunking, search fusion."""

    model_config = ConfigDict(extra="forbid")

    max_image_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_audio_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    max_text_bytes: int = Field(default=4 * 1024 * 1024, ge=16)
    max_image_pixels: int = Field(default=64_000_000, ge=1, description="Refuses pixel bombs.")
    chunk_chars: int = Field(default=600, ge=100, description="Text references: chunk size.")
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal rank fusion constant (ADR 0234).")
    candidates: int = Field(default=50, ge=1, description="Per method, before fusion.")
    bilingual: bool = Field(
        default=True, description="Keyword queries also in the other language (ADR 0245)."
    )
    embed_batch: int = Field(default=32, ge=1)
    vectors_path: Path | None = Field(
        default=None,
        description="Embedded: the sqlite-vec file; default data_dir/assets-vectors.db.",
    )


class TelemetrySettings(BaseModel):
    """Traces (OpenTelemetry, docs/observability.md) and the cluster processes' metrics port."""

    enabled: bool = Field(default=False, description="Off: no span is ever created.")
    exporter: Literal["otlp", "file", "none"] = Field(
        default="file", description="otlp: OTLP/HTTP to endpoint; file: JSON lines in file_path."
    )
    endpoint: str = Field(
        default="http://127.0.0.1:4318/v1/traces", description="OTLP/HTTP traces endpoint."
    )
    sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0, description="Head sampling ratio.")
    file_path: Path | None = Field(
        default=None, description="File exporter's JSON lines; default data_dir/traces.jsonl."
    )
    service_name: str | None = Field(
        default=None, description="service.name; default nexus-<process> (api, worker...)."
    )
    instrument_libraries: bool = Field(
        default=False,
        description="Also trace httpx, asyncpg, redis and aio-pika calls (opt-in, ADR 0258).",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEXUS_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default_factory=default_data_dir)
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    orchestrator: OrchestratorSettings = Field(default_factory=OrchestratorSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    providers: list[ProviderSettings] = Field(default_factory=list)
    router: RouterSettings = Field(default_factory=RouterSettings)
    budgets: BudgetsSettings = Field(default_factory=BudgetsSettings)
    asset_matching: AssetMatchingSettings = Field(default_factory=AssetMatchingSettings)
    observer: ObserverSettings = Field(default_factory=ObserverSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    governance: GovernanceSettings = Field(default_factory=GovernanceSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    assets: AssetsSettings = Field(default_factory=AssetsSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    metrics_port: int = Field(
        default=9100, ge=0, le=65535, description="/metrics port of orchestrator/worker; 0: off."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        settings_file = os.environ.get("NEXUS_SETTINGS_FILE")
        if settings_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=settings_file))
        return tuple(sources)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.env == "production":
            secret = self.gateway.jwt_secret.get_secret_value()
            if secret in PLACEHOLDER_SECRETS or len(secret) < 32:
                raise ValueError(
                    "gateway.jwt_secret must be a real secret of 32+ characters in production"
                )
        return self

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{self.data_dir / 'nexus.db'}"

    @property
    def storage_url(self) -> str:
        return self.storage.url or (self.data_dir / "artifacts").as_uri()

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build the settings tree once for an entry point."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise NexusError(ErrorCode.CONFIG_INVALID, str(exc)) from exc
