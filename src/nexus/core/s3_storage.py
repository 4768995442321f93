"""S3 implementation of the ``ArtifactStore`` protocol (cluster mode), on boto3 in threads.

Keys are content addresses ``<prefix>/sha256/ab/abcdef…``. Large files go up in multipart
uploads; every fetch is hashed and compared with the key, so corruption never passes.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from nexus.contracts.errors import ErrorCode
from nexus.contracts.tasks import ArtifactMeta
from nexus.core.errors import NexusError
from nexus.core.settings import StorageSettings
from nexus.core.storage import CHUNK, file_sha256

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024  # S3's floor for every part but the last
MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ("bucket", "some/prefix")."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise NexusError(ErrorCode.CONFIG_INVALID, f"not an s3://bucket[/prefix] URL: {url}")
    return parsed.netloc, parsed.path.strip("/")


def content_disposition(name: str) -> str:
    """An attachment header that keeps non-ASCII names (RFC 6266 / 5987)."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3ArtifactStore:
    """Content-addressed blobs in one bucket. Blocking boto3 calls run in worker threads."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        prefix: str = "",
        *,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        multipart_chunksize: int = DEFAULT_MULTIPART_THRESHOLD,
        region: str = "us-east-1",
    ) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.region = region
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_chunksize, MIN_PART_SIZE),
            max_concurrency=4,
        )
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    @classmethod
    def from_settings(cls, storage: StorageSettings, **options: Any) -> S3ArtifactStore:
        bucket, prefix = parse_s3_url(storage.url or "")
        client = boto3.client(
            "s3",
            endpoint_url=storage.s3_endpoint_url,
            region_name=storage.s3_region,
            aws_access_key_id=storage.s3_access_key.get_secret_value()
            if storage.s3_access_key
            else None,
            aws_secret_access_key=storage.s3_secret_key.get_secret_value()
            if storage.s3_secret_key
            else None,
            config=Config(
                signature_version="s3v4",
                # Path-style addressing: what MinIO and other self-hosted endpoints expect.
                s3={"addressing_style": "path" if storage.s3_endpoint_url else "auto"},
                retries={"max_attempts": 4, "mode": "standard"},
                # Only when the API requires it: we verify content with our own sha256.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        return cls(client, bucket, prefix, region=storage.s3_region, **options)

    def key_for(self, sha256: str) -> str:
        tail = f"sha256/{sha256[:2]}/{sha256}"
        return f"{self.prefix}/{tail}" if self.prefix else tail

    def _uri(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self.key_for(sha256)}"

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a blocking boto3 call in a thread and map its errors onto ours."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except ClientError as exc:
            if error_code(exc) in MISSING:
                raise NexusError(ErrorCode.NOT_FOUND, f"S3 object missing: {exc}") from exc
            raise NexusError(ErrorCode.STORAGE_ERROR, f"S3 request failed: {exc}") from exc
        except EndpointConnectionError as exc:
            raise NexusError(ErrorCode.DEPENDENCY_UNAVAILABLE, f"S3 unreachable: {exc}") from exc
        except BotoCoreError as exc:
            raise NexusError(ErrorCode.STORAGE_ERROR, f"S3 client error: {exc}") from exc

    def _ensure_bucket_sync(self) -> None:
        with self._bucket_lock:
            if self._bucket_ready:
                return
            try:
                self._client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if error_code(exc) not in MISSING:
                    raise
                self._create_bucket_sync()
            self._bucket_ready = True

    def _create_bucket_sync(self) -> None:
        try:
            if self.region == "us-east-1":
                self._client.create_bucket(Bucket=self.bucket)
            else:
                self._client.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={"LocationConstraint": self.region},  # type: ignore[typeddict-item]
                )
        except ClientError as exc:
            # Another process created it between our HEAD and our PUT: fine.
            if error_code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise

    async def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (idempotent, once per store)."""
        if not self._bucket_ready:
            await self._call(self._ensure_bucket_sync)

    async def exists(self, sha256: str) -> bool:
        await self.ensure_bucket()
        try:
            await self._call(self._client.head_object, Bucket=self.bucket, Key=self.key_for(sha256))
        except NexusError as exc:
            if exc.code is ErrorCode.NOT_FOUND:
                return False
            raise
        return True

    def _extra_args(self, sha256: str, media_type: str) -> dict[str, Any]:
        return {"ContentType": media_type, "Metadata": {"sha256": sha256}}

    async def put_file(self, path: Path, *, media_type: str, name: str) -> ArtifactMeta:
        sha, size = await asyncio.to_thread(file_sha256, path)
        if not await self.exists(sha):
            await self._call(
                self._client.upload_file,
                str(path),
                self.bucket,
                self.key_for(sha),
                ExtraArgs=self._extra_args(sha, media_type),
                Config=self.transfer,
            )
        return ArtifactMeta(
            sha256=sha, size_bytes=size, media_type=media_type, name=name, uri=self._uri(sha)
        )

    async def put_bytes(self, data: bytes, *, media_type: str, name: str) -> ArtifactMeta:
        sha = hashlib.sha256(data).hexdigest()
        if not await self.exists(sha):
            await self._call(
                self._client.upload_fileobj,
                io.BytesIO(data),
                self.bucket,
                self.key_for(sha),
                ExtraArgs=self._extra_args(sha, media_type),
                Config=self.transfer,
            )
        return ArtifactMeta(
            sha256=sha, size_bytes=len(data), media_type=media_type, name=name, uri=self._uri(sha)
        )

    def _download_sync(self, sha256: str, dest: Path) -> None:
        """Stream into a temp file beside ``dest``, hashing as it goes; rename only if intact."""
        response = self._client.get_object(Bucket=self.bucket, Key=self.key_for(sha256))
        claimed = response.get("Metadata", {}).get("sha256")
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
        tmp = Path(tmp_name)
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in response["Body"].iter_chunks(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            got = digest.hexdigest()
            if got != sha256 or (claimed is not None and claimed != sha256):
                raise NexusError(
                    ErrorCode.ARTIFACT_CORRUPT,
                    f"artifact {sha256} hashed to {got} (metadata says {claimed})",
                )
            tmp.replace(dest)
        finally:
            tmp.unlink(missing_ok=True)

    async def fetch(self, sha256: str, dest: Path) -> Path:
        await self.ensure_bucket()
        try:
            await self._call(self._download_sync, sha256, dest)
        except NexusError as exc:
            if exc.code is ErrorCode.NOT_FOUND:
                raise NexusError(
                    ErrorCode.NOT_FOUND, f"artifact {sha256} is not in the store"
                ) from exc
            raise
        return dest

    async def local_path(self, sha256: str) -> Path | None:
        return None

    async def presign(self, sha256: str, *, name: str, ttl_s: int) -> str | None:
        """A GET URL valid for ``ttl_s`` seconds that downloads as ``name``."""
        return await self._call(
            self._client.generate_presigned_url,
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.key_for(sha256),
                "ResponseContentDisposition": content_disposition(name),
            },
            ExpiresIn=ttl_s,
        )
