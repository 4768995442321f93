"""Span exporters: redaction before any export, and the JSON-lines file exporter.

Every span leaves the process through ``Redacting``: string attributes go through
``nexus.core.redaction`` (the function of the logs and the audit log), secret-named keys are
replaced whole. Two shortcuts keep that off the hot path's budget (ADR 0256): the run and
job ids Nexus generates (``ID_KEYS``: a prefix and 32 hex digits, whose digit runs the phone
and card patterns would otherwise mangle) are not scanned, and the redaction of a repeated
string (a skill name, an SQL statement: the same few hundred in every span) is remembered
(``_redact_text``, bounded; it holds the original strings as long as the spans would).

The file exporter appends one JSON object per span to one file that many
processes may share (an exclusive ``flock`` per batch keeps lines whole); ``read_spans``
reads it back for ``nexus runs trace`` and ``GET /api/v1/runs/{id}/trace``.
"""

from __future__ import annotations

import fcntl
import functools
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from nexus.core.redaction import REDACTED, is_secret_key, redact

_NEXUS_ID = re.compile(r"[a-z]{2,12}_[0-9a-f]{32}")  # ``core.ids.new_id``


ID_KEYS = frozenset({"nexus.run_id", "nexus.job_id"})
MEMO_MAX_CHARS = 8192


@functools.lru_cache(maxsize=4096)
def _redact_text(value: str) -> str:
    return redact(value)


def _clean(key: str, value: Any) -> Any:
    """Strings only: counts such as ``gen_ai.usage.input_tokens`` are not secrets."""
    if not isinstance(value, str):
        return value
    if is_secret_key(key):
        return REDACTED
    if key in ID_KEYS and _NEXUS_ID.fullmatch(value):
        return value
    return _redact_text(value) if len(value) <= MEMO_MAX_CHARS else redact(value)


def redacted(span: ReadableSpan) -> ReadableSpan:
    """``span`` with its attributes redacted: the span itself when nothing changed (most)."""
    original = span.attributes or {}
    attributes = {k: _clean(k, v) for k, v in original.items()}
    if attributes == original:
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class Redacting(SpanExporter):
    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([redacted(s) for s in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def span_record(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.context
    assert ctx is not None
    return {
        "name": span.name,
        "trace_id": format(ctx.trace_id, "032x"),
        "span_id": format(ctx.span_id, "016x"),
        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
        "service": span.resource.attributes.get("service.name", ""),
        "kind": span.kind.name.lower(),
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name.lower(),
        "attributes": dict(span.attributes or {}),
    }


class JsonLinesExporter(SpanExporter):
    """Appends spans to ``path`` as JSON lines (the offline inspection format)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_record(s), default=str) + "\n" for s in spans)
        try:
            with self.path.open("a", encoding="utf-8") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                f.write(lines)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def read_spans(path: Path, trace_id: str) -> list[dict[str, Any]]:
    """The spans of ``trace_id`` in a file exporter's file, oldest first."""
    found = [s for s in _records(path) if s.get("trace_id") == trace_id]
    return sorted(found, key=lambda s: int(s.get("start_ns") or 0))


def _records(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                value = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash mid-write
            if isinstance(value, dict):
                yield value
