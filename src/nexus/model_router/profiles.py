"""Per-model facts: capabilities, context, languages, price table, concurrency and pool.

Prices turn a request's size into an estimate (what the budget reserves) and a provider's
reported usage into the actual cost (what it settles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nexus.contracts.router import Capability, Spend, Usage
from nexus.core.settings import ModelProfileSettings, PriceSettings

MTOK = 1_000_000


@dataclass(frozen=True)
class Prices:
    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0
    per_image: float = 0.0
    per_audio_s: float = 0.0
    per_video_s: float = 0.0

    @classmethod
    def of(cls, prices: PriceSettings) -> Prices:
        return cls(**prices.model_dump())

    def cost(self, usage: Usage) -> float:
        """The price of what a call consumed."""
        return (
            usage.input_tokens * self.input_per_mtok / MTOK
            + usage.output_tokens * self.output_per_mtok / MTOK
            + usage.images * self.per_image
            + usage.audio_s * self.per_audio_s
            + usage.video_s * self.per_video_s
        )


@dataclass(frozen=True)
class ModelProfile:
    name: str
    capabilities: frozenset[Capability]
    context: int = 8192
    languages: tuple[str, ...] = ("*",)
    prices: Prices = field(default_factory=Prices)
    concurrency: int = 4
    pool: str = "cpu"
    workflow: str | None = None

    @classmethod
    def of(cls, model: ModelProfileSettings) -> ModelProfile:
        return cls(
            name=model.name,
            capabilities=frozenset(model.capabilities),
            context=model.context,
            languages=tuple(model.languages),
            prices=Prices.of(model.prices),
            concurrency=model.concurrency,
            pool=model.pool,
            workflow=str(model.workflow) if model.workflow else None,
        )

    def can(self, capability: Capability) -> bool:
        # A model that answers in JSON is also a chat model.
        return capability in self.capabilities or (
            capability == "chat" and "json" in self.capabilities
        )

    def speaks(self, language: str | None) -> bool:
        return language is None or "*" in self.languages or language in self.languages

    def spend(self, usage: Usage) -> Spend:
        return Spend(
            tokens=usage.input_tokens + usage.output_tokens,
            compute_s=usage.compute_s,
            usd=self.prices.cost(usage),
        )


def estimate_usage(capability: Capability, size: float, max_output: int | None = None) -> Usage:
    """A request's usage before the call, from its size: prompt tokens, images, seconds.

    Chat reserves the prompt plus ``max_output`` tokens (or as many again as the prompt):
    the budget must hold the worst case it will settle, never less.
    """
    if capability in ("chat", "json", "tools", "embeddings"):
        tokens = int(size)
        out = 0 if capability == "embeddings" else (max_output or max(256, tokens))
        return Usage(input_tokens=tokens, output_tokens=out)
    if capability == "image":
        return Usage(images=max(1, int(size)))
    if capability == "speech":
        return Usage(audio_s=size)
    return Usage(video_s=size)  # video, lipsync


def approx_tokens(text: str) -> int:
    """A cheap, deliberately generous token count: ~4 characters per token, CJK 1 each."""
    cjk = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return cjk + (len(text) - cjk + 3) // 4 + 1
