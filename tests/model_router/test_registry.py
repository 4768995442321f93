"""The provider registry: settings + API-added rows + the offline engines; switching off;
credentials read from env or file and never shown; the CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus.cli.main import app
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.settings import ProviderSettings
from nexus.model_router import build_client
from nexus.model_router.service import ProviderService
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import SCOPE, migrated_db, openai_provider, settings_with

SECRET = "sk-live-very-secret-123"


async def test_settings_api_rows_and_offline_merge_and_switch(
    tmp_path: Path, openai_fake: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    configured = openai_provider(
        "main", openai_fake.url, models=[{"name": "fake-chat", "capabilities": ["chat"]}]
    )
    del configured["api_key"]
    configured["api_key_env"] = "FAKE_KEY"
    settings = settings_with(configured)
    db = await migrated_db(tmp_path / "n.db")
    client = build_client(settings, None, None, None, db=db)
    service = ProviderService(db, client, settings.providers)
    try:
        (tmp_path / "key").write_text(SECRET + "\n")
        view = await service.add_provider(
            {
                "name": "extra",
                "kind": "comfyui",
                "base_url": "http://127.0.0.1:8188",
                "api_key_file": str(tmp_path / "key"),
                "models": [{"name": "sdxl", "capabilities": ["image"], "pool": "gpu"}],
            }
        )
        assert view.source == "api" and view.credential == f"file:{tmp_path / 'key'}"
        page = await service.list_providers()
        assert [p.name for p in page.items] == ["main", "extra", "offline"]
        assert SECRET not in page.model_dump_json() and "sk-test" not in page.model_dump_json()
        assert client.route("image").provider == "extra"
        assert client.route("image").pool == "gpu"
        await service.set_enabled("extra", False)
        assert client.route("image").provider == "offline"
        await service.set_enabled("main", False)  # a settings provider: an override row
        assert not client.available("chat")
        await service.set_enabled("main", True)
        assert client.route("chat").provider == "main"
        probe = await service.test_provider("main")
        assert probe.ok and probe.detail == "GET /models -> 200"  # the key from the env works
    finally:
        await client.close()
        await db.dispose()


async def test_bad_definitions_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    settings = settings_with(openai_provider("main", "http://127.0.0.1:9"))
    db = await migrated_db(tmp_path / "n.db")
    client = build_client(settings, None, None, None, db=db)
    service = ProviderService(db, client, settings.providers)
    bad = [
        (
            {"name": "k", "kind": "openai", "base_url": "http://x/v1", "api_key": "sk-1"},
            ErrorCode.VALIDATION_FAILED,
        ),
        ({"name": "k", "kind": "openai", "base_url": "ftp://x"}, ErrorCode.VALIDATION_FAILED),
        ({"name": "k", "kind": "nope", "base_url": "http://x"}, ErrorCode.VALIDATION_FAILED),
        (
            {"name": "k", "kind": "openai", "base_url": "http://x", "api_key_env": "NOT_SET_X"},
            ErrorCode.VALIDATION_FAILED,
        ),
        ({"name": "main", "kind": "openai", "base_url": "http://x"}, ErrorCode.CONFLICT),
        (
            {"name": "offline", "kind": "openai", "base_url": "http://x"},
            ErrorCode.VALIDATION_FAILED,
        ),
    ]
    try:
        for data, code in bad:
            with pytest.raises(NexusError) as caught:
                await service.add_provider(data)
            assert caught.value.code == code, data
            assert "sk-1" not in str(caught.value)
        with pytest.raises(NexusError) as caught:
            await service.set_enabled("ghost", False)
        assert caught.value.code == ErrorCode.PROVIDER_NOT_FOUND
        assert [p.name for p in (await service.list_providers()).items] == ["main", "offline"]
    finally:
        await client.close()
        await db.dispose()


def test_cli_add_list_test_disable(
    tmp_path: Path, openai_fake: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEXUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NEXUS_ENV", "test")
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    definition = openai_provider("fake", openai_fake.url)
    del definition["api_key"]
    definition["api_key_env"] = "FAKE_KEY"
    (tmp_path / "fake.json").write_text(json.dumps(definition))
    runner = CliRunner()
    added = runner.invoke(app, ["providers", "add", "-f", str(tmp_path / "fake.json")])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["providers", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    names = [p["name"] for p in json.loads(listed.output)["items"]]
    assert names == ["fake", "offline"] and "sk-test" not in listed.output
    tested = runner.invoke(app, ["providers", "test", "fake"])
    assert tested.exit_code == 0 and "ok" in tested.output
    assert openai_fake.submissions("/v1/models", "GET") == 1
    assert runner.invoke(app, ["providers", "disable", "fake"]).exit_code == 0
    listed = runner.invoke(app, ["providers", "list", "--json"])
    assert json.loads(listed.output)["items"][0]["enabled"] is False
    openai_fake.fail("/v1/models", "500")
    failed = runner.invoke(app, ["providers", "test", "fake"])
    assert failed.exit_code == 1 and "error[provider_error]" in failed.output
    refused = runner.invoke(
        app, ["providers", "add", "x", "--kind", "openai", "--base-url", "nope"]
    )
    assert refused.exit_code != 0 and "error[validation_failed]" in refused.output


def test_provider_settings_never_render_the_key() -> None:
    provider = ProviderSettings(name="p", kind="openai", base_url="http://x", api_key=SECRET)  # type: ignore[arg-type]
    assert SECRET not in repr(provider) and SECRET not in str(provider.model_dump())


async def test_a_reload_never_closes_an_adapter_under_an_inflight_call(
    openai_fake: OpenAIServer,
) -> None:
    import asyncio  # noqa: PLC0415

    from nexus.model_router.providers import ProviderRegistry  # noqa: PLC0415

    settings = settings_with(openai_provider("main", openai_fake.url))
    client = build_client(settings, None, None, None)
    try:
        await client.chat(SCOPE, [{"role": "user", "content": "warm"}])
        kept = client.calls.adapters["main"]
        client_same = ProviderRegistry.from_settings(settings.providers)
        await client.reload(client_same)
        assert client.calls.adapters["main"] is kept  # unchanged provider: same adapter
        openai_fake.fail("/v1/chat", "slow", times=1, delay_s=0.5)
        call = asyncio.create_task(client.chat(SCOPE, [{"role": "user", "content": "slow"}]))
        await asyncio.sleep(0.2)
        changed = settings.providers[0].model_copy(update={"timeout_s": 9.0})
        await client.reload(ProviderRegistry.from_settings([changed]))
        result = await call  # its adapter was retired, not closed
        assert result.text == "echo: slow"
        assert "main" not in client.calls.adapters and client.calls.retired == [kept]
    finally:
        await client.close()
