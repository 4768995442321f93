"""Projects' routing: their preferences come before the configured ones, their offline switch
overrides the router's, refs are checked against the registry, and a change made by one
process reaches another through the watcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router import build_client
from nexus.model_router.schemas import ProjectRoutingBody
from nexus.model_router.service import ProviderService
from nexus.model_router.watch import RouterWatch
from nexus.studio.media import provider_voice
from tests.fakes.openai_server import OpenAIServer
from tests.model_router.conftest import migrated_db, openai_provider, settings_with


def _two(url_a: str, url_b: str) -> list[dict[str, object]]:
    chat = [{"name": "fake-chat", "capabilities": ["chat", "json"]}]
    return [
        openai_provider("alpha", url_a, models=chat),
        openai_provider("beta", url_b, models=chat),
    ]


async def test_project_preferences_and_offline_switch(
    tmp_path: Path, openai_fake: OpenAIServer, openai_backup: OpenAIServer
) -> None:
    settings = settings_with(
        *_two(openai_fake.url, openai_backup.url), preferences={"chat": ["alpha"]}
    )
    db = await migrated_db(tmp_path / "n.db")
    client = build_client(settings, None, None, None, db=db)
    service = ProviderService(db, client, settings.providers)
    try:
        assert client.route("chat", project_id="p1").provider == "alpha"
        view = await service.set_project_routing(
            "t1", "p1", ProjectRoutingBody(preferences={"chat": ["beta/fake-chat"]}), "u1"
        )
        assert view.version == 1 and view.effective["chat"][0] == "beta/fake-chat"
        decision = client.route("chat", project_id="p1")
        assert decision.provider == "beta" and decision.reason.startswith("project preference")
        assert (
            client.route("chat", project_id="p2").provider == "alpha"
        )  # other projects keep theirs
        # The offline engines: the router allows them; one project forbids them.
        assert client.route("image", project_id="p1").provider == "offline"
        await service.set_project_routing(
            "t1", "p1", ProjectRoutingBody(offline_fallback=False), "u1"
        )
        with pytest.raises(NexusError) as refused:
            client.route("image", project_id="p1")
        assert refused.value.code is ErrorCode.NO_CAPABLE_PROVIDER
        assert client.route("image", project_id="p2").provider == "offline"
        # Back to the defaults: the row is gone, the project routes like any other.
        cleared = await service.set_project_routing("t1", "p1", ProjectRoutingBody(), "u1")
        assert cleared.version == 0 and client.route("image", project_id="p1").provider == "offline"
    finally:
        await client.close()
        await db.dispose()


async def test_refs_are_checked_and_tenants_kept_apart(
    tmp_path: Path, openai_fake: OpenAIServer
) -> None:
    settings = settings_with(*_two(openai_fake.url, openai_fake.url))
    db = await migrated_db(tmp_path / "n.db")
    client = build_client(settings, None, None, None, db=db)
    service = ProviderService(db, client, settings.providers)
    try:
        cases = [
            ({"chat": ["ghost"]}, ErrorCode.PROVIDER_NOT_FOUND),
            ({"chat": ["alpha/no-such-model"]}, ErrorCode.VALIDATION_FAILED),
            ({"chat": ["offline"]}, ErrorCode.VALIDATION_FAILED),  # no offline chat engine
            ({"embeddings": ["alpha"]}, ErrorCode.VALIDATION_FAILED),  # alpha has no embeddings
        ]
        for prefs, code in cases:
            with pytest.raises(NexusError) as bad:
                await service.set_project_routing(
                    "t1", "p1", ProjectRoutingBody.model_validate({"preferences": prefs}), None
                )
            assert bad.value.code is code, prefs
        assert (await service.project_routing("t1", "p1")).version == 0  # nothing written
        await service.set_project_routing(
            "t1", "p1", ProjectRoutingBody(preferences={"chat": ["beta"]}), None
        )
        with pytest.raises(NexusError) as other:
            await service.set_project_routing(
                "t2", "p1", ProjectRoutingBody(preferences={"chat": ["alpha"]}), None
            )
        assert other.value.code is ErrorCode.NOT_FOUND
        assert (await service.project_routing("t2", "p1")).version == 0  # t2 sees nothing of t1's
    finally:
        await client.close()
        await db.dispose()


async def test_a_change_in_one_process_reaches_another(
    tmp_path: Path, openai_fake: OpenAIServer
) -> None:
    settings = settings_with(*_two(openai_fake.url, openai_fake.url))
    db = await migrated_db(tmp_path / "n.db")
    writer = build_client(settings, None, None, None, db=db)
    reader = build_client(settings, None, None, None, db=db)  # "another process": its own client
    reloads: list[int] = []

    async def reload() -> None:
        service = ProviderService(db, reader, settings.providers)
        await service.list_providers()  # re-reads providers and projects' routing
        reloads.append(1)

    watch = RouterWatch(db, reload, interval_s=60)
    try:
        await watch.start()
        assert not await watch.check()  # nothing changed yet
        await ProviderService(db, writer, settings.providers).set_project_routing(
            "t1", "p1", ProjectRoutingBody(preferences={"chat": ["beta"]}), None
        )
        assert reader.route("chat", project_id="p1").provider == "alpha"  # not yet seen
        assert await watch.check() and reloads == [1]
        assert reader.route("chat", project_id="p1").provider == "beta"
        await ProviderService(db, writer, settings.providers).set_enabled("beta", False)
        assert await watch.check()
        assert reader.route("chat", project_id="p1").provider == "alpha"  # beta switched off
        assert not await watch.check()
    finally:
        await watch.stop()
        await writer.close()
        await reader.close()
        await db.dispose()


def test_provider_voice_overrides() -> None:
    default = provider_voice("en-male-1")
    assert default in {"onyx", "echo", "fable"}
    assert provider_voice("en-male-1", {"male": "ash"}) == "ash"
    assert provider_voice("en-male-1", {"en-male-1": "verse", "male": "ash"}) == "verse"
    assert provider_voice("en-male-1", {"female": "coral"}) == default
