"""Memory: facts the user stated, per session and per project (ADR 0305, ADR 0308).

The fact is kept in the agent's own table (the source of truth: text, scope, the embedding
model that indexed it); its vector lives in the asset library's vector index
(``asset_knowledge.vectors.VectorIndex``: sqlite-vec embedded, pgvector in a cluster),
derived like ``asset_chunks``' vectors, under chunk id ``mem_...`` in partitions of its own:
project facts in ``<project>~memory``, a session's facts in ``<project>~memory~<session>``
(never an asset library's partition, so asset searches never see them). Recall searches both
partitions with the question's vector and keeps the best within a token budget; facts
indexed by another model (or by none) are embedded and indexed again first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import insert, or_, select, update

from nexus.agents import store
from nexus.agents.prompt import approx_tokens
from nexus.asset_knowledge.embed import Embedder
from nexus.asset_knowledge.vectors import VectorIndex, VectorRow
from nexus.contracts.agents import SessionRecord
from nexus.contracts.router import CallScope
from nexus.core.db import Database
from nexus.core.ids import new_id, utcnow

MEMORIES = store.MEMORIES
FACT_TOKENS = 300
MAX_FACTS = 200
PER_PARTITION = 20  # nearest facts asked of each partition


def partition(project_id: str, session_id: str | None) -> str:
    """The index partition (its "project") of a project's or a session's facts."""
    base = f"{project_id}~memory"
    return base if session_id is None else f"{base}~{session_id}"


def _partition_of(row: Any) -> str:
    return partition(row.project_id, row.session_id if row.scope == "session" else None)


class Memory:
    def __init__(
        self, db: Database, embedder: Embedder | None, vectors: VectorIndex | None
    ) -> None:
        self.db = db
        self.embedder = embedder
        self.vectors = vectors if embedder is not None else None

    async def remember(
        self,
        session: SessionRecord,
        fact: str,
        *,
        scope: str,
        tool_call_id: str | None,
        call_scope: CallScope,
    ) -> dict[str, Any]:
        """Store ``fact`` once per tool call (a retried call finds its row), then index it."""
        async with self.db.read() as conn:
            if tool_call_id is not None:
                row = (
                    await conn.execute(
                        select(MEMORIES).where(MEMORIES.c.tool_call_id == tool_call_id)
                    )
                ).first()
                if row is not None:
                    return {"memory_id": row.memory_id, "fact": row.fact, "scope": row.scope}
        now = utcnow()
        memory_id = new_id("mem")
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(MEMORIES),
                [
                    {
                        "memory_id": memory_id,
                        "tenant_id": session.tenant_id,
                        "project_id": session.project_id,
                        "session_id": session.session_id,
                        "scope": scope,
                        "fact": fact,
                        "embed_model": "",  # not indexed yet: recall indexes what is not
                        "tool_call_id": tool_call_id,
                        "trace_id": call_scope.trace_id,
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                ],
            )
            row = (
                await conn.execute(select(MEMORIES).where(MEMORIES.c.memory_id == memory_id))
            ).one()
        await self._index(call_scope, [row])
        return {"memory_id": memory_id, "fact": fact, "scope": scope}

    async def _index(self, call_scope: CallScope, rows: list[Any]) -> str:
        """Embed ``rows`` and put their vectors in the index; the model id ("" without one)."""
        if self.embedder is None or self.vectors is None:
            return ""
        model, vectors = await self.embedder.passages(call_scope, [r.fact for r in rows])
        await self.vectors.upsert(
            model,
            [
                VectorRow(r.memory_id, r.tenant_id, _partition_of(r), np.asarray(v, np.float32))
                for r, v in zip(rows, vectors, strict=True)
            ],
        )
        async with self.db.transaction() as conn:
            await conn.execute(
                update(MEMORIES)
                .where(MEMORIES.c.memory_id.in_([r.memory_id for r in rows]))
                .values(embed_model=model, updated_at=utcnow())
            )
        return model

    async def facts(self, session: SessionRecord) -> list[Any]:
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(MEMORIES)
                .where(
                    MEMORIES.c.tenant_id == session.tenant_id,
                    MEMORIES.c.project_id == session.project_id,
                    MEMORIES.c.deleted_at.is_(None),
                    or_(MEMORIES.c.scope == "project", MEMORIES.c.session_id == session.session_id),
                )
                .order_by(MEMORIES.c.created_at.desc())
                .limit(MAX_FACTS)
            )
            return list(rows)

    async def recall(
        self,
        session: SessionRecord,
        question: str,
        call_scope: CallScope,
        *,
        budget: int = FACT_TOKENS,
    ) -> list[str]:
        """The facts most relevant to ``question`` that fit ``budget`` tokens, best first."""
        rows = await self.facts(session)
        if not rows:
            return []
        facts = [r.fact for r in rows]  # newest first: without vectors, the order kept
        if self.embedder is not None and self.vectors is not None and question.strip():
            facts = await self._ranked(session, question, call_scope, rows)
        return _within(facts, budget)

    async def _ranked(
        self, session: SessionRecord, question: str, call_scope: CallScope, rows: list[Any]
    ) -> list[str]:
        assert self.embedder is not None and self.vectors is not None
        model, q = await self.embedder.query(call_scope, question)
        stale = [r for r in rows if r.embed_model != model]
        if stale:  # indexed by another model, or not yet: index with this one
            await self._index(call_scope, stale)
        by_id = {r.memory_id: r.fact for r in rows}
        hits: list[tuple[float, str]] = []
        for part in (partition(session.project_id, None), _session_part(session)):
            found = await self.vectors.search(
                model, session.tenant_id, part, np.asarray(q, np.float32), PER_PARTITION
            )
            hits += [(score, by_id[cid]) for cid, score in found if cid in by_id]
        return [fact for _, fact in sorted(hits, key=lambda h: -h[0])]


def _session_part(session: SessionRecord) -> str:
    return partition(session.project_id, session.session_id)


def _within(facts: list[str], budget: int) -> list[str]:
    out: list[str] = []
    used = 0
    for fact in facts:
        cost = approx_tokens(fact)
        if used + cost > budget:
            continue
        out.append(fact)
        used += cost
    return out
