"""The eager claim seen from ``ready``: a worker's offer (``EagerClaim``) to take the first
job its commit makes ready in one of its queues, in the same transaction (ADR 0013)."""

from __future__ import annotations

from typing import Any, Protocol

from nexus.contracts.tasks import ArtifactMeta, Claim
from nexus.core.db import Conn
from nexus.core.ids import utcnow
from nexus.orchestrator import fused_step, lookahead, ready
from nexus.orchestrator.rows import FinishedRow, JobRow
from nexus.orchestrator.transitions import Move
from nexus.worker_hub.ports import EagerClaim


class ClaimBuilder(Protocol):
    """What the claimer needs of the job commands."""

    lookahead: lookahead.Lookahead

    async def build_claim(
        self,
        conn: Conn,
        job: JobRow,
        attempt: int,
        owner: str,
        lease_s: float,
        known_inputs: tuple[dict[str, Any], list[ArtifactMeta]] | None = None,
    ) -> Claim: ...


class Claimer:
    """Claims the first job this commit makes ready in the worker's queues (READY -> RUNNING
    in the same write as PENDING -> READY); implements ``ready.Claimer``."""

    def __init__(
        self,
        commands: ClaimBuilder,
        eager: EagerClaim,
        done: FinishedRow,
        output: dict[str, Any],
        artifacts: list[ArtifactMeta],
    ) -> None:
        self.commands = commands
        self.eager = eager
        self.done = done
        self.done_inputs = ({done.node_key: output}, artifacts)

    @property
    def claimed(self) -> Claim | None:
        return self.eager.claimed

    @property
    def queues(self) -> frozenset[str]:
        return frozenset() if self.eager.claimed is not None else self.eager.queues

    def claim_move(self, job: JobRow) -> Move:
        return lookahead.claim_move(self.eager, job, utcnow())

    async def took(self, conn: Conn, row: JobRow, via: FinishedRow | None) -> None:
        known = None
        if via is self.done and ready.only_data_upstream(row, via) is True:
            known = self.done_inputs
        self.eager.claimed = await self.commands.build_claim(
            conn, row, row.attempt, self.eager.owner, self.eager.lease_s, known
        )
        if conn.dialect.name == "postgresql":  # what its commit may do in one statement
            dependents = (await conn.execute(fused_step.PREDICT, {"s_id": row.job_id})).all()
            self.commands.lookahead.remember(row, dependents)
