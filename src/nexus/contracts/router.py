"""Model-router contracts: capabilities, spend, call scope and the provider-call record.

Shared by the model router (decides), the budget controller (reserves and settles), the
observer's cost ledger (records) and the workers that make provider calls.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from nexus.contracts.base import StrictModel

# "tools": chat with tool calling (agent sessions, issue 15); "chat" models without it never
# get an agent turn, and the offline command engine serves only "tools".
Capability = Literal["chat", "json", "tools", "embeddings", "image", "speech", "video", "lipsync"]
BudgetScope = Literal["tenant", "project", "run"]


class Spend(StrictModel):
    """An amount in the three budget dimensions: tokens, compute seconds and money."""

    tokens: int = Field(default=0, ge=0)
    compute_s: float = Field(default=0.0, ge=0)
    usd: float = Field(default=0.0, ge=0)

    def plus(self, other: Spend) -> Spend:
        return Spend(
            tokens=self.tokens + other.tokens,
            compute_s=self.compute_s + other.compute_s,
            usd=self.usd + other.usd,
        )


class CallScope(StrictModel):
    """Who a provider call is for: the budgets it draws on and the ledger row's keys."""

    tenant_id: str
    project_id: str
    run_id: str | None = None
    job_id: str | None = None
    trace_id: str = ""


class Usage(StrictModel):
    """What one provider call consumed, as the provider reported it (or as measured)."""

    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    images: int = Field(default=0, ge=0)
    audio_s: float = Field(default=0.0, ge=0)
    video_s: float = Field(default=0.0, ge=0)
    compute_s: float = Field(default=0.0, ge=0)


class ProviderCall(StrictModel):
    """One row of the cost ledger: a provider call, priced."""

    scope: CallScope
    provider: str
    model: str
    capability: Capability
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = Field(default=0.0, ge=0)
    latency_ms: float = Field(default=0.0, ge=0)
    cache_hit: bool = False
    ok: bool = True
    error_code: str | None = None
