"""What the worker hub needs from the orchestrator, as a structural protocol (no import of it)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from nexus.contracts.errors import ErrorCode
from nexus.contracts.tasks import ArtifactMeta, Claim, CommitReceipt


class DispatchLike(Protocol):
    @property
    def job_id(self) -> str: ...

    @property
    def queue(self) -> str: ...

    @property
    def deliver_after(self) -> datetime | None: ...


@dataclass
class EagerClaim:
    """A worker's offer to take the next ready job of its queues in the same transaction
    that commits its current one; the ledger fills ``claimed`` when it did."""

    owner: str
    lease_s: float
    queues: frozenset[str]
    claimed: Claim | None = None


class JobLedger(Protocol):
    def claim_job(self, job_id: str, *, owner: str, lease_s: float) -> Awaitable[Claim | None]: ...

    def heartbeat_job(self, job_id: str, attempt: int, *, lease_s: float) -> Awaitable[bool]: ...

    def record_progress(
        self, job_id: str, attempt: int, fraction: float, message: str
    ) -> Awaitable[None]: ...

    def complete_job(
        self,
        job_id: str,
        attempt: int,
        output: dict[str, Any],
        artifacts: list[ArtifactMeta],
        claim_next: EagerClaim | None = None,
    ) -> Awaitable[tuple[CommitReceipt, Sequence[DispatchLike]]]: ...

    def fail_job(
        self, job_id: str, attempt: int, code: ErrorCode, message: str
    ) -> Awaitable[tuple[CommitReceipt, Sequence[DispatchLike]]]: ...
