"""Structured logging: JSON or console, bound run_id/job_id/trace_id, secrets redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from nexus.core import telemetry
from nexus.core.redaction import REDACTED, is_secret_key, redact_value


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Secret-named fields replaced whole; personal data and keys inside values rewritten
    (the same function as the audit log's: ``nexus.core.redaction``)."""
    for key in list(event):
        event[key] = REDACTED if is_secret_key(key) else redact_value(event[key])
    return event


def _trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Tracing on: the current span's ids on every line (a bound trace_id is kept)."""
    if telemetry.ENABLED:
        ids = telemetry.current_ids()
        if ids is not None:
            event.setdefault("trace_id", ids[0])
            event["span_id"] = ids[1]
    return event


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    """A logger on the stderr of the moment: a stream replaced after configuration (a test's
    capture, a daemon's redirect) is never written to once closed."""
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    """Configure structlog and stdlib logging once per process (entry points call this)."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _trace_ids,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s")


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


def bind_context(**values: str) -> None:
    """Bind ids (run_id, job_id, trace_id) to every log line of the current task."""
    structlog.contextvars.bind_contextvars(**values)


def clear_context() -> None:
    structlog.contextvars.clear_contextvars()
