"""Scripted chat turns for the OpenAI fake, the request checks OpenAI makes on tool calling,
and the chunks of a streamed answer as OpenAI sends them.

A script is a queue of ``Turn``s: each chat request takes the next one and answers with its
text and/or its tool calls (several = parallel calls, in order). Streamed, the text comes in
small pieces and each tool call as a header chunk (``index``, ``id``, ``type``, ``name``,
empty ``arguments``) followed by its arguments cut every few characters, anywhere in the
JSON, as OpenAI does; ``stream_options.include_usage`` adds ``"usage": null`` to every
chunk and a last chunk with no choices and the usage.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
ARGUMENT_PIECE = 7  # characters of arguments per streamed delta


@dataclass(frozen=True)
class Call:
    """A tool call the scripted model makes. ``arguments`` as a str is sent as is (to
    script malformed JSON); ``id`` None: the server numbers it (``call_<n>``)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict[str, Any])
    id: str | None = None

    def wire(self, call_id: str) -> dict[str, Any]:
        args = self.arguments
        text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        return {
            "id": call_id,
            "type": "function",
            "function": {"name": self.name, "arguments": text},
        }


@dataclass(frozen=True)
class Turn:
    """One model answer: text, tool calls, or both (the text comes first)."""

    text: str = ""
    calls: tuple[Call, ...] = ()

    @classmethod
    def say(cls, text: str) -> Turn:
        return cls(text=text)

    @classmethod
    def call(cls, *calls: Call, text: str = "") -> Turn:
        return cls(text=text, calls=calls)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "calls": [{"name": c.name, "arguments": c.arguments, "id": c.id} for c in self.calls],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Turn:
        calls = tuple(
            Call(str(c["name"]), c.get("arguments") or {}, c.get("id"))
            for c in data.get("calls") or []
        )
        return cls(text=str(data.get("text") or ""), calls=calls)


class RequestRefused(ValueError):
    """A request OpenAI answers with 400 (the message is OpenAI's wording)."""


def check_request(body: dict[str, Any]) -> None:
    """The tool-calling checks OpenAI makes before it answers (its 400s)."""
    tools = body.get("tools")
    names: set[str] = set()
    if tools is not None:
        if not isinstance(tools, list) or not tools:
            raise RequestRefused("Invalid 'tools': empty array. Expected an array of tools.")
        for i, tool in enumerate(tools):
            fn = tool.get("function") if isinstance(tool, dict) else None
            if tool.get("type") != "function" or not isinstance(fn, dict):
                raise RequestRefused(f"Invalid 'tools[{i}]': expected a function tool.")
            name = fn.get("name")
            if not isinstance(name, str) or not TOOL_NAME.match(name):
                raise RequestRefused(
                    f"Invalid 'tools[{i}].function.name': string does not match pattern. "
                    "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."
                )
            names.add(name)
    choice = body.get("tool_choice")
    if choice is not None:
        if tools is None:
            raise RequestRefused("'tool_choice' is only allowed when 'tools' are specified.")
        if isinstance(choice, dict) and choice.get("function", {}).get("name") not in names:
            raise RequestRefused("Invalid 'tool_choice': no tool of that name in 'tools'.")
        if isinstance(choice, str) and choice not in ("auto", "none", "required"):
            raise RequestRefused(f"Invalid 'tool_choice': {choice!r}.")
    check_messages(body["messages"])


def check_messages(messages: list[dict[str, Any]]) -> None:
    """Every tool message answers a call of the assistant message before it, and every
    call of an assistant message is answered before the next other message."""
    waiting: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in waiting:
                raise RequestRefused(
                    f"Invalid parameter: messages with role 'tool' must be a response to a "
                    f"preceeding message with 'tool_calls' (messages[{i}])."
                )
            waiting.discard(call_id)
            continue
        if waiting:
            raise RequestRefused(
                "An assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(sorted(waiting))}"
            )
        if role == "assistant":
            waiting = {str(c.get("id")) for c in message.get("tool_calls") or []}
    # Calls of the last assistant message still unanswered: OpenAI refuses that too.
    if waiting:
        raise RequestRefused(
            "An assistant message with 'tool_calls' must be followed by tool messages "
            f"responding to each 'tool_call_id': {', '.join(sorted(waiting))}"
        )


def text_pieces(text: str) -> list[str]:
    """The text as a model streams it: short pieces, whitespace kept; they add up to it."""
    return re.findall(r"\s*\S{1,6}|\s+", text)


def stream_chunks(
    body: dict[str, Any],
    completion_id: str,
    created: int,
    text: str,
    tool_calls: list[dict[str, Any]],
    finish: str,
    usage: dict[str, int],
) -> list[bytes]:
    """The SSE events of one streamed answer, ``data: [DONE]`` last."""
    with_usage = bool((body.get("stream_options") or {}).get("include_usage"))

    def event(choices: list[dict[str, Any]], usage_value: Any = None) -> bytes:
        chunk: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.get("model", ""),
            "choices": choices,
        }
        if with_usage:
            chunk["usage"] = usage_value
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()

    def delta(d: dict[str, Any], finish_reason: str | None = None) -> bytes:
        return event([{"index": 0, "delta": d, "logprobs": None, "finish_reason": finish_reason}])

    events = [delta({"role": "assistant", "content": "" if text else None})]
    events.extend(delta({"content": piece}) for piece in text_pieces(text))
    for i, call in enumerate(tool_calls):
        fn = call["function"]
        head = {"index": i, "id": call["id"], "type": "function"}
        head["function"] = {"name": fn["name"], "arguments": ""}
        events.append(delta({"tool_calls": [head]}))
        args = fn["arguments"]
        for start in range(0, len(args), ARGUMENT_PIECE):
            piece = args[start : start + ARGUMENT_PIECE]
            events.append(delta({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    events.append(delta({}, finish))
    if with_usage:
        events.append(event([], usage))
    events.append(b"data: [DONE]\n\n")
    return events
