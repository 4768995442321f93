"""Tracing: OpenTelemetry spans when ``telemetry.enabled``; nothing at all when it is off.

``ENABLED`` is a module global the hot paths test before they build anything: with tracing
off a call site costs one attribute read (``if telemetry.ENABLED``) or one shared null context
manager (``span``). A run's trace id is the run's ``trace_id`` column, so the spans, the log
lines and the events of one run share one id; the run span's span id is derived from it
(``run_span_id``), so any process can parent a span under a run knowing only its trace id.
Context crosses processes as W3C ``traceparent``: HTTP headers, and broker message headers
(``inject``/``extract`` on the message dict, which both brokers carry).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
from collections.abc import Generator, Mapping, MutableMapping
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, TraceFlags
from opentelemetry.trace.status import Status, StatusCode

ENABLED = False
"""True once ``nexus.core.telemetry_setup.configure`` installed a tracer provider."""

TRACEPARENT = "traceparent"
_NULL = contextlib.nullcontext(None)
_forced_span_id: ContextVar[int | None] = ContextVar("nexus_forced_span_id", default=None)
_forced_trace_id: ContextVar[int | None] = ContextVar("nexus_forced_trace_id", default=None)
Attributes = Mapping[str, str | int | float | bool]


class RunIds(RandomIdGenerator):
    """Random ids, except the run span's: its trace id is the run's, its span id derived."""

    def generate_span_id(self) -> int:
        return _forced_span_id.get() or super().generate_span_id()

    def generate_trace_id(self) -> int:
        return _forced_trace_id.get() or super().generate_trace_id()


_state: dict[str, Any] = {"tracer": trace.get_tracer("nexus"), "sample_bound": 1 << 64}


def install(tracer_: trace.Tracer, sample_ratio: float) -> None:
    """Turn tracing on with ``tracer_`` (``telemetry_setup.configure`` calls this)."""
    global ENABLED
    _state["tracer"] = tracer_
    _state["sample_bound"] = round(sample_ratio * (1 << 64))
    run_parent.cache_clear()
    ENABLED = True  # pyright: ignore[reportConstantRedefinition]


def uninstall() -> None:
    global ENABLED
    ENABLED = False  # pyright: ignore[reportConstantRedefinition]
    _state["tracer"] = trace.get_tracer("nexus")
    run_parent.cache_clear()


def tracer() -> trace.Tracer:
    return _state["tracer"]


def _sampled(trace_id: int) -> bool:
    """The ratio sampler's decision for a trace (the same in every process)."""
    return (trace_id & 0xFFFFFFFFFFFFFFFF) < _state["sample_bound"]


def valid_trace_id(value: str) -> bool:
    return len(value) == 32 and value != "0" * 32 and all(c in "0123456789abcdef" for c in value)


def new_trace_id() -> str:
    """The trace id of the current span, or a fresh random one (a run's ``trace_id``)."""
    if ENABLED:
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            return format(ctx.trace_id, "032x")
    return secrets.token_hex(16)


def run_span_id(trace_id: str) -> int:
    """The span id of the run span of the run traced under ``trace_id`` (never 0)."""
    digest = hashlib.sha256(b"nexus-run:" + trace_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") or 1


@functools.lru_cache(maxsize=1024)
def run_parent(trace_id: str) -> otel_context.Context | None:
    """A context whose parent is the run span of ``trace_id`` (None: not a traceable id).
    Remembered per trace id (a worker asks once per job of the run); contexts are immutable,
    and ``install``/``uninstall`` forget them (the sampling decision is in them)."""
    if not valid_trace_id(trace_id):
        return None
    tid = int(trace_id, 16)
    flags = TraceFlags(1 if _sampled(tid) else 0)
    parent = SpanContext(tid, run_span_id(trace_id), is_remote=True, trace_flags=flags)
    return trace.set_span_in_context(NonRecordingSpan(parent))


def span(
    name: str,
    attributes: Attributes | None = None,
    *,
    parent: otel_context.Context | None = None,
) -> contextlib.AbstractContextManager[Span | None]:
    """A span as the current one, or a shared null context (``None``) when tracing is off."""
    if not ENABLED:
        return _NULL
    return tracer().start_as_current_span(name, context=parent, attributes=attributes)


def quiet() -> contextlib.AbstractContextManager[None]:
    """Library instrumentations record nothing inside (tracing off: the null context): for
    statements a Nexus span already times, a worker's claim and commit (ADR 0255)."""
    if not ENABLED:
        return _NULL
    from opentelemetry.instrumentation.utils import suppress_instrumentation  # noqa: PLC0415

    return suppress_instrumentation()


def annotate(attributes: Attributes) -> None:
    """Add ``attributes`` to the current span (tracing off: nothing)."""
    if ENABLED:
        trace.get_current_span().set_attributes(attributes)


def mark_failed(code: str) -> None:
    """The current span failed with the Nexus error ``code`` (``error.type``; the message
    stays in the job row and the logs, which are redacted, not in the span)."""
    if ENABLED:
        current = trace.get_current_span()
        current.set_attribute("error.type", code)
        current.set_status(Status(StatusCode.ERROR, code))


@contextlib.contextmanager
def run_span(name: str, trace_id: str, attributes: Attributes | None = None) -> Generator[None]:
    """The run span: trace id = ``trace_id`` and span id = ``run_span_id(trace_id)``. Under
    the current span when that is in the same trace (the API request), a root otherwise."""
    if not ENABLED or not valid_trace_id(trace_id):
        yield
        return
    current = trace.get_current_span().get_span_context()
    parent = None if current.is_valid and current.trace_id == int(trace_id, 16) else _ROOT
    span_token = _forced_span_id.set(run_span_id(trace_id))
    trace_token = _forced_trace_id.set(int(trace_id, 16))
    try:
        started = tracer().start_span(name, context=parent, attributes=attributes)
    finally:
        _forced_span_id.reset(span_token)
        _forced_trace_id.reset(trace_token)
    with trace.use_span(started, end_on_exit=True):
        yield


_ROOT = otel_context.Context()


def inject(carrier: MutableMapping[str, Any]) -> None:
    """Write the current span's ``traceparent`` into a message or header dict."""
    if ENABLED:
        propagate.inject(carrier)


def traceparent() -> str | None:
    """The current span's W3C ``traceparent`` (None when tracing is off or no span)."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get(TRACEPARENT)


def has_span() -> bool:
    return ENABLED and trace.get_current_span().get_span_context().is_valid


def extract(carrier: Mapping[str, Any]) -> otel_context.Context | None:
    """The context a message or header dict carries (None when tracing is off or absent)."""
    if not ENABLED or TRACEPARENT not in carrier:
        return None
    return propagate.extract({k: str(v) for k, v in carrier.items() if isinstance(v, str)})


def current_ids() -> tuple[str, str] | None:
    """(trace_id, span_id) of the current span, for log lines."""
    if not ENABLED:
        return None
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
