"""``AgentService``: the ``ports.AgentSessions`` the gateway, the CLI and the benchmarks use.

A user message starts an agent run: its row and the message commit first, then the
orchestrator run of pipeline ``agent`` (its own money budget: what the session has left),
whose jobs do the rest (``loop``, ``runtime``). ``stream`` replays the run's persisted
events from ``after_seq`` and follows it live (tokens from the hub) until ``run_finished``;
reading a run also reconciles it with its orchestrator run (a run that failed outside a
turn, e.g. an approval refused, ends its agent run; a held tool call gets its approval id).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from nexus.agents import idempotency, store, studio_ops
from nexus.agents.hub import TokenHub
from nexus.agents.loop import PIPELINE
from nexus.agents.reconcile import reconcile
from nexus.agents.resume import resume_after_refusal
from nexus.agents.tools import ToolBox
from nexus.contracts.agents import (
    AgentEvent,
    AgentRunRecord,
    MessageRecord,
    SessionCreate,
    SessionRecord,
    ToolCallRecord,
    ToolSpec,
)
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import Principal
from nexus.core import telemetry
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger
from nexus.observer.audit import AuditRecord, insert_audit

log = get_logger(__name__)
POLL_S = 0.25
MAX_PAGE = 200


class AgentHost(Protocol):
    """What the service needs of the platform (which sits above it)."""

    async def create_run(
        self,
        pipeline: str,
        params: dict[str, Any],
        *,
        before_publish: Callable[[str], Awaitable[None]] | None = None,
        **kw: Any,
    ) -> tuple[str, bool]: ...


class RunBudgets(Protocol):
    async def limit_run(self, tenant_id: str, run_id: str, usd: float) -> None: ...


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


class AgentService:
    def __init__(
        self,
        db: Database,
        host: AgentHost,
        toolbox: ToolBox,
        hub: TokenHub,
        budgets: RunBudgets,
        *,
        poll_s: float = POLL_S,
    ) -> None:
        self.db = db
        self.host = host
        self.toolbox = toolbox
        self.hub = hub
        self.budgets = budgets
        self.poll_s = poll_s

    # -- sessions -----------------------------------------------------------------------
    async def create_session(
        self, principal: Principal, body: SessionCreate, *, idempotency_key: str | None = None
    ) -> SessionRecord:
        return (await self.create_session_once(principal, body, idempotency_key))[0]

    async def create_session_once(
        self, principal: Principal, body: SessionCreate, idempotency_key: str | None
    ) -> tuple[SessionRecord, bool]:
        """(session, created): a repeated key with the same request is the first session
        (durably, ADR 0309); with another request ``idempotency_mismatch``."""
        if body.run_id is not None:
            async with self.db.read() as conn:
                await studio_ops.read_studio_run(conn, principal.tenant_id, body.run_id)
        digest = idempotency.request_hash(principal, body) if idempotency_key else None
        try:
            async with self.db.transaction() as conn:
                if idempotency_key and digest:
                    found = await idempotency.session_by_key(
                        conn, principal.tenant_id, idempotency_key, digest
                    )
                    if found is not None:
                        return found, False
                return await self._insert_session(
                    conn, principal, body, idempotency_key, digest
                ), True
        except IntegrityError:
            if not (idempotency_key and digest):
                raise
        async with self.db.read() as conn:  # a concurrent create with the same key won
            found = await idempotency.session_by_key(
                conn, principal.tenant_id, idempotency_key, digest
            )
        if found is None:
            raise NexusError(ErrorCode.IDEMPOTENCY_IN_PROGRESS)
        return found, False

    async def _insert_session(
        self,
        conn: Any,
        principal: Principal,
        body: SessionCreate,
        idempotency_key: str | None,
        digest: str | None,
    ) -> SessionRecord:
        trace_id = telemetry.current_ids()
        session = await store.insert_session(
            conn,
            tenant_id=principal.tenant_id,
            project_id=body.project_id,
            owner_id=principal.user_id,
            title=body.title,
            status="active",
            budget_usd=body.budget_usd,
            max_steps=body.max_steps,
            run_id=body.run_id,
            engine=body.engine,
            policy_context={"roles": list(principal.roles)},
            trace_id=trace_id[0] if trace_id else "",
            idempotency_key=idempotency_key,
            request_hash=digest,
        )
        await insert_audit(
            conn,
            AuditRecord(
                action="agent.session_create",
                actor_type="api_key" if principal.via == "api_key" else "user",
                actor_id=principal.user_id,
                tenant_id=principal.tenant_id,
                target_type="session",
                target_id=session.session_id,
                trace_id=session.trace_id,
                detail={"project_id": body.project_id, "run_id": body.run_id},
            ),
        )
        return session

    async def get_session(self, principal: Principal, session_id: str) -> SessionRecord:
        async with self.db.read() as conn:
            return await store.read_session(conn, principal.tenant_id, session_id)

    async def list_sessions(
        self, principal: Principal, *, project_id: str | None, cursor: str | None, limit: int
    ) -> tuple[list[SessionRecord], str | None]:
        n = _limit(limit)
        async with self.db.read() as conn:
            items = await store.list_sessions(
                conn, principal.tenant_id, project_id=project_id, before=cursor, limit=n + 1
            )
        more = len(items) > n
        items = items[:n]
        return items, (items[-1].session_id if more and items else None)

    # -- messages -----------------------------------------------------------------------
    async def post_message(
        self,
        principal: Principal,
        session_id: str,
        content: str,
        *,
        idempotency_key: str | None = None,
        trace_id: str = "",
    ) -> AgentRunRecord:
        if not content.strip():
            raise NexusError(
                ErrorCode.VALIDATION_FAILED, "a message needs text", fields={"content": "empty"}
            )
        trace = trace_id if telemetry.valid_trace_id(trace_id) else telemetry.new_trace_id()
        async with self.db.transaction() as conn:
            srow = await store.session_row(conn, principal.tenant_id, session_id, lock=True)
            session = store.session_of(srow)
            if idempotency_key is not None:
                found = await store.run_by_key(conn, session_id, idempotency_key)
                if found is not None:
                    return found
            if srow.active_run_id is not None:
                active = await store.read_run(conn, srow.active_run_id)
                if active.status not in store.TERMINAL:
                    raise NexusError(
                        ErrorCode.SESSION_BUSY,
                        f"agent run {active.agent_run_id} is still {active.status}",
                    )
            run = await store.insert_run(
                conn,
                session,
                created_by=principal.user_id,
                principal={"user_id": principal.user_id, "roles": list(principal.roles)},
                max_steps=session.max_steps,
                trace_id=trace,
                idempotency_key=idempotency_key,
            )
            await store.add_message(
                conn,
                session,
                role="user",
                content=content,
                agent_run_id=run.agent_run_id,
                trace_id=trace,
                idempotency_key=idempotency_key,
            )
            await store.update_session(conn, session_id, active_run_id=run.agent_run_id)
        remaining = (
            None if session.budget_usd is None else max(0.0, session.budget_usd - session.spent_usd)
        )

        async def give_budget(run_id: str) -> None:
            if remaining is not None:
                await self.budgets.limit_run(principal.tenant_id, run_id, remaining)

        try:
            run_id, _ = await self.host.create_run(
                PIPELINE,
                {
                    "agent_run_id": run.agent_run_id,
                    "session_id": session_id,
                    "max_steps": session.max_steps,
                },
                tenant_id=principal.tenant_id,
                project_id=session.project_id,
                created_by=principal.user_id,
                trace_id=trace,
                idempotency_key=f"agent:{run.agent_run_id}",
                before_publish=give_budget,
            )
        except NexusError as exc:
            async with self.db.transaction() as conn:
                await store.finish_run(
                    conn, run, "failed", error_code=exc.code.value, error_message=exc.detail
                )
            raise
        async with self.db.transaction() as conn:
            await store.update_run(conn, run.agent_run_id, run_id=run_id)
            await store.add_event(
                conn,
                run.agent_run_id,
                principal.tenant_id,
                "run_started",
                {"agent_run_id": run.agent_run_id, "run_id": run_id, "trace_id": trace},
            )
            started = await store.read_run(conn, run.agent_run_id)
        self.hub.publish(run.agent_run_id, "")
        return started

    async def stream(
        self, principal: Principal, agent_run_id: str, *, after_seq: int = 0
    ) -> AsyncIterator[AgentEvent]:
        async with self.db.read() as conn:  # another tenant's: not found
            await store.agent_run_row(conn, agent_run_id, tenant_id=principal.tenant_id)
        seq = after_seq
        checked = -math.inf
        async with self.hub.subscribe(agent_run_id) as live:
            while True:
                # What the hub does not signal (a run ended outside a turn, an approval the
                # policy upkeep filed) is looked for at most once a poll interval (ADR 0306).
                if time.monotonic() - checked >= self.poll_s:
                    await self.reconcile(agent_run_id)
                    checked = time.monotonic()
                async with self.db.read() as conn:
                    events = await store.list_events(conn, agent_run_id, after_seq=seq)
                for event in events:
                    yield event
                    seq = event.seq or seq
                    if event.kind == "run_finished":
                        return
                try:
                    text = await asyncio.wait_for(live.get(), timeout=self.poll_s)
                except TimeoutError:
                    continue
                while True:
                    if text:
                        yield AgentEvent(
                            kind="token", agent_run_id=agent_run_id, data={"text": text}
                        )
                    if live.empty():
                        break
                    text = live.get_nowait()

    async def history(
        self, principal: Principal, session_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[MessageRecord], str | None]:
        n = _limit(limit)
        try:
            after = int(cursor) if cursor else 0
        except ValueError:
            raise NexusError(
                ErrorCode.VALIDATION_FAILED, "bad cursor", fields={"cursor": "not a position"}
            ) from None
        async with self.db.read() as conn:
            await store.read_session(conn, principal.tenant_id, session_id)
            items = await store.list_messages(conn, session_id, after_seq=after, limit=n + 1)
        more = len(items) > n
        items = items[:n]
        return items, (str(items[-1].seq) if more and items else None)

    async def agent_run(self, principal: Principal, agent_run_id: str) -> AgentRunRecord:
        async with self.db.read() as conn:
            row = await store.agent_run_row(conn, agent_run_id, tenant_id=principal.tenant_id)
        if row.status in store.TERMINAL:
            return store.run_of(row)  # nothing left to reconcile
        await self.reconcile(agent_run_id)
        async with self.db.read() as conn:
            return await store.read_run(conn, agent_run_id)

    async def tool_calls(self, principal: Principal, agent_run_id: str) -> list[ToolCallRecord]:
        await self.agent_run(principal, agent_run_id)
        async with self.db.read() as conn:
            return await store.list_tool_calls(conn, agent_run_id)

    async def tools(self, principal: Principal, session_id: str) -> list[ToolSpec]:
        session = await self.get_session(principal, session_id)
        return await self.toolbox.tools(principal, session)

    async def reconcile(self, agent_run_id: str) -> None:
        # A refused approval first: an answer for the model, and the run goes on (ADR 0307).
        await resume_after_refusal(self.db, self.host, self.budgets, self.hub, agent_run_id)
        await reconcile(self.db, self.hub, agent_run_id)
