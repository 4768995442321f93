"""The budget controller: per tenant, project and run budgets in tokens, seconds and money.

Reservations are atomic and fail closed (``model_router.ports.SpendGuard``). It owns its
counters (SQL embedded, Redis in cluster mode) and reconciles them to its tables.
Entry points call ``build_guard(settings, db, cache)``.
"""

from nexus.budgets.guard import BudgetGuard, build_guard

__all__ = ["BudgetGuard", "build_guard"]
