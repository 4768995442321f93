"""Alert events the observer owns: raised when an SLA objective's status changes.

Writes go to the observer's own tables only. The status change is a guarded update (``WHERE
status <> new``), so when several orchestrators evaluate the same objective exactly one of them
records the alert; the event is inserted in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from nexus.contracts.observe import AlertEvent, AlertType, SlaObjective
from nexus.core.db import Conn, Database
from nexus.core.logging import get_logger
from nexus.observer import tables

STATE = cast(Table, tables.SlaStateRow.__table__)
ALERTS = cast(Table, tables.AlertEventRow.__table__)
BREACHED: AlertType = "nexus.observer.sla_breached"
RECOVERED: AlertType = "nexus.observer.sla_recovered"
log = get_logger(__name__)


def alert_type(previous: str | None, current: str) -> AlertType | None:
    """Breached when an objective becomes breached; recovered when a breached one is ok again.
    ``no_data`` neither raises nor clears (a quiet night is not a recovery)."""
    if current == "breached" and previous != "breached":
        return BREACHED
    if current == "ok" and previous == "breached":
        return RECOVERED
    return None


def _payload(o: SlaObjective) -> dict[str, Any]:
    return {
        "sla": o.sla,
        "indicator": o.indicator,
        "value": o.value,
        "target": o.target,
        "quantile": o.quantile,
        "window_s": o.window_s,
        "samples": o.samples,
    }


async def _change_status(conn: Conn, o: SlaObjective, now: datetime) -> tuple[bool, str | None]:
    """(whether this caller changed the status, the previous status)."""
    row = (
        await conn.execute(select(STATE.c.status).where(STATE.c.objective == o.objective))
    ).first()
    if row is None:
        values = {"objective": o.objective, "pipeline": o.pipeline, "status": o.status}
        await conn.execute(insert(STATE).values(**values, value=o.value, updated_at=now))
        return True, None
    if row[0] == o.status:
        await conn.execute(
            update(STATE).where(STATE.c.objective == o.objective).values(value=o.value)
        )
        return False, row[0]
    done = await conn.execute(
        update(STATE)
        .where(STATE.c.objective == o.objective, STATE.c.status != o.status)
        .values(status=o.status, value=o.value, updated_at=now)
    )
    return done.rowcount == 1, row[0]


async def _record_one(db: Database, o: SlaObjective, now: datetime) -> AlertEvent | None:
    async with db.transaction() as conn:
        changed, previous = await _change_status(conn, o, now)
        kind = alert_type(previous, o.status) if changed else None
        if kind is None:
            return None
        event = AlertEvent(
            alert_id=0,
            type=kind,
            pipeline=o.pipeline,
            objective=o.objective,
            status=o.status,
            occurred_at=now,
            payload=_payload(o),
        )
        result = await conn.execute(insert(ALERTS).values(event.model_dump(exclude={"alert_id"})))
        (alert_id,) = result.inserted_primary_key or (0,)
        return event.model_copy(update={"alert_id": int(alert_id)})


async def record_transitions(
    db: Database, objectives: Sequence[SlaObjective], now: datetime
) -> list[AlertEvent]:
    """Store each objective's status; append an alert event where it changed."""
    raised: list[AlertEvent] = []
    for o in objectives:
        try:
            event = await _record_one(db, o, now)
        except IntegrityError:
            continue  # another orchestrator created the first state row at the same moment
        if event is not None:
            log.warning(event.type, objective=event.objective, **event.payload)
            raised.append(event)
    return raised


async def list_alerts(
    conn: Conn, *, before: int | None = None, limit: int = 50, objective: str | None = None
) -> list[AlertEvent]:
    """Newest first; ``before`` is an alert_id cursor."""
    stmt = select(ALERTS).order_by(ALERTS.c.alert_id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(ALERTS.c.alert_id < before)
    if objective is not None:
        stmt = stmt.where(ALERTS.c.objective == objective)
    rows = (await conn.execute(stmt)).mappings().all()
    return [AlertEvent.model_validate(dict(r)) for r in rows]


async def read_states(conn: Conn) -> dict[str, str]:
    rows = await conn.execute(select(STATE.c.objective, STATE.c.status))
    return {r[0]: r[1] for r in rows}
