"""``nexus providers test``: one cheap, unbilled request that shows a provider answers
(OpenAI-compatible ``GET /models``, ComfyUI ``GET /system_stats``, lip-sync ``GET
/v1/health``), with its latency and the error code when it does not.

For an OpenAI-compatible provider it also names the models that declare "tools" (they get
agent turns) and the declared models its ``/models`` list leaves out (a typo in a model
name, or a model the server has not pulled): information, not a failure, since some
servers list aliases only."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import httpx

from nexus.core.errors import NexusError
from nexus.model_router.adapters.http import check, make_client, with_retries
from nexus.model_router.providers import ProviderSpec

PROBE_TIMEOUT_S = 10.0
PROBE_PATHS = {"openai": "/models", "comfyui": "/system_stats", "lipsync_http": "/v1/health"}


@dataclass(frozen=True)
class ProbeResult:
    provider: str
    ok: bool
    latency_ms: float
    detail: str
    code: str | None = None
    tool_models: tuple[str, ...] = ()  # declared models with capability "tools"
    unlisted: tuple[str, ...] = ()  # declared models GET /models does not list


def listed_models(response: httpx.Response) -> set[str] | None:
    """The model ids of an OpenAI-compatible ``GET /models`` answer; None: not that shape."""
    try:
        data = response.json()
        return {str(row["id"]) for row in data["data"]}
    except (ValueError, KeyError, TypeError):
        return None


async def probe(spec: ProviderSpec) -> ProbeResult:
    if spec.offline:
        return ProbeResult(spec.name, True, 0.0, "built-in offline engines")
    started = time.perf_counter()
    http = make_client(dataclasses.replace(spec, timeout_s=min(spec.timeout_s, PROBE_TIMEOUT_S)))
    try:
        path = PROBE_PATHS[spec.kind]

        async def once() -> httpx.Response:
            return check(spec.name, await http.get(path))

        response = await with_retries(spec, once, retries=0)
        latency = (time.perf_counter() - started) * 1000
        detail = f"GET {path} -> {response.status_code}"
        if spec.kind != "openai":
            return ProbeResult(spec.name, True, latency, detail)
        listed = listed_models(response)
        declared = [m.name for m in spec.models]
        return ProbeResult(
            spec.name,
            True,
            latency,
            detail,
            tool_models=tuple(m.name for m in spec.models if "tools" in m.capabilities),
            unlisted=tuple(n for n in declared if n not in listed) if listed is not None else (),
        )
    except NexusError as exc:
        return ProbeResult(
            spec.name, False, (time.perf_counter() - started) * 1000, exc.detail, exc.code.value
        )
    finally:
        await http.aclose()
