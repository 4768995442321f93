"""Pick the broker, cache and artifact store implementations from the settings URLs.

``memory://`` and ``file://`` give the in-process ones (embedded mode); ``amqp://``,
``redis://`` and ``s3://`` the cluster adapters. Callers only ever see the protocols.
"""

from __future__ import annotations

from urllib.parse import urlparse

from nexus.contracts.errors import ErrorCode
from nexus.core.broker import Broker, InProcessBroker
from nexus.core.cache import Cache, InProcessCache
from nexus.core.errors import NexusError
from nexus.core.settings import Settings
from nexus.core.storage import ArtifactStore, LocalArtifactStore

BROKER_SCHEMES = {"memory", "amqp", "amqps"}
CACHE_SCHEMES = {"memory", "redis", "rediss", "unix"}
STORAGE_SCHEMES = {"file", "s3"}


def url_scheme(url: str, allowed: set[str], setting: str) -> str:
    scheme = urlparse(url).scheme
    if scheme not in allowed:
        raise NexusError(
            ErrorCode.CONFIG_INVALID,
            f"{setting}={url!r}: scheme must be one of {', '.join(sorted(allowed))}",
        )
    return scheme


def create_broker(settings: Settings, *, connection_name: str = "nexus") -> Broker:
    """The broker named by ``broker.url``; RabbitMQ connects lazily on first use."""
    url = settings.broker.url
    if url_scheme(url, BROKER_SCHEMES, "broker.url") == "memory":
        return InProcessBroker()
    # Cluster adapters are imported on demand: aio-pika, redis and boto3 add about a second
    # to every embedded start-up (`nexus run`) that never uses them.
    from nexus.core.rabbitmq import RabbitBroker  # noqa: PLC0415 - optional heavy dependency

    return RabbitBroker(url, connection_name=connection_name)


def create_cache(settings: Settings) -> Cache:
    """The cache named by ``cache.url``; Redis keys get ``cache.key_prefix``."""
    url = settings.cache.url
    if url_scheme(url, CACHE_SCHEMES, "cache.url") == "memory":
        return InProcessCache()
    from nexus.core.redis_cache import RedisCache  # noqa: PLC0415 - optional heavy dependency

    return RedisCache(url, key_prefix=settings.cache.key_prefix)


def create_artifact_store(settings: Settings) -> ArtifactStore:
    """The store named by ``storage.url`` (default: a folder under ``data_dir``)."""
    url = settings.storage_url
    if url_scheme(url, STORAGE_SCHEMES, "storage.url") == "file":
        return LocalArtifactStore.from_url(url)
    from nexus.core.s3_storage import S3ArtifactStore  # noqa: PLC0415 - optional heavy dependency

    return S3ArtifactStore.from_settings(settings.storage)
