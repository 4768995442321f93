"""A faithful fake of the OpenAI-compatible HTTP API on loopback.

Speaks ``/v1/models``, ``/v1/chat/completions`` (plain, ``response_format`` json_schema,
``tools``, SSE streaming with ``stream_options.include_usage``), ``/v1/embeddings``,
``/v1/images/generations`` (b64_json PNG) and ``/v1/audio/speech`` (WAV), with OpenAI's
error shape. Answers are deterministic: JSON outputs are instances built from the schema
(or scripted with ``server.replies``), embeddings come from a hash of the text.

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
        self.replies: deque[str] = deque()  # scripted chat contents, used first
        self.requests: list[dict[str, Any]] = []  # chat request bodies, in order
        self.embedding_requests: list[dict[str, Any]] = []  # embeddings bodies, in order
        self.routes = {
            ("GET", "/v1/models"): self.models,
            ("POST", "/v1/chat/completions"): self.chat,
            ("POST", "/v1/embeddings"): self.embeddings,
            ("POST", "/v1/images/generations"): self.images,
            ("POST", "/v1/audio/speech"): self.speech,
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

    def _content(self, body: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
        if self.replies:
            return self.replies.popleft(), None
        tools = body.get("tools")
        last = body["messages"][-1]
        if tools and last.get("role") != "tool":
            fn = tools[0]["function"]
            args = instance_of(fn.get("parameters", {"type": "object"}))
            call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": fn["name"], "arguments": json.dumps(args)},
            }
            return "", [call]
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return json.dumps(instance_of(fmt["json_schema"]["schema"])), None
        if fmt.get("type") == "json_object":
            return "{}", None
        return f"echo: {last.get('content') or ''}", None

    def chat(self, request: Request) -> Reply:
        body = request.json()
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return error(400, "'messages' is a required property")
        self.requests.append(body)
        content, tool_calls = self._content(body)
        prompt = sum(tokens(str(m.get("content") or "")) for m in body["messages"])
        usage = {"prompt_tokens": prompt, "completion_tokens": tokens(content) if content else 5}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        finish = "tool_calls" if tool_calls else "stop"
        if body.get("stream"):
            return self._stream(body, content, tool_calls, finish, usage)
        message: dict[str, Any] = {"role": "assistant", "content": content or None}
        if tool_calls:
            message["tool_calls"] = tool_calls
        return Reply.of(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            }
        )

    def _stream(
        self,
        body: dict[str, Any],
        content: str,
        tool_calls: Any,
        finish: str,
        usage: dict[str, int],
    ) -> Reply:
        def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "model": body.get("model", ""),
                "choices": choices,
                **extra,
            }
            return f"data: {json.dumps(chunk)}\n\n".encode()

        events = [event([{"index": 0, "delta": {"role": "assistant", "content": ""}}])]
        words = content.split(" ") if content else []
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            events.append(event([{"index": 0, "delta": {"content": piece}}]))
        for i, call in enumerate(tool_calls or []):
            args = call["function"]["arguments"]
            half = len(args) // 2
            events.append(
                event(
                    [
                        {
                            "index": 0,
                            "delta": {
                                "tool_calls": [
                                    {
                                        "index": i,
                                        "id": call["id"],
                                        "type": "function",
                                        "function": {
                                            "name": call["function"]["name"],
                                            "arguments": args[:half],
                                        },
                                    }
                                ]
                            },
                        }
                    ]
                )
            )
            events.append(
                event(
                    [
                        {
                            "index": 0,
                            "delta": {
                                "tool_calls": [{"index": i, "function": {"arguments": args[half:]}}]
                            },
                        }
                    ]
                )
            )
        events.append(event([{"index": 0, "delta": {}, "finish_reason": finish}]))
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append(event([], usage=usage))
        events.append(b"data: [DONE]\n\n")
        return Reply(stream=events, content_type="text/event-stream")

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
