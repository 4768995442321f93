"""Server-sent events of an OpenAI-compatible chat stream, folded into one answer.

A stream that ends without ``data: [DONE]`` (the connection dropped, the server died) or
carries a chunk that is not JSON is a truncated answer: ``provider_response_invalid``, so
the call is retried as a whole rather than returning half a text (unless part of it was
already passed on to the caller's ``on_delta``: then it is not retried, ADR 0310).

Text deltas go to ``on_delta`` as they arrive; tool-call deltas (``tool_calls[].index``
slots whose ``function.arguments`` arrive in pieces, split anywhere in the JSON) are
accumulated and only returned whole.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
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
    on_delta: Callable[[str], None] | None = None

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
            content = delta.get("content")
            if isinstance(content, str) and content:
                self.parts.append(content)
                if self.on_delta is not None:
                    self.on_delta(content)
            for call in delta.get("tool_calls") or []:
                self._add_tool(call)
            if choice.get("finish_reason"):
                self.finish = str(choice["finish_reason"])

    def _slot_index(self, call: dict[str, Any]) -> int:
        if "index" in call:
            return int(call["index"])
        # Servers that leave out the index (some OpenAI-compatible ones send each call
        # whole): a new id starts a new call, no id continues the last one.
        last = max(self.tools, default=-1)
        if last < 0 or (call.get("id") and call["id"] != self.tools[last]["id"]):
            return last + 1
        return last

    def _add_tool(self, call: dict[str, Any]) -> None:
        slot = self.tools.setdefault(
            self._slot_index(call), {"id": "", "function": {"name": "", "arguments": ""}}
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


async def accumulate_chat(
    provider: str, lines: AsyncIterator[str], on_delta: Callable[[str], None] | None = None
) -> ChatAccumulator:
    acc = ChatAccumulator(on_delta=on_delta)
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
