"""``nexus providers test``: one cheap, unbilled request that shows a provider answers
(OpenAI-compatible ``GET /models``, ComfyUI ``GET /system_stats``, lip-sync ``GET
/v1/health``), with its latency and the error code when it does not."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

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


async def probe(spec: ProviderSpec) -> ProbeResult:
    if spec.offline:
        return ProbeResult(spec.name, True, 0.0, "built-in offline engines")
    started = time.perf_counter()
    http = make_client(dataclasses.replace(spec, timeout_s=min(spec.timeout_s, PROBE_TIMEOUT_S)))
    try:
        path = PROBE_PATHS[spec.kind]

        async def once() -> int:
            return check(spec.name, await http.get(path)).status_code

        status = await with_retries(spec, once, retries=0)
        detail = f"GET {path} -> {status}"
        return ProbeResult(spec.name, True, (time.perf_counter() - started) * 1000, detail)
    except NexusError as exc:
        return ProbeResult(
            spec.name, False, (time.perf_counter() - started) * 1000, exc.detail, exc.code.value
        )
    finally:
        await http.aclose()
