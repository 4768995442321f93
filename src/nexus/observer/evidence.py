"""Evidence for an incident summary outside the event log: a job's lines in a JSON-lines log
file and its failed span in a trace file of JSON-lines spans. Both are read tolerantly: a
missing file, a line that is not JSON or a span of another shape is skipped, never an error.
"""

from __future__ import annotations

import json
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from nexus.contracts.observe import SpanSummary
from nexus.core.redaction import redact

MAX_LOG_LINES = 20
MAX_SCAN_BYTES = 64 * 1024 * 1024  # only the newest 64 MiB of a file are searched
JOB_KEYS = ("job_id", "nexus.job_id", "nexus.job.id", "job.id")
ERROR_STATUSES = {"error", "status_code_error", "2"}


def _tail_lines(path: Path) -> list[str]:
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            if size > MAX_SCAN_BYTES:
                f.seek(size - MAX_SCAN_BYTES)
                f.readline()  # a partial line
            data = f.read()
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def _json(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return cast(dict[str, Any], value) if isinstance(value, dict) else None


def job_log_lines(path: Path | None, job_id: str) -> list[str]:
    """The newest lines of ``path`` that name ``job_id``, as ``time level event key=value``."""
    if path is None:
        return []
    found: deque[str] = deque(maxlen=MAX_LOG_LINES)
    for line in _tail_lines(path):
        if job_id not in line:
            continue
        record = _json(line)
        if record is None:
            found.append(redact(line.strip())[:500])
            continue
        head = " ".join(str(record.pop(k)) for k in ("timestamp", "level", "event") if k in record)
        for k in ("job_id", "run_id", "trace_id", "span_id"):
            record.pop(k, None)
        rest = " ".join(f"{k}={v}" for k, v in record.items())
        found.append(redact(f"log {head} {rest}".strip())[:500])
    return list(found)


def _status(span: dict[str, Any]) -> str:
    status = span.get("status")
    if isinstance(status, dict):
        status = cast(dict[str, Any], status)
        status = status.get("status_code") or status.get("code") or ""
    return str(status or "").lower().removeprefix("statuscode.")


def _attributes(span: dict[str, Any]) -> dict[str, Any]:
    attrs = span.get("attributes")
    return cast(dict[str, Any], attrs) if isinstance(attrs, dict) else {}


def _epoch_s(value: Any) -> float | None:
    """Epoch nanoseconds, milliseconds or seconds (told apart by size), or an ISO 8601 time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value / (1e9 if value > 1e17 else 1e3 if value > 1e11 else 1.0)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _duration_ms(span: dict[str, Any]) -> float | None:
    start = _epoch_s(span.get("start") or span.get("start_time") or span.get("startTimeUnixNano"))
    end = _epoch_s(span.get("end") or span.get("end_time") or span.get("endTimeUnixNano"))
    if start is None or end is None:
        return None
    return max(0.0, (end - start) * 1000.0)


def _summary(span: dict[str, Any], status: str) -> SpanSummary:
    attrs = _attributes(span)
    error = attrs.get("exception.message") or attrs.get("error.message")
    status_obj = span.get("status")
    if error is None and isinstance(status_obj, dict):
        error = cast(dict[str, Any], status_obj).get("description")
    return SpanSummary(
        trace_id=str(span.get("trace_id", "")),
        span_id=str(span.get("span_id", "")),
        name=str(span.get("name", "")),
        status=status or "unset",
        duration_ms=_duration_ms(span),
        attributes={k: v for k, v in attrs.items() if isinstance(v, str | int | float | bool)},
        error=None if error is None else redact(str(error))[:500],
    )


def failed_span(path: Path | None, trace_id: str, job_id: str) -> SpanSummary | None:
    """The job's span with an error status (else the trace's last error span), if any."""
    if path is None or not trace_id:
        return None
    best: tuple[int, dict[str, Any], str] | None = None
    for line in _tail_lines(path):
        if trace_id not in line:
            continue
        span = _json(line)
        if span is None or str(span.get("trace_id", "")).removeprefix("0x") != trace_id:
            continue
        status = _status(span)
        if status not in ERROR_STATUSES:
            continue
        attrs = _attributes(span)
        rank = 2 if any(attrs.get(k) == job_id for k in JOB_KEYS) else 1
        if best is None or rank >= best[0]:
            best = (rank, span, status)
    return None if best is None else _summary(best[1], best[2])
