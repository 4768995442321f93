"""Server-sent events of an OpenAI-compatible chat stream, folded into one answer.

A stream that ends without ``data: [DONE]`` (the connection dropped, the server died) or
carries a chunk that is not JSON is a truncated answer: ``provider_response_invalid``, so
the call is retried as a whole rather than returning half a text.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import Usage
from nexus.core.errors import NexusError


@dataclass
class ChatAccumulator:
    parts: list[str] = field(default_factory=list)
    tools: dict[int, dict[str, Any]] = field(default_factory=dict)
    finish: str = ""
    usage: Usage = field(default_factory=Usage)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def add(self, chunk: dict[str, Any]) -> None:
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.usage = Usage(
                input_tokens=int(usage.get("prompt_tokens") or 0),
                output_tokens=int(usage.get("completion_tokens") or 0),
            )
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.parts.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                self._add_tool(call)
            if choice.get("finish_reason"):
                self.finish = str(choice["finish_reason"])

    def _add_tool(self, call: dict[str, Any]) -> None:
        slot = self.tools.setdefault(
            int(call.get("index", 0)), {"id": "", "function": {"name": "", "arguments": ""}}
        )
        if call.get("id"):
            slot["id"] = call["id"]
        fn = call.get("function") or {}
        slot["function"]["name"] += fn.get("name") or ""
        slot["function"]["arguments"] += fn.get("arguments") or ""

    def tool_calls(self) -> list[dict[str, Any]]:
        return [self.tools[i] for i in sorted(self.tools)]


def _truncated(provider: str, why: str) -> NexusError:
    return NexusError(
        ErrorCode.PROVIDER_RESPONSE_INVALID,
        f"{provider}: truncated stream ({why})",
        extra={"provider": provider},
    )


async def accumulate_chat(provider: str, lines: AsyncIterator[str]) -> ChatAccumulator:
    acc = ChatAccumulator()
    try:
        async for line in lines:
            if not line.startswith("data:"):
                continue  # comments, event names, keep-alives, blank separators
            payload = line[5:].strip()
            if payload == "[DONE]":
                return acc
            try:
                acc.add(json.loads(payload))
            except ValueError as exc:
                raise _truncated(provider, f"a chunk is not JSON: {exc}") from exc
    except httpx.RemoteProtocolError as exc:
        raise _truncated(provider, "the connection closed mid-answer") from exc
    raise _truncated(provider, "no [DONE]")
