"""What the gateway, the CLI and the benchmarks use of agent sessions: one service, in
``nexus.agents.service.AgentService``, built by the platform (``platform.agents``).

Every method is tenant-scoped: a session of another tenant is ``session_not_found``, never
another tenant's data. Paging is by opaque cursor (the last item's ``seq`` / id).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from nexus.contracts.agents import (
    AgentEvent,
    AgentRunRecord,
    MessageRecord,
    SessionCreate,
    SessionRecord,
    ToolCallRecord,
    ToolSpec,
)
from nexus.contracts.governance import Principal


class AgentSessions(Protocol):
    async def create_session(
        self, principal: Principal, body: SessionCreate, *, idempotency_key: str | None = None
    ) -> SessionRecord:
        """A new session owned by ``principal.user_id`` in ``body.project_id``."""
        ...

    async def create_session_once(
        self, principal: Principal, body: SessionCreate, idempotency_key: str | None
    ) -> tuple[SessionRecord, bool]:
        """(session, created): the same key and request again -> the first session, False;
        the same key with another request -> ``idempotency_mismatch`` (durable, ADR 0309)."""
        ...

    async def get_session(self, principal: Principal, session_id: str) -> SessionRecord: ...

    async def list_sessions(
        self, principal: Principal, *, project_id: str | None, cursor: str | None, limit: int
    ) -> tuple[list[SessionRecord], str | None]:
        """Newest first; returns (items, next_cursor)."""
        ...

    async def post_message(
        self,
        principal: Principal,
        session_id: str,
        content: str,
        *,
        idempotency_key: str | None = None,
        trace_id: str = "",
    ) -> AgentRunRecord:
        """Record the user's message and start its agent run (an orchestrator run). A
        repeated idempotency key returns the same agent run; a message while the session's
        previous run is still going is ``session_busy``."""
        ...

    def stream(
        self, principal: Principal, agent_run_id: str, *, after_seq: int = 0
    ) -> AsyncIterator[AgentEvent]:
        """The run's events from ``after_seq`` (persisted ones resume; tokens are live only),
        ending with ``run_finished``. Follows a run that is waiting for approval until it is
        decided (the caller may disconnect and resume later)."""
        ...

    async def history(
        self, principal: Principal, session_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[MessageRecord], str | None]:
        """Oldest first from the cursor; returns (items, next_cursor)."""
        ...

    async def agent_run(self, principal: Principal, agent_run_id: str) -> AgentRunRecord: ...

    async def tool_calls(self, principal: Principal, agent_run_id: str) -> list[ToolCallRecord]: ...

    async def tools(self, principal: Principal, session_id: str) -> list[ToolSpec]:
        """The tools this session's model sees: registry skills the policy allows."""
        ...
