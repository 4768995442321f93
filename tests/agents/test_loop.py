"""The loop's limits and governance: a denied tool is refused and the model told why, a tool
that needs approval waits for a second person, the step limit, budget exhaustion mid-run
with the partial answer kept, parallel calls, bad arguments and unknown tools. The scripted
turns come from the OpenAI protocol fake, which counts the model calls."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.agents.conftest import (
    ALICE,
    BOB,
    PlatformFactory,
    fake_provider,
    new_session,
    say,
    write_policy,
)
from tests.fakes.openai_script import Call, Turn
from tests.fakes.openai_server import OpenAIServer

from nexus.agents import store
from nexus.contracts.agents import AgentEvent
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.governance.approvals import APPROVALS
from nexus.observer.audit import list_audit
from nexus.orchestrator import queries
from nexus.platform import Platform

POLICY = """package nexus.policy

import rego.v1

default allow := false

allow if input.action in {"run.create", "job.dispatch", "provider.call", "tool.call"}

deny contains "secrets are never remembered" if {
\tinput.action == "tool.call"
\tinput.resource.name == "agent.remember"
\tcontains(input.context.arguments.fact, "secret")
}

needs_approval contains "a fact about everyone needs a second person" if {
\tinput.action == "tool.call"
\tinput.resource.name == "agent.remember"
\tcontains(input.context.arguments.fact, "everyone")
}

deny contains "estimates are not for this project" if {
\tinput.action == "tool.call"
\tinput.resource.name == "agent.estimate_cost"
\tinput.context.project_id == "p-locked"
}
"""


async def test_a_denied_tool_is_refused_and_the_model_is_told_why(platform: Platform) -> None:
    await write_policy(platform, "t1", POLICY)
    session = await new_session(platform)
    said = await say(platform, ALICE, session.session_id, "remember that the secret code is 42")
    assert said.final()["status"] == "succeeded"
    assert said.answer() == "Done: tool_denied: refused: secrets are never remembered"
    [call] = await platform.agents.tool_calls(ALICE, said.final()["agent_run_id"])
    assert (call.status, call.error_code) == ("denied", "tool_denied")
    page, _ = await platform.agents.history(ALICE, session.session_id, cursor=None, limit=10)
    told = json.loads(page[2].content)
    assert page[2].role == "tool" and told["error"] == "refused: secrets are never remembered"
    async with platform.db.read() as conn:
        jobs = [j.node_key for j in await queries.list_jobs(conn, said.events[0].data["run_id"])]
        audit = await list_audit(conn, tenant_id="t1", action="agent.tool_denied")
        kept = (await conn.execute(select(store.MEMORIES))).all()
    assert sorted(jobs) == ["turn[1]", "turn[2]"]  # the refused call never became a job
    assert [a.target_id for a in audit] == ["agent.remember"] and kept == []
    # A tool the policy denies outright is not offered at all.
    locked = await new_session(platform, project_id="p-locked")
    names = {t.name for t in await platform.agents.tools(ALICE, locked.session_id)}
    assert "agent__estimate_cost" not in names and "agent__remember" in names
    offered = await say(platform, ALICE, locked.session_id, "how much will it cost")
    assert offered.answer() == "This session may not use: agent.estimate_cost."


async def test_a_tool_needing_approval_waits_for_a_second_person(platform: Platform) -> None:
    await write_policy(platform, "t1", POLICY)
    session = await new_session(platform)
    run = await platform.agents.post_message(
        ALICE, session.session_id, "remember that everyone loves the lighthouse"
    )
    seen: list[AgentEvent] = []
    asked = asyncio.Event()

    async def follow() -> None:
        async for event in platform.agents.stream(ALICE, run.agent_run_id):
            seen.append(event)
            if event.kind == "approval_needed":
                asked.set()

    follower = asyncio.create_task(follow())
    await asyncio.wait_for(asked.wait(), timeout=30)
    waiting = await platform.agents.agent_run(ALICE, run.agent_run_id)
    assert waiting.status == "waiting_approval"
    needed = next(e for e in seen if e.kind == "approval_needed")
    approval_id = str(needed.data["approval_id"])
    assert needed.data["tool_call"]["status"] == "waiting_approval"
    with pytest.raises(NexusError) as err:  # the one who asked cannot approve it
        await platform.decide_approval("t1", approval_id, user_id=str(ALICE.user_id), approve=True)
    assert err.value.code.value == "self_approval"
    await platform.decide_approval("t1", approval_id, user_id=str(BOB.user_id), approve=True)
    await asyncio.wait_for(follower, timeout=30)
    assert seen[-1].data["agent_run"]["status"] == "succeeded"
    [call] = await platform.agents.tool_calls(ALICE, run.agent_run_id)
    assert (call.status, call.approval_id) == ("succeeded", approval_id)
    assert "remembered: everyone loves the lighthouse" in seen[-2].data["message"]["content"]


async def test_the_step_limit_ends_a_runaway_loop(platform: Platform) -> None:
    session = await new_session(platform, max_steps=1)
    said = await say(platform, ALICE, session.session_id, "Tom is a grumpy old man")
    final = said.final()
    assert (final["status"], final["error_code"], final["steps"]) == (
        "failed",
        "agent_step_limit",
        1,
    )
    error = next(e for e in said.events if e.kind == "error")
    assert error.data["error_code"] == "agent_step_limit"
    orch = await platform.wait_for_run(said.events[0].data["run_id"], timeout_s=20)
    assert (orch.status, orch.error_code) == ("failed", "agent_step_limit")
    page, _ = await platform.agents.history(ALICE, session.session_id, cursor=None, limit=10)
    assert [m.role for m in page] == ["user", "assistant", "tool"]  # the work so far is kept
    later = await say(platform, ALICE, session.session_id, "hello")  # the session goes on
    assert later.final()["status"] == "succeeded"  # a one-turn answer fits the limit


async def agent_platform(
    make_platform: PlatformFactory, fake: OpenAIServer, **prices: float
) -> Platform:
    return await make_platform(providers=[fake_provider(fake.url, **prices)])


async def test_budget_exhaustion_mid_run_keeps_the_partial_answer(
    make_platform: PlatformFactory, openai_fake: OpenAIServer
) -> None:
    out_price = 100.0  # USD per million output tokens; input is free
    platform = await agent_platform(
        make_platform, openai_fake, input_per_mtok=0.0, output_per_mtok=out_price
    )
    fact = "the keeper's lamp is painted red and white, " * 4
    openai_fake.script_turns(
        Turn.call(Call("agent__remember", {"fact": fact}), text="Let me note that."),
        Turn.say("Noted."),
    )
    # Enough for one turn's reservation (1024 output tokens) and, once the first turn has
    # spent its few tokens, not for a second one.
    budget = (1024 + 1) * out_price / 1e6
    session = await new_session(platform, budget_usd=budget)
    said = await say(platform, ALICE, session.session_id, "note the lamp")
    final = said.final()
    assert (final["status"], final["error_code"]) == ("failed", "budget_exceeded")
    assert openai_fake.chat_calls == 1 and final["cost_usd"] > 0
    page, _ = await platform.agents.history(ALICE, session.session_id, cursor=None, limit=10)
    assert [(m.role, m.content[:17]) for m in page][:2] == [
        ("user", "note the lamp"),
        ("assistant", "Let me note that."),
    ]
    assert page[2].role == "tool" and "remembered" in page[2].content
    after = await platform.agents.get_session(ALICE, session.session_id)
    assert after.spent_usd == pytest.approx(final["cost_usd"]) and after.spent_usd <= budget


async def test_parallel_calls_bad_arguments_and_unknown_tools(
    make_platform: PlatformFactory, openai_fake: OpenAIServer
) -> None:
    platform = await agent_platform(make_platform, openai_fake)
    openai_fake.script_turns(
        Turn.call(
            Call("agent__remember", {"fact": "Tom is grumpy"}),
            Call("agent__remember", {"fact": "Mara is brave", "scope": "session"}),
            Call("agent__edit_shot", {"shot": "two"}),
            Call("agent__launch_rockets", {}),
        ),
        Turn.say("I noted two facts; the edit and the rockets failed."),
    )
    session = await new_session(platform)
    said = await say(platform, ALICE, session.session_id, "do four things")
    assert said.final()["status"] == "succeeded" and openai_fake.chat_calls == 2
    assert said.tokens() == "I noted two facts; the edit and the rockets failed."
    calls = await platform.agents.tool_calls(ALICE, said.final()["agent_run_id"])
    assert [(c.tool_name, c.status, c.error_code) for c in calls] == [
        ("agent__remember", "succeeded", None),
        ("agent__remember", "succeeded", None),
        ("agent__edit_shot", "failed", "tool_input_invalid"),
        ("agent__launch_rockets", "failed", "tool_not_found"),
    ]
    async with platform.db.read() as conn:
        jobs = sorted(
            j.node_key for j in await queries.list_jobs(conn, said.events[0].data["run_id"])
        )
    assert jobs == ["tool[1.0]", "tool[1.1]", "tool[1.2]", "turn[1]", "turn[2]"]
    # The second request carried every result, each answering the model's own call id.
    second = openai_fake.requests[1]["messages"]
    answered = [m["tool_call_id"] for m in second if m["role"] == "tool"]
    asked = [c["id"] for m in second if m["role"] == "assistant" for c in m.get("tool_calls", [])]
    assert sorted(answered) == sorted(asked) and len(asked) == 4
    assert "shot" in next(
        m["content"] for m in second if m["role"] == "tool" and "invalid" in m["content"]
    )


async def _produce_and_decide(platform: Platform, decide: Any) -> tuple[list[AgentEvent], str]:
    """Ask for a production (always held) and let ``decide(approval_id)`` answer the hold."""
    session = await new_session(platform)
    run = await platform.agents.post_message(
        ALICE, session.session_id, "produce: The keeper lit the lamp."
    )
    events: list[AgentEvent] = []
    async for event in platform.agents.stream(ALICE, run.agent_run_id):
        events.append(event)
        if event.kind == "approval_needed":
            await decide(str(event.data["approval_id"]))
    return events, run.agent_run_id


def _tool_answer(events: list[AgentEvent]) -> dict[str, Any]:
    messages = [e.data["message"] for e in events if e.kind == "message"]
    return dict(json.loads(next(m["content"] for m in messages if m["role"] == "tool")))


async def test_a_rejected_tool_is_an_answer_and_the_run_goes_on(platform: Platform) -> None:
    async def reject(approval_id: str) -> None:
        await platform.decide_approval(
            "t1", approval_id, user_id=str(BOB.user_id), approve=False, note="not today"
        )

    events, agent_run_id = await _produce_and_decide(platform, reject)
    final = events[-1].data["agent_run"]
    assert (final["status"], final["error_code"]) == ("succeeded", None)
    assert _tool_answer(events) == {
        "error": "rejected by usr_bob: not today",
        "error_code": "approval_rejected",
    }
    [call] = await platform.agents.tool_calls(ALICE, agent_run_id)
    assert (call.tool_name, call.status, call.error_code) == (
        "agent__start_production",
        "denied",
        "approval_rejected",
    )
    assert [e.kind for e in events].count("run_started") == 2  # the continuation
    assert "rejected by usr_bob: not today" in str(events[-2].data["message"]["content"])


async def test_an_expired_approval_is_an_answer_too(platform: Platform) -> None:
    async def expire(approval_id: str) -> None:
        async with platform.db.transaction() as conn:
            await conn.execute(
                update(APPROVALS)
                .where(APPROVALS.c.approval_id == approval_id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )

    events, agent_run_id = await _produce_and_decide(platform, expire)
    assert events[-1].data["agent_run"]["status"] == "succeeded"
    answer = _tool_answer(events)
    assert answer["error_code"] == "approval_expired"
    assert str(answer["error"]).startswith("the approval expired at ")
    [call] = await platform.agents.tool_calls(ALICE, agent_run_id)
    assert (call.status, call.error_code) == ("denied", "approval_expired")
