"""Installs tracing for one process from ``Settings.telemetry`` (entry points call it once).

Off (the default, embedded mode included): nothing is installed and ``telemetry.ENABLED``
stays False, so no span object is ever built. On: a tracer provider with the process's
``service.name``, parent-based trace-id-ratio sampling (one decision per trace, honoured by
every process), a batch processor and the exporter (OTLP/HTTP or JSON lines), behind the
shared redaction; the official instrumentations of httpx, asyncpg, redis and aio-pika
(FastAPI is instrumented per app by the gateway). A client span that would start a trace of
its own (an SQL statement, a Redis command or an HTTP call outside any run or request: the
orchestrator's sweeps, a worker's heartbeats, start-up) is not recorded (``TraceRoots``,
ADR 0255).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

from nexus.core import telemetry
from nexus.core.settings import Settings, TelemetrySettings
from nexus.core.trace_export import JsonLinesExporter, Redacting

_provider: TracerProvider | None = None


class TraceRoots(Sampler):
    """The sampler of spans that start a trace: by trace-id ratio, except client spans (a
    library call outside any trace), which are dropped: one trace per background statement
    is noise, and costs its process a span and an export each."""

    def __init__(self, ratio: float) -> None:
        self.ratio = TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return self.ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"TraceRoots{{{self.ratio.get_description()}}}"


def trace_file(settings: Settings) -> Path:
    return settings.telemetry.file_path or settings.data_dir / "traces.jsonl"


def _exporter(settings: Settings) -> SpanExporter | None:
    t = settings.telemetry
    if t.exporter == "file":
        return JsonLinesExporter(trace_file(settings))
    if t.exporter == "otlp":
        # Imported only when chosen: the protobuf stack is not loaded otherwise.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        return OTLPSpanExporter(endpoint=t.endpoint)
    return None


def configure(settings: Settings, process: str, *, exporter: SpanExporter | None = None) -> bool:
    """Install tracing if enabled; returns whether it is on. ``exporter`` overrides the
    configured one (tests and benchmarks: an in-memory exporter)."""
    global _provider
    t: TelemetrySettings = settings.telemetry
    if not t.enabled or _provider is not None:
        return _provider is not None
    provider = TracerProvider(
        resource=Resource.create({"service.name": t.service_name or f"nexus-{process}"}),
        sampler=ParentBased(TraceRoots(t.sample_ratio)),
        id_generator=telemetry.RunIds(),
    )
    chosen = exporter or _exporter(settings)
    if chosen is not None:
        provider.add_span_processor(
            BatchSpanProcessor(Redacting(chosen), schedule_delay_millis=500)
        )
    _provider = provider
    telemetry.install(provider.get_tracer("nexus"), t.sample_ratio)
    if t.instrument_libraries:
        _instrument_libraries(provider)
    return True


def _instrument_libraries(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.aio_pika import AioPikaInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.redis import RedisInstrumentor  # noqa: PLC0415

    for instrumentor in (
        HTTPXClientInstrumentor(),
        AsyncPGInstrumentor(),
        RedisInstrumentor(),
        AioPikaInstrumentor(),
    ):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider)


def provider() -> TracerProvider | None:
    return _provider


def flush() -> None:
    if _provider is not None:
        _provider.force_flush()


def shutdown() -> None:
    """Flush and stop (process exit); tracing is off afterwards."""
    global _provider
    if _provider is None:
        return
    _provider.force_flush()
    _provider.shutdown()
    _provider = None
    telemetry.uninstall()
