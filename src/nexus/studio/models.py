"""The studio's view of the model router: which stages have a real model, the quotes the
estimate prices them with, the call scope of a job, and the router's client adapted to the
planner's ``ChatModel``. Built once per process by the platform and handed to the skills.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope
from nexus.core.errors import NexusError
from nexus.core.registry import SkillContext
from nexus.model_router.client import ModelClient
from nexus.model_router.decide import Candidate
from nexus.planner.costing import CAPABILITY, OFFLINE, OFFLINE_QUOTE, Quote, Stage
from nexus.planner.llm import ChatMessage

ScopeFor = Callable[[SkillContext], Awaitable[CallScope]]
# Errors after which a stage falls back to its offline engine instead of failing the run.
FALLBACK_CODES = frozenset(
    {
        ErrorCode.NO_CAPABLE_PROVIDER,
        ErrorCode.PROVIDER_UNAVAILABLE,
        ErrorCode.PROVIDER_RATE_LIMITED,
        ErrorCode.PROVIDER_ERROR,
        ErrorCode.PROVIDER_RESPONSE_INVALID,
        ErrorCode.BUDGET_EXHAUSTED,
    }
)


def quote_of(candidate: Candidate) -> Quote:
    if candidate.provider.offline:
        return OFFLINE_QUOTE
    p = candidate.model.prices
    return Quote(
        candidate.provider.name,
        candidate.model.name,
        input_per_mtok=p.input_per_mtok,
        output_per_mtok=p.output_per_mtok,
        per_image=p.per_image,
        per_audio_s=p.per_audio_s,
        per_video_s=p.per_video_s,
    )


async def _no_scope(ctx: SkillContext) -> CallScope:
    return CallScope(tenant_id="local", project_id="default", run_id=ctx.run_id, job_id=ctx.job_id)


@dataclass
class StudioModels:
    """``client`` is None when no provider is configured: every stage runs offline."""

    client: ModelClient | None = None
    scope_for: ScopeFor = field(default=_no_scope)
    offline_fallback: bool = True
    voices: Mapping[str, str] = field(default_factory=dict[str, str])  # router.voices

    def available(self, stage: Stage) -> bool:
        return self.client is not None and self.client.available(CAPABILITY[stage])

    def offline_allowed(self, project_id: str | None = None) -> bool:
        """May the offline engines take over for this project (its routing, else the
        router's setting)?"""
        if self.client is not None and project_id:
            own = self.client.projects.get(project_id)
            if own is not None and own.offline_fallback is not None:
                return own.offline_fallback
        return self.offline_fallback

    def options(self, stage: Stage, project_id: str | None = None) -> list[Quote]:
        """The quotes a stage could use, in the router's failover order (offline last),
        the project's routing preferences first."""
        if self.client is None or not self.available(stage):
            return [OFFLINE_QUOTE]
        chosen, _ = self.client.candidates(CAPABILITY[stage], project_id=project_id)
        quotes = list(dict.fromkeys(quote_of(c) for c in chosen))
        return [q for q in quotes if not q.offline] + [OFFLINE_QUOTE] * any(
            q.offline for q in quotes
        )

    def require(self) -> ModelClient:
        if self.client is None:
            raise NexusError(ErrorCode.NO_CAPABLE_PROVIDER, "no model provider is configured")
        return self.client


def prefer_of(engine: str | None) -> str | None:
    """The ``prefer`` argument for an engine label (None: the router's own order)."""
    return None if engine in (None, "", OFFLINE) else engine


@dataclass
class RouterChat:
    """``ChatModel`` over the router: structured output, the calls' costs summed up."""

    client: ModelClient
    scope: CallScope
    prefer: str | None = None
    calls: int = 0
    cost_usd: float = 0.0
    served_by: list[str] = field(default_factory=list[str])
    failed_over_from: list[str] = field(default_factory=list[str])

    async def complete_json(
        self, messages: Sequence[ChatMessage], schema: dict[str, Any], *, name: str
    ) -> str:
        self.calls += 1
        try:
            result = await self.client.chat(
                self.scope,
                [dict(m) for m in messages],
                json_schema=schema,
                temperature=0.0,
                prefer=self.prefer,
            )
        except NexusError as exc:
            if exc.code != ErrorCode.PROVIDER_RESPONSE_INVALID:
                raise
            return f"(the provider's reply was not JSON: {exc.detail})"
        self.cost_usd += result.cost_usd
        self.served_by.append(f"{result.provider}/{result.model}")
        self.failed_over_from += result.failed_over_from
        return result.text
