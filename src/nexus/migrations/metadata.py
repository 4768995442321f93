"""Collects every module's tables into the one metadata Alembic compares against."""

from __future__ import annotations

from nexus.agents import tables as agents_tables
from nexus.asset_knowledge import tables as asset_knowledge_tables
from nexus.budgets import tables as budgets_tables
from nexus.core.db import Base
from nexus.gateway import tables as gateway_tables
from nexus.governance import tables as governance_tables
from nexus.model_router import tables as model_router_tables
from nexus.observer import tables as observer_tables
from nexus.orchestrator import tables as orchestrator_tables
from nexus.sandbox import tables as sandbox_tables
from nexus.skills import tables as skills_tables

target_metadata = Base.metadata
MODULE_TABLES = (
    orchestrator_tables,
    gateway_tables,
    observer_tables,
    model_router_tables,
    budgets_tables,
    skills_tables,
    governance_tables,
    sandbox_tables,
    asset_knowledge_tables,
    agents_tables,
)
