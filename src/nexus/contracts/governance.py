"""Governance contracts: a skill's published descriptor and the policy engine's question and
answer. The skill registry (``nexus.skills``) publishes ``SkillSpec``; the policy engine
(``nexus.governance``) answers a ``PolicyInput`` with a ``PolicyDecision``; the sandbox
(``nexus.sandbox``) registers user skills with ``origin="user"``. One shape each, so the
gateway, the orchestrator's dispatch gate and the agent sessions ask the same question.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from nexus.contracts.base import StrictModel

SkillCategory = Literal[
    "text", "audio", "video", "image", "lipsync", "music", "compose", "data", "agent", "other"
]
SkillOrigin = Literal["builtin", "user"]
PolicyAction = Literal[
    "run.create",  # a pipeline run is created (resource: the pipeline)
    "job.dispatch",  # a job is about to be dispatched (resource: the skill)
    "provider.call",  # a model call is about to go to a provider (resource: the provider/model)
    "skill.upload",  # a user skill is uploaded (resource: the skill)
    "tool.call",  # an agent session calls a skill as a tool (resource: the skill)
]
Verdict = Literal["allow", "deny", "needs_approval"]


class SkillPermissions(StrictModel):
    """What a skill may touch. Built-ins declare it; user skills are held to it by the sandbox."""

    network_hosts: list[str] = Field(default_factory=list, description="Hosts it may connect to.")
    read_paths: list[str] = Field(default_factory=list)
    write_paths: list[str] = Field(default_factory=list)
    cpu_time_s: float = Field(default=600.0, gt=0)
    memory_mb: int = Field(default=2048, gt=0)
    max_output_bytes: int = Field(default=64 * 1024 * 1024, gt=0)


class SkillSpec(StrictModel):
    """A skill as the registry publishes it: one immutable (name, version)."""

    name: str = Field(min_length=1, max_length=128)
    version: str = Field(min_length=1, max_length=32)
    category: SkillCategory = "other"
    origin: SkillOrigin = "builtin"
    tenant_id: str | None = Field(
        default=None, description="Owner of a user skill; None: built-in."
    )
    description: str = ""
    resource_class: Literal["cpu", "gpu", "io"] = "cpu"
    pool: str = "cpu"
    capability: str | None = Field(
        default=None, description="The model capability it calls, if any."
    )
    input_schema: dict[str, Any] = Field(default_factory=dict)
    output_schema: dict[str, Any] = Field(default_factory=dict)
    permissions: SkillPermissions = Field(default_factory=SkillPermissions)
    digest: str = Field(default="", description="sha256 of the schemas, permissions and code.")


class Principal(StrictModel):
    user_id: str | None = None
    tenant_id: str
    roles: list[str] = Field(default_factory=list)
    via: Literal["user", "api_key", "system", "agent"] = "user"


class PolicyResource(StrictModel):
    kind: Literal["pipeline", "skill", "provider", "model"]
    name: str
    version: str | None = None
    category: str | None = None
    origin: SkillOrigin = "builtin"
    tenant_id: str | None = None


class PolicyInput(StrictModel):
    """The question: may ``principal`` do ``action`` on ``resource`` in ``context``?

    Passed to the engine as JSON text (never as host objects: a known binding turns Python
    ``False`` into ``0.0``)."""

    action: PolicyAction
    principal: Principal
    resource: PolicyResource
    context: dict[str, Any] = Field(
        default_factory=dict,
        description="estimated_cost_usd, project_id, run_id, provider, model, data_labels...",
    )


class PolicyDecision(StrictModel):
    """The answer, with the reasons the rules gave and the policy version that gave them."""

    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    policy_version: int = 0
    approval_ttl_s: int | None = Field(default=None, description="For needs_approval: expiry.")

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"
