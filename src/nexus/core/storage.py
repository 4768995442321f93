"""Artifact storage: the ``ArtifactStore`` interface and the local content-addressed store.

Keys are sha256 of the content. A blob is written to a temporary file in the same folder,
fsynced, then renamed into place, so a reader never sees a half-written file and two
writers of the same content converge on one blob.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse
from urllib.request import url2pathname

from nexus.contracts.errors import ErrorCode
from nexus.contracts.tasks import ArtifactMeta
from nexus.core.errors import NexusError

CHUNK = 1024 * 1024


class ArtifactStore(Protocol):
    """What every artifact backend offers (local folder now, S3 in cluster mode)."""

    async def put_file(self, path: Path, *, media_type: str, name: str) -> ArtifactMeta: ...

    async def put_bytes(self, data: bytes, *, media_type: str, name: str) -> ArtifactMeta: ...

    async def exists(self, sha256: str) -> bool: ...

    async def fetch(self, sha256: str, dest: Path) -> Path:
        """Copy (or link) the blob to ``dest`` and verify its checksum."""
        ...

    async def local_path(self, sha256: str) -> Path | None:
        """A path readable in place, when the backend is a local folder; else None."""
        ...

    async def presign(self, sha256: str, *, name: str, ttl_s: int) -> str | None:
        """A time-limited download URL where the backend serves one itself; else None."""
        ...


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class LocalArtifactStore:
    """Blobs under ``root/ab/abcdef…``; safe against crashes and concurrent writers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_url(cls, url: str) -> LocalArtifactStore:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise NexusError(ErrorCode.CONFIG_INVALID, f"not a file:// URL: {url}")
        return cls(Path(url2pathname(parsed.path)))

    def _blob(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _uri(self, sha256: str) -> str:
        return self._blob(sha256).as_uri()

    async def put_file(self, path: Path, *, media_type: str, name: str) -> ArtifactMeta:
        sha, size = file_sha256(path)
        blob = self._blob(sha)
        if not blob.exists():
            self._write_atomically(blob, source=path)
        return ArtifactMeta(
            sha256=sha, size_bytes=size, media_type=media_type, name=name, uri=self._uri(sha)
        )

    async def put_bytes(self, data: bytes, *, media_type: str, name: str) -> ArtifactMeta:
        sha = hashlib.sha256(data).hexdigest()
        blob = self._blob(sha)
        if not blob.exists():
            self._write_atomically(blob, data=data)
        return ArtifactMeta(
            sha256=sha, size_bytes=len(data), media_type=media_type, name=name, uri=self._uri(sha)
        )

    def _write_atomically(
        self, blob: Path, *, source: Path | None = None, data: bytes | None = None
    ) -> None:
        blob.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=blob.parent, prefix=".tmp-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                if source is not None:
                    with source.open("rb") as src:
                        shutil.copyfileobj(src, out, CHUNK)
                elif data is not None:
                    out.write(data)
                out.flush()
                os.fsync(out.fileno())
            tmp.replace(blob)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise NexusError(ErrorCode.STORAGE_ERROR, f"cannot write {blob}: {exc}") from exc

    async def exists(self, sha256: str) -> bool:
        return self._blob(sha256).exists()

    async def fetch(self, sha256: str, dest: Path) -> Path:
        blob = self._blob(sha256)
        if not blob.exists():
            raise NexusError(ErrorCode.NOT_FOUND, f"artifact {sha256} is not in the store")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(blob, dest)
        got, _ = file_sha256(dest)
        if got != sha256:
            dest.unlink(missing_ok=True)
            raise NexusError(ErrorCode.ARTIFACT_CORRUPT, f"artifact {sha256} hashed to {got}")
        return dest

    async def local_path(self, sha256: str) -> Path | None:
        blob = self._blob(sha256)
        return blob if blob.exists() else None

    async def presign(self, sha256: str, *, name: str, ttl_s: int) -> str | None:
        return None
