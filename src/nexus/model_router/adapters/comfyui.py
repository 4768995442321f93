"""The ComfyUI wire format: queue a workflow (API-format JSON) with parameters injected,
poll ``/history/{prompt_id}`` until it completes, fetch the outputs through ``/view``.

Parameters are injected by placeholder: a string value ``"{{name}}"`` is replaced by the
typed value (``{{seed}}`` becomes an int), a placeholder inside a longer string by its text.
Names: prompt, negative_prompt, width, height, seed, seconds, frames, image (an uploaded
input image's name). Submitting returns the prompt id, which the client records before it
waits, so a restarted worker resumes polling instead of queueing the work again.
"""

from __future__ import annotations

import json
import re
import ssl
import uuid
from pathlib import Path
from typing import Any

import anyio

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.model_router.adapters.http import check, make_client, parse_json, with_retries
from nexus.model_router.providers import ProviderSpec
from nexus.model_router.results import MediaResult

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".gif": "image/gif",
}


def inject(node: Any, params: dict[str, Any]) -> Any:
    """A copy of the workflow with every ``{{name}}`` replaced (unknown names refused)."""
    if isinstance(node, dict):
        return {k: inject(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [inject(v, params) for v in node]
    if isinstance(node, str):
        whole = PLACEHOLDER.fullmatch(node)
        if whole:
            return _param(params, whole.group(1))
        return PLACEHOLDER.sub(lambda m: str(_param(params, m.group(1))), node)
    return node


def _param(params: dict[str, Any], name: str) -> Any:
    if name not in params:
        raise NexusError(
            ErrorCode.CONFIG_INVALID, f"the ComfyUI workflow uses {{{{{name}}}}}, not supplied"
        )
    return params[name]


def load_workflow(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NexusError(ErrorCode.CONFIG_INVALID, f"ComfyUI workflow {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise NexusError(ErrorCode.CONFIG_INVALID, f"ComfyUI workflow {path}: not an object")
    return data


def _invalid(provider: str, detail: str) -> NexusError:
    return NexusError(
        ErrorCode.PROVIDER_RESPONSE_INVALID, f"{provider}: {detail}", extra={"provider": provider}
    )


def first_output(provider: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The first file of the finished prompt's outputs (images, gifs or videos)."""
    for node in (entry.get("outputs") or {}).values():
        for kind in ("images", "gifs", "videos"):
            for item in node.get(kind) or []:
                if item.get("type", "output") == "output":
                    return item
    raise _invalid(provider, "the finished prompt has no output file")


class ComfyUIAdapter:
    def __init__(self, spec: ProviderSpec, tls: ssl.SSLContext | None = None) -> None:
        self.spec = spec
        self.http = make_client(spec, tls)
        self.client_id = uuid.uuid4().hex

    async def close(self) -> None:
        await self.http.aclose()

    async def upload(self, data: bytes, filename: str) -> str:
        async def once() -> str:
            files = {"image": (filename, data, "application/octet-stream")}
            resp = check(
                self.spec.name,
                await self.http.post("/upload/image", files=files, data={"overwrite": "true"}),
            )
            body = parse_json(self.spec.name, resp)
            if not isinstance(body, dict) or "name" not in body:
                raise _invalid(self.spec.name, "upload answered without a name")
            sub = body.get("subfolder") or ""
            return f"{sub}/{body['name']}" if sub else str(body["name"])

        return await with_retries(self.spec, once)

    async def submit(self, workflow: dict[str, Any], params: dict[str, Any]) -> str:
        """Queue the workflow; returns the prompt id. Not retried after an ambiguous answer
        (a 5xx may have queued it): the client fails over or the attempt retries."""
        body = {"prompt": inject(workflow, params), "client_id": self.client_id}

        async def once() -> str:
            resp = check(self.spec.name, await self.http.post("/prompt", json=body))
            data = parse_json(self.spec.name, resp)
            if not isinstance(data, dict) or not data.get("prompt_id"):
                raise _invalid(self.spec.name, "queued without a prompt_id")
            if data.get("node_errors"):
                raise NexusError(
                    ErrorCode.PROVIDER_ERROR,
                    f"{self.spec.name}: node errors {data['node_errors']}",
                    extra={"provider": self.spec.name, "status": 400},
                )
            return str(data["prompt_id"])

        return await with_retries(self.spec, once, retries=0)

    async def wait(self, prompt_id: str, *, timeout_s: float) -> MediaResult:
        """Poll the history until the prompt finished, then download its first output."""
        with anyio.fail_after(timeout_s):
            while True:
                entry = await with_retries(self.spec, lambda: self._history(prompt_id))
                if entry is not None:
                    return await self._fetch(prompt_id, entry)
                await anyio.sleep(self.spec.poll_interval_s)

    async def _history(self, prompt_id: str) -> dict[str, Any] | None:
        resp = check(self.spec.name, await self.http.get(f"/history/{prompt_id}"))
        data = parse_json(self.spec.name, resp)
        entry = data.get(prompt_id) if isinstance(data, dict) else None
        if not isinstance(entry, dict):
            return None  # still queued or running
        status = entry.get("status") or {}
        if status.get("status_str") == "error":
            raise NexusError(
                ErrorCode.PROVIDER_ERROR,
                f"{self.spec.name}: prompt failed",
                extra={"provider": self.spec.name, "status": 400},
            )
        return entry if status.get("completed", True) else None

    async def _fetch(self, prompt_id: str, entry: dict[str, Any]) -> MediaResult:
        item = first_output(self.spec.name, entry)
        params = {
            "filename": item["filename"],
            "subfolder": item.get("subfolder", ""),
            "type": item.get("type", "output"),
        }

        async def once() -> bytes:
            return check(self.spec.name, await self.http.get("/view", params=params)).content

        data = await with_retries(self.spec, once)
        media = MEDIA_TYPES.get(
            Path(str(item["filename"])).suffix.lower(), "application/octet-stream"
        )
        return MediaResult(data=data, media_type=media, external_id=prompt_id)
