"""Traces and metrics of provider calls (OpenTelemetry GenAI semantic conventions).

A span per call attempt: ``{operation} {model}`` with ``gen_ai.operation.name``,
``gen_ai.provider.name`` (and the older ``gen_ai.system``), ``gen_ai.request.model``,
``gen_ai.usage.input_tokens``/``output_tokens`` and ``nexus.cost_usd``; the catalogue's
provider counters and latency histogram (bounded labels: provider, model, capability).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator

from opentelemetry.trace import Span, StatusCode

from nexus.contracts.router import Capability, Usage
from nexus.core import metrics, telemetry
from nexus.model_router.decide import Candidate

OPERATIONS: dict[str, str] = {
    "chat": "chat",
    "json": "chat",
    "tools": "chat",
    "embeddings": "embeddings",
    "image": "generate_content",
    "speech": "generate_content",
    "video": "generate_content",
    "lipsync": "generate_content",
}


@contextlib.contextmanager
def call_span(capability: Capability, c: Candidate) -> Generator[Span | None]:
    if not telemetry.ENABLED:
        yield None
        return
    operation = OPERATIONS.get(capability, capability)
    attrs = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": c.provider.name,
        "gen_ai.system": str(c.provider.kind),
        "gen_ai.request.model": c.model.name,
        "nexus.capability": capability,
    }
    with telemetry.span(f"{operation} {c.model.name}", attrs) as span:
        yield span


def succeeded(
    span: Span | None, capability: Capability, c: Candidate, usage: Usage, cost: float, ms: float
) -> None:
    provider, model = c.provider.name, c.model.name
    metrics.PROVIDER_CALLS.labels(provider, model, capability, "ok").inc()
    metrics.PROVIDER_LATENCY.labels(provider, capability).observe(ms / 1000)
    if cost:
        metrics.PROVIDER_COST.labels(provider, model).inc(cost)
    if usage.input_tokens:
        metrics.PROVIDER_TOKENS.labels(provider, model, "input").inc(usage.input_tokens)
    if usage.output_tokens:
        metrics.PROVIDER_TOKENS.labels(provider, model, "output").inc(usage.output_tokens)
    if span is not None:
        span.set_attributes(
            {
                "gen_ai.response.model": model,
                "gen_ai.usage.input_tokens": usage.input_tokens,
                "gen_ai.usage.output_tokens": usage.output_tokens,
                "nexus.cost_usd": cost,
            }
        )


def failed(span: Span | None, capability: Capability, c: Candidate, code: str, ms: float) -> None:
    metrics.PROVIDER_CALLS.labels(c.provider.name, c.model.name, capability, code).inc()
    metrics.PROVIDER_LATENCY.labels(c.provider.name, capability).observe(ms / 1000)
    if span is not None:
        span.set_attribute("error.type", code)
        span.set_status(StatusCode.ERROR, code)


def circuit(provider: str, state: str) -> None:
    metrics.CIRCUIT_OPEN.labels(provider).set(1.0 if state == "open" else 0.0)


def failed_over(capability: str, from_provider: str, to_provider: str) -> None:
    metrics.PROVIDER_FAILOVERS.labels(capability, from_provider, to_provider).inc()
