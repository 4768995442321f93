"""The ``models`` demo pipeline: ``n`` independent jobs that each ask the model router for
one chat answer, to try providers, routing and failover (``nexus run models -p n=8``).
The failover benchmark (bench/router) runs it against the protocol fakes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import SkillPermissions
from nexus.contracts.graph import NodeSpec
from nexus.core.errors import NexusError
from nexus.core.registry import PROVIDERS, Pipeline, Registry, RetryPolicy, Skill, SkillContext


class ModelsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: int = Field(default=4, ge=1, le=10_000)
    prompt: str = Field(default="Say hello.", max_length=4000)


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    i: int
    prompt: str


class AskOut(BaseModel):
    text: str
    provider: str
    model: str
    cost_usd: float
    failed_over_from: list[str]


def build_models(p: ModelsParams) -> list[NodeSpec]:
    return [
        NodeSpec(key=f"ask[{i}]", skill="demo.ask", params={"i": i, "prompt": p.prompt})
        for i in range(p.n)
    ]


def register(registry: Registry) -> None:
    async def ask(inp: AskIn, ctx: SkillContext) -> AskOut:
        client = registry.services.get("models")
        if client is None:
            raise NexusError(ErrorCode.CONFIG_INVALID, "no model client is wired in")
        messages = [{"role": "user", "content": f"{inp.prompt} (#{inp.i})"}]
        result = await client.chat(ctx.call_scope(), messages)
        return AskOut(
            text=result.text,
            provider=result.provider,
            model=result.model,
            cost_usd=result.cost_usd,
            failed_over_from=list(result.failed_over_from),
        )

    registry.add_skill(
        Skill(
            "demo.ask",
            "1",
            AskIn,
            AskOut,
            ask,
            capability="chat",
            category="text",
            permissions=SkillPermissions(network_hosts=[PROVIDERS], cpu_time_s=120),
            retry=RetryPolicy(max_attempts=2, base_s=0.05, max_s=0.5),
            timeout_s=120,
            description="One chat call through the model router.",
        )
    )
    registry.add_pipeline(
        Pipeline("models", ModelsParams, build_models, "n chat calls through the model router.")
    )
