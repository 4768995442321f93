"""The cost ledger: one row per provider call (``model_router.ports.CallRecorder``), and the
sums people read it through (``nexus costs``, ``GET /api/v1/costs``).

Every call is recorded, failed ones and cache hits too; rows are only ever appended.
Reads are always for one tenant.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, cast

from sqlalchemy import Integer, Table, case, func, insert, select
from sqlalchemy import cast as sql_cast

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import ProviderCall
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.core.settings import Settings
from nexus.observer import tables

CALLS = cast(Table, tables.ProviderCallRow.__table__)
GroupBy = Literal["provider", "model", "run", "project", "capability", "day"]
GROUPINGS: tuple[str, ...] = ("provider", "model", "run", "project", "capability", "day")
INSERT_CALL = insert(CALLS)


def call_row(call: ProviderCall) -> dict[str, Any]:
    s, u = call.scope, call.usage
    return {
        "occurred_at": utcnow(),
        "tenant_id": s.tenant_id,
        "project_id": s.project_id,
        "run_id": s.run_id,
        "job_id": s.job_id,
        "trace_id": s.trace_id[:64],
        "provider": call.provider[:80],
        "model": call.model[:160],
        "capability": call.capability,
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "images": u.images,
        "audio_s": u.audio_s,
        "video_s": u.video_s,
        "compute_s": u.compute_s,
        "cost_usd": call.cost_usd,
        "latency_ms": call.latency_ms,
        "cache_hit": call.cache_hit,
        "ok": call.ok,
        "error_code": call.error_code,
    }


class CostLedger:
    """``CallRecorder``: appends each provider call in a transaction of its own."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_call(self, call: ProviderCall) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(INSERT_CALL, [call_row(call)])


def build_recorder(settings: Settings, db: Database) -> CostLedger:
    """The cost ledger of one process, for ``model_router.build_client(..., recorder, ...)``."""
    del settings  # one ledger for every mode: the database is the record
    return CostLedger(db)


@dataclass(frozen=True)
class CostGroup:
    """The sums over a set of calls (one group, or the total when ``key`` is None)."""

    key: str | None
    calls: int
    failed: int
    cache_hits: int
    input_tokens: int
    output_tokens: int
    images: int
    audio_s: float
    video_s: float
    cost_usd: float
    latency_ms_avg: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _group_column(conn: Conn, by: str) -> Any:
    if by not in GROUPINGS:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"cannot group costs by {by!r}",
            fields={"by": ", ".join(GROUPINGS)},
        )
    if by == "day":
        if conn.dialect.name == "sqlite":
            return func.substr(CALLS.c.occurred_at, 1, 10)
        return func.to_char(func.timezone("UTC", CALLS.c.occurred_at), "YYYY-MM-DD")
    return CALLS.c[{"run": "run_id", "project": "project_id"}.get(by, by)]


SUMS = (
    func.count().label("calls"),
    func.coalesce(func.sum(case((CALLS.c.ok.is_(False), 1), else_=0)), 0).label("failed"),
    func.coalesce(func.sum(case((CALLS.c.cache_hit.is_(True), 1), else_=0)), 0).label("cache_hits"),
    func.coalesce(func.sum(CALLS.c.input_tokens), 0).label("input_tokens"),
    func.coalesce(func.sum(CALLS.c.output_tokens), 0).label("output_tokens"),
    func.coalesce(func.sum(sql_cast(CALLS.c.images, Integer)), 0).label("images"),
    func.coalesce(func.sum(CALLS.c.audio_s), 0.0).label("audio_s"),
    func.coalesce(func.sum(CALLS.c.video_s), 0.0).label("video_s"),
    func.coalesce(func.sum(CALLS.c.cost_usd), 0.0).label("cost_usd"),
    func.coalesce(func.avg(CALLS.c.latency_ms), 0.0).label("latency_ms_avg"),
)


def _group(key: Any, row: Any) -> CostGroup:
    return CostGroup(
        key=None if key is None else str(key),
        calls=int(row.calls),
        failed=int(row.failed),
        cache_hits=int(row.cache_hits),
        input_tokens=int(row.input_tokens),
        output_tokens=int(row.output_tokens),
        images=int(row.images),
        audio_s=float(row.audio_s),
        video_s=float(row.video_s),
        cost_usd=float(row.cost_usd),
        latency_ms_avg=float(row.latency_ms_avg),
    )


async def summarise_costs(
    conn: Conn,
    *,
    tenant_id: str,
    run_id: str | None = None,
    project_id: str | None = None,
    by: str | None = None,
) -> tuple[CostGroup, list[CostGroup]]:
    """The total of the tenant's calls (optionally of one run / project) and, with ``by``,
    the same sums per group, most expensive first."""
    where = [CALLS.c.tenant_id == tenant_id]
    if run_id is not None:
        where.append(CALLS.c.run_id == run_id)
    if project_id is not None:
        where.append(CALLS.c.project_id == project_id)
    total_row = (await conn.execute(select(*SUMS).where(*where))).one()
    total = _group(None, total_row)
    if by is None:
        return total, []
    column = _group_column(conn, by).label("key")
    stmt = select(column, *SUMS).where(*where).group_by(column)
    rows = (await conn.execute(stmt.order_by(func.sum(CALLS.c.cost_usd).desc()))).all()
    return total, [_group(r.key, r) for r in rows]


async def list_calls(
    conn: Conn, *, tenant_id: str, run_id: str | None = None, limit: int = 100
) -> list[Any]:
    """The newest calls of a tenant (or run), for a closer look."""
    stmt = select(CALLS).where(CALLS.c.tenant_id == tenant_id)
    if run_id is not None:
        stmt = stmt.where(CALLS.c.run_id == run_id)
    return list((await conn.execute(stmt.order_by(CALLS.c.call_id.desc()).limit(limit))).all())
