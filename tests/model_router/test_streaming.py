"""Streamed chat: text deltas reach ``on_delta`` in order and add up to the answer, tool-call
deltas are folded (split anywhere in their JSON), failover only before the first delta."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router import build_client
from nexus.model_router.adapters import sse
from nexus.safety import SafetyPolicy
from tests.fakes.openai_script import ARGUMENT_PIECE, Call, Turn, stream_chunks
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import SCOPE, LedgerGuard, openai_provider, settings_with

ASK = [{"role": "user", "content": "regenerate shot 2"}]
TOOL = {
    "type": "function",
    "function": {
        "name": "studio__regenerate_shot",
        "parameters": {"type": "object", "properties": {"shot": {"type": "integer"}}},
    },
}
LONG = "The storm is coming, Tom says, and the lighthouse keeper does not look up. " * 3


async def lines_of(events: list[bytes]) -> AsyncIterator[str]:
    for event in events:
        for line in event.decode().split("\n"):
            yield line


async def test_deltas_arrive_in_order_and_add_up_to_the_text(openai_fake: OpenAIServer) -> None:
    chinese_text = "好的，第二个镜头的台词改成了“暴风雨要来了”。"
    openai_fake.script_turns(Turn.say(LONG), Turn.say(chinese_text))
    client = build_client(settings_with(openai_provider("main", openai_fake.url)), None, None, None)
    english: list[str] = []
    chinese: list[str] = []
    try:
        first = await client.chat(SCOPE, ASK, on_delta=english.append)
        second = await client.chat(SCOPE, ASK, stream=True, on_delta=chinese.append)
    finally:
        await client.close()
    assert "".join(english) == first.text == LONG
    assert len(english) >= 20 and all(english)
    assert "".join(chinese) == second.text == chinese_text and len(chinese) > 1
    assert openai_fake.requests[0]["stream"] is True  # on_delta alone streams
    assert openai_fake.requests[0]["stream_options"] == {"include_usage": True}
    assert first.usage.input_tokens == 3 and first.usage.output_tokens == len(LONG.split())


async def test_tool_call_deltas_are_folded_and_not_passed_on(openai_fake: OpenAIServer) -> None:
    args = {"shot": 2, "note": '低沉的声音 — a deeper voice, {not: json} "quoted"'}
    openai_fake.script_turns(
        Turn.call(
            Call("studio__regenerate_shot", args),
            Call("studio__regenerate_shot", {"shot": 3}),
            text="Regenerating shots 2 and 3.",
        )
    )
    client = build_client(settings_with(openai_provider("main", openai_fake.url)), None, None, None)
    got: list[str] = []
    try:
        result = await client.chat(SCOPE, ASK, tools=[TOOL], on_delta=got.append)
    finally:
        await client.close()
    assert "".join(got) == result.text == "Regenerating shots 2 and 3."
    assert [(c.name, c.arguments) for c in result.tool_calls] == [
        ("studio__regenerate_shot", args),
        ("studio__regenerate_shot", {"shot": 3}),
    ]
    assert result.finish_reason == "tool_calls"


async def test_the_accumulator_joins_arguments_cut_anywhere() -> None:
    calls = [
        Call("a", {"text": "暴风雨要来了", "n": [1, 2, {"deep": True}]}).wire("call_a"),
        Call("b", {"x": '}{\\"]'}).wire("call_b"),
    ]
    events = stream_chunks({"stream_options": {"include_usage": True}}, "c1", 0, "hi", calls,
                           "tool_calls", {"prompt_tokens": 4, "completion_tokens": 7})  # fmt: skip
    pieces = [e for e in events if b'"arguments": "' in e and b'"name"' not in e]
    assert len(pieces) > len(calls) * 2  # each call's JSON came in several cuts
    assert all(len(json.loads(e[6:])["choices"][0]["delta"]["tool_calls"][0]["function"]
                   ["arguments"]) <= ARGUMENT_PIECE for e in pieces)  # fmt: skip
    got: list[str] = []
    acc = await sse.accumulate_chat("p", lines_of(events), got.append)
    assert [t["function"]["arguments"] for t in acc.tool_calls()] == [
        c["function"]["arguments"] for c in calls
    ]
    assert [t["id"] for t in acc.tool_calls()] == ["call_a", "call_b"]
    assert got == ["hi"] and acc.finish == "tool_calls"
    assert (acc.usage.input_tokens, acc.usage.output_tokens) == (4, 7)


async def test_calls_sent_whole_without_an_index_stay_apart() -> None:
    def chunk(call: dict[str, Any]) -> bytes:
        body = {"choices": [{"index": 0, "delta": {"tool_calls": [call]}}]}
        return f"data: {json.dumps(body)}\n\n".encode()

    events = [
        chunk({"id": "x1", "function": {"name": "a", "arguments": '{"k": 1}'}}),
        chunk({"id": "x2", "function": {"name": "b", "arguments": "{}"}}),
        chunk({"function": {"arguments": ""}}),  # no id: continues the last one
        b"data: [DONE]\n\n",
    ]
    acc = await sse.accumulate_chat("p", lines_of(events))
    assert [(t["id"], t["function"]["name"]) for t in acc.tool_calls()] == [
        ("x1", "a"),
        ("x2", "b"),
    ]


async def test_failover_before_the_first_delta(
    openai_fake: OpenAIServer, openai_backup: OpenAIServer
) -> None:
    openai_fake.fail("/v1/chat", "500")
    openai_backup.script_turns(Turn.say("from the backup"))
    settings = settings_with(
        openai_provider("primary", openai_fake.url, max_retries=0),
        openai_provider("secondary", openai_backup.url),
    )
    client = build_client(settings, None, None, None)
    got: list[str] = []
    try:
        result = await client.chat(SCOPE, ASK, on_delta=got.append)
    finally:
        await client.close()
    assert result.provider == "secondary" and result.failed_over_from == ("primary/fake-chat",)
    assert "".join(got) == "from the backup"


async def test_a_stream_cut_after_a_delta_is_neither_retried_nor_failed_over(
    openai_fake: OpenAIServer, openai_backup: OpenAIServer
) -> None:
    openai_fake.script_turns(Turn.say(LONG))
    openai_fake.fail("/v1/chat", "truncate")  # half the events, then the connection dies
    ledger = LedgerGuard()
    settings = settings_with(
        openai_provider("primary", openai_fake.url, max_retries=3),
        openai_provider("secondary", openai_backup.url),
    )
    client = build_client(settings, ledger, ledger, None)
    got: list[str] = []
    try:
        with pytest.raises(NexusError) as caught:
            await client.chat(SCOPE, ASK, on_delta=got.append)
    finally:
        await client.close()
    assert caught.value.code == ErrorCode.PROVIDER_RESPONSE_INVALID
    assert caught.value.extra["streamed_chars"] == len("".join(got)) > 0
    assert LONG.startswith("".join(got)) and "".join(got) != LONG
    assert openai_fake.submissions("/v1/chat/completions") == 1  # not asked again
    assert openai_backup.chat_calls == 0  # and no second provider under the shown text
    assert ledger.held == {} and len(ledger.released) == 1
    assert [(c.ok, c.error_code) for c in ledger.calls] == [(False, "provider_response_invalid")]


async def test_a_stream_cut_before_any_text_is_retried(openai_fake: OpenAIServer) -> None:
    call = Call("studio__regenerate_shot", {"shot": 2, "reason": "x" * 80})
    openai_fake.script_turns(Turn.call(call), Turn.call(call))
    openai_fake.fail("/v1/chat", "truncate", times=1)
    client = build_client(settings_with(openai_provider("main", openai_fake.url)), None, None, None)
    got: list[str] = []
    try:
        result = await client.chat(SCOPE, ASK, tools=[TOOL], on_delta=got.append)
    finally:
        await client.close()
    assert openai_fake.submissions("/v1/chat/completions") == 2
    assert result.tool_calls[0].arguments == call.arguments and got == []


async def test_redacted_outputs_arrive_as_one_redacted_delta(openai_fake: OpenAIServer) -> None:
    openai_fake.script_turns(Turn.say("Mail bo@example.org about the storm scene, please."))
    client = build_client(settings_with(openai_provider("main", openai_fake.url)), None, None, None)
    client.safety_for = lambda _scope: SafetyPolicy(redact_outputs=True)
    got: list[str] = []
    try:
        result = await client.chat(SCOPE, ASK, on_delta=got.append)
    finally:
        await client.close()
    assert got == [result.text] == ["Mail [email] about the storm scene, please."]
    assert openai_fake.requests[0]["stream"] is True
