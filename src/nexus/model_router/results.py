"""What a ModelClient call returns: the output plus who served it, usage and cost.

Adapters fill the output and the usage; the client adds provider, model, cost, latency and
the providers it failed over from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nexus.contracts.router import Usage


@dataclass(frozen=True)
class ToolCall:
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class CallResult:
    provider: str = ""
    model: str = ""
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    failed_over_from: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ChatResult(CallResult):
    text: str = ""
    parsed: Any = None  # the JSON value when a json_schema was given
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str = ""


@dataclass(frozen=True, kw_only=True)
class EmbedResult(CallResult):
    vectors: tuple[tuple[float, ...], ...] = ()


@dataclass(frozen=True, kw_only=True)
class MediaResult(CallResult):
    data: bytes = b""
    media_type: str = "application/octet-stream"
    seconds: float = 0.0
    external_id: str | None = None  # the provider's job id (ComfyUI prompt id, ...)
    resumed: bool = False  # True when an earlier attempt's provider job was picked up
