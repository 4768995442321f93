"""User skills as first-class pipeline nodes: ``sandbox.run_user_skill`` loads the skill of the
run's tenant by name and version (another tenant's is ``skill_not_found``), checks it is the
version the run was pinned to (the digest is in the node's params, hence in its cache key: a
new version re-runs, the same one is a cache hit), and runs it on a thread. Sandbox failures
are not retryable (a timeout stays a timeout); the hub retries only retryable codes."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillPermissions
from nexus.core.errors import NexusError
from nexus.core.registry import WORKDIR, Registry, RetryPolicy, Skill, SkillContext
from nexus.sandbox.runner import SandboxRunner
from nexus.sandbox.schemas import StoredSkill
from nexus.sandbox.store import UserSkillStore, parse_ref

SKILL_NAME = "sandbox.run_user_skill"
RETRY = RetryPolicy(max_attempts=2, base_s=0.5, max_s=5)


class RunUserSkillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill: str = Field(description="name@version of the tenant's user skill.")
    digest: str = Field(default="", description="The pinned digest ('' : whatever is stored).")
    input: dict[str, Any] = Field(default_factory=dict)


class RunUserSkillOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill: str
    digest: str
    output: Any
    elapsed_s: float


class UserSkillExecutor:
    """Resolves the store and runner from ``registry.services`` at call time (the entry point
    wires them after the registry is built)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _services(self) -> tuple[UserSkillStore, SandboxRunner]:
        store = self.registry.services.get("user_skills")
        runner = self.registry.services.get("sandbox")
        if not isinstance(store, UserSkillStore) or not isinstance(runner, SandboxRunner):
            raise NexusError(ErrorCode.SANDBOX_UNAVAILABLE, "user skills are not wired here")
        return store, runner

    async def load(self, tenant_id: str, ref: str, digest: str) -> StoredSkill:
        store, _ = self._services()
        name, version = parse_ref(ref)
        skill = await store.read_skill(tenant_id, name, version)
        if digest and skill.digest != digest:
            raise NexusError(ErrorCode.SKILL_VERSION_CONFLICT, f"{ref} is not the pinned version")
        return skill

    async def call(self, tenant_id: str, ref: str, digest: str, payload: Any) -> RunUserSkillOut:
        skill = await self.load(tenant_id, ref, digest)
        _, runner = self._services()
        outcome = await asyncio.to_thread(runner.run, skill, payload)
        return RunUserSkillOut(
            skill=ref, digest=skill.digest, output=outcome.output, elapsed_s=outcome.elapsed_s
        )

    async def run_user_skill(self, inp: RunUserSkillIn, ctx: SkillContext) -> RunUserSkillOut:
        return await self.call(ctx.tenant_id, inp.skill, inp.digest, inp.input)


def register_sandbox(registry: Registry) -> UserSkillExecutor:
    executor = UserSkillExecutor(registry)
    registry.add_skill(
        Skill(
            SKILL_NAME, "1", RunUserSkillIn, RunUserSkillOut, executor.run_user_skill,
            executor="async", timeout_s=120, retry=RETRY, category="data",
            # The host side: no network, its scratch folder; the guest gets less (its manifest).
            permissions=SkillPermissions(read_paths=[WORKDIR], write_paths=[WORKDIR],
                                         cpu_time_s=120, memory_mb=1024),
            description="Run a tenant's uploaded skill in the sandbox.",
            user_skill_param="skill",
        )
    )  # fmt: skip
    return executor


async def pin_refs(store: UserSkillStore, tenant_id: str, refs: list[str]) -> dict[str, str]:
    """ref -> digest for a run being created; an unknown ref fails now, not mid-run."""
    pins: dict[str, str] = {}
    for ref in refs:
        name, version = parse_ref(ref)
        pins[ref] = (await store.read_skill(tenant_id, name, version)).digest
    return pins
