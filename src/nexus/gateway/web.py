"""Serves the built studio (``web/dist``) at ``/``: its files, and ``index.html`` for any
other page path (the SPA's client-side routes). Never answers for the API's own paths
(``/api/``, ``/docs``, ``/redoc``, ``/openapi.json``, ``/metrics``, ``/healthz``, ``/readyz``):
those keep their routes, and unknown ones stay problem+json 404s."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from nexus.core.settings import Settings

RESERVED = ("api", "docs", "redoc", "openapi.json", "metrics", "healthz", "readyz")
# Vite names assets by content hash: they never change, so caches may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
STUDIO_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
MISSING = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Nexus</title>
<p>The studio is not built. Run <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>
(or <code>bash scripts/bootstrap.sh</code>), then reload. The API is at
<a href="/docs">/docs</a>.</p></html>"""


def default_web_dir() -> Path:
    """The checkout's ``web/dist`` (src/nexus/gateway/web.py -> the repository root)."""
    return Path(__file__).resolve().parents[3] / "web" / "dist"


def resolve_asset(root: Path, path: str) -> Path | None:
    """The file under ``root`` that ``path`` names, or None (also for ``..`` escapes)."""
    if not path:
        return None
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


class StudioPath(Convertor[str]):
    """A path that is not the API's: reserved prefixes never match, so their unknown paths
    (and wrong methods: 405) keep the API's own problem+json answers."""

    regex = "(?!(?:" + "|".join(r.replace(".", "\\.") for r in RESERVED) + ")(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("studio", StudioPath())


def install_studio(app: FastAPI, settings: Settings) -> None:
    """Register the catch-all last, so every API route keeps precedence."""
    root = (settings.gateway.web_dir or default_web_dir()).resolve()

    @app.get("/{path:studio}", include_in_schema=False, response_model=None)
    async def studio(path: str, request: Request) -> Response:  # pyright: ignore[reportUnusedFunction]
        headers = {"content-security-policy": STUDIO_CSP, "vary": "accept-encoding"}
        gzip_ok = "gzip" in request.headers.get("accept-encoding", "")
        asset = resolve_asset(root, path)
        if asset is not None:
            immutable = path.startswith("assets/")
            headers["cache-control"] = IMMUTABLE if immutable else "no-cache"
            return serve_file(asset, headers, gzip_ok)
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(MISSING, status_code=503, headers=headers)
        headers["cache-control"] = "no-cache"
        return serve_file(index, headers, gzip_ok)


def serve_file(path: Path, headers: dict[str, str], gzip_ok: bool) -> FileResponse:
    """The file, or its precompressed ``.gz`` sibling (written by the build) when accepted."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    packed = path.with_name(path.name + ".gz")
    if gzip_ok and packed.is_file():
        return FileResponse(
            packed, media_type=media_type, headers={**headers, "content-encoding": "gzip"}
        )
    return FileResponse(path, media_type=media_type, headers=headers)
