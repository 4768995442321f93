"""One call on one candidate: pick the adapter for the provider's wire format, submit or
resume its provider job, and report the usage the price table bills.

Async provider jobs (ComfyUI prompts, lip-sync jobs) are recorded in the database before
waiting; a later call with the same ``resume_key`` on the same provider and model polls
that job instead of submitting it again.
"""

from __future__ import annotations

import dataclasses
import json
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import Capability, Usage
from nexus.core.errors import NexusError
from nexus.model_router import profiles
from nexus.model_router.adapters.comfyui import ComfyUIAdapter, load_workflow
from nexus.model_router.adapters.http import tls_context
from nexus.model_router.adapters.lipsync import LipsyncAdapter
from nexus.model_router.adapters.openai import OpenAIAdapter, ToolChoice
from nexus.model_router.decide import Candidate
from nexus.model_router.jobs import ProviderJobStore, RecordedJob
from nexus.model_router.providers import ProviderRegistry, ProviderSpec
from nexus.model_router.results import CallResult, ChatResult, EmbedResult, MediaResult
from nexus.model_router.streaming import DeltaSink

Adapter = OpenAIAdapter | ComfyUIAdapter | LipsyncAdapter
OfflineEngine = Callable[..., Awaitable[CallResult]]
VIDEO_FPS = 16


@dataclass(frozen=True)
class ChatRequest:
    """One chat call's request, the same for every candidate it may be tried on."""

    messages: list[dict[str, Any]]
    json_schema: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = False
    on_delta: DeltaSink | None = None


def request_tokens(req: ChatRequest) -> int:
    """The prompt's size for the budget estimate: the messages' text and the tool calls
    they carry, and the schemas sent along (tools' parameters, the output schema)."""
    parts: list[str] = []
    for m in req.messages:
        parts.append(str(m.get("content") or ""))
        if m.get("tool_calls"):
            parts.append(json.dumps(m["tool_calls"], ensure_ascii=False, default=str))
    if req.tools:
        parts.append(json.dumps(req.tools, ensure_ascii=False, default=str))
    if req.json_schema is not None:
        parts.append(str(req.json_schema))
    return sum(profiles.approx_tokens(p) for p in parts if p)


def unsupported(c: Candidate, capability: str) -> NexusError:
    return NexusError(
        ErrorCode.NO_CAPABLE_PROVIDER,
        f"{c.label}: a {c.provider.kind} provider cannot serve {capability}",
    )


class Calls:
    def __init__(
        self,
        registry: ProviderRegistry,
        jobs: ProviderJobStore | None,
        offline: dict[Capability, OfflineEngine],
    ) -> None:
        self.registry = registry
        self.jobs = jobs
        self.offline = offline
        self.adapters: dict[str, Adapter] = {}
        self.tls: ssl.SSLContext | None = None  # shared by every adapter, built once
        self.retired: list[Adapter] = []  # replaced by a reload; closed with the client

    def adapter(self, spec: ProviderSpec) -> Adapter:
        found = self.adapters.get(spec.name)
        if found is None:
            if self.tls is None:
                self.tls = tls_context()
            kinds: dict[str, Callable[[ProviderSpec, ssl.SSLContext], Adapter]] = {
                "openai": OpenAIAdapter,
                "comfyui": ComfyUIAdapter,
                "lipsync_http": LipsyncAdapter,
            }
            found = self.adapters[spec.name] = kinds[spec.kind](spec, self.tls)
        return found

    def reload(self, registry: ProviderRegistry) -> None:
        self.registry = registry
        for name, adapter in list(self.adapters.items()):
            if registry.providers.get(name) != adapter.spec:
                self.retired.append(self.adapters.pop(name))

    async def close(self) -> None:
        for adapter in [*self.adapters.values(), *self.retired]:
            await adapter.close()
        self.adapters.clear()
        self.retired.clear()

    async def _offline(self, c: Candidate, capability: Capability, **kw: Any) -> Any:
        engine = self.offline.get(capability)
        if engine is None:
            raise NexusError(
                ErrorCode.NO_CAPABLE_PROVIDER,
                f"no non-offline provider for {capability}: use the offline engine",
                extra={"offline": True},
            )
        return await engine(**kw)

    async def chat(self, c: Candidate, capability: Capability, req: ChatRequest) -> ChatResult:
        """``capability``: chat, json or tools; an offline candidate calls the engine
        registered under it (the offline command engine is the "tools" one)."""
        if c.provider.offline:
            return await self._offline(
                c,
                capability,
                messages=req.messages,
                tools=req.tools,
                json_schema=req.json_schema,
                temperature=req.temperature,
                max_tokens=req.max_tokens,
                stream=req.stream,
                on_delta=req.on_delta if req.stream else None,
            )
        adapter = self.adapter(c.provider)
        if not isinstance(adapter, OpenAIAdapter):
            raise unsupported(c, capability)
        return await adapter.chat(
            c.model.name,
            req.messages,
            json_schema=req.json_schema,
            tools=req.tools,
            temperature=req.temperature,
            max_tokens=req.max_tokens,
            stream=req.stream,
            tool_choice=req.tool_choice,
            parallel_tool_calls=req.parallel_tool_calls,
            on_delta=req.on_delta if req.stream else None,
        )

    async def embed(self, c: Candidate, texts: list[str]) -> EmbedResult:
        if c.provider.offline:
            return await self._offline(c, "embeddings", texts=texts)
        adapter = self.adapter(c.provider)
        if not isinstance(adapter, OpenAIAdapter):
            raise unsupported(c, "embeddings")
        return await adapter.embed(c.model.name, texts)

    async def recorded(self, resume_key: str | None) -> RecordedJob | None:
        if resume_key is None or self.jobs is None:
            return None
        return await self.jobs.find(resume_key)

    async def media(
        self, c: Candidate, capability: Capability, params: dict[str, Any], resume_key: str | None
    ) -> MediaResult:
        if c.provider.offline:
            return await self._offline(c, capability, **params)
        adapter = self.adapter(c.provider)
        if isinstance(adapter, OpenAIAdapter):
            return await self._openai_media(c, adapter, capability, params)
        if isinstance(adapter, ComfyUIAdapter):
            return await self._comfyui(c, adapter, capability, params, resume_key)
        if capability != "lipsync":
            raise unsupported(c, capability)
        return await self._job(
            c,
            capability,
            resume_key,
            lambda: adapter.submit(c.model.name, params["audio"], params["face"]),
            lambda job_id: adapter.wait(job_id, timeout_s=c.provider.job_timeout_s),
            Usage(video_s=float(params["seconds"])),
        )

    async def _openai_media(
        self, c: Candidate, adapter: OpenAIAdapter, capability: Capability, params: dict[str, Any]
    ) -> MediaResult:
        if capability == "image":
            return await adapter.image(
                c.model.name, params["prompt"], width=params["width"], height=params["height"]
            )
        if capability == "speech":
            return await adapter.speech(c.model.name, params["text"], voice=params["voice"])
        raise unsupported(c, capability)

    async def _comfyui(
        self,
        c: Candidate,
        adapter: ComfyUIAdapter,
        capability: Capability,
        params: dict[str, Any],
        resume_key: str | None,
    ) -> MediaResult:
        if capability not in ("image", "video") or not c.model.workflow:
            raise unsupported(c, capability)
        workflow = load_workflow(c.model.workflow)
        values = {k: v for k, v in params.items() if k != "image_bytes"}
        usage = (
            Usage(images=1) if capability == "image" else Usage(video_s=float(params["seconds"]))
        )

        async def submit() -> str:
            if capability == "video":
                values["image"] = await adapter.upload(params["image_bytes"], "nexus-input.png")
                values["fps"] = VIDEO_FPS
                values["frames"] = max(1, round(float(params["seconds"]) * VIDEO_FPS))
            return await adapter.submit(workflow, values)

        return await self._job(
            c,
            capability,
            resume_key,
            submit,
            lambda prompt_id: adapter.wait(prompt_id, timeout_s=c.provider.job_timeout_s),
            usage,
        )

    async def _job(
        self,
        c: Candidate,
        capability: Capability,
        resume_key: str | None,
        submit: Callable[[], Awaitable[str]],
        wait: Callable[[str], Awaitable[MediaResult]],
        usage: Usage,
    ) -> MediaResult:
        started = time.perf_counter()
        resumed = await self._resume(c, resume_key, wait)
        if resumed is not None:
            return dataclasses.replace(resumed, usage=usage, resumed=True)
        external_id = await submit()
        if resume_key is not None and self.jobs is not None:
            await self.jobs.record(
                resume_key,
                provider=c.provider.name,
                model=c.model.name,
                capability=capability,
                external_id=external_id,
            )
        result = await wait(external_id)
        if resume_key is not None and self.jobs is not None:
            await self.jobs.finish(resume_key)
        spent = usage.model_copy(update={"compute_s": time.perf_counter() - started})
        return dataclasses.replace(result, usage=spent)

    async def _resume(
        self, c: Candidate, resume_key: str | None, wait: Callable[[str], Awaitable[MediaResult]]
    ) -> MediaResult | None:
        recorded = await self.recorded(resume_key)
        if recorded is None or (recorded.provider, recorded.model) != (
            c.provider.name,
            c.model.name,
        ):
            return None
        assert resume_key is not None and self.jobs is not None
        try:
            result = await wait(recorded.external_id)
        except NexusError as exc:
            if exc.code != ErrorCode.PROVIDER_ERROR or exc.extra.get("status") != 400:
                raise  # down or slow: a later attempt resumes the same job again
            await self.jobs.forget(resume_key)  # that job failed there: submit afresh
            return None
        await self.jobs.finish(resume_key)
        return result
