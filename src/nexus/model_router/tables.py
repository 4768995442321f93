"""Model-router tables: provider jobs (for resuming without re-billing) and providers added
or switched off over the API/CLI, and projects' routing preferences. Migration branch
``model_router`` (ADR 0008)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Boolean, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from nexus.core.db import Base, UtcDateTime
from nexus.core.ids import utcnow


class ProviderJob(Base):
    """A provider-side job (ComfyUI prompt, lip-sync job) recorded before waiting on it."""

    __tablename__ = "router_provider_jobs"

    resume_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(200))
    capability: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="submitted")  # | done
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ProviderRow(Base):
    """A provider added over the API (``origin = api``), or a switch on a settings-file
    provider (``origin = override``). Never holds a credential: only where to read it."""

    __tablename__ = "router_providers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    origin: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ProjectRoutingRow(Base):
    """A project's routing preferences: provider/model order per capability and whether the
    offline engines may serve it (None: the router's setting)."""

    __tablename__ = "router_project_routing"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    offline_fallback: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


PROVIDER_JOBS = cast(Table, ProviderJob.__table__)
PROJECT_ROUTING = cast(Table, ProjectRoutingRow.__table__)
PROVIDERS = cast(Table, ProviderRow.__table__)
