"""What the model router's client needs around a provider call, as structural protocols.

The budget controller (``nexus.budgets``) implements ``SpendGuard`` and the observer's cost
ledger implements ``CallRecorder``; the router never imports either (the entry point wires
them). Order around every paid call: ``reserve(estimate)`` -> call -> ``settle(actual)``,
or ``release`` when the call failed or was cancelled. No reservation, no call (fail closed).
"""

from __future__ import annotations

from typing import Protocol

from nexus.contracts.router import CallScope, ProviderCall, Spend


class Reservation(Protocol):
    @property
    def reservation_id(self) -> str: ...


class SpendGuard(Protocol):
    async def reserve(self, scope: CallScope, estimate: Spend) -> Reservation:
        """Hold ``estimate`` on every budget covering ``scope``, atomically, or raise
        ``NexusError(ErrorCode.BUDGET_EXHAUSTED)`` and hold nothing."""
        ...

    async def settle(self, reservation: Reservation, actual: Spend) -> None:
        """Replace the held estimate by the actual spend."""
        ...

    async def release(self, reservation: Reservation) -> None:
        """Give the held estimate back (the call failed or was cancelled)."""
        ...


class CallRecorder(Protocol):
    async def record_call(self, call: ProviderCall) -> None:
        """Append one provider call to the cost ledger."""
        ...
