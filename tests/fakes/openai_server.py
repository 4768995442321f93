"""A faithful fake of the OpenAI-compatible HTTP API on loopback.

Speaks ``/v1/models``, ``/v1/chat/completions`` (plain, ``response_format`` json_schema,
``tools`` with ``tool_choice`` and ``parallel_tool_calls``, SSE streaming with
``stream_options.include_usage``), ``/v1/embeddings``, ``/v1/images/generations`` (b64_json
PNG) and ``/v1/audio/speech`` (WAV), with OpenAI's error shape and its 400s on tool calling
(bad tool names, a tool message that answers no call, a call left unanswered).

Answers are deterministic. In order: scripted turns (``server.script_turns(Turn.call(...),
Turn.say(...))``, or ``POST /fake/script`` from another process; text and one or several
parallel tool calls each, see ``openai_script.py``), then ``server.replies`` (plain
contents), then the default: with tools, a call of the first tool (or the one
``tool_choice`` names) with arguments built from its schema; JSON outputs are instances of
the schema; otherwise ``echo: <last message>``. Embeddings come from a hash of the text.
``server.chat_calls`` (``GET /fake/calls``) counts the chat requests answered.

    uv run python -m tests.fakes.openai_server --port 8900
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import time
import wave
from collections import deque
from typing import Any

from PIL import Image

from tests.fakes.base import FakeServer, Reply, Request, serve_main
from tests.fakes.openai_script import Call, RequestRefused, Turn, check_request, stream_chunks


def instance_of(schema: dict[str, Any]) -> Any:
    """A small value that satisfies ``schema`` (enough of JSON Schema for structured output)."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return instance_of(schema[key][0])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: instance_of(sub) for name, sub in props.items()}
    if kind == "array":
        return [instance_of(schema.get("items", {}))] * max(1, int(schema.get("minItems", 1)))
    return {"string": "text", "integer": 1, "number": 1.0, "boolean": True}.get(kind)


def tokens(text: str) -> int:
    return max(1, len(text.split()))


def wav_bytes(seconds: float, rate: int = 16_000) -> bytes:
    frames = int(seconds * rate)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack("<h", 0) * frames)
    return buf.getvalue()


def png_bytes(width: int, height: int, seed: str) -> bytes:
    shade = hashlib.sha256(seed.encode()).digest()
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (shade[0], shade[1], shade[2])).save(buf, "PNG")
    return buf.getvalue()


def error(status: int, message: str, kind: str = "invalid_request_error") -> Reply:
    return Reply.of(
        {"error": {"message": message, "type": kind, "param": None, "code": None}}, status
    )


class OpenAIServer(FakeServer):
    def __init__(self, port: int = 0, *, api_key: str | None = None) -> None:
        super().__init__(port)
        self.api_key = api_key
        self.script: deque[Turn] = deque()  # scripted turns (script_turns), used first
        self.cycle: list[Turn] | None = None  # replayed when the script runs out
        self.replies: deque[str] = deque()  # scripted chat contents, used next
        self.requests: list[dict[str, Any]] = []  # chat request bodies, in order
        self.chat_calls = 0  # chat requests answered (refused ones not counted)
        self.call_ids = 0  # tool-call ids handed out (call_1, call_2, ...)
        self.embedding_requests: list[dict[str, Any]] = []  # embeddings bodies, in order
        self.routes = {
            ("GET", "/v1/models"): self.models,
            ("POST", "/v1/chat/completions"): self.chat,
            ("POST", "/v1/embeddings"): self.embeddings,
            ("POST", "/v1/images/generations"): self.images,
            ("POST", "/v1/audio/speech"): self.speech,
            ("POST", "/fake/script"): self.control_script,
            ("GET", "/fake/calls"): self.control_calls,
        }

    def route(self, request: Request) -> Reply:
        if self.api_key is not None:
            sent = request.headers.get("Authorization", "")
            if sent != f"Bearer {self.api_key}":
                return error(401, "Incorrect API key provided.", "invalid_api_key")
        try:
            return super().route(request)
        except (ValueError, KeyError, TypeError) as exc:
            return error(400, f"bad request: {exc}")

    def models(self, request: Request) -> Reply:
        names = ["fake-chat", "fake-embed", "fake-image", "fake-tts"]
        return Reply.of({"object": "list", "data": [{"id": n, "object": "model"} for n in names]})

    # -- scripting -----------------------------------------------------------------------
    def script_turns(self, *turns: Turn, cycle: bool = False) -> None:
        """Queue scripted answers (taken before ``replies`` and the default behaviour);
        ``cycle``: replay them in a loop (a benchmark's conversation, over and over)."""
        with self.lock:
            self.script.clear()
            self.script.extend(turns)
            self.cycle = list(turns) if cycle else None

    def _next_turn(self) -> Turn | None:
        with self.lock:
            if not self.script and self.cycle:
                self.script.extend(self.cycle)
            return self.script.popleft() if self.script else None

    def control_script(self, request: Request) -> Reply:
        """``POST /fake/script`` {"turns": [Turn.to_json()...], "cycle": bool}: the same
        as ``script_turns`` for a fake in another process; also zeroes the counters."""
        body = request.json()
        self.script_turns(
            *(Turn.from_json(t) for t in body["turns"]), cycle=bool(body.get("cycle"))
        )
        with self.lock:
            self.chat_calls = 0
            self.counts.clear()
        return Reply.of({"queued": len(body["turns"])})

    def control_calls(self, request: Request) -> Reply:
        """``GET /fake/calls``: chat requests answered so far, scripted turns left."""
        with self.lock:
            return Reply.of({"chat": self.chat_calls, "script_left": len(self.script)})

    # -- chat ----------------------------------------------------------------------------
    def _call_id(self) -> str:
        with self.lock:
            self.call_ids += 1
            return f"call_{self.call_ids}"

    def _scripted(self, body: dict[str, Any], turn: Turn) -> tuple[str, list[dict[str, Any]]]:
        calls = [c.wire(c.id or self._call_id()) for c in turn.calls]
        if body.get("parallel_tool_calls") is False:
            calls = calls[:1]  # what OpenAI does when parallel calls are switched off
        return turn.text, calls

    def _content(self, body: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        turn = self._next_turn()
        if turn is not None:
            return self._scripted(body, turn)
        if self.replies:
            return self.replies.popleft(), []
        tools = body.get("tools")
        last = body["messages"][-1]
        choice = body.get("tool_choice") or "auto"
        if tools and last.get("role") != "tool" and choice != "none":
            fn = tools[0]["function"]
            if isinstance(choice, dict):
                fn = next(
                    t["function"]
                    for t in tools
                    if t["function"]["name"] == choice["function"]["name"]
                )
            args = instance_of(fn.get("parameters", {"type": "object"}))
            return "", [Call(fn["name"], args).wire(self._call_id())]
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return json.dumps(instance_of(fmt["json_schema"]["schema"])), []
        if fmt.get("type") == "json_object":
            return "{}", []
        return f"echo: {last.get('content') or ''}", []

    def chat(self, request: Request) -> Reply:
        body = request.json()
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return error(400, "'messages' is a required property")
        try:
            check_request(body)
        except RequestRefused as exc:
            return error(400, str(exc))
        with self.lock:
            self.chat_calls += 1
            completion_id = f"chatcmpl-fake-{self.chat_calls}"
        self.requests.append(body)
        content, tool_calls = self._content(body)
        prompt = sum(tokens(str(m.get("content") or "")) for m in body["messages"])
        usage = {"prompt_tokens": prompt, "completion_tokens": tokens(content) if content else 5}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        finish = "tool_calls" if tool_calls else "stop"
        created = int(time.time())
        if body.get("stream"):
            events = stream_chunks(body, completion_id, created, content, tool_calls, finish, usage)
            return Reply(stream=events, content_type="text/event-stream")
        message: dict[str, Any] = {"role": "assistant", "content": content or None}
        if tool_calls:
            message["tool_calls"] = tool_calls
        return Reply.of(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": body.get("model", ""),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            }
        )

    def embeddings(self, request: Request) -> Reply:
        body = request.json()
        self.embedding_requests.append(body)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = []
        for i, text in enumerate(texts):
            digest = hashlib.sha256(str(text).encode()).digest()
            data.append(
                {"object": "embedding", "index": i, "embedding": [b / 255 for b in digest[:8]]}
            )
        used = sum(tokens(str(t)) for t in texts)
        return Reply.of(
            {
                "object": "list",
                "data": data,
                "model": body.get("model", ""),
                "usage": {"prompt_tokens": used, "total_tokens": used},
            }
        )

    def images(self, request: Request) -> Reply:
        body = request.json()
        width, height = (int(x) for x in str(body.get("size", "64x64")).split("x"))
        image = base64.b64encode(png_bytes(width, height, body["prompt"])).decode()
        return Reply.of({"created": int(time.time()), "data": [{"b64_json": image}]})

    def speech(self, request: Request) -> Reply:
        body = request.json()
        seconds = max(0.5, len(body["input"]) / 15)
        return Reply(200, wav_bytes(seconds), content_type="audio/wav")


if __name__ == "__main__":
    serve_main(OpenAIServer, "fake OpenAI-compatible API")
