"""The HTTP lip-sync service wire format (docs/providers.md, "Lip-sync service protocol"):
``POST /v1/lipsync`` (multipart: audio, face) -> ``{"job_id"}``; ``GET /v1/lipsync/{id}`` ->
``{"status": queued|running|succeeded|failed, "error"}``; ``GET /v1/lipsync/{id}/result``
-> the video. The job id is recorded before waiting, as for ComfyUI.
"""

from __future__ import annotations

import ssl
from typing import Any

import anyio

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router.adapters.http import check, make_client, parse_json, with_retries
from nexus.model_router.providers import ProviderSpec
from nexus.model_router.results import MediaResult


class LipsyncAdapter:
    def __init__(self, spec: ProviderSpec, tls: ssl.SSLContext | None = None) -> None:
        self.spec = spec
        self.http = make_client(spec, tls)

    async def close(self) -> None:
        await self.http.aclose()

    async def submit(self, model: str, audio: bytes, face: bytes) -> str:
        files = {
            "audio": ("audio.wav", audio, "audio/wav"),
            "face": ("face.png", face, "image/png"),
        }

        async def once() -> str:
            resp = check(
                self.spec.name,
                await self.http.post("/v1/lipsync", files=files, data={"model": model}),
            )
            data = parse_json(self.spec.name, resp)
            if not isinstance(data, dict) or not data.get("job_id"):
                raise NexusError(
                    ErrorCode.PROVIDER_RESPONSE_INVALID,
                    f"{self.spec.name}: submitted without a job_id",
                    extra={"provider": self.spec.name},
                )
            return str(data["job_id"])

        return await with_retries(self.spec, once, retries=0)

    async def wait(self, job_id: str, *, timeout_s: float) -> MediaResult:
        with anyio.fail_after(timeout_s):
            while True:
                status = await with_retries(self.spec, lambda: self._status(job_id))
                if status.get("status") == "succeeded":
                    break
                if status.get("status") == "failed":
                    raise NexusError(
                        ErrorCode.PROVIDER_ERROR,
                        f"{self.spec.name}: {status.get('error') or 'job failed'}",
                        extra={"provider": self.spec.name, "status": 400},
                    )
                await anyio.sleep(self.spec.poll_interval_s)

        async def fetch() -> MediaResult:
            resp = check(self.spec.name, await self.http.get(f"/v1/lipsync/{job_id}/result"))
            media = resp.headers.get("content-type", "video/mp4").split(";")[0]
            return MediaResult(data=resp.content, media_type=media, external_id=job_id)

        return await with_retries(self.spec, fetch)

    async def _status(self, job_id: str) -> dict[str, Any]:
        data = parse_json(
            self.spec.name, check(self.spec.name, await self.http.get(f"/v1/lipsync/{job_id}"))
        )
        if not isinstance(data, dict):
            raise NexusError(
                ErrorCode.PROVIDER_RESPONSE_INVALID,
                f"{self.spec.name}: status is not an object",
                extra={"provider": self.spec.name},
            )
        return data
