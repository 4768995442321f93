"""API schemas (pydantic): ``<Thing>Create``, ``<Thing>Update``, ``<Thing>``, ``<Thing>Page``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from nexus.contracts import studio
from nexus.gateway.security import SCOPES

Scope = Literal[
    "projects:read",
    "projects:write",
    "runs:read",
    "runs:write",
    "artifacts:read",
    "keys:manage",
    "admin",
]
RoleName = Literal["admin", "editor", "viewer", "approver"]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# SQLite hands back naive datetimes; the wire always carries an offset (RFC 3339).
Time = Annotated[datetime, AfterValidator(_utc)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldProblem(Output):
    field: str
    message: str


class Problem(Output):
    """RFC 9457 problem details, extended with the Nexus error code."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str
    retryable: bool
    trace_id: str | None = None
    errors: list[FieldProblem] | None = None


# ------------------------------------------------------------------ auth
class LoginRequest(Input):
    email: Email
    password: str = Field(min_length=1, max_length=1024)
    tenant: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Tenant slug; default: the user's first tenant.",
    )


class RefreshRequest(Input):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenPair(Output):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    tenant_id: str
    role: RoleName


class Me(Output):
    user_id: str
    email: str
    display_name: str
    tenant_id: str
    role: RoleName
    scopes: list[str]
    auth: Literal["user", "api_key"]


# ------------------------------------------------------------------ api keys
class ApiKeyCreate(Input):
    name: Name
    scopes: list[Scope] = Field(min_length=1, max_length=len(SCOPES))
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKey(Output):
    key_id: str
    user_id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: Time
    expires_at: Time | None
    last_used_at: Time | None
    revoked_at: Time | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The secret key. Shown once; store it now.")


class ApiKeyPage(Output):
    items: list[ApiKey]


# ------------------------------------------------------------------ members
class MemberCreate(Input):
    email: Email
    password: str = Field(min_length=12, max_length=1024)
    role: RoleName
    display_name: str = Field(default="", max_length=200)


class MemberUpdate(Input):
    """Fields left out (or null) stay as they are. Send ``If-Match`` with the member's ETag
    to refuse a change made meanwhile (412)."""

    role: RoleName | None = None
    suspended: bool | None = Field(
        default=None, description="Suspend (true) or resume (false) the membership."
    )


class Member(Output):
    user_id: str
    email: str
    display_name: str
    role: RoleName
    suspended: bool = Field(description="A suspended member cannot log in or use any key.")
    version: int = Field(description="Rises with every change; the ETag is its quoted value.")
    created_at: Time

    @model_validator(mode="before")
    @classmethod
    def _suspension(cls, value: Any) -> Any:
        if hasattr(value, "suspended_at"):
            return {**value._mapping, "suspended": value.suspended_at is not None}
        return value


class MemberPage(Output):
    items: list[Member]


# ------------------------------------------------------------------ projects
class ProjectSettings(Input):
    language: Literal["auto", "en", "zh"] = "auto"
    resolution: Literal["480p", "720p", "1080p"] = "720p"
    narrator_voice: str | None = Field(default=None, min_length=1, max_length=100)
    voices: dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=100)]] = (
        Field(default_factory=dict, max_length=200, description="Character name -> voice id.")
    )
    budget_usd: float | None = Field(default=None, ge=0, le=1_000_000)


class ProjectCreate(Input):
    name: Name
    description: str = Field(default="", max_length=5000)
    settings: ProjectSettings = Field(default_factory=ProjectSettings)


class ProjectUpdate(Input):
    name: Name | None = None
    description: str | None = Field(default=None, max_length=5000)
    settings: ProjectSettings | None = None


class Project(Output):
    project_id: str
    name: str
    description: str
    settings: ProjectSettings
    created_by: str | None
    version: int
    created_at: Time
    updated_at: Time


class ProjectPage(Output):
    items: list[Project]
    next: str | None = None


# ------------------------------------------------------------------ stories
# Story text: no control characters but tab, LF, FF and CR, and something visible (not only
# whitespace or zero-width characters). The server checks uploads against the same rule.
_CONTROL = r"\x00-\x08\x0b\x0e-\x1f\x7f"
_BLANK = r"\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
STORY_TEXT_PATTERN = rf"^[^{_CONTROL}]*[^{_BLANK}][^{_CONTROL}]*$"


class StoryCreate(Input):
    title: Name
    text: str = Field(
        min_length=1,
        max_length=1_000_000,
        pattern=STORY_TEXT_PATTERN,
        description="UTF-8 text; the byte limit is gateway.max_story_bytes (413 beyond).",
    )
    format: Literal["txt", "md"] = "md"


class StorySummary(Output):
    story_id: str
    project_id: str
    title: str
    format: Literal["txt", "md"]
    language: str
    size_bytes: int
    sha256: str
    created_at: Time


class Story(StorySummary):
    text: str


class StoryPage(Output):
    items: list[StorySummary]
    next: str | None = None


# ------------------------------------------------------------------ runs
class RunCreate(Input):
    project_id: Id
    pipeline: str = Field(min_length=1, max_length=100)
    params: dict[str, Any] = Field(default_factory=dict)
    story_id: Id | None = Field(
        default=None, description="Feed a stored story to a story pipeline (e.g. studio)."
    )


class Run(Output):
    run_id: str
    project_id: str
    pipeline: str
    params: dict[str, Any]
    status: str
    error_code: str | None
    error_message: str | None
    created_by: str | None
    parent_run_id: str | None
    trace_id: str
    version: int
    created_at: Time
    started_at: Time | None
    finished_at: Time | None
    skill_pins: dict[str, str] = Field(
        default_factory=dict[str, str],
        description="The version of each skill the run's jobs run at ({skill: version}).",
    )

    @field_validator("skill_pins", mode="before")
    @classmethod
    def _no_pins(cls, value: object) -> object:
        return {} if value is None else value  # runs created before pinning


class RunEstimate(Output):
    """``POST /runs?dry_run=true``: what the run would do and cost; nothing was created."""

    pipeline: str
    params: dict[str, Any] = Field(description="The parameters after budget degradation.")
    estimate: dict[str, Any] | None = Field(
        description="Per stage: provider, model, workload, cost (studio runs; else null)."
    )
    changes: list[str] = Field(description="What degradation changed to fit the budget.")
    budget_usd: float | None = Field(description="What the budget had left (null: none).")


class RunPage(Output):
    items: list[Run]
    next: str | None = Field(default=None, description="Pass as ``cursor`` for the next page.")


class Pipeline(Output):
    name: str
    description: str
    params_schema: dict[str, Any]


class PipelinePage(Output):
    items: list[Pipeline]


# ------------------------------------------------------------------ jobs
class Job(Output):
    job_id: str
    run_id: str
    node_key: str
    skill: str
    skill_version: str
    status: str
    attempt: int
    max_attempts: int
    variant: int
    progress: float
    cache_hit: bool
    error_code: str | None
    error_message: str | None
    created_at: Time
    started_at: Time | None
    finished_at: Time | None


class JobDetail(Job):
    params: dict[str, Any]
    output: dict[str, Any] | None


class JobPage(Output):
    items: list[Job]


class RegenerateRequest(Input):
    variant: int | None = Field(default=None, ge=0, le=1_000_000)


class Regenerated(Output):
    run_id: str
    node_key: str
    affected_job_ids: list[str]


# ------------------------------------------------------------------ shots (studio)
class ShotPage(Output):
    run_id: str
    ready: bool = Field(description="False until the run's plan has been computed.")
    items: list[studio.ShotPlan]


class ShotRevision(Output):
    run_id: str = Field(description="The revision run that applies the edit.")
    parent_run_id: str
    shot_id: str


# ------------------------------------------------------------------ artifacts
class Artifact(Output):
    artifact_id: str
    run_id: str
    job_id: str
    sha256: str
    size_bytes: int
    media_type: str
    name: str
    created_at: Time


class ArtifactPage(Output):
    items: list[Artifact]


class DownloadLink(Output):
    url: str
    expires_at: Time


# ------------------------------------------------------------------ audit
class AuditEntry(Output):
    audit_id: int
    occurred_at: Time
    actor_type: str
    actor_id: str | None
    action: str
    outcome: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    trace_id: str
    detail: dict[str, Any]


class AuditPage(Output):
    items: list[AuditEntry]
    next: str | None = None


# ------------------------------------------------------------------ operations
class Health(Output):
    status: Literal["ok"]


class Readiness(Output):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str]


# ------------------------------------------------------------------ budgets and costs
class _BudgetLimits(Input):
    usd: float | None = Field(default=None, ge=0, le=1e9)
    tokens: int | None = Field(default=None, ge=0, le=10**15)
    compute_s: float | None = Field(default=None, ge=0, le=1e9)


class TenantBudgetSet(_BudgetLimits):
    """Set (replace) the tenant's budget; a dimension left out or null is unlimited."""

    scope: Literal["tenant"]
    scope_id: Id | None = Field(default=None, description="Yours (or omit).")


class ScopedBudgetSet(_BudgetLimits):
    """Set (replace) a project's or a run's budget; a dimension left out or null is unlimited."""

    scope: Literal["project", "run"]
    scope_id: Id = Field(description="The project or run id.")


BudgetSet = Annotated[TenantBudgetSet | ScopedBudgetSet, Field(discriminator="scope")]


class BudgetDimension(Output):
    limit: float | None = Field(description="null: unlimited")
    spent: float
    held: float = Field(description="Reserved by calls in flight.")
    remaining: float | None
    utilisation: float | None = Field(description="(spent + held) / limit")


class Budget(Output):
    scope: str
    scope_id: str
    usd: BudgetDimension
    tokens: BudgetDimension
    compute_s: BudgetDimension


class BudgetPage(Output):
    items: list[Budget]


class CostGroup(Output):
    key: str | None = Field(description="The group's value (null for the total).")
    calls: int
    failed: int
    cache_hits: int
    input_tokens: int
    output_tokens: int
    images: int
    audio_s: float
    video_s: float
    cost_usd: float
    latency_ms_avg: float


class CostReport(Output):
    by: str | None
    total: CostGroup
    groups: list[CostGroup]
