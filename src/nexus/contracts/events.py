"""The one event envelope, and the pure function that builds it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from nexus.contracts.base import StrictModel


class EventEnvelope(StrictModel):
    """An append-only event. ``event_id`` is monotonic within one database."""

    event_id: int
    type: str = Field(pattern=r"^nexus\.[a-z_]+\.[a-z_]+$")
    run_id: str
    job_id: str | None = None
    tenant_id: str
    project_id: str
    trace_id: str = ""
    occurred_at: datetime
    payload: dict[str, Any] = Field(default_factory=dict)


def event_type(obj: str, verb: str) -> str:
    """``nexus.<object>.<past-tense verb>``, the only way event names are formed."""
    return f"nexus.{obj}.{verb}"
