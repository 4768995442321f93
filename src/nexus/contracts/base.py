"""Base models: strict input models and the shared fields of persisted business records."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """Base for contract models: unknown fields are an error, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordFields(StrictModel):
    """Fields every persisted business record carries (PRODUCT.md section 4)."""

    tenant_id: str = Field(min_length=1, max_length=64)
    project_id: str = Field(min_length=1, max_length=64)
    trace_id: str = Field(default="", max_length=64)
    correlation_id: str = Field(default="", max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=255)
    error_code: str | None = None
    version: int = Field(default=1, ge=1)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
