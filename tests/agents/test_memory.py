"""Memory in the asset library's vector index (ADR 0308), on sqlite-vec and on pgvector: the
fact stays in the agent's table, its vector is derived under ``mem_...`` in partitions of
its own (never an asset partition), session facts stay in their session, and a fact indexed
by another model is indexed again before it is compared."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select, update
from tests.agents.conftest import PlatformFactory, new_session

from nexus.agents import store
from nexus.agents.memory import Memory, partition
from nexus.asset_knowledge.pgvectors import PgVectorIndex
from nexus.asset_knowledge.vectors import VectorIndex
from nexus.contracts.router import CallScope
from nexus.platform import Platform

CS = CallScope(tenant_id="t1", project_id="p-mem")


async def _check(platform: Platform, memory: Memory, vectors: VectorIndex) -> None:
    one = await new_session(platform, project_id="p-mem")
    two = await new_session(platform, project_id="p-mem")
    kw = {"tool_call_id": None, "call_scope": CS}
    await memory.remember(one, "Tom is a grumpy old man", scope="project", **kw)
    await memory.remember(one, "the harbour is foggy at dawn", scope="project", **kw)
    kept = await memory.remember(one, "Mara whispers in this scene", scope="session", **kw)
    assert kept["memory_id"].startswith("mem_")
    assert (await memory.recall(two, "how does Tom speak?", CS))[0] == "Tom is a grumpy old man"
    assert "Mara whispers in this scene" not in await memory.recall(two, "Mara", CS)
    assert (await memory.recall(one, "how does Mara talk?", CS))[0].startswith("Mara")
    assert await memory.recall(two, "Tom", CS, budget=8) == ["Tom is a grumpy old man"]
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(store.MEMORIES))).all()
    model = rows[0].embed_model
    assert model and {r.embed_model for r in rows} == {model}
    assert await vectors.count(model) == 3
    q = np.ones(384, dtype=np.float32) / np.sqrt(384)
    assert await vectors.search(model, "t1", "p-mem", q, 10) == []  # the assets' partition
    assert len(await vectors.search(model, "t1", partition("p-mem", None), q, 10)) == 2
    assert await vectors.search(model, "t2", partition("p-mem", None), q, 10) == []
    async with platform.db.transaction() as conn:  # as if indexed by an older model
        await conn.execute(update(store.MEMORIES).values(embed_model="old-model"))
    assert (await memory.recall(one, "Tom", CS))[0] == "Tom is a grumpy old man"
    async with platform.db.read() as conn:
        again = (await conn.execute(select(store.MEMORIES.c.embed_model))).scalars().all()
    assert set(again) == {model} and await vectors.count(model) == 3


async def test_memory_on_sqlite_vec(platform: Platform) -> None:
    memory = platform.registry.services["agents"].memory
    assert memory.vectors is platform.assets.vectors  # the library's index, not a second one
    await _check(platform, memory, platform.assets.vectors)


@pytest.mark.postgres
async def test_memory_on_pgvector(make_platform: PlatformFactory, pg_url: str) -> None:
    platform = await make_platform(database_url=pg_url)
    vectors = PgVectorIndex(platform.db)
    await _check(platform, Memory(platform.db, platform.assets.embedder, vectors), vectors)
