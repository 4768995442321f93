"""ModelClient against the OpenAI-compatible fake: every call kind, metering, failover."""

from __future__ import annotations

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router import build_client
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import SCOPE, LedgerGuard, openai_provider, settings_with

SCHEMA = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "shots": {"type": "integer"}},
    "required": ["title", "shots"],
}


async def test_chat_with_a_schema_parses_json_and_meters_the_call(
    openai_fake: OpenAIServer,
) -> None:
    ledger = LedgerGuard()
    client = build_client(
        settings_with(openai_provider("main", openai_fake.url)), ledger, ledger, None
    )
    try:
        result = await client.chat(
            SCOPE, [{"role": "user", "content": "plan the story"}], json_schema=SCHEMA
        )
    finally:
        await client.close()
    assert result.parsed == {"title": "text", "shots": 1}
    assert (result.provider, result.model) == ("main", "fake-chat")
    assert result.usage.input_tokens == 3
    assert result.usage.output_tokens == 4  # the fake counts words of '{"title": "text", ...}'
    assert result.cost_usd == pytest.approx((3 * 1.0 + 4 * 2.0) / 1e6)
    assert ledger.held == {} and len(ledger.settled) == 1
    assert ledger.settled[0].usd == pytest.approx(result.cost_usd)
    assert [c.ok for c in ledger.calls] == [True]
    body = openai_fake.requests[0]
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA


async def test_streamed_chat_with_tools_folds_the_deltas(openai_fake: OpenAIServer) -> None:
    tool = {"type": "function", "function": {"name": "add_shot", "parameters": SCHEMA}}
    client = build_client(settings_with(openai_provider("main", openai_fake.url)), None, None, None)
    try:
        result = await client.chat(
            SCOPE, [{"role": "user", "content": "go"}], tools=[tool], stream=True
        )
        text = await client.chat(SCOPE, [{"role": "user", "content": "hello there"}], stream=True)
    finally:
        await client.close()
    assert result.tool_calls[0].name == "add_shot"
    assert result.tool_calls[0].arguments == {"title": "text", "shots": 1}
    assert result.finish_reason == "tool_calls"
    assert text.text == "echo: hello there"
    assert text.usage.input_tokens == 2


async def test_embed_image_and_speech(openai_fake: OpenAIServer) -> None:
    ledger = LedgerGuard()
    client = build_client(
        settings_with(openai_provider("main", openai_fake.url)), ledger, ledger, None
    )
    try:
        emb = await client.embed(SCOPE, ["a", "b c"])
        img = await client.image(SCOPE, "a lighthouse", width=64, height=48, seed=1)
        tts = await client.speech(SCOPE, "x" * 30, voice="alloy", language="en")
    finally:
        await client.close()
    assert len(emb.vectors) == 2 and len(emb.vectors[0]) == 8
    assert img.data.startswith(b"\x89PNG") and img.cost_usd == pytest.approx(0.04)
    assert tts.seconds == pytest.approx(2.0) and tts.cost_usd == pytest.approx(0.002)
    assert [c.capability for c in ledger.calls] == ["embeddings", "image", "speech"]


async def test_a_wrong_key_is_a_provider_error_and_releases_the_reservation(
    openai_fake: OpenAIServer,
) -> None:
    ledger = LedgerGuard()
    provider = openai_provider("main", openai_fake.url)
    provider["api_key"] = "sk-wrong"
    client = build_client(settings_with(provider, offline_fallback=False), ledger, ledger, None)
    try:
        with pytest.raises(NexusError) as caught:
            await client.chat(SCOPE, [{"role": "user", "content": "hi"}])
    finally:
        await client.close()
    assert caught.value.code == ErrorCode.PROVIDER_ERROR
    assert "sk-wrong" not in str(caught.value)
    assert openai_fake.submissions("/v1/chat/completions") == 1  # a 401 is not retried
    assert ledger.held == {} and len(ledger.released) == 1
    assert [(c.ok, c.error_code) for c in ledger.calls] == [(False, "provider_error")]


async def test_failover_to_the_secondary_on_5xx(
    openai_fake: OpenAIServer, openai_backup: OpenAIServer
) -> None:
    openai_fake.fail("/v1/chat", "500")
    settings = settings_with(
        openai_provider("primary", openai_fake.url, max_retries=1),
        openai_provider("secondary", openai_backup.url),
    )
    client = build_client(settings, None, None, None)
    try:
        result = await client.chat(SCOPE, [{"role": "user", "content": "hi"}])
    finally:
        await client.close()
    assert result.provider == "secondary"
    assert result.failed_over_from == ("primary/fake-chat",)
    assert openai_fake.submissions("/v1/chat/completions") == 2  # one retry, then failover


async def test_route_and_available(openai_fake: OpenAIServer) -> None:
    client = build_client(settings_with(openai_provider("main", openai_fake.url)), None, None, None)
    decision = client.route("chat")
    assert (decision.provider, decision.model, decision.pool) == ("main", "fake-chat", "cpu")
    assert client.route("lipsync").provider == "offline"
    assert client.available("chat") and not client.available("lipsync")
    with pytest.raises(NexusError) as caught:
        client.route("video")
    assert caught.value.code == ErrorCode.NO_CAPABLE_PROVIDER


async def test_with_a_next_candidate_a_provider_is_retried_less(
    openai_fake: OpenAIServer, openai_backup: OpenAIServer
) -> None:
    openai_fake.fail("/v1/chat", "503", retry_after=0)
    primary = openai_provider("primary", openai_fake.url, max_retries=3)
    alone = build_client(settings_with(primary, offline_fallback=False), None, None, None)
    paired = build_client(
        settings_with(primary, openai_provider("secondary", openai_backup.url)), None, None, None
    )
    try:
        with pytest.raises(NexusError):
            await alone.chat(SCOPE, [{"role": "user", "content": "hi"}])
        assert openai_fake.submissions("/v1/chat/completions") == 4  # 1 + max_retries
        result = await paired.chat(SCOPE, [{"role": "user", "content": "hi"}])
        assert result.provider == "secondary"
        assert (
            openai_fake.submissions("/v1/chat/completions") == 4 + 2
        )  # 1 + retries_before_failover
    finally:
        await alone.close()
        await paired.close()


def test_route_skips_what_the_remaining_budget_cannot_cover(openai_fake: OpenAIServer) -> None:
    cheap = openai_provider(
        "cheap",
        openai_fake.url,
        models=[{"name": "small", "capabilities": ["image"], "prices": {"per_image": 0.01}}],
    )
    dear = openai_provider(
        "dear",
        openai_fake.url,
        models=[{"name": "big", "capabilities": ["image"], "prices": {"per_image": 0.5}}],
    )
    client = build_client(settings_with(dear, cheap), None, None, None)
    assert client.route("image").provider == "dear"
    chosen = client.route("image", remaining_usd=0.1)
    assert (chosen.provider, chosen.estimated_cost_usd) == ("cheap", 0.01)
    assert "over the remaining budget" in chosen.reason
    assert client.route("image", remaining_usd=0.0).provider == "offline"  # free


async def test_a_budget_refusal_moves_only_to_a_cheaper_candidate(
    openai_fake: OpenAIServer,
) -> None:
    def image_provider(name: str, price: float) -> dict[str, object]:
        return openai_provider(
            name,
            openai_fake.url,
            models=[{"name": "img", "capabilities": ["image"], "prices": {"per_image": price}}],
        )

    ledger = LedgerGuard(limit_usd=0.05)
    settings = settings_with(
        image_provider("dear", 0.5), image_provider("same", 0.5), image_provider("cheap", 0.04)
    )
    client = build_client(settings, ledger, ledger, None)
    try:
        result = await client.image(SCOPE, "p", width=8, height=8, seed=1)
        assert (result.provider, result.failed_over_from) == ("cheap", ("dear/img",))
        assert openai_fake.submissions("/v1/images/generations") == 1  # nothing paid twice
        assert ledger.spent == pytest.approx(0.04)
        alone = build_client(
            settings_with(image_provider("dear", 0.5), offline_fallback=False), ledger, ledger, None
        )
        with pytest.raises(NexusError) as caught:
            await alone.image(SCOPE, "p", width=8, height=8, seed=1)
        assert caught.value.code == ErrorCode.BUDGET_EXHAUSTED  # fail closed: no call made
        assert openai_fake.submissions("/v1/images/generations") == 1
        await alone.close()
    finally:
        await client.close()
