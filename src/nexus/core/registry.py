"""Skills, pipelines and expanders: the registry every process builds at its entry point.

A skill is a versioned capability with typed input and output, a resource class, a retry
policy, a timeout, a category and the permissions it declares (``nexus.skills`` publishes
them as ``SkillSpec``). Handlers are plain functions (async, or sync for the thread and
process executors) taking ``(input_model, SkillContext)`` and returning the output model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillCategory, SkillPermissions
from nexus.contracts.graph import NodeSpec
from nexus.contracts.router import CallScope, Capability
from nexus.contracts.tasks import ResourceClass
from nexus.core.errors import NexusError
from nexus.core.storage import file_sha256

Executor = Literal["async", "thread", "process"]

# Symbolic roots of declared paths and hosts (docs/skills.md): a skill never knows the real
# folders, and every model call goes through the model router to the configured providers.
WORKDIR = "$WORKDIR"  # the job's private scratch folder
ARTIFACTS = "$ARTIFACTS"  # upstream artifacts, materialised read-only before the job
ASSETS = "$DATA/models"  # local engine files (voices, fonts, weights) under the data dir
PROVIDERS = "provider:*"  # any host of a provider the model router is configured with


def media_permissions(
    *, network: bool = False, assets: bool = False, cpu_time_s: float = 600.0, memory_mb: int = 2048
) -> SkillPermissions:
    """What a media skill declares: reads upstream artifacts (and engine files), writes its
    scratch folder, and with ``network`` calls providers through the model router."""
    return SkillPermissions(
        network_hosts=[PROVIDERS] if network else [],
        read_paths=[ARTIFACTS, *([ASSETS] if assets else []), WORKDIR],
        write_paths=[WORKDIR],
        cpu_time_s=cpu_time_s,
        memory_mb=memory_mb,
    )


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_s: float = 0.5
    max_s: float = 30.0


@dataclass(frozen=True)
class KeptFile:
    """A file a skill asks to keep as an artifact; uploaded by the worker hub after it returns."""

    path: Path
    sha256: str
    size_bytes: int
    media_type: str
    name: str


@dataclass
class SkillContext:
    """What a running skill may know and do. Picklable, so process-pool skills get it too."""

    run_id: str
    job_id: str
    node_key: str
    attempt: int
    workdir_path: Path
    upstream: dict[str, dict[str, Any]] = field(default_factory=dict)
    artifact_paths: dict[str, Path] = field(default_factory=dict)
    progress_sink: Any = None
    kept: list[KeptFile] = field(default_factory=list)
    tenant_id: str = ""
    project_id: str = ""
    trace_id: str = ""
    cache_key: str = ""

    def call_scope(self) -> CallScope:
        """Who this job's model calls are for (budgets and the cost ledger)."""
        return CallScope(
            tenant_id=self.tenant_id,
            project_id=self.project_id,
            run_id=self.run_id,
            job_id=self.job_id,
            trace_id=self.trace_id,
        )

    def resume_key(self, call: str) -> str:
        """A provider job's resume key: the job's cache key (the same inputs resume the same
        provider job across attempts and restarts; a variant has other inputs) + ``call``."""
        return f"{self.cache_key or self.job_id}:{call}"

    @property
    def workdir(self) -> Path:
        """A private scratch folder, created on first use and removed after the job."""
        self.workdir_path.mkdir(parents=True, exist_ok=True)
        return self.workdir_path

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress (0..1); recorded as a ``nexus.job.progressed`` event."""
        if self.progress_sink is not None:
            self.progress_sink.put((self.job_id, max(0.0, min(1.0, fraction)), message))

    def keep(self, path: Path, *, media_type: str, name: str) -> str:
        """Keep ``path`` as an artifact of this job; returns its sha256 for the output."""
        sha, size = file_sha256(path)
        self.kept.append(KeptFile(path, sha, size, media_type, name))
        return sha

    def artifact_path(self, sha256: str) -> Path:
        """A local path of an upstream artifact (materialised before the skill started)."""
        try:
            return self.artifact_paths[sha256]
        except KeyError:
            raise NexusError(
                ErrorCode.NOT_FOUND, f"artifact {sha256} is not an upstream artifact of this job"
            ) from None


@dataclass(frozen=True)
class Skill:
    name: str
    version: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    handler: Callable[..., Any]
    resource_class: ResourceClass = "cpu"
    executor: Executor = "async"
    retry: RetryPolicy = RetryPolicy()
    timeout_s: float = 600.0
    compensate: Callable[..., Any] | None = None
    description: str = ""
    pool: str = ""  # empty: the pool of the resource class (gpu -> "gpu", else "cpu")
    # What model capability the skill calls, if any: the router's gate routes its jobs
    # (provider, model, pool) and refuses them when nothing can serve it (ADR 0121).
    capability: Capability | None = None
    category: SkillCategory = "other"
    # Default: no network, no files, the contract's CPU, memory and output bounds.
    permissions: SkillPermissions = field(default_factory=SkillPermissions)
    # The param (if any) naming a tenant's uploaded skill (``name@version``) the job runs in
    # the sandbox: the policy is asked about that skill, origin "user" (ADR 0208).
    user_skill_param: str = ""

    @property
    def queue_pool(self) -> str:
        return self.pool or ("gpu" if self.resource_class == "gpu" else "cpu")


Expander = Callable[[NodeSpec, dict[str, Any], dict[str, Any]], list[NodeSpec]]
"""(parent node, parent output, run params) -> child nodes."""


ScopedBuild = Callable[[Any, str, str], Awaitable[list[NodeSpec]]]
"""(params, tenant id, project id) -> the run's nodes."""


@dataclass(frozen=True)
class Pipeline:
    name: str
    params_model: type[BaseModel]
    build: Callable[[Any], list[NodeSpec]]
    description: str = ""
    # For a graph that also depends on the run's project outside its params (the studio's
    # asset library fingerprint, ADR 0244); runs are built with it when it is set.
    build_in_project: ScopedBuild | None = None

    async def nodes(self, params: Any, tenant_id: str, project_id: str) -> list[NodeSpec]:
        """The nodes of a run of this pipeline in ``tenant_id``/``project_id``."""
        if self.build_in_project is None:
            return self.build(params)
        return await self.build_in_project(params, tenant_id, project_id)


class Registry:
    """Name -> skill / pipeline / expander. Built once per process; no module-level state."""

    def __init__(self) -> None:
        self.skills: dict[str, Skill] = {}
        self.pipelines: dict[str, Pipeline] = {}
        self.expanders: dict[str, Expander] = {}
        # Process-wide services the entry point wires in for async/thread skills, e.g. the
        # model router's client under "models" (set by the Platform).
        self.services: dict[str, Any] = {}

    def add_skill(self, skill: Skill) -> None:
        if skill.name in self.skills:
            raise NexusError(ErrorCode.CONFIG_INVALID, f"skill {skill.name!r} registered twice")
        self.skills[skill.name] = skill

    def add_pipeline(self, pipeline: Pipeline) -> None:
        self.pipelines[pipeline.name] = pipeline

    def add_expander(self, name: str, expander: Expander) -> None:
        self.expanders[name] = expander

    def skill(self, name: str) -> Skill:
        try:
            return self.skills[name]
        except KeyError:
            raise NexusError(ErrorCode.SKILL_NOT_FOUND, f"no skill named {name!r}") from None

    def pipeline(self, name: str) -> Pipeline:
        try:
            return self.pipelines[name]
        except KeyError:
            known = ", ".join(sorted(self.pipelines)) or "none"
            raise NexusError(
                ErrorCode.PIPELINE_NOT_FOUND, f"no pipeline named {name!r} (known: {known})"
            ) from None

    def expander(self, name: str) -> Expander:
        try:
            return self.expanders[name]
        except KeyError:
            raise NexusError(ErrorCode.CONFIG_INVALID, f"no expander named {name!r}") from None
