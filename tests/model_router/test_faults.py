"""The OpenAI-compatible adapter against the fake's failure modes: 429 with Retry-After,
5xx, slow answers past the timeout, malformed JSON and truncated streams."""

from __future__ import annotations

import time

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.settings import ProviderSettings
from nexus.model_router.adapters.openai import OpenAIAdapter
from nexus.model_router.providers import spec_of
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import openai_provider

HELLO = [{"role": "user", "content": "hello"}]


def adapter(server: OpenAIServer, **kw: object) -> OpenAIAdapter:
    return OpenAIAdapter(spec_of(ProviderSettings(**openai_provider("main", server.url, **kw))))


async def test_429_waits_the_retry_after_then_succeeds(openai_fake: OpenAIServer) -> None:
    openai_fake.fail("/v1/chat", "429", times=1, retry_after=0.4)
    a = adapter(openai_fake)
    started = time.monotonic()
    try:
        result = await a.chat("fake-chat", HELLO)
    finally:
        await a.close()
    assert result.text == "echo: hello"
    assert time.monotonic() - started >= 0.4  # it honoured Retry-After
    assert openai_fake.submissions("/v1/chat/completions") == 2


async def test_a_long_retry_after_is_not_waited_for(openai_fake: OpenAIServer) -> None:
    openai_fake.fail("/v1/chat", "429", retry_after=120)
    a = adapter(openai_fake)
    try:
        with pytest.raises(NexusError) as caught:
            await a.chat("fake-chat", HELLO)
    finally:
        await a.close()
    assert caught.value.code == ErrorCode.PROVIDER_RATE_LIMITED
    assert caught.value.extra["retry_after_s"] == 120
    assert openai_fake.submissions("/v1/chat/completions") == 1  # fail over instead


async def test_5xx_is_retried_a_bounded_number_of_times(openai_fake: OpenAIServer) -> None:
    openai_fake.fail("/v1/chat", "503", retry_after=0)
    a = adapter(openai_fake, max_retries=2)
    try:
        with pytest.raises(NexusError) as caught:
            await a.chat("fake-chat", HELLO)
    finally:
        await a.close()
    assert caught.value.code == ErrorCode.PROVIDER_ERROR
    assert openai_fake.submissions("/v1/chat/completions") == 3


async def test_one_5xx_then_success(openai_fake: OpenAIServer) -> None:
    openai_fake.fail("/v1/embeddings", "500", times=1)
    a = adapter(openai_fake)
    try:
        result = await a.embed("fake-embed", ["x"])
    finally:
        await a.close()
    assert len(result.vectors) == 1
    assert openai_fake.submissions("/v1/embeddings") == 2


async def test_a_slow_provider_times_out_as_unavailable(openai_fake: OpenAIServer) -> None:
    openai_fake.fail("/v1/chat", "slow", delay_s=1.5)
    a = adapter(openai_fake, timeout_s=0.3, max_retries=1)
    try:
        with pytest.raises(NexusError) as caught:
            await a.chat("fake-chat", HELLO)
    finally:
        await a.close()
    assert caught.value.code == ErrorCode.PROVIDER_UNAVAILABLE


async def test_malformed_json_is_invalid_and_retried(openai_fake: OpenAIServer) -> None:
    openai_fake.fail("/v1/chat", "malformed", times=1)
    a = adapter(openai_fake)
    try:
        result = await a.chat("fake-chat", HELLO)
    finally:
        await a.close()
    assert result.text == "echo: hello"
    assert openai_fake.submissions("/v1/chat/completions") == 2


async def test_always_malformed_json_ends_as_response_invalid(openai_fake: OpenAIServer) -> None:
    openai_fake.fail("/v1/chat", "malformed")
    a = adapter(openai_fake, max_retries=1)
    try:
        with pytest.raises(NexusError) as caught:
            await a.chat("fake-chat", HELLO)
    finally:
        await a.close()
    assert caught.value.code == ErrorCode.PROVIDER_RESPONSE_INVALID


@pytest.mark.parametrize("stream", [True, False])
async def test_a_truncated_answer_is_never_returned_as_half_a_text(
    openai_fake: OpenAIServer, stream: bool
) -> None:
    openai_fake.fail("/v1/chat", "truncate")
    a = adapter(openai_fake, max_retries=1)
    long = [{"role": "user", "content": " ".join(["word"] * 40)}]
    try:
        with pytest.raises(NexusError) as caught:
            await a.chat("fake-chat", long, stream=stream)
    finally:
        await a.close()
    assert caught.value.code == ErrorCode.PROVIDER_RESPONSE_INVALID
    assert openai_fake.submissions("/v1/chat/completions") == 2


async def test_a_truncated_stream_then_a_whole_one(openai_fake: OpenAIServer) -> None:
    openai_fake.fail("/v1/chat", "truncate", times=1)
    a = adapter(openai_fake)
    try:
        result = await a.chat("fake-chat", HELLO, stream=True)
    finally:
        await a.close()
    assert result.text == "echo: hello" and result.usage.input_tokens == 1


async def test_invalid_json_for_a_schema_is_response_invalid(openai_fake: OpenAIServer) -> None:
    openai_fake.replies.extend(["not json", "still not json"])
    a = adapter(openai_fake, max_retries=1)
    try:
        with pytest.raises(NexusError) as caught:
            await a.chat("fake-chat", HELLO, json_schema={"type": "object"})
    finally:
        await a.close()
    assert caught.value.code == ErrorCode.PROVIDER_RESPONSE_INVALID
    assert not openai_fake.replies  # asked twice


async def test_connection_refused_is_unavailable() -> None:
    with OpenAIServer() as server:
        url = server.url
    settings = ProviderSettings(**openai_provider("gone", url, max_retries=0))
    a = OpenAIAdapter(spec_of(settings))
    try:
        with pytest.raises(NexusError) as caught:
            await a.chat("fake-chat", HELLO)
    finally:
        await a.close()
    assert caught.value.code == ErrorCode.PROVIDER_UNAVAILABLE
