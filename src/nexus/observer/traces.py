"""A run's trace as recorded by the file exporter: its spans and their tree.

``nexus runs trace RUN`` prints the tree; ``GET /api/v1/runs/{id}/trace`` returns the spans.
Spans whose parent is not in the file (a remote caller's, a process killed before its
batch was written) are shown as roots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.trace_export import read_spans


@dataclass
class SpanNode:
    span: dict[str, Any]
    children: list[SpanNode] = field(default_factory=list["SpanNode"])

    @property
    def duration_ms(self) -> float:
        start, end = self.span.get("start_ns") or 0, self.span.get("end_ns") or 0
        return max(0.0, (int(end) - int(start)) / 1e6)


def run_spans(path: Path, trace_id: str) -> list[dict[str, Any]]:
    """The run's spans, oldest first; TRACE_NOT_FOUND when none were recorded."""
    spans = read_spans(path, trace_id) if trace_id else []
    if not spans:
        raise NexusError(
            ErrorCode.TRACE_NOT_FOUND,
            f"no spans of trace {trace_id or '(none)'} in {path}: enable telemetry with the "
            "file exporter (NEXUS_TELEMETRY__ENABLED=true, NEXUS_TELEMETRY__EXPORTER=file)",
        )
    return spans


def span_tree(spans: list[dict[str, Any]]) -> list[SpanNode]:
    nodes = {str(s["span_id"]): SpanNode(s) for s in spans}
    roots: list[SpanNode] = []
    for node in nodes.values():
        parent = nodes.get(str(node.span.get("parent_id")))
        (parent.children if parent is not None else roots).append(node)
    return roots
