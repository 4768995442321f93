"""Declaring tool-calling models: in the settings, over the API (ProviderService) and with
``nexus providers add --model NAME=chat,tools``; the probe names them; only an
OpenAI-compatible provider may declare "tools"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus.cli.main import app
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router import build_client
from nexus.model_router.service import ProviderService
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import migrated_db, openai_provider, settings_with


async def test_an_api_added_model_declaring_tools_gets_the_tools_turns(
    tmp_path: Path, openai_fake: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    plain = openai_provider(
        "main", openai_fake.url, models=[{"name": "fake-chat", "capabilities": ["chat"]}]
    )
    settings = settings_with(plain, offline_fallback=False)
    db = await migrated_db(tmp_path / "n.db")
    client = build_client(settings, None, None, None, db=db)
    service = ProviderService(db, client, settings.providers)
    try:
        with pytest.raises(NexusError):
            client.route("tools")  # a chat model that does not declare tools: no agent turn
        agentic = openai_provider(
            "agentic",
            openai_fake.url,
            models=[{"name": "fake-chat", "capabilities": ["chat", "json", "tools"]}],
        )
        del agentic["api_key"]
        view = await service.add_provider({**agentic, "api_key_env": "FAKE_KEY"})
        assert view.models[0].capabilities == ["chat", "json", "tools"]
        decision = client.route("tools")
        assert (decision.provider, decision.model) == ("agentic", "fake-chat")
        assert client.route("chat").provider == "main"
        probe = await service.test_provider("agentic")
        assert probe.ok and probe.tool_models == ["fake-chat"] and probe.unlisted == []
        with pytest.raises(NexusError) as caught:
            await service.add_provider(
                {
                    "name": "comfy",
                    "kind": "comfyui",
                    "base_url": "http://127.0.0.1:8188",
                    "models": [{"name": "sdxl", "capabilities": ["image", "tools"]}],
                }
            )
        assert caught.value.code == ErrorCode.VALIDATION_FAILED
        assert "only an OpenAI-compatible provider calls tools" in caught.value.detail
        assert [p.name for p in (await service.list_providers()).items] == [
            "main",
            "agentic",
            "offline",
        ]
    finally:
        await client.close()
        await db.dispose()


def test_cli_declares_a_tool_calling_model_and_the_probe_names_it(
    tmp_path: Path, openai_fake: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NEXUS_ENV", "test")
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["providers", "add", "fake", "--kind", "openai", "--base-url", f"{openai_fake.url}/v1",
         "--api-key-env", "FAKE_KEY", "--model", "fake-chat=chat,tools",
         "--model", "qwen-agent=chat,tools", "--model", "fake-embed=embeddings"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["providers", "list", "--json"])
    models = json.loads(listed.output)["items"][0]["models"]
    assert [(m["name"], m["capabilities"]) for m in models] == [
        ("fake-chat", ["chat", "tools"]),
        ("qwen-agent", ["chat", "tools"]),
        ("fake-embed", ["embeddings"]),
    ]
    tested = runner.invoke(app, ["providers", "test", "fake"])
    assert tested.exit_code == 0, tested.output
    assert "tool calling (agent turns): fake-chat, qwen-agent" in tested.output
    assert "not in the provider's model list: qwen-agent" in tested.output
    refused = runner.invoke(
        app,
        ["providers", "add", "lips", "--kind", "lipsync_http", "--base-url", "http://127.0.0.1:9",
         "--model", "wav2lip=lipsync,tools"],
    )  # fmt: skip
    assert refused.exit_code != 0 and "error[validation_failed]" in refused.output
