"""Provider jobs recorded durably before waiting: a retried or recovered attempt with the
same ``resume_key`` resumes polling the provider's job instead of submitting (and paying)
again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from nexus.core.db import Database
from nexus.core.ids import utcnow
from nexus.model_router import tables

JOBS = tables.PROVIDER_JOBS


@dataclass(frozen=True)
class RecordedJob:
    resume_key: str
    provider: str
    model: str
    external_id: str
    status: str


class ProviderJobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def find(self, resume_key: str) -> RecordedJob | None:
        async with self.db.read() as conn:
            row = (await conn.execute(select(JOBS).where(JOBS.c.resume_key == resume_key))).first()
        if row is None:
            return None
        return RecordedJob(row.resume_key, row.provider, row.model, row.external_id, row.status)

    async def record(
        self, resume_key: str, *, provider: str, model: str, capability: str, external_id: str
    ) -> None:
        """Committed before the caller starts waiting (a crash after this resumes)."""
        now = utcnow()
        async with self.db.transaction() as conn:
            await conn.execute(delete(JOBS).where(JOBS.c.resume_key == resume_key))
            await conn.execute(
                insert(JOBS).values(
                    resume_key=resume_key,
                    provider=provider,
                    model=model,
                    capability=capability,
                    external_id=external_id,
                    status="submitted",
                    created_at=now,
                    updated_at=now,
                )
            )

    async def finish(self, resume_key: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                update(JOBS)
                .where(JOBS.c.resume_key == resume_key)
                .values(status="done", updated_at=utcnow())
            )

    async def forget(self, resume_key: str) -> None:
        """The recorded job failed on the provider: the next attempt submits afresh."""
        async with self.db.transaction() as conn:
            await conn.execute(delete(JOBS).where(JOBS.c.resume_key == resume_key))
