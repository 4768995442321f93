"""Sessions through ``platform.agents`` with the offline engine: a message's stream, resuming
it, history pages, idempotent posts, a busy session, memory, tenant isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.agents.conftest import ALICE, EVE, PlatformFactory, new_session, say

from nexus.agents import store
from nexus.contracts.agents import SessionCreate
from nexus.contracts.router import CallScope
from nexus.core.errors import NexusError
from nexus.observer.audit import list_audit
from nexus.orchestrator import queries
from nexus.platform import Platform


async def test_a_message_streams_its_tool_call_and_answer(platform: Platform) -> None:
    session = await new_session(platform, title="cast notes")
    said = await say(platform, ALICE, session.session_id, "Tom is a grumpy old man")
    kinds = [k for k in said.kinds() if k != "token"]
    assert kinds == [
        "run_started",
        "message",  # the assistant's turn asking for the tool
        "tool_call",
        "tool_result",
        "message",  # the tool's result
        "message",  # the answer
        "run_finished",
    ]
    assert said.final()["status"] == "succeeded" and said.final()["steps"] == 2
    assert said.tokens() == said.answer() == "Done: remembered: Tom is a grumpy old man"
    seqs = [e.seq for e in said.persisted()]
    assert seqs == sorted(seqs) and None not in seqs
    run_id = said.events[0].data["run_id"]
    async with platform.db.read() as conn:
        orch = await queries.read_run(conn, run_id)
        jobs = {j.node_key: j for j in await queries.list_jobs(conn, run_id)}
    assert orch.status == "succeeded" and orch.pipeline == "agent"
    assert sorted(jobs) == ["tool[1.0]", "turn[1]", "turn[2]"]
    assert said.final()["trace_id"] == orch.trace_id != ""
    calls = await platform.agents.tool_calls(ALICE, said.final()["agent_run_id"])
    assert [(c.tool_name, c.status, c.job_id) for c in calls] == [
        ("agent__remember", "succeeded", jobs["tool[1.0]"].job_id)
    ]
    assert calls[0].latency_ms is not None and calls[0].output is not None


async def test_a_finished_stream_replays_and_resumes_by_seq(platform: Platform) -> None:
    session = await new_session(platform)
    said = await say(platform, ALICE, session.session_id, "remember that Mara hates the sea")
    run_id = said.final()["agent_run_id"]
    replay = [e async for e in platform.agents.stream(ALICE, run_id)]
    assert replay == said.persisted()  # tokens are live only; everything else replays
    middle = said.persisted()[3].seq or 0
    rest = [e async for e in platform.agents.stream(ALICE, run_id, after_seq=middle)]
    assert rest == said.persisted()[4:]


async def test_history_pages_and_a_second_message_sees_the_first(platform: Platform) -> None:
    session = await new_session(platform)
    await say(platform, ALICE, session.session_id, "Tom is a grumpy old man")
    second = await say(platform, ALICE, session.session_id, "what can you do?")
    assert second.final()["status"] == "succeeded" and "I can:" in second.answer()
    page, cursor = await platform.agents.history(ALICE, session.session_id, cursor=None, limit=3)
    assert [m.role for m in page] == ["user", "assistant", "tool"] and cursor == "3"
    rest, end = await platform.agents.history(ALICE, session.session_id, cursor=cursor, limit=50)
    assert [m.role for m in rest] == ["assistant", "user", "assistant"] and end is None
    assert [m.seq for m in [*page, *rest]] == list(range(1, 7))
    with pytest.raises(NexusError) as err:
        await platform.agents.history(ALICE, session.session_id, cursor="x", limit=5)
    assert err.value.code.value == "validation_failed"


async def test_the_same_idempotency_key_is_the_same_run_and_busy_sessions_refuse(
    platform: Platform,
) -> None:
    session = await new_session(platform)
    first = await platform.agents.post_message(
        ALICE, session.session_id, "Tom is a grumpy old man", idempotency_key="k1"
    )
    again = await platform.agents.post_message(
        ALICE, session.session_id, "Tom is a grumpy old man", idempotency_key="k1"
    )
    assert again.agent_run_id == first.agent_run_id
    with pytest.raises(NexusError) as err:
        await platform.agents.post_message(ALICE, session.session_id, "and Mara?")
    assert err.value.code.value == "session_busy"
    [e async for e in platform.agents.stream(ALICE, first.agent_run_id)]
    page, _ = await platform.agents.history(ALICE, session.session_id, cursor=None, limit=50)
    assert [m.role for m in page].count("user") == 1
    nxt = await platform.agents.post_message(ALICE, session.session_id, "and Mara?")
    assert nxt.agent_run_id != first.agent_run_id


async def test_remembered_facts_come_back_into_the_prompt(platform: Platform) -> None:
    session = await new_session(platform, project_id="p-mem")
    await say(platform, ALICE, session.session_id, "Tom is a grumpy old man")
    await say(platform, ALICE, session.session_id, "remember that the harbour is foggy at dawn")
    other = await new_session(platform, project_id="p-mem")
    elsewhere = await new_session(platform, project_id="p-other")
    runtime = platform.registry.services["agents"]
    cs = CallScope(tenant_id="t1", project_id="p-mem")
    facts = await runtime.memory.recall(other, "how does Tom speak?", cs)
    assert facts[0] == "Tom is a grumpy old man" and len(facts) == 2
    assert await runtime.memory.recall(elsewhere, "Tom", cs) == []
    few = await runtime.memory.recall(other, "Tom", cs, budget=8)
    assert few == ["Tom is a grumpy old man"]


async def test_another_tenant_sees_no_session(platform: Platform) -> None:
    session = await new_session(platform)
    said = await say(platform, ALICE, session.session_id, "Tom is a grumpy old man")
    run_id = said.final()["agent_run_id"]
    attempts = [
        platform.agents.get_session(EVE, session.session_id),
        platform.agents.post_message(EVE, session.session_id, "hi"),
        platform.agents.history(EVE, session.session_id, cursor=None, limit=5),
        platform.agents.agent_run(EVE, run_id),
        platform.agents.tool_calls(EVE, run_id),
        platform.agents.tools(EVE, session.session_id),
    ]
    for attempt in attempts:
        with pytest.raises(NexusError) as err:
            await attempt
        assert err.value.code.value == "session_not_found"
    with pytest.raises(NexusError) as err:
        [e async for e in platform.agents.stream(EVE, run_id)]
    assert err.value.code.value == "session_not_found"
    mine, _ = await platform.agents.list_sessions(ALICE, project_id=None, cursor=None, limit=10)
    theirs, _ = await platform.agents.list_sessions(EVE, project_id=None, cursor=None, limit=10)
    assert [s.session_id for s in mine] == [session.session_id] and theirs == []
    with pytest.raises(NexusError) as err:
        await platform.agents.create_session(
            EVE, SessionCreate(run_id=said.events[0].data["run_id"])
        )
    assert err.value.code.value == "run_not_found"


async def test_sessions_page_newest_first_and_creation_is_audited(platform: Platform) -> None:
    made = [await new_session(platform, title=f"s{i}") for i in range(3)]
    page, cursor = await platform.agents.list_sessions(ALICE, project_id=None, cursor=None, limit=2)
    assert [s.title for s in page] == ["s2", "s1"] and cursor is not None
    rest, end = await platform.agents.list_sessions(ALICE, project_id=None, cursor=cursor, limit=2)
    assert [s.title for s in rest] == ["s0"] and end is None
    async with platform.db.read() as conn:
        entries = await list_audit(conn, tenant_id="t1", action="agent.session_create")
        rows = (await conn.execute(select(store.SESSIONS.c.session_id))).all()
    assert sorted(e.target_id for e in entries) == sorted(s.session_id for s in made)
    assert len(rows) == 3


@pytest.mark.postgres
async def test_a_conversation_on_postgresql(make_platform: PlatformFactory, pg_url: str) -> None:
    platform = await make_platform(database_url=pg_url)
    session = await new_session(platform)
    said = await say(platform, ALICE, session.session_id, "记住Tom是个脾气暴躁的老人")
    assert said.final()["status"] == "succeeded"
    assert said.answer() == "完成：remembered: Tom是个脾气暴躁的老人"
    with pytest.raises(NexusError) as err:
        await platform.agents.get_session(EVE, session.session_id)
    assert err.value.code.value == "session_not_found"
