"""The OpenAI-compatible wire format: chat (JSON schema, tools, SSE streaming), embeddings,
images and speech. Serves OpenAI, DeepSeek, Qwen/DashScope compatible mode, vLLM, Ollama and
llama.cpp's server alike: ``base_url`` ends in ``/v1`` (or the vendor's equivalent).
"""

from __future__ import annotations

import base64
import json
import ssl
from typing import Any, cast

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import Usage
from nexus.core.errors import NexusError
from nexus.model_router.adapters import sse
from nexus.model_router.adapters.http import check, make_client, parse_json, with_retries
from nexus.model_router.providers import ProviderSpec
from nexus.model_router.results import ChatResult, EmbedResult, MediaResult, ToolCall
from nexus.model_router.streaming import DeltaSink
from nexus.model_router.wav import wav_seconds

# "auto" (the model decides), "none" (answer in text), "required" (call at least one tool),
# or a tool's name: call exactly that one.
ToolChoice = str


def tool_choice_body(choice: ToolChoice) -> str | dict[str, Any]:
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def invalid(provider: str, detail: str) -> NexusError:
    return NexusError(
        ErrorCode.PROVIDER_RESPONSE_INVALID, f"{provider}: {detail}", extra={"provider": provider}
    )


def chat_body(
    model: str,
    messages: list[dict[str, Any]],
    *,
    json_schema: dict[str, Any] | None,
    tools: list[dict[str, Any]] | None,
    temperature: float | None,
    max_tokens: int | None,
    stream: bool,
    tool_choice: ToolChoice | None = None,
    parallel_tool_calls: bool | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": messages}
    if json_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": json_schema, "strict": True},
        }
    if tools:
        body["tools"] = tools
        if tool_choice is not None:
            body["tool_choice"] = tool_choice_body(tool_choice)
        if parallel_tool_calls is not None:
            body["parallel_tool_calls"] = parallel_tool_calls
    if temperature is not None:
        body["temperature"] = temperature
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def usage_of(data: Any) -> Usage:
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return Usage()
    return Usage(
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
    )


def _tool_calls(provider: str, raw: Any) -> tuple[ToolCall, ...]:
    calls: list[ToolCall] = []
    for item in raw or []:
        fn = item.get("function") or {}
        name = str(fn.get("name") or "")
        if not name:
            raise invalid(provider, "a tool call without a function name")
        try:
            args = json.loads(fn.get("arguments") or "{}")
        except ValueError as exc:
            raise invalid(provider, f"tool call {name} arguments are not JSON ({exc})") from exc
        if not isinstance(args, dict):
            raise invalid(provider, f"tool call {name} arguments are not a JSON object")
        call_id = str(item.get("id") or f"call_{len(calls)}")  # some servers send none
        calls.append(ToolCall(call_id, name, cast(dict[str, Any], args)))
    return tuple(calls)


def chat_result(
    provider: str, text: str, tools: Any, finish: str, usage: Usage, schema: bool
) -> ChatResult:
    parsed: Any = None
    if schema and not tools:
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise invalid(provider, f"the JSON output does not parse ({exc})") from exc
    return ChatResult(
        text=text,
        parsed=parsed,
        tool_calls=_tool_calls(provider, tools),
        finish_reason=finish,
        usage=usage,
    )


class OpenAIAdapter:
    def __init__(self, spec: ProviderSpec, tls: ssl.SSLContext | None = None) -> None:
        self.spec = spec
        self.http = make_client(spec, tls)

    async def close(self) -> None:
        await self.http.aclose()

    async def chat(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        json_schema: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        stream: bool = False,
        tool_choice: ToolChoice | None = None,
        parallel_tool_calls: bool | None = None,
        on_delta: DeltaSink | None = None,
    ) -> ChatResult:
        """``on_delta`` (with ``stream``): each text delta as it arrives; after the first one
        a failure is not retried (ADR 0310)."""
        body = chat_body(
            model,
            messages,
            json_schema=json_schema,
            tools=tools,
            temperature=temperature,
            max_tokens=max_tokens,
            stream=stream,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
        )
        schema = json_schema is not None
        if stream:
            return await with_retries(
                self.spec, lambda: self._chat_stream(body, schema, on_delta), sink=on_delta
            )
        return await with_retries(self.spec, lambda: self._chat_once(body, schema))

    async def _chat_once(self, body: dict[str, Any], schema: bool) -> ChatResult:
        name = self.spec.name
        data = parse_json(name, check(name, await self.http.post("/chat/completions", json=body)))
        try:
            choice = data["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError) as exc:
            raise invalid(name, "no choices[0].message in the answer") from exc
        return chat_result(
            name,
            message.get("content") or "",
            message.get("tool_calls"),
            str(choice.get("finish_reason") or ""),
            usage_of(data),
            schema,
        )

    async def _chat_stream(
        self, body: dict[str, Any], schema: bool, on_delta: DeltaSink | None
    ) -> ChatResult:
        name = self.spec.name
        async with self.http.stream("POST", "/chat/completions", json=body) as response:
            if response.status_code >= 400:
                await response.aread()
                check(name, response)
            acc = await sse.accumulate_chat(name, response.aiter_lines(), on_delta)
        return chat_result(name, acc.text, acc.tool_calls(), acc.finish, acc.usage, schema)

    async def embed(self, model: str, texts: list[str]) -> EmbedResult:
        async def once() -> EmbedResult:
            name = self.spec.name
            body = {"model": model, "input": texts}
            data = parse_json(name, check(name, await self.http.post("/embeddings", json=body)))
            try:
                rows = sorted(data["data"], key=lambda r: r.get("index", 0))
                vectors = tuple(tuple(float(x) for x in r["embedding"]) for r in rows)
            except (KeyError, TypeError, ValueError) as exc:
                raise invalid(name, "no data[].embedding in the answer") from exc
            if len(vectors) != len(texts):
                raise invalid(name, f"{len(vectors)} embeddings for {len(texts)} inputs")
            return EmbedResult(vectors=vectors, usage=usage_of(data))

        return await with_retries(self.spec, once)

    async def image(self, model: str, prompt: str, *, width: int, height: int) -> MediaResult:
        async def once() -> MediaResult:
            name = self.spec.name
            body = {
                "model": model,
                "prompt": prompt,
                "size": f"{width}x{height}",
                "n": 1,
                "response_format": "b64_json",
            }
            resp = check(name, await self.http.post("/images/generations", json=body))
            data = parse_json(name, resp)
            try:
                raw = base64.b64decode(data["data"][0]["b64_json"], validate=True)
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                raise invalid(name, "no data[0].b64_json image in the answer") from exc
            return MediaResult(data=raw, media_type="image/png", usage=Usage(images=1))

        return await with_retries(self.spec, once)

    async def speech(self, model: str, text: str, *, voice: str) -> MediaResult:
        async def once() -> MediaResult:
            name = self.spec.name
            body = {"model": model, "input": text, "voice": voice, "response_format": "wav"}
            resp = check(name, await self.http.post("/audio/speech", json=body))
            seconds = wav_seconds(resp.content)
            if seconds is None:
                raise invalid(name, "the speech answer is not a WAV file")
            return MediaResult(
                data=resp.content,
                media_type="audio/wav",
                seconds=seconds,
                usage=Usage(audio_s=seconds),
            )

        return await with_retries(self.spec, once)
