"""Budget tables: the limits and counters, the open holds, and the spend journal.

Amounts are integers in the budget's base units (tokens, compute milliseconds, micro-USD),
so counters add exactly on SQLite, PostgreSQL and Redis alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from nexus.core.db import Base, UtcDateTime


class Budget(Base):
    """One budget: a scope (tenant, project or run) with optional limits per dimension.

    ``held_*`` is the sum of the open holds, ``spent_*`` the sum of the settled spend
    (in cluster mode: as reconciled from Redis). A NULL limit means unlimited.
    """

    __tablename__ = "budgets"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    budget_id: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<scope>:<id>"
    scope: Mapped[str] = mapped_column(String(16))
    scope_id: Mapped[str] = mapped_column(String(64))
    limit_tokens: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    limit_compute_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    limit_micro_usd: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    spent_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_compute_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_micro_usd: Mapped[int] = mapped_column(BigInteger, default=0)
    held_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    held_compute_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    held_micro_usd: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BudgetHold(Base):
    """An open reservation (SQL backend): what it holds on which budgets, until when."""

    __tablename__ = "budget_holds"

    reservation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    budget_ids: Mapped[str] = mapped_column(String(400))  # comma-separated
    tokens: Mapped[int] = mapped_column(BigInteger)
    compute_ms: Mapped[int] = mapped_column(BigInteger)
    micro_usd: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_budget_holds_expires_at", "expires_at"),)


class BudgetSpend(Base):
    """The spend journal: one row per settled reservation and budget (idempotent key)."""

    __tablename__ = "budget_spend"

    reservation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    budget_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    tokens: Mapped[int] = mapped_column(BigInteger)
    compute_ms: Mapped[int] = mapped_column(BigInteger)
    micro_usd: Mapped[int] = mapped_column(BigInteger)
    settled_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_budget_spend_tenant_budget", "tenant_id", "budget_id"),)
