"""ModelClient: the one way every caller reaches a model. Route, then meter, then call,
failing over down the candidate list; provider jobs resume by ``resume_key``.

``route`` is pure (the orchestrator's gate asks it). The calls (``chat``, ``embed``,
``image``, ``speech``, ``video``, ``lipsync``) each take the ``CallScope`` first and return
a result with ``provider``, ``model``, ``usage`` and ``cost_usd``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from nexus.contracts.router import CallScope, Capability, Usage
from nexus.contracts.tasks import DispatchDecision
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger
from nexus.core.settings import RouterSettings
from nexus.model_router import decide, observe, profiles
from nexus.model_router.adapters.openai import ToolChoice
from nexus.model_router.calls import Calls, ChatRequest, OfflineEngine, request_tokens
from nexus.model_router.decide import NO_PROJECT, Candidate, ProjectRouting
from nexus.model_router.fallback import run_with_failover
from nexus.model_router.health import HealthBoard, SharedHealth
from nexus.model_router.jobs import ProviderJobStore
from nexus.model_router.metering import Meter
from nexus.model_router.providers import ProviderRegistry
from nexus.model_router.results import CallResult, ChatResult, EmbedResult, MediaResult
from nexus.model_router.streaming import DeltaSink, OnDelta
from nexus.model_router.wav import wav_seconds
from nexus.safety import SafetyPolicy, SafetyPolicyFor, redact_messages, redact_result

R = TypeVar("R", bound=CallResult)
log = get_logger(__name__)


class DispatchEvents(Protocol):
    async def failed_over(
        self, scope: CallScope, capability: Capability, data: dict[str, Any]
    ) -> None:
        """A call moved from one provider to the next (``nexus.dispatch.failed_over``)."""
        ...


class ModelClient:
    def __init__(
        self,
        registry: ProviderRegistry,
        settings: RouterSettings,
        meter: Meter,
        *,
        jobs: ProviderJobStore | None = None,
        shared: SharedHealth | None = None,
        offline: Mapping[Capability, OfflineEngine] | None = None,
        events: DispatchEvents | None = None,
        safety_for: SafetyPolicyFor | None = None,
    ) -> None:
        self.registry = registry
        # Whether a call's prompt and output are redacted (Settings.safety; the policy
        # engine may replace it with its own per-scope answer).
        self.safety_for: SafetyPolicyFor = safety_for or (lambda _scope: SafetyPolicy())
        self.settings = settings
        self.meter = meter
        self.health: HealthBoard = meter.health
        self.shared = shared
        self.events = events
        self.calls = Calls(registry, jobs, dict(offline or {}))
        # Projects' own routing (project id -> preferences); replaced whole by ``reload``.
        self.projects: Mapping[str, ProjectRouting] = {}

    # -- deciding (pure) ---------------------------------------------------------------
    def candidates(
        self,
        capability: Capability,
        *,
        prefer: str | None = None,
        language: str | None = None,
        project_id: str | None = None,
    ) -> tuple[list[Candidate], list[str]]:
        project = self.projects.get(project_id, NO_PROJECT) if project_id else NO_PROJECT
        return decide.plan(
            self.registry,
            capability,
            self.settings,
            self.health,
            prefer=prefer,
            language=language,
            project=project,
        )

    def route(
        self,
        capability: Capability,
        *,
        prefer: str | None = None,
        job_id: str = "",
        pool: str = "cpu",
        size: float = 1.0,
        remaining_usd: float | None = None,
        project_id: str | None = None,
    ) -> DispatchDecision:
        """Which provider and model would serve ``capability`` now, and why. No I/O.
        ``size``: tokens, images or seconds of the request (for the estimate);
        ``remaining_usd``: skip candidates whose estimate the budget cannot cover."""
        chosen, skipped = self.candidates(capability, prefer=prefer, project_id=project_id)
        usage = profiles.estimate_usage(capability, size)
        costs = {c.label: c.model.prices.cost(usage) for c in chosen}
        affordable = decide.within_budget(chosen, costs, remaining_usd)
        if len(affordable) < len(chosen):
            skipped = [*skipped, f"{len(chosen) - len(affordable)} over the remaining budget"]
        estimate = costs[affordable[0].label] if affordable else 0.0
        return decide.decision_for(job_id, affordable, skipped, pool, estimate)

    def available(self, capability: Capability) -> bool:
        """A non-offline provider for ``capability`` is configured and enabled."""
        return any(
            spec.enabled and not spec.offline and spec.capable(capability)
            for spec in self.registry.providers.values()
        )

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
        result, whole). Failover happens only before the first delta (ADR 0310); when the
        scope's outputs are redacted the text arrives as one redacted delta at the end."""
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

    async def _serve(
        self,
        scope: CallScope,
        capability: Capability,
        estimate: Usage,
        invoke: Callable[[Candidate], Awaitable[R]],
        *,
        prefer: str | None,
        language: str | None = None,
        sink: DeltaSink | None = None,
    ) -> R:
        """``sink``: a streamed chat's deltas; once one reached the caller, an error is the
        call's answer (no other candidate is tried)."""
        if self.shared is not None:
            await self.shared.sync(list(self.registry.providers))
        chosen, skipped = self.candidates(
            capability, prefer=prefer, language=language, project_id=scope.project_id
        )
        if not chosen:
            decide.decision_for(scope.job_id or "", chosen, skipped, "cpu", 0.0)  # raises
        hops: list[str] = []

        async def attempt(c: Candidate) -> R:
            try:
                return await self.meter.call(scope, capability, c, estimate, lambda: invoke(c))
            except NexusError as exc:
                if sink is not None:
                    sink.mark(exc)
                raise

        async def hop(failed: Candidate, to: Candidate, exc: NexusError) -> None:
            hops.append(failed.label)
            await self._failed_over(scope, capability, failed, to, exc)

        result = await run_with_failover(
            chosen,
            attempt,
            failover=self.settings.failover,
            estimate_usd=lambda c: c.model.prices.cost(estimate),
            on_hop=hop,
            retries_before_failover=self.settings.retries_before_failover,
        )
        if hops:
            result = dataclasses.replace(result, failed_over_from=tuple(hops))
        return result

    async def _failed_over(
        self,
        scope: CallScope,
        capability: Capability,
        failed: Candidate,
        to: Candidate,
        exc: NexusError,
    ) -> None:
        data = {
            "from_provider": failed.provider.name,
            "from_model": failed.model.name,
            "to_provider": to.provider.name,
            "to_model": to.model.name,
            "code": exc.code.value,
            "reason": exc.detail[:300],
            "capability": capability,
        }
        log.warning("nexus.dispatch.failed_over", job_id=scope.job_id, **data)
        observe.failed_over(capability, failed.provider.name, to.provider.name)
        if self.events is not None:
            await self.events.failed_over(scope, capability, data)

    async def reload(
        self, registry: ProviderRegistry, projects: Mapping[str, ProjectRouting] | None = None
    ) -> None:
        """Use another registry (providers added or switched over the API) and, when given,
        other project preferences. Adapters of unchanged providers are kept; the others are
        retired, not closed under in-flight calls (closed with the client)."""
        self.registry = registry
        self.calls.reload(registry)
        if projects is not None:
            self.projects = projects

    async def close(self) -> None:
        await self.calls.close()
