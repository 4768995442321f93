"""ModelClient: the one way every caller reaches a model. Route, then meter, then call,
failing over down the candidate list; provider jobs resume by ``resume_key``.

``route`` is pure (the orchestrator's gate asks it). The calls (``chat``, ``embed``,
``image``, ``speech``, ``video``, ``lipsync``) each take the ``CallScope`` first and return
a result with ``provider``, ``model``, ``usage`` and ``cost_usd``.
"""

from __future__ import annotations

from typing import Any

from nexus.contracts.router import CallScope, Capability, Usage
from nexus.model_router import profiles
from nexus.model_router.adapters.openai import ToolChoice
from nexus.model_router.calls import ChatRequest, request_tokens
from nexus.model_router.results import ChatResult, EmbedResult, MediaResult
from nexus.model_router.serving import DispatchEvents, Serving
from nexus.model_router.streaming import DeltaSink, OnDelta
from nexus.model_router.wav import wav_seconds
from nexus.safety import redact_messages, redact_result

__all__ = ["DispatchEvents", "ModelClient"]


class ModelClient(Serving):
    # -- calling -----------------------------------------------------------------------
    async def chat(
        self,
        scope: CallScope,
        messages: list[dict[str, Any]],
        *,
        json_schema: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: ToolChoice | None = None,
        parallel_tool_calls: bool | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        prefer: str | None = None,
        stream: bool = False,
        on_delta: OnDelta | None = None,
    ) -> ChatResult:
        """A chat turn. With ``tools`` (OpenAI function-tool dicts) it is a "tools" turn:
        only models that declare "tools" serve it (offline: the engine registered under
        "tools"), and the result's ``tool_calls`` are what the model asked for, parallel
        ones in order. ``tool_choice``: "auto", "none", "required" or a tool's name.

        ``on_delta`` (streams the answer): each text delta as it arrives, in order; they
        add up to ``result.text``. Tool-call deltas are not passed on (they are in the
        result, whole). Failover happens only before the first delta (ADR 0128); when the
        scope's outputs are redacted the text arrives as one redacted delta at the end
        (ADR 0129)."""
        capability: Capability = (
            "tools" if tools else ("json" if json_schema is not None else "chat")
        )
        safety = self.safety_for(scope)
        if safety.redact_prompts:
            messages = redact_messages(messages)
        sink = DeltaSink(None if safety.redact_outputs else on_delta)
        request = ChatRequest(
            messages=messages,
            json_schema=json_schema,
            tools=tools,
            tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls,
            temperature=temperature,
            max_tokens=max_tokens,
            stream=stream or on_delta is not None,
            on_delta=sink,
        )
        estimate = profiles.estimate_usage(capability, request_tokens(request), max_tokens)
        result = await self._serve(
            scope,
            capability,
            estimate,
            lambda c: self.calls.chat(c, capability, request),
            prefer=prefer,
            sink=sink,
        )
        if safety.redact_outputs:
            result = redact_result(result)
        if on_delta is not None and not sink.committed and result.text:
            on_delta(result.text)  # an engine that answered whole, or a redacted answer
        return result

    async def embed(
        self, scope: CallScope, texts: list[str], *, prefer: str | None = None
    ) -> EmbedResult:
        estimate = profiles.estimate_usage(
            "embeddings", sum(profiles.approx_tokens(t) for t in texts)
        )
        return await self._serve(
            scope, "embeddings", estimate, lambda c: self.calls.embed(c, texts), prefer=prefer
        )

    async def image(
        self,
        scope: CallScope,
        prompt: str,
        *,
        width: int,
        height: int,
        seed: int,
        negative_prompt: str | None = None,
        resume_key: str | None = None,
        prefer: str | None = None,
    ) -> MediaResult:
        params = {
            "prompt": prompt,
            "negative_prompt": negative_prompt or "",
            "width": width,
            "height": height,
            "seed": seed,
        }
        return await self._serve_job(scope, "image", Usage(images=1), params, resume_key, prefer)

    async def speech(
        self,
        scope: CallScope,
        text: str,
        *,
        voice: str,
        language: str,
        resume_key: str | None = None,
        prefer: str | None = None,
    ) -> MediaResult:
        seconds = len(text) / 10 + 1.0  # generous: ~15 characters a second in English
        params = {"text": text, "voice": voice, "language": language}
        return await self._serve_job(
            scope, "speech", Usage(audio_s=seconds), params, resume_key, prefer, language
        )

    async def video(
        self,
        scope: CallScope,
        image: bytes,
        prompt: str,
        *,
        seconds: float,
        resume_key: str | None = None,
        prefer: str | None = None,
    ) -> MediaResult:
        params = {"image_bytes": image, "prompt": prompt, "seconds": seconds}
        return await self._serve_job(
            scope, "video", Usage(video_s=seconds), params, resume_key, prefer
        )

    async def lipsync(
        self,
        scope: CallScope,
        audio: bytes,
        face: bytes,
        *,
        resume_key: str | None = None,
        prefer: str | None = None,
    ) -> MediaResult:
        from_wav = wav_seconds(audio) or 10.0
        params = {"audio": audio, "face": face, "seconds": from_wav}
        return await self._serve_job(
            scope, "lipsync", Usage(video_s=from_wav), params, resume_key, prefer
        )

    async def _serve_job(
        self,
        scope: CallScope,
        capability: Capability,
        estimate: Usage,
        params: dict[str, Any],
        resume_key: str | None,
        prefer: str | None,
        language: str | None = None,
    ) -> MediaResult:
        recorded = await self.calls.recorded(resume_key)
        if recorded is not None:
            prefer = f"{recorded.provider}/{recorded.model}"  # resume where it was submitted
        return await self._serve(
            scope,
            capability,
            estimate,
            lambda c: self.calls.media(c, capability, params, resume_key),
            prefer=prefer,
            language=language,
        )
