"""``/api/v1/skills/user`` against a real server: editors upload, viewers cannot, versions are
immutable, manifests are refused with their field, and tenants never see each other's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gateway.conftest import World, world  # noqa: F401 - the session server fixture

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/skills/uppercase-subtitles"
pytestmark = pytest.mark.timeout(120)


def files(source: bytes | None = None, manifest: bytes | None = None) -> dict[str, object]:
    return {
        "manifest": ("manifest.yaml", manifest or (EXAMPLE / "manifest.yaml").read_bytes()),
        "source": ("main.py", source or (EXAMPLE / "main.py").read_bytes()),
    }


def test_upload_list_and_immutability(world: World) -> None:  # noqa: F811
    with world.client("editor_a") as c:
        first = c.post("/api/v1/skills/user", files=files())
        assert first.status_code == 201, first.text
        assert first.json()["name"] == "uppercase-subtitles" and first.json()["created"]
        again = c.post("/api/v1/skills/user", files=files())
        assert again.status_code == 200 and not again.json()["created"]
        changed = c.post("/api/v1/skills/user", files=files(source=b"def main(d):\n  return d\n"))
        assert changed.status_code == 409
        assert changed.json()["code"] == "skill_version_conflict"
        listed = c.get("/api/v1/skills/user").json()
        assert [s["name"] for s in listed["items"]] == ["uppercase-subtitles"]
        assert "source" not in listed["items"][0]
    with world.client("admin_b") as c:
        assert c.get("/api/v1/skills/user").json()["total"] == 0


def test_viewers_cannot_upload(world: World) -> None:  # noqa: F811
    with world.client("viewer_a") as c:
        r = c.post("/api/v1/skills/user", files=files())
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_invalid_manifest_names_the_field(world: World) -> None:  # noqa: F811
    bad = b"name: x\nversion: '1'\nlanguage: python\npermissions: {network_hosts: [evil.example]}\n"
    with world.client("editor_a") as c:
        r = c.post("/api/v1/skills/user", files=files(manifest=bad))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_manifest"
    assert "permissions.network_hosts" in str(body)
