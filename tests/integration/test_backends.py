"""The factories pick each implementation from its settings URL alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.core.backends import create_artifact_store, create_broker, create_cache
from nexus.core.broker import InProcessBroker
from nexus.core.cache import InProcessCache
from nexus.core.errors import NexusError
from nexus.core.rabbitmq import RabbitBroker
from nexus.core.redis_cache import RedisCache
from nexus.core.s3_storage import S3ArtifactStore
from nexus.core.settings import Settings, load_settings
from nexus.core.storage import LocalArtifactStore


def test_embedded_defaults_are_in_process(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert isinstance(create_broker(settings), InProcessBroker)
    assert isinstance(create_cache(settings), InProcessCache)
    assert isinstance(create_artifact_store(settings), LocalArtifactStore)


@pytest.mark.parametrize(
    ("section", "url"),
    [("broker", "kafka://x"), ("cache", "memcached://x"), ("storage", "gs://bucket")],
)
def test_unknown_scheme_is_a_config_error(tmp_path: Path, section: str, url: str) -> None:
    settings = load_settings(data_dir=tmp_path, **{section: {"url": url}})
    factory = {"broker": create_broker, "cache": create_cache, "storage": create_artifact_store}
    with pytest.raises(NexusError) as err:
        factory[section](settings)
    assert err.value.code is ErrorCode.CONFIG_INVALID


@pytest.mark.cluster
async def test_cluster_settings_select_the_cluster_adapters(cluster_settings: Settings) -> None:
    broker = create_broker(cluster_settings)
    cache = create_cache(cluster_settings)
    store = create_artifact_store(cluster_settings)
    try:
        assert isinstance(broker, RabbitBroker)
        assert isinstance(cache, RedisCache)
        assert isinstance(store, S3ArtifactStore)
        await broker.publish("jobs.cpu", {"job_id": "j1"})
        assert await broker.queue_depth("jobs.cpu") == 1
        await cache.set("k", "v")
        assert await cache.get("k") == "v"
        meta = await store.put_bytes(b"x", media_type="text/plain", name="x.txt")
        assert await store.exists(meta.sha256)
    finally:
        await broker.close()
        await cache.close()
