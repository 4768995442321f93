"""Tool-calling turns (capability "tools"): who serves them, what goes on the wire, parallel
calls, the offline engine registered under "tools", and the budget of a tools turn."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router import build_client
from nexus.model_router.results import ChatResult, ToolCall
from tests.fakes.openai_script import Call, Turn
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import SCOPE, LedgerGuard, openai_provider, settings_with

EDIT = {
    "type": "function",
    "function": {
        "name": "studio__edit_shot",
        "description": "Change a shot's line, voice or duration.",
        "parameters": {
            "type": "object",
            "properties": {"shot": {"type": "integer"}, "text": {"type": "string"}},
            "required": ["shot"],
        },
    },
}
PLAN = {
    "type": "function",
    "function": {"name": "studio__read_plan", "parameters": {"type": "object", "properties": {}}},
}
ASK = [{"role": "user", "content": "make the second shot say 'The storm is coming'"}]


def chat_only(url: str) -> dict[str, Any]:
    return openai_provider(
        "plain",
        url,
        models=[
            {
                "name": "chatty",
                "capabilities": ["chat", "json"],
                "prices": {"input_per_mtok": 0.5, "output_per_mtok": 0.5},
            }
        ],
    )


def with_tools(url: str, price: float = 1.0, **kw: Any) -> dict[str, Any]:
    return openai_provider(
        "agentic",
        url,
        **kw,
        models=[
            {
                "name": "caller",
                "capabilities": ["chat", "tools"],
                "prices": {"input_per_mtok": price, "output_per_mtok": price},
            }
        ],
    )


class RecordingEngine:
    """A tiny offline engine: records how it was called, answers with a fixed turn."""

    def __init__(self, text: str = "", calls: tuple[ToolCall, ...] = (), deltas: bool = True):
        self.text = text
        self.tool_calls = calls
        self.deltas = deltas
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, **kw: Any) -> ChatResult:
        self.seen.append(kw)
        if self.deltas and kw["on_delta"] is not None:
            for word in self.text.split(" "):
                kw["on_delta"](word if word == self.text.split(" ")[0] else " " + word)
        return ChatResult(text=self.text, tool_calls=self.tool_calls, finish_reason="stop")


async def test_a_tools_turn_goes_only_to_models_that_declare_tools(
    openai_fake: OpenAIServer, openai_backup: OpenAIServer
) -> None:
    settings = settings_with(chat_only(openai_fake.url), with_tools(openai_backup.url))
    client = build_client(settings, None, None, None)
    try:
        decision = client.route("tools")
        plain = await client.chat(SCOPE, ASK)
        turn = await client.chat(SCOPE, ASK, tools=[EDIT])
    finally:
        await client.close()
    assert (decision.provider, decision.model) == ("agentic", "caller")
    assert (plain.provider, plain.model) == ("plain", "chatty")  # configuration order
    assert (turn.provider, turn.model) == ("agentic", "caller")
    assert openai_fake.chat_calls == 1 and openai_backup.chat_calls == 1
    assert "tools" not in openai_fake.requests[0]
    assert openai_backup.requests[0]["tools"] == [EDIT]
    assert turn.tool_calls[0].name == "studio__edit_shot"
    assert turn.finish_reason == "tool_calls"


async def test_with_no_tool_calling_model_the_offline_engine_or_nothing(
    openai_fake: OpenAIServer,
) -> None:
    engine = RecordingEngine(text="好的")
    chat_engine = RecordingEngine(text="not me")
    client = build_client(
        settings_with(chat_only(openai_fake.url)),
        None,
        None,
        None,
        offline={"tools": engine, "chat": chat_engine},
    )
    strict = build_client(
        settings_with(chat_only(openai_fake.url), offline_fallback=False), None, None, None
    )
    try:
        assert client.route("tools").provider == "offline"
        turn = await client.chat(SCOPE, ASK, tools=[EDIT])
        with pytest.raises(NexusError) as caught:
            await strict.chat(SCOPE, ASK, tools=[EDIT])
    finally:
        await client.close()
        await strict.close()
    assert (turn.provider, turn.model, turn.text) == ("offline", "agent-commands", "好的")
    assert chat_engine.seen == [] and openai_fake.chat_calls == 0  # the chat model never asked
    assert caught.value.code == ErrorCode.NO_CAPABLE_PROVIDER
    assert openai_fake.chat_calls == 0


async def test_the_offline_engine_gets_the_documented_keywords(
    openai_fake: OpenAIServer,
) -> None:
    calls = (ToolCall("c1", "studio__edit_shot", {"shot": 2, "text": "The storm is coming"}),)
    engine = RecordingEngine(text="Editing shot 2.", calls=calls)
    client = build_client(settings_with(), None, None, None, offline={"tools": engine})
    got: list[str] = []
    try:
        result = await client.chat(
            SCOPE, ASK, tools=[EDIT], temperature=0.0, max_tokens=99, on_delta=got.append
        )
    finally:
        await client.close()
    (kw,) = engine.seen
    assert set(kw) == {
        "messages",
        "tools",
        "json_schema",
        "temperature",
        "max_tokens",
        "stream",
        "on_delta",
    }
    assert kw["messages"] == ASK and kw["tools"] == [EDIT]
    assert (kw["temperature"], kw["max_tokens"], kw["stream"]) == (0.0, 99, True)
    assert got == ["Editing", " shot", " 2."]
    assert result.tool_calls == calls and result.cost_usd == 0.0


async def test_an_engine_that_answers_whole_still_reaches_on_delta() -> None:
    engine = RecordingEngine(text="Done: shot 2 now says it.", deltas=False)
    client = build_client(settings_with(), None, None, None, offline={"tools": engine})
    got: list[str] = []
    try:
        result = await client.chat(SCOPE, ASK, tools=[EDIT], on_delta=got.append)
        quiet = await client.chat(SCOPE, ASK, tools=[EDIT])
    finally:
        await client.close()
    assert got == [result.text]
    assert engine.seen[1]["stream"] is False and engine.seen[1]["on_delta"] is None
    assert quiet.text == result.text


@pytest.mark.parametrize("stream", [False, True])
async def test_parallel_tool_calls_come_back_in_order(
    openai_fake: OpenAIServer, stream: bool
) -> None:
    openai_fake.script_turns(
        Turn.call(
            Call("studio__read_plan"),
            Call("studio__edit_shot", {"shot": 2, "text": "The storm is coming"}),
            Call("studio__edit_shot", {"shot": 3, "text": "暴风雨要来了", "voice": "deep"}),
        )
    )
    client = build_client(settings_with(with_tools(openai_fake.url)), None, None, None)
    try:
        result = await client.chat(SCOPE, ASK, tools=[PLAN, EDIT], stream=stream)
    finally:
        await client.close()
    assert [(c.call_id, c.name, c.arguments) for c in result.tool_calls] == [
        ("call_1", "studio__read_plan", {}),
        ("call_2", "studio__edit_shot", {"shot": 2, "text": "The storm is coming"}),
        ("call_3", "studio__edit_shot", {"shot": 3, "text": "暴风雨要来了", "voice": "deep"}),
    ]
    assert result.finish_reason == "tool_calls" and result.text == ""


async def test_tool_choice_and_parallel_switch_go_on_the_wire(openai_fake: OpenAIServer) -> None:
    openai_fake.script_turns(
        Turn.call(Call("studio__read_plan"), Call("studio__edit_shot", {"shot": 1}))
    )
    client = build_client(settings_with(with_tools(openai_fake.url)), None, None, None)
    try:
        one = await client.chat(
            SCOPE, ASK, tools=[PLAN, EDIT], tool_choice="required", parallel_tool_calls=False
        )
        named = await client.chat(SCOPE, ASK, tools=[PLAN, EDIT], tool_choice="studio__edit_shot")
        none = await client.chat(SCOPE, ASK, tools=[PLAN, EDIT], tool_choice="none")
    finally:
        await client.close()
    first, second, third = openai_fake.requests
    assert (first["tool_choice"], first["parallel_tool_calls"]) == ("required", False)
    assert [c.name for c in one.tool_calls] == ["studio__read_plan"]  # parallel switched off
    assert second["tool_choice"] == {"type": "function", "function": {"name": "studio__edit_shot"}}
    assert "parallel_tool_calls" not in second
    assert [c.name for c in named.tool_calls] == ["studio__edit_shot"]
    assert third["tool_choice"] == "none" and none.tool_calls == ()


async def test_a_conversation_with_tool_results_round_trips(openai_fake: OpenAIServer) -> None:
    openai_fake.script_turns(
        Turn.call(Call("studio__edit_shot", {"shot": 2, "text": "The storm is coming"})),
        Turn.say("Shot 2 now says 'The storm is coming'."),
    )
    settings = settings_with(with_tools(openai_fake.url), offline_fallback=False)
    client = build_client(settings, None, None, None)
    try:
        turn = await client.chat(SCOPE, ASK, tools=[EDIT])
        (call,) = turn.tool_calls
        history = [
            *ASK,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call.call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call.call_id, "content": '{"ok": true}'},
        ]
        answer = await client.chat(SCOPE, history, tools=[EDIT])
        with pytest.raises(NexusError) as caught:  # a tool result that answers no call
            await client.chat(SCOPE, [*ASK, history[2]], tools=[EDIT])
    finally:
        await client.close()
    assert answer.text == "Shot 2 now says 'The storm is coming'." and answer.tool_calls == ()
    assert caught.value.code == ErrorCode.PROVIDER_ERROR
    assert caught.value.extra["status"] == 400
    assert openai_fake.chat_calls == 2  # the refused request is not retried


async def test_arguments_that_are_not_an_object_are_an_invalid_answer(
    openai_fake: OpenAIServer,
) -> None:
    openai_fake.script_turns(
        Turn.call(Call("studio__edit_shot", "[2]")), Turn.call(Call("studio__edit_shot", '{"sh'))
    )
    provider = with_tools(openai_fake.url, max_retries=1)
    client = build_client(settings_with(provider, offline_fallback=False), None, None, None)
    try:
        with pytest.raises(NexusError) as caught:
            await client.chat(SCOPE, ASK, tools=[EDIT])
    finally:
        await client.close()
    assert caught.value.code == ErrorCode.PROVIDER_RESPONSE_INVALID
    assert "not JSON" in caught.value.detail  # retried once: the second answer is cut JSON


async def test_a_tools_turn_reserves_its_tools_and_is_ledgered_as_tools(
    openai_fake: OpenAIServer,
) -> None:
    ledger = LedgerGuard()
    client = build_client(settings_with(with_tools(openai_fake.url)), ledger, ledger, None)
    reserved: list[int] = []
    reserve = ledger.reserve

    async def spy(scope: Any, estimate: Any) -> Any:
        reserved.append(estimate.tokens)
        return await reserve(scope, estimate)

    ledger.reserve = spy  # type: ignore[method-assign]
    try:
        await client.chat(SCOPE, ASK, max_tokens=50)
        result = await client.chat(SCOPE, ASK, tools=[PLAN, EDIT], max_tokens=50)
    finally:
        await client.close()
    schema_tokens = len(json.dumps([PLAN, EDIT])) // 4
    assert reserved[1] - reserved[0] >= schema_tokens  # the tool schemas are prompt too
    assert [c.capability for c in ledger.calls] == ["chat", "tools"]
    assert ledger.held == {} and len(ledger.settled) == 2
    assert ledger.settled[1].usd == pytest.approx(result.cost_usd) and result.cost_usd > 0


async def test_a_budget_refusal_of_a_tools_turn_falls_to_the_free_engine(
    openai_fake: OpenAIServer,
) -> None:
    ledger = LedgerGuard(limit_usd=1e-9)
    engine = RecordingEngine(text="offline answer")
    settings = settings_with(with_tools(openai_fake.url))
    client = build_client(settings, ledger, ledger, None, offline={"tools": engine})
    alone = build_client(
        settings_with(with_tools(openai_fake.url), offline_fallback=False), ledger, ledger, None
    )
    try:
        result = await client.chat(SCOPE, ASK, tools=[EDIT])
        with pytest.raises(NexusError) as caught:
            await alone.chat(SCOPE, ASK, tools=[EDIT])
    finally:
        await client.close()
        await alone.close()
    assert (result.provider, result.failed_over_from) == ("offline", ("agentic/caller",))
    assert caught.value.code == ErrorCode.BUDGET_EXHAUSTED
    assert openai_fake.chat_calls == 0  # no reservation, no call
