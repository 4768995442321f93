"""S3ArtifactStore against a real S3 HTTP server (localbucket) on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.s3_storage import MIN_PART_SIZE, S3ArtifactStore
from nexus.core.settings import StorageSettings

from .conftest import S3_ACCESS_KEY, S3_SECRET_KEY, LocalBucketServer

pytestmark = pytest.mark.cluster


def make_store(server: LocalBucketServer, bucket: str, **options: int) -> S3ArtifactStore:
    settings = StorageSettings(
        url=f"s3://{bucket}/team-a/artifacts",
        s3_endpoint_url=server.endpoint_url,
        s3_access_key=SecretStr(S3_ACCESS_KEY),
        s3_secret_key=SecretStr(S3_SECRET_KEY),
    )
    return S3ArtifactStore.from_settings(settings, **options)


@pytest.fixture
def store(s3_server: LocalBucketServer, s3_bucket: str) -> S3ArtifactStore:
    return make_store(s3_server, s3_bucket)


async def test_put_fetch_roundtrip(
    store: S3ArtifactStore, s3_server: LocalBucketServer, tmp_path: Path
) -> None:
    source = tmp_path / "scene.txt"
    source.write_bytes(b"a lighthouse at dusk\n" * 100)
    meta = await store.put_file(source, media_type="text/plain", name="scene.txt")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert meta.sha256 == sha
    assert meta.size_bytes == source.stat().st_size
    key = f"team-a/artifacts/sha256/{sha[:2]}/{sha}"
    assert meta.uri == f"s3://{store.bucket}/{key}"
    # The object really is on the server, under its content address.
    assert (s3_server.root / store.bucket / key).read_bytes() == source.read_bytes()
    assert await store.exists(sha)
    assert not await store.exists("0" * 64)
    dest = await store.fetch(sha, tmp_path / "out" / "copy.txt")
    assert dest.read_bytes() == source.read_bytes()
    assert await store.local_path(sha) is None


async def test_put_bytes_is_idempotent(store: S3ArtifactStore, tmp_path: Path) -> None:
    one = await store.put_bytes(b"same", media_type="text/plain", name="a.txt")
    two = await store.put_bytes(b"same", media_type="text/plain", name="b.txt")
    assert one.sha256 == two.sha256 and one.uri == two.uri
    assert (await store.fetch(one.sha256, tmp_path / "x")).read_bytes() == b"same"


async def test_bucket_creation_is_idempotent(s3_server: LocalBucketServer, s3_bucket: str) -> None:
    first, second = make_store(s3_server, s3_bucket), make_store(s3_server, s3_bucket)
    await first.ensure_bucket()
    await second.ensure_bucket()  # exists already: no error
    assert (s3_server.root / s3_bucket).is_dir()


async def test_large_file_goes_up_in_parts(
    s3_server: LocalBucketServer, s3_bucket: str, tmp_path: Path
) -> None:
    store = make_store(
        s3_server, s3_bucket, multipart_threshold=MIN_PART_SIZE, multipart_chunksize=MIN_PART_SIZE
    )
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(2 * MIN_PART_SIZE + 12345))  # three parts
    meta = await store.put_file(source, media_type="application/octet-stream", name="big.bin")
    key = store.key_for(meta.sha256)
    log = s3_server.log_text()
    part_requests = [line for line in log.splitlines() if key in line and "partNumber=" in line]
    assert len(part_requests) == 3
    dest = await store.fetch(meta.sha256, tmp_path / "big.out")
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == meta.sha256


async def test_corrupted_object_is_detected_and_not_written(
    store: S3ArtifactStore, s3_server: LocalBucketServer, tmp_path: Path
) -> None:
    meta = await store.put_bytes(b"original bytes", media_type="text/plain", name="a.txt")
    on_disk = s3_server.root / store.bucket / store.key_for(meta.sha256)
    on_disk.write_bytes(b"bit-rotted bytes")
    dest = tmp_path / "a.txt"
    with pytest.raises(NexusError) as err:
        await store.fetch(meta.sha256, dest)
    assert err.value.code is ErrorCode.ARTIFACT_CORRUPT
    assert not dest.exists()
    leftovers = await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    assert leftovers == []  # no temp file left behind either


async def test_fetch_missing_is_not_found(store: S3ArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(NexusError) as err:
        await store.fetch("f" * 64, tmp_path / "nope")
    assert err.value.code is ErrorCode.NOT_FOUND


async def test_presigned_url_downloads_with_name_and_ttl(store: S3ArtifactStore) -> None:
    meta = await store.put_bytes(b"narrated video", media_type="video/mp4", name="final.mp4")
    url = await store.presign(meta.sha256, name="最终 final.mp4", ttl_s=120)
    assert url is not None
    query = parse_qs(urlsplit(url).query)
    # SigV4: the TTL and signing time are part of the signed URL, so S3/MinIO enforce them.
    assert query["X-Amz-Expires"] == ["120"]
    signed_at = time.mktime(time.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ"))
    assert abs(signed_at - time.mktime(time.gmtime())) < 60
    assert "X-Amz-Signature" in query
    async with httpx.AsyncClient() as client:
        resp = await client.get(url)
    assert resp.status_code == 200
    assert resp.content == b"narrated video"
    disposition = resp.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E6%9C%80%E7%BB%88%20final.mp4" in disposition


async def test_unreachable_endpoint_is_a_dependency_error(s3_bucket: str) -> None:
    settings = StorageSettings(
        url=f"s3://{s3_bucket}",
        s3_endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
        s3_access_key=SecretStr(S3_ACCESS_KEY),
        s3_secret_key=SecretStr(S3_SECRET_KEY),
    )
    store = S3ArtifactStore.from_settings(settings)
    with pytest.raises(NexusError) as err:
        await store.exists("0" * 64)
    assert err.value.code is ErrorCode.DEPENDENCY_UNAVAILABLE
